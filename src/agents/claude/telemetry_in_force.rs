//! Whether Claude Code, started in the current folder, exports its telemetry where a policy asks
//! (`otel_tables`, `otel_resource_attributes`): each setting read as Claude Code reads it,
//! through its settings layers and then the environment, so a project file or a shell variable
//! that turns it off or sends it elsewhere is found with its source.

use super::layers::{Layers, Source, Sourced};
use crate::otel::{Signal, Tables};
use anyhow::Result;

/// One telemetry setting not as the policy wants it.
#[derive(Debug, PartialEq, Eq)]
pub struct TelemetryDrift {
    /// The policy's key: `otel_tables`, `otel_resource_attributes.<name>`.
    pub key: String,
    pub wanted: String,
    pub found: String,
    /// The file (or `environment`) the value in force comes from; empty when nothing sets it.
    pub source: String,
    /// What takes the value away, when it is not the user settings file (which apply rewrites).
    pub fix: Option<String>,
}

/// The drift of Claude Code's telemetry from `tables` on workspace `host`, labelled `attributes`.
pub fn drift(
    host: &str,
    tables: &Tables,
    attributes: &[(String, String)],
) -> Result<Vec<TelemetryDrift>> {
    let user = super::settings_path()?;
    Ok(drift_in(
        &super::read_layers(&user)?,
        &user,
        host,
        tables,
        attributes,
    ))
}

fn drift_in(
    layers: &Layers,
    user: &std::path::Path,
    host: &str,
    tables: &Tables,
    attributes: &[(String, String)],
) -> Vec<TelemetryDrift> {
    let user = crate::paths::display(user);
    let new = |key: String, wanted: String, found: String, from: Option<&Sourced>| {
        let source = from.map(|s| s.source.shown()).unwrap_or_default();
        TelemetryDrift {
            fix: from.and_then(|s| fix_outside(s, &user)),
            key,
            wanted,
            found,
            source,
        }
    };
    let mut drift = Vec::new();
    let enabled = layers.env("CLAUDE_CODE_ENABLE_TELEMETRY");
    if enabled.as_ref().map(|s| s.value.trim()) != Some("1") {
        drift.push(new(
            "otel_tables".into(),
            tables.to_string(),
            format!(
                "telemetry off (CLAUDE_CODE_ENABLE_TELEMETRY{})",
                shown(enabled.as_ref())
            ),
            enabled.as_ref(),
        ));
        return drift; // nothing below is exported while it is off
    }
    for signal in Signal::BOTH {
        let upper = signal.path().to_uppercase();
        let wanted_endpoint = format!(
            "{}/api/2.0/otel/v1/{}",
            host.trim_end_matches('/'),
            signal.path()
        );
        let wanted_table = tables.table(signal);
        let wanted = format!("{wanted_table} at {wanted_endpoint}");
        let exporter = layers.env(&format!("OTEL_{upper}_EXPORTER"));
        let endpoint = layers.env(&format!("OTEL_EXPORTER_OTLP_{upper}_ENDPOINT"));
        let headers = layers.env(&format!("OTEL_EXPORTER_OTLP_{upper}_HEADERS"));
        let table = headers.as_ref().and_then(|h| super::table_header(&h.value));
        let key = format!("otel_tables.{}", signal.path());
        if exporter.as_ref().map(|s| s.value.as_str()) != Some("otlp") {
            let found = format!(
                "{} not exported (OTEL_{upper}_EXPORTER{})",
                signal.path(),
                shown(exporter.as_ref())
            );
            drift.push(new(key, wanted, found, exporter.as_ref()));
        } else if endpoint.as_ref().map(|s| s.value.trim_end_matches('/'))
            != Some(wanted_endpoint.as_str())
        {
            let found = match &endpoint {
                Some(e) => format!("sent to {}", crate::urls::redact_userinfo(&e.value)),
                None => "no endpoint".to_string(),
            };
            drift.push(new(key, wanted, found, endpoint.as_ref()));
        } else if table.as_deref() != Some(wanted_table.as_str()) {
            // The headers are never shown: they may carry a token.
            let found = match table {
                Some(t) => format!("table {t}"),
                None => "no X-Databricks-UC-Table-Name header".to_string(),
            };
            drift.push(new(key, wanted, found, headers.as_ref()));
        }
    }
    if !attributes.is_empty() {
        let in_force = layers.env("OTEL_RESOURCE_ATTRIBUTES");
        let pairs: Vec<(&str, &str)> = in_force
            .as_ref()
            .map(|s| {
                s.value
                    .split(',')
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(k, v)| (k.trim(), v.trim()))
                    .collect()
            })
            .unwrap_or_default();
        for (name, value) in attributes {
            // The last of a repeated key is the one exported.
            let found = pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| *v);
            if found != Some(value.as_str()) {
                drift.push(new(
                    format!("otel_resource_attributes.{name}"),
                    value.clone(),
                    found.unwrap_or("unset").to_string(),
                    in_force.as_ref(),
                ));
            }
        }
    }
    drift
}

/// `=VALUE` or ` unset`, after a variable's name: these settings carry no secret.
fn shown(value: Option<&Sourced>) -> String {
    match value {
        Some(s) => format!("={}", s.value),
        None => " unset".to_string(),
    }
}

/// How to take away a value that comes from somewhere other than the user settings file.
fn fix_outside(value: &Sourced, user: &str) -> Option<String> {
    let name = value.key.trim_start_matches("env.");
    match &value.source {
        Source::Environment => Some(format!(
            "unset {name} (and remove its export from your shell startup files)"
        )),
        Source::File { path, .. } => {
            let file = crate::paths::display(path);
            (file != user).then(|| format!("remove env.{name} from {file}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const HOST: &str = "https://ws.example.com";

    fn tables() -> Tables {
        Tables::parse("main.agents.cc", "otel_tables").unwrap()
    }

    fn set_up_env(table_prefix: &str) -> serde_json::Value {
        serde_json::json!({
            "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_LOGS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": format!("{HOST}/api/2.0/otel/v1/metrics"),
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS": format!("X-Databricks-UC-Table-Name={table_prefix}_otel_metrics"),
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": format!("{HOST}/api/2.0/otel/v1/logs"),
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS": format!("X-Databricks-UC-Table-Name={table_prefix}_otel_logs"),
            "OTEL_RESOURCE_ATTRIBUTES": "team=data-eng,site=lon",
        })
    }

    /// The user file with `env`, and a project file with `project_env` when given.
    fn check(
        dir: &Path,
        env: serde_json::Value,
        project_env: Option<serde_json::Value>,
    ) -> Vec<TelemetryDrift> {
        let user = dir.join("home/.claude/settings.json");
        std::fs::create_dir_all(user.parent().unwrap()).unwrap();
        std::fs::write(&user, serde_json::json!({ "env": env }).to_string()).unwrap();
        let work = dir.join("work");
        std::fs::create_dir_all(work.join(".claude")).unwrap();
        if let Some(project_env) = project_env {
            let text = serde_json::json!({ "env": project_env }).to_string();
            std::fs::write(work.join(".claude/settings.json"), text).unwrap();
        }
        let layers = Layers::read(&user, &work);
        let wanted = [("team".to_string(), "data-eng".to_string())];
        drift_in(&layers, &user, HOST, &tables(), &wanted)
    }

    #[test]
    fn what_setup_writes_is_in_force() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check(dir.path(), set_up_env("main.agents.cc"), None), []);
    }

    #[test]
    fn another_table_and_another_team_in_the_user_file_are_drift() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = set_up_env("main.other.cc");
        env["OTEL_RESOURCE_ATTRIBUTES"] = "team=web".into();
        let drift = check(dir.path(), env, None);
        let user = dir.path().join("home/.claude/settings.json");
        let user = crate::paths::display(&user);
        let keys: Vec<_> = drift.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "otel_tables.metrics",
                "otel_tables.logs",
                "otel_resource_attributes.team"
            ]
        );
        assert_eq!(
            drift[0].wanted,
            format!("main.agents.cc_otel_metrics at {HOST}/api/2.0/otel/v1/metrics")
        );
        assert_eq!(drift[0].found, "table main.other.cc_otel_metrics");
        assert_eq!(drift[0].source, user);
        assert_eq!(drift[0].fix, None, "apply rewrites the user file itself");
        assert_eq!(
            (drift[2].wanted.as_str(), drift[2].found.as_str()),
            ("data-eng", "web")
        );
    }

    #[test]
    fn a_project_file_turning_telemetry_off_is_named_with_its_fix() {
        let dir = tempfile::tempdir().unwrap();
        let project = serde_json::json!({ "CLAUDE_CODE_ENABLE_TELEMETRY": "0" });
        let drift = check(dir.path(), set_up_env("main.agents.cc"), Some(project));
        let file = crate::paths::display(&dir.path().join("work/.claude/settings.json"));
        assert_eq!(
            drift,
            [TelemetryDrift {
                key: "otel_tables".into(),
                wanted: "main.agents.cc".into(),
                found: "telemetry off (CLAUDE_CODE_ENABLE_TELEMETRY=0)".into(),
                source: file.clone(),
                fix: Some(format!(
                    "remove env.CLAUDE_CODE_ENABLE_TELEMETRY from {file}"
                )),
            }]
        );
    }

    #[test]
    fn a_project_endpoint_and_a_missing_exporter_are_drift() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = set_up_env("main.agents.cc");
        env.as_object_mut().unwrap().remove("OTEL_LOGS_EXPORTER");
        let project = serde_json::json!({
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "https://user:pw@collector.example.com/v1/metrics"
        });
        let drift = check(dir.path(), env, Some(project));
        let found: Vec<_> = drift.iter().map(|d| d.found.as_str()).collect();
        assert_eq!(
            found,
            [
                "sent to https://collector.example.com/v1/metrics",
                "logs not exported (OTEL_LOGS_EXPORTER unset)"
            ]
        );
        assert_eq!(drift[1].source, "", "nothing sets it");
    }
}
