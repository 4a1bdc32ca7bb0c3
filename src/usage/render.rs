//! The usage report as a terminal table (title, columns, bars, total, what the costs are), as
//! JSON for scripts and as CSV for spreadsheets. Shapes documented in the README.

use super::format::{bar, count, cut, dollars, money};
use super::query::{TABLE, Users};
use super::report::{Line, Pricing, Report, agent_name};
use crate::cli::UsageBy;
use serde_json::{Value, json};

/// The table fits this many columns for typical data: the bars give way first.
const MAX_WIDTH: usize = 100;
const BAR_MAX: usize = 24;
const BAR_MIN: usize = 8;
const GAP: &str = "  ";

/// The title line: whose usage of what, over which days, grouped how.
pub fn title(report: &Report) -> String {
    let what = report.agent.as_deref().map_or("AI Gateway", agent_name);
    let whose = match (report.users, &report.user) {
        (Users::All, _) => "all users".to_string(),
        (Users::Me, Some(user)) => cut(user),
        (Users::Me, None) => "your requests".to_string(),
    };
    format!(
        "{what} usage, last {} by {}, {whose} ({TABLE})",
        crate::ui::plural(report.days as usize, "day"),
        report.by.name()
    )
}

/// The human report: title, table with bars, total, and what the costs are.
pub fn terminal(report: &Report) -> String {
    let mut out = format!("{}\n", title(report));
    if report.lines.is_empty() {
        out.push_str("No requests recorded in this period.\n");
        return out;
    }
    let partial = report
        .lines
        .iter()
        .any(|l| l.cost_usd.is_some() && !l.priced)
        || (report.total.cost_usd.is_some() && !report.total.priced);
    let cells = |line: &Line, label: String| -> [String; 6] {
        [
            label,
            count(line.requests as f64),
            count(line.input_tokens as f64),
            count(line.output_tokens as f64),
            count(line.cached_tokens as f64),
            cost_cell(line, partial),
        ]
    };
    let rows: Vec<[String; 6]> = report
        .lines
        .iter()
        .map(|line| cells(line, cut(&label(report.by, &line.key))))
        .collect();
    let total = cells(&report.total, "TOTAL".to_string());
    let bar_header = if report.any_priced { "COST" } else { "TOKENS" };
    let header = [
        report.by.name().to_uppercase(),
        "REQUESTS".into(),
        "TOKENS IN".into(),
        "TOKENS OUT".into(),
        "CACHED".into(),
        "EST. COST (USD)".into(),
    ];
    // Each column as wide as its widest cell, header and total included.
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .chain([&header, &total])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let fixed: usize = widths.iter().sum::<usize>() + GAP.len() * widths.len();
    let bar_width = MAX_WIDTH.saturating_sub(fixed).clamp(BAR_MIN, BAR_MAX);
    let measure = |line: &Line| match report.any_priced {
        true => line.cost_usd.unwrap_or(0.0),
        false => line.tokens() as f64,
    };
    let max = report.lines.iter().map(measure).fold(0.0, f64::max);
    let line_of = |cells: &[String; 6], bar: &str| {
        let mut text = format!("{:<w$}", cells[0], w = widths[0]);
        for (cell, w) in cells[1..].iter().zip(&widths[1..]) {
            text.push_str(GAP);
            text.push_str(&format!("{cell:>w$}"));
        }
        text.push_str(GAP);
        text.push_str(bar);
        format!("{}\n", text.trim_end())
    };
    out.push('\n');
    out.push_str(&line_of(&header, bar_header));
    for (cells, line) in rows.iter().zip(&report.lines) {
        out.push_str(&line_of(cells, &bar(measure(line), max, bar_width)));
    }
    out.push_str(&line_of(&total, ""));
    out.push('\n');
    for note in cost_notes(report, partial) {
        out.push_str(&note);
        out.push('\n');
    }
    out
}

/// A line's label as shown: the product name of an agent, else the key.
fn label(by: UsageBy, key: &str) -> String {
    match by {
        UsageBy::Agent => agent_name(key).to_string(),
        _ => key.to_string(),
    }
}

/// Dollars; `*` after a sum that leaves out models without a price (the others get a space, so
/// the digits stay aligned); blank where nothing is known.
fn cost_cell(line: &Line, partial: bool) -> String {
    match line.cost_usd {
        None => String::new(),
        Some(usd) if !line.priced => format!("{}*", money(usd)),
        Some(usd) if partial => format!("{} ", money(usd)),
        Some(usd) => money(usd),
    }
}

/// What the cost column is, under the table.
fn cost_notes(report: &Report, partial: bool) -> Vec<String> {
    match &report.pricing {
        Pricing::Unavailable(why) => vec![format!(
            "No cost estimates: the workspace's price list could not be read ({why})."
        )],
        Pricing::Estimated { unpriced } => {
            let mut notes = vec![
                "Costs are estimates from the workspace's list prices, not billed amounts."
                    .to_string(),
            ];
            if !unpriced.is_empty() {
                let names: Vec<String> = unpriced.iter().map(|m| cut(m)).collect();
                let marked = match partial {
                    true => "; sums marked * leave it out",
                    false => "",
                };
                notes.push(format!(
                    "No price for {}: cost left blank{marked}.",
                    names.join(", ")
                ));
            }
            notes
        }
    }
}

/// The `--json` report (README: "agentgw usage --json").
pub fn json(report: &Report, warehouse_id: &str) -> Value {
    let by = report.by.name();
    let rows: Vec<Value> = report
        .lines
        .iter()
        .map(|line| {
            let mut row = json!({ by: line.key });
            if report.by == UsageBy::Agent {
                row["name"] = json!(agent_name(&line.key));
            }
            sums(&mut row, line);
            row
        })
        .collect();
    let mut total = json!({});
    sums(&mut total, &report.total);
    let (unpriced, prices_error) = match &report.pricing {
        Pricing::Estimated { unpriced } => (unpriced.clone(), None),
        Pricing::Unavailable(why) => (Vec::new(), Some(why.clone())),
    };
    json!({
        "source": "gateway",
        "table": TABLE,
        "warehouse_id": warehouse_id,
        "days": report.days,
        "today": report.today,
        "by": by,
        "users": report.users.name(),
        "user": report.user,
        "agent": report.agent,
        "rows": rows,
        "total": total,
        "unpriced_models": unpriced,
        "prices_error": prices_error,
    })
}

fn sums(object: &mut Value, line: &Line) {
    object["requests"] = json!(line.requests);
    object["input_tokens"] = json!(line.input_tokens);
    object["output_tokens"] = json!(line.output_tokens);
    object["cached_tokens"] = json!(line.cached_tokens);
    object["cost_usd"] = json!(line.cost_usd.map(dollars));
    object["priced"] = json!(line.priced);
}

/// The `--csv` report (RFC 4180: CRLF line ends, fields with a comma, quote or line break
/// quoted): a header, one line per row, no total. The cost is empty unless the row is fully
/// priced: a spreadsheet has no room to say "part of it".
pub fn csv(report: &Report) -> String {
    let mut out = format!(
        "{},requests,input_tokens,output_tokens,cached_tokens,cost_usd\r\n",
        report.by.name()
    );
    for line in &report.lines {
        let cost = match (line.cost_usd, line.priced) {
            (Some(usd), true) => dollars(usd).to_string(),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{},{},{},{},{},{cost}\r\n",
            csv_field(&line.key),
            line.requests,
            line.input_tokens,
            line.output_tokens,
            line.cached_tokens,
        ));
    }
    out
}

/// A CSV field: as it is, or in double quotes (inner quotes doubled) when it holds a comma, a
/// quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::query::Record;
    use crate::usage::report::{Options, build};

    fn record(day: &str, agent: &str, model: &str, n: u64) -> Record {
        Record {
            day: day.into(),
            agent: agent.into(),
            model: model.into(),
            user: "dev@example.com".into(),
            requests: n,
            input_tokens: 1_000_000 * n,
            output_tokens: 10_000 * n,
            cached_tokens: 600_000 * n,
        }
    }

    fn report(by: UsageBy, priced: bool) -> Report {
        let estimate = |model: &str, input: u64, _: u64, _: u64| {
            (model != "databricks-llama-4-maverick").then_some(input as f64 / 1e6)
        };
        let records = [
            record("2026-11-25", "claude", "system.ai.claude-sonnet-4-6", 12),
            record("2026-11-26", "codex", "databricks-gpt-5-2", 30),
            record("2026-11-26", "pi", "databricks-llama-4-maverick", 2),
        ];
        let options = Options {
            by,
            days: 2,
            users: Users::Me,
            agent: None,
        };
        let prices = match priced {
            true => Ok(&estimate as &dyn Fn(&str, u64, u64, u64) -> Option<f64>),
            false => Err("HTTP 403".to_string()),
        };
        build(&records, Some("2026-11-26"), &options, prices)
    }

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks_only() {
        assert_eq!(csv_field("plain@example.com"), "plain@example.com");
        assert_eq!(csv_field("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn csv_has_a_header_a_line_per_row_and_only_whole_costs() {
        assert_eq!(
            csv(&report(UsageBy::Day, true)),
            "day,requests,input_tokens,output_tokens,cached_tokens,cost_usd\r\n\
             2026-11-25,12,12000000,120000,7200000,12\r\n\
             2026-11-26,32,32000000,320000,19200000,\r\n"
        );
        assert_eq!(
            csv(&report(UsageBy::Agent, true)).split("\r\n").nth(3),
            Some("pi,2,2000000,20000,1200000,")
        );
    }

    #[test]
    fn a_partial_sum_is_marked_and_the_unpriced_model_named() {
        let text = terminal(&report(UsageBy::Day, true));
        assert!(text.contains("  30.00*  "), "{text}");
        assert!(text.contains("  12.00   "), "{text}");
        assert!(text.ends_with(
            "Costs are estimates from the workspace's list prices, not billed amounts.\n\
             No price for databricks-llama-4-maverick: cost left blank; sums marked * leave it out.\n"
        ), "{text}");
        let text = terminal(&report(UsageBy::Model, false));
        assert!(
            text.contains("  TOKENS\n"),
            "bars by tokens without prices: {text}"
        );
        assert!(
            text.ends_with(
                "No cost estimates: the workspace's price list could not be read (HTTP 403).\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_typical_report_fits_100_columns() {
        for by in [UsageBy::Day, UsageBy::Agent, UsageBy::Model, UsageBy::User] {
            let text = terminal(&report(by, true));
            for line in text.lines() {
                assert!(line.chars().count() <= MAX_WIDTH, "{by:?}: {line}");
            }
        }
    }
}
