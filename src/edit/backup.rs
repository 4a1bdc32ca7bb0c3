//! Copies of a file's content taken before each write, so any edit can be reverted by hand.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::EditError;
use super::clock::utc_stamp;
use super::state::{StateDir, file_id};
use super::target::absolute;
use super::write::{create_private_dirs, remove_stale_temps};

/// Backups kept per file; older ones are deleted.
pub(crate) const KEEP_PER_FILE: usize = 10;

/// Saves `contents` as `<state>/backups/<file-id>/<UTC timestamp>.bak` (mode 0600) and prunes
/// the oldest beyond `KEEP_PER_FILE`. Returns the backup's path. The copy is written to a temp
/// file and renamed into place, so a killed run never leaves a torn backup behind.
pub(crate) fn save(state: &StateDir, path: &Path, contents: &[u8]) -> Result<PathBuf, EditError> {
    save_with(state, path, |file, _| file.write_all(contents))
}

/// Like `save`, but `fill` writes the backup: it gets the new, empty 0600 file both open and by
/// name (a database snapshots itself into a file it names).
pub(crate) fn save_with(
    state: &StateDir,
    path: &Path,
    fill: impl FnOnce(&mut fs::File, &Path) -> io::Result<()>,
) -> Result<PathBuf, EditError> {
    let dir = state.subdir("backups")?.join(file_id(path));
    create_private_dirs(&dir)
        .map_err(|e| EditError::io(&dir, "cannot create the backup folder", e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{TEMP_NAME}.agentgw-tmp-"))
        .tempfile_in(&dir)
        .map_err(|e| EditError::io(&dir, "cannot create the backup", e))?;
    let temp_path = temp.path().to_path_buf();
    fill(temp.as_file_mut(), &temp_path)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| EditError::io(&dir, "cannot write the backup", e))?;

    // Two backups within one microsecond would share a name; the later one moves a
    // microsecond on, which keeps names unique and in order.
    let mut time = SystemTime::now();
    let backup = loop {
        let candidate = dir.join(format!("{}.bak", utc_stamp(time)));
        match temp.persist_noclobber(&candidate) {
            Ok(_) => break candidate,
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                temp = e.file;
                time += Duration::from_micros(1);
            }
            Err(e) => {
                return Err(EditError::io(
                    &candidate,
                    "cannot create the backup",
                    e.error,
                ));
            }
        }
    };
    prune(&dir).map_err(|e| EditError::io(&dir, "cannot remove old backups", e))?;
    Ok(backup)
}

/// The name whose temp-file prefix backups are written under.
const TEMP_NAME: &str = "backup";

/// Deletes backup temp files a killed run left for the file at `path`. Only the holder of the
/// file's lock writes its backups, so call this holding it.
pub(crate) fn remove_stale(state: &StateDir, path: &Path) -> Result<(), EditError> {
    let dir = state.root().join("backups").join(file_id(path));
    remove_stale_temps(&dir.join(TEMP_NAME))
        .map_err(|e| EditError::io(&dir, "cannot remove stale temp files", e))
}

impl StateDir {
    /// The backups kept of the file at `path` (as given to `plan`), oldest first.
    pub fn backups(&self, path: &Path) -> Result<Vec<PathBuf>, EditError> {
        let path = absolute(path)?;
        list(self, &path).map_err(|e| EditError::io(&path, "cannot list backups", e))
    }
}

/// The backups of the file at `path`, oldest first.
pub(crate) fn list(state: &StateDir, path: &Path) -> io::Result<Vec<PathBuf>> {
    list_in(&state.root().join("backups").join(file_id(path)))
}

fn list_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut backups: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "bak"))
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    // Timestamp names sort in time order.
    backups.sort();
    Ok(backups)
}

fn prune(dir: &Path) -> io::Result<()> {
    let backups = list_in(dir)?;
    let excess = backups.len().saturating_sub(KEEP_PER_FILE);
    for old in &backups[..excess] {
        fs::remove_file(old)?;
    }
    Ok(())
}
