//! The line a user adds to their shell's startup file so that `copilot` starts Copilot CLI through
//! `agentgw exec copilot`. agentgw prints it and never edits the file itself: shell startup files
//! are the user's (often generated or kept in a dotfiles repository).

/// The shell the line is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    PowerShell,
    /// Any other POSIX shell (`sh`, `dash`, `ksh`): the bash form, in its own startup file.
    Posix,
}

impl Shell {
    /// The user's login shell, from `$SHELL` (on Windows, where it is not set: PowerShell).
    pub fn of_user() -> Shell {
        match std::env::var_os("SHELL").filter(|s| !s.is_empty()) {
            Some(path) => Shell::named(&path.to_string_lossy()),
            None if cfg!(windows) => Shell::PowerShell,
            None => Shell::Posix,
        }
    }

    /// The shell an executable path or name stands for (`/usr/bin/zsh`, `pwsh`).
    pub fn named(program: &str) -> Shell {
        // Either separator: a Windows path is read the same on every system.
        let file = program.rsplit(['/', '\\']).next().unwrap_or_default();
        let name = file.to_ascii_lowercase();
        match name.strip_suffix(".exe").unwrap_or(&name) {
            "bash" => Shell::Bash,
            "zsh" => Shell::Zsh,
            "fish" => Shell::Fish,
            "pwsh" | "powershell" => Shell::PowerShell,
            _ => Shell::Posix,
        }
    }

    /// Where the line goes, as the user would type the path.
    pub fn startup_file(self) -> String {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match self {
            Shell::Bash => "~/.bashrc".into(),
            Shell::Zsh => match var("ZDOTDIR") {
                Some(dir) => format!("{}/.zshrc", dir.trim_end_matches('/')),
                None => "~/.zshrc".into(),
            },
            Shell::Fish => match var("XDG_CONFIG_HOME") {
                Some(dir) => format!("{}/fish/config.fish", dir.trim_end_matches('/')),
                None => "~/.config/fish/config.fish".into(),
            },
            Shell::PowerShell => "your PowerShell profile ($PROFILE)".into(),
            Shell::Posix => "your shell's startup file (~/.profile, or the one $ENV names)".into(),
        }
    }
}

/// The line defining `copilot` as `agentgw [--profile P] exec copilot ARGS...` in `shell`.
/// `agentgw` is the word that starts agentgw (`agentgw`, or an absolute path).
pub fn alias_line(shell: Shell, agentgw: &str, profile: &str) -> String {
    let mut words = vec![agentgw];
    if profile != "default" {
        words.extend(["--profile", profile]);
    }
    words.extend(["exec", "copilot"]);
    match shell {
        Shell::Bash | Shell::Zsh | Shell::Posix => {
            let command = crate::agents::shell_command(&words);
            format!("alias copilot='{}'", command.replace('\'', r"'\''"))
        }
        // Fish reads single-quoted words like POSIX shells do.
        Shell::Fish => format!(
            "function copilot; {} $argv; end",
            crate::agents::shell_command(&words)
        ),
        Shell::PowerShell => {
            let quoted: Vec<String> = words
                .iter()
                .map(|w| {
                    match w
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./\\:".contains(c))
                    {
                        true => w.to_string(),
                        false => format!("'{}'", w.replace('\'', "''")),
                    }
                })
                .collect();
            format!("function copilot {{ & {} @args }}", quoted.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_gets_its_own_line() {
        assert_eq!(
            alias_line(Shell::Bash, "agentgw", "default"),
            "alias copilot='agentgw exec copilot'"
        );
        assert_eq!(
            alias_line(Shell::Zsh, "agentgw", "work"),
            "alias copilot='agentgw --profile work exec copilot'"
        );
        assert_eq!(
            alias_line(Shell::Fish, "agentgw", "default"),
            "function copilot; agentgw exec copilot $argv; end"
        );
        assert_eq!(
            alias_line(Shell::PowerShell, "agentgw", "work"),
            "function copilot { & agentgw --profile work exec copilot @args }"
        );
    }

    #[test]
    fn a_path_with_spaces_or_quotes_stays_one_word() {
        // The alias's text is read again by the shell: `'/My Apps/it'\''s/agentgw'`, quoted once
        // more inside the alias's own single quotes.
        assert_eq!(
            alias_line(Shell::Bash, "/My Apps/agentgw", "default"),
            r"alias copilot=''\''/My Apps/agentgw'\'' exec copilot'"
        );
        assert_eq!(
            alias_line(Shell::Fish, "/My Apps/agentgw", "default"),
            "function copilot; '/My Apps/agentgw' exec copilot $argv; end"
        );
        assert_eq!(
            alias_line(
                Shell::PowerShell,
                r"C:\Program Files\it's\agentgw.exe",
                "default"
            ),
            r"function copilot { & 'C:\Program Files\it''s\agentgw.exe' exec copilot @args }"
        );
    }

    #[test]
    fn shells_are_known_by_their_program() {
        assert_eq!(Shell::named("/bin/bash"), Shell::Bash);
        assert_eq!(Shell::named("/usr/local/bin/zsh"), Shell::Zsh);
        assert_eq!(Shell::named("/opt/homebrew/bin/fish"), Shell::Fish);
        assert_eq!(Shell::named("pwsh"), Shell::PowerShell);
        assert_eq!(
            Shell::named(r"C:\Windows\powershell.exe"),
            Shell::PowerShell
        );
        assert_eq!(Shell::named("/bin/dash"), Shell::Posix);
    }
}
