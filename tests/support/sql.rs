//! The stand-in's SQL warehouse: the Statement Execution API (`POST /api/2.0/sql/statements`, poll
//! `GET .../{id}`, `POST .../{id}/cancel`, result chunks) over a tiny model of Unity Catalog —
//! which tables exist, which catalog denies CREATE TABLE, which schema is missing — and canned
//! result rows for queries of a metrics table.

use super::routes::Answer;
use super::usage_table::{self, UsageTable};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

/// The warehouse that runs statements.
pub const WAREHOUSE_ID: &str = "abcdef0123456789";
/// A warehouse that is stopped and may not be started by the test user.
pub const STOPPED_WAREHOUSE_ID: &str = "5709ed0000000000";
/// A catalog where the test user lacks CREATE TABLE (and where ingest is refused).
pub const DENIED_CATALOG: &str = "locked";
/// A schema that does not exist, in any catalog (ingest into it finds no table).
pub const MISSING_SCHEMA: &str = "nope";
/// Table names with this character are refused by the warehouse's parser.
pub const REFUSED_NAME_CHAR: char = '$';

/// How the warehouse behaves; set per test.
#[derive(Clone, Debug)]
pub struct Warehouse {
    /// How many polls see a statement PENDING before it finishes (0: the submit answers the
    /// result; `usize::MAX`: never finishes).
    pub pending_polls: usize,
    /// Tables that exist, as `catalog.schema.table` in lower case.
    pub tables: BTreeSet<String>,
    /// What a SELECT from a `*_otel_metrics` table returns (group, cost, tokens, today).
    pub rows: Vec<Vec<Option<String>>>,
    /// The gateway's usage table (`system.ai_gateway.usage`) and how it answers.
    pub usage: UsageTable,
    /// Rows per result chunk; more go out through `next_chunk_internal_link`.
    pub chunk_rows: usize,
    /// How long each poll (`GET .../statements/{id}`) takes to be answered.
    pub poll_delay: std::time::Duration,
    /// The warehouses the workspace lists (see `warehouses.rs`).
    pub listing: super::warehouses::Listing,
}

impl Default for Warehouse {
    fn default() -> Self {
        Warehouse {
            pending_polls: 0,
            tables: BTreeSet::new(),
            rows: Vec::new(),
            usage: UsageTable::default(),
            chunk_rows: 1000,
            poll_delay: std::time::Duration::ZERO,
            listing: super::warehouses::Listing::default(),
        }
    }
}

/// The warehouse and the statements it has been given.
#[derive(Default)]
pub struct State {
    pub warehouse: Warehouse,
    statements: HashMap<String, Statement>,
    next_id: usize,
    /// Ids of statements that were cancelled.
    pub cancelled: Vec<String>,
}

struct Statement {
    polls_left: usize,
    /// The final answer: SUCCEEDED with its chunks, or FAILED with its error.
    outcome: Outcome,
    cancelled: bool,
}

enum Outcome {
    Succeeded {
        columns: Vec<&'static str>,
        rows: Vec<Vec<Option<String>>>,
    },
    Failed {
        code: &'static str,
        message: String,
    },
}

impl State {
    /// Answers a request under `/api/2.0/sql/statements` (token already checked).
    pub fn answer(&mut self, method: &str, path: &str, body: &serde_json::Value) -> Answer {
        let rest = path.trim_start_matches("/api/2.0/sql/statements");
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        match (method, parts.as_slice()) {
            ("POST", []) => self.submit(body),
            ("GET", [id]) => Answer {
                delay: self.warehouse.poll_delay,
                ..self.poll(id)
            },
            ("POST", [id, "cancel"]) => {
                if let Some(statement) = self.statements.get_mut(*id) {
                    statement.cancelled = true;
                    self.cancelled.push(id.to_string());
                }
                Answer::json(200, json!({}))
            }
            ("GET", [id, "result", "chunks", index]) => self.chunk(id, index.parse().unwrap_or(0)),
            _ => Answer::json(
                404,
                json!({"error_code": "ENDPOINT_NOT_FOUND", "message": "No API found"}),
            ),
        }
    }

    fn submit(&mut self, body: &serde_json::Value) -> Answer {
        match body["warehouse_id"].as_str() {
            Some(WAREHOUSE_ID) => {}
            Some(STOPPED_WAREHOUSE_ID) => {
                return Answer::json(
                    400,
                    json!({"error_code": "INVALID_PARAMETER_VALUE",
                           "message": format!("Warehouse {STOPPED_WAREHOUSE_ID} is stopped and you do not have permission to start it.")}),
                );
            }
            other => {
                return Answer::json(
                    404,
                    json!({"error_code": "RESOURCE_DOES_NOT_EXIST",
                           "message": format!("SQL warehouse {} does not exist.", other.unwrap_or_default())}),
                );
            }
        }
        let statement = body["statement"].as_str().unwrap_or_default();
        let outcome = match usage_table::reads(statement) {
            true => self.read_usage(statement, &body["parameters"]),
            false => self.execute(statement),
        };
        self.next_id += 1;
        let id = format!("01f0-stmt-{}", self.next_id);
        self.statements.insert(
            id.clone(),
            Statement {
                polls_left: self.warehouse.pending_polls,
                outcome,
                cancelled: false,
            },
        );
        self.poll(&id)
    }

    fn poll(&mut self, id: &str) -> Answer {
        let chunk_rows = self.warehouse.chunk_rows;
        let Some(statement) = self.statements.get_mut(id) else {
            return Answer::json(
                404,
                json!({"error_code": "NOT_FOUND", "message": format!("statement {id} not found")}),
            );
        };
        if statement.cancelled {
            return Answer::json(
                200,
                json!({"statement_id": id, "status": {"state": "CANCELED"}}),
            );
        }
        if statement.polls_left > 0 {
            statement.polls_left = statement.polls_left.saturating_sub(1);
            return Answer::json(
                200,
                json!({"statement_id": id, "status": {"state": "PENDING"}}),
            );
        }
        match &statement.outcome {
            Outcome::Failed { code, message } => Answer::json(
                200,
                json!({"statement_id": id, "status": {"state": "FAILED", "error": {"error_code": code, "message": message}}}),
            ),
            Outcome::Succeeded { columns, rows } => {
                let columns: Vec<_> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, name)| json!({"name": name, "position": i, "type_name": "STRING"}))
                    .collect();
                let mut answer = json!({
                    "statement_id": id,
                    "status": {"state": "SUCCEEDED"},
                    "manifest": {"format": "JSON_ARRAY", "schema": {"column_count": columns.len(), "columns": columns},
                                 "total_row_count": rows.len()},
                });
                answer["result"] = chunk_json(id, rows, 0, chunk_rows);
                Answer::json(200, answer)
            }
        }
    }

    fn chunk(&self, id: &str, index: usize) -> Answer {
        match self.statements.get(id).map(|s| &s.outcome) {
            Some(Outcome::Succeeded { rows, .. }) => {
                Answer::json(200, chunk_json(id, rows, index, self.warehouse.chunk_rows))
            }
            _ => Answer::json(
                404,
                json!({"error_code": "NOT_FOUND", "message": "no such chunk"}),
            ),
        }
    }

    /// A statement over the gateway's usage table, run by the stand-in's user.
    fn read_usage(&self, statement: &str, parameters: &serde_json::Value) -> Outcome {
        match usage_table::execute(
            &self.warehouse.usage,
            statement,
            parameters,
            super::USER_NAME,
        ) {
            Ok((columns, rows)) => Outcome::Succeeded { columns, rows },
            Err((code, message)) => Outcome::Failed { code, message },
        }
    }

    /// What the statement does to the model, and its outcome.
    fn execute(&mut self, statement: &str) -> Outcome {
        let names = backticked(statement);
        if statement.starts_with("SELECT table_name FROM ") {
            let (Some(catalog), Some(schema)) = (names.first(), quoted(statement).first().cloned())
            else {
                return syntax_error();
            };
            let wanted = quoted(statement);
            let rows = wanted[1..]
                .iter()
                .filter(|t| {
                    self.warehouse
                        .tables
                        .contains(&format!("{catalog}.{schema}.{t}"))
                })
                .map(|t| vec![Some(t.clone())])
                .collect();
            return Outcome::Succeeded {
                columns: vec!["table_name"],
                rows,
            };
        }
        if let Some(rest) = statement.strip_prefix("CREATE TABLE IF NOT EXISTS ") {
            let [catalog, schema, table] = names.get(..3).unwrap_or_default() else {
                return syntax_error();
            };
            if !rest.contains("USING DELTA\nTBLPROPERTIES ('otel.schemaVersion' = 'v1')") {
                return syntax_error();
            }
            if let Some(failed) = refuse(catalog, schema, "CREATE TABLE") {
                return failed;
            }
            if table.contains(REFUSED_NAME_CHAR) {
                return Outcome::Failed {
                    code: "BAD_REQUEST",
                    message: format!("[INVALID_IDENTIFIER] The identifier {table} is invalid."),
                };
            }
            self.warehouse
                .tables
                .insert(format!("{catalog}.{schema}.{table}").to_lowercase());
            return Outcome::Succeeded {
                columns: vec![],
                rows: vec![],
            };
        }
        if statement.starts_with("SELECT ") && statement.contains("_otel_metrics`") {
            let from = backticked(statement.split("\nFROM ").nth(1).unwrap_or_default());
            let [catalog, schema, table] = from.get(..3).unwrap_or_default() else {
                return syntax_error();
            };
            if let Some(failed) = refuse(catalog, schema, "SELECT") {
                return failed;
            }
            let full = format!("{catalog}.{schema}.{table}");
            if !self.warehouse.tables.contains(&full) {
                return Outcome::Failed {
                    code: "BAD_REQUEST",
                    message: format!(
                        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{catalog}`.`{schema}`.`{table}` cannot be found."
                    ),
                };
            }
            return Outcome::Succeeded {
                columns: vec!["group", "cost_usd", "tokens", "today"],
                rows: self.warehouse.rows.clone(),
            };
        }
        syntax_error()
    }
}

fn refuse(catalog: &str, schema: &str, privilege: &str) -> Option<Outcome> {
    if catalog == DENIED_CATALOG {
        return Some(Outcome::Failed {
            code: "PERMISSION_DENIED",
            message: format!(
                "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have {privilege} on Schema '{catalog}.{schema}'."
            ),
        });
    }
    if schema == MISSING_SCHEMA {
        return Some(Outcome::Failed {
            code: "BAD_REQUEST",
            message: format!(
                "[SCHEMA_NOT_FOUND] The schema `{catalog}`.`{schema}` cannot be found."
            ),
        });
    }
    None
}

fn syntax_error() -> Outcome {
    Outcome::Failed {
        code: "BAD_REQUEST",
        message: "[PARSE_SYNTAX_ERROR] Syntax error at or near 'the stand-in'. SQLSTATE: 42601"
            .into(),
    }
}

/// Rows `index * size ..` of a result, with the link to the next chunk when there is one.
fn chunk_json(
    id: &str,
    rows: &[Vec<Option<String>>],
    index: usize,
    size: usize,
) -> serde_json::Value {
    let start = (index * size).min(rows.len());
    let end = (start + size).min(rows.len());
    let mut chunk = json!({"chunk_index": index, "row_offset": start, "row_count": end - start,
                           "data_array": rows[start..end]});
    if end < rows.len() {
        chunk["next_chunk_index"] = json!(index + 1);
        chunk["next_chunk_internal_link"] = json!(format!(
            "/api/2.0/sql/statements/{id}/result/chunks/{}?row_offset={end}",
            index + 1
        ));
    }
    chunk
}

/// The names between backticks, in order.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The names inside `lower('...')`, in order.
fn quoted(text: &str) -> Vec<String> {
    text.split("lower('")
        .skip(1)
        .filter_map(|part| part.split_once('\'').map(|(name, _)| name.to_lowercase()))
        .collect()
}
