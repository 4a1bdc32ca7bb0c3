//! `agentgw usage --source otel` (Claude Code's telemetry view; `--tables` alone chooses it): the
//! query sent to the warehouse and the report rendered from canned rows.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::sql::{WAREHOUSE_ID, Warehouse};
use crate::support::{GOOD_TOKEN, Gateway};

const TABLES: &str = "main.agents.claude";

/// The warehouse's today in these tests.
const TODAY: &str = "2026-11-26";

/// A warehouse whose usage query returns `rows` (group, cost, tokens), each with [`TODAY`].
fn warehouse_with(rows: &[[Option<&str>; 3]]) -> Gateway {
    let mut warehouse = Warehouse {
        rows: rows
            .iter()
            .map(|r| {
                r.iter()
                    .chain([&Some(TODAY)])
                    .map(|c| c.map(str::to_string))
                    .collect()
            })
            .collect(),
        ..Warehouse::default()
    };
    warehouse
        .tables
        .insert("main.agents.claude_otel_metrics".into());
    Gateway::start_warehouse(warehouse)
}

fn usage(home: &TestHome, args: &[&str]) -> std::process::Output {
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .arg("usage")
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

fn first_use(home: &TestHome, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--tables", TABLES, "--warehouse-id", WAREHOUSE_ID];
    args.extend_from_slice(extra);
    usage(home, &args)
}

#[test]
fn the_query_sums_cost_and_tokens_per_day_of_the_metrics_table() {
    let gateway = warehouse_with(&[]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &["--days", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        gateway.statements(),
        [
            "SELECT date_format(timestamp_micros(`sum`.time_unix_nano DIV 1000), 'yyyy-MM-dd') AS day,\n  \
          SUM(CASE WHEN name = 'claude_code.cost.usage' THEN `sum`.value ELSE 0 END) AS cost_usd,\n  \
          SUM(CASE WHEN name = 'claude_code.token.usage' THEN `sum`.value ELSE 0 END) AS tokens,\n  \
          max(current_date()) AS today\n\
          FROM `main`.`agents`.`claude_otel_metrics`\n\
          WHERE name IN ('claude_code.cost.usage', 'claude_code.token.usage')\n  \
          AND `sum`.time_unix_nano >= unix_micros(CAST(date_sub(current_date(), 29) AS TIMESTAMP)) * 1000\n\
          GROUP BY 1\n\
          ORDER BY 1"
        ]
    );
    gateway.take_requests();
    // The tables are remembered; the source is named, else the gateway's table is read.
    let out = usage(&home, &["--source", "otel", "--by", "model"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = &gateway.statements()[0];
    assert!(
        sql.starts_with("SELECT coalesce(`sum`.attributes['model'], 'unknown') AS model,"),
        "{sql}"
    );
    assert!(
        sql.contains("date_sub(current_date(), 6)"),
        "the default is 7 days: {sql}"
    );
    assert!(sql.ends_with("ORDER BY 2 DESC, 3 DESC, 1"), "{sql}");
}

#[test]
fn days_render_as_a_table_with_bars_and_every_day_of_the_window() {
    let gateway = warehouse_with(&[
        [Some("2026-11-20"), Some("12.5"), Some("1200000")],
        [Some("2026-11-22"), Some("3.125"), Some("300000")],
        [Some("2026-11-23"), None, Some("0")],
    ]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Claude Code usage, last 7 days by day (main.agents.claude_otel_metrics)\n\
         \n\
         DAY         COST (USD)     TOKENS  COST                      TOKENS\n\
         2026-11-20       12.50  1,200,000  ████████████████████████  ████████████████████████\n\
         2026-11-21        0.00          0\n\
         2026-11-22        3.13    300,000  ██████                    ██████\n\
         2026-11-23        0.00          0\n\
         2026-11-24        0.00          0\n\
         2026-11-25        0.00          0\n\
         2026-11-26        0.00          0\n\
         TOTAL            15.63  1,500,000\n"
    );
}

#[test]
fn a_single_day_and_no_rows_at_all() {
    let gateway = warehouse_with(&[[Some("2026-11-26"), Some("0.42"), Some("5321")]]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &["--days", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Claude Code usage, last 1 day by day (main.agents.claude_otel_metrics)\n\
         \n\
         DAY         COST (USD)  TOKENS  COST                      TOKENS\n\
         2026-11-26        0.42   5,321  ████████████████████████  ████████████████████████\n\
         TOTAL             0.42   5,321\n"
    );

    let gateway = warehouse_with(&[]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Claude Code usage, last 7 days by day (main.agents.claude_otel_metrics)\nNo usage recorded in this period.\n"
    );
    assert!(
        stderr(&out).contains("agentgw otel check"),
        "{}",
        stderr(&out)
    );
    let out = usage(&home, &["--source", "otel", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["rows"], serde_json::json!([]));
    assert_eq!(
        json["total"],
        serde_json::json!({"cost_usd": 0.0, "tokens": 0})
    );
    // Compared as numbers -0.0 equals 0.0; a script printing it would show the minus.
    assert!(!stdout(&out).contains("-0"), "{}", stdout(&out));
}

#[test]
fn json_by_model_for_scripts() {
    let gateway = warehouse_with(&[
        [Some("databricks-claude-opus-4-6"), Some("10"), Some("1000")],
        [None, Some("0.1"), Some("10")],
        [Some("model-\u{1b}[2J"), Some("0.2"), Some("10")],
    ]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &["--by", "model", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "table": "main.agents.claude_otel_metrics",
            "days": 7,
            "by": "model",
            "rows": [
                {"model": "databricks-claude-opus-4-6", "cost_usd": 10.0, "tokens": 1000},
                {"model": "unknown", "cost_usd": 0.1, "tokens": 10},
                {"model": "model-\u{1b}[2J", "cost_usd": 0.2, "tokens": 10},
            ],
            "total": {"cost_usd": 10.3, "tokens": 1020},
        })
    );
}

#[test]
fn results_in_several_chunks_are_all_read() {
    let rows: Vec<[Option<String>; 3]> = (0..2500)
        .map(|i| {
            [
                Some(format!("user{i:04}@example.com")),
                Some("1".into()),
                Some("10".into()),
            ]
        })
        .collect();
    let borrowed: Vec<[Option<&str>; 3]> = rows
        .iter()
        .map(|r| [r[0].as_deref(), r[1].as_deref(), r[2].as_deref()])
        .collect();
    let gateway = warehouse_with(&borrowed);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &["--by", "user", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["rows"].as_array().unwrap().len(), 2500);
    assert_eq!(json["total"]["tokens"], 25000);
    let chunk_reads = gateway
        .requests()
        .iter()
        .filter(|r| r.route().contains("/result/chunks/"))
        .count();
    assert_eq!(chunk_reads, 2, "1000 rows inline, then chunks 1 and 2");
}

#[test]
fn a_missing_metrics_table_says_how_to_create_it() {
    let gateway = Gateway::start_warehouse(Warehouse::default());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = first_use(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`agents`.`claude_otel_metrics` cannot be found."), "{err}");
    assert!(err.contains("Check the names given with --tables"), "{err}");
}

#[test]
fn a_profile_that_cannot_be_saved_is_a_warning_not_a_failure() {
    let gateway = warehouse_with(&[[Some("2026-11-26"), Some("1"), Some("10")]]);
    let home = TestHome::logged_in_to(&gateway.url);
    // The config folder's lock file cannot be created: a directory is in its place.
    let lock = home.config_dir().join(".lock");
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir(&lock).unwrap();
    let out = first_use(&home, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not remember otel_tables and warehouse_id in the profile"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("\"total\""));
}
