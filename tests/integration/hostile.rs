//! A hostile or broken server on the other end (a redirect, a 2 GB or never-ending answer, HTML,
//! a self-signed certificate, a TLS handshake that never ends): every answer is bounded in time
//! and memory with a clear message, and the token never follows a redirect.

use crate::common::{TestHome, assert_stderr_contains};
use crate::support::{self, GOOD_TOKEN, Gateway};
use std::time::{Duration, Instant};

fn login(url: &str) -> std::process::Output {
    TestHome::new()
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "3")
        .args(["login", "--host", url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap()
}

#[test]
fn a_redirect_to_another_host_is_reported_and_not_followed() {
    let elsewhere = Gateway::start();
    let head: &'static str = Box::leak(
        format!("HTTP/1.1 302 Found\r\nLocation: {}/api/2.0/preview/scim/v2/Me\r\nContent-Length: 0\r\n\r\n", elsewhere.url)
            .into_boxed_str(),
    );
    let out = login(&support::raw_server(head, Some(0)));
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "answered with a redirect (HTTP 302) to http://127.0.0.1:",
    );
    assert_stderr_contains(&out, "agentgw does not follow redirects with your token");
    assert!(
        elsewhere.requests().is_empty(),
        "the token followed the redirect"
    );
}

#[test]
fn a_huge_answer_is_cut_off_not_buffered() {
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n";
    let started = Instant::now();
    let out = login(&support::raw_server(head, Some(2 * 1024 * 1024 * 1024)));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "the answer is unreasonably large");
}

#[test]
fn an_answer_that_never_ends_hits_the_total_timeout() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n";
    let started = Instant::now();
    let out = login(&support::raw_server(head, None));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "did not answer within 3 s");
}

#[test]
fn an_answer_that_is_not_json_is_named() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\n\r\n";
    let out = login(&support::raw_server(head, Some(15)));
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "the answer is not JSON (is this the workspace URL, not another web page?)",
    );
}

/// `openssl s_server` with a fresh self-signed certificate, on a free loopback port; killed
/// when dropped.
struct SelfSignedServer {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl SelfSignedServer {
    fn start() -> Option<SelfSignedServer> {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let made = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        assert!(made.success(), "openssl could not make a certificate");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("openssl")
            .args([
                "s_server",
                "-quiet",
                "-www",
                "-accept",
                &port.to_string(),
                "-cert",
            ])
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "s_server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(SelfSignedServer {
            child,
            url: format!("https://127.0.0.1:{port}"),
            _dir: dir,
        })
    }
}

impl Drop for SelfSignedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_self_signed_certificate_is_a_tls_failure_with_the_ca_hint() {
    let Some(server) = SelfSignedServer::start() else {
        eprintln!("skipped: no openssl command to run a TLS server with a self-signed certificate");
        return;
    };
    let started = Instant::now();
    let out = login(&server.url);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "the TLS connection to 127.0.0.1:");
    assert_stderr_contains(&out, "--ca-file PATH");
    assert_stderr_contains(&out, "Nothing was stored.");
}

#[test]
fn a_tls_handshake_that_never_completes_hits_the_timeout() {
    let https = support::silent_server().replace("http://", "https://");
    let started = Instant::now();
    let out = login(&https);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "did not answer within 3 s");
}
