//! OAuth secrets and state under pressure: token endpoints that echo what they were sent, answers
//! a client should not believe, a logout that races a refresh, a hostile visitor on the sign-in
//! listener. Each test stores an OAuth profile straight into agentgw's config and file store,
//! pointing at a loopback server of its own.

use crate::common::{TestHome, stderr, stdout};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

const REFRESH_TOKEN: &str = "doau-echoed-refresh-0123456789abcdef";
const CLIENT_SECRET: &str = "dose-echoed-secret-0123456789abcdef";
const CLIENT_ID: &str = "sp-echo-client";
const ACCESS_TOKEN: &str = "eyJ-stored-access-token-0123456789";

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Profile `default` signed in with `auth` ("oauth" or "m2m"), its access token expired, the
/// token endpoint at `token_endpoint`: the next `agentgw token` must refresh.
fn expired_sign_in(home: &TestHome, auth: &str, token_endpoint: &str) {
    home.secret(ACCESS_TOKEN);
    home.strict_secret(REFRESH_TOKEN);
    home.strict_secret(CLIENT_SECRET);
    let dir = home.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o700);
    let (client_id, renewal) = match auth {
        "m2m" => (CLIENT_ID, format!("client_secret = \"{CLIENT_SECRET}\"")),
        _ => (
            "databricks-cli",
            format!("refresh_token = \"{REFRESH_TOKEN}\""),
        ),
    };
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[profiles.default]\nhost = \"https://ws.example.com\"\ntoken_storage = \"file\"\n\
             auth = \"{auth}\"\nclient_id = \"{client_id}\"\ntoken_endpoint = \"{token_endpoint}\"\n"
        ),
    )
    .unwrap();
    let tokens = dir.join("tokens.toml");
    std::fs::write(
        &tokens,
        format!(
            "[default]\naccess_token = \"{ACCESS_TOKEN}\"\nexpires_at = 1\nlifetime = 3600\n{renewal}\n"
        ),
    )
    .unwrap();
    set_mode(&tokens, 0o600);
}

/// A token endpoint that answers every request with `status` and an OAuth error whose
/// description repeats the request it got, headers and form alike (as some servers and proxies
/// do in their error pages).
fn echoing_token_endpoint(status: u16) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/oidc/v1/token",
        server.server_addr().to_ip().unwrap()
    );
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            let authorization = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| format!("Authorization: {}", h.value))
                .unwrap_or_default();
            let echo = format!("could not use {body} {authorization}");
            let json = serde_json::json!({"error": "invalid_request", "error_description": echo});
            let response = tiny_http::Response::from_string(json.to_string())
                .with_status_code(status)
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
                );
            let _ = request.respond(response);
        }
    });
    url
}

#[test]
fn a_token_endpoint_echoing_the_refresh_token_does_not_get_it_printed() {
    for status in [400, 502] {
        let home = TestHome::new();
        expired_sign_in(&home, "oauth", &echoing_token_endpoint(status));
        let out = home.cmd().arg("token").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert!(!stderr(&out).contains(REFRESH_TOKEN), "{}", stderr(&out));
        // What the server said is still shown, with the secret masked.
        assert!(
            stderr(&out).contains("refresh_token=[refresh token]"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_token_endpoint_echoing_a_service_principals_credentials_does_not_get_them_printed() {
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let home = TestHome::new();
    home.strict_secret(&basic);
    expired_sign_in(&home, "m2m", &echoing_token_endpoint(400));
    let out = home.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains(CLIENT_SECRET), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&basic), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Basic [client credentials]"),
        "{}",
        stderr(&out)
    );
}

/// Waits until something listens on `port` of 127.0.0.1 (agentgw's sign-in listener).
fn wait_for_listener(port: u16, child: &mut std::process::Child) {
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "login ended before it listened"
        );
        assert!(Instant::now() < until, "login never listened on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for `child` to end, at most `limit`; kills it when it does not.
fn ends_within(child: &mut std::process::Child, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_visitor_dripping_bytes_to_the_sign_in_listener_cannot_hold_login_past_its_timeout() {
    use crate::support::{Gateway, OAuthOptions};
    let gw = Gateway::start_oauth(OAuthOptions::default());
    let home = TestHome::new();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut login = home
        .process()
        .env("AGENTGW_AUTH_STORAGE", "file")
        .args([
            "login",
            "--host",
            &gw.url,
            "--auth",
            "oauth",
            "--no-browser",
        ])
        .args(["--redirect-port", &port.to_string(), "--timeout", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_listener(port, &mut login);
    // A request head that never ends: one byte a second, each well inside a read timeout.
    let mut visitor = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        let _ = visitor.write_all(b"G");
        for _ in 0..120 {
            std::thread::sleep(Duration::from_secs(1));
            if visitor.write_all(b"E").is_err() {
                return;
            }
        }
    });
    let took = ends_within(&mut login, Duration::from_secs(15));
    let out = login.wait_with_output().unwrap();
    let took = took.unwrap_or_else(|| panic!("login was still waiting 15 s after a 2 s --timeout"));
    assert!(took < Duration::from_secs(8), "login took {took:?}");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not come back within 2 s"), "{err}");
    assert_eq!(home.tokens_toml(), None);
}

const ROTATED_REFRESH_TOKEN: &str = "doau-rotated-after-logout-0123456789";
const NEW_ACCESS_TOKEN: &str = "eyJ-refreshed-access-token-0123456789";

/// A token endpoint that takes `delay` to answer every request with a new access token and a
/// rotated refresh token; `asked` is set as soon as a request arrives.
fn slow_token_endpoint(
    delay: Duration,
    asked: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/oidc/v1/token",
        server.server_addr().to_ip().unwrap()
    );
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            asked.store(true, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(delay);
            let json = serde_json::json!({
                "access_token": NEW_ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
                "refresh_token": ROTATED_REFRESH_TOKEN,
            });
            let response = tiny_http::Response::from_string(json.to_string()).with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
            );
            let _ = request.respond(response);
        }
    });
    url
}

#[test]
fn a_logout_while_a_refresh_is_under_way_leaves_no_token_behind() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let asked = Arc::new(AtomicBool::new(false));
    let endpoint = slow_token_endpoint(Duration::from_secs(2), Arc::clone(&asked));
    let home = TestHome::new();
    home.secret(NEW_ACCESS_TOKEN);
    home.strict_secret(ROTATED_REFRESH_TOKEN);
    expired_sign_in(&home, "oauth", &endpoint);
    // The agent's helper starts a refresh...
    let helper = home
        .process()
        .env("AGENTGW_AUTH_STORAGE", "file")
        .arg("token")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !asked.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < until,
            "agentgw token never asked the token endpoint"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // ...and the user logs out before the answer comes.
    let out = home.cmd().arg("logout").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let helper = helper.wait_with_output().unwrap();
    let tokens = home.tokens_toml().unwrap_or_default();
    assert!(
        !tokens.contains(ROTATED_REFRESH_TOKEN) && !tokens.contains("[default]"),
        "logout was undone by the refresh:\n{tokens}"
    );
    let helper_err = String::from_utf8_lossy(&helper.stderr);
    assert_eq!(helper.status.code(), Some(1), "{helper_err}");
    assert_eq!(String::from_utf8_lossy(&helper.stdout), "");
    assert!(helper_err.contains("not logged in"), "{helper_err}");
    let out = home.cmd().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

/// A token endpoint answering every request 200 with `body`.
fn token_endpoint_answering(body: String) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/oidc/v1/token",
        server.server_addr().to_ip().unwrap()
    );
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let response = tiny_http::Response::from_string(body.clone()).with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
            );
            let _ = request.respond(response);
        }
    });
    url
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn an_absurd_expires_in_is_not_believed_for_longer_than_a_day() {
    for expires_in in ["18446744073709551615", "9000000000000"] {
        let home = TestHome::new();
        home.secret(NEW_ACCESS_TOKEN);
        let body = format!(
            r#"{{"access_token":"{NEW_ACCESS_TOKEN}","token_type":"Bearer","expires_in":{expires_in}}}"#
        );
        expired_sign_in(&home, "oauth", &token_endpoint_answering(body));
        let out = home.cmd().arg("token").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out), format!("{NEW_ACCESS_TOKEN}\n"));
        let tokens = home.tokens_toml().unwrap();
        let stored: toml_edit::DocumentMut = tokens.parse().unwrap();
        let expires_at = stored["default"]["expires_at"].as_integer().unwrap() as u64;
        assert!(
            expires_at > now() && expires_at <= now() + 24 * 3600,
            "expires_at = {expires_at} for expires_in {expires_in}"
        );
    }
}

#[test]
fn exec_gemini_through_the_relay_passes_a_termination_on_to_gemini() {
    let home = TestHome::new();
    expired_sign_in(&home, "oauth", "http://127.0.0.1:9/oidc/v1/token");
    // A fresh token: nothing here needs the token endpoint.
    let tokens = home.config_dir().join("tokens.toml");
    let fresh = std::fs::read_to_string(&tokens)
        .unwrap()
        .replace("expires_at = 1\n", "expires_at = 4102444800\n");
    std::fs::write(&tokens, fresh).unwrap();
    let gemini_dir = home.path().join(".gemini");
    std::fs::create_dir_all(&gemini_dir).unwrap();
    std::fs::write(
        gemini_dir.join("settings.json"),
        r#"{"security":{"auth":{"selectedType":"gemini-api-key"}}}"#,
    )
    .unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let pid_file = home.path().join("gemini.pid");
    let gemini = bin.join("gemini");
    std::fs::write(
        &gemini,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec sleep 60\n",
            pid_file.display()
        ),
    )
    .unwrap();
    set_mode(&gemini, 0o755);
    let mut exec = home
        .process()
        .env("AGENTGW_AUTH_STORAGE", "file")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .args(["exec", "gemini"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    let gemini_pid = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            break pid;
        }
        if exec.try_wait().unwrap().is_some() {
            let mut err = String::new();
            let _ = exec.stderr.take().unwrap().read_to_string(&mut err);
            panic!("exec ended before gemini started: {err}");
        }
        assert!(Instant::now() < until, "gemini never started");
        std::thread::sleep(Duration::from_millis(50));
    };
    // What a supervisor or `timeout` does: SIGTERM to the process it started.
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &exec.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let ended = ends_within(&mut exec, Duration::from_secs(10));
    let gemini_alive = std::process::Command::new("kill")
        .args(["-0", &gemini_pid.to_string()])
        .status()
        .unwrap()
        .success();
    if gemini_alive {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &gemini_pid.to_string()])
            .status();
    }
    assert!(ended.is_some(), "agentgw exec did not end");
    assert!(
        !gemini_alive,
        "gemini was left running after agentgw exec was terminated"
    );
    assert_eq!(exec.wait().unwrap().code(), Some(128 + 15));
}

#[test]
fn a_new_login_while_a_refresh_is_under_way_wins_and_the_helper_hands_out_its_token() {
    use crate::support::{GOOD_TOKEN, Gateway};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let gw = Gateway::start();
    let asked = Arc::new(AtomicBool::new(false));
    let endpoint = slow_token_endpoint(Duration::from_secs(2), Arc::clone(&asked));
    let home = TestHome::new();
    home.secret(NEW_ACCESS_TOKEN);
    home.strict_secret(ROTATED_REFRESH_TOKEN);
    expired_sign_in(&home, "oauth", &endpoint);
    let helper = home
        .process()
        .env("AGENTGW_AUTH_STORAGE", "file")
        .arg("token")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !asked.load(Ordering::SeqCst) {
        assert!(Instant::now() < until, "agentgw token never asked");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The user signs the profile in again, with a personal access token this time.
    let out = home
        .cmd()
        .args(["login", "--host", &gw.url, "--auth", "pat", "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let helper = helper.wait_with_output().unwrap();
    assert!(
        helper.status.success(),
        "{}",
        String::from_utf8_lossy(&helper.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&helper.stdout),
        format!("{GOOD_TOKEN}\n")
    );
    let tokens = home.tokens_toml().unwrap();
    assert!(
        tokens.contains(&format!("token = \"{GOOD_TOKEN}\"")) && !tokens.contains("refresh_token"),
        "{tokens}"
    );
}
