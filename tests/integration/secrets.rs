//! Secrets in messages and files: URLs lose their user:password in every message, and the
//! automatic scan that every test's TestHome runs (common.rs) really catches a leak.

use crate::common::{TestHome, assert_stderr_contains, stderr};
use crate::support::{GOOD_TOKEN, Gateway};

const PASSWORD: &str = "s3cretPassw0rd";

#[test]
fn a_host_with_a_user_and_password_is_refused_without_echoing_them() {
    let home = TestHome::new();
    home.secret(PASSWORD);
    let out = home
        .cmd()
        .args(["login", "--token-stdin", "--no-verify", "--host"])
        .arg(format!("https://alice:{PASSWORD}@ws.example.com/x"))
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "--host \"https://ws.example.com/x\" contains a user name or password",
    );
}

#[test]
fn a_gateway_url_with_a_password_in_an_agents_file_is_never_shown_with_it() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    home.secret(PASSWORD);
    let settings = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    let url = format!("https://alice:{PASSWORD}@gw.example.com/anthropic");
    std::fs::write(
        &settings,
        format!("{{\"env\": {{\"ANTHROPIC_BASE_URL\": \"{url}\", \"ANTHROPIC_MODEL\": \"m\"}}}}\n"),
    )
    .unwrap();
    home.secret_put_there_by_the_test(&settings);
    for args in [
        &["test", "claude"][..],
        &["doctor", "--agent", "claude"],
        &["status"],
    ] {
        let out = home.cmd().args(args).output().unwrap();
        let said = format!("{}{}", crate::common::stdout(&out), stderr(&out));
        assert!(said.contains("gw.example.com"), "{args:?}: {said}");
    }
}

#[test]
fn the_scan_catches_a_token_in_a_file_not_meant_for_it() {
    let home = TestHome::new();
    std::fs::write(home.path().join("notes.txt"), GOOD_TOKEN).unwrap();
    let scan = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(home)));
    assert!(scan.is_err(), "a token in notes.txt went unnoticed");
}

#[test]
fn the_scan_catches_a_token_on_stderr() {
    let home = TestHome::new();
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("echo {GOOD_TOKEN} >&2")])
        .output()
        .unwrap();
    let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        home.check_output(&["status".to_string()], &out)
    }));
    assert!(check.is_err(), "a token on stderr went unnoticed");
}
