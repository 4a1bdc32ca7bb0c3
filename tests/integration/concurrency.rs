//! agentgw runs that overlap: every file stays whole, the managed-keys record agrees with the
//! files, and two logins leave one of their tokens.

use crate::common::TestHome;
use crate::rich_home::{REMOVE, RichHome, SETUP};
use serde_json::Value;
use std::io::Write;
use std::process::{Child, Stdio};

/// Rounds of 8 simultaneous runs (4 `setup all`, 4 `remove all`).
const ROUNDS: usize = 5;

#[test]
fn eight_concurrent_setups_and_removes_keep_files_whole_and_the_record_consistent() {
    let rich = RichHome::new();
    for round in 0..ROUNDS {
        let children: Vec<Child> = (0..8)
            .map(|i| {
                rich.home
                    .process()
                    .args(if i % 2 == 0 { SETUP } else { REMOVE })
                    .env("PATH", "/usr/bin:/bin")
                    .env("AGENTGW_AUTH_STORAGE", "file")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let args = if i % 2 == 0 { SETUP } else { REMOVE };
            rich.home.check_output(
                &args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                &out,
            );
        }
        let when = format!("after round {round}");
        rich.assert_whole(&when);
        assert_record_matches_files(&rich, &when);
    }
    rich.run_to_completion(REMOVE);
    rich.assert_as_written();
    eprintln!("{} concurrent runs, {ROUNDS} rounds of 8", ROUNDS * 8);
}

/// Every key the record says agentgw set is in its file with agentgw's value (a key agentgw
/// removed is absent), and a file holds agentgw's settings exactly when the record has it.
fn assert_record_matches_files(rich: &RichHome, when: &str) {
    let record_path = rich.path().join(".local/state/agentgw/managed.json");
    let record: Value = match std::fs::read_to_string(&record_path) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => Value::Null,
    };
    let recorded = |path: &std::path::Path| {
        record["owners"]
            .as_object()
            .into_iter()
            .flat_map(|owners| owners.values())
            .find_map(|owner| owner["files"].get(path.to_str().unwrap()).cloned())
    };
    for file in &rich.files {
        let text = std::fs::read_to_string(&file.real).unwrap();
        let set_up = text == file.states[1];
        let entry = recorded(&file.path);
        assert_eq!(
            entry.is_some(),
            set_up,
            "{when}: {} is {} but the record {} it:\n{record:#}",
            file.name,
            if set_up {
                "set up"
            } else {
                "as the user wrote it"
            },
            if entry.is_some() { "has" } else { "lacks" }
        );
        let Some(entry) = entry else { continue };
        for managed in entry["keys"].as_array().unwrap() {
            let key: Vec<String> = serde_json::from_value(managed["key"].clone()).unwrap();
            let now =
                agentgw::edit::read_values(&file.path, file.format, std::slice::from_ref(&key))
                    .unwrap()
                    .remove(0);
            if managed["removed"] == true {
                assert_eq!(now, None, "{when}: {} {key:?} is back", file.name);
            } else if managed.get("set_digest").is_some() {
                assert!(now.is_some(), "{when}: {} lacks {key:?}", file.name);
            } else {
                assert_eq!(
                    now.as_ref(),
                    Some(&managed["set"]),
                    "{when}: {} {key:?}",
                    file.name
                );
            }
        }
    }
}

/// Starts `agentgw login` of `token` for `profile` (--no-verify), with `extra` arguments and
/// environment.
pub fn spawn_login(
    home: &TestHome,
    profile: &str,
    token: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Child {
    let mut child = home
        .process()
        .args([
            "login",
            "--profile",
            profile,
            "--host",
            "https://ws.example.com",
        ])
        .args(["--token-stdin", "--no-verify"])
        .args(extra)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    child
}

/// Waits for the logins, asserting each succeeded and printed no secret.
pub fn wait_for_logins(home: &TestHome, children: Vec<Child>) {
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        home.check_output(&["login".to_string()], &out);
    }
}

/// What `agentgw token --profile P` prints, asserted to be one of `tokens`.
pub fn one_of_the_tokens(
    home: &TestHome,
    profile: &str,
    tokens: &[&str],
    env: &[(&str, &str)],
) -> String {
    let out = home
        .bare_cmd()
        .envs(env.iter().copied())
        .args(["token", "--profile", profile])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string();
    assert!(tokens.contains(&printed.as_str()), "token {printed:?}");
    printed
}

pub const TOKEN_A: &str = "dapiAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
pub const TOKEN_B: &str = "dapiBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

#[test]
fn two_simultaneous_logins_leave_one_of_their_tokens() {
    for attempt in 0..10 {
        // A fresh HOME each time, so the two also race to create agentgw's folders and files.
        let home = TestHome::new();
        home.secret(TOKEN_A);
        home.secret(TOKEN_B);
        // Both ways of choosing the file store.
        let (extra, env): (&[&str], &[(&str, &str)]) = if attempt % 2 == 0 {
            (&["--insecure-storage"], &[])
        } else {
            (&[], &[("AGENTGW_AUTH_STORAGE", "file")])
        };
        let children = [TOKEN_A, TOKEN_B]
            .map(|token| spawn_login(&home, "default", token, extra, env))
            .into();
        wait_for_logins(&home, children);
        let token = one_of_the_tokens(&home, "default", &[TOKEN_A, TOKEN_B], &[]);
        let config: toml_edit::DocumentMut = home.config_toml().unwrap().parse().unwrap();
        assert_eq!(
            config["profiles"]["default"]["token_storage"].as_str(),
            Some("file")
        );
        let tokens: toml_edit::DocumentMut = home.tokens_toml().unwrap().parse().unwrap();
        assert_eq!(tokens["default"]["token"].as_str(), Some(token.as_str()));
        assert_eq!(
            crate::common::mode(&home.config_dir().join("tokens.toml")),
            0o600
        );
        let in_folder: Vec<_> = std::fs::read_dir(home.config_dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".lock")
            .collect();
        assert_eq!(in_folder.len(), 2, "{in_folder:?}");
    }
}
