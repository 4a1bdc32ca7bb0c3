//! Tests of the stand-in workspace's OAuth server itself (tests/support/oidc.rs) and the headless
//! browser (tests/support/browser.rs), over plain HTTP: agentgw's OAuth tests rely on this contract.

use crate::support::browser::{Browser, BrowserBehaviour};
use crate::support::encoding::{
    base64_standard, base64url, build_query, decode_base64_standard, field, form_decode,
    query_pairs,
};
use crate::support::http::{self, Response};
use crate::support::oidc::{self, CLI_CLIENT_ID, U2M_SCOPES, basic_auth, pkce_challenge};
use crate::support::{
    CUSTOM_CLIENT_ID, GOOD_TOKEN, Gateway, OAuthOptions, PATS_DISABLED_MESSAGE, SP_CLIENT_ID,
    SP_CLIENT_SECRET, STAGING_TOKEN,
};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk-agentgw-stand-in";

fn token_url(gw: &Gateway) -> String {
    format!("{}/oidc/v1/token", gw.url)
}

/// The authorize URL a client would open, for `redirect_uri` with the PKCE challenge of
/// [`VERIFIER`].
fn authorize_url(gw: &Gateway, client_id: &str, redirect_uri: &str, state: &str) -> String {
    let query = build_query(&[
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", U2M_SCOPES),
        ("state", state),
        ("code_challenge", &pkce_challenge(VERIFIER)),
        ("code_challenge_method", "S256"),
    ]);
    format!("{}/oidc/v1/authorize?{query}", gw.url)
}

/// Signs in without a browser: the authorize redirect's code.
fn code_for(gw: &Gateway, client_id: &str, redirect_uri: &str) -> String {
    let answer = http::get(&authorize_url(gw, client_id, redirect_uri, "s1")).unwrap();
    assert_eq!(answer.status, 302, "{}", answer.body);
    let location = answer.header("Location").unwrap();
    field(&query_pairs(location), "code")
        .expect("a code in the redirect")
        .to_string()
}

fn redeem(gw: &Gateway, code: &str, redirect_uri: &str, verifier: &str) -> Response {
    http::post_form(
        &token_url(gw),
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
            ("client_id", CLI_CLIENT_ID),
        ],
    )
    .unwrap()
}

fn refresh(gw: &Gateway, refresh_token: &str) -> Response {
    http::post_form(
        &token_url(gw),
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLI_CLIENT_ID),
        ],
    )
    .unwrap()
}

/// A signed-in user's token answer (access and refresh token).
fn signed_in(gw: &Gateway) -> serde_json::Value {
    let redirect_uri = "http://localhost:8020";
    let code = code_for(gw, CLI_CLIENT_ID, redirect_uri);
    let answer = redeem(gw, &code, redirect_uri, VERIFIER);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

fn machine_token(gw: &Gateway, secret: &str) -> Response {
    http::post_form(
        &token_url(gw),
        &[("Authorization", &basic_auth(SP_CLIENT_ID, secret))],
        &[("grant_type", "client_credentials"), ("scope", "all-apis")],
    )
    .unwrap()
}

fn scim_me(gw: &Gateway, token: &str) -> Response {
    http::request(
        "GET",
        &format!("{}/api/2.0/preview/scim/v2/Me", gw.url),
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    )
    .unwrap()
}

fn assert_oauth_error(answer: &Response, status: u16, error: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.json()["error"], error, "{}", answer.body);
    assert!(
        answer.json()["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{}",
        answer.body
    );
}

/// A loopback listener that takes one request, answers a short page, and hands back the request
/// target: what agentgw's sign-in listener does.
fn one_shot_listener() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        let page = "Signed in. You can close this tab.";
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{page}",
            page.len()
        )
        .unwrap();
        let head = String::from_utf8_lossy(&head).into_owned();
        head.split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    });
    (port, handle)
}

/// Runs the browser script the way agentgw may: through `sh -c` with the URL quoted.
fn run_browser_script(browser: &Browser, url: &str) {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{} '{url}'", browser.command()))
        .env_clear()
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn discovery_names_the_endpoints_and_s256() {
    let gw = Gateway::start();
    let answer = http::get(&format!(
        "{}/oidc/.well-known/oauth-authorization-server",
        gw.url
    ))
    .unwrap();
    assert_eq!(answer.status, 200);
    let doc = answer.json();
    assert_eq!(doc["issuer"], format!("{}/oidc", gw.url));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{}/oidc/v1/authorize", gw.url)
    );
    assert_eq!(doc["token_endpoint"], format!("{}/oidc/v1/token", gw.url));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    for grant in ["authorization_code", "refresh_token", "client_credentials"] {
        assert!(
            doc["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&grant.into()),
            "{doc}"
        );
    }
    for scope in ["all-apis", "offline_access"] {
        assert!(
            doc["scopes_supported"]
                .as_array()
                .unwrap()
                .contains(&scope.into()),
            "{doc}"
        );
    }
}

#[test]
fn browser_sign_in_with_pkce_gets_tokens_every_route_accepts() {
    let gw = Gateway::start();
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::start(dir.path());
    let (port, listener) = one_shot_listener();
    let redirect_uri = format!("http://localhost:{port}/callback");
    let state = "st&te with spaces+plus/é";
    let url = authorize_url(&gw, CLI_CLIENT_ID, &redirect_uri, state);

    run_browser_script(&browser, &url);

    let visit = browser
        .wait_for_visit(Duration::from_secs(10))
        .expect("a visit");
    assert_eq!(visit.url, url);
    assert_eq!(visit.final_status, 200, "{visit:?}");
    assert_eq!(visit.final_body, "Signed in. You can close this tab.");
    assert_eq!(visit.hops.len(), 2, "{visit:?}");
    assert!(
        visit.hops[1].starts_with(&format!("{redirect_uri}?code=")),
        "{visit:?}"
    );
    let callback = listener.join().unwrap();
    assert!(callback.starts_with("/callback?"), "{callback}");
    let pairs = query_pairs(&callback);
    assert_eq!(field(&pairs, "state"), Some(state), "{callback}");
    let code = field(&pairs, "code").unwrap();
    let sent = gw.oauth().last_authorize_query().unwrap();
    assert_eq!(field(&sent, "redirect_uri"), Some(redirect_uri.as_str()));
    assert_eq!(field(&sent, "scope"), Some("all-apis offline_access"));

    let answer = redeem(&gw, code, &redirect_uri, VERIFIER);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("Cache-Control"), Some("no-store"));
    let tokens = answer.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "all-apis offline_access");
    let access = tokens["access_token"].as_str().unwrap();
    assert!(access.starts_with("eyJ"), "{access}");
    assert_eq!(access.split('.').count(), 3, "{access}");
    assert!(!access.chars().any(char::is_whitespace));
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(gw.oauth().refresh_tokens(), [refresh_token]);
    assert_eq!(gw.oauth().issued_access_tokens(), [access]);
    assert_eq!(gw.oauth().grants("authorization_code"), 1);
    assert!(gw.oauth().is_live_access_token(access));

    assert_eq!(scim_me(&gw, access).status, 200);
    let bearer = format!("Bearer {access}");
    let sql = format!(
        r#"{{"statement":"SELECT 1","warehouse_id":"{}"}}"#,
        crate::support::sql::WAREHOUSE_ID
    );
    for (method, path, headers, body) in [
        (
            "GET",
            "/api/2.0/serving-endpoints".to_string(),
            vec![("Authorization", bearer.as_str())],
            "",
        ),
        (
            "POST",
            "/api/2.0/sql/statements".to_string(),
            vec![("Authorization", bearer.as_str())],
            sql.as_str(),
        ),
        (
            // An empty protobuf message is a valid (empty) export.
            "POST",
            "/api/2.0/otel/v1/metrics".to_string(),
            vec![
                ("Authorization", bearer.as_str()),
                ("Content-Type", "application/x-protobuf"),
                ("X-Databricks-UC-Table-Name", "main.agentgw.metrics"),
            ],
            "",
        ),
        (
            "POST",
            "/ai-gateway/anthropic/v1/messages".to_string(),
            vec![("Authorization", bearer.as_str())],
            r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"ping"}]}"#,
        ),
        (
            "POST",
            "/ai-gateway/gemini/v1beta/models/m:generateContent".to_string(),
            vec![("x-goog-api-key", access)],
            r#"{"contents":[{"role":"user","parts":[{"text":"ping"}]}]}"#,
        ),
    ] {
        let answer = http::request(
            method,
            &format!("{}{path}", gw.url),
            &headers,
            body.as_bytes(),
        )
        .unwrap();
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    // The request log still shows the token as sent.
    assert_eq!(
        gw.requests_to("GET", "/api/2.0/serving-endpoints")[0].bearer(),
        Some(access)
    );
}

#[test]
fn custom_client_and_127_0_0_1_redirects_are_accepted() {
    let gw = Gateway::start();
    for (client_id, redirect_uri) in [
        (CUSTOM_CLIENT_ID, "http://127.0.0.1:53682"),
        (CLI_CLIENT_ID, "http://127.0.0.1:8020/"),
    ] {
        let answer = http::get(&authorize_url(&gw, client_id, redirect_uri, "s")).unwrap();
        assert_eq!(
            answer.status, 302,
            "{client_id} {redirect_uri}: {}",
            answer.body
        );
        let location = answer.header("Location").unwrap();
        assert!(
            location.starts_with(&format!("{redirect_uri}?code=")),
            "{location}"
        );
    }
}

#[test]
fn authorize_refusals_are_a_page_or_a_redirect_with_the_error_and_state() {
    let gw = Gateway::start();
    let unknown = http::get(&authorize_url(
        &gw,
        "not-registered",
        "http://localhost:8020",
        "s",
    ))
    .unwrap();
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.header("Location"), None);
    assert!(unknown.body.contains("not-registered"), "{}", unknown.body);

    let remote = http::get(&authorize_url(
        &gw,
        CLI_CLIENT_ID,
        "http://evil.example:8020",
        "s",
    ))
    .unwrap();
    assert_eq!(remote.status, 400);
    assert_eq!(remote.header("Location"), None);

    let plain = authorize_url(&gw, CLI_CLIENT_ID, "http://localhost:8020", "a b&c");
    for (what, url) in [
        ("no challenge", plain.replace("code_challenge=", "other=")),
        (
            "plain method",
            plain.replace("code_challenge_method=S256", "code_challenge_method=plain"),
        ),
    ] {
        let answer = http::get(&url).unwrap();
        assert_eq!(answer.status, 302, "{what}");
        let pairs = query_pairs(answer.header("Location").unwrap());
        assert_eq!(field(&pairs, "error"), Some("invalid_request"), "{what}");
        assert!(field(&pairs, "error_description").is_some(), "{what}");
        assert_eq!(field(&pairs, "state"), Some("a b&c"), "{what}");
        assert_eq!(field(&pairs, "code"), None, "{what}");
    }

    gw.oauth().set_deny_consent(true);
    let denied = http::get(&plain).unwrap();
    let location = denied.header("Location").unwrap();
    assert!(
        location.starts_with("http://localhost:8020?error=access_denied&error_description="),
        "{location}"
    );
    assert!(location.ends_with("&state=a%20b%26c"), "{location}");
}

#[test]
fn deny_consent_option_redirects_with_access_denied() {
    let gw = Gateway::start_oauth(OAuthOptions {
        deny_consent: true,
        ..OAuthOptions::default()
    });
    let answer = http::get(&authorize_url(
        &gw,
        CLI_CLIENT_ID,
        "http://localhost:8020",
        "s",
    ))
    .unwrap();
    let pairs = query_pairs(answer.header("Location").unwrap());
    assert_eq!(field(&pairs, "error"), Some("access_denied"));
    assert_eq!(field(&pairs, "state"), Some("s"));
}

#[test]
fn a_wrong_verifier_or_redirect_uri_is_invalid_grant() {
    let gw = Gateway::start();
    let redirect_uri = "http://localhost:8020";
    let code = code_for(&gw, CLI_CLIENT_ID, redirect_uri);
    assert_oauth_error(
        &redeem(
            &gw,
            &code,
            redirect_uri,
            "another-verifier-of-enough-length-0123456789",
        ),
        400,
        "invalid_grant",
    );
    assert_oauth_error(
        &redeem(&gw, &code, "http://localhost:8021", VERIFIER),
        400,
        "invalid_grant",
    );
    assert_oauth_error(
        &redeem(&gw, &code, redirect_uri, ""),
        400,
        "invalid_request",
    );
    assert!(gw.oauth().issued_access_tokens().is_empty());
    assert_eq!(gw.oauth().grants("authorization_code"), 3);
    // The code was not spent by the failed attempts; the redirect URI may come %-encoded in
    // lower case.
    let body = format!(
        "grant_type=authorization_code&code={code}&redirect_uri=http%3a%2f%2flocalhost%3a8020&code_verifier={VERIFIER}&client_id=databricks-cli"
    );
    let answer = http::request(
        "POST",
        &token_url(&gw),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn a_code_buys_tokens_once() {
    let gw = Gateway::start();
    let redirect_uri = "http://localhost:8020";
    let code = code_for(&gw, CLI_CLIENT_ID, redirect_uri);
    assert_eq!(redeem(&gw, &code, redirect_uri, VERIFIER).status, 200);
    assert_oauth_error(
        &redeem(&gw, &code, redirect_uri, VERIFIER),
        400,
        "invalid_grant",
    );
    assert_eq!(gw.oauth().issued_access_tokens().len(), 1);
}

#[test]
fn refresh_rotates_the_refresh_token_and_refuses_the_old_one() {
    let gw = Gateway::start();
    let first = signed_in(&gw);
    let old = first["refresh_token"].as_str().unwrap();

    let answer = refresh(&gw, old);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let second = answer.json();
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(gw.oauth().refresh_tokens(), [new]);

    let reused = refresh(&gw, old);
    assert_oauth_error(&reused, 400, "invalid_grant");
    assert_eq!(
        reused.json()["error_description"],
        oidc::INVALID_REFRESH_MESSAGE
    );
    assert_eq!(refresh(&gw, new).status, 200);
    assert_eq!(gw.oauth().grants("refresh_token"), 3);
    // Both access tokens still work: rotation ends refresh tokens, not access tokens.
    assert_eq!(
        scim_me(&gw, first["access_token"].as_str().unwrap()).status,
        200
    );
    let secrets = gw.oauth().secrets();
    assert!(secrets.contains(&SP_CLIENT_SECRET.to_string()));
    assert!(secrets.contains(&old.to_string()) && secrets.contains(&new.to_string()));
}

#[test]
fn a_refresh_token_is_bound_to_its_client() {
    let gw = Gateway::start();
    let tokens = signed_in(&gw);
    let answer = http::post_form(
        &token_url(&gw),
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", CUSTOM_CLIENT_ID),
        ],
    )
    .unwrap();
    assert_oauth_error(&answer, 400, "invalid_grant");
}

#[test]
fn no_offline_access_no_refresh_token() {
    let gw = Gateway::start();
    let url = authorize_url(&gw, CLI_CLIENT_ID, "http://localhost:8020", "s")
        .replace("scope=all-apis%20offline_access", "scope=all-apis");
    let location = http::get(&url)
        .unwrap()
        .header("Location")
        .unwrap()
        .to_string();
    let code = field(&query_pairs(&location), "code").unwrap().to_string();
    let tokens = redeem(&gw, &code, "http://localhost:8020", VERIFIER).json();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    assert_eq!(tokens.get("refresh_token"), None, "{tokens}");
    assert!(gw.oauth().refresh_tokens().is_empty());
}

#[test]
fn client_credentials_with_the_right_secret_only() {
    let gw = Gateway::start();
    let answer = machine_token(&gw, SP_CLIENT_SECRET);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let tokens = answer.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "all-apis");
    assert_eq!(tokens.get("refresh_token"), None, "{tokens}");
    assert_eq!(
        scim_me(&gw, tokens["access_token"].as_str().unwrap()).status,
        200
    );

    // As form fields, like real servers accept too.
    let by_form = http::post_form(
        &token_url(&gw),
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("scope", "all-apis"),
            ("client_id", SP_CLIENT_ID),
            ("client_secret", SP_CLIENT_SECRET),
        ],
    )
    .unwrap();
    assert_eq!(by_form.status, 200, "{}", by_form.body);

    let wrong = machine_token(&gw, "dose-not-the-secret-0000000000000");
    assert_oauth_error(&wrong, 401, "invalid_client");
    assert!(wrong.header("WWW-Authenticate").is_some());
    let public = http::post_form(
        &token_url(&gw),
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("scope", "all-apis"),
            ("client_id", CLI_CLIENT_ID),
        ],
    )
    .unwrap();
    assert_oauth_error(&public, 401, "invalid_client");
    let scope = http::post_form(
        &token_url(&gw),
        &[("Authorization", &basic_auth(SP_CLIENT_ID, SP_CLIENT_SECRET))],
        &[
            ("grant_type", "client_credentials"),
            ("scope", "all-apis offline_access"),
        ],
    )
    .unwrap();
    assert_oauth_error(&scope, 400, "invalid_scope");
    assert_eq!(gw.oauth().grants("client_credentials"), 5);
    assert_eq!(gw.oauth().issued_access_tokens().len(), 2);
    assert!(gw.oauth().refresh_tokens().is_empty());
}

#[test]
fn unknown_grants_and_non_form_bodies_are_refused() {
    let gw = Gateway::start();
    let answer = http::post_form(
        &token_url(&gw),
        &[],
        &[("grant_type", "password"), ("client_id", CLI_CLIENT_ID)],
    )
    .unwrap();
    assert_oauth_error(&answer, 400, "unsupported_grant_type");
    assert_eq!(gw.oauth().grants("password"), 1);
    let json = http::request(
        "POST",
        &token_url(&gw),
        &[("Content-Type", "application/json")],
        br#"{"grant_type":"client_credentials"}"#,
    )
    .unwrap();
    assert_oauth_error(&json, 400, "invalid_request");
    assert_eq!(http::get(&token_url(&gw)).unwrap().status, 405);
}

#[test]
fn an_access_token_stops_working_when_its_lifetime_is_up() {
    let gw = Gateway::start_oauth(OAuthOptions {
        token_lifetime: Duration::from_secs(2),
        ..OAuthOptions::default()
    });
    let tokens = signed_in(&gw);
    assert_eq!(tokens["expires_in"], 2);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(scim_me(&gw, access).status, 200);

    std::thread::sleep(Duration::from_millis(2100));

    let expired = scim_me(&gw, access);
    assert_eq!(expired.status, 401);
    assert_eq!(
        expired.json(),
        serde_json::json!({"error_code": "UNAUTHENTICATED", "message": "Token is expired."})
    );
    assert!(!gw.oauth().is_live_access_token(access));
    let gateway = http::request(
        "POST",
        &format!("{}/ai-gateway/openai/v1/responses", gw.url),
        &[("Authorization", &format!("Bearer {access}"))],
        br#"{"model":"m","input":"ping"}"#,
    )
    .unwrap();
    assert_eq!(gateway.status, 401);
    // A refresh brings a live one.
    let fresh = refresh(&gw, tokens["refresh_token"].as_str().unwrap()).json();
    assert_eq!(
        scim_me(&gw, fresh["access_token"].as_str().unwrap()).status,
        200
    );
}

#[test]
fn expire_access_tokens_ends_them_without_waiting() {
    let gw = Gateway::start();
    let access = signed_in(&gw)["access_token"].as_str().unwrap().to_string();
    gw.oauth().expire_access_tokens();
    assert_eq!(scim_me(&gw, &access).json()["message"], "Token is expired.");
    let later = machine_token(&gw, SP_CLIENT_SECRET).json();
    assert_eq!(
        scim_me(&gw, later["access_token"].as_str().unwrap()).status,
        200
    );
}

#[test]
fn a_workspace_that_refuses_pats_still_takes_oauth_tokens() {
    let gw = Gateway::start_oauth(OAuthOptions {
        refuse_pats: true,
        ..OAuthOptions::default()
    });
    for pat in [GOOD_TOKEN, STAGING_TOKEN] {
        let refused = scim_me(&gw, pat);
        assert_eq!(refused.status, 403);
        assert_eq!(
            refused.json(),
            serde_json::json!({"error_code": "PERMISSION_DENIED", "message": PATS_DISABLED_MESSAGE})
        );
    }
    let gemini = http::request(
        "POST",
        &format!(
            "{}/ai-gateway/gemini/v1beta/models/m:generateContent",
            gw.url
        ),
        &[("x-goog-api-key", GOOD_TOKEN)],
        br#"{"contents":[]}"#,
    )
    .unwrap();
    assert_eq!(gemini.status, 403);
    assert_eq!(gemini.json()["message"], PATS_DISABLED_MESSAGE);
    let access = machine_token(&gw, SP_CLIENT_SECRET).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(scim_me(&gw, &access).status, 200);
    gw.oauth().set_refuse_pats(false);
    assert_eq!(scim_me(&gw, GOOD_TOKEN).status, 200);
}

#[test]
fn a_token_endpoint_that_is_down_answers_503_json_until_it_is_back() {
    let gw = Gateway::start();
    let tokens = signed_in(&gw);
    gw.oauth().set_token_endpoint_down(true);
    let down = refresh(&gw, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(down.status, 503);
    assert_eq!(down.json()["error"], "temporarily_unavailable");
    assert_eq!(machine_token(&gw, SP_CLIENT_SECRET).status, 503);
    assert_eq!(gw.oauth().grants("refresh_token"), 1);
    assert_eq!(gw.oauth().grants("client_credentials"), 1);
    gw.oauth().set_token_endpoint_down(false);
    // Nothing was spent while it was down.
    assert_eq!(
        refresh(&gw, tokens["refresh_token"].as_str().unwrap()).status,
        200
    );
}

#[test]
fn revoked_refresh_tokens_are_invalid_grant() {
    let gw = Gateway::start();
    let tokens = signed_in(&gw);
    gw.oauth().revoke_refresh_tokens();
    assert!(gw.oauth().refresh_tokens().is_empty());
    assert_oauth_error(
        &refresh(&gw, tokens["refresh_token"].as_str().unwrap()),
        400,
        "invalid_grant",
    );
    // A new sign-in works again.
    assert!(signed_in(&gw)["refresh_token"].is_string());
}

#[test]
fn a_token_delay_lets_two_refreshes_overlap_and_only_the_first_wins() {
    let gw = Gateway::start_oauth(OAuthOptions {
        token_delay: Duration::from_millis(600),
        ..OAuthOptions::default()
    });
    let tokens = signed_in(&gw);
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
    let started = Instant::now();
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let url = gw.url.clone();
            let refresh_token = refresh_token.clone();
            std::thread::spawn(move || {
                http::post_form(
                    &format!("{url}/oidc/v1/token"),
                    &[],
                    &[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", &refresh_token),
                        ("client_id", CLI_CLIENT_ID),
                    ],
                )
                .unwrap()
                .status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 400]);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(
        took < Duration::from_millis(1150),
        "the two did not overlap: {took:?}"
    );
}

#[test]
fn a_browser_that_only_opens_the_page_never_reaches_the_listener() {
    let gw = Gateway::start();
    let dir = tempfile::tempdir().unwrap();
    let browser = Browser::start_with(dir.path(), BrowserBehaviour::OpenOnly);
    let url = authorize_url(&gw, CLI_CLIENT_ID, "http://localhost:8020", "s");
    // Called directly this time, as `$BROWSER <url>`.
    let status = std::process::Command::new(browser.command())
        .arg(&url)
        .env_clear()
        .status()
        .unwrap();
    assert!(status.success());
    let visit = browser.wait_for_visit(Duration::from_secs(10)).unwrap();
    assert_eq!(visit.final_status, 302);
    assert_eq!(visit.hops, [url]);
    assert!(gw.oauth().last_authorize_query().is_some());
    assert!(browser.wait_for_visit(Duration::from_millis(100)).is_none());
}

#[test]
fn a_tampering_browser_changes_only_the_callback() {
    let gw = Gateway::start();
    for (behaviour, check) in [
        (BrowserBehaviour::ReplayWrongState, "state"),
        (BrowserBehaviour::DropCode, "code"),
        (BrowserBehaviour::ForgeCode, "code"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let browser = Browser::start_with(dir.path(), behaviour);
        let (port, listener) = one_shot_listener();
        let redirect_uri = format!("http://127.0.0.1:{port}");
        browser.open(&authorize_url(
            &gw,
            CLI_CLIENT_ID,
            &redirect_uri,
            "the-state",
        ));
        let visit = browser.wait_for_visit(Duration::from_secs(10)).unwrap();
        assert_eq!(visit.final_status, 200, "{behaviour:?}: {visit:?}");
        let callback = query_pairs(&listener.join().unwrap());
        match behaviour {
            BrowserBehaviour::ReplayWrongState => {
                assert_ne!(field(&callback, check), Some("the-state"));
                assert!(field(&callback, "code").is_some());
            }
            BrowserBehaviour::DropCode => {
                assert_eq!(field(&callback, check), None);
                assert_eq!(field(&callback, "state"), Some("the-state"));
            }
            _ => {
                let code = field(&callback, check).unwrap();
                assert_oauth_error(
                    &redeem(&gw, code, &redirect_uri, VERIFIER),
                    400,
                    "invalid_grant",
                );
            }
        }
    }
}

#[test]
fn form_decoding_handles_plus_and_percent_escapes() {
    assert_eq!(form_decode("a+b%2Bc%3d%E2%9C%93"), "a b+c=✓");
    assert_eq!(form_decode("100%"), "100%");
    assert_eq!(
        query_pairs("http://x/?k=v+w&e=&n"),
        [
            ("k".into(), "v w".into()),
            ("e".into(), String::new()),
            ("n".into(), String::new())
        ]
    );
    // Python's hashlib + base64.urlsafe_b64encode, padding stripped, gave this.
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc"
    );
    // RFC 4648's test vectors, and the way back.
    for (plain, encoded) in [
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64_standard(plain.as_bytes()), encoded);
        assert_eq!(decode_base64_standard(encoded).unwrap(), plain.as_bytes());
    }
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn the_secret_scan_catches_refresh_tokens_and_client_secrets() {
    use crate::common::TestHome;
    let gw = Gateway::start();
    let tokens = signed_in(&gw);
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let output = |stdout: &str| std::process::Output {
        status: std::process::ExitStatus::default(),
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    };
    let home = TestHome::new();
    // `agentgw token` prints the access token, never the refresh token or a client secret.
    home.check_output(&["token".to_string()], &output(&access));
    for secret in [&refresh_token, SP_CLIENT_SECRET] {
        let printed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            home.check_output(&["token".to_string()], &output(secret))
        }));
        assert!(printed.is_err(), "printing {secret} went unnoticed");
    }
    drop(home);

    // Only tokens.toml may hold a refresh token; an agent's settings.json may not.
    for (file, allowed) in [
        (".config/agentgw/tokens.toml", true),
        (".claude/settings.json", false),
    ] {
        let home = TestHome::new();
        let path = home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("refresh = \"{refresh_token}\"\n")).unwrap();
        set_mode(&path, 0o600);
        set_mode(&home.config_dir(), 0o700);
        let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(home)));
        match scanned {
            Ok(()) => assert!(allowed, "{file} with a refresh token went unnoticed"),
            Err(panic) => {
                let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
                assert!(!allowed, "{file}: {message}");
                assert!(
                    message.contains("holds a refresh token or client secret"),
                    "{message}"
                );
            }
        }
    }
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}
