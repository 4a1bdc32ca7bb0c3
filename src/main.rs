use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 for --help/--version.
    let cli = agentgw::cli::Cli::parse();
    match agentgw::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            agentgw::ui::error(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}
