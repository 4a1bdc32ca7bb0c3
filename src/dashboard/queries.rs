//! The SQL behind the dashboard's datasets: the gateway's usage query exactly as `agentgw usage`
//! runs it (one text for both), and Claude Code's telemetry queries with the tables filled in.

use crate::otel::{Signal, Tables};

/// `agentgw usage`'s query, byte for byte; parameters `:days` and `:users`.
pub const GATEWAY_USAGE: &str = include_str!("../../templates/usage/gateway.sql");
/// Claude Code's counters per day, user and model; `{{metrics}}` is the metrics table.
const CLAUDE_METRICS: &str = include_str!("../../templates/dashboard/claude_metrics.sql");
/// Claude Code's tool decisions per day, user, tool and outcome; `{{logs}}` is the logs table.
const CLAUDE_TOOL_DECISIONS: &str =
    include_str!("../../templates/dashboard/claude_tool_decisions.sql");

/// The datasets the templates under templates/dashboard/ name.
pub const USAGE: &str = "usage";
pub const CLAUDE_METRICS_DATASET: &str = "claude_metrics";
pub const CLAUDE_TOOL_DECISIONS_DATASET: &str = "claude_tool_decisions";

/// The SQL of the dataset `name`: `None` for a name no query belongs to, or for a telemetry
/// dataset when no tables are known. Table names come quoted from [`Tables`] (validated there),
/// so they cannot change the statement around them.
pub fn of_dataset(name: &str, tables: Option<&Tables>) -> Option<String> {
    match name {
        USAGE => Some(GATEWAY_USAGE.to_string()),
        CLAUDE_METRICS_DATASET => {
            tables.map(|t| CLAUDE_METRICS.replacen("{{metrics}}", &t.sql_table(Signal::Metrics), 1))
        }
        CLAUDE_TOOL_DECISIONS_DATASET => tables
            .map(|t| CLAUDE_TOOL_DECISIONS.replacen("{{logs}}", &t.sql_table(Signal::Logs), 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otel::usage::{GroupBy, query};

    fn tables() -> Tables {
        Tables::parse("main.agents.claude", "--tables").unwrap()
    }

    #[test]
    fn the_usage_dataset_is_the_usage_query_itself() {
        assert_eq!(of_dataset(USAGE, None).as_deref(), Some(GATEWAY_USAGE));
        assert_eq!(
            of_dataset(USAGE, Some(&tables())).as_deref(),
            Some(GATEWAY_USAGE)
        );
    }

    #[test]
    fn telemetry_datasets_need_tables_and_name_them_quoted() {
        assert_eq!(of_dataset(CLAUDE_METRICS_DATASET, None), None);
        assert_eq!(of_dataset(CLAUDE_TOOL_DECISIONS_DATASET, None), None);
        let metrics = of_dataset(CLAUDE_METRICS_DATASET, Some(&tables())).unwrap();
        assert!(metrics.contains("\nFROM `main`.`agents`.`claude_otel_metrics`\n"));
        let logs = of_dataset(CLAUDE_TOOL_DECISIONS_DATASET, Some(&tables())).unwrap();
        assert!(logs.contains("\nFROM `main`.`agents`.`claude_otel_logs`\n"));
        for sql in [metrics, logs] {
            assert!(!sql.contains("{{"), "{sql}");
            assert!(
                sql.contains(":days - 1"),
                "the days filter reaches it: {sql}"
            );
        }
        assert_eq!(of_dataset("nope", Some(&tables())), None);
    }

    /// `agentgw usage --source otel` and the dashboard count Claude Code's cost and tokens with
    /// the same expressions: a change to one that is not made to the other fails here.
    #[test]
    fn claude_cost_and_tokens_are_summed_as_usage_sums_them() {
        let metrics = of_dataset(CLAUDE_METRICS_DATASET, Some(&tables())).unwrap();
        let lines: Vec<&str> = metrics.lines().map(str::trim).collect();
        for by in [GroupBy::Day, GroupBy::Model, GroupBy::User] {
            let usage = query(&tables(), 7, by);
            let mut shared = usage
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("SELECT ") || l.starts_with("SUM("));
            let group = shared.next().unwrap().trim_start_matches("SELECT ");
            assert!(
                lines.contains(&group),
                "{group} is not in the dashboard's SQL"
            );
            for sum in shared {
                assert!(lines.contains(&sum), "{sum} is not in the dashboard's SQL");
            }
        }
    }
}
