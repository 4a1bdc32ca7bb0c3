//! Claude Code reads managed settings from a fixed path (`/etc/claude-code/...`). Tests put files
//! there for one process tree only: it runs in a private mount namespace (`unshare`, a user
//! namespace too when not root) where `/etc` is overlaid with a temporary folder. Nothing changes
//! for the rest of the machine, and agentgw needs no test-only setting for the path.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Mounts the overlay, then runs the rest of the command line: `sh -c SCRIPT sh UPPER WORK CMD...`.
const SCRIPT: &str = r#"mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc && shift 2 && exec "$@""#;

pub struct EtcOverlay {
    dir: tempfile::TempDir,
}

impl EtcOverlay {
    /// An overlay holding `files` (path below `/etc`, contents). `None`, with the reason on
    /// stderr, where this machine cannot make mount namespaces; under `CI` that is a failure.
    pub fn new(files: &[(&str, &str)]) -> Option<EtcOverlay> {
        let dir = tempfile::tempdir().expect("a temp dir");
        let overlay = EtcOverlay { dir };
        for (path, contents) in files {
            let path = overlay.upper().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, contents).unwrap();
        }
        std::fs::create_dir_all(overlay.work()).unwrap();
        let probe = overlay
            .command(Path::new("true"), &[])
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdout(Stdio::null())
            .output();
        match probe {
            Ok(out) if out.status.success() => Some(overlay),
            failed => {
                let why = match failed {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    Err(e) => e.to_string(),
                };
                let why = format!("cannot overlay /etc in a private mount namespace ({why})");
                if std::env::var_os("CI").is_some() {
                    panic!("{why}: the managed-settings tests need `unshare` and overlayfs");
                }
                eprintln!("skipped: {why}");
                None
            }
        }
    }

    fn upper(&self) -> PathBuf {
        self.dir.path().join("upper")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// `program args...` run with the overlay in place (environment: none but what the caller
    /// adds, as with `env_clear`).
    pub fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("unshare");
        // -r: a user namespace mapping us to root, so this works without being root too.
        cmd.env_clear()
            .args(["-rm", "sh", "-c", SCRIPT, "sh"])
            .arg(self.upper())
            .arg(self.work())
            .arg(program)
            .args(args);
        cmd
    }

    /// `cmd` rebuilt to run with the overlay: same program, arguments, environment (it must have
    /// been cleared, as the test harnesses do) and working folder.
    pub fn wrap(&self, cmd: &Command) -> Command {
        let program = PathBuf::from(cmd.get_program());
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut wrapped = self.command(&program, &args);
        for (key, value) in cmd.get_envs() {
            if let Some(value) = value {
                wrapped.env(key, value);
            }
        }
        if let Some(dir) = cmd.get_current_dir() {
            wrapped.current_dir(dir);
        }
        wrapped
    }
}
