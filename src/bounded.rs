//! Running a helper program with a deadline: agentgw must never hang on someone else's command,
//! including one that leaves a child holding its output open.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The program's standard output if it exits successfully within `timeout`; otherwise why not,
/// in words that complete "the command …".
pub fn output_within(command: &mut Command, timeout: Duration) -> Result<String, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot be started: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("has no output")?;
    let (tx, rx) = mpsc::channel();
    // Reading on a thread of its own: a grandchild may keep the pipe open long after the
    // program itself has exited, and the deadline must hold for that too.
    std::thread::spawn(move || {
        let mut out = String::new();
        let read = stdout.read_to_string(&mut out).map(|_| out);
        let _ = tx.send(read);
    });
    let out = match rx.recv_timeout(timeout) {
        Ok(read) => read.map_err(|e| format!("printed something unreadable: {e}"))?,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {} s", timeout.as_secs()));
        }
    };
    match child.wait() {
        Ok(status) if status.success() => Ok(out),
        Ok(status) => Err(format!("failed ({status})")),
        Err(e) => Err(e.to_string()),
    }
}
