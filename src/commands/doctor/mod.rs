//! `agentgw doctor`: read-only checks, run in parallel, each a ✓ / ! / ✗ line with one fix line,
//! grouped by area and closed by a one-line verdict. Exit 1 when a check failed (or, with
//! `--strict`, warned). Never prints a secret.

mod agent_checks;
mod cursor_checks;
mod environment;
mod model_served;
mod profile_checks;
mod traffic_today;

use super::AlreadyReported;
use super::session::ProfileState;
use crate::agents::{self, Agent, Target};
use crate::cli::DoctorArgs;
use anyhow::Result;
use serde_json::json;

pub use crate::check::{Check, Status};

pub fn run(profile_flag: Option<&str>, args: DoctorArgs) -> Result<()> {
    let targets: Vec<Target> = match args.agent {
        Some(target) => vec![target],
        None => agents::ALL.to_vec(),
    };
    let selected: Vec<&dyn Agent> = targets.iter().filter_map(|t| t.cli()).collect();
    let with_cursor = targets.iter().any(|t| matches!(t, Target::DesktopApp(_)));
    let cursor_dir = args.cursor.cursor_dir.as_deref();
    let base = ProfileState::load(profile_flag)?;
    // Every group on its own thread: a hanging gateway delays only its own checks, each bounded
    // by the HTTP timeout, while the rest finish.
    let mut checks: Vec<Check> = std::thread::scope(|scope| {
        let mut running = vec![
            scope.spawn(|| profile_checks::run(&base)),
            scope.spawn(|| profile_checks::sign_in(&base).into_iter().collect()),
        ];
        for agent in &selected {
            let explicit = args.agent.is_some();
            let base = &base;
            running.push(scope.spawn(move || agent_checks::run(*agent, base, explicit)));
        }
        if with_cursor {
            let (base, explicit) = (&base, args.agent.is_some());
            running.push(scope.spawn(move || cursor_checks::run(base, cursor_dir, explicit)));
        }
        running.push(scope.spawn(|| environment::run(&selected)));
        running.push(scope.spawn(|| traffic_today::run(&base)));
        running.push(scope.spawn(|| {
            let files: Vec<_> = selected
                .iter()
                .filter_map(|a| a.configured().ok().flatten())
                .map(|c| c.file)
                .collect();
            profile_checks::secret_files(&base, &files)
        }));
        running
            .into_iter()
            .flat_map(|t| t.join().expect("a doctor check panicked"))
            .collect()
    });
    checks.sort_by_key(|c| area_order(&c.area));
    let verdict = verdict(&checks);
    if args.json {
        let list: Vec<_> = checks
            .iter()
            .map(|c| json!({"id": c.id, "area": c.area, "status": c.status.word(), "message": c.message, "fix": c.fix}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"checks": list, "verdict": verdict}))?
        );
    } else {
        print_human(&checks, &verdict);
    }
    let worst = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    if worst == Status::Fail || (args.strict && worst == Status::Warn) {
        return Err(AlreadyReported.into());
    }
    Ok(())
}

/// The profile first, then the agents in `agents::ALL`'s order, then what concerns them all.
fn area_order(area: &str) -> usize {
    let agents = agents::ALL.map(Target::id);
    ["profile"]
        .iter()
        .chain(&agents)
        .chain(&["environment", "files", "usage"])
        .position(|a| *a == area)
        .unwrap_or(usize::MAX)
}

fn print_human(checks: &[Check], verdict: &str) {
    let mut area: Option<&str> = None;
    for check in checks {
        if area != Some(check.area.as_str()) {
            // A blank line between areas, none before the first.
            let gap = if area.is_some() { "\n" } else { "" };
            area = Some(&check.area);
            println!("{gap}{}", check.area);
        }
        println!("  {} {}", check.status.mark(), check.message);
        if !check.fix.is_empty() {
            println!("      fix: {}", check.fix);
        }
    }
    println!("\n{verdict}");
}

fn verdict(checks: &[Check]) -> String {
    let count = |s| checks.iter().filter(|c| c.status == s).count();
    verdict_of(checks.len(), count(Status::Fail), count(Status::Warn))
}

/// The last line of the report, its words agreeing with the numbers.
fn verdict_of(checks: usize, fails: usize, warns: usize) -> String {
    let fix = if fails == 1 {
        "fix the problem first"
    } else {
        "fix the problems in the order shown"
    };
    match (fails, warns) {
        (0, 0) => format!(
            "No problems found ({}).",
            crate::ui::plural(checks, "check")
        ),
        (0, w) => format!(
            "No failures; {} to look at.",
            crate::ui::plural(w, "warning")
        ),
        (1, 0) => "1 problem: fix it as shown.".to_string(),
        (f, 0) => format!(
            "{}: fix them in the order shown.",
            crate::ui::plural(f, "problem")
        ),
        (f, w) => format!(
            "{} and {}: {fix}.",
            crate::ui::plural(f, "problem"),
            crate::ui::plural(w, "warning")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{area_order, verdict_of};
    use crate::agents;

    /// The report's groups: the profile, the agents as `agents::ALL` lists them, Cursor, then
    /// the environment and the files.
    #[test]
    fn areas_come_in_the_order_of_the_agents_list() {
        let shown = [
            "profile",
            "claude",
            "codex",
            "gemini",
            "cursor",
            "environment",
            "files",
        ];
        let order: Vec<usize> = shown.iter().map(|a| area_order(a)).collect();
        assert!(order.is_sorted(), "{shown:?} -> {order:?}");
        let agent_areas: Vec<usize> = agents::ALL.iter().map(|a| area_order(a.id())).collect();
        assert!(agent_areas.is_sorted(), "{agent_areas:?}");
        assert_eq!(area_order("no-such-area"), usize::MAX);
    }

    #[test]
    fn the_verdict_agrees_with_its_numbers() {
        assert_eq!(verdict_of(1, 0, 0), "No problems found (1 check).");
        assert_eq!(verdict_of(7, 0, 0), "No problems found (7 checks).");
        assert_eq!(verdict_of(7, 0, 1), "No failures; 1 warning to look at.");
        assert_eq!(verdict_of(7, 1, 0), "1 problem: fix it as shown.");
        assert_eq!(
            verdict_of(7, 2, 0),
            "2 problems: fix them in the order shown."
        );
        assert_eq!(
            verdict_of(7, 1, 2),
            "1 problem and 2 warnings: fix the problem first."
        );
        assert_eq!(
            verdict_of(7, 3, 1),
            "3 problems and 1 warning: fix the problems in the order shown."
        );
    }
}
