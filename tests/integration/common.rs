//! A temporary HOME and an `agentgw` command that sees only it.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct TestHome {
    pub dir: TempDir,
}

impl TestHome {
    pub fn new() -> TestHome {
        TestHome {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `agentgw` with a clean environment: HOME is the temp dir, no XDG, proxy, Databricks or
    /// agentgw variables leak in from the developer's shell, and the token goes to the file store
    /// (tests of the keyring use `keyring_cmd`).
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare_cmd();
        cmd.env("AGENTGW_AUTH_STORAGE", "file");
        cmd
    }

    /// Like `cmd` but with the default storage choice (OS keyring first) and no D-Bus session:
    /// callers add the bus they want.
    pub fn bare_cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.process());
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// `bare_cmd`'s clean environment on a plain `std::process::Command`, for tests that spawn
    /// and kill agentgw themselves.
    pub fn process(&self) -> std::process::Command {
        self.process_through(assert_cmd::cargo::cargo_bin!("agentgw"), &[])
    }

    /// `process`, started through `program` with `args` before agentgw's path (say, `setpriv`
    /// to run it as another user).
    pub fn process_through(
        &self,
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
    ) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args);
        if !args.is_empty() {
            cmd.arg(assert_cmd::cargo::cargo_bin!("agentgw"));
        }
        cmd.env_clear()
            .env("HOME", self.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1");
        cmd
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path().join(".config/agentgw")
    }

    pub fn config_toml(&self) -> Option<String> {
        std::fs::read_to_string(self.config_dir().join("config.toml")).ok()
    }

    pub fn tokens_toml(&self) -> Option<String> {
        std::fs::read_to_string(self.config_dir().join("tokens.toml")).ok()
    }
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A secret must never reach the terminal except through `agentgw token` / `otel-headers`.
pub fn assert_no_secret(output: &std::process::Output, secret: &str) {
    assert!(
        !stdout(output).contains(secret),
        "token on stdout: {}",
        stdout(output)
    );
    assert!(
        !stderr(output).contains(secret),
        "token on stderr: {}",
        stderr(output)
    );
}

pub fn assert_stderr_contains(output: &std::process::Output, expected: &str) {
    let err = stderr(output);
    assert!(err.contains(expected), "stderr lacks {expected:?}:\n{err}");
}

impl TestHome {
    /// A HOME logged in (profile `default`, file store, not verified) to the workspace at `url`.
    pub fn logged_in_to(url: &str) -> TestHome {
        let home = TestHome::new();
        let out = home
            .cmd()
            .args(["login", "--host", url, "--token-stdin", "--no-verify"])
            .write_stdin(crate::support::GOOD_TOKEN)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        home
    }

    /// `agentgw login --no-verify` of `token` for `profile` with the file store, asserted to succeed.
    pub fn login_unverified(&self, profile: &str, token: &str) {
        let out = self
            .cmd()
            .args([
                "login",
                "--profile",
                profile,
                "--host",
                "https://ws.example.com",
            ])
            .args(["--token-stdin", "--no-verify"])
            .write_stdin(token)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
}
