//! Nothing to link: `tests/bindings.rs` generates `src/lib/bindings/` from the Rust types
//! of the inbox and settings crates and fails when the committed files differ.
