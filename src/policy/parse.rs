//! Reads a policy's TOML with its spans, so that every refusal says `FILE:LINE:COL: what is
//! wrong` and which keys are known. Nothing unknown is ignored: a typo in a compliance file
//! must not quietly become "no requirement".

use super::model::{AgentPolicy, Policy, Workspace};
use crate::agents::{self, Version};
use crate::profile::{Auth, TokenStorage};
use std::ops::Range;
use toml_edit::{Document, Item, Table};

/// A string value and where it is in the file.
type Spanned = (String, Option<Range<usize>>);

const WORKSPACE_KEYS: &[&str] = &["host", "gateway_url", "auth", "token_storage"];
const AGENT_KEYS: &[&str] = &["model", "min_version"];
const CLAUDE_KEYS: &[&str] = &[
    "model",
    "min_version",
    "otel_tables",
    "otel_resource_attributes",
];

/// A policy refused: where, and why. Shown as `NAME:LINE:COL: message`.
#[derive(Debug)]
pub struct PolicyError {
    pub name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.name, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for PolicyError {}

/// Parses `text`, read from `name` (a path, or `-` for stdin), into a checked policy.
pub fn parse(name: &str, text: &str) -> Result<Policy, PolicyError> {
    let at = |span: Option<Range<usize>>, message: String| {
        let offset = span.map_or(0, |s| s.start).min(text.len());
        let before = &text[..offset];
        PolicyError {
            name: name.to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
            message,
        }
    };
    let doc = Document::parse(text).map_err(|e| at(e.span(), e.message().to_string()))?;
    let root = doc.as_table();
    for (key, _) in root.iter() {
        if key != "workspace" && key != "agents" {
            return Err(at(
                key_span(root, key),
                format!("unknown table `{key}`; known: workspace, agents"),
            ));
        }
    }
    let Some(ws) = root.get("workspace") else {
        return Err(at(
            None,
            "no [workspace] table; it needs at least `host = \"https://…\"`".to_string(),
        ));
    };
    let ws = table(ws).ok_or_else(|| {
        at(
            ws.span(),
            "`workspace` must be a [workspace] section".into(),
        )
    })?;
    refuse_unknown(ws, WORKSPACE_KEYS, "[workspace]", &at)?;
    let text_of = |t: &Table, key: &str| -> Result<Option<Spanned>, PolicyError> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => match item.as_str() {
                Some(s) => Ok(Some((s.to_string(), item.span()))),
                None => Err(at(item.span(), format!("`{key}` must be a string"))),
            },
        }
    };
    let (host, host_span) = text_of(ws, "host")?.ok_or_else(|| {
        at(
            ws.span(),
            "[workspace] has no `host`: the workspace URL, e.g. https://my-workspace.cloud.databricks.com".into(),
        )
    })?;
    let host = crate::urls::normalize_host(&host, "host")
        .map_err(|e| at(host_span.clone(), format!("{e:#}")))?;
    // The token goes there: only a loopback stand-in may speak plain HTTP.
    if host.starts_with("http://") && !is_loopback(&host) {
        return Err(at(
            host_span,
            format!(
                "host {host} is not HTTPS; the workspace URL starts with https://, e.g. https://my-workspace.cloud.databricks.com"
            ),
        ));
    }
    let gateway_url = match text_of(ws, "gateway_url")? {
        Some((url, span)) => Some(
            crate::urls::normalize_gateway_url(&url, "gateway_url")
                .map_err(|e| at(span, format!("{e:#}")))?,
        ),
        None => None,
    };
    let auth = match text_of(ws, "auth")? {
        Some((word, span)) => Auth::parse(&word)
            .ok_or_else(|| at(span, format!("auth {word:?} is not one of pat, oauth, m2m")))?,
        None => Auth::Pat,
    };
    let token_storage = match text_of(ws, "token_storage")? {
        Some((word, span)) => Some(TokenStorage::parse(&word).ok_or_else(|| {
            at(
                span,
                format!("token_storage {word:?} is not one of keyring, file"),
            )
        })?),
        None => None,
    };
    let mut listed = Vec::new();
    if let Some(item) = root.get("agents") {
        let table = table(item).ok_or_else(|| {
            at(
                item.span(),
                "`agents` must be [agents.<id>] sections".into(),
            )
        })?;
        for (id, item) in table.iter() {
            let Some(agent) = agents::by_id(id) else {
                let known: Vec<&str> = agents::clis().map(|a| a.id()).collect();
                return Err(at(
                    key_span(table, id),
                    format!("unknown agent `{id}`; known: {}", known.join(", ")),
                ));
            };
            let section = format!("[agents.{id}]");
            let t = self::table(item).ok_or_else(|| {
                at(
                    item.span(),
                    format!("`agents.{id}` must be an [agents.{id}] section"),
                )
            })?;
            let keys = if id == "claude" {
                CLAUDE_KEYS
            } else {
                AGENT_KEYS
            };
            refuse_unknown(t, keys, &section, &at)?;
            let model = match text_of(t, "model")? {
                Some((name, span)) => Some(
                    crate::cli::checks::model(&name, "model")
                        .map_err(|e| at(span, format!("{e:#}")))?,
                ),
                None => None,
            };
            let min_version = match text_of(t, "min_version")? {
                Some((v, span)) => Some(version(&v).ok_or_else(|| {
                    at(
                        span,
                        format!("min_version {v:?} is not X.Y.Z (e.g. 0.134.0)"),
                    )
                })?),
                None => None,
            };
            let otel_tables = match text_of(t, "otel_tables")? {
                Some((v, span)) => Some(
                    crate::otel::Tables::parse(&v, "otel_tables")
                        .map_err(|e| at(span, format!("{e:#}")))?,
                ),
                None => None,
            };
            let otel_resource_attributes = resource_attributes(t, &at)?;
            if !otel_resource_attributes.is_empty() && otel_tables.is_none() {
                return Err(at(
                    key_span(t, "otel_resource_attributes"),
                    format!(
                        "otel_resource_attributes in [agents.{id}] label telemetry, which needs otel_tables there too"
                    ),
                ));
            }
            listed.push(AgentPolicy {
                agent,
                model,
                model_from: name.to_string(),
                min_version,
                otel_tables,
                otel_resource_attributes,
            });
        }
    }
    // Setup's order, whatever the file's.
    listed.sort_by_key(|p| agents::clis().position(|a| a.id() == p.agent.id()));
    Ok(Policy {
        workspace: Workspace {
            host,
            gateway_url,
            auth,
            token_storage,
        },
        agents: listed,
    })
}

/// A `[section]` (an inline `{ … }` table is refused: its keys carry no spans of their own).
fn table(item: &Item) -> Option<&Table> {
    item.as_table()
}

fn key_span(table: &Table, key: &str) -> Option<Range<usize>> {
    table.get_key_value(key).and_then(|(k, _)| k.span())
}

fn refuse_unknown(
    table: &Table,
    known: &[&str],
    section: &str,
    at: &impl Fn(Option<Range<usize>>, String) -> PolicyError,
) -> Result<(), PolicyError> {
    match table.iter().find(|(key, _)| !known.contains(key)) {
        Some((key, _)) => Err(at(
            key_span(table, key),
            format!(
                "unknown key `{key}` in {section}; known: {}",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// `otel_resource_attributes = { team = "data-eng" }`: each pair as `--otel-resource-attribute`
/// takes it, in the file's order.
fn resource_attributes(
    agent: &Table,
    at: &impl Fn(Option<Range<usize>>, String) -> PolicyError,
) -> Result<Vec<(String, String)>, PolicyError> {
    const KEY: &str = "otel_resource_attributes";
    let Some(item) = agent.get(KEY) else {
        return Ok(Vec::new());
    };
    let pairs = item.as_table_like().ok_or_else(|| {
        at(
            key_span(agent, KEY),
            format!("{KEY} must be a table of strings, e.g. {{ team = \"data-eng\" }}"),
        )
    })?;
    pairs
        .iter()
        .map(|(key, value)| {
            let span = value.as_value().and_then(|v| v.span());
            let text = value
                .as_str()
                .ok_or_else(|| at(span.clone(), format!("{KEY}.{key} must be a string")))?;
            crate::cli::checks::resource_attribute(&format!("{key}={text}"), KEY)
                .map_err(|e| at(span, format!("{e:#}")))
        })
        .collect()
}

/// Exactly `X.Y.Z`, each a number.
fn version(text: &str) -> Option<Version> {
    let parts: Vec<u64> = text
        .split('.')
        .map(|p| {
            p.parse()
                .ok()
                .filter(|_| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect::<Option<_>>()?;
    match parts[..] {
        [a, b, c] => Some(Version(a, b, c)),
        _ => None,
    }
}

/// `http://127.0.0.1[:port]`, `http://localhost[:port]` or `http://[::1][:port]`.
pub(super) fn is_loopback(url: &str) -> bool {
    let authority = url.trim_start_matches("http://");
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1")
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, parse, version};
    use crate::agents::Version;

    #[test]
    fn a_version_is_exactly_three_numbers() {
        assert_eq!(version("0.134.0"), Some(Version(0, 134, 0)));
        for bad in ["0.134", "0.134.0.1", "v0.134.0", "0..1", "1.2.x", ""] {
            assert_eq!(version(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_loopback_hosts_may_be_plain_http() {
        assert!(is_loopback("http://127.0.0.1:8080"));
        assert!(is_loopback("http://localhost"));
        assert!(is_loopback("http://[::1]:9"));
        assert!(!is_loopback("http://127.0.0.1.example.com"));
        assert!(!is_loopback("http://ws.example.com"));
    }

    #[test]
    fn agents_come_in_setups_order_whatever_the_files() {
        let policy = parse(
            "p.toml",
            "[workspace]\nhost = \"https://ws.example.com\"\n[agents.gemini]\n[agents.claude]\n",
        )
        .unwrap();
        let ids: Vec<&str> = policy.agents.iter().map(|a| a.agent.id()).collect();
        assert_eq!(ids, ["claude", "gemini"]);
        assert_eq!(policy.workspace.auth, crate::profile::Auth::Pat);
    }

    #[test]
    fn resource_attributes_need_the_tables_and_plain_values() {
        let head = "[workspace]\nhost = \"https://ws.example.com\"\n[agents.claude]\n";
        let policy = parse(
            "p.toml",
            &format!("{head}otel_tables = \"main.agents.cc\"\notel_resource_attributes = {{ team = \"data-eng\", site = \"ber\" }}\n"),
        )
        .unwrap();
        assert_eq!(
            policy.agents[0].otel_resource_attributes,
            [
                ("team".to_string(), "data-eng".to_string()),
                ("site".to_string(), "ber".to_string())
            ]
        );
        let alone = parse(
            "p.toml",
            &format!("{head}otel_resource_attributes = {{ team = \"data-eng\" }}\n"),
        )
        .unwrap_err();
        assert_eq!((alone.line, alone.column), (4, 1), "{alone}");
        assert!(alone.to_string().contains("needs otel_tables"), "{alone}");
        let bad = parse(
            "p.toml",
            &format!("{head}otel_tables = \"main.agents.cc\"\notel_resource_attributes = {{ team = \"data eng\" }}\n"),
        )
        .unwrap_err();
        assert_eq!(bad.line, 5, "{bad}");
        assert!(
            bad.to_string()
                .contains("\"team=data eng\" is not KEY=VALUE"),
            "{bad}"
        );
    }

    #[test]
    fn a_toml_syntax_error_points_at_its_line() {
        let error = parse("p.toml", "[workspace]\nhost = \n").unwrap_err();
        assert_eq!((error.line, error.column), (2, 8), "{error}");
        assert!(error.to_string().starts_with("p.toml:2:8: "), "{error}");
    }
}
