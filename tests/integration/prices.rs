//! The workspace's price list (agentgw::prices) read from the stand-in: every page followed, the
//! names usage records matched to the catalog's.

use crate::support::{GOOD_TOKEN, Gateway};
use agentgw::gateway::Http;
use agentgw::prices::Catalog;

#[test]
fn every_page_of_the_price_list_is_read_and_matched_to_usage_names() {
    let gateway = Gateway::start();
    let http = Http::new(None).unwrap();
    let catalog = Catalog::fetch(&http, &gateway.url, GOOD_TOKEN).unwrap();
    let asked: Vec<String> = gateway
        .take_requests()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(
        asked,
        [
            "/api/ai-gateway/v2/external-provider-models?page_size=1000",
            "/api/ai-gateway/v2/external-provider-models?page_size=1000&page_token=2",
            "/api/ai-gateway/v2/external-provider-models?page_size=1000&page_token=4",
        ]
    );
    // The last page's model, under the name agents send; rates given as strings on page two.
    let gemini = catalog
        .estimate("system.ai.gemini-2-5-flash", 1_000_000, 0, 0)
        .unwrap();
    assert!((gemini - 0.3).abs() < 1e-9, "{gemini}");
    let gpt = catalog
        .estimate("databricks-gpt-5-2", 0, 1_000_000, 0)
        .unwrap();
    assert!((gpt - 10.0).abs() < 1e-9, "{gpt}");
    // The list price, not the regional one listed after it.
    let sonnet = catalog
        .estimate("system.ai.claude-sonnet-4-6", 1_000_000, 0, 0)
        .unwrap();
    assert!((sonnet - 3.0).abs() < 1e-9, "{sonnet}");
    assert_eq!(
        catalog.estimate("databricks-llama-4-maverick", 1, 1, 0),
        None
    );
}

#[test]
fn a_refused_price_list_is_a_classified_error() {
    let gateway = Gateway::start();
    let http = Http::new(None).unwrap();
    let error = Catalog::fetch(&http, &gateway.url, "dapi-not-a-token").unwrap_err();
    assert_eq!(error.failure.kind(), "invalid_token");
}
