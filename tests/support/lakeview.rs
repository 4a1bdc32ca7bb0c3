//! The stand-in's Lakeview API (AI/BI dashboards): create (`POST /api/2.0/lakeview/dashboards`),
//! get, update (`PATCH`), trash (`DELETE`) and publish (`POST .../{id}/published`), over a map of
//! dashboards. Tests delete or trash a dashboard behind agentgw's back, or turn the whole API
//! off, through [`Lakeview`]; the request log (with bodies) says what agentgw sent.

use super::USER_NAME;
use super::routes::Answer;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const API: &str = "/api/2.0/lakeview/dashboards";

/// One dashboard as the workspace keeps it.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub display_name: String,
    pub warehouse_id: String,
    pub serialized_dashboard: String,
    /// `ACTIVE` or `TRASHED`.
    pub lifecycle_state: String,
    /// Bumped by every update.
    pub etag: u64,
    /// The last publish request's body, once published.
    pub published: Option<Value>,
}

#[derive(Default)]
pub struct State {
    pub dashboards: BTreeMap<String, Dashboard>,
    next: u64,
    /// The workspace has no Lakeview API: every route answers 404 ENDPOINT_NOT_FOUND.
    pub unavailable: bool,
    /// Publishing answers 403: the user may edit but not manage the dashboard.
    pub publish_forbidden: bool,
}

/// A test's handle on the stand-in's dashboards.
#[derive(Clone, Default)]
pub struct Lakeview(pub Arc<Mutex<State>>);

impl Lakeview {
    /// The dashboards the workspace holds (trashed ones too), by id.
    pub fn dashboards(&self) -> BTreeMap<String, Dashboard> {
        self.0.lock().unwrap().dashboards.clone()
    }

    /// Deletes dashboard `id` for good, as a user can in the workspace.
    pub fn delete(&self, id: &str) {
        self.0.lock().unwrap().dashboards.remove(id);
    }

    /// Moves dashboard `id` to the trash.
    pub fn trash(&self, id: &str) {
        if let Some(d) = self.0.lock().unwrap().dashboards.get_mut(id) {
            d.lifecycle_state = "TRASHED".into();
        }
    }

    /// Refuses every publish (403), as for a user with CAN EDIT but not CAN MANAGE.
    pub fn refuse_publishing(&self) {
        self.0.lock().unwrap().publish_forbidden = true;
    }

    /// Turns the API off: a workspace without AI/BI dashboards.
    pub fn make_unavailable(&self) {
        self.0.lock().unwrap().unavailable = true;
    }
}

fn error(status: u16, code: &str, message: String) -> Answer {
    Answer::json(status, json!({"error_code": code, "message": message}))
}

impl State {
    /// Answers a request under `/api/2.0/lakeview/dashboards` (token already checked).
    pub fn answer(&mut self, method: &str, path: &str, body: &Value) -> Answer {
        if self.unavailable {
            return Answer::not_found(path);
        }
        let rest = path.strip_prefix(API).unwrap_or_default();
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        match (method, parts.as_slice()) {
            ("POST", []) => self.create(body),
            ("GET", [id]) => self.with(id, |d| Answer::json(200, view(id, d))),
            ("PATCH", [id]) => self.with(id, |d| update(id, d, body)),
            ("DELETE", [id]) => self.with(id, |d| {
                d.lifecycle_state = "TRASHED".into();
                Answer::json(200, json!({}))
            }),
            ("POST", [_, "published"]) if self.publish_forbidden => error(
                403,
                "PERMISSION_DENIED",
                "User does not have Can Manage permission on this dashboard.".into(),
            ),
            ("POST", [id, "published"]) => self.with(id, |d| publish(d, body)),
            _ => Answer::not_found(path),
        }
    }

    /// `then` on dashboard `id`, or the API's 404 when there is none.
    fn with(&mut self, id: &str, then: impl FnOnce(&mut Dashboard) -> Answer) -> Answer {
        match self.dashboards.get_mut(id) {
            Some(d) => then(d),
            None => error(
                404,
                "RESOURCE_DOES_NOT_EXIST",
                format!("Unable to find dashboard [{id}]"),
            ),
        }
    }

    fn create(&mut self, body: &Value) -> Answer {
        let Some(name) = body["display_name"].as_str().filter(|n| !n.is_empty()) else {
            return error(
                400,
                "INVALID_PARAMETER_VALUE",
                "display_name is required".into(),
            );
        };
        if let Some(refused) = refuse_contents(body) {
            return refused;
        }
        self.next += 1;
        let id = format!("01ef{:028x}", self.next);
        let dashboard = Dashboard {
            display_name: name.to_string(),
            warehouse_id: body["warehouse_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            serialized_dashboard: body["serialized_dashboard"].as_str().unwrap().to_string(),
            lifecycle_state: "ACTIVE".into(),
            etag: 1,
            published: None,
        };
        let answer = view(&id, &dashboard);
        self.dashboards.insert(id, dashboard);
        Answer::json(200, answer)
    }
}

/// A `serialized_dashboard` the workspace would refuse: missing, or not a JSON document.
fn refuse_contents(body: &Value) -> Option<Answer> {
    let parses = body["serialized_dashboard"]
        .as_str()
        .is_some_and(|text| serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_object()));
    (!parses).then(|| {
        error(
            400,
            "INVALID_PARAMETER_VALUE",
            "failed to parse serialized dashboard".into(),
        )
    })
}

fn update(id: &str, d: &mut Dashboard, body: &Value) -> Answer {
    if d.lifecycle_state == "TRASHED" {
        return error(
            400,
            "INVALID_PARAMETER_VALUE",
            format!("Dashboard [{id}] is trashed"),
        );
    }
    if let Some(etag) = body["etag"].as_str()
        && etag != d.etag.to_string()
    {
        return error(
            409,
            "ABORTED",
            format!("Dashboard [{id}] has been modified (etag {etag} is stale)"),
        );
    }
    if let Some(refused) = refuse_contents(body) {
        return refused;
    }
    if let Some(name) = body["display_name"].as_str() {
        d.display_name = name.to_string();
    }
    if let Some(warehouse) = body["warehouse_id"].as_str() {
        d.warehouse_id = warehouse.to_string();
    }
    d.serialized_dashboard = body["serialized_dashboard"].as_str().unwrap().to_string();
    d.etag += 1;
    Answer::json(200, view(id, d))
}

fn publish(d: &mut Dashboard, body: &Value) -> Answer {
    if d.lifecycle_state == "TRASHED" {
        return error(
            400,
            "INVALID_PARAMETER_VALUE",
            "a trashed dashboard cannot be published".into(),
        );
    }
    d.published = Some(body.clone());
    Answer::json(
        200,
        json!({
            "display_name": d.display_name,
            "warehouse_id": body["warehouse_id"].as_str().unwrap_or(&d.warehouse_id),
            "embed_credentials": body["embed_credentials"].as_bool().unwrap_or(true),
            "revision_create_time": "2026-11-30T12:00:00Z",
        }),
    )
}

/// The dashboard as the API shows it.
fn view(id: &str, d: &Dashboard) -> Value {
    json!({
        "dashboard_id": id,
        "display_name": d.display_name,
        "path": format!("/Users/{USER_NAME}/{}.lvdash.json", d.display_name),
        "create_time": "2026-11-30T12:00:00Z",
        "update_time": "2026-11-30T12:00:00Z",
        "warehouse_id": d.warehouse_id,
        "etag": d.etag.to_string(),
        "serialized_dashboard": d.serialized_dashboard,
        "lifecycle_state": d.lifecycle_state,
    })
}
