//! Human-facing output on stderr: progress, warnings and notes. Results go to stdout from the
//! commands themselves. Colour only on a terminal and never when NO_COLOR is set.

use std::io::IsTerminal;

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

fn paint(code: &str, text: &str) -> String {
    if color() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub fn warn(message: &str) {
    eprintln!("{} {message}", paint("1;33", "warning:"));
}

pub fn note(message: &str) {
    eprintln!("{message}");
}

pub fn error(message: &str) {
    eprintln!("{} {message}", paint("1;31", "error:"));
}

/// Whether we may ask questions: both ends of the conversation must be a terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Messages and errors are written as what happened (first line) and what to do (the rest):
/// the two parts, for output that shows them apart.
pub fn message_and_fix(text: &str) -> (&str, &str) {
    text.split_once('\n').unwrap_or((text, ""))
}

/// `1 backup`, `2 backups`: a count with its noun in agreement.
pub fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}
