//! Undo from the managed-keys record: put back what was there before agentgw, but never over a
//! value the user has changed since.

use std::path::Path;

use super::engine::{Op, read_values};
use super::plan::Plan;
use super::record::{self, FileRecord, Previous};
use super::state::StateDir;
use super::storage::Applied;
use super::target::is_symlink;
use super::{EditError, KeyPath};

/// Undoing one owner's edits to one file.
#[derive(Debug, Clone)]
pub struct UndoPlan {
    /// The file's new content; `plan.deletes_file()` when agentgw created the file and nothing
    /// else is left in it.
    pub plan: Plan,
    /// Keys the user changed since agentgw set them: left as the user has them.
    pub kept_user_values: Vec<KeyPath>,
}

impl UndoPlan {
    pub fn path(&self) -> &Path {
        self.plan.path()
    }
}

/// Plans the undo of everything recorded for `owner`: one plan per file, or the first file's
/// error. Read-only.
pub fn plan_undo(state: &StateDir, owner: &str) -> Result<Vec<UndoPlan>, EditError> {
    plan_undo_each(state, owner)?.into_iter().collect()
}

/// Like `plan_undo`, with each file's plan or error on its own: one file that cannot be read or
/// parsed must not keep the others from being undone.
pub fn plan_undo_each(
    state: &StateDir,
    owner: &str,
) -> Result<Vec<Result<UndoPlan, EditError>>, EditError> {
    let record = record::load(state)?;
    let Some(owner_record) = record.owners.get(owner) else {
        return Ok(Vec::new());
    };
    Ok(owner_record
        .files
        .iter()
        .map(|(path, file)| {
            let keys: Vec<KeyPath> = keys_of(file).cloned().collect();
            let current = file.format.storage().read(path, &keys)?;
            plan_file_undo(state, path, file, current)
        })
        .collect())
}

/// Applies one file's undo, then forgets the owner's record for that file. Like `apply`, it
/// locks, re-reads, and recomputes from the record if the file changed since planning.
pub fn apply_undo(undo: &UndoPlan, state: &StateDir, owner: &str) -> Result<Applied, EditError> {
    let path = undo.plan.path.clone();
    let _lock = undo.plan.lock(state)?;
    let current = undo.plan.reread()?;
    let fresh;
    let plan = if current == undo.plan.original {
        &undo.plan
    } else {
        let record = record::load(state)?;
        let Some(file) = record.file(owner, &path) else {
            // Another run undid this file already.
            return Ok(Applied::nothing());
        };
        fresh = plan_file_undo(state, &path, file, current)?;
        &fresh.plan
    };
    let applied = plan.write(state)?;
    record::update(state, |r| r.forget(owner, &path))?;
    record::drop_original(state, &path);
    Ok(applied)
}

fn plan_file_undo(
    state: &StateDir,
    path: &Path,
    file: &FileRecord,
    current: Option<String>,
) -> Result<UndoPlan, EditError> {
    let Some(text) = current else {
        // The file is gone: nothing to put back. A file agentgw created is simply undone
        // already (say, by an undo interrupted before it updated the record); otherwise the
        // user deleted it, and with it what agentgw had set.
        let kept = if file.created_file {
            Vec::new()
        } else {
            file.keys.iter().map(|k| k.key.clone()).collect()
        };
        return Ok(UndoPlan {
            plan: Plan::compute(path.to_path_buf(), file.format, Vec::new(), None)?,
            kept_user_values: kept,
        });
    };

    // Nobody has touched the file since agentgw last wrote it: give back its bytes from before
    // agentgw, to the last comment and line position, with their mode.
    if let Some(original) = original_if_untouched(state, path, file, &text) {
        let mut plan = Plan::compute(path.to_path_buf(), file.format, Vec::new(), Some(text))?;
        plan.new = Some(original);
        plan.mode = file.original_mode;
        return Ok(UndoPlan {
            plan,
            kept_user_values: Vec::new(),
        });
    }

    let keys: Vec<KeyPath> = file.keys.iter().map(|k| k.key.clone()).collect();
    let current_values =
        read_values(file.format, &text, &keys).map_err(|syntax| EditError::Parse {
            path: path.to_path_buf(),
            line: syntax.line,
            col: syntax.col,
            message: syntax.message,
        })?;

    let mut ops = Vec::new();
    let mut kept_user_values = Vec::new();
    // A token line that was the user's before agentgw stays, holding the token: the file
    // stays private then.
    let mut keeps_token = false;
    // Latest first, so a key set twice unwinds in the reverse order it was built up. The key
    // that made a container is the first one set in it, so by its turn the container is empty
    // and goes right away, before later steps could hand comments on to it.
    for (managed, current) in file.keys.iter().zip(current_values).rev() {
        if managed.was_there {
            keeps_token |= current.is_some() && managed.is_as_set(current.as_ref());
            continue;
        }
        // Already as before agentgw (an undo or a write that was interrupted): nothing to do.
        let as_before = match &managed.previous {
            Previous::Absent => current.is_none(),
            Previous::Present { value } => current.as_ref() == Some(value),
        };
        if as_before {
            continue;
        }
        if !managed.is_as_set(current.as_ref()) {
            kept_user_values.push(managed.key.clone());
            continue;
        }
        ops.push(match &managed.previous {
            Previous::Absent => Op::Remove {
                key: managed.key.clone(),
            },
            Previous::Present { value } => Op::Set {
                key: managed.key.clone(),
                value: value.clone(),
                source: managed.previous_source.clone(),
            },
        });
        ops.extend(innermost_first(managed.created_parents.clone()));
    }
    kept_user_values.reverse();
    // The file is back as it was only where nothing of the user's was kept: only then does it
    // get back the mode it had before agentgw made it private.
    let mode = file
        .original_mode
        .filter(|_| kept_user_values.is_empty() && !keeps_token);

    // Then every container agentgw created, whichever key it was made for: others may have
    // been added to it later, or its key removed by agentgw since.
    ops.extend(innermost_first(
        file.keys
            .iter()
            .flat_map(|k| k.created_parents.iter().cloned())
            .chain(file.leftover_created_parents.iter().cloned())
            .collect(),
    ));

    // Last: containers whose keys are back as they were get their original layout back,
    // outermost first (an outer one's text holds the inner ones').
    let mut containers: Vec<_> = file.container_sources.iter().collect();
    containers.sort_by_key(|c| c.key.len());
    ops.extend(containers.into_iter().map(|c| Op::RestoreContainerSource {
        key: c.key.clone(),
        source: c.source.clone(),
    }));

    let mut plan = Plan::compute(path.to_path_buf(), file.format, ops, Some(text))?;
    // A file agentgw created but the user has since turned into a symlink (say, into a dotfiles
    // repository) is the user's now: it is emptied, not deleted.
    if file.created_file
        && plan_leaves_nothing(&plan)?
        && (file.created_through_symlink || !is_symlink(path))
    {
        plan.new = None;
    } else if let Some(original) = &file.keyless_original
        && plan
            .new
            .as_deref()
            .is_some_and(|new| same_but_layout(new, original))
    {
        plan.new = Some(original.clone());
    } else if file.no_final_newline
        && let Some(new) = &mut plan.new
        && new.ends_with('\n')
    {
        new.pop();
        if new.ends_with('\r') {
            new.pop();
        }
    }
    plan.mode = mode;
    Ok(UndoPlan {
        plan,
        kept_user_values,
    })
}

/// The file's text from before agentgw, when the file is exactly as agentgw last wrote it.
fn original_if_untouched(
    state: &StateDir,
    path: &Path,
    file: &FileRecord,
    current: &str,
) -> Option<String> {
    let untouched = file.written_digest.as_deref() == Some(record::digest_text(current).as_str());
    let wanted = file.original_digest.as_deref().filter(|_| untouched)?;
    let original = record::read_original(state, path)?;
    (record::digest_text(&original) == wanted).then_some(original)
}

/// True when `undone` differs from `original` only in whitespace and one empty `{}` (the
/// object agentgw had to add to a JSON file without one): nothing the user wrote since is lost
/// by giving back `original`.
fn same_but_layout(undone: &str, original: &str) -> bool {
    let squeeze = |text: &str| {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    let undone = squeeze(undone);
    let original = squeeze(original);
    undone == original || undone.replacen("{}", "", 1) == original
}

/// Every key the record names for a file: what undo has to read.
fn keys_of(file: &FileRecord) -> impl Iterator<Item = &KeyPath> {
    file.keys
        .iter()
        .map(|k| &k.key)
        .chain(file.container_sources.iter().map(|c| &c.key))
        .chain(&file.leftover_created_parents)
}

fn innermost_first(mut containers: Vec<KeyPath>) -> impl Iterator<Item = Op> {
    containers.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    containers.dedup();
    containers
        .into_iter()
        .map(|key| Op::RemoveContainerIfEmpty { key })
}

/// True when the undone file holds nothing a user wrote (no keys, no comments).
fn plan_leaves_nothing(plan: &Plan) -> Result<bool, EditError> {
    let Some(text) = &plan.new else {
        return Ok(true);
    };
    super::engine::holds_nothing(plan.format, text).map_err(|syntax| EditError::Parse {
        path: plan.path.clone(),
        line: syntax.line,
        col: syntax.col,
        message: syntax.message,
    })
}
