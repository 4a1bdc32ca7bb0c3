//! agentgw's state directory: where backups, locks and the managed-keys record live.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::EditError;
use super::write::{create_own_private_dir, create_private_dirs, exclusive_lock};

/// agentgw's state directory (backups, locks, the managed-keys record). The caller supplies the
/// root (e.g. `~/.local/state/agentgw`); it and its subfolders are created with mode 0700 on
/// first use, since backups hold copies of files that may contain secrets.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A subfolder of the state directory, created (0700) if missing.
    pub(crate) fn subdir(&self, name: &str) -> Result<PathBuf, EditError> {
        let dir = self.root.join(name);
        create_own_private_dir(&self.root)
            .and_then(|()| create_private_dirs(&dir))
            .map_err(|e| EditError::io(&dir, "cannot create agentgw's state directory", e))?;
        Ok(dir)
    }

    /// Serializes agentgw processes editing the file at `target` (a fully resolved path, so
    /// two symlinks to one file share a lock).
    pub(crate) fn lock_file(&self, target: &Path) -> Result<File, EditError> {
        self.lock(&format!("{}.lock", file_id(target)))
    }

    pub(crate) fn lock(&self, name: &str) -> Result<File, EditError> {
        let path = self.subdir("locks")?.join(name);
        exclusive_lock(&path).map_err(|e| EditError::io(&path, "cannot take the lock", e))
    }

    pub(crate) fn record_path(&self) -> PathBuf {
        self.root.join("managed.json")
    }
}

/// Longest file id kept readable in full; longer ones keep their tail plus a hash.
const MAX_FILE_ID: usize = 150;

/// A readable, collision-free folder name for an absolute path: `%` and the path separators are
/// percent-escaped, so `/home/u/.claude/settings.json` becomes
/// `%2Fhome%2Fu%2F.claude%2Fsettings.json` and no two paths share a name.
pub(crate) fn file_id(path: &Path) -> String {
    let mut id = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '/' | '\\' | ':' => id.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => id.push_str(&format!("%{:02X}", c as u32)),
            c => id.push(c),
        }
    }
    if id.len() <= MAX_FILE_ID {
        return id;
    }
    // Escaping alone would exceed file-name limits: keep the informative end and make the name
    // unique again with a hash of the whole path.
    let mut start = id.len() - (MAX_FILE_ID - 17);
    while !id.is_char_boundary(start) {
        start += 1;
    }
    format!(
        "{:016x}-{}",
        fnv1a(path.to_string_lossy().as_bytes()),
        &id[start..]
    )
}

/// FNV-1a: a fixed, documented hash, so ids stay the same across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_readable_and_distinct() {
        assert_eq!(
            file_id(Path::new("/home/u/.claude/settings.json")),
            "%2Fhome%2Fu%2F.claude%2Fsettings.json"
        );
        assert_ne!(file_id(Path::new("/a/b_c")), file_id(Path::new("/a_b/c")));
        assert_ne!(file_id(Path::new("/a%2Fb")), file_id(Path::new("/a/b")));
    }

    #[test]
    fn long_paths_stay_short_and_distinct() {
        let a = format!("/{}/x.json", "d".repeat(300));
        let b = format!("/{}/x.json", "e".repeat(300));
        assert!(file_id(Path::new(&a)).len() <= MAX_FILE_ID);
        assert_ne!(file_id(Path::new(&a)), file_id(Path::new(&b)));
    }
}
