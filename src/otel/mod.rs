//! Claude Code's telemetry in Unity Catalog: the two tables (names, DDL), the ingest check (an
//! empty OTLP export), and the usage report read back from the metrics table.

pub mod ddl;
pub mod otlp;
pub mod tables;
pub mod usage;

use crate::gateway::{Failure, Http, RequestError};
use std::time::{Duration, Instant};
pub use tables::{Signal, Tables};

/// `<host>/api/2.0/otel/v1/<signal>`: where Claude Code's exporter sends each signal.
pub fn ingest_url(host: &str, signal: Signal) -> String {
    format!("{host}/api/2.0/otel/v1/{}", signal.path())
}

/// Sends the empty export to `url` for `table`, as Claude Code's exporter would: Ok(latency) when
/// the ingest endpoint accepts it.
pub fn check_ingest(
    http: &Http,
    url: &str,
    token: &str,
    table: &str,
) -> Result<Duration, RequestError> {
    let started = Instant::now();
    http.post_otlp(url, token, table, &otlp::empty_export())?;
    Ok(started.elapsed())
}

/// What a refused export means for telemetry, and what to do. `tables` fills in the command that
/// creates the tables, when known.
pub fn explain_ingest_failure(
    e: &RequestError,
    table: &str,
    tables: Option<&Tables>,
    profile: &str,
) -> String {
    let tables = tables.map_or("CATALOG.SCHEMA.PREFIX".to_string(), |t| t.to_string());
    let (status, said) = e.said();
    let mentions_missing = ["not found", "does not exist", "not_found"]
        .iter()
        .any(|w| e.detail.to_ascii_lowercase().contains(w));
    match e.failure {
        Failure::Forbidden => format!(
            "the ingest endpoint refused to write to {table} ({status}{said})\n\
             Ask the table's owner to grant you MODIFY and SELECT on it (and USE CATALOG / USE SCHEMA above it)."
        ),
        Failure::NotFound | Failure::UnexpectedStatus if mentions_missing => format!(
            "the ingest endpoint cannot find {table} ({status}{said})\n\
             Create the tables: agentgw otel create --tables '{tables}' --warehouse-id ID --profile {profile}"
        ),
        Failure::NotFound => format!(
            "{} is not an OpenTelemetry ingest endpoint ({status}{said})\n\
             Telemetry ingest may not be enabled in this workspace; ask a workspace admin, and check the workspace URL: agentgw profiles",
            e.url
        ),
        _ => e.explain(profile),
    }
}
