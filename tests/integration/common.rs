//! A temporary HOME and an `agentgw` command that sees only it.
//!
//! Every run through `cmd()`/`bare_cmd()` is checked for leaked secrets as it ends: the test
//! tokens (and any token a test hands agentgw by stdin or environment) must not be on stdout or
//! stderr, except on the stdout of `token`, `otel-headers` and `exec` (where the agent prints).
//! When the TestHome is dropped, every file under HOME is scanned too: only files that hold the
//! token by design (tokens.toml, Gemini's .env, Claude settings written with --inline-token and
//! their backups, or files the test wrote itself and declared) may hold one, and only with mode
//! 0600; agentgw's config and state folders must be 0700.
//!
//! OAuth: every access token a stand-in issued in this process counts as a test token. Refresh
//! tokens and client secrets (the stand-in's, and any a test hands agentgw) are stricter: they may
//! never be printed, and only tokens.toml may hold them.

use assert_cmd::Command;
use std::cell::RefCell;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

pub struct TestHome {
    pub dir: TempDir,
    /// Strings that must not leak: the test tokens, and whatever a test handed agentgw as one.
    secrets: RefCell<Vec<String>>,
    /// Strings that must never be printed and only tokens.toml may hold: client secrets a test
    /// handed agentgw (the stand-in's own secret and refresh tokens are added at each check).
    strict_secrets: RefCell<Vec<String>>,
    /// Files the test itself wrote a secret into (say, ~/.databrickscfg).
    own_secret_files: RefCell<Vec<PathBuf>>,
}

/// Shorter strings would match by accident.
const MIN_SECRET_LEN: usize = 8;

impl TestHome {
    pub fn new() -> TestHome {
        TestHome {
            dir: tempfile::tempdir().unwrap(),
            secrets: RefCell::new(vec![
                crate::support::GOOD_TOKEN.to_string(),
                crate::support::FORBIDDEN_TOKEN.to_string(),
            ]),
            strict_secrets: RefCell::new(Vec::new()),
            own_secret_files: RefCell::new(Vec::new()),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Adds a string that must never reach agentgw's output or a file not meant for it.
    pub fn secret(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.borrow().iter().any(|s| s == secret) {
            self.secrets.borrow_mut().push(secret.to_string());
        }
    }

    /// Adds a string that must never be printed and only tokens.toml may hold (a client secret).
    pub fn strict_secret(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() >= MIN_SECRET_LEN
            && !self.strict_secrets.borrow().iter().any(|s| s == secret)
        {
            self.strict_secrets.borrow_mut().push(secret.to_string());
        }
    }

    /// The secrets as of now: (test tokens, strict ones), with what the stand-ins issued so far.
    fn current_secrets(&self) -> (Vec<String>, Vec<String>) {
        let mut tokens = self.secrets.borrow().clone();
        tokens.extend(crate::support::oidc::access_tokens_issued_so_far());
        let mut strict = self.strict_secrets.borrow().clone();
        strict.extend(crate::support::oidc::strict_secrets_issued_so_far());
        (tokens, strict)
    }

    /// Declares a file the test itself wrote a secret into, or loosened the mode of.
    pub fn secret_put_there_by_the_test(&self, path: &Path) {
        self.own_secret_files.borrow_mut().push(path.to_path_buf());
    }

    /// `agentgw` with a clean environment: HOME is the temp dir, no XDG, proxy, Databricks or
    /// agentgw variables leak in from the developer's shell, and the token goes to the file store
    /// (tests of the keyring use `keyring_cmd`).
    pub fn cmd(&self) -> Agentgw<'_> {
        let mut cmd = self.bare_cmd();
        cmd.env("AGENTGW_AUTH_STORAGE", "file");
        cmd
    }

    /// Like `cmd` but with the default storage choice (OS keyring first) and no D-Bus session:
    /// callers add the bus they want.
    pub fn bare_cmd(&self) -> Agentgw<'_> {
        let mut inner = Command::from_std(self.process());
        inner.timeout(std::time::Duration::from_secs(60));
        Agentgw {
            home: self,
            inner,
            args: Vec::new(),
            stdin: None,
        }
    }

    /// Asserts that no secret is in the output of `agentgw <args>` where it must not be.
    pub fn check_output(&self, args: &[String], out: &Output) {
        let command = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str);
        let stdout_may_hold_it = matches!(command, Some("token" | "otel-headers" | "exec"));
        let (tokens, strict) = self.current_secrets();
        for secret in &strict {
            assert!(
                !stdout(out).contains(secret.as_str()) && !stderr(out).contains(secret.as_str()),
                "agentgw {args:?} printed a refresh token or client secret:\n{}\n{}",
                stdout(out),
                stderr(out)
            );
        }
        for secret in tokens.iter() {
            assert!(
                stdout_may_hold_it || !stdout(out).contains(secret),
                "agentgw {args:?} printed a secret on stdout:\n{}",
                stdout(out)
            );
            assert!(
                !stderr(out).contains(secret),
                "agentgw {args:?} printed a secret on stderr:\n{}",
                stderr(out)
            );
        }
    }

    /// The end-of-test scan (see the module comment).
    fn scan_files(&self) {
        for dir in [self.config_dir(), self.path().join(".local/state/agentgw")] {
            if dir.exists() {
                assert_eq!(mode(&dir), 0o700, "{} is not private", dir.display());
            }
        }
        let (secrets, strict) = self.current_secrets();
        for file in crate::rich_home::files_under(self.path()) {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let holds_strict = strict.iter().any(|s| text.contains(s.as_str()));
            if !holds_strict && !secrets.iter().any(|s| text.contains(s.as_str())) {
                continue;
            }
            if self.own_secret_files.borrow().contains(&file) {
                continue;
            }
            assert!(
                !holds_strict || file.file_name().is_some_and(|n| n == "tokens.toml"),
                "{} holds a refresh token or client secret",
                file.display()
            );
            assert!(
                holds_the_token_by_design(&file),
                "{} holds a secret",
                file.display()
            );
            assert_eq!(mode(&file), 0o600, "{} holds a secret", file.display());
        }
    }
}

/// tokens.toml; Gemini's .env, Claude's settings.json (with --inline-token) and Cursor's
/// settings database (older Cursor keeps the key in plain text) are where the agents read the
/// token from; and the backups of those.
fn holds_the_token_by_design(file: &Path) -> bool {
    let by_name = |name: &str| {
        matches!(name, "tokens.toml" | ".env" | "settings.json") || name.starts_with("state.vscdb")
    };
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let backup_of = file
        .parent()
        .filter(|_| {
            file.to_string_lossy()
                .contains("/.local/state/agentgw/backups/")
        })
        .and_then(|dir| dir.file_name())
        .map(|id| {
            id.to_string_lossy()
                .rsplit("%2F")
                .next()
                .unwrap_or_default()
                .to_string()
        });
    by_name(&name) || backup_of.is_some_and(|original| by_name(&original))
}

impl Drop for TestHome {
    fn drop(&mut self) {
        // A test that already failed says why; a second panic would only abort.
        if !std::thread::panicking() {
            self.scan_files();
        }
    }
}

/// One run of agentgw, recorded so its output can be checked for secrets (see the module
/// comment). Builder methods mirror assert_cmd's.
pub struct Agentgw<'h> {
    home: &'h TestHome,
    inner: Command,
    args: Vec<String>,
    stdin: Option<String>,
}

impl Agentgw<'_> {
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().to_string_lossy().into_owned());
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        if matches!(
            key.as_ref().to_str(),
            Some("AGENTGW_TOKEN" | "DATABRICKS_TOKEN")
        ) {
            self.home.secret(&value.as_ref().to_string_lossy());
        }
        if key.as_ref() == "DATABRICKS_CLIENT_SECRET" {
            self.home.strict_secret(&value.as_ref().to_string_lossy());
        }
        self.inner.env(key, value);
        self
    }

    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (key, value) in vars {
            self.env(key, value);
        }
        self
    }

    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.inner.current_dir(dir);
        self
    }

    pub fn write_stdin(&mut self, input: impl Into<Vec<u8>>) -> &mut Self {
        let input = input.into();
        self.stdin = Some(String::from_utf8_lossy(&input).into_owned());
        self.inner.write_stdin(input);
        self
    }

    /// Runs agentgw and checks its output for secrets.
    pub fn output(&mut self) -> std::io::Result<Output> {
        // A token piped to `login --token-stdin` is a secret from now on.
        if self.args.iter().any(|a| a == "--token-stdin")
            && let Some(token) = &self.stdin
        {
            self.home.secret(token);
        }
        // So is a client secret piped to `login --auth m2m --client-secret-stdin`, strictly.
        if self.args.iter().any(|a| a == "--client-secret-stdin")
            && let Some(secret) = &self.stdin
        {
            self.home.strict_secret(secret);
        }
        let out = self.inner.output()?;
        self.home.check_output(&self.args, &out);
        Ok(out)
    }

    pub fn assert(&mut self) -> assert_cmd::assert::Assert {
        use assert_cmd::assert::OutputAssertExt;
        self.output().unwrap().assert()
    }
}

impl TestHome {
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

/// One agent's entry in `status --json` (or `test --json`'s list), by its id: the list grows with
/// every agent added, so no test counts positions.
pub fn agent_entry<'a>(agents: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    agents
        .as_array()
        .and_then(|list| list.iter().find(|a| a["agent"] == id))
        .unwrap_or_else(|| panic!("no agent {id} in {agents}"))
}
