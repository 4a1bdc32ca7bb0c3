//! A throwaway home for one agent run, and a bounded headless run of the agent in it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long one agent run may take before it is killed: a hung agent fails its test, never the suite.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// A temporary HOME (with the XDG folders inside it), a working folder outside HOME, and a folder for
/// helper scripts. Nothing of the developer's own agent settings can leak in.
pub struct AgentHome {
    dir: TempDir,
}

impl AgentHome {
    pub fn new() -> AgentHome {
        // Under the target dir, not /tmp: Gemini skips a settings file below a world-writable
        // folder, and Codex will not create its helper links under a temporary dir.
        let dir = tempfile::Builder::new()
            .prefix("agent-home-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("a temp dir");
        let home = AgentHome { dir };
        for sub in ["home", "work", "scripts", "out"] {
            fs::create_dir_all(home.dir.path().join(sub)).unwrap();
        }
        home
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The folder the agent runs in: a fresh, non-git folder that no settings name as trusted.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Writes `contents` to `relative` under HOME, making its folders.
    pub fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.home().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        path
    }

    /// Writes `contents` to `name` beside HOME (not inside it): files the test needs that are not
    /// the user's own settings.
    pub fn write_beside(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join("scripts").join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    /// An executable script, by absolute path, that prints `output` exactly (no trailing newline):
    /// the token printers the agents' helper settings name.
    pub fn printing_script(&self, name: &str, output: &str) -> PathBuf {
        let path = self.dir.path().join("scripts").join(name);
        let quoted = output.replace('\'', r"'\''");
        fs::write(&path, format!("#!/bin/sh\nprintf '%s' '{quoted}'\n")).unwrap();
        make_executable(&path);
        path
    }

    /// The agent's command with a clean environment: HOME and XDG_* point into this home, PATH is kept
    /// (the JavaScript agents need node), everything else from the developer's shell is dropped.
    pub fn command(&self, executable: &Path) -> Command {
        let home = self.home();
        let mut cmd = match traced() {
            // Records every connect() of the agent and its children, for `dump` to show.
            true => {
                let mut strace = Command::new("strace");
                strace.args(["-f", "-qq", "-e", "trace=connect", "-o"]);
                strace.arg(self.trace_file()).arg(executable);
                strace
            }
            false => Command::new(executable),
        };
        cmd.env_clear()
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .env("NO_COLOR", "1")
            .current_dir(self.work());
        cmd
    }

    /// `agentgw` in this home (token in the file store), with `agent`'s folder first on PATH so
    /// setup finds the agent and reads its version.
    pub fn agentgw(&self, agent: &Path) -> Command {
        let mut cmd = self.command(Path::new(env!("CARGO_BIN_EXE_agentgw")));
        let mut path = vec![agent.parent().unwrap().to_path_buf()];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        cmd.env("PATH", std::env::join_paths(path).unwrap())
            .env("AGENTGW_AUTH_STORAGE", "file");
        cmd
    }

    /// Runs `cmd` headless (stdin closed, output to files) and kills it, with every process it
    /// started, after [`RUN_TIMEOUT`].
    pub fn run(&self, cmd: &mut Command) -> Outcome {
        self.run_for(cmd, RUN_TIMEOUT)
    }

    fn run_for(&self, cmd: &mut Command, timeout: Duration) -> Outcome {
        let out = self.dir.path().join("out");
        let stdout_path = out.join("stdout");
        let stderr_path = out.join("stderr");
        let started = Instant::now();
        let mut child = {
            use std::os::unix::process::CommandExt;
            cmd.stdin(Stdio::null())
                .stdout(fs::File::create(&stdout_path).unwrap())
                .stderr(fs::File::create(&stderr_path).unwrap())
                // Its own process group, so the agent's children (node relaunches, the native binary
                // behind a JavaScript launcher) can be killed with it.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("start {:?}: {e}", cmd.get_program()))
        };
        let group = child.id();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > timeout {
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        // Also after a normal exit: nothing the agent left behind outlives the test.
        kill_group(group);
        let _ = child.wait();
        Outcome {
            status,
            stdout: fs::read_to_string(&stdout_path).unwrap_or_default(),
            stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
            elapsed: started.elapsed(),
        }
    }
}

impl AgentHome {
    fn trace_file(&self) -> PathBuf {
        self.dir.path().join("out/connect.trace")
    }

    /// The addresses the agent connected to (or tried to) other than loopback and local sockets,
    /// from the strace record; empty when the run was not traced.
    pub fn outside_connects(&self) -> Vec<String> {
        let trace = fs::read_to_string(self.trace_file()).unwrap_or_default();
        trace
            .lines()
            .filter(|line| line.contains("connect("))
            .filter(|line| {
                !line.contains("AF_UNIX") && !line.contains("127.0.0.1") && !line.contains("::1")
            })
            .map(str::to_string)
            .collect()
    }
}

/// `AGENTGW_AGENT_LOG=trace` runs each agent under strace to see where it connects.
fn traced() -> bool {
    std::env::var("AGENTGW_AGENT_LOG").is_ok_and(|v| v == "trace")
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// SIGKILL to a process group we started (no libc in the dev-dependencies: kill(1) does it).
fn kill_group(group: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
}

/// How an agent run ended.
pub struct Outcome {
    /// `None` when it was killed at the timeout.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "exited with {status}")?,
            None => write!(f, "killed at the timeout")?,
        }
        write!(
            f,
            " in {:.1?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.elapsed,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

/// The last few KB of an output, enough to see an error without flooding the test log.
fn tail(text: &str) -> &str {
    const KEEP: usize = 4000;
    if text.len() <= KEEP {
        return text;
    }
    let mut start = text.len() - KEEP;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// With `AGENTGW_AGENT_LOG` set, prints the run and every recorded request (method, path, headers,
/// body start): how the facts in the report were gathered.
pub fn dump(what: &str, home: &AgentHome, gateway: &crate::support::Gateway, outcome: &Outcome) {
    if std::env::var_os("AGENTGW_AGENT_LOG").is_none() {
        return;
    }
    eprintln!("===== {what}: {outcome}");
    for connect in home.outside_connects() {
        eprintln!("! outside connect: {connect}");
    }
    for request in gateway.requests() {
        eprintln!("> {} {}", request.method, request.path);
        for (name, value) in &request.headers {
            eprintln!(">   {name}: {value}");
        }
        if !request.body.contains('\u{FFFD}') {
            let body: String = request.body.chars().take(600).collect();
            eprintln!(">   body: {body}");
        }
    }
}

#[test]
fn a_hung_run_is_killed_with_its_children() {
    let home = AgentHome::new();
    let child_pid = home.dir.path().join("out/child.pid");
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "sleep 300 & echo $! > '{}'; sleep 300",
        child_pid.display()
    ));
    let outcome = home.run_for(&mut cmd, Duration::from_secs(1));
    assert!(outcome.status.is_none(), "{outcome}");
    let pid = fs::read_to_string(&child_pid).unwrap();
    // Gone, or a zombie waiting for init to reap it: not running either way.
    std::thread::sleep(Duration::from_millis(200));
    let stat = fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let state = stat.rsplit(") ").next().unwrap_or_default();
    assert!(
        stat.is_empty() || state.starts_with('Z'),
        "still running: {stat}"
    );
}
