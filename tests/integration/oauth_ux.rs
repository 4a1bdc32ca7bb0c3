//! What a user signed in with OAuth (or as a service principal) reads when something goes wrong:
//! each message names what happened and the command that fixes it, for this profile and its way
//! of signing in — never advice meant for a personal access token.

use crate::common::{TestHome, stderr, stdout};
use crate::support::browser::Browser;
use crate::support::{Gateway, OAuthOptions, SP_CLIENT_ID, SP_CLIENT_SECRET};

/// A loopback port nobody listens on (for `--redirect-port`: tests run in parallel).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Signs `profile` in with the browser; the browser is returned so it outlives the test's use.
fn browser_sign_in(home: &TestHome, gw: &Gateway, profile: &str) -> Browser {
    let browser = Browser::start(home.path());
    let out = home
        .cmd()
        .args(["login", "--profile", profile, "--host", &gw.url])
        .args([
            "--auth",
            "oauth",
            "--redirect-port",
            &free_port().to_string(),
        ])
        .env("BROWSER", browser.command())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    browser
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn an_oauth_token_the_gateway_rejects_says_sign_in_again_not_create_a_pat() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let _browser = browser_sign_in(&home, &gw, "work");
    let out = home
        .cmd()
        .args(["setup", "claude", "--profile", "work", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The workspace ends the access token before its hour is up (revoked by an admin): the
    // cached one is still within its lifetime, so agentgw hands it out and the gateway says 401.
    gw.oauth().expire_access_tokens();
    let sign_in_again = "agentgw login --profile work --auth oauth";

    let out = home
        .cmd()
        .args(["test", "claude", "--profile", "work", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = &json(&out)[0];
    assert_eq!(report["error_kind"], "invalid_token");
    let fix = report["fix"].as_str().unwrap();
    assert!(fix.ends_with(sign_in_again), "{fix}");
    assert!(
        !fix.contains("Access tokens"),
        "PAT advice for OAuth: {fix}"
    );

    let out = home
        .cmd()
        .args(["doctor", "--profile", "work", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let checks = json(&out)["checks"].as_array().unwrap().clone();
    for id in ["token-valid", "gateway"] {
        let check = checks
            .iter()
            .find(|c| c["id"] == id && c["status"] == "fail")
            .unwrap_or_else(|| panic!("no failed {id} check: {checks:?}"));
        let fix = check["fix"].as_str().unwrap();
        assert!(fix.ends_with(sign_in_again), "{id}: {fix}");
        assert!(!fix.contains("Access tokens"), "{id}: {fix}");
    }
}

#[test]
fn a_service_principal_token_the_workspace_rejects_names_its_login() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let out = home
        .cmd()
        .args([
            "login",
            "--profile",
            "ci",
            "--host",
            &gw.url,
            "--auth",
            "m2m",
        ])
        .env("DATABRICKS_CLIENT_ID", SP_CLIENT_ID)
        .env("DATABRICKS_CLIENT_SECRET", SP_CLIENT_SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    gw.oauth().expire_access_tokens();
    let out = home
        .cmd()
        .args(["doctor", "--profile", "ci", "--json"])
        .output()
        .unwrap();
    let checks = json(&out)["checks"].as_array().unwrap().clone();
    let check = checks.iter().find(|c| c["id"] == "token-valid").unwrap();
    assert_eq!(check["status"], "fail", "{check}");
    let fix = check["fix"].as_str().unwrap();
    assert!(
        fix.ends_with("agentgw login --profile ci --auth m2m"),
        "{fix}"
    );
}

/// No run of spaces left over from how the message was written in the source.
fn assert_no_stray_indentation(out: &std::process::Output) {
    for line in stderr(out).lines() {
        assert!(
            !line.contains("   "),
            "stray spaces in the message line {line:?}:\n{}",
            stderr(out)
        );
    }
}

#[test]
fn login_failures_read_as_plain_lines() {
    let gw = Gateway::start_oauth(OAuthOptions {
        refuse_pats: true,
        ..OAuthOptions::default()
    });
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--host", &gw.url, "--token-stdin"])
        .write_stdin(crate::support::GOOD_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "\nthis workspace signs in with OAuth: agentgw login --profile default --auth oauth\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_no_stray_indentation(&out);

    let cfg = home.path().join(".databrickscfg");
    std::fs::write(
        &cfg,
        format!("[az]\nhost = {}\nauth_type = azure-cli\n", gw.url),
    )
    .unwrap();
    let out = home
        .cmd()
        .args(["login", "--from-databrickscfg", "az"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("auth_type = azure-cli"),
        "{}",
        stderr(&out)
    );
    assert_no_stray_indentation(&out);

    let out = home
        .cmd()
        .args(["login", "--host", &gw.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--auth m2m"), "{}", stderr(&out));
    assert_no_stray_indentation(&out);
}

#[test]
fn unattended_login_of_a_named_profile_suggests_commands_for_that_profile_and_workspace() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--profile", "work", "--host", &gw.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    for way in [
        format!(
            "agentgw login --profile work --host {} --token-stdin",
            gw.url
        ),
        format!(
            "agentgw login --profile work --host {} --auth oauth",
            gw.url
        ),
        format!("agentgw login --profile work --host {} --auth m2m", gw.url),
        "agentgw login --profile work --from-databrickscfg NAME".to_string(),
    ] {
        assert!(text.contains(&way), "{way} not in:\n{text}");
    }

    // A ~/.databrickscfg section without a token: the browser sign-in of this profile.
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!("[ws]\nhost = {}\nauth_type = pat\n", gw.url),
    )
    .unwrap();
    let out = home
        .cmd()
        .args(["login", "--profile", "work", "--from-databrickscfg", "ws"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "agentgw login --profile work --host {} --auth oauth",
            gw.url
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_databrickscfg_service_principal_without_its_secret_names_the_section_and_key() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[sp]\nhost = {}\nauth_type = oauth-m2m\nclient_id = {SP_CLIENT_ID}\n\n\
             [nosp]\nhost = {}\nauth_type = oauth-m2m\n",
            gw.url, gw.url
        ),
    )
    .unwrap();
    let out = home
        .cmd()
        .args(["login", "--profile", "ci", "--from-databrickscfg", "sp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("~/.databrickscfg [sp] has no client_secret"),
        "{}",
        stderr(&out)
    );
    let out = home
        .cmd()
        .args(["login", "--profile", "ci", "--from-databrickscfg", "nosp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("~/.databrickscfg [nosp] has no client_id"),
        "{}",
        stderr(&out)
    );
    assert_eq!(home.config_toml(), None);
}

#[test]
fn a_service_principal_signs_in_again_with_a_new_secret_alone() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let out = home
        .cmd()
        .args([
            "login",
            "--profile",
            "ci",
            "--host",
            &gw.url,
            "--auth",
            "m2m",
        ])
        .env("DATABRICKS_CLIENT_ID", SP_CLIENT_ID)
        .env("DATABRICKS_CLIENT_SECRET", SP_CLIENT_SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The secret was rotated: the new one on stdin; the client id is the profile's.
    let out = home
        .cmd()
        .args(["login", "--profile", "ci", "--client-secret-stdin"])
        .write_stdin(SP_CLIENT_SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "as service principal {SP_CLIENT_ID} (id from the existing profile, secret from standard input)"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(gw.oauth().grants("client_credentials"), 2);
}

/// A web server that is not a Databricks workspace: every request gets `status` with an HTML
/// page (a proxy's sign-in page, a company intranet).
fn html_server(status: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let body = "<!DOCTYPE html>\n<html><head><title>Corporate Sign-On</title></head>\n\
                        <body><form>Please sign in to continue</form></body></html>\n";
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn a_host_that_is_not_a_workspace_is_named_as_such_without_its_html() {
    let home = TestHome::new();
    let host = html_server("404 Not Found");
    let out = home
        .cmd()
        .args([
            "login",
            "--profile",
            "work",
            "--host",
            &host,
            "--auth",
            "oauth",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(
        !text.contains("<html") && !text.contains("<title>"),
        "{text}"
    );
    assert!(text.contains("an HTML page (Corporate Sign-On)"), "{text}");
    assert!(
        text.contains("Check that --host is the Databricks workspace URL"),
        "{text}"
    );
    assert_eq!(home.config_toml(), None);
}
