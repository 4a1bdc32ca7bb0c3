//! The manual pages: the committed man/ pages must match what the current CLI generates
//! (regenerate them with: scripts/update-completions.sh), every command has one, and
//! `agentgw man` prints them.

use crate::common::{TestHome, stderr, stdout};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("man")
}

/// The `*.1` files of `dir`, by name.
fn pages_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "1"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

/// The page each command should have, from the definition itself: `agentgw.1`,
/// `agentgw-<command>.1`, `agentgw-otel-create.1`, ... (clap's `help` command has none).
fn expected_pages(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    out.push(format!("{prefix}.1"));
    for sub in command.get_subcommands() {
        if sub.get_name() != "help" {
            expected_pages(sub, &format!("{prefix}-{}", sub.get_name()), out);
        }
    }
}

#[test]
fn committed_man_pages_are_up_to_date() {
    let home = TestHome::new();
    let fresh = home.path().join("fresh-man");
    let out = home
        .cmd()
        .arg("man")
        .arg("--out-dir")
        .arg(&fresh)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let generated = pages_in(&fresh);
    assert_eq!(
        stdout(&out),
        format!(
            "{} manual pages written to {}\n",
            generated.len(),
            fresh.display()
        )
    );
    let committed = pages_in(&committed_dir());
    let names = |pages: &BTreeMap<String, Vec<u8>>| pages.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&generated),
        "man/ holds other pages than the CLI has: run scripts/update-completions.sh and commit the result"
    );
    for (name, page) in &generated {
        assert!(
            committed[name] == *page,
            "man/{name} is stale: run scripts/update-completions.sh and commit the result"
        );
    }
}

#[test]
fn every_command_has_its_own_page() {
    let mut expected = Vec::new();
    expected_pages(&agentgw::cli::command(), "agentgw", &mut expected);
    assert!(
        expected.contains(&"agentgw-otel-create.1".to_string()),
        "{expected:?}"
    );
    let committed = pages_in(&committed_dir());
    for name in &expected {
        assert!(committed.contains_key(name), "man/{name} is missing");
    }
    // One page per command: two commands never share a file name.
    assert_eq!(committed.len(), expected.len(), "{:?}", committed.keys());
}

#[test]
fn pages_are_dated_by_nothing_but_the_version() {
    let version = env!("CARGO_PKG_VERSION");
    for (name, page) in pages_in(&committed_dir()) {
        let page = String::from_utf8(page).unwrap();
        let title = name.trim_end_matches(".1");
        let th = format!(".TH {title} 1  \"agentgw {version}\" ");
        assert!(page.lines().any(|l| l == th), "man/{name}: no line {th:?}");
    }
}

#[test]
fn man_prints_the_page_of_agentgw_or_of_a_command() {
    let home = TestHome::new();
    for (words, file) in [
        (&[][..], "agentgw.1"),
        (&["otel", "create"][..], "agentgw-otel-create.1"),
        (&["exec"][..], "agentgw-exec.1"),
    ] {
        let out = home.cmd().arg("man").args(words).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            std::fs::read_to_string(committed_dir().join(file)).unwrap()
        );
    }
    let exec = home.cmd().args(["man", "exec"]).output().unwrap();
    assert!(
        stdout(&exec).contains(
            "The agent (claude, codex, gemini, pi, copilot, opencode), then its arguments"
        ),
        "exec's page names the agents it starts"
    );
}

#[test]
fn man_refuses_a_command_that_does_not_exist() {
    let home = TestHome::new();
    let out = home.cmd().args(["man", "otel", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).starts_with(
            "error: there is no command 'agentgw otel nope'; 'agentgw otel --help' lists its commands\n"
        ),
        "{}",
        stderr(&out)
    );
    let out = home.cmd().args(["man", "help"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap's help command has no page"
    );
    assert!(stderr(&out).contains("'agentgw --help' lists its commands"));
}

#[test]
fn man_out_dir_creates_the_folder_and_takes_no_command() {
    let home = TestHome::new();
    let dir = home.path().join("share/man/man1");
    let out = home
        .cmd()
        .arg("man")
        .arg("--out-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join("agentgw-setup.1").is_file());

    let out = home
        .cmd()
        .args(["man", "setup", "--out-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the argument '[COMMAND]...' cannot be used with '--out-dir <DIR>'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_offer_man() {
    let script = crate::completions::bash_script();
    assert!(script.contains("agentgw__subcmd__man"));
    assert!(script.contains("--out-dir"));
}
