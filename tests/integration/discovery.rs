//! Login finds the gateway and each agent's route (issue 13): the two route families, a gateway
//! that is not enabled or not open to the user, a route that disappears, and `--refresh`.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::{AiGatewayMode, GOOD_TOKEN, Gateway, RouteFamily};

fn login(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .arg("login")
        .args(args)
        .arg("--token-stdin")
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap()
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Days to civil date (Howard Hinnant's algorithm), as agentgw writes it.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The `[profiles.P.routes_found]` table login writes today when the listings under `prefix`
/// (`/ai-gateway`, or `""` on the dedicated host) answered for claude, codex, gemini, cursor.
pub fn routes_found(profile: &str, prefix: &str, routes: &[(&str, &str)]) -> String {
    let day = today();
    let mut table = format!("\n[profiles.{profile}.routes_found]\n");
    for (agent, route) in routes {
        table.push_str(&format!(
            "{agent} = \"GET {prefix}{route} answered 200 at login {day}\"\n"
        ));
    }
    table
}

/// Each agent's route on the product page's beta gateway (the stand-in's `RouteFamily::Legacy`),
/// in `agents::ALL`'s order.
pub const LEGACY: [(&str, &str); 5] = [
    ("claude", "/anthropic/v1/models"),
    ("codex", "/openai/v1/models"),
    ("gemini", "/gemini/v1beta/models"),
    ("copilot", "/mlflow/v1/models"),
    ("cursor", "/cursor/v1/models"),
];

fn status_json(home: &TestHome) -> serde_json::Value {
    let out = home.cmd().args(["status", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn login_finds_the_workspace_relative_routes_and_stores_codex_and_cursor_paths() {
    let gw = Gateway::start_routes(RouteFamily::WorkspaceRelative, AiGatewayMode::Enabled);
    let home = TestHome::new();
    let out = login(&home, &["--host", &gw.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let gateway = gw.gateway_url();
    assert_eq!(
        stdout(&out),
        format!(
            "Logged in to {url} as dev@example.com\n\
             Gateway {gateway} (workspace-relative, <host>/ai-gateway)\n  \
             claude  {gateway}/anthropic\n  \
             codex   {gateway}/codex/v1\n  \
             gemini  {gateway}/gemini\n  \
             copilot {gateway}/mlflow/v1\n  \
             cursor  {gateway}/mlflow/v1\n",
            url = gw.url
        )
    );
    let day = today();
    assert_eq!(
        home.config_toml().unwrap(),
        format!(
            "[profiles.default]\nhost = \"{url}\"\ntoken_storage = \"file\"\n\n\
             [profiles.default.base_paths]\ncodex = \"/codex/v1\"\ncursor = \"/mlflow/v1\"\n\n\
             [profiles.default.routes_found]\n\
             claude = \"GET /ai-gateway/anthropic/v1/models answered 200 at login {day}\"\n\
             codex = \"GET /ai-gateway/codex/v1/models answered 200 at login {day}\"\n\
             gemini = \"GET /ai-gateway/gemini/v1beta/models answered 200 at login {day}\"\n\
             copilot = \"GET /ai-gateway/mlflow/v1/models answered 200 at login {day}\"\n\
             cursor = \"GET /ai-gateway/mlflow/v1/models answered 200 at login {day}\"\n",
            url = gw.url
        )
    );
    // Only cheap GETs: no completion was sent to find the routes.
    assert!(
        gw.requests().iter().all(|r| r.method == "GET"),
        "{}",
        gw.request_summary()
    );

    let status = status_json(&home);
    let routes = &status["profile"]["routes"];
    assert_eq!(routes["codex"]["base_url"], format!("{gateway}/codex/v1"));
    assert_eq!(
        routes["codex"]["found"],
        format!("GET /ai-gateway/codex/v1/models answered 200 at login {day}")
    );
    assert_eq!(routes["claude"]["base_url"], format!("{gateway}/anthropic"));

    // setup writes the discovered route into Codex's config, and its test request passes
    // without a 404 (discovery's own probes 404 on the routes it tried: /cursor/v1).
    gw.take_requests();
    let out = home
        .cmd()
        .args(["setup", "codex", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let config = std::fs::read_to_string(home.path().join(".codex/config.toml")).unwrap();
    assert!(
        config.contains(&format!("base_url = \"{gateway}/codex/v1\"")),
        "{config}"
    );
    assert!(gw.not_found().is_empty(), "{:?}", gw.not_found());
}

#[test]
fn login_with_the_dedicated_gateway_url_keeps_the_default_paths() {
    let gw = Gateway::start_routes(RouteFamily::Dedicated, AiGatewayMode::Enabled);
    let home = TestHome::new();
    let dedicated = gw.dedicated_url();
    let out = login(&home, &["--host", &gw.url, "--gateway-url", &dedicated]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "Gateway {dedicated} (from --gateway-url)\n  claude  {dedicated}/anthropic\n  codex   {dedicated}/openai/v1\n"
        )),
        "{}",
        stdout(&out)
    );
    let day = today();
    assert_eq!(
        home.config_toml().unwrap(),
        format!(
            "[profiles.default]\nhost = \"{url}\"\ngateway_url = \"{dedicated}\"\ntoken_storage = \"file\"\n\n\
             [profiles.default.routes_found]\n\
             claude = \"GET /anthropic/v1/models answered 200 at login {day}\"\n\
             codex = \"GET /openai/v1/models answered 200 at login {day}\"\n\
             gemini = \"GET /gemini/v1beta/models answered 200 at login {day}\"\n\
             copilot = \"GET /mlflow/v1/models answered 200 at login {day}\"\n\
             cursor = \"GET /cursor/v1/models answered 200 at login {day}\"\n",
            url = gw.url
        )
    );
    let status = status_json(&home);
    assert_eq!(
        status["profile"]["routes"]["codex"]["base_url"],
        format!("{dedicated}/openai/v1")
    );
}

#[test]
fn a_workspace_without_the_gateway_keeps_the_credential_but_login_and_setup_say_so() {
    let gw = Gateway::start_routes(RouteFamily::WorkspaceRelative, AiGatewayMode::NotEnabled);
    let home = TestHome::new();
    let out = login(&home, &["--host", &gw.url]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = format!(
        "the AI Gateway is not enabled for the workspace {} (HTTP 404 FEATURE_DISABLED: AI Gateway is not enabled for this workspace.)",
        gw.url
    );
    assert_stderr_contains(&out, &said);
    assert_stderr_contains(
        &out,
        "An account admin turns on \"AI Gateway (Beta)\" on the account console's Previews page (https://docs.databricks.com/aws/en/ai-gateway/overview-beta); then run: agentgw login --profile default --refresh",
    );
    // The credential is valid: stored, with what was found.
    assert!(home.tokens_toml().unwrap().contains(GOOD_TOKEN));
    assert!(
        home.config_toml().unwrap().contains(
            "gateway_problem = \"not_enabled: HTTP 404 FEATURE_DISABLED: AI Gateway is not enabled for this workspace.\""
        ),
        "{}",
        home.config_toml().unwrap()
    );
    // No route was probed: the gateway is not there.
    assert!(
        gw.requests()
            .iter()
            .all(|r| !r.path.starts_with("/ai-gateway/")),
        "{}",
        gw.request_summary()
    );

    let out = home
        .cmd()
        .args(["setup", "all", "--yes", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(&out, &said);
    for file in [
        ".claude/settings.json",
        ".codex/config.toml",
        ".gemini/.env",
    ] {
        assert!(!home.path().join(file).exists(), "{file} was written");
    }
    // exec does not start an agent that would only meet 404s either.
    let out = home
        .cmd()
        .args(["exec", "codex", "--version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(&out, &said);
    assert_stderr_contains(&out, "agentgw did not start Codex CLI.");
}

#[test]
fn no_access_to_the_system_catalog_names_the_grants_to_ask_for() {
    let gw = Gateway::start_routes(
        RouteFamily::WorkspaceRelative,
        AiGatewayMode::NoCatalogAccess,
    );
    let home = TestHome::new();
    let out = login(&home, &["--host", &gw.url]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(&out, "you may not use the AI Gateway's models on");
    assert_stderr_contains(
        &out,
        "HTTP 403 PERMISSION_DENIED: User does not have USE CATALOG on Catalog 'system'.",
    );
    assert_stderr_contains(
        &out,
        "Ask a workspace admin for USE CATALOG on the catalog `system` and USE SCHEMA on `system.ai`; then run: agentgw login --profile default --refresh",
    );
    let out = home
        .cmd()
        .args(["setup", "claude", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(&out, "USE CATALOG on the catalog `system`");
    assert!(!home.path().join(".claude/settings.json").exists());
}

#[test]
fn refresh_finds_the_routes_again_without_signing_in() {
    let gw = Gateway::start_routes(RouteFamily::WorkspaceRelative, AiGatewayMode::Enabled);
    let home = TestHome::new();
    // Logged in without discovery: the defaults, and the way to find the real routes.
    let out = login(&home, &["--host", &gw.url, "--no-verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "Routes not discovered (--no-verify): agents get the default paths /anthropic, /openai/v1, /gemini, /mlflow/v1, /cursor/v1",
    );
    assert_stderr_contains(&out, "agentgw login --profile default --refresh");
    assert!(!home.config_toml().unwrap().contains("base_paths"));

    let out = home.cmd().args(["login", "--refresh"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("codex   {}/codex/v1", gw.gateway_url())),
        "{}",
        stdout(&out)
    );
    assert!(home.config_toml().unwrap().contains(
        "[profiles.default.base_paths]\ncodex = \"/codex/v1\"\ncursor = \"/mlflow/v1\"\n"
    ));
    // No sign-in: the token is the one stored.
    assert!(gw.requests_to("GET", "/api/2.0/preview/scim/v2/Me").len() == 1);
    assert!(home.tokens_toml().unwrap().contains(GOOD_TOKEN));
}

#[test]
fn refresh_does_not_go_with_a_new_credential() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--refresh", "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains(&out, "--token-stdin");
}

#[test]
fn a_route_that_disappears_is_named_by_test_and_doctor_with_what_answers_instead() {
    // Set up on the legacy routes (Codex at /openai/v1)...
    let legacy = Gateway::start();
    let home = TestHome::new();
    let out = login(&home, &["--host", &legacy.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home
        .cmd()
        .args(["setup", "codex", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // ...then the workspace moves to the workspace-relative family: /openai/v1 is gone. Point the
    // profile at the new stand-in, keeping Codex's file as it is.
    let moved = Gateway::start_routes(RouteFamily::WorkspaceRelative, AiGatewayMode::Enabled);
    let config = home.config_toml().unwrap().replace(&legacy.url, &moved.url);
    std::fs::write(home.config_dir().join("config.toml"), config).unwrap();
    let codex = home.path().join(".codex/config.toml");
    let text = std::fs::read_to_string(&codex)
        .unwrap()
        .replace(&legacy.url, &moved.url);
    std::fs::write(&codex, text).unwrap();

    let out = home
        .cmd()
        .args(["test", "codex", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let fix = report[0]["fix"].as_str().unwrap();
    assert_eq!(
        fix,
        format!(
            "the gateway has no route {gw}/openai/v1 any more; {gw}/codex/v1 answers instead. Run: agentgw login --profile default --refresh, then agentgw setup codex",
            gw = moved.gateway_url()
        )
    );

    let out = home
        .cmd()
        .args(["doctor", "--json", "--agent", "codex"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doctor: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let checks = doctor["checks"].as_array().unwrap();
    let route = checks.iter().find(|c| c["id"] == "route").unwrap();
    assert_eq!(route["area"], "codex");
    assert_eq!(route["status"], "fail");
    assert_eq!(
        route["fix"],
        "agentgw login --profile default --refresh, then agentgw setup codex"
    );
    assert!(
        route["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{}/codex/v1 answers instead", moved.gateway_url())),
        "{route}"
    );
    let enabled = checks
        .iter()
        .find(|c| c["id"] == "gateway-enabled")
        .unwrap();
    assert_eq!(enabled["area"], "profile");
    assert_eq!(enabled["status"], "ok");
}

#[test]
fn doctor_says_when_the_gateway_is_not_enabled() {
    let gw = Gateway::start_routes(RouteFamily::WorkspaceRelative, AiGatewayMode::NotEnabled);
    let home = TestHome::logged_in_to(&gw.url);
    let out = home.cmd().args(["doctor", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doctor: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let enabled = doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "gateway-enabled")
        .unwrap()
        .clone();
    assert_eq!(enabled["status"], "fail");
    assert!(
        enabled["message"]
            .as_str()
            .unwrap()
            .starts_with("the AI Gateway is not enabled for the workspace"),
        "{enabled}"
    );
    assert!(
        enabled["fix"]
            .as_str()
            .unwrap()
            .contains("https://docs.databricks.com/aws/en/ai-gateway/overview-beta"),
        "{enabled}"
    );
}

/// A user who copies an agent's base URL from the gateway's page (`…/ai-gateway/codex/v1`) as
/// `--gateway-url` is told which part is the gateway, and nothing is stored: every route under
/// it would be `…/codex/v1/anthropic`, which no gateway serves.
#[test]
fn a_gateway_url_ending_in_an_agent_route_is_refused_with_the_gateway_part() {
    let gw = Gateway::start_routes(RouteFamily::WorkspaceRelative, AiGatewayMode::Enabled);
    let home = TestHome::new();
    let gateway = gw.gateway_url();
    for route in ["/codex/v1", "/anthropic/", "/mlflow/v1/", "/gemini"] {
        let given = format!("{gateway}{route}");
        let out = login(&home, &["--host", &gw.url, "--gateway-url", &given]);
        assert_eq!(out.status.code(), Some(2), "{given}: {}", stderr(&out));
        assert_stderr_contains(
            &out,
            &format!(
                "--gateway-url {} ends in the agent route {}",
                given.trim_end_matches('/'),
                route.trim_end_matches('/')
            ),
        );
        assert_stderr_contains(
            &out,
            &format!(
                "the gateway is {gateway} (agentgw adds each agent's route itself)\nfix: --gateway-url {gateway}\n"
            ),
        );
        assert_eq!(home.config_toml(), None, "{given}");
    }
}
