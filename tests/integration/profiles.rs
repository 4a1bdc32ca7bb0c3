use crate::common::{TestHome, stdout};
use crate::support::GOOD_TOKEN;

#[test]
fn profiles_lists_name_host_gateway_and_storage() {
    let home = TestHome::new();
    let out = home.cmd().arg("profiles").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");

    home.login_unverified("default", GOOD_TOKEN);
    home.cmd()
        .args([
            "login",
            "--profile",
            "gw2",
            "--host",
            "https://b.example.com",
            "--gateway-url",
            "https://9.ai-gateway.example.com",
        ])
        .args(["--token-stdin", "--no-verify"])
        .write_stdin(GOOD_TOKEN)
        .assert()
        .success();
    home.cmd()
        .args(["logout", "--profile", "gw2"])
        .assert()
        .success();

    let out = home.cmd().arg("profiles").output().unwrap();
    assert_eq!(
        stdout(&out),
        "  PROFILE  HOST                    GATEWAY                            AUTH  TOKEN\n\
         * default  https://ws.example.com  https://ws.example.com/ai-gateway  pat   file\n\
         \x20 gw2      https://b.example.com   https://9.ai-gateway.example.com   pat   not logged in\n"
    );

    let out = home
        .cmd()
        .args(["profiles", "--json", "--profile", "gw2"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"profiles": [
            {"name": "default", "host": "https://ws.example.com", "gateway_url": "https://ws.example.com/ai-gateway",
             "auth": "pat", "token_storage": "file", "active": false},
            {"name": "gw2", "host": "https://b.example.com", "gateway_url": "https://9.ai-gateway.example.com",
             "auth": "pat", "token_storage": null, "active": true},
        ]})
    );
}
