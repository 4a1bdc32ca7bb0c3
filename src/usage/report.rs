//! The usage report: the query's records (one per day, agent, model and user) filtered by
//! `--agent` and grouped by day, agent, model or user on this side, so one query serves every
//! grouping. Costs are estimated per record (one model each) before grouping, so a day's or an
//! agent's cost is the sum of its models' estimates.

use super::days::{self, Dated};
use super::query::{Record, Users};
use crate::cli::UsageBy;
use std::collections::{BTreeMap, BTreeSet};

/// What `model`'s tokens cost in USD (`input`, `output`, `cached` of the input), or `None`
/// when the model has no price: `prices::Catalog::estimate`.
pub type Estimate<'a> = &'a dyn Fn(&str, u64, u64, u64) -> Option<f64>;

/// What the report is of.
pub struct Options<'a> {
    pub by: UsageBy,
    pub days: u32,
    pub users: Users,
    /// `--agent`: only this agent's records (an id of `agents::ALL`, or `other`).
    pub agent: Option<&'a str>,
}

/// One row: the group and its sums.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The day, agent id, model or user.
    pub key: String,
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    /// The sum of the estimates of the line's models that have a price; `None` when none has
    /// (or there is no price list). A line without requests costs 0.
    pub cost_usd: Option<f64>,
    /// Every model of the line has a price: `cost_usd` is the whole estimate, not a part.
    pub priced: bool,
}

impl Line {
    /// Tokens sent and received (cached tokens are among the input tokens).
    pub fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// Whether costs could be estimated at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Pricing {
    /// From the workspace's price list; `unpriced` names the models it has no price for.
    Estimated { unpriced: Vec<String> },
    /// The price list could not be read: why.
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub by: UsageBy,
    pub days: u32,
    pub users: Users,
    pub agent: Option<String>,
    /// The signed-in user, as the table names them: the requester of your own rows (`None`
    /// for `--all-users`, or when there are no rows to tell).
    pub user: Option<String>,
    /// The last day of the window: the warehouse's today, else today in UTC.
    pub today: String,
    pub lines: Vec<Line>,
    pub total: Line,
    pub pricing: Pricing,
    /// Some model had a price: bars show cost, else tokens.
    pub any_priced: bool,
    /// The warehouse answered rows at all (before `--agent` kept some).
    pub answered: bool,
}

/// Sums in the making: the estimate split in what is known and whether anything is not.
#[derive(Debug, Clone, Default)]
struct Sum {
    key: String,
    requests: u64,
    input_tokens: u64,
    output_tokens: u64,
    cached_tokens: u64,
    cost: f64,
    any_priced: bool,
    any_unpriced: bool,
}

impl Sum {
    fn add(&mut self, record: &Record, cost: Option<Option<f64>>) {
        self.requests += record.requests;
        self.input_tokens += record.input_tokens;
        self.output_tokens += record.output_tokens;
        self.cached_tokens += record.cached_tokens;
        match cost {
            Some(Some(usd)) => {
                self.cost += usd;
                self.any_priced = true;
            }
            Some(None) => self.any_unpriced = true,
            None => {}
        }
    }

    fn line(self, prices_known: bool) -> Line {
        // Known when there is a price list and the line is not made only of unpriced models.
        let known = prices_known && (self.any_priced || !self.any_unpriced);
        let cost_usd = known.then_some(self.cost);
        Line {
            key: self.key,
            requests: self.requests,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cached_tokens: self.cached_tokens,
            cost_usd,
            priced: prices_known && !self.any_unpriced,
        }
    }
}

impl Dated for Sum {
    fn day(&self) -> &str {
        &self.key
    }

    fn empty(day: String) -> Sum {
        Sum {
            key: day,
            ..Sum::default()
        }
    }
}

/// The report of `records`, whose last day is `today` (the warehouse's, else today in UTC).
/// `estimate` is `Err(why)` when the price list could not be read.
pub fn build(
    records: &[Record],
    today: Option<&str>,
    options: &Options,
    estimate: Result<Estimate, String>,
) -> Report {
    let user = match options.users {
        Users::Me => records.first().map(|r| r.user.clone()),
        Users::All => None,
    };
    let kept: Vec<&Record> = records
        .iter()
        .filter(|r| options.agent.is_none_or(|a| r.agent == a))
        .collect();
    let mut groups: BTreeMap<String, Sum> = BTreeMap::new();
    let mut total = Sum {
        key: "TOTAL".into(),
        ..Sum::default()
    };
    let mut unpriced = BTreeSet::new();
    for record in kept {
        let cost = estimate.as_ref().ok().map(|estimate| {
            let cost = estimate(
                &record.model,
                record.input_tokens,
                record.output_tokens,
                record.cached_tokens,
            );
            if cost.is_none() {
                unpriced.insert(record.model.clone());
            }
            cost
        });
        let key = match options.by {
            UsageBy::Day => &record.day,
            UsageBy::Agent => &record.agent,
            UsageBy::Model => &record.model,
            UsageBy::User => &record.user,
        };
        groups
            .entry(key.clone())
            .or_insert_with(|| Sum {
                key: key.clone(),
                ..Sum::default()
            })
            .add(record, cost);
        total.add(record, cost);
    }
    let today = today.map_or_else(days::today_utc, str::to_string);
    let mut sums: Vec<Sum> = groups.into_values().collect();
    match options.by {
        UsageBy::Day => sums = days::fill_days(sums, options.days, Some(&today)),
        UsageBy::Agent => sums.sort_by_key(|s| agent_rank(&s.key)),
        // The biggest first; tokens are known for every model, prices not.
        UsageBy::Model | UsageBy::User => sums.sort_by(|a, b| {
            (b.input_tokens + b.output_tokens)
                .cmp(&(a.input_tokens + a.output_tokens))
                .then_with(|| a.key.cmp(&b.key))
        }),
    }
    let prices_known = estimate.is_ok();
    let any_priced = total.any_priced;
    Report {
        by: options.by,
        days: options.days,
        users: options.users,
        agent: options.agent.map(str::to_string),
        user,
        today,
        lines: sums.into_iter().map(|s| s.line(prices_known)).collect(),
        total: total.line(prices_known),
        pricing: match estimate {
            Ok(_) => Pricing::Estimated {
                unpriced: unpriced.into_iter().collect(),
            },
            Err(why) => Pricing::Unavailable(why),
        },
        any_priced,
        answered: !records.is_empty(),
    }
}

/// `agents::ALL`'s order (the order of `setup`, `status` and `doctor`), then `other`, then
/// anything else the query might name.
pub fn agent_rank(id: &str) -> (usize, String) {
    let position = crate::agents::ALL.iter().position(|t| t.id() == id);
    match (position, id) {
        (Some(i), _) => (i, String::new()),
        (None, "other") => (crate::agents::ALL.len(), String::new()),
        (None, _) => (crate::agents::ALL.len() + 1, id.to_string()),
    }
}

/// The product name of an agent id of the query (`Claude Code`), `Other` for `other`; an id
/// agentgw does not know is shown as it is.
pub fn agent_name(id: &str) -> &str {
    match crate::agents::ALL.iter().find(|t| t.id() == id) {
        Some(target) => target.name(),
        None if id == "other" => "Other",
        None => id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(day: &str, agent: &str, model: &str, user: &str, n: u64) -> Record {
        Record {
            day: day.into(),
            agent: agent.into(),
            model: model.into(),
            user: user.into(),
            requests: n,
            input_tokens: 1000 * n,
            output_tokens: 100 * n,
            cached_tokens: 500 * n,
        }
    }

    /// $1 per request's worth of tokens (1,100 tokens), except for the model `free-lunch`,
    /// which has no price.
    fn estimate(model: &str, input: u64, output: u64, _cached: u64) -> Option<f64> {
        (model != "free-lunch").then(|| (input + output) as f64 / 1100.0)
    }

    fn options(by: UsageBy) -> Options<'static> {
        Options {
            by,
            days: 3,
            users: Users::Me,
            agent: None,
        }
    }

    fn records() -> Vec<Record> {
        vec![
            record("2026-11-24", "codex", "gpt", "me@x", 2),
            record("2026-11-26", "claude", "opus", "me@x", 1),
            record("2026-11-26", "other", "free-lunch", "me@x", 4),
            record("2026-11-26", "codex", "opus", "me@x", 3),
        ]
    }

    fn keys(report: &Report) -> Vec<&str> {
        report.lines.iter().map(|l| l.key.as_str()).collect()
    }

    #[test]
    fn one_query_serves_every_grouping() {
        let records = records();
        let build = |by| build(&records, Some("2026-11-26"), &options(by), Ok(&estimate));
        let by_day = build(UsageBy::Day);
        assert_eq!(keys(&by_day), ["2026-11-24", "2026-11-25", "2026-11-26"]);
        assert_eq!(
            by_day.lines.iter().map(|l| l.requests).collect::<Vec<_>>(),
            [2, 0, 8]
        );
        assert_eq!(
            by_day.lines[1].cost_usd,
            Some(0.0),
            "a day without requests costs 0"
        );
        // Claude Code before Codex (agents::ALL's order), Other last.
        assert_eq!(keys(&build(UsageBy::Agent)), ["claude", "codex", "other"]);
        let by_model = build(UsageBy::Model);
        assert_eq!(
            keys(&by_model),
            ["free-lunch", "opus", "gpt"],
            "most tokens first"
        );
        assert_eq!(by_model.lines[1].requests, 4);
        assert_eq!(keys(&build(UsageBy::User)), ["me@x"]);
        for by in [UsageBy::Day, UsageBy::Agent, UsageBy::Model, UsageBy::User] {
            let report = build(by);
            assert_eq!(report.total.requests, 10, "{by:?}");
            assert_eq!(report.total.cached_tokens, 5000, "{by:?}");
            assert_eq!(report.user.as_deref(), Some("me@x"));
        }
    }

    #[test]
    fn costs_are_sums_of_model_estimates_and_a_model_without_price_is_named() {
        let report = build(
            &records(),
            Some("2026-11-26"),
            &options(UsageBy::Day),
            Ok(&estimate),
        );
        let today = &report.lines[2];
        // opus: 1 + 3 requests' worth; free-lunch has no price: a part, marked.
        assert_eq!((today.cost_usd, today.priced), (Some(4.0), false));
        assert_eq!(
            (report.lines[0].cost_usd, report.lines[0].priced),
            (Some(2.0), true)
        );
        assert_eq!(
            (report.total.cost_usd, report.total.priced),
            (Some(6.0), false)
        );
        assert_eq!(
            report.pricing,
            Pricing::Estimated {
                unpriced: vec!["free-lunch".into()]
            }
        );
        assert!(report.any_priced);
        let by_agent = build(&records(), None, &options(UsageBy::Agent), Ok(&estimate));
        let other = by_agent.lines.last().unwrap();
        assert_eq!(
            (other.cost_usd, other.priced),
            (None, false),
            "never $0 for unknown"
        );
    }

    #[test]
    fn without_a_price_list_no_cost_at_all() {
        let report = build(
            &records(),
            Some("2026-11-26"),
            &options(UsageBy::Day),
            Err("HTTP 403".into()),
        );
        assert!(
            report
                .lines
                .iter()
                .all(|l| l.cost_usd.is_none() && !l.priced)
        );
        assert_eq!(report.total.cost_usd, None);
        assert_eq!(report.pricing, Pricing::Unavailable("HTTP 403".into()));
        assert!(!report.any_priced);
    }

    #[test]
    fn an_agent_filter_keeps_only_its_records_and_the_whole_window() {
        let records = records();
        let options = Options {
            agent: Some("codex"),
            ..options(UsageBy::Day)
        };
        let report = build(&records, Some("2026-11-26"), &options, Ok(&estimate));
        assert_eq!(
            report.lines.iter().map(|l| l.requests).collect::<Vec<_>>(),
            [2, 0, 3]
        );
        assert_eq!(report.total.requests, 5);
        assert_eq!(report.user.as_deref(), Some("me@x"));
    }

    #[test]
    fn no_records_fill_the_window_ending_today_in_utc() {
        let report = build(&[], None, &options(UsageBy::Day), Ok(&estimate));
        assert_eq!(report.lines.len(), 3);
        assert_eq!(report.lines[2].key, days::today_utc());
        assert!(!report.answered);
        assert_eq!(report.user, None);
        let report = build(&[], None, &options(UsageBy::Model), Ok(&estimate));
        assert!(report.lines.is_empty());
    }

    #[test]
    fn agents_are_named_as_products() {
        assert_eq!(agent_name("claude"), "Claude Code");
        assert_eq!(agent_name("codex"), "Codex CLI");
        assert_eq!(agent_name("other"), "Other");
        assert_eq!(agent_name("mystery"), "mystery");
        assert!(agent_rank("cursor") < agent_rank("other"));
        assert!(agent_rank("other") < agent_rank("mystery"));
    }
}
