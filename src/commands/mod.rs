//! One file per subcommand; `run` dispatches.

mod completions;
mod login;
mod logout;
mod profiles;
mod token;

use crate::cli::{Cli, Command};
use anyhow::Result;

pub fn run(cli: Cli) -> Result<()> {
    let profile = cli.profile.as_deref();
    match cli.command {
        Command::Login(args) => login::run(profile, args),
        Command::Logout => logout::run(profile),
        Command::Token => token::print_token(profile),
        Command::OtelHeaders => token::print_otel_headers(profile),
        Command::Profiles(args) => profiles::run(profile, args),
        Command::Completions(args) => completions::run(args),
    }
}
