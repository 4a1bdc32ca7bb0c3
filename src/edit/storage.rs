//! Where a document lives, behind one interface: a text file (JSON, TOML, .env: src/edit/file.rs)
//! or rows of a state database (Cursor's `state.vscdb`: src/edit/sqlite.rs). Plan, apply and undo
//! work on a document's text only; reading it, locking it, backing it up, writing it (checking
//! that it is still what the plan was made from) and showing the change belong to the storage of
//! its format (`Format::storage`).
//!
//! This module knows neither kind, and both depend on it: the graph of src/edit stays acyclic.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::state::StateDir;
use super::target::resolved_target;
use super::{EditError, KeyChange, KeyPath};

/// One kind of place a document is kept in.
pub(crate) trait Storage {
    /// The current text of the document at `path` that holds `keys` (for a database: the view of
    /// the rows those keys lie in, see src/edit/table.rs); `None` when it does not exist.
    fn read(&self, path: &Path, keys: &[KeyPath]) -> Result<Option<String>, EditError>;

    /// The current text of what `planned` was read from: the same document (for a database, the
    /// same rows), to tell whether it changed since. `keys` are the plan's keys, for a document
    /// that did not exist when planned.
    fn reread(
        &self,
        path: &Path,
        planned: Option<&str>,
        keys: &[KeyPath],
    ) -> Result<Option<String>, EditError>;

    /// Serializes agentgw processes editing the document at `path`, until the file is dropped.
    /// The lock is taken on the end of the symlink chain, so two links to one file share it.
    fn lock(&self, state: &StateDir, path: &Path) -> Result<File, EditError> {
        state.lock_file(&resolved_target(path)?)
    }

    /// Carries out `edit`; the caller holds the lock and has re-read the document, so
    /// `edit.original` is what is there now. A backup of the document comes first.
    fn write(&self, state: &StateDir, edit: &Edit<'_>) -> Result<Applied, EditError>;

    /// What `edit` changes, for the user to see before it is made (never empty for a change).
    fn diff(&self, edit: &Edit<'_>) -> String;
}

/// A document's change as its storage carries it out.
pub(crate) struct Edit<'a> {
    /// As given (absolute, symlinks not resolved): the name every message shows.
    pub path: &'a Path,
    /// The text now; `None`: the document does not exist.
    pub original: Option<&'a str>,
    /// The text to leave; `None`: the document is absent afterwards.
    pub new: Option<&'a str>,
    /// The permission bits to leave the file with; `None` keeps the current ones.
    pub mode: Option<u32>,
    /// The new text holds a secret. (A text file gets `mode` 0600 for that; a database also
    /// makes its journal files private, and a build without SQLite has no database.)
    #[cfg_attr(not(feature = "cursor"), allow(dead_code))]
    pub secret: bool,
    pub key_changes: &'a [KeyChange],
}

impl Edit<'_> {
    /// True when the document's content stays as it is.
    pub fn is_noop(&self) -> bool {
        self.original == self.new
    }
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The file's content was written (or the file deleted).
    pub written: bool,
    /// Where the previous content was saved, if the file existed.
    pub backup: Option<PathBuf>,
}

impl Applied {
    pub(crate) fn nothing() -> Self {
        Applied {
            written: false,
            backup: None,
        }
    }
}
