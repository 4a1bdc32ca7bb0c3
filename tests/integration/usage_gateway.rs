//! `agentgw usage` over the gateway's usage table (the default source): the statement and
//! parameters sent, the report for each grouping from events of every agent, JSON and CSV, and
//! the failures with their fixes. The stand-in evaluates the statement over raw events (see
//! support::usage_table), taking the agent patterns from the statement itself.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::sql::{WAREHOUSE_ID, Warehouse};
use crate::support::usage_table::{Access, Event, UsageTable};
use crate::support::{GOOD_TOKEN, Gateway, USER_NAME};
use serde_json::json;

/// User-Agent strings of model requests, as the current releases were seen sending them
/// (2026-11-30). Copilot CLI's own is the OpenAI SDK's (`OpenAI/JS 5.20.1`, here "other"):
/// `agentgw exec copilot` gives it `copilot/<version> (agentgw)`.
const CLAUDE_UA: &str = "claude-cli/2.1.332 (external, sdk-cli)";
const CODEX_UA: &str = "codex_exec/0.171.0 (Debian 12.0.0; x86_64) dumb (codex_exec; 0.171.0)";
const GEMINI_UA: &str = "GeminiCLI-tui/0.61.0/databricks-gemini-2-5-flash (linux; x64; terminal)";
const OPENCODE_UA: &str = "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14";
const COPILOT_UA: &str = "copilot/1.0.102 (agentgw)";
const PI_UA: &str = "pi/1.6.0 (linux; node/v22.23.5; x64)";
const OTHER_UA: &str = "OpenAI/JS 5.20.1";

const SONNET: &str = "system.ai.claude-sonnet-4-6";
const OPUS: &str = "system.ai.claude-opus-4-6";
const GPT: &str = "databricks-gpt-5-2";
const FLASH: &str = "system.ai.gemini-2-5-flash";
/// Listed without a price by the stand-in's catalog.
const LLAMA: &str = "databricks-llama-4-maverick";

const SOMEONE_ELSE: &str = "ops@example.com";

/// A week of requests of seven agents (today is 2026-11-26), one older, one of someone else.
/// Costs at the stand-in's list prices in the comments.
fn week() -> Vec<Event> {
    let me = USER_NAME;
    vec![
        // 0.4M × $3 + 0.6M cached × $0.30 + 0.1M × $15 = $2.88
        Event::new(
            "2026-11-20",
            me,
            CLAUDE_UA,
            SONNET,
            [1_000_000, 100_000, 600_000],
        ),
        // $1.50 + $0.75 = $2.25
        Event::new("2026-11-20", me, CLAUDE_UA, SONNET, [500_000, 50_000, 0]),
        // 1M × $1.25 + 1M cached × $0.125 + 0.2M × $10 = $3.375
        Event::new(
            "2026-11-22",
            me,
            CODEX_UA,
            GPT,
            [2_000_000, 200_000, 1_000_000],
        ),
        // $0.125 + $0.10 = $0.225
        Event::new("2026-11-23", me, CODEX_UA, GPT, [100_000, 10_000, 0]),
        // $0.30 + $0.025 = $0.325
        Event::new("2026-11-24", me, GEMINI_UA, FLASH, [1_000_000, 10_000, 0]),
        // 0.1M × $5 + 0.1M cached × $0.50 + 20k × $25 = $1.05
        Event::new(
            "2026-11-25",
            me,
            OPENCODE_UA,
            OPUS,
            [200_000, 20_000, 100_000],
        ),
        // $0.50 + $0.40 = $0.90
        Event::new("2026-11-26", me, COPILOT_UA, GPT, [400_000, 40_000, 0]),
        // no price
        Event::new("2026-11-26", me, PI_UA, LLAMA, [300_000, 30_000, 0]),
        // $0.30 + $0.15 = $0.45
        Event::new("2026-11-26", me, OTHER_UA, SONNET, [100_000, 10_000, 0]),
        // Before the window.
        Event::new("2026-11-10", me, CLAUDE_UA, SONNET, [9_000_000, 900_000, 0]),
        // $1.25 + $1.00 = $2.25, seen with --all-users only.
        Event::new(
            "2026-11-26",
            SOMEONE_ELSE,
            CODEX_UA,
            GPT,
            [1_000_000, 100_000, 0],
        ),
    ]
}

fn stand_in(events: Vec<Event>) -> Gateway {
    stand_in_with(UsageTable {
        events,
        ..UsageTable::default()
    })
}

fn stand_in_with(usage: UsageTable) -> Gateway {
    Gateway::start_warehouse(Warehouse {
        usage,
        ..Warehouse::default()
    })
}

/// `agentgw usage --warehouse-id <the stand-in's> ARGS`.
fn usage(home: &TestHome, args: &[&str]) -> std::process::Output {
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .args(["usage", "--warehouse-id", WAREHOUSE_ID])
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out)
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn the_committed_query_is_sent_as_it_is_with_days_and_users_bound() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    ok(&usage(&home, &[]));
    let sent = gateway.requests_to("POST", "/api/2.0/sql/statements");
    assert_eq!(sent.len(), 1);
    let body = sent[0].json().unwrap();
    assert_eq!(
        body["statement"].as_str().unwrap(),
        include_str!("../../templates/usage/gateway.sql")
    );
    assert_eq!(body["warehouse_id"], WAREHOUSE_ID);
    assert_eq!(
        body["parameters"],
        json!([{"name": "days", "value": "7", "type": "INT"},
               {"name": "users", "value": "me", "type": "STRING"}])
    );
    // The price list is read once, beside the statement.
    assert_eq!(
        gateway
            .requests_to("GET", "/api/ai-gateway/v2/external-provider-models")
            .len(),
        3,
        "the stand-in's three pages"
    );

    gateway.take_requests();
    ok(&usage(
        &home,
        &["--days", "3", "--all-users", "--by", "user"],
    ));
    let body = gateway.requests_to("POST", "/api/2.0/sql/statements")[0]
        .json()
        .unwrap();
    assert_eq!(
        body["parameters"],
        json!([{"name": "days", "value": "3", "type": "INT"},
               {"name": "users", "value": "all", "type": "STRING"}])
    );
    // The warehouse is remembered: the next run needs no flag.
    assert!(
        home.config_toml()
            .unwrap()
            .contains(&format!("warehouse_id = \"{WAREHOUSE_ID}\"")),
        "{:?}",
        home.config_toml()
    );
}

#[test]
fn with_no_flags_after_login_this_weeks_usage_on_the_running_warehouse() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .arg("usage")
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(
        text.starts_with(
            "AI Gateway usage, last 7 days by day, dev@example.com (system.ai_gateway.usage)\n"
        ),
        "{text}"
    );
    assert!(text.contains("\nTOTAL              9  5,600,000"), "{text}");
    assert!(
        stderr(&out).contains(&format!(
            "using SQL warehouse 'Serverless Starter Warehouse' ({WAREHOUSE_ID}, running)"
        )),
        "{}",
        stderr(&out)
    );
    let body = gateway.requests_to("POST", "/api/2.0/sql/statements")[0]
        .json()
        .unwrap();
    assert_eq!(body["warehouse_id"], WAREHOUSE_ID);
    assert!(
        home.config_toml()
            .unwrap()
            .contains(&format!("warehouse_id = \"{WAREHOUSE_ID}\"")),
        "remembered"
    );
}

#[test]
fn a_week_by_day_as_a_table_with_cost_bars_a_total_and_what_the_costs_are() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &[]);
    assert_eq!(
        ok(&out),
        "AI Gateway usage, last 7 days by day, dev@example.com (system.ai_gateway.usage)\n\
         \n\
         DAY         REQUESTS  TOKENS IN  TOKENS OUT     CACHED  EST. COST (USD)  COST\n\
         2026-11-20         2  1,500,000     150,000    600,000            5.13   ████████████████████████\n\
         2026-11-21         0          0           0          0            0.00\n\
         2026-11-22         1  2,000,000     200,000  1,000,000            3.38   ███████████████▊\n\
         2026-11-23         1    100,000      10,000          0            0.23   █\n\
         2026-11-24         1  1,000,000      10,000          0            0.33   █▌\n\
         2026-11-25         1    200,000      20,000    100,000            1.05   ████▉\n\
         2026-11-26         3    800,000      80,000          0            1.35*  ██████▍\n\
         TOTAL              9  5,600,000     470,000  1,700,000           11.45*\n\
         \n\
         Costs are estimates from the workspace's list prices, not billed amounts.\n\
         No price for databricks-llama-4-maverick: cost left blank; sums marked * leave it out.\n"
    );
    assert_eq!(stderr(&out), "", "nothing to add");
    for line in stdout(&out).lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
}

#[test]
fn by_agent_every_agent_is_told_apart_by_its_user_agent() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let json = json_of(&usage(&home, &["--by", "agent", "--json"]));
    let rows: Vec<(String, String, u64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["agent"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
                r["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("claude", "Claude Code", 2),
        ("codex", "Codex CLI", 2),
        ("gemini", "Gemini CLI", 1),
        ("pi", "Pi", 1),
        ("copilot", "Copilot CLI", 1),
        ("opencode", "OpenCode", 1),
        ("other", "Other", 1),
    ];
    assert_eq!(
        rows,
        expected.map(|(a, n, r)| (a.to_string(), n.to_string(), r))
    );
    // The terminal shows the product names, in the same order.
    let text = ok(&usage(&home, &["--by", "agent"]));
    let labels: Vec<&str> = text
        .lines()
        .skip(3)
        .take(7)
        .map(|l| l.split("  ").next().unwrap())
        .collect();
    assert_eq!(labels, expected.map(|(_, name, _)| name), "{text}");
}

#[test]
fn every_release_seen_is_told_apart_and_sdk_strings_count_as_other() {
    let seen = [
        ("claude", "claude-cli/2.0.30 (external, sdk-cli)"),
        ("claude", CLAUDE_UA),
        ("codex", CODEX_UA),
        (
            "codex",
            "codex_exec/0.118.0 (Debian 12.0.0; x86_64) dumb (codex-exec; 0.118.0)",
        ),
        (
            "codex",
            "codex-tui/0.171.0 (Debian 12.0.0; x86_64) tmux-256color (codex-tui; 0.171.0)",
        ),
        ("gemini", GEMINI_UA),
        ("gemini", "GeminiCLI/v20.20.2 (linux; x64)"),
        // A model name in Gemini's User-Agent does not make it another agent's.
        (
            "gemini",
            "GeminiCLI-tui/0.61.0/system.ai.claude-sonnet-4-6 (linux; x64; terminal)",
        ),
        ("opencode", OPENCODE_UA),
        (
            "opencode",
            "opencode/1.1.53 ai-sdk/provider-utils/3.0.20 runtime/bun/1.3.5",
        ),
        ("pi", PI_UA),
        ("pi", "pi/0.63.0 (agentgw)"),
        ("copilot", COPILOT_UA),
        // SDKs sending their own names (Pi before 0.84.3, Copilot CLI), and strangers.
        ("other", "Anthropic/JS 0.73.0"),
        ("other", "google-genai-sdk/1.52.0 gl-node/v20.20.2"),
        ("other", OTHER_UA),
        ("other", "uqt/JS 5.20.1"),
        ("other", "internal-api/2.0"),
        ("other", "curl/8.5.0"),
    ];
    let mut events: Vec<Event> = seen
        .iter()
        .map(|(_, ua)| Event::new("2026-11-26", USER_NAME, ua, SONNET, [10, 1, 0]))
        .collect();
    let mut anonymous = events[0].clone();
    anonymous.user_agent = None;
    anonymous.destination_model = None;
    events.push(anonymous);
    let gateway = stand_in(events);
    let home = TestHome::logged_in_to(&gateway.url);
    let json = json_of(&usage(&home, &["--by", "agent", "--json"]));
    let counted: Vec<(&str, u64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["agent"].as_str().unwrap(),
                r["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counted,
        [
            ("claude", 2),
            ("codex", 3),
            ("gemini", 3),
            ("pi", 2),
            ("copilot", 1),
            ("opencode", 2),
            ("other", 7)
        ]
    );
    // Without a User-Agent: Other; without a model: "unknown".
    let json = json_of(&usage(
        &home,
        &["--by", "model", "--agent", "other", "--json"],
    ));
    let models: Vec<(&str, u64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap(),
                r["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(models, [(SONNET, 6), ("unknown", 1)]);
}

#[test]
fn by_model_biggest_first_with_each_models_estimate() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let json = json_of(&usage(&home, &["--by", "model", "--json"]));
    assert_eq!(
        json["rows"],
        json!([
            {"model": GPT, "requests": 3, "input_tokens": 2_500_000, "output_tokens": 250_000,
             "cached_tokens": 1_000_000, "cost_usd": 4.5, "priced": true},
            {"model": SONNET, "requests": 3, "input_tokens": 1_600_000, "output_tokens": 160_000,
             "cached_tokens": 600_000, "cost_usd": 5.58, "priced": true},
            {"model": FLASH, "requests": 1, "input_tokens": 1_000_000, "output_tokens": 10_000,
             "cached_tokens": 0, "cost_usd": 0.325, "priced": true},
            {"model": LLAMA, "requests": 1, "input_tokens": 300_000, "output_tokens": 30_000,
             "cached_tokens": 0, "cost_usd": null, "priced": false},
            {"model": OPUS, "requests": 1, "input_tokens": 200_000, "output_tokens": 20_000,
             "cached_tokens": 100_000, "cost_usd": 1.05, "priced": true},
        ])
    );
    assert_eq!(json["unpriced_models"], json!([LLAMA]));
}

#[test]
fn by_user_with_all_users_counts_everyone_and_says_so_in_the_title() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let text = ok(&usage(&home, &["--by", "user", "--all-users"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "AI Gateway usage, last 7 days by user, all users (system.ai_gateway.usage)"
    );
    assert!(
        lines[3].starts_with("dev@example.com         9  5,600,000"),
        "{text}"
    );
    assert!(
        lines[4].starts_with("ops@example.com         1  1,000,000"),
        "{text}"
    );
    assert!(
        lines[5].starts_with("TOTAL                  10  6,600,000"),
        "{text}"
    );
    // Without --all-users: only yours, and the title names you.
    let text = ok(&usage(&home, &["--by", "user"]));
    assert!(
        text.starts_with("AI Gateway usage, last 7 days by user, dev@example.com ("),
        "{text}"
    );
    assert!(!text.contains(SOMEONE_ELSE), "{text}");
}

#[test]
fn all_users_that_see_only_their_own_rows_are_told_why() {
    let gateway = stand_in_with(UsageTable {
        events: week(),
        access: Access::OwnRowsOnly,
        ..UsageTable::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--all-users", "--by", "user", "--csv"]);
    assert_eq!(
        ok(&out),
        "user,requests,input_tokens,output_tokens,cached_tokens,cost_usd\r\n\
         dev@example.com,9,5600000,470000,1700000,\r\n"
    );
    assert!(
        stderr(&out).contains(
            "Only your own requests (dev@example.com) came back for --all-users: either nobody else used the gateway in these days, or the table shows you only the rows your rights allow"
        ),
        "{}",
        stderr(&out)
    );
    // Seeing someone else's rows: no such note.
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--all-users"]);
    ok(&out);
    assert_eq!(stderr(&out), "");
}

#[test]
fn three_days_leave_out_older_requests() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let json = json_of(&usage(&home, &["--days", "3", "--json"]));
    let days: Vec<(&str, u64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["day"].as_str().unwrap(), r["requests"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        days,
        [("2026-11-24", 1), ("2026-11-25", 1), ("2026-11-26", 3)]
    );
    assert_eq!(json["total"]["requests"], 5);
}

#[test]
fn one_agent_by_model_with_its_name_in_the_title() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let text = ok(&usage(&home, &["--by", "model", "--agent", "codex"]));
    assert_eq!(
        text,
        "Codex CLI usage, last 7 days by model, dev@example.com (system.ai_gateway.usage)\n\
         \n\
         MODEL               REQUESTS  TOKENS IN  TOKENS OUT     CACHED  EST. COST (USD)  COST\n\
         databricks-gpt-5-2         2  2,100,000     210,000  1,000,000             3.60  ███████████████████\n\
         TOTAL                      2  2,100,000     210,000  1,000,000             3.60\n\
         \n\
         Costs are estimates from the workspace's list prices, not billed amounts.\n"
    );
}

#[test]
fn json_for_scripts_has_the_documented_shape() {
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let json = json_of(&usage(&home, &["--days", "2", "--json"]));
    assert_eq!(
        json,
        json!({
            "source": "gateway",
            "table": "system.ai_gateway.usage",
            "warehouse_id": WAREHOUSE_ID,
            "days": 2,
            "today": "2026-11-26",
            "by": "day",
            "users": "me",
            "user": USER_NAME,
            "agent": null,
            "rows": [
                {"day": "2026-11-25", "requests": 1, "input_tokens": 200_000, "output_tokens": 20_000,
                 "cached_tokens": 100_000, "cost_usd": 1.05, "priced": true},
                {"day": "2026-11-26", "requests": 3, "input_tokens": 800_000, "output_tokens": 80_000,
                 "cached_tokens": 0, "cost_usd": 1.35, "priced": false},
            ],
            "total": {"requests": 4, "input_tokens": 1_000_000, "output_tokens": 100_000,
                      "cached_tokens": 100_000, "cost_usd": 2.4, "priced": false},
            "unpriced_models": [LLAMA],
            "prices_error": null,
        })
    );
}

#[test]
fn csv_for_spreadsheets_quotes_a_field_with_a_comma() {
    let mut events = week();
    events.push(Event::new(
        "2026-11-26",
        USER_NAME,
        CLAUDE_UA,
        "team-model, experimental",
        [1000, 100, 0],
    ));
    let gateway = stand_in(events);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--by", "model", "--agent", "claude", "--csv"]);
    assert_eq!(
        ok(&out),
        "model,requests,input_tokens,output_tokens,cached_tokens,cost_usd\r\n\
         system.ai.claude-sonnet-4-6,2,1500000,150000,600000,5.13\r\n\
         \"team-model, experimental\",1,1000,100,0,\r\n"
    );
    let out = usage(&home, &["--by", "agent", "--days", "1", "--csv"]);
    assert_eq!(
        ok(&out),
        "agent,requests,input_tokens,output_tokens,cached_tokens,cost_usd\r\n\
         claude,1,1000,100,0,\r\n\
         pi,1,300000,30000,0,\r\n\
         copilot,1,400000,40000,0,0.9\r\n\
         other,1,100000,10000,0,0.45\r\n"
    );
}

#[test]
fn no_requests_show_every_day_at_zero_and_say_what_may_be_wrong() {
    let gateway = stand_in(vec![]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--days", "2"]);
    let text = ok(&out);
    let today = agentgw::usage::days::today_utc();
    let yesterday =
        agentgw::usage::days::date_of(agentgw::usage::days::day_number(&today).unwrap() - 1);
    assert_eq!(
        text,
        format!(
            "AI Gateway usage, last 2 days by day, your requests (system.ai_gateway.usage)\n\
             \n\
             DAY         REQUESTS  TOKENS IN  TOKENS OUT  CACHED  EST. COST (USD)  TOKENS\n\
             {yesterday}         0          0           0       0             0.00\n\
             {today}         0          0           0       0             0.00\n\
             TOTAL              0          0           0       0             0.00\n\
             \n\
             Costs are estimates from the workspace's list prices, not billed amounts.\n"
        )
    );
    assert_eq!(
        stderr(&out),
        "No requests of yours went through the gateway in these days. Agents not set up yet? agentgw setup all. \
         Set up, but their requests go elsewhere? agentgw doctor.\n"
    );
    // One agent without requests, among others that have some.
    let gateway = stand_in(week());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--by", "model", "--agent", "cursor"]);
    assert_eq!(
        ok(&out),
        "Cursor usage, last 7 days by model, dev@example.com (system.ai_gateway.usage)\n\
         No requests recorded in this period.\n"
    );
    assert_eq!(
        stderr(&out),
        "No requests from Cursor in these days. Not set up yet? agentgw setup cursor. \
         Set up, but its requests go elsewhere? agentgw doctor --agent cursor.\n"
    );
}

#[test]
fn a_price_list_that_cannot_be_read_leaves_costs_blank_and_says_why() {
    let gateway = stand_in_with(UsageTable {
        events: week(),
        price_list_refused: true,
        ..UsageTable::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--by", "agent", "--days", "1"]);
    assert_eq!(
        ok(&out),
        "AI Gateway usage, last 1 day by agent, dev@example.com (system.ai_gateway.usage)\n\
         \n\
         AGENT        REQUESTS  TOKENS IN  TOKENS OUT  CACHED  EST. COST (USD)  TOKENS\n\
         Pi                  1    300,000      30,000       0                   ██████████████████\n\
         Copilot CLI         1    400,000      40,000       0                   ████████████████████████\n\
         Other               1    100,000      10,000       0                   ██████\n\
         TOTAL               3    800,000      80,000       0\n\
         \n\
         No cost estimates: the workspace's price list could not be read (HTTP 403: User is not allowed to list external provider models.).\n"
    );
    let out = usage(&home, &["--days", "1", "--json"]);
    let json = json_of(&out);
    assert_eq!(json["total"]["cost_usd"], json!(null));
    assert_eq!(json["total"]["priced"], json!(false));
    assert_eq!(
        json["prices_error"],
        "HTTP 403: User is not allowed to list external provider models."
    );
    assert!(
        stderr(&out).contains("No cost estimates: the workspace's price list could not be read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_select_on_the_table_names_the_three_grants_for_this_user() {
    let gateway = stand_in_with(UsageTable {
        access: Access::Denied,
        ..UsageTable::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: no permission to read system.ai_gateway.usage: [INSUFFICIENT_PERMISSIONS] Insufficient privileges: \
         User does not have SELECT on Table 'system.ai_gateway.usage'. SQLSTATE: 42501\n\
         Ask a metastore admin or an account admin for these grants (to you or a group of yours):\n  \
         GRANT USE CATALOG ON CATALOG system TO `dev@example.com`;\n  \
         GRANT USE SCHEMA ON SCHEMA system.ai_gateway TO `dev@example.com`;\n  \
         GRANT SELECT ON TABLE system.ai_gateway.usage TO `dev@example.com`;\n\
         Meanwhile `agentgw usage --source otel` shows Claude Code's own telemetry, if its tables are set up (agentgw setup claude --otel-tables).\n"
    );
    let out = usage(&home, &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json.as_object().unwrap().len(),
        1,
        "the error alone: {json}"
    );
    assert_eq!(json["error"]["kind"], "permission_denied");
    assert!(
        json["error"]["fix"]
            .as_str()
            .unwrap()
            .contains("GRANT SELECT ON TABLE system.ai_gateway.usage TO `dev@example.com`;"),
        "{json}"
    );
}

#[test]
fn a_missing_table_says_what_enables_it() {
    let gateway = stand_in_with(UsageTable {
        access: Access::Missing,
        ..UsageTable::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    let out = usage(&home, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["error"]["kind"], "name_not_found");
    assert_eq!(
        json["error"]["message"],
        "system.ai_gateway.usage does not exist in this workspace's metastore: [TABLE_OR_VIEW_NOT_FOUND] The table or view \
         `system`.`ai_gateway`.`usage` cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01"
    );
    let fix = json["error"]["fix"].as_str().unwrap();
    for part in [
        "an account admin turns the preview on (account console > Previews)",
        "databricks system-schemas enable <METASTORE_ID> ai_gateway",
        "agentgw usage --source otel",
    ] {
        assert!(fix.contains(part), "{part}: {fix}");
    }
}

#[test]
fn the_stand_in_refuses_a_marker_left_unbound_as_databricks_sql_does() {
    use crate::support::usage_table;
    let template = include_str!("../../templates/usage/gateway.sql");
    let days_only = json!([{"name": "days", "value": "7", "type": "INT"}]);
    let (code, message) =
        usage_table::execute(&UsageTable::default(), template, &days_only, USER_NAME).unwrap_err();
    assert_eq!(code, "BAD_REQUEST");
    assert!(
        message.starts_with("[UNBOUND_SQL_PARAMETER] Found the unbound parameter: users."),
        "{message}"
    );
    // Both bound: the markers in the template's comments are not markers.
    let both = json!([{"name": "days", "value": "7", "type": "INT"},
                      {"name": "users", "value": "me", "type": "STRING"}]);
    let (columns, rows) =
        usage_table::execute(&UsageTable::default(), template, &both, USER_NAME).unwrap();
    assert_eq!(columns.len(), 9);
    assert!(rows.is_empty());
}
