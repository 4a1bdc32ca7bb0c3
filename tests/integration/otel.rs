//! `agentgw otel sql|create|check`: the telemetry tables' DDL, their creation through the SQL
//! Statement Execution API, and the ingest check with an empty OTLP export.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::sql::{
    DENIED_CATALOG, MISSING_SCHEMA, STOPPED_WAREHOUSE_ID, WAREHOUSE_ID, Warehouse,
};
use crate::support::{GOOD_TOKEN, Gateway, otlp};

use std::time::Duration;

const TABLES: &str = "main.agents.claude";

fn otel(home: &TestHome, args: &[&str]) -> std::process::Output {
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .arg("otel")
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

/// `agentgw otel create --tables T --warehouse-id W [extra...]`
fn create(home: &TestHome, tables: &str, warehouse: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["create", "--tables", tables, "--warehouse-id", warehouse];
    args.extend_from_slice(extra);
    otel(home, &args)
}

/// The product page's DDL, as `otel sql` must print it for main.agents.claude.
fn expected_ddl() -> String {
    let metrics = include_str!("../../templates/otel/metrics.sql")
        .replace("{{table}}", "`main`.`agents`.`claude_otel_metrics`");
    let logs = include_str!("../../templates/otel/logs.sql")
        .replace("{{table}}", "`main`.`agents`.`claude_otel_logs`");
    format!("{};\n\n{};\n\n", metrics.trim_end(), logs.trim_end())
}

#[test]
fn sql_prints_both_create_table_statements_without_logging_in() {
    let home = TestHome::new();
    let out = otel(&home, &["sql", "--tables", TABLES]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected_ddl());
    let text = stdout(&out);
    // The shape of the product page: the two tables, Delta, the schema version property.
    assert!(text.contains("  sum STRUCT<\n    start_time_unix_nano: LONG,"));
    assert!(text.contains("  severity_number STRING,\n  severity_text STRING,\n  body STRING,"));
    assert_eq!(
        text.matches(") USING DELTA\nTBLPROPERTIES ('otel.schemaVersion' = 'v1');")
            .count(),
        2
    );
}

#[test]
fn names_that_could_inject_sql_are_refused_before_anything_runs() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    for bad in [
        "main.agents;DROP TABLE x",
        "main.agents",
        "main.`agents`;--.claude",
        "main.a-b.c",
    ] {
        for args in [
            vec!["sql", "--tables", bad],
            vec!["create", "--tables", bad, "--warehouse-id", WAREHOUSE_ID],
            vec!["check", "--tables", bad],
        ] {
            let out = otel(&home, &args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let err = stderr(&out);
            assert!(
                err.contains(&format!("--tables {bad:?} is not CATALOG.SCHEMA.PREFIX")),
                "{args:?}: {err}"
            );
        }
    }
    assert!(
        gateway.requests().is_empty(),
        "{}",
        gateway.request_summary()
    );
}

#[test]
fn backtick_quoted_names_reach_sql_quoted_and_headers_bare() {
    let home = TestHome::new();
    let out = otel(&home, &["sql", "--tables", "`my-catalog`.agents.claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("CREATE TABLE `my-catalog`.`agents`.`claude_otel_metrics` (\n")
    );

    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = otel(&home, &["check", "--tables", "`my-catalog`.agents.claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tables: Vec<String> = gateway
        .requests()
        .iter()
        .filter_map(|r| r.header("X-Databricks-UC-Table-Name").map(str::to_string))
        .collect();
    assert_eq!(
        tables,
        [
            "my-catalog.agents.claude_otel_metrics",
            "my-catalog.agents.claude_otel_logs"
        ]
    );
}

#[test]
fn create_runs_the_exact_statements_and_remembers_tables_and_warehouse() {
    let gateway = Gateway::start_warehouse(Warehouse::default());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, TABLES, WAREHOUSE_ID, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "✓ main.agents.claude_otel_metrics  created\n✓ main.agents.claude_otel_logs  created\n"
    );
    let ddl = expected_ddl();
    let (metrics, logs) = ddl.split_once(";\n\n").unwrap();
    assert_eq!(
        gateway.statements(),
        [
            "SELECT table_name FROM `main`.information_schema.tables WHERE table_schema = lower('agents') \
             AND table_name IN (lower('claude_otel_metrics'), lower('claude_otel_logs'))"
                .to_string(),
            metrics.replacen("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1),
            logs.trim_end_matches(";\n\n")
                .replacen("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1),
        ]
    );
    let submit = &gateway.requests_to("POST", "/api/2.0/sql/statements")[0];
    let body = submit.json().unwrap();
    assert_eq!(body["warehouse_id"], WAREHOUSE_ID);
    assert_eq!(body["format"], "JSON_ARRAY");
    assert_eq!(submit.bearer(), Some(GOOD_TOKEN));
    assert_eq!(
        gateway.tables(),
        [
            "main.agents.claude_otel_logs",
            "main.agents.claude_otel_metrics"
        ]
    );
    let config = home.config_toml().unwrap();
    assert!(
        config.contains("otel_tables = \"main.agents.claude\"\n"),
        "{config}"
    );
    assert!(
        config.contains(&format!("warehouse_id = \"{WAREHOUSE_ID}\"\n")),
        "{config}"
    );

    // Second run: both there, nothing created, no flags needed.
    gateway.take_requests();
    let out = otel(&home, &["create"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "✓ main.agents.claude_otel_metrics  already there\n✓ main.agents.claude_otel_logs  already there\n"
    );
    assert_eq!(gateway.statements().len(), 1, "only the existence query");
}

#[test]
fn create_polls_a_pending_statement_until_it_succeeds() {
    let gateway = Gateway::start_warehouse(Warehouse {
        pending_polls: 3,
        ..Warehouse::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, TABLES, WAREHOUSE_ID, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let polls = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.route().starts_with("/api/2.0/sql/statements/"))
        .count();
    assert_eq!(polls, 3 * 3, "three statements, three PENDING polls each");
    assert!(gateway.cancelled_statements().is_empty());
}

#[test]
fn a_statement_pending_past_the_deadline_is_cancelled_and_reported() {
    // Polls answered at once, and polls that hang: either way the deadline holds.
    for poll_delay in [Duration::ZERO, Duration::from_secs(30)] {
        let gateway = Gateway::start_warehouse(Warehouse {
            pending_polls: usize::MAX,
            poll_delay,
            ..Warehouse::default()
        });
        let home = TestHome::logged_in_to(&gateway.url);
        let out = create(&home, TABLES, WAREHOUSE_ID, &["--timeout", "2"]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("the statement was still PENDING after 2 s, so agentgw cancelled it (statement 01f0-stmt-1)"),
            "{poll_delay:?}: {err}"
        );
        assert!(err.contains("--timeout 600"), "{err}");
        assert_eq!(gateway.cancelled_statements(), ["01f0-stmt-1"]);
        let polls = gateway
            .requests_to("GET", "/api/2.0/sql/statements/01f0-stmt-1")
            .len();
        assert!(polls >= 1, "polled {polls} times");
        assert!(gateway.tables().is_empty());
        assert!(
            !home.config_toml().unwrap().contains("warehouse_id"),
            "a failed run remembers nothing"
        );
    }
}

#[test]
fn each_failure_is_classified_with_its_fix() {
    let gateway = Gateway::start_warehouse(Warehouse::default());
    let home = TestHome::logged_in_to(&gateway.url);
    let cases = [
        (
            TABLES,
            "0000000000000000",
            "SQL warehouse 0000000000000000 does not exist",
            "pass it with --warehouse-id",
        ),
        (
            TABLES,
            STOPPED_WAREHOUSE_ID,
            "is not running: Warehouse 5709ed0000000000 is stopped",
            "/sql/warehouses/5709ed0000000000",
        ),
        (
            "locked.agents.claude",
            WAREHOUSE_ID,
            "permission denied: [INSUFFICIENT_PERMISSIONS]",
            "grant you USE CATALOG, USE SCHEMA and CREATE TABLE on it",
        ),
        (
            "main.nope.claude",
            WAREHOUSE_ID,
            "[SCHEMA_NOT_FOUND] The schema `main`.`nope` cannot be found.",
            "CREATE SCHEMA IF NOT EXISTS `main`.`nope` (a missing catalog needs a metastore admin)",
        ),
        (
            "main.agents.`team$a`",
            WAREHOUSE_ID,
            "the warehouse refused a name: [INVALID_IDENTIFIER]",
            "Check the names given with --tables",
        ),
    ];
    assert_eq!(DENIED_CATALOG, "locked");
    assert_eq!(MISSING_SCHEMA, "nope");
    for (tables, warehouse, what, fix) in cases {
        let out = create(&home, tables, warehouse, &[]);
        assert_eq!(out.status.code(), Some(1), "{tables} {warehouse}");
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(text.contains(what), "{tables} {warehouse}: {text}");
        assert!(text.contains(fix), "{tables} {warehouse}: {text}");
    }
    assert!(gateway.tables().is_empty());

    let out = create(&home, TABLES, "abc/../x", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--warehouse-id \"abc/../x\" is not a SQL warehouse id"));
}

#[test]
fn a_missing_flag_is_named() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = otel(&home, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Pass --tables CATALOG.SCHEMA.PREFIX"),
        "{}",
        stderr(&out)
    );
    assert!(gateway.requests().is_empty());
    // A missing --warehouse-id is looked for in the workspace instead: see warehouses.rs.
}

#[test]
fn dry_run_prints_the_statements_and_sends_nothing() {
    let home = TestHome::new();
    let out = create(&home, TABLES, WAREHOUSE_ID, &["--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("SELECT table_name FROM `main`.information_schema.tables"));
    assert!(text.contains("CREATE TABLE IF NOT EXISTS `main`.`agents`.`claude_otel_metrics` (\n"));
    assert!(text.contains("CREATE TABLE IF NOT EXISTS `main`.`agents`.`claude_otel_logs` (\n"));
    assert!(stderr(&out).contains("nothing sent"));
}

/// The export `otel check` sends, decoded against the OTLP proto definitions:
/// Export*ServiceRequest { resource_* (1): [{ resource (1): { attributes (1):
/// [KeyValue { key (1) = "service.name", value (2) = AnyValue { string_value (1) = "agentgw" } }] } }] }
fn assert_empty_otlp_export(body: &[u8]) {
    let request = otlp::fields(body).expect("a protobuf message");
    let resources = otlp::all(&request, 1);
    assert_eq!(resources.len(), 1, "one resource_metrics / resource_logs");
    let resource_signal = resources[0].message();
    assert!(
        otlp::all(&resource_signal, 2).is_empty(),
        "no scope_metrics / scope_logs: nothing lands in the table"
    );
    let resource = otlp::all(&resource_signal, 1)[0].message();
    let attribute = otlp::all(&resource, 1)[0].message();
    assert_eq!(otlp::all(&attribute, 1)[0].text(), "service.name");
    let any_value = otlp::all(&attribute, 2)[0].message();
    assert_eq!(otlp::all(&any_value, 1)[0].text(), "agentgw");
}

#[test]
fn check_sends_a_valid_empty_otlp_export_to_both_signals() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = otel(&home, &["check", "--tables", TABLES]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("✓ main.agents.claude_otel_metrics  accepts metrics exports ("),
        "{text}"
    );
    assert!(
        text.contains("\n✓ main.agents.claude_otel_logs  accepts logs exports ("),
        "{text}"
    );
    for (route, table) in [
        (
            "/api/2.0/otel/v1/metrics",
            "main.agents.claude_otel_metrics",
        ),
        ("/api/2.0/otel/v1/logs", "main.agents.claude_otel_logs"),
    ] {
        let sent = gateway.requests_to("POST", route);
        assert_eq!(sent.len(), 1, "{route}");
        assert_eq!(sent[0].header("X-Databricks-UC-Table-Name"), Some(table));
        assert_eq!(
            sent[0].header("Content-Type"),
            Some("application/x-protobuf")
        );
        assert_eq!(sent[0].bearer(), Some(GOOD_TOKEN));
        assert_empty_otlp_export(&sent[0].bytes);
    }
    assert!(
        home.config_toml()
            .unwrap()
            .contains("otel_tables = \"main.agents.claude\"")
    );
}

#[test]
fn check_names_a_missing_table_and_a_refused_one_with_their_fixes() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = otel(&home, &["check", "--tables", "main.nope.claude"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("✗ main.nope.claude_otel_metrics  the ingest endpoint cannot find main.nope.claude_otel_metrics (HTTP 404: NOT_FOUND: Table 'main.nope.claude_otel_metrics' does not exist.)"),
        "{text}"
    );
    assert!(
        text.contains("fix: Create the tables: agentgw otel create --tables 'main.nope.claude' --warehouse-id ID --profile default"),
        "{text}"
    );

    let out = otel(&home, &["check", "--tables", "locked.agents.claude"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("refused to write to locked.agents.claude_otel_logs (HTTP 403"),
        "{text}"
    );
    assert!(text.contains("grant you MODIFY and SELECT"), "{text}");
}

#[test]
fn doctor_checks_the_telemetry_claude_is_set_up_with() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let setup = |tables: &str| {
        let out = home
            .cmd()
            .args([
                "setup",
                "claude",
                "--yes",
                "--no-test",
                "--force",
                "--otel-tables",
                tables,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    setup(TABLES);
    let out = otel(&home, &["check"]);
    assert!(
        out.status.success(),
        "setup remembers the tables: {}",
        stderr(&out)
    );
    gateway.take_requests();
    let doctor = || {
        home.cmd()
            .args(["doctor", "--agent", "claude"])
            .output()
            .unwrap()
    };
    let out = doctor();
    let text = stdout(&out);
    assert!(
        text.contains("✓ metrics telemetry to main.agents.claude_otel_metrics is accepted"),
        "{text}"
    );
    assert!(
        text.contains("✓ logs telemetry to main.agents.claude_otel_logs is accepted"),
        "{text}"
    );
    assert_eq!(
        gateway
            .requests_to("POST", "/api/2.0/otel/v1/metrics")
            .len(),
        1
    );

    setup("main.nope.claude");
    let out = doctor();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "✗ logs telemetry: the ingest endpoint cannot find main.nope.claude_otel_logs"
        ),
        "{text}"
    );
    assert!(
        text.contains("fix: Create the tables: agentgw otel create --tables 'main.nope.claude'"),
        "{text}"
    );
}
