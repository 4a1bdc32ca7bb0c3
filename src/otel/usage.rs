//! `agentgw usage`: Claude Code's cost and token counters (`claude_code.cost.usage`,
//! `claude_code.token.usage`) summed per day, model or user from the metrics table, shown as a
//! table with bars, or as JSON.
//!
//! The sums assume delta temporality (each point is the increase since the last export), which
//! `agentgw setup claude --otel-tables` asks Claude Code for.

use super::tables::{Signal, Tables};
use crate::sql::ResultSet;
use anyhow::{Result, bail};
use serde_json::json;

const COST: &str = "claude_code.cost.usage";
const TOKENS: &str = "claude_code.token.usage";
/// Labels longer than this are cut, so one long model or e-mail does not push the bars off screen.
const MAX_LABEL: usize = 40;
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

/// Every day of the window ending `today` (else the days between the first and last row), with
/// zero rows for days without usage: a chart with a gap says "nothing that day", a chart without
/// one lies about it. Rows outside the window (clock skew) are kept.
pub fn fill_days(rows: Vec<Row>, days: u32, today: Option<&str>) -> Vec<Row> {
    let numbered: Vec<Option<i64>> = rows.iter().map(|r| day_number(&r.label)).collect();
    let known = numbered.iter().flatten().copied();
    let (first, last) = match today.and_then(day_number) {
        Some(end) => (
            known
                .clone()
                .min()
                .unwrap_or(end)
                .min(end - i64::from(days) + 1),
            known.max().unwrap_or(end).max(end),
        ),
        None => match (known.clone().min(), known.max()) {
            (Some(first), Some(last)) => (first, last),
            _ => return rows,
        },
    };
    let mut filled: Vec<Row> = (first..=last)
        .map(|day| {
            let found = numbered.iter().position(|n| *n == Some(day));
            match found {
                Some(i) => rows[i].clone(),
                None => Row {
                    label: date_of(day),
                    cost_usd: 0.0,
                    tokens: 0.0,
                },
            }
        })
        .collect();
    // A label that is not a date (should not happen) is shown, not dropped.
    filled.extend(
        rows.iter()
            .zip(&numbered)
            .filter(|(_, n)| n.is_none())
            .map(|(r, _)| r.clone()),
    );
    filled
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian calendar).
fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || date.len() != 10 {
        return None;
    }
    // Count years from March, so the leap day is the last day of the "year".
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The `YYYY-MM-DD` date of a day number (the inverse of [`day_number`]).
fn date_of(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let d = day_of_year - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = year_of_era + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
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
            bar(row.cost_usd, max_cost),
            bar(row.tokens, max_tokens)
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

/// Dollars without the noise of binary floating point (0.1 + 0.2 = 0.30000000000000004):
/// rounded to a millionth, far below any price per request. Never -0.0 (the sum of no rows is
/// -0.0 in IEEE arithmetic, and so is a tiny negative rounded): adding +0.0 makes it 0.0.
fn dollars(value: f64) -> f64 {
    (value * 1e6).round() / 1e6 + 0.0
}

fn width(cells: &[String], at_least: usize) -> usize {
    cells
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .max(at_least)
}

/// The label as shown: control characters (which could move the cursor or forge lines; labels
/// come from telemetry anyone can send) become `?`, and a long one is cut.
fn cut(label: &str) -> String {
    let shown: String = label
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if shown.chars().count() <= MAX_LABEL {
        shown
    } else {
        let kept: String = shown.chars().take(MAX_LABEL - 1).collect();
        format!("{kept}…")
    }
}

/// A bar of up to BAR_WIDTH cells in eighths of a cell; a non-zero value always shows.
fn bar(value: f64, max: f64) -> String {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    if value <= 0.0 || max <= 0.0 {
        return String::new();
    }
    let eighths = ((value / max) * (BAR_WIDTH * 8) as f64).round().max(1.0) as usize;
    let mut bar = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        bar.push(EIGHTHS[eighths % 8 - 1]);
    }
    bar
}

fn money(value: f64) -> String {
    let cents = (value * 100.0).round() as i64;
    format!(
        "{}.{:02}",
        thousands(cents.div_euclid(100)),
        cents.rem_euclid(100)
    )
}

fn count(value: f64) -> String {
    thousands(value.round() as i64)
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rows_cost_zero_dollars_not_minus_zero() {
        let report = to_json(&[], GroupBy::Model, 7, "t");
        assert_eq!(report["total"]["cost_usd"].to_string(), "0.0");
        assert_eq!(dollars(-1e-9).to_string(), "0");
    }

    fn row(label: &str, cost_usd: f64, tokens: f64) -> Row {
        Row {
            label: label.into(),
            cost_usd,
            tokens,
        }
    }

    #[test]
    fn dates_round_trip_across_month_year_and_leap_day() {
        for date in [
            "1970-01-01",
            "2024-02-29",
            "2024-03-01",
            "2026-12-31",
            "2027-01-01",
        ] {
            assert_eq!(date_of(day_number(date).unwrap()), date);
        }
        assert_eq!(day_number("1970-01-02"), Some(1));
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
        assert_eq!(day_number("unknown"), None);
    }

    #[test]
    fn gaps_between_days_become_zero_rows() {
        let filled = fill_days(
            vec![row("2026-02-27", 1.0, 10.0), row("2026-03-02", 2.0, 20.0)],
            7,
            None,
        );
        let labels: Vec<_> = filled.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
        );
        assert_eq!(filled[1].cost_usd, 0.0);
    }

    #[test]
    fn the_whole_window_up_to_today_is_shown() {
        let filled = fill_days(
            vec![row("2026-11-22", 1.0, 10.0), row("2026-11-24", 2.0, 20.0)],
            7,
            Some("2026-11-26"),
        );
        let labels: Vec<_> = filled.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2026-11-20",
                "2026-11-21",
                "2026-11-22",
                "2026-11-23",
                "2026-11-24",
                "2026-11-25",
                "2026-11-26"
            ]
        );
        assert_eq!(filled[4].tokens, 20.0);
    }

    #[test]
    fn labels_cannot_drive_the_terminal() {
        assert_eq!(
            cut("evil\u{1b}]0;pwned\u{7}\nTOTAL"),
            "evil?]0;pwned??TOTAL"
        );
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_small_values_still_show() {
        assert_eq!(bar(10.0, 10.0).chars().count(), BAR_WIDTH);
        assert_eq!(bar(5.0, 10.0), "█".repeat(BAR_WIDTH / 2));
        assert_eq!(bar(0.0001, 10.0), "▏");
        assert_eq!(bar(0.0, 10.0), "");
    }
}
