use crate::common::{TestHome, assert_no_secret, assert_stderr_contains, mode, stderr, stdout};
use crate::discovery::{LEGACY, routes_found};
use crate::support::{self, FORBIDDEN_TOKEN, GOOD_TOKEN, Gateway, USER_NAME};
use std::time::{Duration, Instant};

fn login_with_stdin(home: &TestHome, host: &str, token: &str) -> std::process::Output {
    home.cmd()
        .args(["login", "--host", host, "--token-stdin"])
        .write_stdin(format!("{token}\n"))
        .output()
        .unwrap()
}

/// Nothing at all may be stored when login fails.
fn assert_nothing_stored(home: &TestHome) {
    assert_eq!(home.config_toml(), None, "config.toml was written");
    assert_eq!(home.tokens_toml(), None, "tokens.toml was written");
}

#[test]
fn login_verifies_the_token_then_stores_it() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = login_with_stdin(&home, &gw.url, GOOD_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("Logged in to {} as {USER_NAME}\n", gw.url)),
        "{}",
        stdout(&out)
    );
    assert_stderr_contains(&out, "plaintext");
    assert_no_secret(&out, GOOD_TOKEN);

    // The token check first; then only GETs that find the gateway and its routes (discovery.rs).
    let requests = gw.requests();
    assert_eq!(requests[0].path, "/api/2.0/preview/scim/v2/Me");
    assert_eq!(
        requests[0].header("Authorization"),
        Some(format!("Bearer {GOOD_TOKEN}").as_str())
    );
    assert!(requests.iter().all(|r| r.method == "GET"));

    assert_eq!(
        home.config_toml().unwrap(),
        format!(
            "[profiles.default]\nhost = \"{}\"\ntoken_storage = \"file\"\n{}",
            gw.url,
            routes_found("default", "/ai-gateway", &LEGACY)
        )
    );
    assert!(
        home.tokens_toml()
            .unwrap()
            .contains(&format!("[default]\ntoken = \"{GOOD_TOKEN}\"\n"))
    );
    assert_eq!(mode(&home.config_dir().join("tokens.toml")), 0o600);
    assert_eq!(mode(&home.config_dir()), 0o700);

    let token = home.cmd().arg("token").output().unwrap();
    assert_eq!(stdout(&token), format!("{GOOD_TOKEN}\n"));
}

#[test]
fn a_rejected_token_is_not_stored() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = login_with_stdin(&home, &gw.url, "dapi-wrong-token");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("rejected the token (HTTP 401: Invalid access token.)"),
        "{err}"
    );
    assert!(err.contains("agentgw login --profile default"), "{err}");
    assert!(err.contains("Nothing was stored."), "{err}");
    assert_no_secret(&out, "dapi-wrong-token");
    assert_nothing_stored(&home);
}

#[test]
fn a_token_without_permission_is_told_apart_from_a_bad_one() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = login_with_stdin(&home, &gw.url, FORBIDDEN_TOKEN);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("the token is valid but lacks permission"),
        "{err}"
    );
    assert!(err.contains("HTTP 403"), "{err}");
    assert!(!err.contains("rejected"), "{err}");
    assert_nothing_stored(&home);
}

#[test]
fn an_unreachable_host_says_connect_and_names_the_proxy_variables() {
    let home = TestHome::new();
    let url = support::closed_port_url();
    let out = login_with_stdin(&home, &url, GOOD_TOKEN);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot connect to 127.0.0.1:"), "{err}");
    assert!(err.contains("HTTPS_PROXY"), "{err}");
    assert_nothing_stored(&home);
}

#[test]
fn a_silent_host_times_out_within_the_configured_bound() {
    let home = TestHome::new();
    let url = support::silent_server();
    let started = Instant::now();
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "1")
        .args(["login", "--host", &url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "did not answer within 1 s");
    assert_nothing_stored(&home);
}

#[test]
fn tls_to_a_plain_http_server_is_a_tls_failure_with_the_ca_hint() {
    let home = TestHome::new();
    let https = support::plain_http_answering_server().replace("http://", "https://");
    let out = login_with_stdin(&home, &https, GOOD_TOKEN);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("TLS connection to 127.0.0.1"), "{err}");
    assert!(
        err.contains("SSL_CERT_FILE") && err.contains("--ca-file"),
        "{err}"
    );
    assert_nothing_stored(&home);
}

#[test]
fn no_verify_stores_without_any_request() {
    let home = TestHome::new();
    let url = support::closed_port_url();
    let out = login_with_stdin(&home, &url, GOOD_TOKEN);
    assert_eq!(out.status.code(), Some(1));
    let out = home
        .cmd()
        .args(["login", "--host", &url, "--token-stdin", "--no-verify"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("Saved the token for {url} (not verified: --no-verify)\n")
    );
    assert_eq!(
        stdout(&home.cmd().arg("token").output().unwrap()),
        format!("{GOOD_TOKEN}\n")
    );
}

#[test]
fn from_databrickscfg_reads_the_default_or_a_named_section() {
    let gw = Gateway::start();
    let home = TestHome::new();
    home.secret_put_there_by_the_test(&home.path().join(".databrickscfg"));
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "; Databricks CLI profiles\n[DEFAULT]\nhost = {url}/\ntoken = {GOOD_TOKEN}\n\n[oauth]\nhost = {url}\nauth_type = databricks-cli\n",
            url = gw.url
        ),
    )
    .unwrap();
    let out = home
        .cmd()
        .args(["login", "--from-databrickscfg"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("Logged in to {} as {USER_NAME}\n", gw.url)),
        "{}",
        stdout(&out)
    );
    assert_stderr_contains(&out, "from ~/.databrickscfg [DEFAULT]");

    // An OAuth section (auth_type = databricks-cli) signs in in the browser: see oauth_login.rs.

    // A missing section lists those that exist.
    let out = home
        .cmd()
        .args(["login", "--from-databrickscfg", "nope", "--profile", "n"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "has no [nope] section; sections there: DEFAULT, oauth",
    );
}

#[test]
fn databricks_config_file_moves_the_databrickscfg() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let cfg = home.path().join("elsewhere.cfg");
    home.secret_put_there_by_the_test(&cfg);
    std::fs::write(
        &cfg,
        format!("[staging]\nhost = {}\ntoken = {GOOD_TOKEN}\n", gw.url),
    )
    .unwrap();
    let out = home
        .cmd()
        .env("DATABRICKS_CONFIG_FILE", &cfg)
        .args([
            "login",
            "--from-databrickscfg",
            "staging",
            "--profile",
            "staging",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.config_toml().unwrap().contains("[profiles.staging]"));
}

#[test]
fn databricks_host_and_token_from_the_environment_are_imported() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = home
        .cmd()
        .env("DATABRICKS_HOST", &gw.url)
        .env("DATABRICKS_TOKEN", GOOD_TOKEN)
        .arg("login")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "(from DATABRICKS_HOST)");
    assert!(
        stdout(&out).starts_with(&format!("Logged in to {} as {USER_NAME}\n", gw.url)),
        "{}",
        stdout(&out)
    );
    assert_no_secret(&out, GOOD_TOKEN);
}

#[test]
fn without_a_terminal_and_without_a_token_login_fails_at_once_naming_token_stdin() {
    let home = TestHome::new();
    let started = Instant::now();
    let out = home
        .cmd()
        .args(["login", "--host", "https://ws.example.com"])
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "--token-stdin");
    assert_nothing_stored(&home);

    let out = home.cmd().arg("login").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "pass --host");
}

#[test]
fn empty_or_multi_word_tokens_are_refused() {
    let home = TestHome::new();
    for (input, expected) in [
        ("\n", "the token is empty"),
        ("dapi1 dapi2\n", "contains whitespace"),
    ] {
        let out = home
            .cmd()
            .args([
                "login",
                "--host",
                "https://ws.example.com",
                "--token-stdin",
                "--no-verify",
            ])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_stderr_contains(&out, expected);
    }
    assert_nothing_stored(&home);
}

#[test]
fn hosts_are_normalised_and_bad_schemes_refused() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = login_with_stdin(
        &home,
        &format!("{}/browse/folder?o=123#x", gw.url),
        GOOD_TOKEN,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        home.config_toml()
            .unwrap()
            .contains(&format!("host = \"{}\"\n", gw.url))
    );

    let out = login_with_stdin(&home, "ftp://ws.example.com", GOOD_TOKEN);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--host has the scheme \"ftp\"");
}

#[test]
fn an_explicit_gateway_url_is_kept_and_relogin_keeps_the_workspace() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = home
        .cmd()
        .args([
            "login",
            "--host",
            &gw.url,
            "--gateway-url",
            &format!("{}/", gw.dedicated_url()),
            "--token-stdin",
        ])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = format!(
        "[profiles.default]\nhost = \"{}\"\ngateway_url = \"{}\"\ntoken_storage = \"file\"\n{}",
        gw.url,
        gw.dedicated_url(),
        routes_found("default", "", &LEGACY)
    );
    assert_eq!(home.config_toml().unwrap(), expected);

    // After a 401 the fix is `agentgw login --profile default`: no host needed again.
    let out = home
        .cmd()
        .args(["login", "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "(from the existing profile)");
    assert_eq!(home.config_toml().unwrap(), expected);
}

#[test]
fn a_bad_storage_choice_is_refused_naming_the_variable() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .env("AGENTGW_AUTH_STORAGE", "vault")
        .args([
            "login",
            "--host",
            "https://ws.example.com",
            "--token-stdin",
            "--no-verify",
        ])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "AGENTGW_AUTH_STORAGE=\"vault\" is not valid");
}

#[test]
fn user_comments_in_the_config_file_survive_a_login() {
    let gw = Gateway::start();
    let home = TestHome::new();
    std::fs::create_dir_all(home.config_dir()).unwrap();
    let original = "# my profiles\n[profiles.work] # the day job\nhost = \"https://work.example.com\" # prod\n";
    std::fs::write(home.config_dir().join("config.toml"), original).unwrap();
    let out = login_with_stdin(&home, &gw.url, GOOD_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        home.config_toml().unwrap(),
        format!(
            "{original}\n[profiles.default]\nhost = \"{}\"\ntoken_storage = \"file\"\n{}",
            gw.url,
            routes_found("default", "/ai-gateway", &LEGACY)
        )
    );
}
