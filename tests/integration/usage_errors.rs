//! Every wrong command line is exit 2 with the flag (or variable) named, whether clap or agentgw
//! found the fault: a script can tell "called wrongly" (2) from "something failed" (1). Nothing
//! is sent anywhere: the checks run before any command does.

use crate::common::{TestHome, stderr, stdout};
use crate::support::GOOD_TOKEN;

/// Asserts exit 2 with every one of `named` on stderr and nothing on stdout.
fn assert_usage_error(out: &std::process::Output, named: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    for name in named {
        assert!(
            stderr(out).contains(name),
            "{name} not named:\n{}",
            stderr(out)
        );
    }
    assert_eq!(stdout(out), "");
}

fn run(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd().args(args).output().unwrap()
}

#[test]
fn tables_that_are_not_catalog_schema_prefix() {
    let home = TestHome::new();
    for args in [
        &["otel", "sql", "--tables", "main.agents"][..],
        &["otel", "check", "--tables", "main.agents;DROP TABLE x"],
        &[
            "usage",
            "--tables",
            "main.a-b.c",
            "--warehouse-id",
            "abc123",
        ],
    ] {
        let out = run(&home, args);
        assert_usage_error(&out, &["--tables", "CATALOG.SCHEMA.PREFIX"]);
    }
}

#[test]
fn otel_tables_that_are_not_catalog_schema_prefix() {
    let home = TestHome::new();
    let out = run(&home, &["setup", "claude", "--otel-tables", "main.agents"]);
    assert_usage_error(&out, &["--otel-tables", "found 2 names"]);
}

#[test]
fn a_profile_name_with_a_space() {
    let home = TestHome::new();
    let out = run(&home, &["--profile", "a b", "status"]);
    assert_usage_error(&out, &["--profile", "\"a b\""]);
}

#[test]
fn an_empty_profile_name_is_refused_not_taken_for_the_default() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = run(&home, &["--profile", "", "token"]);
    assert_usage_error(&out, &["--profile", "empty"]);
}

#[test]
fn an_empty_agentgw_profile_is_unset_and_means_the_default_profile() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("AGENTGW_PROFILE", "")
        .arg("token")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"));
}

#[test]
fn a_bad_agentgw_profile_names_the_variable() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .env("AGENTGW_PROFILE", "a b")
        .arg("status")
        .output()
        .unwrap();
    assert_usage_error(&out, &["AGENTGW_PROFILE", "--profile"]);
}

#[test]
fn a_warehouse_id_with_quotes() {
    let home = TestHome::new();
    for args in [
        &[
            "usage",
            "--tables",
            "main.agents.claude",
            "--warehouse-id",
            "ab\"c",
        ][..],
        &[
            "otel",
            "create",
            "--tables",
            "main.agents.claude",
            "--warehouse-id",
            "x' OR 1",
        ],
    ] {
        let out = run(&home, args);
        assert_usage_error(&out, &["--warehouse-id", "is not a SQL warehouse id"]);
    }
}

#[test]
fn an_empty_model() {
    let home = TestHome::new();
    for args in [
        &["setup", "claude", "--model", ""][..],
        &["setup", "cursor", "--model", "a,,b"],
        &["exec", "--model", " ", "claude"],
    ] {
        let out = run(&home, args);
        assert_usage_error(&out, &["--model", "empty"]);
    }
}

#[test]
fn token_stdin_and_from_databrickscfg_together() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--token-stdin", "--from-databrickscfg"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert_usage_error(&out, &["--token-stdin", "--from-databrickscfg"]);
}

#[test]
fn a_host_with_an_invalid_port_or_scheme() {
    let home = TestHome::new();
    for (host, why) in [
        ("https://ws.example.com:99999", "port"),
        ("https://ws.example.com:0", "port"),
        ("ws.example.com:http", "port"),
        ("ftp://ws.example.com", "scheme"),
    ] {
        let out = run(&home, &["login", "--host", host, "--token-stdin"]);
        assert_usage_error(&out, &["--host", why]);
    }
}

#[test]
fn a_gateway_url_with_an_invalid_port() {
    let home = TestHome::new();
    let out = run(
        &home,
        &[
            "login",
            "--host",
            "https://ws.example.com",
            "--gateway-url",
            "https://gw.example.com:123456/ai-gateway",
        ],
    );
    assert_usage_error(&out, &["--gateway-url", "port"]);
}

#[test]
fn a_password_in_a_bad_host_is_not_echoed() {
    let home = TestHome::new();
    let out = run(
        &home,
        &[
            "login",
            "--host",
            "https://me:s3cret-pass@ws.example.com:99999",
        ],
    );
    assert_usage_error(&out, &["--host"]);
    assert!(!stderr(&out).contains("s3cret-pass"), "{}", stderr(&out));
}

#[test]
fn a_bad_agentgw_host_names_the_variable_and_an_empty_one_is_unset() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .env("AGENTGW_HOST", "https://ws.example.com:65536")
        .args(["login", "--token-stdin"])
        .output()
        .unwrap();
    assert_usage_error(&out, &["AGENTGW_HOST", "--host", "port"]);

    // Empty: as if unset, so login asks for the one thing missing (no terminal: an error, 1).
    let out = home
        .cmd()
        .env("AGENTGW_HOST", "")
        .args(["login", "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no workspace URL: pass --host"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_ca_file_that_does_not_exist() {
    let home = TestHome::new();
    let missing = home.path().join("corp-ca.pem");
    let out = run(
        &home,
        &[
            "login",
            "--host",
            "https://ws.example.com",
            "--ca-file",
            &missing.to_string_lossy(),
        ],
    );
    assert_usage_error(
        &out,
        &["--ca-file", &missing.to_string_lossy(), "does not exist"],
    );
}

#[test]
fn a_codex_profile_that_is_not_a_file_name() {
    let home = TestHome::new();
    for name in ["../x", "a b", ""] {
        let out = run(&home, &["setup", "codex", "--codex-profile", name]);
        assert_usage_error(&out, &["--codex-profile"]);
    }
}
