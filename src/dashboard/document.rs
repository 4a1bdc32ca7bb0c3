//! The dashboard as Lakeview serializes it (`serialized_dashboard`, the `.lvdash.json` format):
//! the committed templates under templates/dashboard/ parsed as JSON documents, then filled in
//! at the value level — each dataset's SQL as its `queryLines`, each filter bound to the datasets
//! it filters. SQL is never pasted into JSON text, so no quote in it can break the document.
//!
//! usage.lvdash.json holds the AI Gateway pages and the filters page; claude.lvdash.json the
//! Claude Code pages, added only when telemetry tables are known.

use super::queries;
use crate::otel::Tables;
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

const GATEWAY_PAGES: &str = include_str!("../../templates/dashboard/usage.lvdash.json");
const CLAUDE_PAGES: &str = include_str!("../../templates/dashboard/claude.lvdash.json");

const FILTERS_PAGE: &str = "PAGE_TYPE_GLOBAL_FILTERS";
/// A filter widget named `filter_<keyword>` on the filters page sets the dataset parameter
/// `<keyword>` (`:days`, `:users`) of every dataset that declares it.
const PARAMETER_FILTER_PREFIX: &str = "filter_";

/// The dashboard: the AI Gateway pages, and Claude Code's pages when `tables` are given.
pub fn build(tables: Option<&Tables>) -> Result<Value> {
    let mut document = parse(GATEWAY_PAGES, "usage.lvdash.json")?;
    if tables.is_some() {
        let claude = parse(CLAUDE_PAGES, "claude.lvdash.json")?;
        add_pages(&mut document, claude)?;
    }
    fill_queries(&mut document, tables)?;
    bind_parameter_filters(&mut document)?;
    Ok(document)
}

fn parse(text: &str, name: &str) -> Result<Value> {
    serde_json::from_str(text).with_context(|| format!("templates/dashboard/{name} is not JSON"))
}

fn array<'a>(value: &'a mut Value, key: &str) -> Result<&'a mut Vec<Value>> {
    value
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .with_context(|| format!("the dashboard template has no \"{key}\" list"))
}

/// `extra`'s datasets after the document's, its pages before the filters page (which Lakeview
/// shows apart from the others, and which stays last).
fn add_pages(document: &mut Value, mut extra: Value) -> Result<()> {
    let datasets = std::mem::take(array(&mut extra, "datasets")?);
    array(document, "datasets")?.extend(datasets);
    let pages = std::mem::take(array(&mut extra, "pages")?);
    let all = array(document, "pages")?;
    let at = all
        .iter()
        .position(|page| page["pageType"] == FILTERS_PAGE)
        .unwrap_or(all.len());
    all.splice(at..at, pages);
    Ok(())
}

/// Every dataset's `queryLines`: its SQL, one element per line. Lakeview joins the elements as
/// they are, so each keeps its newline and the joined text is the SQL byte for byte.
fn fill_queries(document: &mut Value, tables: Option<&Tables>) -> Result<()> {
    for dataset in array(document, "datasets")? {
        let name = dataset["name"].as_str().unwrap_or_default().to_string();
        let Some(sql) = queries::of_dataset(&name, tables) else {
            bail!("the dashboard template's dataset \"{name}\" has no SQL in agentgw");
        };
        let lines: Vec<Value> = sql.split_inclusive('\n').map(Value::from).collect();
        dataset["queryLines"] = Value::Array(lines);
    }
    Ok(())
}

/// Binds each parameter filter (see [`PARAMETER_FILTER_PREFIX`]) to every dataset declaring its
/// parameter, so one "Days" filter moves every page, the Claude Code pages included.
fn bind_parameter_filters(document: &mut Value) -> Result<()> {
    let declaring = |keyword: &str, datasets: &[Value]| -> Vec<String> {
        datasets
            .iter()
            .filter(|d| {
                d["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["keyword"] == keyword))
            })
            .filter_map(|d| d["name"].as_str().map(str::to_string))
            .collect()
    };
    let datasets = array(document, "datasets")?.clone();
    for page in array(document, "pages")? {
        if page["pageType"] != FILTERS_PAGE {
            continue;
        }
        for item in array(page, "layout")? {
            let widget = &mut item["widget"];
            let Some(keyword) = widget["name"]
                .as_str()
                .and_then(|n| n.strip_prefix(PARAMETER_FILTER_PREFIX))
                .map(str::to_string)
            else {
                continue;
            };
            let names = declaring(&keyword, &datasets);
            if names.is_empty() {
                bail!("the dashboard's filter \"{keyword}\" sets a parameter no dataset declares");
            }
            let query_name = |dataset: &str| format!("parameter_{dataset}_{keyword}");
            widget["queries"] = names
                .iter()
                .map(|dataset| {
                    json!({
                        "name": query_name(dataset),
                        "query": {
                            "datasetName": dataset,
                            "parameters": [{"name": keyword, "keyword": keyword}],
                            "disaggregated": false
                        }
                    })
                })
                .collect();
            widget["spec"]["encodings"]["fields"] = names
                .iter()
                .map(|dataset| json!({"parameterName": keyword, "queryName": query_name(dataset)}))
                .collect();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn tables() -> Tables {
        Tables::parse("main.agents.claude", "--tables").unwrap()
    }

    fn dataset_names(document: &Value) -> BTreeSet<String> {
        document["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn widgets(document: &Value) -> impl Iterator<Item = &Value> {
        document["pages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["layout"].as_array().unwrap())
            .map(|item| &item["widget"])
    }

    /// The columns (aliases) a dataset's SQL returns: the words after the `AS` ending a line of
    /// its SELECT list.
    fn columns(dataset: &Value) -> BTreeSet<String> {
        let sql: String = dataset["queryLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        sql.lines()
            .filter_map(|line| line.trim_end_matches(',').rsplit_once(" AS "))
            .map(|(_, alias)| alias.to_string())
            .filter(|alias| alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect()
    }

    #[test]
    fn without_tables_only_the_gateway_dataset_and_pages() {
        let document = build(None).unwrap();
        assert_eq!(dataset_names(&document), BTreeSet::from(["usage".into()]));
        let pages: Vec<&str> = document["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(pages, ["overview", "agents", "models", "users", "filters"]);
    }

    #[test]
    fn with_tables_the_claude_pages_come_before_the_filters() {
        let document = build(Some(&tables())).unwrap();
        assert_eq!(
            dataset_names(&document),
            BTreeSet::from([
                "usage".into(),
                "claude_metrics".into(),
                "claude_tool_decisions".into()
            ])
        );
        let pages: Vec<&str> = document["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            pages,
            [
                "overview",
                "agents",
                "models",
                "users",
                "claude",
                "claude_code",
                "claude_tools",
                "filters"
            ]
        );
    }

    /// Lakeview's contract: a widget shows only fields its query asks for, and a query asks
    /// only for columns its dataset returns. A typo in a template breaks a chart silently in
    /// the workspace; here it fails.
    #[test]
    fn every_widget_asks_for_columns_its_dataset_returns_and_shows_what_it_asked_for() {
        let document = build(Some(&tables())).unwrap();
        let datasets = document["datasets"].as_array().unwrap();
        let mut names = BTreeSet::new();
        for widget in widgets(&document) {
            let name = widget["name"].as_str().unwrap();
            assert!(names.insert(name), "two widgets are named {name}");
            let Some(queries) = widget["queries"].as_array() else {
                assert!(widget["multilineTextboxSpec"].is_object(), "{name}");
                continue;
            };
            let mut asked = BTreeSet::new();
            let mut query_names = BTreeSet::new();
            for q in queries {
                query_names.insert(q["name"].as_str().unwrap());
                let dataset_name = q["query"]["datasetName"].as_str().unwrap();
                let dataset = datasets
                    .iter()
                    .find(|d| d["name"] == dataset_name)
                    .unwrap_or_else(|| panic!("{name} reads a dataset that is not there"));
                let returned = columns(dataset);
                for field in q["query"]["fields"].as_array().into_iter().flatten() {
                    asked.insert(field["name"].as_str().unwrap());
                    let expression = field["expression"].as_str().unwrap();
                    let column = expression.split('`').nth(1).unwrap();
                    assert!(
                        returned.contains(column),
                        "{name} asks {dataset_name} for {column}, which it does not return ({returned:?})"
                    );
                }
            }
            let encodings = &widget["spec"]["encodings"];
            let mut shown: Vec<&str> = Vec::new();
            for key in ["x", "y", "color", "value", "period"] {
                shown.extend(encodings[key]["fieldName"].as_str());
                for f in encodings[key]["fields"].as_array().into_iter().flatten() {
                    shown.extend(f["fieldName"].as_str());
                }
            }
            for c in encodings["columns"].as_array().into_iter().flatten() {
                shown.extend(c["fieldName"].as_str());
            }
            for f in encodings["fields"].as_array().into_iter().flatten() {
                assert!(
                    query_names.contains(f["queryName"].as_str().unwrap()),
                    "{name}"
                );
            }
            for field in shown {
                assert!(
                    asked.contains(field),
                    "{name} shows {field} but does not ask for it"
                );
            }
        }
    }

    #[test]
    fn the_days_filter_sets_every_dataset_and_the_users_filter_the_gateway_one() {
        let document = build(Some(&tables())).unwrap();
        let filters = document["pages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pageType"] == FILTERS_PAGE)
            .unwrap();
        let bound = |widget: &str| -> Vec<String> {
            let w = filters["layout"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| &i["widget"])
                .find(|w| w["name"] == widget)
                .unwrap();
            w["queries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q["query"]["datasetName"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            bound("filter_days"),
            ["usage", "claude_metrics", "claude_tool_decisions"]
        );
        assert_eq!(bound("filter_users"), ["usage"]);
    }

    #[test]
    fn every_parameter_marker_in_the_sql_is_declared_by_its_dataset() {
        let document = build(Some(&tables())).unwrap();
        for dataset in document["datasets"].as_array().unwrap() {
            let sql: String = dataset["queryLines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            let declared: BTreeSet<&str> = dataset["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["keyword"].as_str().unwrap())
                .collect();
            let code: String = sql
                .lines()
                .map(|l| l.split("--").next().unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            let used: BTreeSet<&str> = code
                .split(':')
                .skip(1)
                .map(|rest| {
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    &rest[..end]
                })
                .filter(|word| !word.is_empty())
                .collect();
            assert_eq!(used, declared, "{}", dataset["name"]);
        }
    }
}
