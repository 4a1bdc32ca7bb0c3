//! A few shapes from the corpus of real-world files (tests/corpus/) through the binary:
//! `setup` then `remove` gives every byte back, and a file agentgw cannot edit safely is refused
//! with exit 1, the reason and the file left byte-identical.

use crate::common::{TestHome, assert_stderr_contains, stderr};

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(name),
    )
    .unwrap()
}

/// Puts corpus file `name` at `rel` in a logged-in HOME.
fn home_with(name: &str, rel: &str) -> (TestHome, std::path::PathBuf, Vec<u8>) {
    let home = TestHome::logged_in_to("https://ws.example.com");
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes = corpus(name);
    std::fs::write(&path, &bytes).unwrap();
    (home, path, bytes)
}

fn run(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd().args(args).output().unwrap()
}

#[test]
fn setup_and_remove_give_odd_but_valid_shapes_back_byte_for_byte() {
    for (name, rel, agent, set_key) in [
        (
            "toml/dotted-keys.toml",
            ".codex/config.toml",
            "codex",
            "auth",
        ),
        (
            "toml/inline-tables.toml",
            ".codex/config.toml",
            "codex",
            "auth",
        ),
        ("toml/crlf.toml", ".codex/config.toml", "codex", "auth"),
        (
            "json/bom-crlf.json",
            ".claude/settings.json",
            "claude",
            "apiKeyHelper",
        ),
        (
            "json/tabs.json",
            ".claude/settings.json",
            "claude",
            "apiKeyHelper",
        ),
        (
            "json/empty.json",
            ".claude/settings.json",
            "claude",
            "apiKeyHelper",
        ),
        (
            "dotenv/multiline.env",
            ".gemini/.env",
            "gemini",
            "GEMINI_API_KEY",
        ),
    ] {
        let (home, path, bytes) = home_with(name, rel);
        let out = run(&home, &["setup", agent, "--yes", "--no-test"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let set_up = std::fs::read_to_string(&path).unwrap();
        assert!(set_up.contains(set_key), "{name}: {set_up}");
        let out = run(&home, &["remove", agent, "--yes"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name} not given back"
        );
    }
}

#[test]
fn setup_refuses_what_it_cannot_edit_safely_and_leaves_it_alone() {
    for (name, rel, agent, reason) in [
        (
            "json/duplicate-keys.json",
            ".claude/settings.json",
            "claude",
            "env appears 2 times in its object (lines 2, 6)",
        ),
        (
            "json/invalid-utf8.json",
            ".claude/settings.json",
            "claude",
            "settings.json:2:15: not UTF-8 text",
        ),
        (
            "toml/duplicate-tables.toml",
            ".codex/config.toml",
            "codex",
            "config.toml:4:1",
        ),
        (
            "dotenv/broken.env",
            ".gemini/.env",
            "gemini",
            "unterminated double-quoted value",
        ),
    ] {
        let (home, path, bytes) = home_with(name, rel);
        let out = run(&home, &["setup", agent, "--yes", "--no-test"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert_stderr_contains(&out, &path.display().to_string());
        assert_stderr_contains(&out, reason);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} was changed");
    }
}
