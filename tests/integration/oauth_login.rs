//! Signing in with OAuth against the stand-in's OIDC endpoints: in the browser (driven by a
//! headless `$BROWSER`), as a service principal, from `~/.databrickscfg`; and `agentgw token`
//! keeping the access token fresh — once, under a lock, whoever asks.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::browser::{Browser, BrowserBehaviour};
use crate::support::{
    CUSTOM_CLIENT_ID, GOOD_TOKEN, Gateway, OAuthOptions, SP_CLIENT_ID, SP_CLIENT_SECRET, USER_NAME,
};
use std::process::Output;
use std::time::{Duration, Instant};

/// A loopback port nobody listens on (for `--redirect-port`: tests run in parallel, so not 8020).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn lifetime(secs: u64) -> OAuthOptions {
    OAuthOptions {
        token_lifetime: Duration::from_secs(secs),
        ..OAuthOptions::default()
    }
}

/// `agentgw login --auth oauth` with `browser` as `$BROWSER`, on a free redirect port.
fn browser_login(home: &TestHome, gw: &Gateway, browser: &Browser, extra: &[&str]) -> Output {
    let port = free_port().to_string();
    home.cmd()
        .args([
            "login",
            "--host",
            &gw.url,
            "--auth",
            "oauth",
            "--redirect-port",
            &port,
        ])
        .args(extra)
        .env("BROWSER", browser.command())
        .output()
        .unwrap()
}

fn signed_in(home: &TestHome, gw: &Gateway) -> Browser {
    let browser = Browser::start(home.path());
    let out = browser_login(home, gw, &browser, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    browser
}

fn token(home: &TestHome) -> Output {
    home.cmd().arg("token").output().unwrap()
}

fn assert_nothing_stored(home: &TestHome) {
    assert_eq!(home.config_toml(), None, "config.toml was written");
    assert_eq!(home.tokens_toml(), None, "tokens.toml was written");
}

/// Waits until the cached access token is within its safety margin (half of a short lifetime).
fn wait_past_margin(lifetime_secs: u64) {
    std::thread::sleep(Duration::from_millis(lifetime_secs * 500 + 700));
}

#[test]
fn browser_sign_in_stores_a_refresh_token_and_token_prints_the_access_token() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let browser = Browser::start(home.path());
    let port = free_port();
    let out = home
        .cmd()
        .args(["login", "--host", &gw.url, "--auth", "oauth"])
        .args(["--redirect-port", &port.to_string()])
        .env("BROWSER", browser.command())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("Logged in to {} as {USER_NAME}\n", gw.url)),
        "{}",
        stdout(&out)
    );
    assert_stderr_contains(&out, "/oidc/v1/authorize?");

    // The authorize request: the Databricks CLI's public client, PKCE S256, both scopes.
    let query = gw
        .oauth()
        .last_authorize_query()
        .expect("the browser opened the page");
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("client_id"), Some("databricks-cli"));
    assert_eq!(get("scope"), Some("all-apis offline_access"));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(
        get("redirect_uri"),
        Some(format!("http://localhost:{port}").as_str())
    );
    assert!(get("state").is_some_and(|s| s.len() >= 16));
    // The browser was sent back to agentgw, which said so and closed.
    let visit = browser.visits().pop().unwrap();
    assert_eq!(visit.final_status, 200, "{visit:?}");
    assert!(
        visit.final_body.contains("You can close this tab"),
        "{visit:?}"
    );

    assert_eq!(
        home.config_toml().unwrap(),
        format!(
            "[profiles.default]\nhost = \"{url}\"\ntoken_storage = \"file\"\nauth = \"oauth\"\n\
             client_id = \"databricks-cli\"\ntoken_endpoint = \"{url}/oidc/v1/token\"\n{routes}",
            url = gw.url,
            routes =
                crate::discovery::routes_found("default", "/ai-gateway", &crate::discovery::LEGACY)
        )
    );
    let refresh = gw.oauth().refresh_tokens();
    assert_eq!(refresh.len(), 1);
    assert!(home.tokens_toml().unwrap().contains(&refresh[0]));

    // The cached access token, without asking the token endpoint again.
    let issued = gw.oauth().issued_access_tokens();
    let out = token(&home);
    assert_eq!(stdout(&out), format!("{}\n", issued.last().unwrap()));
    assert_eq!(gw.oauth().issued_access_tokens(), issued);
    let headers = home.cmd().arg("otel-headers").output().unwrap();
    assert_eq!(
        stdout(&headers),
        format!(
            "{{\"Authorization\":\"Bearer {}\"}}\n",
            issued.last().unwrap()
        )
    );
}

#[test]
fn a_workspace_app_connection_and_a_re_login_keep_the_method_and_client() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let browser = Browser::start(home.path());
    let out = browser_login(&home, &gw, &browser, &["--client-id", CUSTOM_CLIENT_ID]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        home.config_toml()
            .unwrap()
            .contains(&format!("client_id = \"{CUSTOM_CLIENT_ID}\""))
    );

    // `agentgw login` again (after a sign-in expired): the browser, with the same app.
    let port = free_port().to_string();
    let out = home
        .cmd()
        .args(["login", "--redirect-port", &port])
        .env("BROWSER", browser.command())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let query = gw.oauth().last_authorize_query().unwrap();
    assert!(query.contains(&("client_id".into(), CUSTOM_CLIENT_ID.into())));
    assert_eq!(browser.visits().len(), 2);
}

#[test]
fn no_browser_prints_the_url_and_waits_for_it_to_be_opened_anywhere() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let browser = Browser::start(home.path());
    let port = free_port().to_string();
    let mut child = home
        .process()
        .env("AGENTGW_AUTH_STORAGE", "file")
        .env("BROWSER", browser.command())
        .args([
            "login",
            "--host",
            &gw.url,
            "--auth",
            "oauth",
            "--no-browser",
        ])
        .args(["--redirect-port", &port])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr_pipe = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr_pipe));
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.trim()
                .starts_with("http")
                .then(|| line.trim().to_string())
        })
        .expect("the sign-in URL on stderr");
    assert!(
        url.starts_with(&format!("{}/oidc/v1/authorize?", gw.url)),
        "{url}"
    );
    assert!(browser.visits().is_empty(), "--no-browser started $BROWSER");
    browser.open(&url);
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(home.config_toml().unwrap().contains("auth = \"oauth\""));
}

#[test]
fn declining_consent_stores_nothing_and_says_what_to_do() {
    let gw = Gateway::start_oauth(OAuthOptions {
        deny_consent: true,
        ..OAuthOptions::default()
    });
    let home = TestHome::new();
    let browser = Browser::start(home.path());
    let out = browser_login(&home, &gw, &browser, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "the workspace did not sign you in (access_denied");
    assert_stderr_contains(&out, "agentgw login --profile default --auth oauth");
    assert_stderr_contains(&out, "Nothing was stored.");
    assert_nothing_stored(&home);
}

#[test]
fn a_closed_tab_times_out_with_the_flags_that_help() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let browser = Browser::start_with(home.path(), BrowserBehaviour::OpenOnly);
    let started = Instant::now();
    let out = browser_login(&home, &gw, &browser, &["--timeout", "2s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_stderr_contains(&out, "the browser did not come back within 2 s");
    assert_stderr_contains(&out, "--no-browser");
    assert_nothing_stored(&home);
}

#[test]
fn an_answer_for_another_sign_in_is_refused() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let browser = Browser::start_with(home.path(), BrowserBehaviour::ReplayWrongState);
    let out = browser_login(&home, &gw, &browser, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "belongs to another sign-in");
    assert_nothing_stored(&home);
    // No code was exchanged.
    assert_eq!(gw.oauth().grants("authorization_code"), 0);
}

#[test]
fn a_redirect_port_in_use_is_named_with_the_fix() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let browser = Browser::start(home.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = home
        .cmd()
        .args([
            "login",
            "--host",
            &gw.url,
            "--auth",
            "oauth",
            "--redirect-port",
            &port,
        ])
        .env("BROWSER", browser.command())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, &format!("cannot listen on localhost:{port}"));
    assert_stderr_contains(&out, "--redirect-port");
    assert!(browser.visits().is_empty(), "the browser was opened anyway");
    assert_nothing_stored(&home);
}

#[test]
fn token_refreshes_once_within_the_margin_and_stores_the_rotated_refresh_token() {
    let gw = Gateway::start_oauth(lifetime(4));
    let home = TestHome::new();
    signed_in(&home, &gw);
    let first = gw.oauth().issued_access_tokens().pop().unwrap();
    assert_eq!(stdout(&token(&home)), format!("{first}\n"));
    assert_eq!(gw.oauth().grants("refresh_token"), 0);

    wait_past_margin(4);
    let out = token(&home);
    assert!(out.status.success(), "{}", stderr(&out));
    let second = gw.oauth().issued_access_tokens().pop().unwrap();
    assert_ne!(first, second);
    assert_eq!(stdout(&out), format!("{second}\n"));
    assert_eq!(gw.oauth().grants("refresh_token"), 1);
    // The rotated refresh token is the one stored: the next refresh works.
    let rotated = gw.oauth().refresh_tokens();
    assert!(home.tokens_toml().unwrap().contains(&rotated[0]));
    wait_past_margin(4);
    assert!(token(&home).status.success());
    assert_eq!(gw.oauth().grants("refresh_token"), 2);
}

#[test]
fn ten_concurrent_token_calls_at_expiry_refresh_exactly_once() {
    let gw = Gateway::start_oauth(OAuthOptions {
        token_lifetime: Duration::from_secs(4),
        // Slow answers: without the lock, every caller would be inside a refresh at once.
        token_delay: Duration::from_millis(500),
        ..OAuthOptions::default()
    });
    let home = TestHome::new();
    signed_in(&home, &gw);
    wait_past_margin(4);
    let children: Vec<_> = (0..10)
        .map(|_| {
            home.process()
                .env("AGENTGW_AUTH_STORAGE", "file")
                .arg("token")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let fresh = gw.oauth().issued_access_tokens().pop().unwrap();
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
        assert_eq!(stdout(out), format!("{fresh}\n"));
    }
    assert_eq!(gw.oauth().grants("refresh_token"), 1);
}

#[test]
fn a_revoked_sign_in_prints_nothing_on_stdout_and_names_the_login() {
    let gw = Gateway::start_oauth(lifetime(4));
    let home = TestHome::new();
    signed_in(&home, &gw);
    gw.oauth().revoke_refresh_tokens();
    wait_past_margin(4);
    for command in ["token", "otel-headers"] {
        let out = home.cmd().arg(command).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(&out), "", "agents take any stdout for the token");
        assert_stderr_contains(&out, "has expired or was revoked");
        assert_stderr_contains(
            &out,
            "sign in again: agentgw login --profile default --auth oauth",
        );
    }
    let json = home
        .cmd()
        .args(["test", "claude", "--json"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    assert!(
        stdout(&json).contains("\"kind\": \"invalid_grant\""),
        "{}",
        stdout(&json)
    );
}

#[test]
fn a_token_endpoint_that_is_down_leaves_a_still_valid_token_in_use_then_fails_clearly() {
    let gw = Gateway::start_oauth(lifetime(4));
    let home = TestHome::new();
    signed_in(&home, &gw);
    let current = gw.oauth().issued_access_tokens().pop().unwrap();
    gw.oauth().set_token_endpoint_down(true);
    wait_past_margin(4);
    // Within the margin but not expired: the current token, with a warning.
    let out = token(&home);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{current}\n"));
    assert_stderr_contains(&out, "could not refresh the token of profile 'default'");
    // Expired: no token at all, and why.
    gw.oauth().expire_access_tokens();
    std::thread::sleep(Duration::from_secs(2));
    let out = token(&home);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_stderr_contains(&out, "token endpoint answered HTTP 503");
    // Back up: the next call refreshes.
    gw.oauth().set_token_endpoint_down(false);
    assert!(token(&home).status.success());
}

#[test]
fn a_service_principal_signs_in_from_the_environment_and_refreshes_with_its_secret() {
    let gw = Gateway::start_oauth(lifetime(4));
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--host", &gw.url, "--auth", "m2m"])
        .env("DATABRICKS_CLIENT_ID", SP_CLIENT_ID)
        .env("DATABRICKS_CLIENT_SECRET", SP_CLIENT_SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        &format!("service principal {SP_CLIENT_ID} (id from DATABRICKS_CLIENT_ID"),
    );
    let config = home.config_toml().unwrap();
    assert!(config.contains("auth = \"m2m\""), "{config}");
    assert!(
        config.contains(&format!("client_id = \"{SP_CLIENT_ID}\"")),
        "{config}"
    );
    assert_eq!(gw.oauth().grants("client_credentials"), 1);

    // Later calls need no variables: the secret is in agentgw's store.
    wait_past_margin(4);
    let out = token(&home);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(gw.oauth().grants("client_credentials"), 2);
    assert_eq!(
        stdout(&out),
        format!("{}\n", gw.oauth().issued_access_tokens().pop().unwrap())
    );
}

#[test]
fn a_service_principal_secret_from_stdin_and_a_wrong_one() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let login = |secret: &str| {
        home.cmd()
            .args([
                "login",
                "--host",
                &gw.url,
                "--client-id",
                SP_CLIENT_ID,
                "--client-secret-stdin",
            ])
            .write_stdin(format!("{secret}\n"))
            .output()
            .unwrap()
    };
    let out = login("dose-not-the-secret-0000000000");
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "invalid_client");
    assert_stderr_contains(&out, "DATABRICKS_CLIENT_SECRET");
    assert_nothing_stored(&home);

    let out = login(SP_CLIENT_SECRET);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.config_toml().unwrap().contains("auth = \"m2m\""));
}

#[test]
fn databrickscfg_profiles_of_each_auth_type() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let cfg = home.path().join(".databrickscfg");
    std::fs::write(
        &cfg,
        format!(
            "[pat]\nhost = {url}\ntoken = {GOOD_TOKEN}\nauth_type = pat\n\n\
             [u2m]\nhost = {url}\nauth_type = databricks-cli\n\n\
             [sp]\nhost = {url}\nauth_type = oauth-m2m\nclient_id = {SP_CLIENT_ID}\nclient_secret = {SP_CLIENT_SECRET}\n\n\
             [azure]\nhost = {url}\nauth_type = azure-cli\n",
            url = gw.url
        ),
    )
    .unwrap();
    home.secret_put_there_by_the_test(&cfg);
    let login = |section: &str, extra: &[&str]| {
        home.cmd()
            .args([
                "login",
                "--from-databrickscfg",
                section,
                "--profile",
                section,
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(login("pat", &[]).status.success());

    let browser = Browser::start(home.path());
    let port = free_port().to_string();
    let out = home
        .cmd()
        .args([
            "login",
            "--from-databrickscfg",
            "u2m",
            "--profile",
            "u2m",
            "--redirect-port",
            &port,
        ])
        .env("BROWSER", browser.command())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(browser.visits().len(), 1);

    let out = login("sp", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "secret from ~/.databrickscfg [sp]");

    let out = login("azure", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "auth_type = azure-cli, which agentgw cannot sign in with",
    );
    assert_stderr_contains(&out, "oauth-m2m");

    let config = home.config_toml().unwrap();
    for (profile, auth) in [("u2m", "oauth"), ("sp", "m2m")] {
        assert!(
            config.contains(&format!("[profiles.{profile}]"))
                && config.contains(&format!("auth = \"{auth}\"")),
            "{config}"
        );
    }
}

#[test]
fn unattended_login_without_a_credential_names_all_three_methods() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--host", &gw.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    for way in [
        "--token-stdin",
        "--auth oauth",
        "--auth m2m",
        "DATABRICKS_CLIENT_SECRET",
    ] {
        assert_stderr_contains(&out, way);
    }
    assert_nothing_stored(&home);
}

#[test]
fn a_workspace_that_refuses_pats_points_at_oauth() {
    let gw = Gateway::start_oauth(OAuthOptions {
        refuse_pats: true,
        ..OAuthOptions::default()
    });
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--host", &gw.url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "does not accept personal access tokens");
    assert_stderr_contains(
        &out,
        "this workspace signs in with OAuth: agentgw login --profile default --auth oauth",
    );
    assert_nothing_stored(&home);
    // ...and the browser sign-in works there.
    signed_in(&home, &gw);
}

#[test]
fn usage_errors_name_the_flags_that_do_not_go_together() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args([
            "login",
            "--host",
            "https://x.example.com",
            "--auth",
            "oauth",
            "--token-stdin",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--token-stdin reads a personal access token");
    let out = home
        .cmd()
        .args(["login", "--auth", "oauth", "--timeout", "5 minutes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--timeout");
}

#[test]
fn logout_removes_the_sign_in() {
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    signed_in(&home, &gw);
    let out = home.cmd().arg("logout").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let tokens = home.tokens_toml().unwrap_or_default();
    for secret in gw.oauth().secrets() {
        assert!(
            !tokens.contains(&secret),
            "logout left a secret in tokens.toml"
        );
    }
    let out = token(&home);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "not logged in");
}

#[test]
fn a_rate_limited_refresh_keeps_the_still_valid_token_in_use_instead_of_asking_for_a_sign_in() {
    let endpoint = crate::support::raw_server(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 30\r\n\
         Content-Length: 58\r\nConnection: close\r\n\r\n\
         {\"error\":\"slow_down\",\"error_description\":\"Too many calls\"}",
        Some(0),
    );
    let home = TestHome::new();
    let dir = home.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[profiles.default]\nhost = \"https://ws.example.com\"\ntoken_storage = \"file\"\n\
             auth = \"oauth\"\ntoken_endpoint = \"{endpoint}/oidc/v1/token\"\n"
        ),
    )
    .unwrap();
    // Valid for two more minutes: inside the 5-minute margin, so a refresh is tried.
    let expires_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 120;
    let tokens = dir.join("tokens.toml");
    std::fs::write(
        &tokens,
        format!(
            "[default]\naccess_token = \"{GOOD_TOKEN}\"\nexpires_at = {expires_at}\nlifetime = 3600\n\
             refresh_token = \"doau-rate-limited-refresh\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&tokens, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    home.secret("doau-rate-limited-refresh");
    let out = token(&home);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"));
    assert_stderr_contains(
        &out,
        "could not refresh the token of profile 'default' (rate_limited)",
    );
}
