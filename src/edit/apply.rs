//! Carrying out a plan: lock, re-check, back up, write atomically, record.

use std::fs;
use std::path::{Path, PathBuf};

use super::EditError;
use super::backup;
use super::plan::Plan;
use super::read::{check_link_target_folder, current_of, io_error, resolved_target};
use super::record;
use super::state::StateDir;
use super::write::{create_private_dirs, remove_stale_temps, write_atomic};

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The file's content was written (or the file deleted).
    pub written: bool,
    /// Where the previous content was saved, if the file existed.
    pub backup: Option<PathBuf>,
}

impl Applied {
    fn nothing() -> Self {
        Applied {
            written: false,
            backup: None,
        }
    }
}

/// Applies `plan` for `owner` (an agent name like "claude"), recording the keys it sets as
/// managed by that owner. If the file changed since the plan was made, the same changes are
/// recomputed against its current content, so concurrent runs compose instead of clobbering.
pub fn apply(plan: &Plan, state: &StateDir, owner: &str) -> Result<Applied, EditError> {
    let _lock = lock_target(plan, state)?;
    // An unreadable record must stop us before the write: a change it cannot hold could never
    // be undone.
    record::load(state)?;
    let current = current_of(plan)?;
    let fresh;
    let plan = if current == plan.original {
        plan
    } else {
        fresh = plan.recompute(current)?;
        &fresh
    };
    if plan.is_noop() {
        return commit(plan, state);
    }
    // The first edit of a file keeps its text from before agentgw, for an exact undo.
    let first_edit = record::load(state)?.file(owner, &plan.path).is_none();
    if let (true, Some(original)) = (first_edit, &plan.original) {
        record::keep_original(state, &plan.path, original)?;
    }
    // Write-ahead: the record learns what agentgw is about to set before the file changes, so a
    // process killed in between leaves a record that can still undo it (an entry for a change
    // that never landed only makes undo find those keys already as they were).
    let mut before = None;
    record::update(state, |r| {
        before = Some(r.file(owner, &plan.path).cloned());
        r.note_applied(owner, plan);
    })?;
    match commit(plan, state) {
        Ok(applied) => Ok(applied),
        Err(e) => {
            let before = before.flatten();
            let _ = record::update(state, |r| r.put_back(owner, &plan.path, before));
            if first_edit {
                record::drop_original(state, &plan.path);
            }
            Err(e)
        }
    }
}

/// Holds the lock for the file `plan` edits.
pub(crate) fn lock_target(plan: &Plan, state: &StateDir) -> Result<fs::File, EditError> {
    let target = resolved_target(&plan.path)?;
    state.lock_file(&target)
}

/// Writes the plan's content (the caller holds the lock and has re-checked the file): backup
/// first, then an atomic replace through the symlink chain, or the deletion.
pub(crate) fn commit(plan: &Plan, state: &StateDir) -> Result<Applied, EditError> {
    if plan.format == super::Format::Sqlite {
        return super::sqlite::commit(plan, state);
    }
    let target = resolved_target(&plan.path)?;
    // Before the no-op check: a run with nothing to write still cleans up after a killed one.
    remove_stale_temps(&target)
        .map_err(|e| io_error(&plan.path, "cannot remove stale temp files", e))?;
    backup::remove_stale(state, &plan.path)?;
    if plan.is_noop() {
        // A secret already in place still must not stay readable by others; an undo that
        // changes no byte may still owe the file its mode from before agentgw.
        if let (Some(mode), Some(_)) = (plan.mode, &plan.new) {
            set_mode(&target, mode)?;
        }
        return Ok(Applied::nothing());
    }
    let backup = match &plan.original {
        Some(text) => Some(backup::save(state, &plan.path, text.as_bytes())?),
        None => None,
    };
    let written = match &plan.new {
        Some(text) => create_folder(plan, &target).and_then(|()| {
            write_atomic(&plan.path, text.as_bytes(), plan.mode)
                .map_err(|e| io_error(&plan.path, "cannot write", e))
        }),
        None => fs::remove_file(&target).map_err(|e| io_error(&plan.path, "cannot delete", e)),
    };
    if let Err(e) = written {
        // The file is as it was: a backup of it would only push a useful one out of rotation.
        if let Some(backup) = &backup {
            let _ = fs::remove_file(backup);
        }
        return Err(e);
    }
    Ok(Applied {
        written: true,
        backup,
    })
}

/// Creates the folder a new file goes in (0700), unless the file is reached through a symlink:
/// a link whose target folder is missing points somewhere that is not there (a dotfiles
/// repository not checked out, say), and guessing is worse than saying so.
fn create_folder(plan: &Plan, target: &Path) -> Result<(), EditError> {
    let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    check_link_target_folder(&plan.path, target)?;
    create_private_dirs(dir).map_err(|e| io_error(&plan.path, "cannot create the folder", e))
}

/// Gives the file at `target` the permission bits `mode`, when it has others.
#[cfg(unix)]
pub(crate) fn set_mode(target: &Path, mode: u32) -> Result<(), EditError> {
    use std::os::unix::fs::PermissionsExt;
    match super::write::file_mode(target) {
        Some(current) if current != mode => {
            fs::set_permissions(target, fs::Permissions::from_mode(mode))
                .map_err(|e| EditError::io(target, "cannot change the permissions", e))
        }
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_target: &Path, _mode: u32) -> Result<(), EditError> {
    Ok(())
}
