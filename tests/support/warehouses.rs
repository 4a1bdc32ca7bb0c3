//! The stand-in's SQL warehouses as the workspace lists them: `GET /api/2.0/sql/warehouses`
//! (paged through `next_page_token` when a test sets a page size) and `GET .../{id}`, per the
//! [`Listing`] in the test's [`super::sql::Warehouse`]. Only [`super::sql::WAREHOUSE_ID`] runs
//! statements; [`super::sql::STOPPED_WAREHOUSE_ID`] refuses them (stopped, not start-able).

use super::routes::Answer;
use super::sql::{STOPPED_WAREHOUSE_ID, WAREHOUSE_ID};
use serde_json::json;

/// What the workspace lists; set per test.
#[derive(Clone, Debug)]
pub struct Listing {
    pub warehouses: Vec<Listed>,
    /// The listing answers 403 PERMISSION_DENIED (looking one up by id still answers).
    pub forbidden: bool,
    /// Looking one up by id answers 403 PERMISSION_DENIED (the listing still answers).
    pub lookup_forbidden: bool,
    /// Entries per page; the rest go out behind `next_page_token`.
    pub page_size: usize,
}

/// One warehouse of the listing.
#[derive(Clone, Debug)]
pub struct Listed {
    pub id: String,
    pub name: String,
    /// `RUNNING`, `STOPPED`, `DELETED`, ...
    pub state: &'static str,
    pub serverless: bool,
}

impl Listed {
    /// [`WAREHOUSE_ID`], running and serverless: the one statements run on.
    pub fn running_serverless() -> Listed {
        Listed {
            id: WAREHOUSE_ID.into(),
            name: "Serverless Starter Warehouse".into(),
            state: "RUNNING",
            serverless: true,
        }
    }

    /// [`STOPPED_WAREHOUSE_ID`], a stopped classic one the test user may not start.
    pub fn stopped_classic() -> Listed {
        Listed {
            id: STOPPED_WAREHOUSE_ID.into(),
            name: "Shared Classic".into(),
            state: "STOPPED",
            serverless: false,
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "enable_serverless_compute": self.serverless,
            "warehouse_type": if self.serverless { "PRO" } else { "CLASSIC" },
            "cluster_size": "2X-Small",
            "auto_stop_mins": 10,
            "odbc_params": {"hostname": "127.0.0.1", "path": format!("/sql/1.0/warehouses/{}", self.id), "port": 443, "protocol": "https"},
        })
    }
}

impl Listing {
    /// These warehouses, in this order, on one page.
    pub fn of(warehouses: Vec<Listed>) -> Listing {
        Listing {
            warehouses,
            forbidden: false,
            lookup_forbidden: false,
            page_size: usize::MAX,
        }
    }

    /// A listing the test user may not read.
    pub fn forbidden() -> Listing {
        Listing {
            forbidden: true,
            ..Listing::default()
        }
    }
}

impl Default for Listing {
    /// The stopped classic warehouse listed before the running serverless one, so that taking
    /// the first one listed would be the wrong choice.
    fn default() -> Listing {
        Listing::of(vec![
            Listed::stopped_classic(),
            Listed::running_serverless(),
        ])
    }
}

/// Answers a request under `/api/2.0/sql/warehouses` (token already checked). `target` is the
/// path with its query.
pub fn answer(method: &str, target: &str, listing: &Listing) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let rest = path.trim_start_matches("/api/2.0/sql/warehouses");
    match (method, rest.trim_matches('/')) {
        ("GET", "") if listing.forbidden => Answer::json(
            403,
            json!({"error_code": "PERMISSION_DENIED", "message": "User is not authorized to list SQL warehouses."}),
        ),
        ("GET", "") => page(listing, query),
        ("GET", _) if listing.lookup_forbidden => Answer::json(
            403,
            json!({"error_code": "PERMISSION_DENIED", "message": "User does not have CAN VIEW on this SQL warehouse."}),
        ),
        ("GET", id) => match listing.warehouses.iter().find(|w| w.id == id) {
            Some(found) => Answer::json(200, found.json()),
            None => Answer::json(
                404,
                json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": format!("SQL warehouse {id} does not exist.")}),
            ),
        },
        _ => Answer::not_found(path),
    }
}

/// The page `page_token` asks for (tokens are `page-<n>`), with the next page's token.
fn page(listing: &Listing, query: &str) -> Answer {
    let index: usize = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page_token=page-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let size = listing.page_size.max(1);
    let all = &listing.warehouses;
    let start = index.saturating_mul(size).min(all.len());
    let end = start.saturating_add(size).min(all.len());
    let listed: Vec<_> = all[start..end].iter().map(Listed::json).collect();
    // Like the real API, an empty list is left out of the answer altogether.
    let mut body = match listed.is_empty() {
        true => json!({}),
        false => json!({ "warehouses": listed }),
    };
    if end < all.len() {
        body["next_page_token"] = json!(format!("page-{}", index + 1));
    }
    Answer::json(200, body)
}
