//! A plan: the new content of one file, computed read-only, with its diff and per-key changes.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::document::KeyError;
use super::engine::{Op, Outcome, RunError, run_ops};
use super::state::StateDir;
use super::storage::{Applied, Edit, Storage};
use super::target::{absolute, check_link_target_folder, resolved_target};
use super::{Change, EditError, Format, KeyChange, KeyPath};

/// What would change in one file. Computed read-only.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(crate) path: PathBuf,
    pub(crate) format: Format,
    /// The edit steps, kept so `apply` can redo them if the file changed in the meantime.
    pub(crate) ops: Vec<Op>,
    /// The file's text when planned; `None`: it did not exist.
    pub(crate) original: Option<String>,
    /// The text to write; `None`: the file is absent afterwards (deleted, or never created).
    pub(crate) new: Option<String>,
    pub(crate) key_changes: Vec<KeyChange>,
    pub(crate) created_parents: Vec<(KeyPath, Vec<KeyPath>)>,
    pub(crate) previous_sources: Vec<(KeyPath, String)>,
    pub(crate) container_sources: Vec<(KeyPath, String)>,
    /// The original text set no key (empty, blank or only comments).
    pub(crate) original_keyless: bool,
    pub(crate) secret: bool,
    /// The file's permission bits when planned (`None`: absent, or not a Unix system).
    pub(crate) original_mode: Option<u32>,
    /// The mode to leave the file with; `None` keeps the current one (0600 for a secret).
    pub(crate) mode: Option<u32>,
    /// The key that holds a profile's token, when this plan writes or clears one.
    pub(crate) token: Option<TokenKey>,
}

/// A key holding a profile's token (Gemini's `GEMINI_API_KEY`, an inline Claude token, Cursor's
/// key row): remembered in the record so `logout` can take the token out and `login` put the
/// new one in, wherever agentgw wrote it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TokenKey {
    pub key: KeyPath,
    pub profile: String,
    /// The plan removes the token for `logout`: undo treats the key's absence as agentgw's doing.
    pub clearing: bool,
}

/// Computes what applying `changes` to the file at `path` would do, without touching it.
pub fn plan(path: &Path, format: Format, changes: &[Change]) -> Result<Plan, EditError> {
    let path = absolute(path)?;
    let keys: Vec<KeyPath> = changes
        .iter()
        .map(|c| match c {
            Change::Set { key, .. } | Change::Remove { key } => key.clone(),
        })
        .collect();
    let original = format.storage().read(&path, &keys)?;
    let target = resolved_target(&path)?;
    if original.is_none() {
        check_link_target_folder(&path, &target)?;
    }
    let ops = changes
        .iter()
        .map(|change| match change {
            Change::Set { key, value } => Op::Set {
                key: key.clone(),
                value: value.clone(),
                source: None,
            },
            Change::Remove { key } => Op::Remove { key: key.clone() },
        })
        .collect();
    let mut plan = Plan::compute(path, format, ops, original)?;
    plan.original_mode = super::write::file_mode(&target).filter(|_| plan.original.is_some());
    Ok(plan)
}

impl Plan {
    pub(crate) fn compute(
        path: PathBuf,
        format: Format,
        ops: Vec<Op>,
        original: Option<String>,
    ) -> Result<Plan, EditError> {
        let outcome = run(&path, format, original.as_deref().unwrap_or(""), &ops)?;
        // Removing keys from a file that does not exist must not create an empty one.
        let new = match &original {
            None if outcome.text.is_empty() => None,
            _ => Some(outcome.text),
        };
        Ok(Plan {
            path,
            format,
            ops,
            original,
            new,
            key_changes: outcome.key_changes,
            created_parents: outcome.created_parents,
            previous_sources: outcome.previous_sources,
            container_sources: outcome.container_sources,
            original_keyless: outcome.was_keyless,
            secret: false,
            original_mode: None,
            mode: None,
            token: None,
        })
    }

    /// The same edit steps applied to the file's text as it is now.
    pub(crate) fn recompute(&self, current: Option<String>) -> Result<Plan, EditError> {
        let mut fresh = Plan::compute(self.path.clone(), self.format, self.ops.clone(), current)?;
        fresh.secret = self.secret;
        fresh.original_mode = self.original_mode;
        fresh.mode = self.mode;
        fresh.token = self.token.clone();
        Ok(fresh)
    }

    /// Where the file's content is kept: a text file, or a database's rows.
    fn storage(&self) -> &'static dyn Storage {
        self.format.storage()
    }

    /// Holds the lock for the file, until dropped.
    pub(crate) fn lock(&self, state: &StateDir) -> Result<File, EditError> {
        self.storage().lock(state, &self.path)
    }

    /// The file's content as it is now (for a database: the rows the plan was made from), to
    /// tell whether it changed since the plan was made.
    pub(crate) fn reread(&self) -> Result<Option<String>, EditError> {
        let keys: Vec<KeyPath> = self.op_keys().cloned().collect();
        self.storage()
            .reread(&self.path, self.original.as_deref(), &keys)
    }

    /// Writes the new content (the caller holds the lock and has re-read the file): a backup of
    /// the file first, then the write, or the deletion.
    pub(crate) fn write(&self, state: &StateDir) -> Result<Applied, EditError> {
        self.storage().write(state, &self.as_edit())
    }

    /// This plan as its storage writes it.
    fn as_edit(&self) -> Edit<'_> {
        Edit {
            path: &self.path,
            original: self.original.as_deref(),
            new: self.new.as_deref(),
            mode: self.mode,
            secret: self.secret,
            key_changes: &self.key_changes,
        }
    }

    /// The keys the edit steps name.
    fn op_keys(&self) -> impl Iterator<Item = &KeyPath> {
        self.ops.iter().map(|op| match op {
            Op::Set { key, .. }
            | Op::Remove { key }
            | Op::RemoveContainerIfEmpty { key }
            | Op::RestoreContainerSource { key, .. } => key,
        })
    }

    /// The file, as given (absolute, symlinks not resolved).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// True when applying would not change the file's content.
    pub fn is_noop(&self) -> bool {
        self.original == self.new
    }

    /// True when the file does not exist yet and applying creates it.
    pub fn creates_file(&self) -> bool {
        self.original.is_none() && self.new.is_some()
    }

    /// True when applying deletes the file (only undo does that, for a file agentgw created).
    pub fn deletes_file(&self) -> bool {
        self.original.is_some() && self.new.is_none()
    }

    /// The file's content when planned; `None` if it did not exist.
    pub fn current_content(&self) -> Option<&str> {
        self.original.as_deref()
    }

    /// The content after applying; `None` if the file will not exist.
    pub fn new_content(&self) -> Option<&str> {
        self.new.as_deref()
    }

    /// What applying changes, for the user to see; empty for a no-op. For a text file a
    /// unified diff (`--- a/<path>` / `+++ b/<path>`, 3 lines of context); for a database each
    /// changed key as `before → after`, a whole row's value never shown (it holds an API key).
    pub fn diff(&self) -> String {
        if self.is_noop() {
            return String::new();
        }
        self.storage().diff(&self.as_edit())
    }

    /// Marks the new content as holding a secret: the file must end up mode 0600.
    pub fn with_secret(mut self, secret: bool) -> Self {
        self.secret = secret;
        if secret {
            self.mode = Some(0o600);
        }
        self
    }

    /// Marks `key` as where this plan puts `profile`'s token (the file becomes 0600).
    pub fn with_token(mut self, key: KeyPath, profile: &str) -> Self {
        self.token = Some(TokenKey {
            key,
            profile: profile.to_string(),
            clearing: false,
        });
        self.with_secret(true)
    }

    /// The key of this plan's file that holds a profile's token, if it writes one.
    pub fn token_key(&self) -> Option<&[String]> {
        self.token.as_ref().map(|t| t.key.as_slice())
    }

    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// Per key: its path, the value before (`None`: absent) and after (`None`: removed).
    pub fn key_changes(&self) -> &[KeyChange] {
        &self.key_changes
    }

    pub(crate) fn created_parents_of(&self, key: &[String]) -> Vec<KeyPath> {
        self.created_parents
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, created)| created.clone())
            .unwrap_or_default()
    }

    pub(crate) fn previous_source_of(&self, key: &[String]) -> Option<String> {
        self.previous_sources
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, source)| source.clone())
    }
}

/// Runs the steps, turning failures into errors that name the file.
fn run(path: &Path, format: Format, text: &str, ops: &[Op]) -> Result<Outcome, EditError> {
    run_ops(format, text, ops).map_err(|e| match e {
        RunError::Syntax(syntax) => EditError::Parse {
            path: path.to_path_buf(),
            line: syntax.line,
            col: syntax.col,
            message: syntax.message,
        },
        RunError::Key(KeyError::Conflict { key, message }) => EditError::Conflict {
            path: path.to_path_buf(),
            key,
            message,
        },
        RunError::Key(KeyError::UnsupportedValue { key, message }) => EditError::UnsupportedValue {
            path: path.to_path_buf(),
            key,
            message,
        },
    })
}
