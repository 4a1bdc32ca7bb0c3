//! Killing agentgw at random moments never leaves a torn, unparseable or de-linked config file.

use crate::common::TestHome;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const SETTINGS: &str = "{\n  \"permissions\": {\n    \"allow\": [\"Bash(ls)\"]\n  },\n  \"env\": {\n    \"FOO\": \"1\"\n  }\n}\n";
/// Runs of setup and remove, each killed at a random moment in its first 10 ms (if still running).
const ROUNDS: usize = 300;
const CODEX: &str =
    "# mine\napproval_policy = \"never\"\n\n[mcp_servers.docs]\ncommand = \"true\"\n";

/// A cheap deterministic sequence: the test is repeatable, the kill moments still vary widely.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn assert_intact(home: &Path, round: usize) {
    let settings = home.join("dotfiles/settings.json");
    let text = std::fs::read_to_string(&settings).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("round {round}: torn JSON ({e}):\n{text}"));
    assert_eq!(
        json["permissions"]["allow"][0], "Bash(ls)",
        "round {round}: user key lost:\n{text}"
    );
    assert_eq!(
        json["env"]["FOO"], "1",
        "round {round}: user key lost:\n{text}"
    );
    let link = home.join(".claude/settings.json");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "round {round}: symlink replaced"
    );
    if let Ok(text) = std::fs::read_to_string(home.join(".codex/config.toml")) {
        let doc: toml_edit::DocumentMut = text
            .parse()
            .unwrap_or_else(|e| panic!("round {round}: torn TOML ({e}):\n{text}"));
        assert_eq!(
            doc["approval_policy"].as_str(),
            Some("never"),
            "round {round}: user key lost:\n{text}"
        );
    }
    if let Ok(text) = std::fs::read_to_string(home.join(".local/state/agentgw/managed.json")) {
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("round {round}: torn record ({e}):\n{text}"));
    }
}

#[test]
fn setup_and_remove_killed_at_random_moments_leave_every_file_whole() {
    let home = TestHome::new();
    home.login_unverified("default", crate::support::GOOD_TOKEN);
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::create_dir_all(home.path().join(".claude")).unwrap();
    std::fs::create_dir_all(home.path().join(".codex")).unwrap();
    std::fs::write(dotfiles.join("settings.json"), SETTINGS).unwrap();
    std::os::unix::fs::symlink(
        dotfiles.join("settings.json"),
        home.path().join(".claude/settings.json"),
    )
    .unwrap();
    std::fs::write(home.path().join(".codex/config.toml"), CODEX).unwrap();

    let binary = assert_cmd::cargo::cargo_bin!("agentgw");
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut killed = 0;
    for round in 0..ROUNDS {
        let args: &[&str] = if round % 2 == 0 {
            &["setup", "all", "--force", "--yes", "--no-test"]
        } else {
            &["remove", "all", "--yes"]
        };
        let mut child = Command::new(binary)
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", "/usr/bin:/bin")
            .env("AGENTGW_AUTH_STORAGE", "file")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(next(&mut seed) % 10_000));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_intact(home.path(), round);
    }
    // The next complete run cleans up after the killed ones and can undo everything exactly.
    for args in [
        &["setup", "all", "--force", "--yes", "--no-test"][..],
        &["remove", "all", "--yes"][..],
    ] {
        let out = home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read_to_string(dotfiles.join("settings.json")).unwrap(),
        SETTINGS
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join(".codex/config.toml")).unwrap(),
        CODEX
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dotfiles)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".agentgw-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    eprintln!("{killed} of {ROUNDS} runs were killed mid-way");
}

#[test]
fn eight_concurrent_setups_and_removes_keep_every_file_whole_and_undoable() {
    let home = TestHome::new();
    home.login_unverified("default", crate::support::GOOD_TOKEN);
    std::fs::create_dir_all(home.path().join(".claude")).unwrap();
    std::fs::write(home.path().join(".claude/settings.json"), SETTINGS).unwrap();
    std::fs::create_dir_all(home.path().join(".codex")).unwrap();
    std::fs::write(home.path().join(".codex/config.toml"), CODEX).unwrap();
    for _ in 0..5 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                let args: &[&str] = if i % 2 == 0 {
                    &["setup", "all", "--force", "--yes", "--no-test"]
                } else {
                    &["remove", "all", "--yes"]
                };
                Command::new(assert_cmd::cargo::cargo_bin!("agentgw"))
                    .args(args)
                    .env_clear()
                    .env("HOME", home.path())
                    .env("PATH", "/usr/bin:/bin")
                    .env("AGENTGW_AUTH_STORAGE", "file")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["env"]["FOO"], "1", "{text}");
    }
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["remove", "all", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap(),
        SETTINGS
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join(".codex/config.toml")).unwrap(),
        CODEX
    );
}
