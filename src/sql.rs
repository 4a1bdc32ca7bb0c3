//! Databricks SQL through the Statement Execution API: submit a statement to a SQL warehouse
//! (`POST <host>/api/2.0/sql/statements`), poll it while it is PENDING or RUNNING
//! (`GET .../statements/{id}`) until a deadline, then cancel it; read the inline JSON result,
//! following its chunk links. Failures are sorted into the few a user can act on.

use crate::gateway::{Http, RequestError};
use std::time::{Duration, Instant};

/// Longest pause between two polls: a warehouse that is starting takes minutes, a query seconds.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(2);
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How long cancelling a statement may take, past the deadline.
const CANCEL_TIME: Duration = Duration::from_secs(3);
/// A wait longer than this is said on stderr, so a silent terminal does not look hung.
const ANNOUNCE_AFTER: Duration = Duration::from_secs(3);

/// One SQL warehouse, used with one token, until one deadline.
pub struct Warehouse<'a> {
    pub http: &'a Http,
    /// Workspace URL without a trailing slash.
    pub host: &'a str,
    pub token: &'a str,
    pub id: &'a str,
    pub deadline: Instant,
}

/// A value for a named parameter marker (`:name`) of a statement, sent beside the text (the
/// API's `parameters`), so no value is ever pasted into SQL and the text stays as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: &'static str,
    pub value: String,
    /// The SQL type the value is bound as (`INT`, `STRING`).
    pub sql_type: &'static str,
}

/// A statement's result: column names and rows of values as the API gives them (strings or null).
#[derive(Debug, Default)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

#[derive(Debug)]
pub enum SqlError {
    /// The HTTP request itself failed (network, token, ...): the gateway's classification.
    Request(RequestError),
    WarehouseNotFound,
    WarehouseNotRunning(String),
    PermissionDenied(String),
    /// The catalog, schema or table does not exist.
    NameNotFound(String),
    /// The statement does not parse (a bad name, usually).
    BadName(String),
    Failed {
        code: Option<String>,
        message: String,
    },
    /// Someone (or the warehouse) cancelled or closed the statement.
    Canceled(String),
    /// Not finished at the deadline; it was cancelled (`None`: the warehouse had not even
    /// taken the statement).
    Deadline {
        state: String,
        waited: Duration,
        statement_id: Option<String>,
    },
}

/// What a user needs to be allowed, for the permission hint: `CREATE TABLE` or `SELECT`.
pub struct Needs<'a> {
    pub privilege: &'a str,
    /// The schema the privilege is on, as a quoted SQL name.
    pub schema: String,
}

impl Warehouse<'_> {
    /// Runs `statement` and returns its result, or why it failed. Every request ends by the
    /// deadline; a statement the warehouse took is cancelled when it is not finished by then, or
    /// when polling it fails.
    pub fn run(&self, statement: &str) -> Result<ResultSet, SqlError> {
        self.run_with(statement, &[])
    }

    /// [`Warehouse::run`] with values for the statement's `:name` markers.
    pub fn run_with(
        &self,
        statement: &str,
        parameters: &[Parameter],
    ) -> Result<ResultSet, SqlError> {
        let started = Instant::now();
        let http = self.http.until(self.deadline);
        let past_deadline = |state: &str, id: Option<&str>| SqlError::Deadline {
            state: state.to_string(),
            waited: started.elapsed(),
            statement_id: id.map(str::to_string),
        };
        let mut answer = match self.submit(&http, statement, parameters) {
            Err(_) if self.deadline_passed() => return Err(past_deadline("not accepted", None)),
            other => other?,
        };
        let mut interval = FIRST_POLL_INTERVAL;
        let mut announced = false;
        loop {
            let state = answer["status"]["state"].as_str().unwrap_or("UNKNOWN");
            let id = answer["statement_id"].as_str().unwrap_or_default();
            match state {
                "SUCCEEDED" => return self.collect(&http, &answer),
                "FAILED" => return Err(failed(&answer["status"]["error"])),
                "PENDING" | "RUNNING" if !id.is_empty() => {
                    let remaining = self.deadline.saturating_duration_since(Instant::now());
                    if remaining.is_zero() {
                        self.cancel(id);
                        return Err(past_deadline(state, Some(id)));
                    }
                    if !announced && started.elapsed() >= ANNOUNCE_AFTER {
                        announced = true;
                        crate::ui::note(&format!(
                            "waiting for SQL warehouse {} (statement {state}; a stopped warehouse takes a few minutes to start)…",
                            self.id
                        ));
                    }
                    std::thread::sleep(interval.min(remaining));
                    interval = (interval * 2).min(MAX_POLL_INTERVAL);
                    match self.get(&http, &format!("/api/2.0/sql/statements/{id}")) {
                        Ok(next) => answer = next,
                        Err(e) => {
                            self.cancel(id);
                            if self.deadline_passed() {
                                return Err(past_deadline(state, Some(id)));
                            }
                            return Err(e);
                        }
                    }
                }
                other => {
                    let message = answer["status"]["error"]["message"]
                        .as_str()
                        .unwrap_or("no reason given");
                    return Err(SqlError::Canceled(format!("{other}: {message}")));
                }
            }
        }
    }

    fn deadline_passed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    fn submit(
        &self,
        http: &Http,
        statement: &str,
        parameters: &[Parameter],
    ) -> Result<serde_json::Value, SqlError> {
        // Let the server hold the first answer a few seconds (most statements finish by then),
        // unless that would outlast the deadline or the HTTP timeout; "0s" = answer at once.
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let hold = Duration::from_secs(5);
        let wait_timeout = if remaining > hold * 2 && http.timeout() > hold * 2 {
            "5s"
        } else {
            "0s"
        };
        let mut body = serde_json::json!({
            "warehouse_id": self.id,
            "statement": statement,
            "wait_timeout": wait_timeout,
            "on_wait_timeout": "CONTINUE",
            "disposition": "INLINE",
            "format": "JSON_ARRAY",
        });
        if !parameters.is_empty() {
            body["parameters"] = parameters
                .iter()
                .map(|p| serde_json::json!({"name": p.name, "value": p.value, "type": p.sql_type}))
                .collect();
        }
        let url = format!("{}/api/2.0/sql/statements", self.host);
        http.post_json(&url, self.token, &body)
            .map_err(request_failed)
    }

    fn get(&self, http: &Http, path: &str) -> Result<serde_json::Value, SqlError> {
        http.get_json(&format!("{}{path}", self.host), self.token)
            .map_err(request_failed)
    }

    /// Best effort, and quick: a statement left running would keep the warehouse busy for nothing.
    fn cancel(&self, id: &str) {
        let url = format!("{}/api/2.0/sql/statements/{id}/cancel", self.host);
        let http = self.http.until(Instant::now() + CANCEL_TIME);
        let _ = http.post_json(&url, self.token, &serde_json::json!({}));
    }

    /// The rows of a SUCCEEDED answer, with the further chunks it links to.
    fn collect(&self, http: &Http, answer: &serde_json::Value) -> Result<ResultSet, SqlError> {
        let columns = answer["manifest"]["schema"]["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect();
        let mut result = ResultSet {
            columns,
            rows: Vec::new(),
        };
        let mut chunk = answer["result"].clone();
        loop {
            result.rows.extend(rows(&chunk["data_array"]));
            // Links are paths on the workspace; anything else is not followed with the token.
            match chunk["next_chunk_internal_link"].as_str() {
                Some(link) if link.starts_with("/api/2.0/sql/statements/") => {
                    chunk = self.get(http, link)?;
                }
                _ => return Ok(result),
            }
        }
    }
}

fn rows(data: &serde_json::Value) -> Vec<Vec<Option<String>>> {
    let cell = |v: &serde_json::Value| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    data.as_array()
        .into_iter()
        .flatten()
        .map(|row| row.as_array().into_iter().flatten().map(cell).collect())
        .collect()
}

/// A FAILED statement's `status.error` ({error_code, message}).
fn failed(error: &serde_json::Value) -> SqlError {
    let code = error["error_code"].as_str();
    let message = error["message"].as_str().unwrap_or("no reason given");
    classify(code, message).unwrap_or_else(|| SqlError::Failed {
        code: code.map(str::to_string),
        message: message.to_string(),
    })
}

/// An HTTP error answer of the API: a missing or stopped warehouse is told apart from the rest
/// (token, network, ...), which the gateway's classification explains.
fn request_failed(e: RequestError) -> SqlError {
    let about_warehouse = e.detail.to_ascii_lowercase().contains("warehouse");
    match classify(None, &e.detail) {
        Some(warehouse @ (SqlError::WarehouseNotFound | SqlError::WarehouseNotRunning(_)))
            if about_warehouse =>
        {
            warehouse
        }
        _ => SqlError::Request(e),
    }
}

/// Sorts an error by Databricks' error code and the error class in its message
/// (`[SCHEMA_NOT_FOUND] The schema ...`). `None`: nothing a user could act on specially.
fn classify(code: Option<&str>, message: &str) -> Option<SqlError> {
    let lower = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let text = message.to_string();
    if lower.contains("warehouse") {
        if has(&["does not exist", "not found"]) || code == Some("RESOURCE_DOES_NOT_EXIST") {
            return Some(SqlError::WarehouseNotFound);
        }
        if has(&["stopped", "stopping", "not running", "deleted"]) {
            return Some(SqlError::WarehouseNotRunning(text));
        }
    }
    if code == Some("PERMISSION_DENIED")
        || has(&["insufficient_permissions", "permission_denied"])
        || (lower.contains("does not have") && has(&["privilege", "permission"]))
    {
        return Some(SqlError::PermissionDenied(text));
    }
    if has(&[
        "schema_not_found",
        "catalog_not_found",
        "no_such_catalog",
        "table_or_view_not_found",
    ]) {
        return Some(SqlError::NameNotFound(text));
    }
    if has(&["parse_syntax_error", "invalid_identifier"]) {
        return Some(SqlError::BadName(text));
    }
    None
}

impl SqlError {
    /// What happened (first line) and what to do (the rest).
    pub fn explain(&self, profile: &str, host: &str, warehouse: &str, needs: &Needs) -> String {
        let warehouse_page = format!("{host}/sql/warehouses/{warehouse}");
        match self {
            SqlError::Request(e) => e.explain(profile),
            SqlError::WarehouseNotFound => format!(
                "SQL warehouse {warehouse} does not exist in {host} (or you may not see it)\n\
                 Copy the id from the workspace (SQL Warehouses > your warehouse > Connection details) and pass it with --warehouse-id."
            ),
            SqlError::WarehouseNotRunning(message) => format!(
                "SQL warehouse {warehouse} is not running: {message}\n\
                 Start it at {warehouse_page} (or ask its owner for CAN USE, which lets agentgw start it), then run the command again."
            ),
            SqlError::PermissionDenied(message) => format!(
                "permission denied: {message}\n\
                 Ask an owner of {schema} to grant you USE CATALOG, USE SCHEMA and {privilege} on it, or use --tables with a schema you own.",
                schema = needs.schema,
                privilege = needs.privilege
            ),
            SqlError::NameNotFound(message) => format!(
                "{message}\nCheck the names given with --tables. A missing schema is created with: CREATE SCHEMA IF NOT EXISTS {} (a missing catalog needs a metastore admin).",
                needs.schema
            ),
            SqlError::BadName(message) => format!(
                "the warehouse refused a name: {message}\nCheck the names given with --tables (quote names with other characters in backticks)."
            ),
            SqlError::Failed { code, message } => format!(
                "the statement failed{}: {message}\nSee the query history at {host}/sql/history for details.",
                code.as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ),
            SqlError::Canceled(why) => format!(
                "the statement did not finish ({why})\nRun the command again; if it keeps happening, check the warehouse at {warehouse_page}."
            ),
            SqlError::Deadline {
                state,
                waited,
                statement_id,
            } => {
                let what = match statement_id {
                    Some(id) => format!("so agentgw cancelled it (statement {id})"),
                    None => "so agentgw gave up".to_string(),
                };
                format!(
                    "the statement was still {state} after {:.0} s, {what}\n\
                     A stopped warehouse can take minutes to start: check it at {warehouse_page}, or wait longer with --timeout 600.",
                    waited.as_secs_f64()
                )
            }
        }
    }

    /// A stable name for `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            SqlError::Request(e) => e.failure.kind(),
            SqlError::WarehouseNotFound => "warehouse_not_found",
            SqlError::WarehouseNotRunning(_) => "warehouse_not_running",
            SqlError::PermissionDenied(_) => "permission_denied",
            SqlError::NameNotFound(_) => "name_not_found",
            SqlError::BadName(_) => "bad_name",
            SqlError::Failed { .. } => "statement_failed",
            SqlError::Canceled(_) => "canceled",
            SqlError::Deadline { .. } => "deadline",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_sorted_by_code_and_error_class() {
        let kind = |code: Option<&str>, message: &str| classify(code, message).map(|e| e.kind());
        assert_eq!(
            kind(
                Some("RESOURCE_DOES_NOT_EXIST"),
                "Warehouse abc does not exist."
            ),
            Some("warehouse_not_found")
        );
        assert_eq!(
            kind(None, "Warehouse abc is stopped and you cannot start it"),
            Some("warehouse_not_running")
        );
        assert_eq!(
            kind(
                Some("BAD_REQUEST"),
                "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have CREATE TABLE on Schema 'main.agents'."
            ),
            Some("permission_denied")
        );
        assert_eq!(
            kind(
                Some("BAD_REQUEST"),
                "[SCHEMA_NOT_FOUND] The schema `main`.`nope` cannot be found."
            ),
            Some("name_not_found")
        );
        assert_eq!(
            kind(
                None,
                "[PARSE_SYNTAX_ERROR] Syntax error at or near 'x'. SQLSTATE: 42601"
            ),
            Some("bad_name")
        );
        assert_eq!(kind(Some("INTERNAL_ERROR"), "boom"), None);
    }

    #[test]
    fn result_cells_keep_nulls() {
        let data = serde_json::json!([["2026-11-20", null, "3.5"]]);
        assert_eq!(
            rows(&data),
            vec![vec![Some("2026-11-20".into()), None, Some("3.5".into())]]
        );
    }
}
