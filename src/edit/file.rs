//! A document kept as a text file (JSON, TOML, .env): read with the refusals that protect it
//! (directories, symlink loops and non-UTF-8 content are errors, never something to overwrite),
//! written whole and atomically through its symlinks after a backup of its bytes.

use std::fs;
use std::io;
use std::path::Path;

use similar::TextDiff;

use super::backup;
use super::state::StateDir;
use super::storage::{Applied, Edit, Storage};
use super::target::{check_link_target_folder, io_error, resolved_target, set_mode};
use super::write::{create_private_dirs, remove_stale_temps, write_atomic};
use super::{EditError, KeyPath};

/// The storage of the text formats: the whole file is the document.
pub(crate) struct TextFile;

impl Storage for TextFile {
    fn read(&self, path: &Path, _keys: &[KeyPath]) -> Result<Option<String>, EditError> {
        read_current(path)
    }

    fn reread(
        &self,
        path: &Path,
        _planned: Option<&str>,
        _keys: &[KeyPath],
    ) -> Result<Option<String>, EditError> {
        read_current(path)
    }

    /// Backup first, then an atomic replace through the symlink chain, or the deletion.
    fn write(&self, state: &StateDir, edit: &Edit<'_>) -> Result<Applied, EditError> {
        let path = edit.path;
        let target = resolved_target(path)?;
        // Before the no-op check: a run with nothing to write still cleans up after a killed one.
        remove_stale_temps(&target)
            .map_err(|e| io_error(path, "cannot remove stale temp files", e))?;
        backup::remove_stale(state, path)?;
        if edit.is_noop() {
            // A secret already in place still must not stay readable by others; an undo that
            // changes no byte may still owe the file its mode from before agentgw.
            if let (Some(mode), Some(_)) = (edit.mode, edit.new) {
                set_mode(&target, mode)?;
            }
            return Ok(Applied::nothing());
        }
        let backup = match edit.original {
            Some(text) => Some(backup::save(state, path, text.as_bytes())?),
            None => None,
        };
        let written = match edit.new {
            Some(text) => create_folder(path, &target).and_then(|()| {
                write_atomic(path, text.as_bytes(), edit.mode)
                    .map_err(|e| io_error(path, "cannot write", e))
            }),
            None => fs::remove_file(&target).map_err(|e| io_error(path, "cannot delete", e)),
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

    /// Unified diff (`--- a/<path>` / `+++ b/<path>`, 3 lines of context).
    fn diff(&self, edit: &Edit<'_>) -> String {
        let old = edit.original.unwrap_or("");
        let new = edit.new.unwrap_or("");
        let shown = edit.path.to_string_lossy();
        let shown = shown.trim_start_matches('/');
        TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{shown}"), &format!("b/{shown}"))
            .to_string()
    }
}

/// The file's text, or `None` when it does not exist (a dangling symlink included: writing
/// will create its target).
fn read_current(path: &Path) -> Result<Option<String>, EditError> {
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

/// Creates the folder a new file goes in (0700), unless the file is reached through a symlink:
/// a link whose target folder is missing points somewhere that is not there (a dotfiles
/// repository not checked out, say), and guessing is worse than saying so.
fn create_folder(path: &Path, target: &Path) -> Result<(), EditError> {
    let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    check_link_target_folder(path, target)?;
    create_private_dirs(dir).map_err(|e| io_error(path, "cannot create the folder", e))
}
