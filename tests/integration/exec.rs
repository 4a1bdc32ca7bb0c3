//! `agentgw exec`: the agent runs with the gateway settings and the token in its environment,
//! its arguments untouched and its exit code handed back.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::GOOD_TOKEN;

/// A fake agent that prints its arguments and the variables agentgw sets, then exits 7.
fn home_with_fake(name: &str) -> TestHome {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = "#!/bin/sh\nprintf 'arg:%s\\n' \"$@\"\nenv | grep -E '^(ANTHROPIC|GEMINI|GOOGLE|DATABRICKS|CLAUDE)' | sort\nexit 7\n";
    std::fs::write(bin.join(name), script).unwrap();
    std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    home
}

fn exec(home: &TestHome, args: &[&str]) -> std::process::Output {
    let path = format!("{}:/usr/bin:/bin", home.path().join("bin").display());
    home.cmd()
        .env("PATH", path)
        .arg("exec")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn exec_claude_passes_args_env_and_exit_code() {
    let home = home_with_fake("claude");
    let out = exec(&home, &["claude", "-p", "hello world", "--verbose"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "arg:-p\narg:hello world\narg:--verbose\n\
             ANTHROPIC_AUTH_TOKEN={GOOD_TOKEN}\n\
             ANTHROPIC_BASE_URL=https://ws.example.com/ai-gateway/anthropic\n\
             ANTHROPIC_CUSTOM_HEADERS=x-databricks-use-coding-agent-mode: true\n\
             ANTHROPIC_MODEL=databricks-claude-opus-4-6\n\
             CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS=1\n"
        )
    );
}

#[test]
fn exec_gemini_puts_the_four_variables_in_the_environment() {
    let home = home_with_fake("gemini");
    let out = exec(&home, &["--model", "my-endpoint", "gemini", "-p", "hi"]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        stdout(&out),
        format!(
            "arg:-p\narg:hi\nGEMINI_API_KEY={GOOD_TOKEN}\nGEMINI_API_KEY_AUTH_MECHANISM=bearer\n\
             GEMINI_CLI_TRUST_WORKSPACE=true\nGEMINI_MODEL=my-endpoint\nGOOGLE_GEMINI_BASE_URL=https://ws.example.com/ai-gateway/gemini\n"
        )
    );
}

#[test]
fn exec_codex_defines_the_provider_for_this_run_only() {
    let home = home_with_fake("codex");
    let out = exec(&home, &["codex", "exec", "fix it"]);
    assert_eq!(out.status.code(), Some(7));
    let text = stdout(&out);
    assert!(
        text.contains("arg:-c\narg:model_provider=\"databricks-exec\"\n"),
        "{text}"
    );
    assert!(
        text.contains("arg:model_providers.databricks-exec.base_url=\"https://ws.example.com/ai-gateway/openai/v1\"\n"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "arg:exec\narg:fix it\nDATABRICKS_TOKEN={GOOD_TOKEN}\n"
        )),
        "{text}"
    );
    assert!(!home.path().join(".codex").exists(), "nothing on disk");
}

#[test]
fn exec_of_an_agent_that_is_not_installed_says_so() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["exec", "claude"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "cannot start `claude`");
}

#[test]
fn everything_after_the_agent_is_the_agents_even_agentgw_flags() {
    let home = home_with_fake("codex");
    let out = exec(&home, &["codex", "--profile", "work", "--model", "o3"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("arg:--profile\narg:work\narg:--model\narg:o3\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn exec_of_an_unknown_agent_is_a_usage_error() {
    let home = home_with_fake("claude");
    let out = exec(&home, &["vim"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "unknown agent 'vim' [possible values: claude, codex, gemini]",
    );
}
