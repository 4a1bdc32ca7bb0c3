//! The usage dashboard in the workspace (AI/BI, formerly Lakeview): what it holds
//! ([`document`], from the SQL in [`queries`]).

pub mod document;
pub mod queries;
