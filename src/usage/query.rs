//! The gateway's usage query: `templates/usage/gateway.sql`, sent as committed (the usage
//! dashboard's dataset is the same text), with its `:days` and `:users` bound as parameters; and
//! its result read into typed records.

use crate::sql::{Parameter, ResultSet};
use anyhow::{Result, bail};

/// The query, byte for byte as committed.
pub const TEMPLATE: &str = include_str!("../../templates/usage/gateway.sql");

/// The table the query reads (for titles, JSON and error messages).
pub const TABLE: &str = "system.ai_gateway.usage";

/// The query's output columns, in order.
pub const COLUMNS: [&str; 9] = [
    "day",
    "agent",
    "model",
    "user",
    "requests",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "today",
];

/// Whose requests the query counts (its `:users`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Users {
    /// The signed-in user's (`requester = current_user()`).
    Me,
    /// Everyone's the user may read.
    All,
}

impl Users {
    /// The value of `:users`, also the `users` field of `--json`.
    pub fn name(self) -> &'static str {
        match self {
            Users::Me => "me",
            Users::All => "all",
        }
    }
}

/// The values of the query's markers: `:days` (today included) and `:users`.
pub fn parameters(days: u32, users: Users) -> Vec<Parameter> {
    vec![
        Parameter {
            name: "days",
            value: days.to_string(),
            sql_type: "INT",
        },
        Parameter {
            name: "users",
            value: users.name().to_string(),
            sql_type: "STRING",
        },
    ]
}

/// One row of the result: the requests of one user with one agent to one model on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub day: String,
    /// An agent id of `agents::ALL`, or `other`.
    pub agent: String,
    pub model: String,
    pub user: String,
    pub requests: u64,
    pub input_tokens: u64,
    /// Of the input tokens, how many were read from the prompt cache.
    pub cached_tokens: u64,
    pub output_tokens: u64,
}

/// The records of a result, and the warehouse's today (`None` when there are no rows).
#[derive(Debug, Default)]
pub struct Records {
    pub records: Vec<Record>,
    pub today: Option<String>,
}

/// Reads the result by column name, so a reordered answer still reads right and a missing
/// column is named. A NULL count is 0; a NULL label is `unknown` (`other` for the agent).
pub fn records(result: &ResultSet) -> Result<Records> {
    // Where each of COLUMNS is in the answer.
    let mut position = [0usize; COLUMNS.len()];
    for (slot, name) in position.iter_mut().zip(COLUMNS) {
        let Some(found) = result.columns.iter().position(|c| c == name) else {
            let has = match result.columns.is_empty() {
                true => "none".to_string(),
                false => result.columns.join(", "),
            };
            bail!("the usage query's result has no column {name} (it has: {has})\n{UNEXPECTED}");
        };
        *slot = found;
    }
    let mut parsed = Records::default();
    for (n, row) in result.rows.iter().enumerate() {
        let cell = |column: usize| row.get(position[column]).cloned().flatten();
        let label = |column: usize, default: &str| cell(column).unwrap_or_else(|| default.into());
        let number = |column: usize| -> Result<u64> {
            let Some(text) = cell(column) else {
                return Ok(0);
            };
            whole(&text).ok_or_else(|| {
                anyhow::anyhow!(
                    "the usage query's result holds {text:?} in column {} (row {}), where a whole number belongs\n{UNEXPECTED}",
                    COLUMNS[column],
                    n + 1
                )
            })
        };
        if parsed.today.is_none() {
            parsed.today = cell(8);
        }
        parsed.records.push(Record {
            day: label(0, "unknown"),
            agent: label(1, "other"),
            model: label(2, "unknown"),
            user: label(3, "unknown"),
            requests: number(4)?,
            input_tokens: number(5)?,
            output_tokens: number(6)?,
            cached_tokens: number(7)?,
        });
    }
    Ok(parsed)
}

const UNEXPECTED: &str =
    "The warehouse answered in a shape agentgw does not know; please report this message.";

/// A count as the API writes it: `"12"`, or `"12.0"` from a DECIMAL sum; never negative.
fn whole(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let n: f64 = text.parse().ok()?;
    (n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n < 2f64.powi(63)).then_some(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(columns: &[&str], rows: &[&[Option<&str>]]) -> ResultSet {
        ResultSet {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn the_template_has_the_two_markers_and_the_columns() {
        assert!(TEMPLATE.contains(":days") && TEMPLATE.contains(":users"));
        for column in COLUMNS {
            assert!(
                TEMPLATE.contains(&format!(" AS {column},"))
                    || TEMPLATE.contains(&format!(" AS {column}\n")),
                "{column}"
            );
        }
        assert_eq!(
            parameters(3, Users::All),
            [
                Parameter {
                    name: "days",
                    value: "3".into(),
                    sql_type: "INT"
                },
                Parameter {
                    name: "users",
                    value: "all".into(),
                    sql_type: "STRING"
                },
            ]
        );
    }

    #[test]
    fn rows_are_read_by_column_name_with_nulls_defaulted() {
        let mut columns = COLUMNS.to_vec();
        columns.reverse();
        let parsed = records(&result(
            &columns,
            &[&[
                Some("2026-11-26"),
                Some("7.0"),
                Some("20"),
                Some("100"),
                Some("3"),
                Some("dev@example.com"),
                None,
                None,
                Some("2026-11-25"),
            ]],
        ))
        .unwrap();
        assert_eq!(parsed.today.as_deref(), Some("2026-11-26"));
        assert_eq!(
            parsed.records,
            [Record {
                day: "2026-11-25".into(),
                agent: "other".into(),
                model: "unknown".into(),
                user: "dev@example.com".into(),
                requests: 3,
                input_tokens: 100,
                output_tokens: 20,
                cached_tokens: 7,
            }]
        );
    }

    #[test]
    fn an_unexpected_answer_names_the_column() {
        let error = records(&result(&COLUMNS[..8], &[])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the usage query's result has no column today (it has: day, agent,"),
            "{error}"
        );
        let mut row: Vec<Option<&str>> = vec![Some("1"); 9];
        row[5] = Some("-4");
        let error = records(&result(&COLUMNS, &[&row])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the usage query's result holds \"-4\" in column input_tokens (row 1), where a whole number belongs"),
            "{error}"
        );
    }
}
