use std::process::ExitCode;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns `agentgw profiles | head` into a panic; behave like any
    // other command-line tool instead and end quietly.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // A usage error is exit 2 (clap's own, and agentgw's checks beside the flags); --help and
    // --version exit 0.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match agentgw::cli::parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return agentgw::commands::usage_error(e, &args),
    };
    let json = cli.json();
    match agentgw::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            agentgw::commands::report_failure(&err, json);
            ExitCode::FAILURE
        }
    }
}
