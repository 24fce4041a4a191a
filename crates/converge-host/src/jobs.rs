//! Job definitions: what the user can run, in a TOML file they can edit. The type is the
//! local API's (crates/protocol), so the window and `ctray jobs` read it as it is.

pub use protocol::jobs::JobDefinition;
