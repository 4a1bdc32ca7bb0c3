//! One file per subcommand; `run` dispatches.

mod completions;
mod doctor;
mod exec;
mod login;
mod logout;
mod otel;
mod profiles;
mod remove;
mod session;
mod setup;
mod setup_cursor;
mod status;
mod test;
mod token;
mod token_copies;
mod usage;

use crate::cli::{Cli, Command};
use anyhow::Result;

pub fn run(cli: Cli) -> Result<()> {
    let profile = cli.profile.as_deref();
    match cli.command {
        Command::Login(args) => login::run(profile, args),
        Command::Logout => logout::run(profile),
        Command::Setup(args) => setup::run(profile, args),
        Command::Remove(args) => remove::run(profile, args),
        Command::Exec(args) => exec::run(profile, args),
        Command::Test(args) => test::run(profile, args),
        Command::Status(args) => status::run(profile, args),
        Command::Doctor(args) => doctor::run(profile, args),
        Command::Token => token::print_token(profile),
        Command::OtelHeaders => token::print_otel_headers(profile),
        Command::Otel(args) => otel::run(profile, args),
        Command::Usage(args) => usage::run(profile, args),
        Command::Profiles(args) => profiles::run(profile, args),
        Command::Completions(args) => completions::run(args),
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
