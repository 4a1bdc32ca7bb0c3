//! `agentgw usage`: Claude Code's cost and token counters (`claude_code.cost.usage`,
//! `claude_code.token.usage`) summed per day, model or user from the metrics table, shown as a
//! table with bars, or as JSON.
//!
//! The sums assume delta temporality (each point is the increase since the last export), which
//! `agentgw setup claude --otel-tables` asks Claude Code for.

use super::tables::{Signal, Tables};
use crate::sql::ResultSet;
use crate::usage::days::Dated;
pub use crate::usage::days::fill_days;
use crate::usage::format::{bar, count, cut, dollars, money, width};
use anyhow::{Result, bail};
use serde_json::json;

const COST: &str = "claude_code.cost.usage";
const TOKENS: &str = "claude_code.token.usage";
const BAR_WIDTH: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    Day,
    Model,
    User,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Model => "model",
            GroupBy::User => "user",
        }
    }

    /// The SQL expression of the group (over the metrics table's `sum` struct).
    fn expression(self) -> &'static str {
        match self {
            GroupBy::Day => {
                "date_format(timestamp_micros(`sum`.time_unix_nano DIV 1000), 'yyyy-MM-dd')"
            }
            GroupBy::Model => "coalesce(`sum`.attributes['model'], 'unknown')",
            GroupBy::User => {
                "coalesce(`sum`.attributes['user.email'], `sum`.attributes['user.account_uuid'], `sum`.attributes['user.id'], 'unknown')"
            }
        }
    }
}

/// The query for the last `days` days (today included), one row per group: group, cost, tokens,
/// and the warehouse's today (so the days shown are the ones the query counted).
pub fn query(tables: &Tables, days: u32, by: GroupBy) -> String {
    let order = match by {
        GroupBy::Day => "1",
        GroupBy::Model | GroupBy::User => "2 DESC, 3 DESC, 1",
    };
    format!(
        "SELECT {group} AS {name},\n\
         \x20 SUM(CASE WHEN name = '{COST}' THEN `sum`.value ELSE 0 END) AS cost_usd,\n\
         \x20 SUM(CASE WHEN name = '{TOKENS}' THEN `sum`.value ELSE 0 END) AS tokens,\n\
         \x20 max(current_date()) AS today\n\
         FROM {table}\n\
         WHERE name IN ('{COST}', '{TOKENS}')\n\
         \x20 AND `sum`.time_unix_nano >= unix_micros(CAST(date_sub(current_date(), {back}) AS TIMESTAMP)) * 1000\n\
         GROUP BY 1\n\
         ORDER BY {order}",
        group = by.expression(),
        name = by.name(),
        table = tables.sql_table(Signal::Metrics),
        back = days.saturating_sub(1),
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub cost_usd: f64,
    pub tokens: f64,
}

/// The rows of the query's result (a NULL sum is 0), and the warehouse's today (`None` without rows).
pub fn rows(result: &ResultSet) -> Result<(Vec<Row>, Option<String>)> {
    let number = |cell: &Option<String>| -> Result<f64> {
        match cell {
            None => Ok(0.0),
            Some(text) => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(n),
                _ => bail!("the warehouse returned {text:?} where a number belongs"),
            },
        }
    };
    let mut today = None;
    let rows = result
        .rows
        .iter()
        .map(|row| match row.as_slice() {
            [label, cost, tokens, day] => {
                today = today.take().or_else(|| day.clone());
                Ok(Row {
                    label: label.clone().unwrap_or_else(|| "unknown".into()),
                    cost_usd: number(cost)?,
                    tokens: number(tokens)?,
                })
            }
            [_] => bail!("the warehouse returned 1 column where 4 belong"),
            other => bail!(
                "the warehouse returned {} columns where 4 belong",
                other.len()
            ),
        })
        .collect::<Result<_>>()?;
    Ok((rows, today))
}

impl Dated for Row {
    fn day(&self) -> &str {
        &self.label
    }

    fn empty(day: String) -> Row {
        Row {
            label: day,
            cost_usd: 0.0,
            tokens: 0.0,
        }
    }
}

/// The human report: a header line, one line per row with cost and token bars, and a total.
pub fn render(rows: &[Row], by: GroupBy, days: u32, table: &str) -> String {
    let mut out = format!(
        "Claude Code usage, last {} by {} ({table})\n",
        crate::ui::plural(days as usize, "day"),
        by.name()
    );
    if rows.is_empty() {
        out.push_str("No usage recorded in this period.\n");
        return out;
    }
    let labels: Vec<String> = rows.iter().map(|r| cut(&r.label)).collect();
    let costs: Vec<String> = rows.iter().map(|r| money(r.cost_usd)).collect();
    let tokens: Vec<String> = rows.iter().map(|r| count(r.tokens)).collect();
    let total_cost = money(rows.iter().map(|r| r.cost_usd).sum());
    let total_tokens = count(rows.iter().map(|r| r.tokens).sum());
    let label_width = width(&labels, by.name().len()).max("TOTAL".len());
    let cost_width = width(&costs, total_cost.len()).max("COST (USD)".len());
    let token_width = width(&tokens, total_tokens.len()).max("TOKENS".len());
    let max_cost = rows.iter().map(|r| r.cost_usd).fold(0.0, f64::max);
    let max_tokens = rows.iter().map(|r| r.tokens).fold(0.0, f64::max);
    out.push('\n');
    out.push_str(&format!(
        "{:<label_width$}  {:>cost_width$}  {:>token_width$}  {:<BAR_WIDTH$}  TOKENS\n",
        by.name().to_uppercase(),
        "COST (USD)",
        "TOKENS",
        "COST"
    ));
    for (i, row) in rows.iter().enumerate() {
        let line = format!(
            "{:<label_width$}  {:>cost_width$}  {:>token_width$}  {:<BAR_WIDTH$}  {}",
            labels[i],
            costs[i],
            tokens[i],
            bar(row.cost_usd, max_cost, BAR_WIDTH),
            bar(row.tokens, max_tokens, BAR_WIDTH)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "{:<label_width$}  {:>cost_width$}  {:>token_width$}\n",
        "TOTAL", total_cost, total_tokens
    ));
    out
}

/// The `--json` report: `{"table","days","by","rows":[{<by>,"cost_usd","tokens"}],"total":{...}}`.
pub fn to_json(rows: &[Row], by: GroupBy, days: u32, table: &str) -> serde_json::Value {
    let list: Vec<_> = rows
        .iter()
        .map(|r| json!({by.name(): r.label, "cost_usd": dollars(r.cost_usd), "tokens": r.tokens.round() as u64}))
        .collect();
    json!({
        "table": table,
        "days": days,
        "by": by.name(),
        "rows": list,
        "total": {
            "cost_usd": dollars(rows.iter().map(|r| r.cost_usd).sum::<f64>()),
            "tokens": rows.iter().map(|r| r.tokens).sum::<f64>().round() as u64,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rows_cost_zero_dollars_not_minus_zero() {
        let report = to_json(&[], GroupBy::Model, 7, "t");
        assert_eq!(report["total"]["cost_usd"].to_string(), "0.0");
    }
}
