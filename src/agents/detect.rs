//! Finding an installed agent on PATH and its version, without starting it whenever its install
//! says the version:
//! 1. the command on PATH, symlinks resolved, and through a version manager's shim (`shims`);
//! 2. the version stored for that very file earlier (`cache`);
//! 3. the install layout: the npm package's `package.json`, Claude Code's native `versions/X.Y.Z`,
//!    Homebrew's keg (`layout`);
//! 4. only then `<agent> --version`, sandboxed and bounded (`probe`).
//!
//! Each agent is looked up once per process (setup, status and doctor ask several times), and
//! [`detect_installed`] looks up several in parallel.

mod cache;
mod layout;
mod probe;
mod shims;

use super::{Agent, AgentInfo, Version};
use cache::{Stamp, VersionCache};
use shims::Leads;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, Clone)]
pub struct Installed {
    /// The command on PATH.
    pub path: PathBuf,
    /// `None` when nothing says it: neither the install nor `--version`.
    pub version: Option<Version>,
}

/// Each agent's answer, computed once per process.
type Found = Arc<OnceLock<Option<Installed>>>;
static FOUND: Mutex<BTreeMap<&'static str, Found>> = Mutex::new(BTreeMap::new());

pub fn find_installed(agent: &dyn Agent) -> Option<Installed> {
    let info = agent.info();
    let found = {
        let mut all = FOUND.lock().unwrap_or_else(|e| e.into_inner());
        all.entry(info.id).or_default().clone()
    };
    // Only this agent's callers wait for the lookup; other agents go on in parallel.
    found.get_or_init(|| look_up(info)).clone()
}

/// Looks up every terminal agent in parallel, so that a `--version` one of them may need does not
/// hold up the others; later `find_installed` calls answer from memory.
pub fn detect_installed() {
    std::thread::scope(|scope| {
        for agent in super::clis() {
            scope.spawn(move || find_installed(agent));
        }
    });
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

fn look_up(agent: &AgentInfo) -> Option<Installed> {
    let found = find_on_path(agent.program)?;
    // A relative PATH entry (`node_modules/.bin`) must keep meaning the same file when
    // `--version` runs in another folder.
    let command = std::path::absolute(&found).unwrap_or(found);
    let version = version_of(&command, agent);
    Some(Installed {
        path: command,
        version,
    })
}

fn version_of(command: &Path, agent: &AgentInfo) -> Option<Version> {
    let real = std::fs::canonicalize(command).unwrap_or_else(|_| command.to_path_buf());
    let file = match shims::follow(command, &real, agent) {
        Leads::Nowhere => real,
        Leads::To(file) => file,
        // Which install runs depends on the version manager's settings: ask it, and remember the
        // answer for this process only (the file that would key the cache is the manager's).
        Leads::Undecided => return probe::ask(command),
    };
    let stamp = Stamp::of(&file);
    let cache = crate::paths::state_dir()
        .ok()
        .map(|dir| VersionCache::in_dir(&dir));
    if let (Some(cache), Some(stamp)) = (&cache, &stamp)
        && let Some(version) = cache.get(&file, stamp)
    {
        return Some(version);
    }
    let version = layout::version_of(&file, agent).or_else(|| probe::ask(command))?;
    if let (Some(cache), Some(stamp)) = (cache, stamp) {
        cache.put(&file, stamp, version);
    }
    Some(version)
}
