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
    /// The file is not UTF-8 text; it was not touched. `line` and `col` (1-based, col in bytes)
    /// locate the first byte that is not.
    NotUtf8 {
        path: PathBuf,
        line: usize,
        col: usize,
    },
    /// The path names a directory where a config file was expected.
    IsDirectory { path: PathBuf },
    /// Following the path's symlinks never reaches a file.
    SymlinkLoop { path: PathBuf },
    /// The path is a symlink to a file that does not exist, in a folder that does not exist
    /// either: there is nowhere to create it.
    DanglingSymlink { path: PathBuf, target: PathBuf },
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
        /// The file `path` leads to through symlinks, when that is another file: the folder
        /// where a write happens (and fails) is that file's.
        target: Option<PathBuf>,
    },
}

impl EditError {
    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> Self {
        let target = super::write::resolve_symlinks(path)
            .ok()
            .filter(|target| target != path);
        EditError::Io {
            path: path.to_path_buf(),
            action,
            source,
            target,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            EditError::Parse { path, .. }
            | EditError::NotUtf8 { path, .. }
            | EditError::IsDirectory { path }
            | EditError::SymlinkLoop { path }
            | EditError::DanglingSymlink { path, .. }
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
            EditError::NotUtf8 { path, line, col } => write!(
                f,
                "{}:{line}:{col}: not UTF-8 text (a byte there is not valid UTF-8); agentgw changed nothing.\n\
                 agentgw edits UTF-8 text only: save the file as UTF-8 (an editor's \"save with encoding\"), \
                 then run the command again.",
                path.display()
            ),
            EditError::IsDirectory { path } => write!(
                f,
                "{}: is a directory, expected a config file; agentgw changed nothing.\n\
                 Move the directory aside (mv '{0}' '{0}.dir'), then run the command again.",
                path.display()
            ),
            EditError::SymlinkLoop { path } => write!(
                f,
                "{}: symlink loop (the links never reach a file); agentgw changed nothing.\n\
                 Point the link at a real file (ls -l '{0}' shows where it goes), then run the command again.",
                path.display()
            ),
            EditError::DanglingSymlink { path, target } => write!(
                f,
                "{}: is a symlink to {}, whose folder does not exist; agentgw changed nothing.\n\
                 Create that folder (is your dotfiles repository checked out?) or replace the link, \
                 then run the command again.",
                path.display(),
                target.display()
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
                target,
            } => {
                write!(f, "{}: {action}: {source}", path.display())?;
                match io_fix(path, target.as_deref(), source) {
                    Some(fix) => write!(f, "\n{fix}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// What to do about an I/O failure the user can fix, in one or two sentences. For a symlink,
/// about the file it leads to (`target`): the temp file and the rename happen in its folder.
fn io_fix(path: &Path, target: Option<&Path>, error: &io::Error) -> Option<String> {
    let link = target.map(|t| format!("'{}' is a symlink to '{}'. ", path.display(), t.display()));
    let path = target.unwrap_or(path);
    let shown = path.display();
    let folder = path
        .parent()
        .map_or_else(|| ".".to_string(), |d| d.display().to_string());
    if let Some(owner) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<super::write::OwnedByAnotherUser>())
    {
        return Some(format!(
            "agentgw changed nothing: writing would replace a file of uid {} with one of yours. \
             Run agentgw as that user, or take the file over (sudo chown \"$(id -un)\" '{shown}'), \
             then run the command again.",
            owner.uid
        ));
    }
    Some(match error.kind() {
        io::ErrorKind::PermissionDenied => format!(
            "{}agentgw writes the new content to a temp file in '{folder}' and renames it over the file, \
             so it needs write access to that folder and read access to the file: check their owner \
             and permissions (ls -ld '{folder}' '{shown}'), then run the command again.",
            link.unwrap_or_default()
        ),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge => {
            format!(
                "The disk (or your quota or file-size limit) holding '{folder}' is full; the file \
                 itself was not changed. Free some space, then run the command again."
            )
        }
        io::ErrorKind::ReadOnlyFilesystem => format!(
            "'{folder}' is on a read-only filesystem; the file was not changed. Remount it \
             read-write (or point the agent at a writable config folder), then run the command again."
        ),
        _ => return None,
    })
}

// The I/O cause is part of the message already; not also returning it as `source()` keeps
// `{:#}` (anyhow's chain) from printing it twice.
impl std::error::Error for EditError {}
