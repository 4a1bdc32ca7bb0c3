//! The stand-in's price list: `GET /api/ai-gateway/v2/external-provider-models`, two models per
//! page (so the client must follow `next_page_token`), in the shapes the real catalog uses: bare
//! and regional names, rates as numbers or strings, a model without rates.

use super::routes::Answer;
use serde_json::{Value, json};

const PER_PAGE: usize = 2;

/// The catalog, in USD per million tokens.
pub fn catalog() -> Vec<Value> {
    vec![
        json!({"model_name": "claude-sonnet-4-6", "base_pricing": {"input_per_million_tokens": 3.0,
               "output_per_million_tokens": 15.0, "cache_read_per_million_tokens": 0.3}}),
        json!({"model_name": "us.anthropic.claude-sonnet-4-6", "base_pricing": {"input_per_million_tokens": 3.3,
               "output_per_million_tokens": 16.5, "cache_read_per_million_tokens": 0.33}}),
        json!({"model_name": "claude-opus-4-6", "base_pricing": {"input_per_million_tokens": 5.0,
               "output_per_million_tokens": 25.0, "cache_read_per_million_tokens": 0.5}}),
        json!({"model_name": "gpt-5.2", "base_pricing": {"input_per_million_tokens": "1.25",
               "output_per_million_tokens": "10", "cache_read_per_million_tokens": "0.125"}}),
        json!({"model_name": "gemini-2.5-flash", "base_pricing": {"input_per_million_tokens": 0.3,
               "output_per_million_tokens": 2.5, "cache_read_per_million_tokens": 0.03}}),
        json!({"model_name": "llama-4-maverick", "base_pricing": {}}),
    ]
}

/// One page of [`catalog`]: `page_token` is the index of the page's first model.
pub fn answer(query: &str) -> Answer {
    if !query.contains("page_size=") {
        return Answer::json(
            400,
            json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "page_size is required"}),
        );
    }
    let start: usize = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page_token="))
        .and_then(|token| token.parse().ok())
        .unwrap_or(0);
    let models = catalog();
    let end = (start + PER_PAGE).min(models.len());
    let mut page = json!({ "models": models.get(start..end).unwrap_or_default() });
    if end < models.len() {
        page["next_page_token"] = json!(end.to_string());
    }
    Answer::json(200, page)
}
