use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns `agentgw profiles | head` into a panic; behave like any
    // other command-line tool instead and end quietly.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // clap exits with 2 on a usage error and 0 for --help/--version.
    let cli = agentgw::cli::Cli::parse();
    match agentgw::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if !err.is::<agentgw::commands::AlreadyReported>() {
                agentgw::ui::error(&format!("{err:#}"));
            }
            ExitCode::FAILURE
        }
    }
}
