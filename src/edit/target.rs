//! A path as the user gave it and the file it leads to through symlinks: what every kind of
//! storage needs before it reads, locks or writes, with the refusals that protect the user's
//! files (symlink loops, a link into a folder that is not there).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::EditError;
use super::write::{is_symlink_loop, resolve_symlinks};

/// The path agentgw records and reports: absolute, but with symlinks left as they are, so a
/// dotfile symlink that is later pointed elsewhere is still recognised.
pub(crate) fn absolute(path: &Path) -> Result<PathBuf, EditError> {
    std::path::absolute(path).map_err(|e| EditError::io(path, "cannot make the path absolute", e))
}

/// The final target of `path`'s symlink chain.
pub(crate) fn resolved_target(path: &Path) -> Result<PathBuf, EditError> {
    resolve_symlinks(path).map_err(|e| io_error(path, "cannot reach the file", e))
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
