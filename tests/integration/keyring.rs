//! The OS keyring, for real: a Secret Service (gnome-keyring) on the D-Bus session that
//! scripts/test.sh starts, and a private bus with no Secret Service at all.

use crate::common::{
    Agentgw, TestHome, assert_no_secret, assert_stderr_contains, mode, stderr, stdout,
};
use crate::support::GOOD_TOKEN;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The real Secret Service is there when scripts/test.sh set it up. Outside that script the tests
/// that need it say so and pass; in CI its absence is a failure.
fn secret_service_bus() -> Option<String> {
    let ready = std::env::var_os("AGENTGW_TEST_SECRET_SERVICE").is_some();
    match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        Ok(address) if ready => Some(address),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must run the tests through scripts/test.sh (Secret Service)")
        }
        _ => {
            eprintln!(
                "skipped: no Secret Service prepared; run scripts/test.sh for the keyring tests"
            );
            None
        }
    }
}

fn keyring_cmd<'h>(home: &'h TestHome, bus: &str) -> Agentgw<'h> {
    let mut cmd = home.bare_cmd();
    cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
    cmd
}

fn login(cmd: &mut Agentgw<'_>, profile: &str, token: &str) -> std::process::Output {
    cmd.args([
        "login",
        "--profile",
        profile,
        "--host",
        "https://ws.example.com",
        "--token-stdin",
        "--no-verify",
    ])
    .write_stdin(token)
    .output()
    .unwrap()
}

#[test]
fn the_token_goes_to_the_keyring_and_survives_into_a_new_process() {
    let Some(bus) = secret_service_bus() else {
        return;
    };
    let home = TestHome::new();
    let profile = format!("kr-survive-{}", std::process::id());
    let out = login(&mut keyring_cmd(&home, &bus), &profile, GOOD_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        &format!("Token stored in the OS keyring (service agentgw, account {profile})"),
    );
    assert_no_secret(&out, GOOD_TOKEN);
    assert!(
        home.config_toml()
            .unwrap()
            .contains("token_storage = \"keyring\"")
    );
    assert_eq!(home.tokens_toml(), None, "no plaintext copy");

    // A fresh process, a fresh HOME with only the profile: the token can only come from the keyring.
    let other = TestHome::new();
    std::fs::create_dir_all(other.config_dir()).unwrap();
    std::fs::set_permissions(
        other.config_dir(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    std::fs::copy(
        home.config_dir().join("config.toml"),
        other.config_dir().join("config.toml"),
    )
    .unwrap();
    let out = keyring_cmd(&other, &bus)
        .args(["token", "--profile", &profile])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"), "{}", stderr(&out));

    let out = keyring_cmd(&home, &bus)
        .args(["logout", "--profile", &profile])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("Logged out of profile '{profile}'.\n  token removed from the OS keyring\n")
    );
    let out = keyring_cmd(&other, &bus)
        .args(["token", "--profile", &profile])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the keyring entry must be gone: {}",
        stdout(&out)
    );
}

#[test]
fn moving_from_the_file_store_to_the_keyring_removes_the_plaintext_copy() {
    let Some(bus) = secret_service_bus() else {
        return;
    };
    let home = TestHome::new();
    let profile = format!("kr-move-{}", std::process::id());
    let out = login(
        keyring_cmd(&home, &bus).env("AGENTGW_AUTH_STORAGE", "file"),
        &profile,
        "dapi-old",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.tokens_toml().unwrap().contains("dapi-old"));

    let out = login(
        keyring_cmd(&home, &bus).env("AGENTGW_AUTH_STORAGE", "keyring"),
        &profile,
        GOOD_TOKEN,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !home.tokens_toml().unwrap().contains("dapi-old"),
        "plaintext copy left behind"
    );
    let out = keyring_cmd(&home, &bus)
        .args(["token", "--profile", &profile])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"));
    keyring_cmd(&home, &bus)
        .args(["logout", "--profile", &profile])
        .assert()
        .success();
}

/// A D-Bus session bus of our own with no Secret Service on it (and no service activation, so
/// nothing can start one).
struct EmptyBus {
    daemon: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl EmptyBus {
    fn start() -> Option<EmptyBus> {
        if Command::new("dbus-daemon")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install dbus-daemon (scripts/test.sh does)"
            );
            eprintln!("skipped: dbus-daemon is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().display()
            ),
        )
        .unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        Some(EmptyBus {
            daemon,
            address: address.trim().to_string(),
            _dir: dir,
        })
    }
}

impl Drop for EmptyBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn without_a_secret_service_login_falls_back_to_a_0600_file_with_a_warning() {
    let Some(bus) = EmptyBus::start() else { return };
    let home = TestHome::new();
    let out = login(&mut keyring_cmd(&home, &bus.address), "default", GOOD_TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: NO OS KEYRING: the token is stored in PLAINTEXT"),
        "{err}"
    );
    assert!(
        err.contains("gnome-keyring") && err.contains("AGENTGW_AUTH_STORAGE=keyring agentgw login"),
        "{err}"
    );
    assert_no_secret(&out, GOOD_TOKEN);
    assert_eq!(mode(&home.config_dir().join("tokens.toml")), 0o600);
    assert!(
        home.config_toml()
            .unwrap()
            .contains("token_storage = \"file\""),
        "the choice is recorded"
    );

    // Later calls read the file without probing the (still absent) keyring.
    let out = keyring_cmd(&home, &bus.address)
        .arg("token")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("{GOOD_TOKEN}\n"));
    assert_eq!(stderr(&out), "");
}

#[test]
fn without_a_secret_service_an_explicit_keyring_request_fails_and_stores_nothing() {
    let Some(bus) = EmptyBus::start() else { return };
    let home = TestHome::new();
    let out = login(
        keyring_cmd(&home, &bus.address).env("AGENTGW_AUTH_STORAGE", "keyring"),
        "default",
        GOOD_TOKEN,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot store the token in the OS keyring"),
        "{err}"
    );
    assert!(err.contains("Nothing was stored."), "{err}");
    assert_eq!(home.config_toml(), None);
    assert_eq!(home.tokens_toml(), None);
}

#[test]
fn without_any_session_bus_login_falls_back_quickly() {
    let home = TestHome::new();
    let started = std::time::Instant::now();
    let out = login(
        &mut keyring_cmd(&home, "unix:path=/nonexistent/agentgw-test-bus"),
        "default",
        GOOD_TOKEN,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_stderr_contains(&out, "NO OS KEYRING");
}

#[test]
fn two_simultaneous_logins_to_the_keyring_leave_one_of_their_tokens() {
    use crate::concurrency::{TOKEN_A, TOKEN_B, one_of_the_tokens, spawn_login, wait_for_logins};
    let Some(bus) = secret_service_bus() else {
        return;
    };
    let home = TestHome::new();
    home.secret(TOKEN_A);
    home.secret(TOKEN_B);
    let profile = format!("kr-race-{}", std::process::id());
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.as_str())];
    for _ in 0..5 {
        let children = [TOKEN_A, TOKEN_B]
            .map(|token| spawn_login(&home, &profile, token, &[], &env))
            .into();
        wait_for_logins(&home, children);
        one_of_the_tokens(&home, &profile, &[TOKEN_A, TOKEN_B], &env);
        assert!(
            home.config_toml()
                .unwrap()
                .contains("token_storage = \"keyring\""),
            "{:?}",
            home.config_toml()
        );
        assert_eq!(home.tokens_toml(), None, "a plaintext copy");
    }
    let out = keyring_cmd(&home, &bus)
        .args(["logout", "--profile", &profile])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_oauth_sign_in_lives_in_the_keyring_and_its_refresh_is_written_back_there() {
    use crate::support::browser::Browser;
    use crate::support::{Gateway, OAuthOptions};
    let Some(bus) = secret_service_bus() else {
        return;
    };
    let gw = Gateway::start_oauth(OAuthOptions {
        token_lifetime: std::time::Duration::from_secs(6),
        ..OAuthOptions::default()
    });
    let home = TestHome::new();
    let profile = format!("kr-oauth-{}", std::process::id());
    let browser = Browser::start(home.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = keyring_cmd(&home, &bus)
        .args(["login", "--profile", &profile, "--host", &gw.url])
        .args(["--auth", "oauth", "--redirect-port", &port])
        .env("BROWSER", browser.command())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "stored in the OS keyring");
    assert_eq!(home.tokens_toml(), None, "no plaintext copy");

    let token = |home: &TestHome| {
        keyring_cmd(home, &bus)
            .args(["token", "--profile", &profile])
            .output()
            .unwrap()
    };
    // Twice past the margin (3 s of a 6 s token): refreshed each time, and the rotated refresh
    // token stored in the keyring — the second refresh works only if the first one's was.
    // (Under load a call may come late and refresh early: only the newest token counts.)
    for round in 1..=2 {
        std::thread::sleep(std::time::Duration::from_millis(3700));
        let out = token(&home);
        assert!(out.status.success(), "round {round}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            gw.oauth().issued_access_tokens().last().unwrap()
        );
    }
    assert!(gw.oauth().grants("refresh_token") >= 2);
    assert_eq!(
        home.tokens_toml(),
        None,
        "the refresh wrote a plaintext copy"
    );
    let out = keyring_cmd(&home, &bus)
        .args(["logout", "--profile", &profile])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
