//! The copies of the token agentgw writes where an agent cannot call a helper (Gemini's `.env`,
//! Claude with `--inline-token`): `logout` takes every one out, with the backups holding it;
//! `login` puts the new token in; `remove` still gives back exactly what the user had.

use crate::common::{TestHome, assert_stderr_contains, mode, stderr, stdout};
use crate::rich_home::files_under;
use crate::setup::{home, read, remove, setup, write};
use crate::support::GOOD_TOKEN;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const NEW_TOKEN: &str = "dapi-rotated-token-0002";
const USERS_ENV: &str = "# my own settings\nDEBUG=1\n";
const USERS_CLAUDE: &str = "{\n  \"model\": \"opus\"\n}\n";

/// Every file under HOME holding `secret`, agentgw's own token store aside.
fn files_holding(home: &TestHome, secret: &str) -> Vec<String> {
    files_under(home.path())
        .into_iter()
        .filter(|f| !f.ends_with("tokens.toml"))
        .filter(|f| std::fs::read(f).is_ok_and(|b| String::from_utf8_lossy(&b).contains(secret)))
        .map(|f| f.display().to_string())
        .collect()
}

fn run(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd().args(args).output().unwrap()
}

fn login(home: &TestHome, token: &str) -> std::process::Output {
    home.secret(token);
    home.cmd()
        .args(["login", "--host", "https://ws.example.com"])
        .args(["--token-stdin", "--no-verify"])
        .write_stdin(token)
        .output()
        .unwrap()
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gemini's `.env` and an `--inline-token` Claude settings file, each over a file of the user's
/// (mode 0644), and a second Gemini setup so that a backup holds the token too.
fn with_copies() -> (TestHome, std::path::PathBuf, std::path::PathBuf) {
    let home = home();
    let env = write(&home, ".gemini/.env", USERS_ENV);
    let claude = write(&home, ".claude/settings.json", USERS_CLAUDE);
    set_mode(&env, 0o644);
    set_mode(&claude, 0o644);
    for args in [
        &["gemini"][..],
        &["gemini", "--model", "databricks-gemini-2-5-pro"],
        &["claude", "--inline-token"],
    ] {
        let out = setup(&home, args);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        files_holding(&home, GOOD_TOKEN).len(),
        3,
        "setup wrote fewer copies"
    );
    (home, env, claude)
}

#[test]
fn logout_takes_the_token_out_of_every_file_and_login_puts_the_new_one_back() {
    let (home, env, claude) = with_copies();

    let out = run(&home, &["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Logged out of profile 'default'.
  token removed from the plaintext token file
  token removed from ~/.claude/settings.json (Claude Code)
  token removed from ~/.gemini/.env (Gemini CLI)
  deleted 3 backups holding the token
"
    );
    assert_stderr_contains(
        &out,
        "Claude Code, Gemini CLI will not reach the gateway until you log in again: agentgw login --profile default",
    );
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());
    assert_eq!(
        read(&env),
        format!(
            "{USERS_ENV}GEMINI_MODEL=databricks-gemini-2-5-pro\n\
             GOOGLE_GEMINI_BASE_URL=https://ws.example.com/ai-gateway/gemini\n\
             GEMINI_API_KEY_AUTH_MECHANISM=bearer\n"
        )
    );
    assert!(
        !read(&claude).contains("ANTHROPIC_AUTH_TOKEN"),
        "{}",
        read(&claude)
    );

    // A second logout finds nothing left to remove.
    let again = run(&home, &["logout"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        "Profile 'default' had no stored token: nothing to remove.\n"
    );

    let out = login(&home, NEW_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with(
            "  token updated in ~/.claude/settings.json (Claude Code)\n  token updated in ~/.gemini/.env (Gemini CLI)\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(read(&env).ends_with(&format!("GEMINI_API_KEY={NEW_TOKEN}\n")));
    assert!(read(&claude).contains(&format!("\"ANTHROPIC_AUTH_TOKEN\": \"{NEW_TOKEN}\"")));
    assert_eq!(mode(&env), 0o600);

    // Undo is still exact, file modes included.
    let out = remove(&home, &["all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&env), USERS_ENV);
    assert_eq!(read(&claude), USERS_CLAUDE);
    assert_eq!(mode(&env), 0o644);
    assert_eq!(mode(&claude), 0o644);
}

#[test]
fn remove_after_logout_gives_back_the_users_files() {
    let (home, env, claude) = with_copies();
    assert!(run(&home, &["logout"]).status.success());
    let out = remove(&home, &["all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("kept your value"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&env), USERS_ENV);
    assert_eq!(read(&claude), USERS_CLAUDE);
    assert_eq!(mode(&env), 0o644);
}

#[test]
fn a_new_token_replaces_every_copy_of_the_old_one_and_its_backups() {
    let (home, env, _) = with_copies();
    let out = login(&home, NEW_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("  deleted 3 backups holding the token\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());
    assert_eq!(files_holding(&home, NEW_TOKEN).len(), 2);
    assert!(read(&env).ends_with(&format!("GEMINI_API_KEY={NEW_TOKEN}\n")));

    // The same token again changes nothing.
    let out = login(&home, NEW_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("token updated"), "{}", stdout(&out));
}

#[test]
fn logout_leaves_a_value_the_user_put_there_since() {
    let home = home();
    assert!(setup(&home, &["gemini"]).status.success());
    let env = home.path().join(".gemini/.env");
    let own = read(&env).replace(GOOD_TOKEN, "AIza-users-own-gemini-key");
    std::fs::write(&env, &own).unwrap();
    let out = run(&home, &["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "~/.gemini/.env: GEMINI_API_KEY holds a value of your own now; left as it is",
    );
    assert_eq!(read(&env), own);
}

#[test]
fn logout_of_one_profile_leaves_the_other_profiles_copies() {
    let home = home();
    home.login_unverified("other", NEW_TOKEN);
    home.secret(NEW_TOKEN);
    assert!(
        setup(&home, &["gemini", "--profile", "other"])
            .status
            .success()
    );
    assert!(setup(&home, &["claude", "--inline-token"]).status.success());
    let out = run(&home, &["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(".gemini"), "{}", stdout(&out));
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());
    assert!(read(&home.path().join(".gemini/.env")).contains(NEW_TOKEN));
}

#[test]
fn after_logout_doctor_says_to_log_in_for_the_helper() {
    let home = home();
    assert!(setup(&home, &["claude"]).status.success());
    let out = run(&home, &["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Claude calls `agentgw token`, which has nothing to give now.
    assert_stderr_contains(
        &out,
        "Claude Code will not reach the gateway until you log in again: agentgw login --profile default",
    );
    let out = run(&home, &["doctor", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    let helper = said
        .lines()
        .skip_while(|l| !l.contains("the token helper"))
        .take(2)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        helper.ends_with("fix: agentgw login --profile default"),
        "{said}"
    );
}

#[test]
fn no_token_file_is_remembered_until_token_file() {
    let home = home();
    let env = home.path().join(".gemini/.env");
    let key_line = format!("GEMINI_API_KEY={GOOD_TOKEN}");
    let out = setup(&home, &["gemini", "--no-token-file"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!read(&env).contains(&key_line));
    for later in [&["gemini"][..], &["all", "--force"]] {
        let out = setup(&home, later);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!read(&env).contains(&key_line), "{later:?} wrote the token");
    }
    assert!(setup(&home, &["gemini", "--token-file"]).status.success());
    assert!(read(&env).contains(&key_line));
    assert!(setup(&home, &["gemini"]).status.success());
    assert!(read(&env).contains(&key_line));

    let both = setup(&home, &["gemini", "--token-file", "--no-token-file"]);
    assert_eq!(both.status.code(), Some(2));
}

/// The product page's recipe had the user paste the token into `~/.gemini/.env` themselves;
/// `setup gemini` then finds it already there. It is still the profile's token, which setup
/// says the file holds: `logout` takes it out and `login` puts the new one in. Before, logout
/// left it there, unmentioned, and Gemini went on using it.
#[test]
fn logout_takes_out_the_token_a_users_file_already_held() {
    let home = home();
    let users = format!("# pasted from the product page\nGEMINI_API_KEY={GOOD_TOKEN}\n");
    let env = write(&home, ".gemini/.env", &users);
    home.secret_put_there_by_the_test(&env);
    let out = setup(&home, &["gemini"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run(&home, &["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("  token removed from ~/.gemini/.env (Gemini CLI)\n"),
        "{}",
        stdout(&out)
    );
    assert_stderr_contains(&out, "Gemini CLI will not reach the gateway");
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());

    let out = login(&home, NEW_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        read(&env).contains(&format!("\nGEMINI_API_KEY={NEW_TOKEN}\n")),
        "{}",
        read(&env)
    );
    // The line was the user's: remove leaves it (with the token login put there), and takes out
    // only what setup added.
    let out = remove(&home, &["gemini"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&env),
        format!("# pasted from the product page\nGEMINI_API_KEY={NEW_TOKEN}\n")
    );
}

/// The old recipe's `env.ANTHROPIC_AUTH_TOKEN` in `~/.claude/settings.json`, the profile's own
/// token: setup takes it out (it would outrank the helper) and remembers it for `remove`. Once
/// that token is logged out, agentgw keeps no copy of it (its record held one), and `remove`
/// does not write the logged-out token back into the file.
#[test]
fn a_logged_out_token_setup_had_taken_out_of_claudes_file_is_not_kept_or_put_back() {
    let home = home();
    let users = format!(
        "{{\n  \"env\": {{\n    \"ANTHROPIC_AUTH_TOKEN\": \"{GOOD_TOKEN}\",\n    \"DEBUG\": \"1\"\n  }}\n}}\n"
    );
    let claude = write(&home, ".claude/settings.json", &users);
    home.secret_put_there_by_the_test(&claude);
    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run(&home, &["logout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());

    let out = remove(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&claude),
        "{\n  \"env\": {\n    \"DEBUG\": \"1\"\n  }\n}\n"
    );
}

/// The same after a new token: the old one is neither kept nor put back by `remove`.
#[test]
fn a_replaced_token_setup_had_taken_out_of_claudes_file_is_not_kept() {
    let home = home();
    let users = format!("{{\"env\": {{\"ANTHROPIC_AUTH_TOKEN\": \"{GOOD_TOKEN}\"}}}}\n");
    let claude = write(&home, ".claude/settings.json", &users);
    home.secret_put_there_by_the_test(&claude);
    assert!(setup(&home, &["claude"]).status.success());
    let out = login(&home, NEW_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());
}

/// Taking the token out of a file (`--no-token-file`, Claude without `--inline-token` again,
/// `remove`) leaves no copy of it in that file's backups either: setup says the token is then
/// in no file. Before, the backup of the file as it was still held it.
#[test]
fn a_file_the_token_leaves_keeps_no_backup_holding_it() {
    let (home, env, claude) = with_copies();
    let out = setup(&home, &["gemini", "--no-token-file"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "the token is not in any file");
    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());

    // And `remove` of a file holding it.
    assert!(setup(&home, &["gemini", "--token-file"]).status.success());
    assert!(read(&env).contains(GOOD_TOKEN));
    let out = remove(&home, &["gemini"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_holding(&home, GOOD_TOKEN), Vec::<String>::new());
    assert_eq!(read(&env), USERS_ENV);
    assert!(!read(&claude).contains(GOOD_TOKEN));
}

/// `login --host` to another workspace on the same profile: a file agentgw wrote the token into
/// still sends it to the old workspace's gateway, so it must not get the new workspace's token
/// (Gemini would send it there). It keeps its old token, and login says to run setup, which
/// points it at the new gateway and writes the new token; agents that call `agentgw token` are
/// named too. Before, the new token went into `.env` beside the old gateway's URL.
#[test]
fn login_to_another_workspace_puts_no_token_beside_the_old_gateway() {
    let home = home();
    let env = home.path().join(".gemini/.env");
    for agent in ["gemini", "claude"] {
        assert!(setup(&home, &[agent]).status.success());
    }
    home.secret(NEW_TOKEN);
    let out = home
        .cmd()
        .args(["login", "--host", "https://other.example.com"])
        .args(["--token-stdin", "--no-verify"])
        .write_stdin(NEW_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!read(&env).contains(NEW_TOKEN), "{}", read(&env));
    assert!(read(&env).contains(GOOD_TOKEN));
    assert_stderr_contains(
        &out,
        "~/.gemini/.env: not updated: Gemini CLI sends its token to https://ws.example.com/ai-gateway/gemini there, \
         not to the gateway of profile 'default' (https://other.example.com/ai-gateway)\n  point it there with",
    );
    assert_stderr_contains(
        &out,
        "point it there with `agentgw setup gemini --profile default` (which writes the new token too)",
    );
    assert_stderr_contains(
        &out,
        "Claude Code runs `agentgw token --profile default` but sends the token to https://ws.example.com/ai-gateway/anthropic",
    );
    // Setup then points Gemini at the new gateway, with the new token.
    assert!(setup(&home, &["gemini"]).status.success());
    let now = read(&env);
    assert!(now.contains("GOOGLE_GEMINI_BASE_URL=https://other.example.com/ai-gateway/gemini"));
    assert!(
        now.contains(&format!("GEMINI_API_KEY={NEW_TOKEN}")),
        "{now}"
    );
}
