//! Gemini CLI through agentgw's loopback relay (agentgw::relay), as `agentgw exec gemini` runs it for
//! OAuth profiles: Gemini gets the relay's URL and random key in its environment, and the relay
//! forwards to the gateway with the token its callback hands out.

use crate::gemini::{MODEL, prompt_pong, trust_work_folder, write_settings};
use crate::harness::{AgentHome, Outcome};
use crate::support::{GOOD_TOKEN, Gateway};
use crate::versions::{self, Release};
use agentgw::relay::{Relay, TokenSource};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What exec puts in Gemini's environment for a relay.
fn relay_environment(relay: &Relay) -> Vec<(&'static str, String)> {
    vec![
        ("GEMINI_MODEL", MODEL.to_string()),
        ("GOOGLE_GEMINI_BASE_URL", relay.base_url()),
        ("GEMINI_API_KEY", relay.key().to_string()),
        ("GEMINI_API_KEY_AUTH_MECHANISM", "bearer".to_string()),
    ]
}

fn run_through(relay: &Relay, gemini: &Path) -> (AgentHome, Outcome) {
    let home = AgentHome::new();
    write_settings(&home);
    trust_work_folder(&home);
    let outcome = prompt_pong(&home, gemini, &[], &relay_environment(relay));
    (home, outcome)
}

#[test]
fn gemini_through_the_relay_reaches_the_gateway_with_the_fresh_token() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        let gateway = Gateway::start();
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let token: TokenSource = Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(GOOD_TOKEN.to_string())
        });
        let relay = Relay::start(&format!("{}/gemini", gateway.gateway_url()), None, token)
            .expect("relay starts");
        let (home, outcome) = run_through(&relay, &gemini);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_through_relay(&gateway, &outcome, &release, relay.key());
        // One token asked for per forwarded request, none for anything else.
        assert_eq!(
            calls.load(Ordering::SeqCst),
            gateway.requests().len(),
            "{release}"
        );
    }
}

fn assert_through_relay(gateway: &Gateway, outcome: &Outcome, release: &Release, key: &str) {
    let context = || {
        format!(
            "{release}: {outcome}\n--- requests ---\n{}",
            gateway.request_summary()
        )
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    let stream = format!("/ai-gateway/gemini/v1beta/models/{MODEL}:streamGenerateContent");
    assert!(
        !gateway.requests_to("POST", &stream).is_empty(),
        "no request to {stream}: {}",
        context()
    );
    for request in gateway.requests() {
        assert!(
            request.route().starts_with("/ai-gateway/gemini/"),
            "{}",
            context()
        );
        assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{}", context());
        assert_eq!(request.header("x-goog-api-key"), None, "{}", context());
        let headers = format!("{:?}", request.headers);
        assert!(!headers.contains(key), "relay key forwarded: {}", context());
    }
}

/// When the token cannot be had (refresh token revoked), Gemini shows the relay's message, which
/// names the command that fixes it, and stops.
#[test]
fn gemini_shows_the_relays_sign_in_again_message() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    const SIGN_IN: &str = "sign in again: agentgw login --profile work";
    for (release, gemini) in releases {
        let gateway = Gateway::start();
        let failing: TokenSource = Arc::new(|| Err(anyhow::anyhow!("{SIGN_IN}")));
        let relay = Relay::start(&format!("{}/gemini", gateway.gateway_url()), None, failing)
            .expect("relay starts");
        let (home, outcome) = run_through(&relay, &gemini);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        let context = format!("{release}: {outcome}");
        assert!(!outcome.succeeded(), "{context}");
        let shown = format!("{}{}", outcome.stdout, outcome.stderr);
        assert!(shown.contains(SIGN_IN), "{context}");
        assert!(gateway.requests().is_empty(), "{context}");
    }
}
