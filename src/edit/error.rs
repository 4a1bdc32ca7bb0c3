//! The one error type of the edit engine. Every variant names the file, because the user has to
//! know which of their config files is at fault.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::KeyPath;

#[derive(Debug)]
pub enum EditError {
    /// The file does not parse; it was not touched.
    Parse {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    /// The file is not UTF-8 text; it was not touched.
    NotUtf8 { path: PathBuf },
    /// The path names a directory where a config file was expected.
    IsDirectory { path: PathBuf },
    /// Following the path's symlinks never reaches a file.
    SymlinkLoop { path: PathBuf },
    /// A change cannot be made without destroying something the user wrote, e.g. setting
    /// `env.X` while `env` is a string.
    Conflict {
        path: PathBuf,
        key: KeyPath,
        message: String,
    },
    /// The value cannot be written in this file's format (null in TOML, a number in a .env file).
    UnsupportedValue {
        path: PathBuf,
        key: KeyPath,
        message: String,
    },
    /// A database could not be read or written as needed (locked, not the expected schema).
    Database { path: PathBuf, message: String },
    /// agentgw's own managed-keys record is unreadable.
    Record { path: PathBuf, message: String },
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
}

impl EditError {
    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> Self {
        EditError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            EditError::Parse { path, .. }
            | EditError::NotUtf8 { path }
            | EditError::IsDirectory { path }
            | EditError::SymlinkLoop { path }
            | EditError::Conflict { path, .. }
            | EditError::UnsupportedValue { path, .. }
            | EditError::Record { path, .. }
            | EditError::Database { path, .. }
            | EditError::Io { path, .. } => path,
        }
    }
}

/// Renders a key path the way a user would look for it in the file: `env.ANTHROPIC_BASE_URL`,
/// quoting segments that would otherwise be ambiguous.
pub fn display_key(key: &[String]) -> String {
    key.iter()
        .map(|segment| {
            let plain = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if plain {
                segment.clone()
            } else {
                format!("{segment:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Parse {
                path,
                line,
                col,
                message,
            } => write!(
                f,
                "{}:{line}:{col}: {message}\nagentgw changed nothing. Fix the syntax error at line {line} \
                 (or move the file aside), then run the command again.",
                path.display()
            ),
            EditError::NotUtf8 { path } => write!(
                f,
                "{}: not UTF-8 text; agentgw edits text config files only and changed nothing",
                path.display()
            ),
            EditError::IsDirectory { path } => write!(
                f,
                "{}: is a directory, expected a config file; agentgw changed nothing",
                path.display()
            ),
            EditError::SymlinkLoop { path } => write!(
                f,
                "{}: symlink loop (the links never reach a file); agentgw changed nothing",
                path.display()
            ),
            EditError::Conflict { path, key, message } => write!(
                f,
                "{}: cannot set {}: {message}; agentgw changed nothing",
                path.display(),
                display_key(key)
            ),
            EditError::UnsupportedValue { path, key, message } => write!(
                f,
                "{}: cannot write {}: {message}",
                path.display(),
                display_key(key)
            ),
            EditError::Database { path, message } => {
                write!(f, "{}: {message}; agentgw changed nothing", path.display())
            }
            EditError::Record { path, message } => write!(
                f,
                "{}: agentgw's record of the settings it manages is unreadable: {message}\n\
                 Move the file aside to start a fresh record.",
                path.display()
            ),
            EditError::Io {
                path,
                action,
                source,
            } => write!(f, "{}: {action}: {source}", path.display()),
        }
    }
}

// The I/O cause is part of the message already; not also returning it as `source()` keeps
// `{:#}` (anyhow's chain) from printing it twice.
impl std::error::Error for EditError {}
