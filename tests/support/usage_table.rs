//! The stand-in's `system.ai_gateway.usage`: raw request events set per test, and a statement
//! reading the table evaluated for real enough to test the query's logic. The agent patterns
//! are taken from the statement's own `CASE` (`WHEN concat(' ', lower(user_agent)) LIKE '%p%'
//! THEN 'a'`, or over `lower(user_agent)`), so a wrong pattern in the template fails a test;
//! `:days` and `:users` come from the request's `parameters` (a statement with a marker left
//! unbound is refused, as Databricks SQL does); rows are grouped by (day, agent, model, user)
//! into the template's columns.

use agentgw::usage::days::day_number;
use serde_json::Value;
use std::collections::BTreeMap;

/// The warehouse's `current_date()` in these tests.
pub const TODAY: &str = "2026-11-26";

/// The columns the template's query returns.
const COLUMNS: [&str; 9] = [
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

/// One request the gateway recorded.
#[derive(Clone, Debug)]
pub struct Event {
    /// The day of `event_time` (`YYYY-MM-DD`).
    pub day: String,
    pub requester: String,
    pub user_agent: Option<String>,
    pub destination_model: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// `token_details.cache_read_input_tokens`.
    pub cached_tokens: Option<u64>,
}

impl Event {
    /// A request of `requester` on `day` from `user_agent` to `model`, with these token counts.
    pub fn new(
        day: &str,
        requester: &str,
        user_agent: &str,
        model: &str,
        [input, output, cached]: [u64; 3],
    ) -> Event {
        Event {
            day: day.into(),
            requester: requester.into(),
            user_agent: Some(user_agent.into()),
            destination_model: Some(model.into()),
            input_tokens: Some(input),
            output_tokens: Some(output),
            cached_tokens: Some(cached),
        }
    }
}

/// How the table answers the test user.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Access {
    #[default]
    Readable,
    /// No SELECT on the table.
    Denied,
    /// The table does not exist (the system schema not enabled).
    Missing,
    /// Readable, but a row filter shows the user only their own rows.
    OwnRowsOnly,
}

#[derive(Clone, Debug, Default)]
pub struct UsageTable {
    pub events: Vec<Event>,
    pub access: Access,
    /// The workspace's price list (`external-provider-models`) answers 403: what a usage report
    /// does without prices. (Not the table's, but what a usage test sets up along with it.)
    pub price_list_refused: bool,
}

/// Whether `statement` reads the usage table.
pub fn reads(statement: &str) -> bool {
    code_of(statement).contains("FROM system.ai_gateway.usage")
}

/// A failed statement's `(error_code, message)`.
pub type Refusal = (&'static str, String);

/// A result: column names and rows of cells as the API sends them.
pub type Table = (Vec<&'static str>, Vec<Vec<Option<String>>>);

/// The result (columns and rows) of `statement` over `table`, run by `current_user`, with the
/// request's `parameters` (`[{"name","value","type"}]`).
pub fn execute(
    table: &UsageTable,
    statement: &str,
    parameters: &Value,
    current_user: &str,
) -> Result<Table, Refusal> {
    let code = code_of(statement);
    let bound = |name: &str| {
        parameters
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name)
            .map(|p| {
                (
                    p["value"].as_str().unwrap_or_default(),
                    p["type"].as_str().unwrap_or("STRING"),
                )
            })
    };
    for marker in markers(&code) {
        if bound(&marker).is_none() {
            return Err((
                "BAD_REQUEST",
                format!(
                    "[UNBOUND_SQL_PARAMETER] Found the unbound parameter: {marker}. Please, fix `args` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`. SQLSTATE: 42P02"
                ),
            ));
        }
    }
    match table.access {
        Access::Denied => {
            return Err((
                "PERMISSION_DENIED",
                "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on Table 'system.ai_gateway.usage'. SQLSTATE: 42501".into(),
            ));
        }
        Access::Missing => {
            return Err((
                "BAD_REQUEST",
                "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`ai_gateway`.`usage` cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01".into(),
            ));
        }
        Access::Readable | Access::OwnRowsOnly => {}
    }
    let days = match bound("days") {
        Some((value, "INT")) => value.parse::<i64>().map_err(|_| cast_error(value))?,
        Some((value, _)) => return Err(cast_error(value)),
        None => return Err(syntax_error("no :days")),
    };
    let everyone = bound("users").is_some_and(|(value, _)| value == "all");
    let (patterns, otherwise) = agent_case(&code)?;
    let today = day_number(TODAY).unwrap();
    let first = today - (days - 1);
    // (day, agent, model, user) → [requests, input, output, cached]
    let mut groups: BTreeMap<[String; 4], [u64; 4]> = BTreeMap::new();
    for event in &table.events {
        let own = event.requester == current_user;
        let visible = own || table.access != Access::OwnRowsOnly;
        let wanted = own || everyone;
        if !visible || !wanted || day_number(&event.day).is_none_or(|d| d < first) {
            continue;
        }
        // A NULL operand matches no pattern (NULL LIKE … is not true): the ELSE.
        let ua = event.user_agent.as_deref();
        let agent = patterns
            .iter()
            .find(|(operand, pattern, _)| {
                operand(ua).is_some_and(|value| like(&value, pattern.as_str()))
            })
            .map_or_else(|| otherwise.clone(), |(_, _, agent)| agent.clone());
        let key = [
            event.day.clone(),
            agent,
            event
                .destination_model
                .clone()
                .unwrap_or_else(|| "unknown".into()),
            event.requester.clone(),
        ];
        let sums = groups.entry(key).or_default();
        sums[0] += 1;
        sums[1] += event.input_tokens.unwrap_or(0);
        sums[2] += event.output_tokens.unwrap_or(0);
        sums[3] += event.cached_tokens.unwrap_or(0);
    }
    let rows = groups
        .into_iter()
        .map(|(key, sums)| {
            key.into_iter()
                .chain(sums.iter().map(u64::to_string))
                .chain([TODAY.to_string()])
                .map(Some)
                .collect()
        })
        .collect();
    Ok((COLUMNS.to_vec(), rows))
}

/// The statement without its `--` comments (which hold `:days` in prose).
fn code_of(statement: &str) -> String {
    statement
        .lines()
        .map(|line| line.split_once("--").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names of the `:name` markers outside string literals.
fn markers(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_string = false;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\'' => in_string = !in_string,
            ':' if !in_string && chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) => {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                i += name.len();
                if !found.contains(&name) {
                    found.push(name);
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// What a `WHEN` compares, computed from the User-Agent (`None` for a NULL one).
type Operand = fn(Option<&str>) -> Option<String>;

/// The operands of `WHEN <operand> LIKE` the stand-in understands.
const OPERANDS: [(&str, Operand); 2] = [
    ("lower(user_agent)", |ua| ua.map(str::to_lowercase)),
    ("concat(' ', lower(user_agent))", |ua| {
        ua.map(|ua| format!(" {}", ua.to_lowercase()))
    }),
];

/// A `WHEN` of the agent's `CASE`: what it compares, the pattern, the agent.
type When = (Operand, String, String);

/// The `WHEN <operand> LIKE '<pattern>' THEN '<agent>'` lines in order, and the
/// `ELSE '<agent>'`.
fn agent_case(code: &str) -> Result<(Vec<When>, String), Refusal> {
    let quoted = |text: &str| text.split('\'').nth(1).map(str::to_string);
    let mut patterns = Vec::new();
    let mut otherwise = None;
    for line in code.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("WHEN ")
            && let Some((operand, rest)) = rest.split_once(" LIKE ")
        {
            let (_, compute) = OPERANDS
                .iter()
                .find(|(text, _)| *text == operand)
                .ok_or_else(|| syntax_error(operand))?;
            let (pattern, agent) = rest
                .split_once(" THEN ")
                .ok_or_else(|| syntax_error(line))?;
            patterns.push((
                *compute,
                quoted(pattern).ok_or_else(|| syntax_error(line))?,
                quoted(agent).ok_or_else(|| syntax_error(line))?,
            ));
        } else if let Some(rest) = line.strip_prefix("ELSE ") {
            otherwise = quoted(rest);
        }
    }
    match (patterns.is_empty(), otherwise) {
        (false, Some(otherwise)) => Ok((patterns, otherwise)),
        _ => Err(syntax_error("CASE")),
    }
}

/// SQL LIKE: `%` any run of characters, `_` any one.
fn like(text: &str, pattern: &str) -> bool {
    let (text, pattern): (Vec<char>, Vec<char>) =
        (text.chars().collect(), pattern.chars().collect());
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    go(&text, &pattern)
}

fn cast_error(value: &str) -> Refusal {
    (
        "BAD_REQUEST",
        format!(
            "[CAST_INVALID_INPUT] The value '{value}' of the type \"STRING\" cannot be cast to \"INT\". SQLSTATE: 22018"
        ),
    )
}

fn syntax_error(near: &str) -> Refusal {
    (
        "BAD_REQUEST",
        format!(
            "[PARSE_SYNTAX_ERROR] Syntax error at or near '{near}' (the stand-in). SQLSTATE: 42601"
        ),
    )
}
