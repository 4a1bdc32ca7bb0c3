//! Reading a config file's current text, with the refusals that protect it: directories,
//! symlink loops and non-UTF-8 content are errors, never something to overwrite.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::plan::Plan;
use super::write::{is_symlink_loop, resolve_symlinks};
use super::{EditError, Format, KeyPath};

/// The path agentgw records and reports: absolute, but with symlinks left as they are, so a
/// dotfile symlink that is later pointed elsewhere is still recognised.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf, EditError> {
    std::path::absolute(path).map_err(|e| EditError::io(path, "cannot make the path absolute", e))
}

/// The final target of `path`'s symlink chain.
pub(crate) fn resolved_target(path: &Path) -> Result<PathBuf, EditError> {
    resolve_symlinks(path).map_err(|e| io_error(path, "cannot reach the file", e))
}

/// The file's text, or `None` when it does not exist (a dangling symlink included: writing
/// will create its target).
pub(crate) fn read_current(path: &Path) -> Result<Option<String>, EditError> {
    let target = resolved_target(path)?;
    let bytes = match fs::read(&target) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(_) if target.is_dir() => {
            return Err(EditError::IsDirectory {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(io_error(path, "cannot read", e)),
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let bytes = e.as_bytes();
        let bad = e.utf8_error().valid_up_to();
        let line_start = bytes[..bad]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        EditError::NotUtf8 {
            path: path.to_path_buf(),
            line: bytes[..bad].iter().filter(|&&b| b == b'\n').count() + 1,
            col: bad - line_start + 1,
        }
    })
}

/// A file reached through a symlink can be created only where the link's target folder exists.
pub(crate) fn check_link_target_folder(path: &Path, target: &Path) -> Result<(), EditError> {
    let folder_missing = target
        .parent()
        .is_some_and(|dir| !dir.as_os_str().is_empty() && !dir.is_dir());
    if target != path && folder_missing {
        return Err(EditError::DanglingSymlink {
            path: path.to_path_buf(),
            target: target.to_path_buf(),
        });
    }
    Ok(())
}

/// The current text of the document at `path` that holds `keys`: the file's text, or for a
/// database the view of the rows those keys lie in (see src/edit/table.rs).
pub(crate) fn read_document<'k>(
    path: &Path,
    format: Format,
    keys: impl IntoIterator<Item = &'k KeyPath>,
) -> Result<Option<String>, EditError> {
    match format {
        Format::Sqlite => {
            let mut rows: Vec<String> = Vec::new();
            for row in keys.into_iter().filter_map(|k| k.first()) {
                if !rows.contains(row) {
                    rows.push(row.clone());
                }
            }
            super::sqlite::read_view(path, &rows)
        }
        _ => read_current(path),
    }
}

/// The current text of what `plan` was computed from (for a database: the same rows).
pub(crate) fn current_of(plan: &Plan) -> Result<Option<String>, EditError> {
    match (plan.format, &plan.original) {
        (Format::Sqlite, Some(view)) => {
            let rows: Vec<String> = super::table::view_rows(view)
                .into_iter()
                .map(|(row, _)| row)
                .collect();
            super::sqlite::read_view(&plan.path, &rows)
        }
        (Format::Sqlite, None) => read_document(&plan.path, plan.format, plan.op_keys()),
        _ => read_current(&plan.path),
    }
}

pub(crate) fn io_error(path: &Path, action: &'static str, error: io::Error) -> EditError {
    if is_symlink_loop(&error) {
        EditError::SymlinkLoop {
            path: path.to_path_buf(),
        }
    } else {
        EditError::io(path, action, error)
    }
}

/// True when `path` itself is a symlink.
pub(crate) fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}
