//! `agentgw <command> --help` on an 80-column terminal: the examples and notes under the flags
//! (clap's after-help, which it wraps at the terminal width) print line for line as written, so
//! no example breaks in the middle of a command or its comment.

/// Every command path with its after-help text: `[]` is agentgw itself.
fn after_helps(
    command: &clap::Command,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    if let Some(text) = command.get_after_help() {
        out.push((path.clone(), text.to_string()));
    }
    for sub in command.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        path.push(sub.get_name().to_string());
        after_helps(sub, path, out);
        path.pop();
    }
}

#[test]
fn examples_do_not_wrap_at_80_columns() {
    let mut all = Vec::new();
    after_helps(&agentgw::cli::command(), &mut Vec::new(), &mut all);
    assert!(all.len() > 10, "{} commands with examples", all.len());
    let home = crate::common::TestHome::new();
    for (path, text) in all {
        let out = home
            .cmd()
            .env("COLUMNS", "80")
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        let printed: Vec<&str> = help.lines().collect();
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "agentgw {} --help: longer than 80 columns:\n{line}",
                path.join(" ")
            );
            assert!(
                printed.contains(&line.trim_end()),
                "agentgw {} --help at 80 columns does not print this line as written:\n{line}\n\n{help}",
                path.join(" ")
            );
        }
    }
}
