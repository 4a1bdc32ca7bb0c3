//! Which SQL warehouse statements run on when the user names none: the profile's, else the best
//! one the workspace lists (`GET /api/2.0/sql/warehouses`), said on stderr and remembered after
//! success. `otel create` is the command under test; `usage --source otel` goes the same way.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::sql::{STOPPED_WAREHOUSE_ID, WAREHOUSE_ID, Warehouse};
use crate::support::warehouses::{Listed, Listing};
use crate::support::{GOOD_TOKEN, Gateway};

const TABLES: &str = "main.agents.claude";
const LISTING: &str = "/api/2.0/sql/warehouses";
const FOUND_RUNNING: &str = "using SQL warehouse 'Serverless Starter Warehouse' (abcdef0123456789, running); remembered in the profile when this succeeds\n";
const STOPPED_NOTE: &str = "SQL warehouse 'Shared Classic' (5709ed0000000000) is stopped; the query waits while it starts (a classic warehouse takes minutes)\n";

fn listing(listing: Listing) -> Gateway {
    Gateway::start_warehouse(Warehouse {
        listing,
        ..Warehouse::default()
    })
}

/// `agentgw otel create --tables main.agents.claude [extra...]`
fn create(home: &TestHome, extra: &[&str]) -> std::process::Output {
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "5")
        .args(["otel", "create", "--tables", TABLES])
        .args(extra)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

/// Writes `warehouse_id = "<id>"` into the profile, as an earlier run would have.
fn remembered(home: &TestHome, id: &str) {
    let path = home.config_dir().join("config.toml");
    let config = home.config_toml().unwrap();
    let with = config.replacen(
        "[profiles.default]\n",
        &format!("[profiles.default]\nwarehouse_id = \"{id}\"\n"),
        1,
    );
    assert_ne!(with, config, "{config}");
    std::fs::write(path, with).unwrap();
}

/// The warehouse ids the statements were submitted to, in order.
fn statement_warehouses(gateway: &Gateway) -> Vec<String> {
    gateway
        .requests_to("POST", "/api/2.0/sql/statements")
        .iter()
        .map(|r| {
            r.json().unwrap()["warehouse_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Requests under `/api/2.0/sql/warehouses` (listing and look-ups), as `METHOD path` lines.
fn warehouse_requests(gateway: &Gateway) -> Vec<String> {
    gateway
        .requests()
        .iter()
        .filter(|r| r.route().starts_with(LISTING))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn remembered_id(home: &TestHome) -> Option<String> {
    let config = home.config_toml().unwrap();
    let line = config.lines().find(|l| l.starts_with("warehouse_id = "))?;
    Some(
        line.trim_start_matches("warehouse_id = ")
            .trim_matches('"')
            .to_string(),
    )
}

#[test]
fn with_nothing_given_the_running_warehouse_is_found_used_and_remembered() {
    // Listed second, after a stopped classic one.
    let gateway = listing(Listing::default());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(FOUND_RUNNING), "{}", stderr(&out));
    assert!(!stderr(&out).contains("is stopped"), "{}", stderr(&out));
    assert_eq!(warehouse_requests(&gateway), [format!("GET {LISTING}")]);
    let listed = &gateway.requests_to("GET", LISTING)[0];
    assert_eq!(listed.bearer(), Some(GOOD_TOKEN));
    assert_eq!(statement_warehouses(&gateway), [WAREHOUSE_ID; 3]);
    assert_eq!(
        stdout(&out),
        "✓ main.agents.claude_otel_metrics  created\n✓ main.agents.claude_otel_logs  created\n"
    );
    let config = home.config_toml().unwrap();
    assert!(
        config.contains(&format!("warehouse_id = \"{WAREHOUSE_ID}\"\n")),
        "{config}"
    );
}

#[test]
fn a_remembered_warehouse_is_used_without_listing() {
    let gateway = listing(Listing::default());
    let home = TestHome::logged_in_to(&gateway.url);
    remembered(&home, WAREHOUSE_ID);
    let out = create(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("SQL warehouse"), "{}", stderr(&out));
    // Looked up by id (is it still there?), never listed.
    assert_eq!(
        warehouse_requests(&gateway),
        [format!("GET {LISTING}/{WAREHOUSE_ID}")]
    );
    assert_eq!(statement_warehouses(&gateway), [WAREHOUSE_ID; 3]);
}

#[test]
fn a_remembered_warehouse_that_cannot_be_looked_up_is_used_as_it_is() {
    let gateway = listing(Listing {
        lookup_forbidden: true,
        ..Listing::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    remembered(&home, WAREHOUSE_ID);
    let out = create(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("SQL warehouse"), "{}", stderr(&out));
    assert_eq!(
        warehouse_requests(&gateway),
        [format!("GET {LISTING}/{WAREHOUSE_ID}")]
    );
    assert_eq!(statement_warehouses(&gateway), [WAREHOUSE_ID; 3]);
}

#[test]
fn a_remembered_warehouse_that_is_stopped_is_used_with_the_note() {
    let gateway = listing(Listing::default());
    let home = TestHome::logged_in_to(&gateway.url);
    remembered(&home, STOPPED_WAREHOUSE_ID);
    let out = create(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with(STOPPED_NOTE), "{}", stderr(&out));
    assert_eq!(statement_warehouses(&gateway), [STOPPED_WAREHOUSE_ID]);
    assert_eq!(
        warehouse_requests(&gateway),
        [format!("GET {LISTING}/{STOPPED_WAREHOUSE_ID}")]
    );
}

#[test]
fn the_flag_wins_over_the_remembered_warehouse_and_replaces_it() {
    let gateway = listing(Listing::default());
    let home = TestHome::logged_in_to(&gateway.url);
    remembered(&home, STOPPED_WAREHOUSE_ID);
    let out = create(&home, &["--warehouse-id", WAREHOUSE_ID]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("SQL warehouse"), "{}", stderr(&out));
    assert_eq!(warehouse_requests(&gateway), Vec::<String>::new());
    assert_eq!(statement_warehouses(&gateway), [WAREHOUSE_ID; 3]);
    assert_eq!(remembered_id(&home).as_deref(), Some(WAREHOUSE_ID));
}

#[test]
fn only_a_stopped_warehouse_is_used_with_the_note_and_its_refusal_says_which_to_start() {
    let gateway = listing(Listing::of(vec![Listed::stopped_classic()]));
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "using SQL warehouse 'Shared Classic' (5709ed0000000000, stopped); remembered in the profile when this succeeds\n{STOPPED_NOTE}"
        )),
        "{err}"
    );
    assert_eq!(statement_warehouses(&gateway), [STOPPED_WAREHOUSE_ID]);
    assert!(
        err.contains(&format!(
            "Start it at {}/sql/warehouses/{STOPPED_WAREHOUSE_ID}",
            gateway.url
        )),
        "{err}"
    );
    assert_eq!(remembered_id(&home), None, "a failed run remembers nothing");
}

#[test]
fn no_warehouse_at_all_says_where_to_create_one() {
    let gateway = listing(Listing::of(Vec::new()));
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: no SQL warehouse in {url} that you can use\n\
             Create one at {url}/sql/warehouses, or ask a workspace admin for CAN USE on one; then run the command again, or pass --warehouse-id ID.\n",
            url = gateway.url
        )
    );
    assert!(gateway.statements().is_empty());

    // Listed, but none usable: the ones seen are named. And --json has a kind for scripts.
    let gateway = listing(Listing::of(vec![
        Listed {
            state: "DELETED",
            ..Listed::running_serverless()
        },
        Listed {
            state: "STOPPING",
            ..Listed::stopped_classic()
        },
    ]));
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .args(["usage", "--source", "otel", "--tables", TABLES, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["error"]["kind"], "no_warehouse");
    assert_eq!(
        json["error"]["message"],
        format!(
            "no SQL warehouse in {} that you can use ('Serverless Starter Warehouse' (abcdef0123456789) is deleted, 'Shared Classic' (5709ed0000000000) is stopping)",
            gateway.url
        )
    );
    assert!(gateway.statements().is_empty());
}

#[test]
fn a_refused_listing_names_warehouse_id() {
    let gateway = listing(Listing::forbidden());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: you lack permission to list the SQL warehouses of {} (HTTP 403: User is not authorized to list SQL warehouses.)\n\
             Pass --warehouse-id ID of a warehouse you can use (SQL Warehouses > your warehouse > Connection details); it is remembered in the profile afterwards.\n",
            gateway.url
        )
    );
    assert!(gateway.statements().is_empty());
}

#[test]
fn a_stale_remembered_warehouse_gives_way_to_discovery() {
    let gone = Listed {
        id: "de1e7ed000000000".into(),
        name: "Old Team Warehouse".into(),
        state: "DELETED",
        serverless: false,
    };
    let gateway = listing(Listing::of(vec![gone, Listed::running_serverless()]));
    // One the workspace no longer knows at all, and one it lists as deleted.
    for (stale, said) in [
        (
            "0bsolete00000000",
            "SQL warehouse 0bsolete00000000 remembered in the profile no longer exists (or you may no longer see it); looking for another\n",
        ),
        (
            "de1e7ed000000000",
            "SQL warehouse 'Old Team Warehouse' (de1e7ed000000000) remembered in the profile is deleted; looking for another\n",
        ),
    ] {
        let home = TestHome::logged_in_to(&gateway.url);
        remembered(&home, stale);
        gateway.take_requests();
        let out = create(&home, &[]);
        assert!(out.status.success(), "{stale}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(&format!("{said}{FOUND_RUNNING}")),
            "{stale}: {}",
            stderr(&out)
        );
        assert_eq!(
            warehouse_requests(&gateway),
            [format!("GET {LISTING}/{stale}"), format!("GET {LISTING}")]
        );
        assert!(
            statement_warehouses(&gateway)
                .iter()
                .all(|w| w == WAREHOUSE_ID),
            "nothing sent to {stale}"
        );
        assert_eq!(remembered_id(&home).as_deref(), Some(WAREHOUSE_ID));
    }
}

#[test]
fn a_listing_over_pages_is_read_to_its_end() {
    let gateway = listing(Listing {
        page_size: 1,
        ..Listing::default()
    });
    let home = TestHome::logged_in_to(&gateway.url);
    let out = create(&home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(FOUND_RUNNING), "{}", stderr(&out));
    assert_eq!(
        warehouse_requests(&gateway),
        [
            format!("GET {LISTING}"),
            format!("GET {LISTING}?page_token=page-1")
        ]
    );
}

#[test]
fn dry_run_says_which_warehouse_and_sends_nothing() {
    let gateway = listing(Listing::default());
    let home = TestHome::logged_in_to(&gateway.url);
    let said = |extra: &[&str]| {
        let out = create(&home, &[&["--dry-run"], extra].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    assert_eq!(
        said(&[]),
        "Would run on the SQL warehouse found when it runs; nothing sent:\n"
    );
    remembered(&home, STOPPED_WAREHOUSE_ID);
    assert_eq!(
        said(&[]),
        "Would run on SQL warehouse 5709ed0000000000 (remembered in the profile); nothing sent:\n"
    );
    assert_eq!(
        said(&["--warehouse-id", WAREHOUSE_ID]),
        "Would run on SQL warehouse abcdef0123456789; nothing sent:\n"
    );
    assert!(
        gateway.requests().is_empty(),
        "{}",
        gateway.request_summary()
    );
}

#[test]
fn usage_from_telemetry_finds_its_warehouse_too() {
    let mut warehouse = Warehouse::default();
    warehouse
        .tables
        .insert("main.agents.claude_otel_metrics".into());
    let gateway = Gateway::start_warehouse(warehouse);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .args(["usage", "--source", "otel", "--tables", TABLES])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).starts_with(FOUND_RUNNING), "{}", stderr(&out));
    assert_eq!(statement_warehouses(&gateway), [WAREHOUSE_ID]);
    assert_eq!(remembered_id(&home).as_deref(), Some(WAREHOUSE_ID));
}

#[test]
fn a_workspace_out_of_reach_says_so_when_listing() {
    let home = TestHome::logged_in_to(&crate::support::closed_port_url());
    let out = create(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: listing the SQL warehouses failed: cannot connect to 127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("set HTTPS_PROXY"), "{err}");
}
