//! The usage dashboard in the workspace (AI/BI, formerly Lakeview): what it holds
//! ([`document`], from the SQL in [`queries`]) and the REST API that keeps it ([`lakeview`]).

pub mod document;
pub mod lakeview;
pub mod queries;
