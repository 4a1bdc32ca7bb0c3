//! Usage reports: `format` and `days` are shared by the usage views.

pub mod days;
pub mod format;
