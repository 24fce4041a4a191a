//! How the model's unit enums are stored in SQLite: as their serde names, so the database
//! reads like the API (`approved`, `popover`).

/// The serde name of a unit enum variant, which is what the database stores.
pub(crate) fn enum_str<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("not a unit enum: {other:?}"),
    }
}

/// The inverse of [`enum_str`]; a value this build does not know is a conversion error.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}
