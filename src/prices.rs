//! The workspace's list prices per model (`GET /api/ai-gateway/v2/external-provider-models`:
//! `models[].{model_name, base_pricing.{input,output,cache_read}_per_million_tokens}`, USD), to
//! estimate what the gateway's recorded tokens cost. No API returns per-request dollars, so a
//! cost shown anywhere is an estimate, and a model without a price has no cost rather than $0.

use crate::gateway::{Http, RequestError};
use std::collections::HashMap;

const PATH: &str = "/api/ai-gateway/v2/external-provider-models";
const PAGE_SIZE: usize = 1000;
/// A listing that keeps handing out new page tokens is cut here: prices are a nicety.
const MAX_PAGES: usize = 20;
const MILLION: f64 = 1_000_000.0;

/// USD per million tokens; `None` where the catalog gives no rate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Price {
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_read: Option<f64>,
}

/// The prices of the models the workspace lists, found by [`price_key`] so that the names usage
/// records (`system.ai.claude-sonnet-4-6`, `databricks-gpt-5-2`) meet the catalog's
/// (`claude-sonnet-4.6`, `us.anthropic.claude-sonnet-4-6`, `gpt-5.2`).
#[derive(Debug, Default)]
pub struct Catalog {
    prices: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    price: Price,
    /// When several catalog names share a key, the one with an input rate and without a
    /// regional prefix is the list price (regional endpoints cost more).
    rank: (bool, bool),
}

impl Catalog {
    /// Every page of the workspace's listing.
    pub fn fetch(http: &Http, host: &str, token: &str) -> Result<Catalog, RequestError> {
        let mut catalog = Catalog::default();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!("{host}{PATH}?page_size={PAGE_SIZE}");
            if let Some(page) = &page_token {
                url.push_str("&page_token=");
                url.push_str(&crate::urls::encode_component(page));
            }
            let page = http.get_json(&url, token)?;
            catalog.add_page(&page);
            match page["next_page_token"].as_str() {
                Some(next) if !next.is_empty() && page_token.as_deref() != Some(next) => {
                    page_token = Some(next.to_string());
                }
                _ => break,
            }
        }
        Ok(catalog)
    }

    /// Adds one page of the listing (entries without a name are skipped).
    pub fn add_page(&mut self, page: &serde_json::Value) {
        for model in page["models"].as_array().into_iter().flatten() {
            let Some(name) = model["model_name"].as_str() else {
                continue;
            };
            let key = price_key(name);
            if key.is_empty() {
                continue;
            }
            let pricing = &model["base_pricing"];
            let price = Price {
                input: rate(&pricing["input_per_million_tokens"]),
                output: rate(&pricing["output_per_million_tokens"]),
                cache_read: rate(&pricing["cache_read_per_million_tokens"]),
            };
            let rank = (price.input.is_some(), !has_regional_prefix(name));
            let better = self.prices.get(&key).is_none_or(|old| rank > old.rank);
            if better {
                self.prices.insert(key, Entry { price, rank });
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// The price of `model`, under any of its spellings.
    pub fn price(&self, model: &str) -> Option<Price> {
        self.prices.get(&price_key(model)).map(|e| e.price)
    }

    /// What `input` tokens (of which `cached` were read from the prompt cache, billed at the
    /// cache-read rate) and `output` tokens of `model` cost, in USD. `None` when the model has no
    /// input rate, or has output tokens but no output rate: a partial sum would understate it.
    pub fn estimate(&self, model: &str, input: u64, output: u64, cached: u64) -> Option<f64> {
        let price = self.price(model)?;
        let input_rate = price.input?;
        let output_cost = match (output, price.output) {
            (0, _) => 0.0,
            (_, Some(rate)) => output as f64 * rate,
            (_, None) => return None,
        };
        // Cache reads are taken to be among the input tokens, as the gateway vendor's own tool
        // prices them; more cached than input (a provider counting them apart) is all cached.
        let cached = cached.min(input);
        let cache_rate = price.cache_read.unwrap_or(input_rate);
        let input_cost = (input - cached) as f64 * input_rate + cached as f64 * cache_rate;
        Some((input_cost + output_cost) / MILLION)
    }
}

/// A rate as the catalog gives it (a number, or a number in a string); negative or unreadable
/// rates count as unknown.
fn rate(value: &serde_json::Value) -> Option<f64> {
    let number = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (number.is_finite() && number >= 0.0).then_some(number)
}

/// Region and provider prefixes catalog names carry (`eu/gpt-5.2`, `us.anthropic.claude-…`),
/// and the names agents send (`system.ai.…`, `databricks-…`).
const DOTTED_PREFIXES: [&str; 8] = [
    "system.ai.",
    "global.",
    "us.",
    "eu.",
    "apac.",
    "au.",
    "anthropic.",
    "databricks-",
];

fn has_regional_prefix(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    name.contains('/')
        || ["global.", "us.", "eu.", "apac.", "au."]
            .iter()
            .any(|p| name.starts_with(p))
}

/// The name reduced to what identifies the model: lower case, without region/provider prefixes,
/// a version or date suffix, and separators. `us.anthropic.claude-sonnet-4-6-20260101-v1:0`,
/// `claude-sonnet-4.6` and `system.ai.claude-sonnet-4-6` all become `claudesonnet46`.
pub fn price_key(name: &str) -> String {
    let mut name = name.trim().to_ascii_lowercase();
    // `eu/…`, `ap-northeast-1/…`: a region path.
    if let Some((_, model)) = name.rsplit_once('/') {
        name = model.to_string();
    }
    while let Some(rest) = DOTTED_PREFIXES.iter().find_map(|p| name.strip_prefix(p)) {
        name = rest.to_string();
    }
    if let Some((model, _)) = name.split_once('@') {
        name = model.to_string();
    }
    name = strip_bedrock_version(&name).to_string();
    name = strip_date(&name).to_string();
    name.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// `…-v1:0` or `…-v2` (Bedrock's model versions).
fn strip_bedrock_version(name: &str) -> &str {
    let Some((model, version)) = name.rsplit_once("-v") else {
        return name;
    };
    let (major, minor) = version.split_once(':').unwrap_or((version, "0"));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(major) && digits(minor) {
        model
    } else {
        name
    }
}

/// `…-20251001` (a release date stamp).
fn strip_date(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((model, date))
            if date.len() == 8
                && date.starts_with("20")
                && date.chars().all(|c| c.is_ascii_digit()) =>
        {
            model
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog(models: serde_json::Value) -> Catalog {
        let mut catalog = Catalog::default();
        catalog.add_page(&json!({ "models": models }));
        catalog
    }

    #[test]
    fn every_spelling_of_a_model_finds_its_price() {
        for name in [
            "system.ai.claude-sonnet-4-6",
            "databricks-claude-sonnet-4-6",
            "claude-sonnet-4.6",
            "us.anthropic.claude-sonnet-4-6-20260101-v1:0",
            "eu/claude-sonnet-4-6",
            "Claude-Sonnet-4-6@20260101",
        ] {
            assert_eq!(price_key(name), "claudesonnet46", "{name}");
        }
        assert_eq!(price_key("gpt-5.2"), price_key("databricks-gpt-5-2"));
        assert_ne!(price_key("gpt-5.2"), price_key("gpt-5.2-mini"));
        assert_eq!(price_key("model-v2beta"), "modelv2beta");
    }

    #[test]
    fn the_list_price_wins_over_a_regional_one_in_either_order() {
        let base = json!({"model_name": "claude-opus-4-6", "base_pricing": {"input_per_million_tokens": 5.0}});
        let regional = json!({"model_name": "us.anthropic.claude-opus-4-6", "base_pricing": {"input_per_million_tokens": 5.5}});
        for models in [json!([base, regional]), json!([regional, base])] {
            let price = catalog(models).price("system.ai.claude-opus-4-6").unwrap();
            assert_eq!(price.input, Some(5.0));
        }
        let unpriced = json!({"model_name": "gpt-5.2", "base_pricing": {}});
        let priced_regional = json!({"model_name": "eu/gpt-5.2", "base_pricing": {"input_per_million_tokens": "1.5"}});
        let price = catalog(json!([unpriced, priced_regional]))
            .price("gpt-5-2")
            .unwrap();
        assert_eq!(price.input, Some(1.5), "a price beats none");
    }

    #[test]
    fn cached_input_is_billed_at_the_cache_rate_and_output_at_its_own() {
        let catalog = catalog(json!([{"model_name": "claude-sonnet-4-6", "base_pricing": {
            "input_per_million_tokens": 3.0, "output_per_million_tokens": 15.0,
            "cache_read_per_million_tokens": 0.3}}]));
        let cost = catalog
            .estimate("system.ai.claude-sonnet-4-6", 1_000_000, 100_000, 400_000)
            .unwrap();
        // 600k × $3 + 400k × $0.30 + 100k × $15, per million.
        assert!((cost - (1.8 + 0.12 + 1.5)).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn no_price_means_no_estimate_not_zero() {
        let catalog = catalog(json!([
            {"model_name": "llama-4-maverick", "base_pricing": {}},
            {"model_name": "gpt-5.2", "base_pricing": {"input_per_million_tokens": 1.25}},
        ]));
        assert_eq!(
            catalog.estimate("databricks-llama-4-maverick", 10, 10, 0),
            None
        );
        assert_eq!(catalog.estimate("unknown-model", 10, 0, 0), None);
        assert_eq!(
            catalog.estimate("gpt-5-2", 10, 5, 0),
            None,
            "output tokens without an output rate"
        );
        assert_eq!(catalog.estimate("gpt-5-2", 2_000_000, 0, 0), Some(2.5));
        assert_eq!(
            catalog.estimate("gpt-5-2", 1_000_000, 0, 0),
            Some(1.25),
            "no cache rate: cached input at the input rate"
        );
    }
}
