//! The stand-in's served models: which names answer, and what the workspace's listings return.
//!
//! Like the Unity AI Gateway, a model has two names: `system.ai.<m>` (a Unity Catalog model
//! service) and the legacy `databricks-<m>`; a request under either answers, and
//! `system.ai.databricks-<m>` is no model at all.

use super::Recorded;
use super::routes::{Answer, Serving};
use serde_json::{Value, json};

/// The model a name stands for (`system.ai.<m>`, `databricks-<m>` → `<m>`).
pub fn base(name: &str) -> &str {
    name.strip_prefix("system.ai.")
        .or_else(|| name.strip_prefix("databricks-"))
        .unwrap_or(name)
}

/// Whether `requested` is one of the `served` models, under either of its names.
pub fn serves(served: &[String], requested: &str) -> bool {
    served.iter().any(|m| base(m) == base(requested))
}

/// `GET /api/2.1/unity-catalog/model-services` for the served list: `{"model_services":
/// [{"name":"model-services/system.ai.<m>", ...}]}`.
pub fn model_services_json(served: &[String]) -> Value {
    let services: Vec<Value> = served
        .iter()
        .map(|m| {
            let full = format!("system.ai.{}", base(m));
            json!({"name": format!("model-services/{full}"), "full_name": full,
                   "catalog_name": "system", "schema_name": "ai"})
        })
        .collect();
    json!({ "model_services": services })
}

/// The listing's answer, one page of `page_size` (required, as on the real service) with a
/// `next_page_token` while more follow. A stand-in that does not list model services (the
/// default) answers with none: the gateway is enabled, and `system.ai` holds nothing for it.
pub fn model_services(request: &Recorded, serving: &Serving) -> Answer {
    let served = match (&serving.models, serving.model_services) {
        (Some(models), true) => models.as_slice(),
        _ => &[],
    };
    let query = |key: &str| {
        let query = request.path.split_once('?').map_or("", |(_, q)| q);
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
    };
    let Some(page_size) = query("page_size").and_then(|n| n.parse::<usize>().ok()) else {
        return Answer::json(
            400,
            json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "page_size is required"}),
        );
    };
    let start: usize = query("page_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (start + page_size.max(1)).min(served.len());
    let mut page = model_services_json(&served[start.min(end)..end]);
    if end < served.len() {
        page["next_page_token"] = json!(end.to_string());
    }
    Answer::json(200, page)
}

/// `GET <gateway>/anthropic/v1/models` for the served list: the Claude ones, as `data[].id`.
pub fn claude_models_json(served: &[String]) -> Value {
    let data: Vec<Value> = served
        .iter()
        .filter(|m| base(m).starts_with("claude-"))
        .map(|m| json!({"type": "model", "id": m, "display_name": base(m)}))
        .collect();
    json!({"data": data, "has_more": false})
}
