//! Atomic, symlink-preserving writes and advisory locks.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Symlink hops followed before giving up (the same bound Linux uses for path lookup).
const MAX_SYMLINK_HOPS: usize = 40;

/// Follows a chain of symlinks to the file that really holds the content. Unlike
/// `fs::canonicalize` this works when the final target does not exist yet (a dangling link is
/// written through, creating its target), and it leaves the directories on the way alone.
pub fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(SymlinkLoop {
        path: path.to_path_buf(),
    }))
}

/// The error inside the `io::Error` that `resolve_symlinks` returns for a loop, so callers can
/// tell a loop from other failures (`io::ErrorKind::FilesystemLoop` is not stable yet).
#[derive(Debug)]
pub struct SymlinkLoop {
    pub path: PathBuf,
}

impl fmt::Display for SymlinkLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: more than {MAX_SYMLINK_HOPS} symlinks in a row (a symlink loop?)",
            self.path.display()
        )
    }
}

impl std::error::Error for SymlinkLoop {}

/// True for a symlink loop, whether found by `resolve_symlinks` or reported by the OS (ELOOP).
pub fn is_symlink_loop(error: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    const ELOOP: i32 = 40;
    #[cfg(not(target_os = "linux"))]
    const ELOOP: i32 = 62;
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<SymlinkLoop>())
        || (cfg!(unix) && error.raw_os_error() == Some(ELOOP))
}

/// Creates `dir` and any missing parents with mode 0700: folders agentgw makes hold config files
/// or backups that may contain secrets. Existing folders are left as they are.
pub fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Like `create_private_dirs`, and an existing `dir` that others can read is made 0700 too:
/// for agentgw's own folders (config and state), which hold tokens and backups of files that
/// may contain them. Never for an agent's folder, whose permissions are the user's business.
pub fn create_own_private_dir(dir: &Path) -> io::Result<()> {
    create_private_dirs(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Deletes temp files that a killed earlier run left beside `target`. Only call this while
/// holding the target's lock: then no other agentgw process is mid-write there.
pub fn remove_stale_temps(target: &Path) -> io::Result<()> {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Ok(());
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.agentgw-tmp-", name.to_string_lossy());
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) && entry.file_type()?.is_file()
        {
            match fs::remove_file(entry.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Replaces the content of `path` atomically: the bytes go to a temp file beside the real target
/// (after resolving symlinks, so a symlinked dotfile stays a symlink), are fsynced, then renamed
/// over the target. `mode` is applied to the new file on Unix; `None` keeps the existing file's
/// mode, or 0644 for a new file. The file keeps its owner: run as root, the new file is given
/// the old one's owner; run as anyone else, a file of another user is refused
/// ([`OwnedByAnotherUser`]) rather than silently taken over.
pub fn write_atomic(path: &Path, contents: &[u8], mode: Option<u32>) -> io::Result<()> {
    let target = resolve_symlinks(path)?;
    let owner = owner_to_keep(&target)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}.agentgw-tmp-"))
        .tempfile_in(&dir)
        .map_err(without_temp_path)?;
    // Through the File itself: the OS error as it is, without the temp file's name.
    tmp.as_file_mut().write_all(contents)?;
    #[cfg(unix)]
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid))?;
    }
    set_mode(
        tmp.as_file(),
        mode.or_else(|| file_mode(&target)).unwrap_or(0o644),
    )?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(&dir);
    Ok(())
}

/// tempfile names its random temp file in its errors; the user needs to know about the file
/// being written (the caller names it), not about a temp file that never came to be.
fn without_temp_path(error: io::Error) -> io::Error {
    // A kind without a name of its own ("other error", "uncategorized error") says less than
    // the message with the temp path.
    let named = !matches!(
        io::Error::from(error.kind()).to_string().as_str(),
        "other error" | "uncategorized error"
    );
    if named && error.get_ref().is_some() {
        io::Error::from(error.kind())
    } else {
        error
    }
}

/// The error inside the `io::Error` (kind `PermissionDenied`) that `write_atomic` returns for a
/// file owned by another user.
#[derive(Debug)]
pub struct OwnedByAnotherUser {
    pub uid: u32,
}

impl fmt::Display for OwnedByAnotherUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the file belongs to another user (uid {})", self.uid)
    }
}

impl std::error::Error for OwnedByAnotherUser {}

/// The owner (uid, gid) the new file must be given: `Some` only when running as root over
/// another user's file. Run as anyone else, another user's file is an error: the rename would
/// hand the file over to the caller.
#[cfg(unix)]
fn owner_to_keep(target: &Path) -> io::Result<Option<(u32, u32)>> {
    use std::os::unix::fs::MetadataExt;
    let meta = match fs::metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    match (me, meta.uid()) {
        (_, owner) if owner == me => Ok(None),
        (0, owner) => Ok(Some((owner, meta.gid()))),
        (_, owner) => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            OwnedByAnotherUser { uid: owner },
        )),
    }
}

#[cfg(not(unix))]
fn owner_to_keep(_target: &Path) -> io::Result<Option<(u32, u32)>> {
    Ok(None)
}

/// Takes an exclusive advisory lock, held until the returned file is dropped. The lock lives in
/// its own file because the atomic rename replaces the target's inode.
pub fn exclusive_lock(lock_path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)?;
    file.lock()?;
    Ok(file)
}

/// The permission bits of the file at `path` (`None` if it cannot be read, or off Unix).
#[cfg(unix)]
pub fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
pub fn file_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Makes the rename durable. Best effort: some filesystems refuse to fsync a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
