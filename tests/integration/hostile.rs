//! A hostile or broken server on the other end: every answer is bounded in time and memory, and
//! the token never follows a redirect.

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
