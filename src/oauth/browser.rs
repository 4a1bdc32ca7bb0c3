//! Opening the sign-in page: `$BROWSER` when set (so headless machines and tests can choose what
//! "the browser" is), else the platform's opener.

use std::process::{Command, Stdio};

/// Starts the browser on `url` without waiting for it. `Err` says why none could be started; the
/// caller has printed the URL anyway, so the user can open it by hand.
pub fn open(url: &str) -> Result<(), String> {
    let mut command = match std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        Some(browser) => from_browser_variable(&browser, url),
        None => platform_opener(url),
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("{:?}: {e}", command.get_program()))
}

/// `$BROWSER` is a command line; `%s` in it stands for the URL (as in the convention Debian and
/// Python's webbrowser follow), else the URL is appended as an argument. The URL is passed as a
/// positional parameter, never pasted into the shell text.
fn from_browser_variable(browser: &str, url: &str) -> Command {
    if cfg!(windows) {
        let mut command = Command::new(browser);
        command.arg(url);
        return command;
    }
    let script = if browser.contains("%s") {
        browser.replace("%s", "\"$1\"")
    } else {
        format!("{browser} \"$1\"")
    };
    let mut command = Command::new("/bin/sh");
    command.args(["-c", &script, "agentgw-browser", url]);
    command
}

fn platform_opener(url: &str) -> Command {
    let mut command;
    if cfg!(target_os = "macos") {
        command = Command::new("open");
    } else if cfg!(windows) {
        // Not `cmd /C start`: cmd would treat the URL's `&` as a command separator.
        command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
    } else {
        command = Command::new("xdg-open");
    }
    command.arg(url);
    command
}
