//! Versions found before, kept in agentgw's state folder (`agent-versions.json`, 0600) and keyed
//! by the executable's path, size and times: a new install replaces the file and so misses.
//!
//! The cache is a convenience: a file that is missing, unreadable or corrupt counts as empty and
//! is written anew; a failed write is ignored. Nothing here is ever an error for the command.

use super::super::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const FILE_NAME: &str = "agent-versions.json";

/// Entries kept at most: one per agent install a user has had on PATH recently.
const MAX_ENTRIES: usize = 32;

/// What identifies one build of an executable without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    size: u64,
    /// Modification time, nanoseconds since the epoch.
    modified_ns: i64,
    /// Status-change time (Unix), nanoseconds since the epoch; 0 elsewhere. npm and tar may give
    /// unpacked files a fixed modification time, but replacing a file always changes this one.
    changed_ns: i64,
}

impl Stamp {
    pub fn of(file: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(file).ok()?;
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Some(Stamp {
            size: meta.len(),
            modified_ns,
            changed_ns: changed_ns(&meta),
        })
    }
}

#[cfg(unix)]
fn changed_ns(meta: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    meta.ctime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.ctime_nsec())
}

#[cfg(not(unix))]
fn changed_ns(_meta: &std::fs::Metadata) -> i64 {
    0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    stamp: Stamp,
    version: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Document {
    /// By the executable's absolute, symlink-free path.
    entries: BTreeMap<PathBuf, Entry>,
}

/// The cache file in one folder.
pub struct VersionCache {
    file: PathBuf,
}

/// Threads of one process save one after another, each over what the one before saved.
static SAVING: Mutex<()> = Mutex::new(());

impl VersionCache {
    pub fn in_dir(dir: &Path) -> VersionCache {
        VersionCache {
            file: dir.join(FILE_NAME),
        }
    }

    /// The version stored for `file` if the file is still the one it was found for.
    pub fn get(&self, file: &Path, stamp: &Stamp) -> Option<Version> {
        let entry = load(&self.file).entries.remove(file)?;
        (entry.stamp == *stamp)
            .then(|| Version::find_in(&entry.version))
            .flatten()
    }

    /// Records `version` for `file`. Reads the file again first, so what other threads or
    /// processes stored meanwhile is kept.
    pub fn put(&self, file: &Path, stamp: Stamp, version: Version) {
        let _one_at_a_time = SAVING.lock().unwrap_or_else(|e| e.into_inner());
        let mut document = load(&self.file);
        document.entries.insert(
            file.to_path_buf(),
            Entry {
                stamp,
                version: version.to_string(),
            },
        );
        // Installs that are gone are forgotten; the rest capped, newest files first.
        document.entries.retain(|path, _| path.exists());
        if document.entries.len() > MAX_ENTRIES {
            let mut by_age: Vec<(PathBuf, i64)> = document
                .entries
                .iter()
                .map(|(p, e)| (p.clone(), e.stamp.modified_ns))
                .collect();
            by_age.sort_by_key(|(_, modified)| std::cmp::Reverse(*modified));
            for (path, _) in by_age.into_iter().skip(MAX_ENTRIES) {
                document.entries.remove(&path);
            }
        }
        let _ = save(&self.file, &document);
    }
}

fn load(file: &Path) -> Document {
    std::fs::read(file)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Written whole to a temp file (0600) beside it, then renamed over it: a reader sees the old
/// cache or the new one. Not synced to disk: losing it in a crash costs one lookup, while syncing
/// each save doubled the time of a first `status` (median 18 ms instead of 9 ms, release build).
fn save(file: &Path, document: &Document) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    crate::edit::write::create_own_private_dir(dir)?;
    let text = serde_json::to_vec_pretty(document).map_err(std::io::Error::other)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".agent-versions.json.");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut temp = builder.tempfile_in(dir)?;
    std::io::Write::write_all(&mut temp, &text)?;
    temp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_found_again_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("codex");
        std::fs::write(&exe, "one").unwrap();
        let cache = VersionCache::in_dir(&dir.path().join("state"));
        let stamp = Stamp::of(&exe).unwrap();
        assert_eq!(cache.get(&exe, &stamp), None);
        cache.put(&exe, stamp.clone(), Version(0, 171, 0));
        assert_eq!(cache.get(&exe, &stamp), Some(Version(0, 171, 0)));
        // Same size, another build: it misses.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&exe, "two").unwrap();
        assert_eq!(cache.get(&exe, &Stamp::of(&exe).unwrap()), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_file_is_private_and_a_corrupt_one_is_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state).unwrap();
        std::fs::write(state.join(FILE_NAME), "{\"entries\": {\"/x\": ").unwrap();
        let exe = dir.path().join("gemini");
        std::fs::write(&exe, "x").unwrap();
        let cache = VersionCache::in_dir(&state);
        let stamp = Stamp::of(&exe).unwrap();
        assert_eq!(cache.get(&exe, &stamp), None);
        cache.put(&exe, stamp.clone(), Version(0, 61, 0));
        assert_eq!(cache.get(&exe, &stamp), Some(Version(0, 61, 0)));
        let mode = std::fs::metadata(state.join(FILE_NAME))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn an_unwritable_cache_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the state folder should be: nothing can be saved, nothing fails.
        let blocker = dir.path().join("state");
        std::fs::write(&blocker, "").unwrap();
        let exe = dir.path().join("claude");
        std::fs::write(&exe, "x").unwrap();
        let cache = VersionCache::in_dir(&blocker);
        let stamp = Stamp::of(&exe).unwrap();
        cache.put(&exe, stamp.clone(), Version(2, 1, 332));
        assert_eq!(cache.get(&exe, &stamp), None);
    }
}
