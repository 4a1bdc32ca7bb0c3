//! Killing agentgw at random moments never leaves a torn, unparseable or de-linked config file,
//! and the next complete run cleans up after it.

use crate::rich_home::{REMOVE, RichHome, SETUP};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// SIGKILLs sent, each at a random moment of a `setup all` or `remove all` run.
const KILLS: usize = 520;
/// After this many kills, one run goes to completion: it must clean up what the killed ones left.
const COMPLETE_EVERY: usize = 40;

/// A cheap deterministic sequence: the test is repeatable, the kill moments still vary widely.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// How long a complete run takes here (the slower of setup and remove, median of 5): kill
/// moments are spread over that span, so most kills land while agentgw is working.
fn calibrate(rich: &RichHome) -> Duration {
    let mut setups = Vec::new();
    let mut removes = Vec::new();
    for _ in 0..5 {
        for (args, times) in [(SETUP, &mut setups), (REMOVE, &mut removes)] {
            let started = Instant::now();
            rich.run_to_completion(args);
            times.push(started.elapsed());
        }
    }
    setups.sort();
    removes.sort();
    setups[2].max(removes[2])
}

#[test]
fn setup_and_remove_killed_at_random_moments_leave_every_file_whole() {
    let rich = RichHome::new();
    let span = calibrate(&rich).as_micros() as u64;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut mid_way = 0;
    for kill in 0..KILLS {
        // Whichever has more to do, so that most kills interrupt real work.
        let args = if rich.files_as_written() >= 2 {
            SETUP
        } else {
            REMOVE
        };
        let mut child = rich
            .home
            .process()
            .args(args)
            .env("PATH", "/usr/bin:/bin")
            .env("AGENTGW_AUTH_STORAGE", "file")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(next(&mut seed) % span));
        if child.try_wait().unwrap().is_none() {
            mid_way += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        rich.assert_whole(&format!("after kill {kill} of {args:?}"));

        if (kill + 1) % COMPLETE_EVERY == 0 {
            let args = if next(&mut seed).is_multiple_of(2) {
                SETUP
            } else {
                REMOVE
            };
            rich.run_to_completion(args);
            rich.assert_whole(&format!("after a complete {args:?}"));
            let left = rich.temp_files();
            assert!(left.is_empty(), "a complete {args:?} left {left:?}");
        }
    }
    // The next complete runs can undo everything exactly, whatever the killed ones left.
    rich.run_to_completion(SETUP);
    rich.run_to_completion(REMOVE);
    rich.assert_as_written();
    let left = rich.temp_files();
    assert!(left.is_empty(), "temp files left: {left:?}");
    eprintln!(
        "{KILLS} kills survived, {mid_way} of them while agentgw was running (kill moments spread over {span} µs)"
    );
}
