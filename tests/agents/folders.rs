//! With the real agents on PATH, agentgw's commands leave the agents' folders alone: they never
//! start an agent to learn its version (its install says it), and when nothing else does, the
//! `--version` run happens in a throw-away HOME. Started with the user's HOME, `gemini --version`
//! (0.61.0) leaves `projects.json.*.tmp` files in `~/.gemini` and `codex --version` creates
//! `~/.codex/tmp/`.

use crate::harness::AgentHome;
use crate::support::{GOOD_TOKEN, Gateway};
use crate::versions::{self, Release};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

const AGENTS: [&str; 5] = ["claude", "codex", "gemini", "copilot", "opencode"];

/// The pinned releases with `role` of the agents, or `None` when they are not installed.
fn releases(role: &str) -> Option<Vec<(Release, PathBuf)>> {
    let mut found = Vec::new();
    for agent in AGENTS {
        let release = versions::installed(agent)?
            .into_iter()
            .find(|(release, _)| release.role == role)
            .unwrap_or_else(|| panic!("versions.txt pins no {role} {agent}"));
        found.push(release);
    }
    Some(found)
}

/// PATH with `dirs` first.
fn path_with(dirs: &[PathBuf]) -> std::ffi::OsString {
    let mut path: Vec<PathBuf> = dirs.to_vec();
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(path).unwrap()
}

fn agentgw(home: &AgentHome, path: &std::ffi::OsStr, args: &[&str], stdin: &str) -> Output {
    let mut child = home
        .command(Path::new(env!("CARGO_BIN_EXE_agentgw")))
        .env("PATH", path)
        .env("AGENTGW_AUTH_STORAGE", "file")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file, folder and link in the agents' folders in HOME (and the working folder), with
/// what it holds: what must not change. Links are not followed (`codex --version` links its
/// binary into `~/.codex/tmp/`).
fn agent_folders(home: &AgentHome) -> BTreeMap<String, String> {
    fn add(root: &Path, path: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        if meta.is_symlink() {
            let target = std::fs::read_link(path).unwrap_or_default();
            out.insert(rel, format!("-> {}", target.display()));
        } else if meta.is_dir() {
            out.insert(format!("{rel}/"), String::new());
            for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
                add(root, &entry.path(), out);
            }
        } else if meta.len() > 64 * 1024 {
            out.insert(rel, format!("{} bytes", meta.len()));
        } else {
            let content = std::fs::read(path).unwrap_or_default();
            out.insert(rel, String::from_utf8_lossy(&content).into_owned());
        }
    }
    let mut found = BTreeMap::new();
    for root in [home.home(), home.work()] {
        for name in [
            ".claude",
            ".claude.json",
            ".codex",
            ".gemini",
            ".copilot",
            ".cache/copilot",
            ".config/opencode",
            ".local/share/opencode",
            ".local/state/opencode",
            ".cache/opencode",
            ".npm",
        ] {
            add(&root, &root.join(name), &mut found);
        }
    }
    found
}

/// The commands that look at the installed agents, without changing a file.
const LOOKING: [&[&str]; 4] = [
    &["status"],
    &["doctor"],
    &["test", "all"],
    &["setup", "all", "--dry-run"],
];

#[test]
fn commands_leave_the_agents_folders_alone() {
    let Some(current) = releases("current") else {
        return;
    };
    let gateway = Gateway::start();
    let home = AgentHome::new();
    let dirs: Vec<PathBuf> = current
        .iter()
        .map(|(_, exe)| exe.parent().unwrap().to_path_buf())
        .collect();
    let path = path_with(&dirs);
    let run = |args: &[&str]| agentgw(&home, &path, args, "");
    let out = agentgw(
        &home,
        &path,
        &["login", "--host", &gateway.url, "--token-stdin"],
        GOOD_TOKEN,
    );
    assert!(out.status.success(), "login: {}", said(&out));
    // Nothing set up yet: no command may create an agent's folder.
    for args in LOOKING {
        run(args);
        assert_eq!(
            agent_folders(&home),
            BTreeMap::new(),
            "after agentgw {args:?}"
        );
    }
    let out = run(&["setup", "all", "--yes", "--no-test"]);
    assert!(out.status.success(), "setup: {}", said(&out));
    let set_up = agent_folders(&home);
    let names: Vec<&str> = set_up.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".claude/",
            ".claude/settings.json",
            ".codex/",
            ".codex/config.toml",
            ".config/opencode/",
            ".config/opencode/opencode.json",
            ".gemini/",
            ".gemini/.env",
            ".gemini/settings.json",
        ]
    );
    // Set up: the folders hold what setup wrote, and only that, whatever runs next.
    for args in LOOKING
        .iter()
        .copied()
        .chain([&["setup", "all", "--yes", "--no-test"][..]])
    {
        run(args);
        assert_eq!(agent_folders(&home), set_up, "after agentgw {args:?}");
    }
    // The versions came from the installs: the right ones.
    let out = run(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (release, _) in &current {
        let agent = status["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agent"] == release.agent.as_str())
            .unwrap();
        assert_eq!(agent["version"], release.version.as_str(), "{release}");
    }
}

/// Each release behind a wrapper whose layout says nothing (the real path is only in the
/// environment), so agentgw has to ask `--version`: in its sandbox each still answers, and
/// nothing lands in the user's HOME.
#[test]
fn the_sandboxed_version_question_works_for_each_real_agent() {
    for role in ["current", "oldest"] {
        let Some(releases) = releases(role) else {
            return;
        };
        let home = AgentHome::new();
        let wrappers = home.home().parent().unwrap().join("scripts").join(role);
        std::fs::create_dir_all(&wrappers).unwrap();
        let mut cmd_env = Vec::new();
        for (release, exe) in &releases {
            let var = format!("AGENTGW_TEST_REAL_{}", release.agent.to_uppercase());
            let wrapper = wrappers.join(&release.agent);
            std::fs::write(&wrapper, format!("#!/bin/sh\nexec \"${var}\" \"$@\"\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
            cmd_env.push((var, exe.clone()));
        }
        let mut cmd = home.command(Path::new(env!("CARGO_BIN_EXE_agentgw")));
        cmd.env("PATH", path_with(std::slice::from_ref(&wrappers)))
            .envs(cmd_env)
            .args(["status", "--json"]);
        let outcome = home.run(&mut cmd);
        assert!(outcome.succeeded(), "{role}: {outcome}");
        let status: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
        for (release, _) in &releases {
            let agent = status["agents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["agent"] == release.agent.as_str())
                .unwrap();
            assert_eq!(agent["version"], release.version.as_str(), "{release}");
        }
        assert_eq!(agent_folders(&home), BTreeMap::new(), "{role}");
    }
}
