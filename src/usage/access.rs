//! Why the gateway's usage table could not be read, and who can change that: the grants to ask
//! for, or what enables the table. Other failures (warehouse, network) keep `sql`'s words.

use super::query::TABLE;
use crate::sql::SqlError;

/// The explanation of a failure to read the usage table (what happened, then what to do), for
/// the failures particular to it; `None` for the rest. `user` is the signed-in user's name
/// (SCIM `userName`), for the grants.
pub fn explain(error: &SqlError, user: Option<&str>) -> Option<String> {
    match error {
        SqlError::PermissionDenied(message) => {
            let who = user.map_or_else(|| "`<your user name>`".to_string(), quoted);
            Some(format!(
                "no permission to read {TABLE}: {message}\n\
                 Ask a metastore admin or an account admin for these grants (to you or a group of yours):\n\
                 \x20 GRANT USE CATALOG ON CATALOG system TO {who};\n\
                 \x20 GRANT USE SCHEMA ON SCHEMA system.ai_gateway TO {who};\n\
                 \x20 GRANT SELECT ON TABLE {TABLE} TO {who};\n\
                 {MEANWHILE}"
            ))
        }
        SqlError::NameNotFound(message) => Some(format!(
            "{TABLE} does not exist in this workspace's metastore: {message}\n\
             The table comes with the Unity AI Gateway (Beta) and its usage tracking: an account admin turns the preview on \
             (account console > Previews). If the system schema is still missing, an account or metastore admin enables it: \
             databricks system-schemas enable <METASTORE_ID> ai_gateway (the id: databricks metastores current).\n\
             {MEANWHILE}"
        )),
        SqlError::BadName(message) => Some(format!(
            "the warehouse refused agentgw's usage query: {message}\n\
             The query uses named parameters (:days, :users), which need a current Databricks SQL warehouse; \
             pass another one with --warehouse-id, or report this message."
        )),
        _ => None,
    }
}

const MEANWHILE: &str = "Meanwhile `agentgw usage --source otel` shows Claude Code's own telemetry, if its tables are set up (agentgw setup claude --otel-tables).";

/// A principal as a SQL identifier: in backticks, inner backticks doubled.
fn quoted(user: &str) -> String {
    format!("`{}`", user.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grants_name_the_user_quoted() {
        let error = SqlError::PermissionDenied("[INSUFFICIENT_PERMISSIONS] no".into());
        let text = explain(&error, Some("a`b@example.com")).unwrap();
        assert!(
            text.contains("GRANT SELECT ON TABLE system.ai_gateway.usage TO `a``b@example.com`;"),
            "{text}"
        );
        let text = explain(&error, None).unwrap();
        assert!(text.contains("TO `<your user name>`;"), "{text}");
        assert!(explain(&SqlError::WarehouseNotFound, None).is_none());
    }
}
