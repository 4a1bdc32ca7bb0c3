//! Format-preserving edits of users' config files: plan (what would change, as a diff), apply (lock,
//! backup, atomic write through symlinks, managed-keys record) and undo.

pub mod write;
