//! What setting up one agent leaves behind, shared by the terminal agents and Cursor: the
//! outcome, the confirmation and the report of each write, and the test requests sent at the end.

use crate::commands::session::{Session, mask_secrets};
use crate::edit::{self, StateDir};
use crate::gateway::{Http, Wire};
use crate::{paths, ui};
use anyhow::Result;

pub enum Outcome {
    Done,
    /// Set up; its test request is sent with the other agents' at the end.
    Test(PendingTest),
}

/// One agent's test request: a real request in its wire format to its URL on the gateway.
pub struct PendingTest {
    pub name: &'static str,
    pub wire: Wire,
    pub base: String,
    pub model: String,
}

/// The keys of agentgw's that the user has changed since setup and `plans` would replace, as
/// `KEY in FILE`. (An unreadable record is reported by `apply`, which refuses to write then.)
pub fn users_values(plans: &[edit::Plan], state: &StateDir, owner: &str) -> Vec<String> {
    let mut shown = Vec::new();
    for plan in plans {
        for key in edit::changed_by_user(state, owner, plan).unwrap_or_default() {
            shown.push(format!(
                "{} in {}",
                edit::display_key(&key),
                paths::display(plan.path())
            ));
        }
    }
    shown
}

/// Applies `plan` for `owner` and says what was written, with its backup. When the plan took
/// `token` out of the file, the file's backups holding it go too.
pub fn apply_and_report(
    plan: &edit::Plan,
    state: &StateDir,
    owner: &str,
    token: &str,
) -> Result<()> {
    let applied = edit::apply(plan, state, owner)?;
    let dropped = edit::remove_backups_of_a_file_it_left(state, plan, token)?;
    if applied.written {
        let backup = match applied.backup {
            Some(b) if dropped.contains(&b) => " (no backup kept: it held the token)".to_string(),
            Some(b) => format!(" (backup: {})", paths::display(&b)),
            None => String::new(),
        };
        ui::note(&format!("  wrote {}{backup}", paths::display(plan.path())));
    }
    Ok(())
}

pub fn confirm(name: &str, plans: &[edit::Plan], token: &str) -> Result<bool> {
    for plan in plans.iter().filter(|p| !p.is_noop()) {
        eprint!("{}", mask_secrets(&plan.diff(), Some(token)));
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt(format!("Write these changes for {name}?"))
        .default(true)
        .interact()?)
}

/// Sends the test requests of the agents just set up, all at once (like `agentgw test all`):
/// `setup all` waits for the slowest answer, not for the sum. The file edits before stay one
/// after another, since they may ask questions. Each result is printed in the agents' order,
/// under the agent's name when there are several. Returns the agents whose request failed.
pub fn send_tests(session: &Session, tests: &[PendingTest]) -> Vec<String> {
    let failed = |test: &PendingTest| format!("{} (test request)", test.name);
    if tests.is_empty() {
        return Vec::new();
    }
    let http: Http = match session.http() {
        Ok(http) => http,
        Err(e) => {
            ui::error(&format!("cannot send the test requests: {e:#}"));
            return tests.iter().map(failed).collect();
        }
    };
    let replies: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> = tests
            .iter()
            .map(|t| scope.spawn(|| http.probe(t.wire, &t.base, &t.model, &session.token)))
            .collect();
        running
            .into_iter()
            .map(|r| r.join().expect("a test request panicked"))
            .collect()
    });
    let mut failures = Vec::new();
    for (test, reply) in tests.iter().zip(replies) {
        match reply {
            Ok(reply) => {
                let words: String = reply
                    .text
                    .split_whitespace()
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(" ");
                if tests.len() > 1 {
                    println!("{}:", test.name);
                }
                println!(
                    "  ✓ test request: {} answered in {} ms: {words}",
                    test.model,
                    reply.latency.as_millis()
                );
            }
            Err(e) => {
                ui::error(&format!(
                    "{}: test request failed: {}",
                    test.name,
                    crate::commands::test::explain_for(&e, &session.profile)
                ));
                failures.push(failed(test));
            }
        }
    }
    failures
}
