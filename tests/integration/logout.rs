use crate::common::{TestHome, stderr, stdout};
use crate::support::GOOD_TOKEN;

#[test]
fn logout_removes_the_token_keeps_the_profile_and_is_idempotent() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);

    let out = home.cmd().arg("logout").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Logged out of profile 'default'.\n  token removed from the plaintext token file\n"
    );
    assert!(!home.tokens_toml().unwrap().contains(GOOD_TOKEN));
    assert_eq!(
        home.config_toml().unwrap(),
        "[profiles.default]\nhost = \"https://ws.example.com\"\n"
    );
    assert_eq!(
        home.cmd().arg("token").output().unwrap().status.code(),
        Some(1)
    );

    let again = home.cmd().arg("logout").output().unwrap();
    assert!(again.status.success());
    assert_eq!(
        stdout(&again),
        "Profile 'default' had no stored token: nothing to remove.\n"
    );

    let unknown = home
        .cmd()
        .args(["logout", "--profile", "nope"])
        .output()
        .unwrap();
    assert!(unknown.status.success());
    assert_eq!(
        stdout(&unknown),
        "No profile 'nope': nothing to log out of.\n"
    );
}

#[test]
fn logout_leaves_other_profiles_tokens() {
    let home = TestHome::new();
    home.login_unverified("a", "dapi-a");
    home.login_unverified("b", "dapi-b");
    home.cmd()
        .args(["logout", "--profile", "a"])
        .assert()
        .success();
    assert_eq!(
        stdout(
            &home
                .cmd()
                .args(["token", "--profile", "b"])
                .output()
                .unwrap()
        ),
        "dapi-b\n"
    );
}
