//! The person's local time, as the system's time zone gives it: for quiet hours (sounds.rs)
//! and the deadline a phone message states (phone.rs).

/// The minute of the day, in the local time zone, of `at_ms` (milliseconds since the epoch).
#[cfg(target_os = "linux")]
pub fn minute_of_day(at_ms: i64) -> Option<u16> {
    let at = (at_ms / 1000) as libc::time_t;
    // SAFETY: localtime_r writes only into `local`, which lives through the call.
    let mut local: libc::tm = unsafe { std::mem::zeroed() };
    let converted = unsafe { libc::localtime_r(&at, &mut local) };
    (!converted.is_null()).then(|| (local.tm_hour * 60 + local.tm_min) as u16)
}

#[cfg(not(target_os = "linux"))]
pub fn minute_of_day(_at_ms: i64) -> Option<u16> {
    None
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}
