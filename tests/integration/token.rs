use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::GOOD_TOKEN;

fn logged_in_home() -> TestHome {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    home
}

#[test]
fn token_prints_the_token_and_a_newline_and_nothing_else() {
    let home = logged_in_home();
    let out = home.cmd().arg("token").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"));
    assert_eq!(stderr(&out), "");
}

#[test]
fn otel_headers_prints_the_authorization_json() {
    let home = logged_in_home();
    let out = home.cmd().arg("otel-headers").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!("{{\"Authorization\":\"Bearer {GOOD_TOKEN}\"}}\n")
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn agentgw_token_wins_over_the_store_and_needs_no_config() {
    let home = logged_in_home();
    let out = home
        .cmd()
        .env("AGENTGW_TOKEN", "dapi-from-ci")
        .arg("token")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "dapi-from-ci\n");

    let empty = TestHome::new();
    let out = empty
        .cmd()
        .env("AGENTGW_TOKEN", "dapi-from-ci")
        .arg("otel-headers")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "{\"Authorization\":\"Bearer dapi-from-ci\"}\n"
    );
    assert!(
        !empty.config_dir().exists(),
        "token must not write anything"
    );
}

#[test]
fn not_logged_in_exits_1_with_a_one_line_hint() {
    let home = TestHome::new();
    for cmd in ["token", "otel-headers"] {
        let out = home
            .cmd()
            .args([cmd, "--profile", "work"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            "error: not logged in (profile 'work'); run: agentgw login --profile work\n"
        );
    }
}

#[test]
fn profiles_keep_separate_tokens() {
    let home = logged_in_home();
    home.login_unverified("staging", "dapi-staging");
    assert_eq!(
        stdout(
            &home
                .cmd()
                .args(["token", "--profile", "staging"])
                .output()
                .unwrap()
        ),
        "dapi-staging\n"
    );
    assert_eq!(
        stdout(
            &home
                .cmd()
                .env("AGENTGW_PROFILE", "staging")
                .arg("token")
                .output()
                .unwrap()
        ),
        "dapi-staging\n"
    );
    assert_eq!(
        stdout(&home.cmd().arg("token").output().unwrap()),
        format!("{GOOD_TOKEN}\n")
    );
}

#[test]
fn an_invalid_profile_name_is_refused() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["token", "--profile", "../x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--profile \"../x\" is not a profile name");
}

#[test]
fn an_empty_agentgw_token_falls_back_to_the_store() {
    let home = logged_in_home();
    let out = home
        .cmd()
        .env("AGENTGW_TOKEN", "")
        .arg("token")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"), "{}", stderr(&out));
}
