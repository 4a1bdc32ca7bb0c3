//! The workspace's Lakeview API (AI/BI dashboards): create a draft dashboard
//! (`POST /api/2.0/lakeview/dashboards`), read it back (`GET .../{id}`: 404 once deleted,
//! `lifecycle_state: "TRASHED"` while in the trash), update it (`PATCH .../{id}`) and publish it
//! (`POST .../{id}/published`). Failures name what to ask for.
//!
//! No `parent_path` is sent: the API then puts a new dashboard in the user's home folder.

use crate::errors::{Classified, Kind};
use crate::gateway::{Failure, Http, RequestError};
use anyhow::Result;
use serde_json::json;

const API: &str = "/api/2.0/lakeview/dashboards";

/// One workspace's Lakeview API, used with one token.
pub struct Lakeview<'a> {
    pub http: &'a Http,
    /// Workspace URL without a trailing slash.
    pub host: &'a str,
    pub token: &'a str,
    /// For the commands the messages suggest.
    pub profile: &'a str,
}

/// What a draft holds: the fields agentgw sets on create and on every update.
pub struct Draft<'a> {
    pub display_name: &'a str,
    pub warehouse_id: &'a str,
    /// The dashboard (see `document`) as a JSON string, as the API takes it.
    pub serialized_dashboard: String,
}

/// What became of a dashboard made before.
#[derive(Debug, PartialEq, Eq)]
pub enum Existing {
    /// There, and not in the trash; `etag` guards the update against a concurrent edit.
    Active { etag: Option<String> },
    /// Moved to the trash (restorable there for a while, but not what people look at).
    Trashed,
    /// Deleted for good.
    Deleted,
}

/// What agentgw was doing when the API refused, for the message.
#[derive(Clone, Copy)]
enum Action {
    Create,
    Read,
    Update,
    Publish,
}

impl Lakeview<'_> {
    /// Creates the draft; returns the new dashboard's id.
    pub fn create(&self, draft: &Draft) -> Result<String> {
        let body = json!({
            "display_name": draft.display_name,
            "warehouse_id": draft.warehouse_id,
            "serialized_dashboard": draft.serialized_dashboard,
        });
        let url = format!("{}{API}", self.host);
        let answer = self
            .http
            .post_json(&url, self.token, &body)
            .map_err(|e| self.refused(e, Action::Create, None))?;
        match answer["dashboard_id"].as_str() {
            Some(id) if valid_id(id) => Ok(id.to_string()),
            _ => Err(Classified::explained(
                Kind::Request(Failure::BadResponse.kind()),
                format!(
                    "{url} answered without a usable dashboard_id\nCheck that {} is your Databricks workspace: agentgw profiles",
                    self.host
                ),
            )
            .into()),
        }
    }

    /// Whether dashboard `id` is still there, in the trash, or gone.
    pub fn find(&self, id: &str) -> Result<Existing> {
        let url = format!("{}{API}/{id}", self.host);
        match self.http.get_json(&url, self.token) {
            Ok(answer) if answer["lifecycle_state"] == "TRASHED" => Ok(Existing::Trashed),
            Ok(answer) => Ok(Existing::Active {
                etag: answer["etag"].as_str().map(str::to_string),
            }),
            // (Were the whole API missing, the create that follows says so.)
            Err(e) if e.failure == Failure::NotFound => Ok(Existing::Deleted),
            Err(e) => Err(self.refused(e, Action::Read, Some(id))),
        }
    }

    /// Replaces the draft's name, warehouse and contents.
    pub fn update(&self, id: &str, draft: &Draft, etag: Option<&str>) -> Result<()> {
        let mut body = json!({
            "display_name": draft.display_name,
            "warehouse_id": draft.warehouse_id,
            "serialized_dashboard": draft.serialized_dashboard,
        });
        if let Some(etag) = etag {
            body["etag"] = etag.into();
        }
        let url = format!("{}{API}/{id}", self.host);
        self.http
            .patch_json(&url, self.token, &body)
            .map(drop)
            .map_err(|e| self.refused(e, Action::Update, Some(id)))
    }

    /// Publishes the draft on `warehouse_id`, with the publisher's credentials embedded: viewers
    /// see the numbers without needing SELECT on the tables themselves.
    pub fn publish(&self, id: &str, warehouse_id: &str) -> Result<()> {
        let body = json!({"embed_credentials": true, "warehouse_id": warehouse_id});
        let url = format!("{}{API}/{id}/published", self.host);
        self.http
            .post_json(&url, self.token, &body)
            .map(drop)
            .map_err(|e| self.refused(e, Action::Publish, Some(id)))
    }

    /// The API's refusal explained: a 403 as the permission to ask for, a 404 on create as
    /// Lakeview missing from the workspace, anything else as the gateway module explains it.
    fn refused(&self, e: RequestError, action: Action, id: Option<&str>) -> anyhow::Error {
        let (status, detail) = e.said();
        let said = format!("{status}{detail}");
        let host = self.host;
        let dashboard = id.map(|id| dashboard_url(host, id)).unwrap_or_default();
        let text = match (&e.failure, action) {
            (Failure::Forbidden, Action::Create) => format!(
                "you may not create dashboards in {host} ({said})\n\
                 Ask a workspace admin for the Databricks SQL access entitlement, which AI/BI dashboards need, then run: agentgw dashboard create"
            ),
            (Failure::Forbidden, Action::Read | Action::Update) => format!(
                "you may not edit the dashboard agentgw made before ({said})\n\
                 Ask its owner for CAN EDIT on {dashboard} (Share in the dashboard), then run: agentgw dashboard create"
            ),
            (Failure::Forbidden, Action::Publish) => format!(
                "you may not publish the dashboard ({said})\n\
                 Publishing needs CAN MANAGE on {dashboard}: ask its owner (Share in the dashboard), then run: agentgw dashboard create --publish"
            ),
            (Failure::NotFound, Action::Create) => format!(
                "AI/BI dashboards (the Lakeview API) are not available in {host} ({said})\n\
                 Ask a workspace admin to enable AI/BI dashboards; meanwhile `agentgw dashboard create --dry-run > usage.lvdash.json` writes the dashboard to import by hand (Dashboards > Create > Import)."
            ),
            _ => e.explain(self.profile),
        };
        Classified::explained(Kind::Request(e.failure.kind()), text).into()
    }
}

/// Where the dashboard's draft opens in the workspace.
pub fn dashboard_url(host: &str, id: &str) -> String {
    format!("{}/dashboardsv3/{id}", host.trim_end_matches('/'))
}

/// Where its published version opens.
pub fn published_url(host: &str, id: &str) -> String {
    format!("{}/published", dashboard_url(host, id))
}

/// Dashboard ids are hex UUIDs; anything else (a hand-edited config) must not reach a URL path.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_the_draft_and_the_published_dashboard() {
        assert_eq!(
            dashboard_url("https://ws.example.com/", "01ef"),
            "https://ws.example.com/dashboardsv3/01ef"
        );
        assert_eq!(
            published_url("https://ws.example.com", "01ef"),
            "https://ws.example.com/dashboardsv3/01ef/published"
        );
    }

    #[test]
    fn ids_that_could_change_the_path_are_refused() {
        assert!(valid_id("01ef0123456789abcdef0123456789ab"));
        for bad in ["", "../../api", "a/b", "a?b", "a b", &"a".repeat(65)] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
