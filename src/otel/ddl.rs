//! The `CREATE TABLE` statements of the product page, kept verbatim in templates/otel/ with the
//! table name as the only placeholder (filled with an already validated, quoted name).

use super::tables::{Signal, Tables};

const METRICS: &str = include_str!("../../templates/otel/metrics.sql");
const LOGS: &str = include_str!("../../templates/otel/logs.sql");
const PLACEHOLDER: &str = "{{table}}";

/// `CREATE TABLE <table> (...) USING DELTA TBLPROPERTIES (...)`, as the product page has it.
pub fn create_table(tables: &Tables, signal: Signal) -> String {
    let template = match signal {
        Signal::Metrics => METRICS,
        Signal::Logs => LOGS,
    };
    template
        .trim_end()
        .replacen(PLACEHOLDER, &tables.sql_table(signal), 1)
}

/// The same statement made idempotent, for `agentgw otel create`.
pub fn create_table_if_not_exists(tables: &Tables, signal: Signal) -> String {
    create_table(tables, signal).replacen("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
}

/// Lists which of the two tables exist already. Names are compared exactly (Unity Catalog keeps
/// them in lower case); they cannot hold a quote or backslash, so they are safe inside '...'.
pub fn existing_tables(tables: &Tables) -> String {
    format!(
        "SELECT table_name FROM {}.information_schema.tables \
         WHERE table_schema = lower('{}') AND table_name IN (lower('{}'), lower('{}'))",
        tables.sql_catalog(),
        tables.schema_name(),
        tables.table_name(Signal::Metrics),
        tables.table_name(Signal::Logs)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_name_is_the_only_thing_filled_in() {
        let tables = Tables::parse("main.agents.claude", "--tables").unwrap();
        let sql = create_table(&tables, Signal::Logs);
        assert!(sql.starts_with(
            "CREATE TABLE `main`.`agents`.`claude_otel_logs` (\n  event_name STRING,"
        ));
        assert!(sql.ends_with("USING DELTA\nTBLPROPERTIES ('otel.schemaVersion' = 'v1')"));
        assert!(!sql.contains("{{"));
        assert!(
            create_table_if_not_exists(&tables, Signal::Metrics).starts_with(
                "CREATE TABLE IF NOT EXISTS `main`.`agents`.`claude_otel_metrics` (\n  name STRING,"
            )
        );
    }
}
