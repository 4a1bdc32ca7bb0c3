//! Variables in the environment (or exported by shell startup files) that outrank what agentgw
//! wrote. Only names and places are shown, never values.

use super::{Check, Status};
use crate::agents::Agent;
use std::path::{Path, PathBuf};

const AREA: &str = "environment";

pub fn run(agents: &[&dyn Agent]) -> Vec<Check> {
    let home = dirs::home_dir().unwrap_or_default();
    let startup = startup_files(&home);
    let mut checks = Vec::new();
    for agent in agents {
        // Per agent: the variables that change where it sends requests or which key it uses.
        for (var, effect) in agent.overriding_variables() {
            let in_env = std::env::var_os(var).is_some_and(|v| !v.is_empty());
            let exported: Vec<String> = startup
                .iter()
                .flat_map(|(file, text)| exports(file, text, var))
                .collect();
            if !in_env && exported.is_empty() {
                continue;
            }
            let place = match (in_env, exported.is_empty()) {
                (true, true) => "is set in this shell".to_string(),
                (true, false) => {
                    format!("is set in this shell (exported at {})", exported.join(", "))
                }
                (false, false) => {
                    format!("is exported at {} (new shells get it)", exported.join(", "))
                }
                (false, true) => unreachable!("skipped above"),
            };
            let fix = match exported.first() {
                Some(at) => format!("remove the export at {at} and run `unset {var}`"),
                None => format!("unset {var} (and find where it is set)"),
            };
            checks.push(Check::new(
                AREA,
                &format!("env-{}", var.to_lowercase()),
                Status::Warn,
                format!("{var} {place}: it {effect}"),
                fix,
            ));
        }
    }
    if checks.is_empty() {
        checks.push(Check::ok(
            AREA,
            "env",
            "no environment variable overrides the agents' settings",
        ));
    }
    checks
}

/// The shell startup files that exist, with their text.
fn startup_files(home: &Path) -> Vec<(PathBuf, String)> {
    [
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".profile",
        ".zshrc",
        ".zprofile",
        ".zshenv",
        ".config/fish/config.fish",
    ]
    .iter()
    .map(|f| home.join(f))
    .filter_map(|path| std::fs::read_to_string(&path).ok().map(|text| (path, text)))
    .collect()
}

/// `file:line` of each line that exports `var` to programs: `export VAR=…` (also several
/// assignments on one line), `declare -x` / `typeset -x`, fish's `set -x`/`-gx`. A bare `VAR=…`
/// stays in the shell and reaches no agent, so it does not count.
fn exports(file: &Path, text: &str, var: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let assigns = |w: &&str| {
                w.strip_prefix(var)
                    .is_some_and(|rest| rest.starts_with('='))
            };
            match words.as_slice() {
                ["export", rest @ ..] => rest.iter().any(assigns),
                ["declare" | "typeset", flag, rest @ ..]
                    if flag.starts_with('-') && flag.contains('x') =>
                {
                    rest.iter().any(assigns)
                }
                ["set", flag, name, ..] => {
                    flag.starts_with('-') && flag.contains('x') && *name == var
                }
                _ => false,
            }
        })
        .map(|(i, _)| format!("{}:{}", crate::paths::display(file), i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_found_in_bash_zsh_and_fish_forms() {
        let text = "# x\nexport ANTHROPIC_API_KEY=abc\nANTHROPIC_API_KEY=\"d\"\n  set -gx ANTHROPIC_API_KEY e\n\
                    export ANTHROPIC_API_KEY_OLD=1\nexport A=1 ANTHROPIC_API_KEY=2\ndeclare -x ANTHROPIC_API_KEY=3\n";
        let found = exports(Path::new("/h/.bashrc"), text, "ANTHROPIC_API_KEY");
        assert_eq!(
            found,
            [
                "/h/.bashrc:2",
                "/h/.bashrc:4",
                "/h/.bashrc:6",
                "/h/.bashrc:7"
            ]
        );
    }
}
