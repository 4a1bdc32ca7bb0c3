//! One file per subcommand; `run` dispatches.

mod apply;
mod completions;
mod dashboard;
mod doctor;
mod exec;
mod login;
mod logout;
mod man;
mod mask;
mod otel;
mod profiles;
mod remove;
mod session;
mod setup;
mod status;
mod test;
mod token;
mod token_copies;
mod usage;
mod warehouse;

use crate::cli::{Cli, Command};
use crate::errors::Kind;
use anyhow::Result;
use serde_json::json;
use std::process::ExitCode;

pub fn run(cli: Cli) -> Result<()> {
    let profile = cli.profile.as_deref();
    match cli.command {
        Command::Login(args) => login::run(profile, args),
        Command::Logout => logout::run(profile),
        Command::Setup(args) => setup::run(profile, args),
        Command::Apply(args) => apply::run(profile, args),
        Command::Remove(args) => remove::run(profile, args),
        Command::Exec(args) => exec::run(profile, args),
        Command::Test(args) => test::run(profile, args),
        Command::Status(args) => status::run(profile, args),
        Command::Doctor(args) => doctor::run(profile, args),
        Command::Token => token::print_token(profile),
        Command::OtelHeaders => token::print_otel_headers(profile),
        Command::Otel(args) => otel::run(profile, args),
        Command::Usage(args) => usage::run(profile, args),
        Command::Dashboard(args) => dashboard::run(profile, args),
        Command::Profiles(args) => profiles::run(profile, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// The command failed and has already said why (e.g. in its `--json` output): exit 1 quietly.
#[derive(Debug)]
pub struct AlreadyReported;

impl std::fmt::Display for AlreadyReported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed (reported above)")
    }
}

impl std::error::Error for AlreadyReported {}

/// Says why the command failed: on stderr as always and, when the command prints JSON, as
/// `{"error": {"kind", "message", "fix"}}` on stdout too (a failure already reported in the
/// command's own output is not repeated).
pub fn report_failure(error: &anyhow::Error, json: bool) {
    if error.is::<AlreadyReported>() {
        return;
    }
    crate::ui::error(&format!("{error:#}"));
    if json {
        let (message, fix) = crate::errors::message_and_fix(error);
        print_json_error(Kind::of(error), &message, fix.as_deref());
    }
}

/// A command line clap (or one of agentgw's checks beside a flag) refused: clap's own output
/// and exit code, plus the JSON error on stdout when the command line asked for JSON.
pub fn usage_error(error: clap::Error, args: &[std::ffi::OsString]) -> ExitCode {
    if !crate::cli::json_requested(args) || !error.use_stderr() {
        // --help and --version (stdout, exit 0) and plain usage errors (stderr, exit 2).
        error.exit();
    }
    let text = error.render().to_string();
    // The error alone: clap goes on with the usage line and where to read more.
    let end = ["\nUsage: ", "\nFor more information"]
        .iter()
        .filter_map(|hint| text.find(hint))
        .min()
        .unwrap_or(text.len());
    let message = text[..end].trim().trim_start_matches("error: ");
    let help = format!("{} --help", crate::cli::command_words(args));
    print_json_error(Kind::Usage, message, Some(&help));
    let _ = error.print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

fn print_json_error(kind: Kind, message: &str, fix: Option<&str>) {
    let report = json!({"error": {"kind": kind.name(), "message": message, "fix": fix}});
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_else(|_| report.to_string())
    );
}
