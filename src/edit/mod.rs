//! Format-preserving edits of users' config files: plan (what would change, as a diff), apply (lock,
//! backup, atomic write through symlinks, managed-keys record) and undo.
//!
//! The promise: a user's config file never loses a byte. Keys agentgw does not own keep their
//! order, comments, indentation, quoting and trailing newline exactly, and a file that does not
//! parse is never rewritten.
//!
//! The modules, each using only those listed after it (there is no import cycle):
//! - `undo`, `tokens`, `apply`, `record`, `plan`: what to change, and the record of what agentgw
//!   changed, so it can be undone. They handle a document's text and never ask where it is kept.
//! - `file`, `sqlite`: the two storages (`storage::Storage`, chosen by `Format::storage`): a text
//!   file, or rows of Cursor's state database. Each reads, locks, backs up, writes (checking the
//!   document is still what the plan was made from) and shows a change its own way.
//! - `engine`, then `table`, `json`, `toml`, `dotenv`, `document`: edit steps run over a text.
//! - `storage`, `backup`, `state`, `target`, `error`, `write`, `clock`: the storage interface,
//!   backups, agentgw's state folder, paths through symlinks, errors, atomic writes.

mod apply;
mod backup;
pub(crate) mod clock;
mod document;
mod dotenv;
mod engine;
mod error;
mod file;
mod json;
mod plan;
mod record;
mod sqlite;
mod state;
mod storage;
mod table;
mod target;
mod tokens;
mod toml;
mod undo;
pub mod write;

use serde::{Deserialize, Serialize};

pub use apply::apply;
pub use error::{EditError, display_key};
pub use plan::{Plan, plan};
pub(crate) use record::digest_text;
pub use record::{changed_by_user, has_set, managed_files, tidy};
pub use sqlite::{RowValue, SUPPORTED as SQLITE_SUPPORTED, read_rows};
pub use state::StateDir;
pub use storage::Applied;
pub use tokens::{
    CopyState, TokenCopy, remove_backups_holding, remove_backups_of_a_file_it_left, token_copies,
};
pub(crate) use toml::json_to_toml;
pub use undo::{UndoPlan, apply_undo, plan_undo, plan_undo_each};

/// The values at `keys` in the file at `path` (`None` where absent, or when the file does not
/// exist). Read-only; for status checks and for reading back what an agent is configured with.
pub fn read_values(
    path: &std::path::Path,
    format: Format,
    keys: &[KeyPath],
) -> Result<Vec<Option<serde_json::Value>>, EditError> {
    let Some(text) = format.storage().read(path, keys)? else {
        return Ok(vec![None; keys.len()]);
    };
    engine::read_values(format, &text, keys).map_err(|syntax| EditError::Parse {
        path: path.to_path_buf(),
        line: syntax.line,
        col: syntax.col,
        message: syntax.message,
    })
}

/// The syntax of a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON, including JSON with comments and trailing commas.
    Json,
    Toml,
    Dotenv,
    /// A VS Code-style state database (SQLite `ItemTable(key, value)`, Cursor's `state.vscdb`):
    /// a key path's first segment is a row, the rest a path inside that row's JSON value.
    Sqlite,
}

impl Format {
    /// Where a document of this format is kept: the one place that tells a database from a
    /// text file (plan, apply and undo only ever see the document's text).
    pub(crate) fn storage(self) -> &'static dyn storage::Storage {
        match self {
            Format::Json | Format::Toml | Format::Dotenv => &file::TextFile,
            Format::Sqlite => &sqlite::Database,
        }
    }
}

/// A key inside a config file, outermost first: `["env", "ANTHROPIC_BASE_URL"]`. A `.env` key has
/// one element.
pub type KeyPath = Vec<String>;

/// One requested edit.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Sets the key, creating missing parent objects/tables; an existing key keeps its place and
    /// only its value is replaced.
    Set {
        key: KeyPath,
        value: serde_json::Value,
    },
    /// Removes the key if present.
    Remove { key: KeyPath },
}

/// What a plan does to one key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyChange {
    pub key: KeyPath,
    /// `None`: the key was absent.
    pub before: Option<serde_json::Value>,
    /// `None`: the key is removed (or stays absent).
    pub after: Option<serde_json::Value>,
}

impl KeyChange {
    /// False when the key already had the requested value.
    pub fn is_change(&self) -> bool {
        self.before != self.after
    }
}
