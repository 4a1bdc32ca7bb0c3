//! Finding an installed agent on PATH and asking it for its version.

use super::{Agent, Version};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `--version` of a Node-based CLI can take a second on a cold cache; never wait longer than this.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Installed {
    pub path: PathBuf,
    /// `None` when `--version` failed or printed no version.
    pub version: Option<Version>,
}

pub fn find_installed(agent: &dyn Agent) -> Option<Installed> {
    let path = find_on_path(agent.program())?;
    let version = read_version(&path);
    Some(Installed { path, version })
}

pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn read_version(path: &Path) -> Option<Version> {
    let out =
        crate::bounded::output_within(Command::new(path).arg("--version"), VERSION_TIMEOUT).ok()?;
    Version::find_in(&out)
}
