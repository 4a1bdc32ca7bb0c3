//! `agentgw doctor`'s "is my traffic arriving?" line: today's requests per agent from the
//! gateway's usage table, on the warehouse `agentgw usage` remembered, only while it runs.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::sql::{STOPPED_WAREHOUSE_ID, WAREHOUSE_ID, Warehouse};
use crate::support::usage_table::{Event, UsageTable};
use crate::support::{GOOD_TOKEN, Gateway, USER_NAME};

/// The stand-in's today.
const TODAY: &str = "2026-11-26";

fn stand_in() -> Gateway {
    let today = |user, agent, model| Event::new(TODAY, user, agent, model, [1_000, 100, 0]);
    Gateway::start_warehouse(Warehouse {
        usage: UsageTable {
            events: vec![
                today(
                    USER_NAME,
                    "claude-cli/2.1.332 (external, sdk-cli)",
                    "system.ai.claude-sonnet-4-6",
                ),
                today(
                    USER_NAME,
                    "claude-cli/2.1.332 (external, sdk-cli)",
                    "system.ai.claude-opus-4-6",
                ),
                today(USER_NAME, "copilot/1.0.102 (agentgw)", "databricks-gpt-5-2"),
                today(USER_NAME, "OpenAI/JS 5.20.1", "databricks-gpt-5-2"),
                // Yesterday's, and someone else's today: neither is counted.
                Event::new(
                    "2026-11-25",
                    USER_NAME,
                    "codex_exec/0.171.0",
                    "databricks-gpt-5-2",
                    [1, 1, 0],
                ),
                today(
                    "ops@example.com",
                    "codex_exec/0.171.0",
                    "databricks-gpt-5-2",
                ),
            ],
            ..UsageTable::default()
        },
        ..Warehouse::default()
    })
}

fn doctor(home: &TestHome) -> std::process::Output {
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

/// The usage area's checks of `doctor --json`.
fn usage_checks(out: &std::process::Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["area"] == "usage")
        .cloned()
        .collect()
}

/// Remembers the stand-in's running warehouse the way a user does: `agentgw usage` once.
fn remember_warehouse(home: &TestHome) {
    let out = home
        .cmd()
        .args(["usage", "--warehouse-id", WAREHOUSE_ID])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn todays_requests_of_this_user_are_counted_per_agent() {
    let gateway = stand_in();
    let home = TestHome::logged_in_to(&gateway.url);
    remember_warehouse(&home);
    gateway.take_requests();
    let checks = usage_checks(&doctor(&home));
    assert_eq!(
        checks,
        [serde_json::json!({
            "id": "traffic-today", "area": "usage", "status": "ok", "fix": "",
            "message": "today through the gateway: Claude Code 2 requests, Copilot CLI 1 request, Other 1 request (system.ai_gateway.usage)",
        })]
    );
    let statements = gateway.requests_to("POST", "/api/2.0/sql/statements");
    assert_eq!(statements.len(), 1);
    let body = statements[0].json().unwrap();
    assert_eq!(body["warehouse_id"], WAREHOUSE_ID);
    assert_eq!(
        body["parameters"],
        serde_json::json!([{"name": "days", "value": "1", "type": "INT"},
                           {"name": "users", "value": "me", "type": "STRING"}])
    );
    // The human report shows it in its own area, last.
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .arg("doctor")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("\nusage\n  ✓ today through the gateway: Claude Code 2 requests,"),
        "{text}"
    );
}

#[test]
fn no_remembered_warehouse_means_no_line_and_no_warehouse_is_asked_for() {
    let gateway = stand_in();
    let home = TestHome::logged_in_to(&gateway.url);
    assert_eq!(
        usage_checks(&doctor(&home)),
        Vec::<serde_json::Value>::new()
    );
    let asked: Vec<String> = gateway
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.starts_with("/api/2.0/sql/"))
        .collect();
    assert_eq!(asked, Vec::<String>::new());
}

#[test]
fn a_stopped_warehouse_is_not_started_for_doctor() {
    let gateway = stand_in();
    let home = TestHome::logged_in_to(&gateway.url);
    remember_warehouse(&home);
    let config = home.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains(WAREHOUSE_ID), "{text}");
    std::fs::write(&config, text.replace(WAREHOUSE_ID, STOPPED_WAREHOUSE_ID)).unwrap();
    gateway.take_requests();
    assert_eq!(
        usage_checks(&doctor(&home)),
        Vec::<serde_json::Value>::new()
    );
    assert_eq!(
        gateway.requests_to("POST", "/api/2.0/sql/statements").len(),
        0
    );
    assert_eq!(
        gateway
            .requests_to(
                "GET",
                &format!("/api/2.0/sql/warehouses/{STOPPED_WAREHOUSE_ID}")
            )
            .len(),
        1,
        "its state is looked up"
    );
}
