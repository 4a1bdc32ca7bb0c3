//! The workspace's SQL warehouses (`GET <host>/api/2.0/sql/warehouses`, one of them by
//! `GET .../warehouses/{id}`) and which of them a query should run on when the user named none.
//!
//! The ranking trades waiting for cost: a running warehouse answers now; a starting one soon; a
//! stopped one starts on the first statement — a serverless one in seconds, a classic or pro one
//! in minutes. A warehouse that is stopping, being deleted or deleted is never chosen.

use crate::gateway::{Http, RequestError};
use serde::Deserialize;

/// How many pages of the listing are read at most: a workspace with more warehouses than this
/// many pages hold has running ones on the first pages anyway, and a server that kept handing
/// out page tokens must not keep agentgw asking forever.
const MAX_PAGES: usize = 20;

/// A warehouse's `state`, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Starting,
    Stopped,
    Stopping,
    Deleting,
    Deleted,
    /// Missing, or a state this build does not know: never chosen.
    Unknown,
}

impl State {
    fn parse(text: Option<&str>) -> State {
        match text.map(str::to_ascii_uppercase).as_deref() {
            Some("RUNNING") => State::Running,
            Some("STARTING") => State::Starting,
            Some("STOPPED") => State::Stopped,
            Some("STOPPING") => State::Stopping,
            Some("DELETING") => State::Deleting,
            Some("DELETED") => State::Deleted,
            _ => State::Unknown,
        }
    }

    /// In lower case, for messages: `running`, `stopped`, ...
    pub fn word(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Starting => "starting",
            State::Stopped => "stopped",
            State::Stopping => "stopping",
            State::Deleting => "being deleted",
            State::Deleted => "deleted",
            State::Unknown => "in an unknown state",
        }
    }

    /// Whether a warehouse in this state is gone (or going) for good.
    pub fn is_gone(self) -> bool {
        matches!(self, State::Deleting | State::Deleted)
    }
}

/// One SQL warehouse as the workspace lists it (only what agentgw reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlWarehouse {
    pub id: String,
    /// The name shown in the workspace; the id when the answer has none.
    pub name: String,
    pub state: State,
    /// `enable_serverless_compute`: it starts in seconds, not minutes.
    pub serverless: bool,
    /// `warehouse_type`: `CLASSIC` or `PRO` (serverless ones are `PRO`); `None` when not given.
    pub warehouse_type: Option<String>,
}

impl SqlWarehouse {
    /// `serverless`, `pro` or `classic`: what decides how long it takes to start.
    pub fn kind(&self) -> &'static str {
        if self.serverless {
            return "serverless";
        }
        match self.warehouse_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("PRO") => "pro",
            _ => "classic",
        }
    }
}

/// The fields of one entry; every one may be missing (an entry without an id is skipped).
#[derive(Deserialize)]
struct Entry {
    id: Option<String>,
    name: Option<String>,
    state: Option<String>,
    enable_serverless_compute: Option<bool>,
    warehouse_type: Option<String>,
}

impl Entry {
    /// The warehouse, unless its id is not one agentgw can use: ids go into URLs and JSON
    /// bodies, and the API's are letters and digits. Control characters are dropped from the
    /// name, which is printed.
    fn into_warehouse(self) -> Option<SqlWarehouse> {
        let id = self.id?;
        crate::otel::tables::validate_warehouse_id(&id, "").ok()?;
        let name: String = (self.name.unwrap_or_default().chars())
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        Some(SqlWarehouse {
            name: if name.trim().is_empty() {
                id.clone()
            } else {
                name
            },
            id,
            state: State::parse(self.state.as_deref()),
            serverless: self.enable_serverless_compute.unwrap_or(false),
            warehouse_type: self.warehouse_type,
        })
    }
}

/// The warehouses of one listing page (`{"warehouses": [...]}`); entries that are not objects
/// or have no usable id are skipped, a missing list is an empty one.
pub fn parse_list(answer: &serde_json::Value) -> Vec<SqlWarehouse> {
    answer["warehouses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| Entry::deserialize(entry).ok()?.into_warehouse())
        .collect()
}

/// One warehouse as `GET .../warehouses/{id}` answers it (the same fields as a listing entry).
pub fn parse_one(answer: &serde_json::Value) -> Option<SqlWarehouse> {
    Entry::deserialize(answer).ok()?.into_warehouse()
}

/// Every warehouse the token's user may see, following `next_page_token` (at most
/// [`MAX_PAGES`] pages, all of them within one request's timeout).
pub fn list(http: &Http, host: &str, token: &str) -> Result<Vec<SqlWarehouse>, RequestError> {
    let http = http.until(std::time::Instant::now() + http.timeout());
    let mut warehouses = Vec::new();
    let mut url = format!("{host}/api/2.0/sql/warehouses");
    for _ in 0..MAX_PAGES {
        let answer = http.get_json(&url, token)?;
        warehouses.extend(parse_list(&answer));
        match answer["next_page_token"].as_str() {
            Some(next) if !next.is_empty() => {
                url = format!(
                    "{host}/api/2.0/sql/warehouses?page_token={}",
                    crate::urls::encode_component(next)
                );
            }
            _ => break,
        }
    }
    Ok(warehouses)
}

/// One warehouse by id; `Ok(None)` when the workspace says there is no such warehouse.
pub fn get(
    http: &Http,
    host: &str,
    token: &str,
    id: &str,
) -> Result<Option<SqlWarehouse>, RequestError> {
    let url = format!(
        "{host}/api/2.0/sql/warehouses/{}",
        crate::urls::encode_component(id)
    );
    match http.get_json(&url, token) {
        Ok(answer) => Ok(parse_one(&answer)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The warehouses a query may run on, best first: running (serverless before others), then
/// starting, then stopped (serverless before others). Within a rank the workspace's order is
/// kept. Stopping, deleting, deleted and unknown ones are left out.
pub fn rank(warehouses: &[SqlWarehouse]) -> Vec<&SqlWarehouse> {
    let tier = |w: &SqlWarehouse| match w.state {
        State::Running => Some(0),
        State::Starting => Some(1),
        State::Stopped => Some(2),
        State::Stopping | State::Deleting | State::Deleted | State::Unknown => None,
    };
    let mut usable: Vec<(u8, &SqlWarehouse)> = warehouses
        .iter()
        .filter_map(|w| Some((tier(w)?, w)))
        .collect();
    // Stable: equal keys keep the listing's order.
    usable.sort_by_key(|(tier, w)| (*tier, !w.serverless));
    usable.into_iter().map(|(_, w)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn warehouse(id: &str, state: State, serverless: bool) -> SqlWarehouse {
        SqlWarehouse {
            id: id.into(),
            name: id.into(),
            state,
            serverless,
            warehouse_type: Some(if serverless { "PRO" } else { "CLASSIC" }.into()),
        }
    }

    fn ranked(warehouses: &[SqlWarehouse]) -> Vec<&str> {
        rank(warehouses).iter().map(|w| w.id.as_str()).collect()
    }

    #[test]
    fn running_first_then_starting_then_stopped_serverless_first_within_each() {
        let all = [
            warehouse("stopped-classic", State::Stopped, false),
            warehouse("stopped-serverless", State::Stopped, true),
            warehouse("starting-classic", State::Starting, false),
            warehouse("running-classic", State::Running, false),
            warehouse("running-serverless", State::Running, true),
        ];
        assert_eq!(
            ranked(&all),
            [
                "running-serverless",
                "running-classic",
                "starting-classic",
                "stopped-serverless",
                "stopped-classic",
            ]
        );
    }

    #[test]
    fn stopping_deleting_deleted_and_unknown_are_never_chosen() {
        let all = [
            warehouse("stopping", State::Stopping, true),
            warehouse("deleting", State::Deleting, true),
            warehouse("deleted", State::Deleted, true),
            warehouse("unknown", State::Unknown, true),
        ];
        assert!(ranked(&all).is_empty());
        let with_one = [all[0].clone(), warehouse("stopped", State::Stopped, false)];
        assert_eq!(ranked(&with_one), ["stopped"]);
    }

    #[test]
    fn equals_keep_the_workspace_order() {
        let all = [
            warehouse("b", State::Running, false),
            warehouse("a", State::Running, false),
            warehouse("c", State::Running, false),
        ];
        assert_eq!(ranked(&all), ["b", "a", "c"]);
    }

    #[test]
    fn a_listing_with_missing_fields_still_parses() {
        let answer = json!({"warehouses": [
            {"id": "abc", "name": "Serverless Starter Warehouse", "state": "RUNNING",
             "enable_serverless_compute": true, "warehouse_type": "PRO", "cluster_size": "2X-Small"},
            {"id": "def"},
            {"name": "no id"},
            {"id": ""},
            {"id": "../x", "state": "RUNNING"},
            "not an object",
            {"id": "ghi", "state": "running", "enable_serverless_compute": null},
            {"id": "jkl", "name": "a\u{1b}[2Jb", "state": "HIBERNATING", "warehouse_type": "CLASSIC"},
        ]});
        let parsed = parse_list(&answer);
        assert_eq!(
            parsed,
            [
                SqlWarehouse {
                    id: "abc".into(),
                    name: "Serverless Starter Warehouse".into(),
                    state: State::Running,
                    serverless: true,
                    warehouse_type: Some("PRO".into()),
                },
                SqlWarehouse {
                    id: "def".into(),
                    name: "def".into(),
                    state: State::Unknown,
                    serverless: false,
                    warehouse_type: None,
                },
                SqlWarehouse {
                    id: "ghi".into(),
                    name: "ghi".into(),
                    state: State::Running,
                    serverless: false,
                    warehouse_type: None,
                },
                SqlWarehouse {
                    id: "jkl".into(),
                    name: "a[2Jb".into(),
                    state: State::Unknown,
                    serverless: false,
                    warehouse_type: Some("CLASSIC".into()),
                },
            ]
        );
        assert!(parse_list(&json!({})).is_empty(), "no warehouses at all");
        assert!(parse_list(&json!({"warehouses": null})).is_empty());
    }

    #[test]
    fn the_kind_decides_how_long_a_start_takes() {
        let mut w = warehouse("x", State::Stopped, true);
        assert_eq!(w.kind(), "serverless");
        w.serverless = false;
        assert_eq!(w.kind(), "pro");
        w.warehouse_type = Some("CLASSIC".into());
        assert_eq!(w.kind(), "classic");
        w.warehouse_type = None;
        assert_eq!(w.kind(), "classic");
    }
}
