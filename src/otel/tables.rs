//! `CATALOG.SCHEMA.PREFIX`: where Claude Code's telemetry lands, as two Unity Catalog tables
//! `<PREFIX>_otel_metrics` and `<PREFIX>_otel_logs`.
//!
//! The names go into SQL statements and into HTTP headers (`X-Databricks-UC-Table-Name`, and
//! Claude Code's comma-separated `k=v` header list), so each part is checked here once: plain
//! names are letters, digits and `_`; anything else must be backtick-quoted and may not contain a
//! character that could end the name, the header or the statement. In SQL every part is always
//! backtick-quoted, so a name can never be read as a keyword or an operator.

use anyhow::{Result, bail};
use std::fmt;

/// The two tables of one telemetry destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    catalog: String,
    schema: String,
    prefix: String,
}

/// The two OpenTelemetry signals Claude Code exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Metrics,
    Logs,
}

impl Signal {
    pub const BOTH: [Signal; 2] = [Signal::Metrics, Signal::Logs];

    /// The last segment of the ingest URL (`/api/2.0/otel/v1/<path>`) and of the table name.
    pub fn path(self) -> &'static str {
        match self {
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }
}

/// UC names are at most 255 characters.
const MAX_NAME_CHARS: usize = 255;

impl Tables {
    /// Parses `CATALOG.SCHEMA.PREFIX`; `flag` names where the text came from, for the error.
    pub fn parse(text: &str, flag: &str) -> Result<Tables> {
        let refuse = |why: String| {
            anyhow::anyhow!(
                "{flag} {text:?} is not CATALOG.SCHEMA.PREFIX ({why}); each name is letters, digits \
                 and '_', or any other name in backticks (e.g. main.agents.claude or `my-catalog`.agents.claude)"
            )
        };
        let parts = split_names(text).map_err(refuse)?;
        let [catalog, schema, prefix] = <[String; 3]>::try_from(parts)
            .map_err(|parts| refuse(format!("found {}", crate::ui::plural(parts.len(), "name"))))?;
        Ok(Tables {
            catalog,
            schema,
            prefix,
        })
    }

    /// `catalog.schema.prefix_otel_<signal>`, as the ingest header and `DESCRIBE` want it.
    pub fn table(&self, signal: Signal) -> String {
        format!(
            "{}.{}.{}",
            self.catalog,
            self.schema,
            self.table_name(signal)
        )
    }

    /// The table's own name, `prefix_otel_<signal>`.
    pub fn table_name(&self, signal: Signal) -> String {
        format!("{}_otel_{}", self.prefix, signal.path())
    }

    /// The table as a quoted SQL name: `` `catalog`.`schema`.`prefix_otel_metrics` ``.
    pub fn sql_table(&self, signal: Signal) -> String {
        format!("{}.{}", self.sql_schema(), quote(&self.table_name(signal)))
    }

    /// The schema as a quoted SQL name: `` `catalog`.`schema` ``.
    pub fn sql_schema(&self) -> String {
        format!("{}.{}", self.sql_catalog(), quote(&self.schema))
    }

    /// The catalog as a quoted SQL name.
    pub fn sql_catalog(&self) -> String {
        quote(&self.catalog)
    }

    /// The schema's own name (without the catalog).
    pub fn schema_name(&self) -> &str {
        &self.schema
    }
}

/// The canonical spelling: plain names as they are, others in backticks. Parses back to itself,
/// so it is what agentgw remembers in the profile.
impl fmt::Display for Tables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |name: &str| {
            if name.chars().all(is_plain) {
                name.to_string()
            } else {
                quote(name)
            }
        };
        write!(
            f,
            "{}.{}.{}",
            show(&self.catalog),
            show(&self.schema),
            show(&self.prefix)
        )
    }
}

fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters refused even inside backticks: they would end the name in SQL (`` ` ``), in a UC
/// path (`.` `/`), in a header list (`,` `=`), be percent-decoded by Claude Code's exporter into
/// another name (`%`), or are not names at all (space, control, quotes, `;`). Non-ASCII too: HTTP
/// header values are ASCII, and what each exporter does with other bytes is not known.
fn is_refused(c: char) -> bool {
    !c.is_ascii()
        || c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '`' | '.' | '/' | ',' | '=' | ';' | '%' | '\'' | '"' | '\\'
        )
}

fn quote(name: &str) -> String {
    format!("`{name}`")
}

/// Splits on dots outside backticks and checks each name.
fn split_names(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    loop {
        let (name, after) = match rest.strip_prefix('`') {
            Some(quoted) => {
                let end = quoted
                    .find('`')
                    .ok_or_else(|| format!("the backtick before {quoted:?} is never closed"))?;
                let name = &quoted[..end];
                if let Some(bad) = name.chars().find(|c| is_refused(*c)) {
                    return Err(format!("{name:?} contains {bad:?}, which no name may hold"));
                }
                (name, &quoted[end + 1..])
            }
            None => {
                let end = rest.find('.').unwrap_or(rest.len());
                let name = &rest[..end];
                if let Some(bad) = name.chars().find(|c| !is_plain(*c)) {
                    return Err(format!(
                        "{name:?} contains {bad:?}; put a name with other characters in backticks"
                    ));
                }
                (name, &rest[end..])
            }
        };
        if name.is_empty() {
            return Err("a name is empty".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("a name is longer than {MAX_NAME_CHARS} characters"));
        }
        names.push(name.to_string());
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None if after.is_empty() => return Ok(names),
            None => return Err(format!("expected '.' before {after:?}")),
        }
    }
}

/// Bails unless `id` looks like a SQL warehouse id (hex digits and letters): it goes into JSON
/// bodies and URLs of the SQL API. `source` names where it came from, for the error.
pub fn validate_warehouse_id(id: &str, source: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        bail!(
            "{source} {id:?} is not a SQL warehouse id (letters and digits, e.g. 1234567890abcdef); \
             find it in the workspace under SQL Warehouses > your warehouse > Connection details"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_quoted_in_sql_and_bare_in_headers() {
        let t = Tables::parse("main.agents.claude", "--tables").unwrap();
        assert_eq!(t.table(Signal::Metrics), "main.agents.claude_otel_metrics");
        assert_eq!(
            t.sql_table(Signal::Logs),
            "`main`.`agents`.`claude_otel_logs`"
        );
        assert_eq!(t.to_string(), "main.agents.claude");
    }

    #[test]
    fn backtick_quoted_names_keep_other_characters() {
        let t = Tables::parse("`my-catalog`.agents.`team-a`", "--tables").unwrap();
        assert_eq!(t.table(Signal::Logs), "my-catalog.agents.team-a_otel_logs");
        assert_eq!(
            t.sql_table(Signal::Metrics),
            "`my-catalog`.`agents`.`team-a_otel_metrics`"
        );
        assert_eq!(t.to_string(), "`my-catalog`.agents.`team-a`");
        assert_eq!(Tables::parse(&t.to_string(), "--tables").unwrap(), t);
    }

    #[test]
    fn anything_that_could_escape_a_name_is_refused() {
        for bad in [
            "main.agents;DROP TABLE x",
            "main.agents",
            "main.agents.claude.extra",
            "main..claude",
            "main.a-b.c",
            "`main`.`a`b`.c",
            "`main.agents.claude",
            "main.`x;y`.c",
            "main.`a,b`.c",
            "main.`a=b`.c",
            "main.agents.`a%2Cb`",
            "main.agents.`café`",
            "main.`a b`.c",
            "main.`a\nb`.c",
            "main.`a.b`.c",
            "`main`x.agents.c",
            "",
        ] {
            let err = Tables::parse(bad, "--tables").unwrap_err().to_string();
            assert!(err.starts_with("--tables "), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_count_of_names_agrees_with_its_number() {
        let err = Tables::parse("main", "--tables").unwrap_err().to_string();
        assert!(err.contains("(found 1 name)"), "{err}");
        let err = Tables::parse("a.b.c.d", "--tables")
            .unwrap_err()
            .to_string();
        assert!(err.contains("(found 4 names)"), "{err}");
    }

    #[test]
    fn warehouse_ids_are_letters_and_digits() {
        assert!(validate_warehouse_id("abc123DEF", "--warehouse-id").is_ok());
        for bad in ["", "abc/../x", "a b", "a\"b"] {
            let err = validate_warehouse_id(bad, "--warehouse-id").unwrap_err();
            assert!(err.to_string().starts_with("--warehouse-id "), "{bad:?}");
        }
    }
}
