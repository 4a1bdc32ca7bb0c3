//! `agentgw dashboard create|open`: the Lakeview requests sent (and their bodies), one dashboard
//! kept up to date across runs, the dashboard's contents, and that every column its SQL reads
//! exists in the tables it reads.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::sql::WAREHOUSE_ID;
use crate::support::{FORBIDDEN_TOKEN, GOOD_TOKEN, Gateway, Recorded};
use serde_json::Value;
use std::collections::BTreeSet;

const TABLES: &str = "main.agents.claude";
const NAME: &str = "Coding agents usage";
const GATEWAY_SQL: &str = include_str!("../../templates/usage/gateway.sql");

fn dashboard(home: &TestHome, args: &[&str]) -> std::process::Output {
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .arg("dashboard")
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

fn create(home: &TestHome, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["create"];
    args.extend_from_slice(extra);
    dashboard(home, &args)
}

/// `METHOD path` of every request the stand-in got since the last call, in order, except the
/// look-up of a remembered SQL warehouse (tests/integration/warehouses.rs is about that).
fn sent(gateway: &Gateway) -> Vec<String> {
    gateway
        .take_requests()
        .iter()
        .filter(|r| !r.path.starts_with("/api/2.0/sql/warehouses/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The dashboard id remembered in the profile.
fn remembered_id(home: &TestHome) -> Option<String> {
    let config: toml_edit::DocumentMut = home.config_toml()?.parse().unwrap();
    let id = config
        .get("profiles")?
        .get("default")?
        .get("dashboard_id")?;
    id.as_str().map(str::to_string)
}

fn only_id(gateway: &Gateway) -> String {
    let dashboards = gateway.lakeview().dashboards();
    assert_eq!(dashboards.len(), 1, "{dashboards:?}");
    dashboards.keys().next().unwrap().clone()
}

fn url(gateway: &Gateway, id: &str) -> String {
    format!("{}/dashboardsv3/{id}", gateway.url)
}

/// The serialized dashboard a create or update request carried, parsed.
fn carried(request: &Recorded) -> Value {
    let body = request.json().unwrap();
    serde_json::from_str(body["serialized_dashboard"].as_str().unwrap()).unwrap()
}

/// A dataset's SQL: its `queryLines` joined as Lakeview joins them.
fn sql_of(document: &Value, dataset: &str) -> String {
    let found = document["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == dataset)
        .unwrap_or_else(|| panic!("no dataset {dataset}"));
    found["queryLines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect()
}

fn dry_run(home: &TestHome, extra: &[&str]) -> Value {
    let mut args = vec!["--dry-run"];
    args.extend_from_slice(extra);
    let out = create(home, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("--dry-run prints the dashboard as JSON")
}

#[test]
fn created_once_then_updated_in_place_never_a_second_copy() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    gateway.take_requests();

    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID]);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = only_id(&gateway);
    assert_eq!(
        stdout(&out),
        format!("✓ created  {NAME}\n  {}\n", url(&gateway, &id))
    );
    let posts = gateway.requests_to("POST", "/api/2.0/lakeview/dashboards");
    assert_eq!(sent(&gateway), ["POST /api/2.0/lakeview/dashboards"]);
    let body = posts[0].json().unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["display_name", "warehouse_id", "serialized_dashboard"]
    );
    assert_eq!(body["display_name"], NAME);
    assert_eq!(body["warehouse_id"], WAREHOUSE_ID);
    assert_eq!(remembered_id(&home).as_deref(), Some(id.as_str()));

    // Again, without --warehouse-id (remembered) and with another name: the same dashboard.
    let out = create(&home, &["--name", "Agents"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("✓ updated  Agents\n  {}\n", url(&gateway, &id))
    );
    let patches = gateway.requests_to("PATCH", &format!("/api/2.0/lakeview/dashboards/{id}"));
    assert_eq!(
        sent(&gateway),
        [
            format!("GET /api/2.0/lakeview/dashboards/{id}"),
            format!("PATCH /api/2.0/lakeview/dashboards/{id}")
        ]
    );
    let body = patches[0].json().unwrap();
    assert_eq!(body["display_name"], "Agents");
    assert_eq!(body["warehouse_id"], WAREHOUSE_ID);
    assert_eq!(body["etag"], "1", "the update is guarded by the etag read");
    assert_eq!(carried(&patches[0]), carried(&posts[0]));
    assert_eq!(only_id(&gateway), id);
    assert_eq!(gateway.lakeview().dashboards()[&id].display_name, "Agents");
    assert_eq!(remembered_id(&home).as_deref(), Some(id.as_str()));
}

#[test]
fn a_dashboard_deleted_in_the_workspace_is_created_anew() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        create(&home, &["--warehouse-id", WAREHOUSE_ID])
            .status
            .success()
    );
    let old = only_id(&gateway);
    gateway.lakeview().delete(&old);
    gateway.take_requests();

    let out = create(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let new = only_id(&gateway);
    assert_ne!(new, old);
    assert_eq!(
        sent(&gateway),
        [
            format!("GET /api/2.0/lakeview/dashboards/{old}"),
            "POST /api/2.0/lakeview/dashboards".to_string()
        ]
    );
    assert!(
        stderr(&out).contains(&format!(
            "the dashboard made before ({old}) was deleted in the workspace; creating a new one"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        format!("✓ created  {NAME}\n  {}\n", url(&gateway, &new))
    );
    assert_eq!(remembered_id(&home), Some(new));
}

#[test]
fn a_dashboard_in_the_trash_is_created_anew_and_left_there() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        create(&home, &["--warehouse-id", WAREHOUSE_ID])
            .status
            .success()
    );
    let old = only_id(&gateway);
    gateway.lakeview().trash(&old);
    gateway.take_requests();

    let out = create(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "the dashboard made before ({old}) is in the workspace's trash; creating a new one"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        sent(&gateway),
        [
            format!("GET /api/2.0/lakeview/dashboards/{old}"),
            "POST /api/2.0/lakeview/dashboards".to_string()
        ]
    );
    let dashboards = gateway.lakeview().dashboards();
    let active: Vec<&String> = dashboards
        .iter()
        .filter(|(_, d)| d.lifecycle_state == "ACTIVE")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(dashboards[&old].lifecycle_state, "TRASHED");
    assert_eq!(active.len(), 1);
    assert_eq!(remembered_id(&home).as_ref(), Some(active[0]));
}

#[test]
fn publish_sends_the_warehouse_and_prints_the_published_url() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID, "--publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = only_id(&gateway);
    let published = gateway.requests_to(
        "POST",
        &format!("/api/2.0/lakeview/dashboards/{id}/published"),
    );
    assert_eq!(published.len(), 1);
    assert_eq!(
        published[0].json().unwrap(),
        serde_json::json!({"embed_credentials": true, "warehouse_id": WAREHOUSE_ID})
    );
    assert_eq!(
        stdout(&out),
        format!(
            "✓ created  {NAME}\n  {url}\n✓ published  (viewers see it with your data access)\n  {url}/published\n",
            url = url(&gateway, &id)
        )
    );
}

#[test]
fn dry_run_sends_nothing_and_needs_no_login() {
    // Logged in, with a dashboard and a warehouse remembered: still not one request.
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        create(&home, &["--warehouse-id", WAREHOUSE_ID])
            .status
            .success()
    );
    let id = only_id(&gateway);
    gateway.take_requests();
    let out = create(&home, &["--dry-run", "--tables", TABLES, "--publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sent(&gateway), Vec::<String>::new());
    let document: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(document["pages"].is_array());
    assert!(
        stderr(&out).contains(&format!(
            "Would update \"{NAME}\" (dashboard {id}) on SQL warehouse {WAREHOUSE_ID}, then publish it (nothing sent):"
        )),
        "{}",
        stderr(&out)
    );

    // Never logged in: the dashboard all the same, and where the warehouse comes from.
    let fresh = TestHome::new();
    let out = create(&fresh, &["--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out)).unwrap();
    assert!(
        stderr(&out).contains(&format!(
            "Would create \"{NAME}\" on a SQL warehouse found when it runs (nothing sent):"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(fresh.config_toml(), None, "a dry run writes no config");
}

#[test]
fn the_dashboard_names_the_usage_table_and_the_telemetry_tables_only_when_known() {
    let home = TestHome::new();
    let without = dry_run(&home, &[]);
    let text = without.to_string();
    assert!(text.contains("FROM system.ai_gateway.usage"), "{text}");
    assert!(!text.contains("otel_metrics") && !text.contains("otel_logs"));
    assert!(
        !text.contains("Claude Code: "),
        "no Claude Code pages without tables"
    );

    let with = dry_run(&home, &["--tables", TABLES]);
    let text = with.to_string();
    assert!(text.contains("FROM system.ai_gateway.usage"));
    assert!(text.contains("FROM `main`.`agents`.`claude_otel_metrics`"));
    assert!(text.contains("FROM `main`.`agents`.`claude_otel_logs`"));
    let pages: Vec<&str> = with["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        pages,
        [
            "Overview",
            "By agent",
            "By model",
            "By user",
            "Claude Code",
            "Claude Code: code",
            "Claude Code: tool decisions",
            "Filters"
        ]
    );
}

#[test]
fn the_usage_dataset_is_the_usage_query_byte_for_byte() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID, "--tables", TABLES]);
    assert!(out.status.success(), "{}", stderr(&out));
    let post = &gateway.requests_to("POST", "/api/2.0/lakeview/dashboards")[0];
    let document = carried(post);
    assert_eq!(sql_of(&document, "usage"), GATEWAY_SQL);
    let usage = document["datasets"][0]["parameters"].as_array().unwrap();
    let defaults: Vec<(&str, &str, &str)> = usage
        .iter()
        .map(|p| {
            (
                p["keyword"].as_str().unwrap(),
                p["dataType"].as_str().unwrap(),
                p["defaultSelection"]["values"]["values"][0]["value"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        defaults,
        [("days", "INTEGER", "30"), ("users", "STRING", "all")],
        "30 days of everyone's requests: a team dashboard"
    );
    // --tables is remembered: the next run keeps Claude Code's pages.
    assert!(
        home.config_toml()
            .unwrap()
            .contains("otel_tables = \"main.agents.claude\"")
    );
    gateway.take_requests();
    assert!(create(&home, &[]).status.success());
    let patches: Vec<_> = (gateway.requests().into_iter())
        .filter(|r| r.method == "PATCH")
        .collect();
    let [patch] = patches.as_slice() else {
        panic!("one PATCH: {patches:?}");
    };
    assert!(sql_of(&carried(patch), "claude_metrics").contains("claude_otel_metrics"));
}

#[test]
fn open_prints_the_url_and_hands_it_to_the_browser() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let opened = home.path().join("opened.txt");
    let browser = format!("echo >>'{}'", opened.display());

    let out = home
        .cmd()
        .env("BROWSER", &browser)
        .args(["dashboard", "open"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out)
            .contains("profile 'default' has no dashboard yet; run: agentgw dashboard create"),
        "{}",
        stderr(&out)
    );
    assert!(!opened.exists(), "no browser without a dashboard");

    assert!(
        create(&home, &["--warehouse-id", WAREHOUSE_ID])
            .status
            .success()
    );
    let id = only_id(&gateway);
    gateway.take_requests();
    for (args, expected) in [
        (vec!["dashboard", "open"], url(&gateway, &id)),
        (
            vec!["dashboard", "open", "--published"],
            format!("{}/published", url(&gateway, &id)),
        ),
    ] {
        let _ = std::fs::remove_file(&opened);
        let out = home
            .cmd()
            .env("BROWSER", &browser)
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), format!("{expected}\n"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !opened.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(
            std::fs::read_to_string(&opened).unwrap(),
            format!("{expected}\n")
        );
    }
    assert_eq!(
        sent(&gateway),
        Vec::<String>::new(),
        "open asks the workspace nothing"
    );
}

#[test]
fn a_token_without_permission_is_told_which_entitlement_to_ask_for() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    let login = home
        .cmd()
        .args([
            "login",
            "--host",
            &gateway.url,
            "--token-stdin",
            "--no-verify",
        ])
        .write_stdin(FORBIDDEN_TOKEN)
        .output()
        .unwrap();
    assert!(login.status.success(), "{}", stderr(&login));
    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "you may not create dashboards in {} (HTTP 403",
            gateway.url
        )),
        "{err}"
    );
    assert!(
        err.contains("Ask a workspace admin for the Databricks SQL access entitlement"),
        "{err}"
    );
    assert_eq!(remembered_id(&home), None);
}

#[test]
fn permission_to_edit_or_publish_the_dashboard_is_named_when_missing() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        create(&home, &["--warehouse-id", WAREHOUSE_ID])
            .status
            .success()
    );
    let id = only_id(&gateway);

    gateway.lakeview().refuse_publishing();
    let out = create(&home, &["--publish"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("✓ updated  "), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("you may not publish the dashboard (HTTP 403"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "Publishing needs CAN MANAGE on {}: ask its owner",
            url(&gateway, &id)
        )),
        "{err}"
    );

    // Signed in now with a token that may not touch the dashboard at all.
    let login = home
        .cmd()
        .args([
            "login",
            "--host",
            &gateway.url,
            "--token-stdin",
            "--no-verify",
        ])
        .write_stdin(FORBIDDEN_TOKEN)
        .output()
        .unwrap();
    assert!(login.status.success(), "{}", stderr(&login));
    gateway.take_requests();
    let out = create(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("you may not edit the dashboard agentgw made before (HTTP 403"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "Ask its owner for CAN EDIT on {}",
            url(&gateway, &id)
        )),
        "{err}"
    );
    assert_eq!(
        sent(&gateway),
        [format!("GET /api/2.0/lakeview/dashboards/{id}")],
        "no second dashboard is made when the first cannot be read"
    );
}

#[test]
fn a_dashboard_id_that_is_not_one_is_refused_before_any_request() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let path = home.config_dir().join("config.toml");
    let mut config: toml_edit::DocumentMut =
        std::fs::read_to_string(&path).unwrap().parse().unwrap();
    config["profiles"]["default"]["dashboard_id"] = toml_edit::value("../../../api/2.0/x");
    std::fs::write(&path, config.to_string()).unwrap();
    gateway.take_requests();
    for args in [vec!["create", "--warehouse-id", WAREHOUSE_ID], vec!["open"]] {
        let out = dashboard(&home, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains(
                "dashboard_id in agentgw's config.toml (profile 'default') is not a dashboard id"
            ),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(sent(&gateway), Vec::<String>::new());
}

#[test]
fn a_workspace_without_lakeview_says_so_and_how_to_import_by_hand() {
    let gateway = Gateway::start();
    gateway.lakeview().make_unavailable();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "AI/BI dashboards (the Lakeview API) are not available in {} (HTTP 404",
            gateway.url
        )),
        "{err}"
    );
    assert!(
        err.contains("agentgw dashboard create --dry-run > usage.lvdash.json"),
        "{err}"
    );
}

#[test]
fn not_logged_in_names_login_and_sends_nothing() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("agentgw login --profile default"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sent(&gateway), Vec::<String>::new());
}

// --- Every column the dashboard's SQL reads exists in the table it reads ---------------------

/// The gateway's usage table, as the vendor's tool reads it (AGENT_FACTS, "as deployed").
const USAGE_COLUMNS: &[&str] = &[
    "event_time",
    "request_id",
    "requester",
    "user_agent",
    "destination_model",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "token_details",
    "token_details.cache_read_input_tokens",
];

/// The column paths of a `CREATE TABLE` statement: top-level names, and `parent.child` for
/// every field of a STRUCT (also inside ARRAY<STRUCT<...>>), in lower case.
fn ddl_columns(ddl: &str) -> BTreeSet<String> {
    let mut columns = BTreeSet::new();
    let mut open: Vec<(String, i64)> = Vec::new();
    let mut depth = 0i64;
    let body = ddl.lines().skip_while(|l| !l.trim_end().ends_with('('));
    for line in body.skip(1) {
        let line = line.trim();
        if line.starts_with(')') {
            break;
        }
        let net = line.matches('<').count() as i64 - line.matches('>').count() as i64;
        if line.starts_with('>') {
            depth += net;
            while open.last().is_some_and(|(_, at)| *at >= depth) {
                open.pop();
            }
            continue;
        }
        let name = line.split([' ', ':']).next().unwrap().to_lowercase();
        let mut path: Vec<&str> = open.iter().map(|(n, _)| n.as_str()).collect();
        path.push(&name);
        columns.insert(path.join("."));
        if net > 0 {
            open.push((name.clone(), depth));
            depth += net;
        }
    }
    columns
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A name; `true` when it was quoted in backticks (never a keyword then).
    Word(String, bool),
    Text,
    Number,
    Punct(char),
}

fn tokens(sql: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(Token::Text);
            }
            '`' => {
                let start = i + 1;
                i = start;
                while chars[i] != '`' {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect(), true));
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect(), false));
            }
            c if c.is_ascii_digit() => {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Token::Number);
            }
            c if c.is_whitespace() => i += 1,
            c => {
                out.push(Token::Punct(c));
                i += 1;
            }
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "select", "from", "where", "and", "or", "not", "in", "as", "case", "when", "then", "else",
    "end", "group", "by", "order", "like", "is", "null", "div", "asc", "desc", "distinct",
];

/// The table a statement reads (the name after FROM, dots kept) and every column path it
/// reads: names that are not keywords, functions (a name before `(`), aliases or types (a name
/// after AS), parameters (after `:`) or the table's own name; `a.b` chains kept whole.
fn columns_read(sql: &str) -> (String, BTreeSet<String>) {
    let tokens = tokens(sql);
    let mut table = String::new();
    let mut read = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        let Token::Word(first, quoted) = &tokens[i] else {
            i += 1;
            continue;
        };
        let mut chain = vec![first.clone()];
        let mut end = i + 1;
        while tokens.get(end) == Some(&Token::Punct('.')) {
            match tokens.get(end + 1) {
                Some(Token::Word(next, _)) => chain.push(next.clone()),
                _ => break,
            }
            end += 2;
        }
        let before = i.checked_sub(1).map(|b| &tokens[b]);
        let after_word = |word: &str| matches!(before, Some(Token::Word(w, false)) if w.eq_ignore_ascii_case(word));
        let keyword =
            !quoted && chain.len() == 1 && KEYWORDS.contains(&first.to_lowercase().as_str());
        if after_word("from") {
            table = chain.join(".");
        } else if keyword
            || after_word("as")
            || before == Some(&Token::Punct(':'))
            || tokens.get(end) == Some(&Token::Punct('('))
        {
            // not a column
        } else {
            read.insert(chain.join(".").to_lowercase());
        }
        i = end;
    }
    (table, read)
}

/// The columns `sql` reads that its table does not have.
fn unknown_columns(sql: &str) -> Vec<String> {
    let (table, read) = columns_read(sql);
    let schema: BTreeSet<String> = if table == "system.ai_gateway.usage" {
        USAGE_COLUMNS.iter().map(|c| c.to_string()).collect()
    } else if table.ends_with("_otel_metrics") {
        ddl_columns(include_str!("../../templates/otel/metrics.sql"))
    } else if table.ends_with("_otel_logs") {
        ddl_columns(include_str!("../../templates/otel/logs.sql"))
    } else {
        panic!("a dataset reads {table:?}, whose columns this test does not know");
    };
    read.into_iter().filter(|c| !schema.contains(c)).collect()
}

#[test]
fn every_column_the_dashboards_sql_reads_exists_in_its_table() {
    let document = dry_run(&TestHome::new(), &["--tables", TABLES]);
    let datasets = document["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 3);
    for dataset in datasets {
        let name = dataset["name"].as_str().unwrap();
        let sql = sql_of(&document, name);
        let (table, read) = columns_read(&sql);
        assert!(!read.is_empty(), "{name} reads no column from {table}?");
        assert_eq!(unknown_columns(&sql), Vec::<String>::new(), "{name}");
    }
    // The checker knows nested fields: these are among what the telemetry queries read.
    let metrics = ddl_columns(include_str!("../../templates/otel/metrics.sql"));
    assert!(metrics.contains("sum.time_unix_nano") && metrics.contains("sum.attributes"));
    assert!(metrics.contains("histogram.exemplars.span_id"));
    assert!(
        !metrics.contains("time_unix_nano"),
        "only as a field of a struct"
    );
    let logs = ddl_columns(include_str!("../../templates/otel/logs.sql"));
    assert!(logs.contains("attributes") && logs.contains("time_unix_nano"));
}

#[test]
fn the_schema_check_catches_a_misspelt_column() {
    assert_eq!(unknown_columns(GATEWAY_SQL), Vec::<String>::new());
    let misspelt = GATEWAY_SQL.replace("requester AS user", "requestor AS user");
    assert_eq!(unknown_columns(&misspelt), ["requestor"]);
    let nested = GATEWAY_SQL.replace(
        "token_details.cache_read_input_tokens",
        "token_details.cache_read_tokens",
    );
    assert_eq!(
        unknown_columns(&nested),
        ["token_details.cache_read_tokens"]
    );
    let document = dry_run(&TestHome::new(), &["--tables", TABLES]);
    let metrics = sql_of(&document, "claude_metrics")
        .replace("`sum`.time_unix_nano DIV", "`sum`.time_unix_nanos DIV");
    assert_eq!(unknown_columns(&metrics), ["sum.time_unix_nanos"]);
    let logs = sql_of(&document, "claude_tool_decisions").replace("body =", "bdy =");
    assert_eq!(unknown_columns(&logs), ["bdy"]);
}
