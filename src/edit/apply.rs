//! Carrying out a plan: lock, re-check, record, and have the file's storage back it up and
//! write it.

use super::EditError;
use super::plan::Plan;
use super::record;
use super::state::StateDir;
use super::storage::Applied;

/// Applies `plan` for `owner` (an agent name like "claude"), recording the keys it sets as
/// managed by that owner. If the file changed since the plan was made, the same changes are
/// recomputed against its current content, so concurrent runs compose instead of clobbering.
pub fn apply(plan: &Plan, state: &StateDir, owner: &str) -> Result<Applied, EditError> {
    let _lock = plan.lock(state)?;
    // An unreadable record must stop us before the write: a change it cannot hold could never
    // be undone.
    record::load(state)?;
    let current = plan.reread()?;
    let fresh;
    let plan = if current == plan.original {
        plan
    } else {
        fresh = plan.recompute(current)?;
        &fresh
    };
    if plan.is_noop() {
        return plan.write(state);
    }
    // The first edit of a file keeps its text from before agentgw, for an exact undo.
    let first_edit = record::load(state)?.file(owner, &plan.path).is_none();
    if let (true, Some(original)) = (first_edit, &plan.original) {
        record::keep_original(state, &plan.path, original)?;
    }
    // Write-ahead: the record learns what agentgw is about to set before the file changes, so a
    // process killed in between leaves a record that can still undo it (an entry for a change
    // that never landed only makes undo find those keys already as they were).
    let mut before = None;
    record::update(state, |r| {
        before = Some(r.file(owner, &plan.path).cloned());
        r.note_applied(owner, plan);
    })?;
    match plan.write(state) {
        Ok(applied) => Ok(applied),
        Err(e) => {
            let before = before.flatten();
            let _ = record::update(state, |r| r.put_back(owner, &plan.path, before));
            if first_edit {
                record::drop_original(state, &plan.path);
            }
            Err(e)
        }
    }
}
