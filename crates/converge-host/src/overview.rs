//! What the full window and `ctray jobs` show of Converge: the jobs the user defined and
//! the recent runs (the local API's type, crates/protocol).

pub use protocol::jobs::JobsOverview;
