//! Is Cursor running? Cursor holds its settings in memory and writes them back to `state.vscdb`
//! as it runs and when it quits, so a change made under it would be lost (or mixed with its
//! own): agentgw writes only while it is closed.
//!
//! Linux: a process whose name (`/proc/PID/comm`) or executable's file name (`/proc/PID/exe`) is
//! `cursor` in any case — the .deb/.rpm install, the AppImage (whose Electron binary inside the
//! mount is `cursor`) and the `cursor` launcher script — and whose Cursor user folder is the one
//! agentgw is about to write (from its `--user-data-dir`, else its `XDG_CONFIG_HOME`/`HOME`; a
//! process whose environment cannot be read counts as using it), run by the current user (another
//! user's Cursor is one this user cannot quit, and it writes only its owner's folder; root sees
//! every user's). Exact names only: the
//! `cursor-agent` CLI and agentgw itself never match. macOS: `pgrep -x Cursor`; Windows:
//! `tasklist` for `Cursor.exe`; any Cursor counts there.

use std::path::Path;

pub struct Running {
    pub pid: u32,
    pub name: String,
}

/// The first Cursor process using the user folder `user_dir`, if any.
pub fn find(user_dir: &Path) -> Option<Running> {
    imp::find(user_dir)
}

/// The refusal: what is running, and how to quit it.
pub fn refusal(running: &Running, command: &str) -> String {
    format!(
        "Cursor is running (pid {}, `{}`): it keeps its settings in memory and would overwrite agentgw's change; agentgw changed nothing.\n\
         Quit Cursor (File > Exit; on macOS Cursor > Quit Cursor, Cmd-Q), then run `{command}` again.",
        running.pid, running.name
    )
}

#[cfg(target_os = "linux")]
mod imp {
    use super::Running;
    use std::ffi::OsStr;
    use std::fs;
    use std::path::{Path, PathBuf};

    pub fn find(user_dir: &Path) -> Option<Running> {
        let own = std::process::id();
        let wanted = canonical(user_dir);
        // SAFETY: geteuid has no preconditions.
        let euid = unsafe { libc::geteuid() };
        fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| *pid != own)
            .filter(|pid| counts_for(euid, owner(*pid)))
            .find_map(|pid| {
                let name = cursor_name(pid)?;
                uses(pid, &wanted).then_some(Running { pid, name })
            })
    }

    /// The user a process runs as (the owner of its /proc folder); `None` when it is gone.
    fn owner(pid: u32) -> Option<u32> {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(format!("/proc/{pid}")).ok().map(|m| m.uid())
    }

    /// Whether a process run by `owner` counts for a user whose effective uid is `euid`: one run
    /// by that user, or any when root (whose writes may be for any user's folder). A process
    /// that vanished does not count.
    pub(super) fn counts_for(euid: u32, owner: Option<u32>) -> bool {
        owner.is_some_and(|uid| euid == 0 || uid == euid)
    }

    /// The process's name when it is Cursor's.
    fn cursor_name(pid: u32) -> Option<String> {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let comm = fs::read_to_string(proc.join("comm")).unwrap_or_default();
        let comm = comm.trim_end_matches('\n');
        let exe = fs::read_link(proc.join("exe")).ok();
        let exe_name = exe
            .as_deref()
            .and_then(Path::file_name)
            .and_then(OsStr::to_str)
            .unwrap_or_default();
        [comm, exe_name]
            .into_iter()
            .find(|n| n.eq_ignore_ascii_case("cursor"))
            .map(str::to_string)
    }

    /// Whether the process uses the Cursor user folder `wanted` (true when it cannot be told).
    fn uses(pid: u32, wanted: &Path) -> bool {
        let read = |what: &str| fs::read(format!("/proc/{pid}/{what}")).ok();
        let words = |bytes: Vec<u8>| -> Vec<String> {
            bytes
                .split(|b| *b == 0)
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect()
        };
        let args = read("cmdline").map(words).unwrap_or_default();
        let flag = args.iter().enumerate().find_map(|(i, arg)| {
            arg.strip_prefix("--user-data-dir=")
                .map(str::to_string)
                .or_else(|| (arg == "--user-data-dir").then(|| args.get(i + 1).cloned())?)
        });
        if let Some(dir) = flag {
            // A relative folder is the process's, from its own working folder.
            let dir = Path::new(&dir);
            let dir = match dir.is_relative() {
                true => PathBuf::from(format!("/proc/{pid}/cwd")).join(dir),
                false => dir.to_path_buf(),
            };
            return canonical(&dir) == wanted;
        }
        let Some(env) = read("environ").map(words) else {
            return true;
        };
        let var = |name: &str| {
            env.iter()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let config = var("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".config")));
        match config {
            Some(config) => canonical(&config.join("Cursor")) == wanted,
            None => true,
        }
    }

    fn canonical(path: &Path) -> PathBuf {
        fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::Running;
    use std::path::Path;
    use std::process::Command;
    use std::time::Duration;

    const TIMEOUT: Duration = Duration::from_secs(5);

    pub fn find(_user_dir: &Path) -> Option<Running> {
        if cfg!(windows) {
            let out = crate::bounded::output_within(
                Command::new("tasklist").args([
                    "/FI",
                    "IMAGENAME eq Cursor.exe",
                    "/FO",
                    "CSV",
                    "/NH",
                ]),
                TIMEOUT,
            )
            .ok()?;
            // "Cursor.exe","1234",...
            let line = out.lines().find(|l| l.starts_with("\"Cursor.exe\""))?;
            let pid = line.split(',').nth(1)?.trim_matches('"').parse().ok()?;
            Some(Running {
                pid,
                name: "Cursor.exe".into(),
            })
        } else {
            let out = crate::bounded::output_within(
                Command::new("pgrep").args(["-x", "Cursor"]),
                TIMEOUT,
            )
            .ok()?;
            let pid = out.lines().next()?.trim().parse().ok()?;
            Some(Running {
                pid,
                name: "Cursor".into(),
            })
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::imp::counts_for;

    #[test]
    fn only_the_users_own_cursor_counts_unless_root() {
        assert!(counts_for(1000, Some(1000)));
        assert!(!counts_for(1000, Some(1001)), "another user's Cursor");
        assert!(!counts_for(1000, Some(0)), "root's Cursor");
        assert!(counts_for(0, Some(1000)), "root sees every user's");
        assert!(!counts_for(1000, None), "a process that is gone");
    }
}
