//! Durations and ages as a person says them ("7 days", "5 min", "3 min ago"), for what
//! ctray prints to people. Files ctray writes for programs (a hook's `timeout`, a
//! `--timeout 300s` in a hook command) keep the plain numbers those programs read.

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A limit or a timeout: "90 s", "5 min", "2 h", "7 days", "1 h 30 min". Whole units are
/// said as they are; otherwise the two largest units, the rest left out (a person reading
/// "1 h 30 min" does not need its seconds). Under two minutes, seconds: "90 s" reads
/// better than "1 min 30 s".
pub fn spoken(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < SECOND {
        return format!("{ms} ms");
    }
    if ms < 2 * MINUTE {
        return format!("{} s", ms / SECOND);
    }
    let units = [(DAY, "day"), (HOUR, "h"), (MINUTE, "min"), (SECOND, "s")];
    let Some(first) = units.iter().position(|&(size, _)| ms >= size) else {
        unreachable!("ms is at least two minutes here");
    };
    let (size, name) = units[first];
    let mut said = count(ms / size, name);
    let rest = ms % size;
    if let Some(&(next, next_name)) = units.get(first + 1) {
        if rest >= next {
            said.push(' ');
            said.push_str(&count(rest / next, next_name));
        }
    }
    said
}

/// How long ago something happened, from the milliseconds since: "just now", "42 s ago",
/// "3 min ago", "2 h ago", "4 days ago". Rounded down, one unit: a list is read at a
/// glance. A time in the future (another machine's clock, through SSH) is "just now".
pub fn ago(elapsed_ms: i64) -> String {
    match elapsed_ms {
        ms if ms < 10 * SECOND => "just now".into(),
        ms if ms < MINUTE => format!("{} s ago", ms / SECOND),
        ms if ms < HOUR => format!("{} min ago", ms / MINUTE),
        ms if ms < DAY => format!("{} h ago", ms / HOUR),
        ms => format!("{} ago", count(ms / DAY, "day")),
    }
}

/// "1 day", "7 days"; the abbreviations ("min", "h", "s") take no plural.
fn count(n: i64, unit: &str) -> String {
    match unit {
        "day" if n != 1 => format!("{n} days"),
        _ => format!("{n} {unit}"),
    }
}

/// Milliseconds since the Unix epoch now, as the app stamps its records.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_in_the_units_a_person_uses() {
        assert_eq!(spoken(7 * DAY), "7 days");
        assert_eq!(spoken(DAY), "1 day");
        assert_eq!(spoken(5 * MINUTE), "5 min");
        assert_eq!(spoken(2 * HOUR), "2 h");
        assert_eq!(spoken(90 * SECOND), "90 s");
        assert_eq!(spoken(SECOND), "1 s");
        assert_eq!(spoken(30 * SECOND), "30 s");
        assert_eq!(spoken(90 * MINUTE), "1 h 30 min");
        assert_eq!(spoken(DAY + 6 * HOUR + 5 * MINUTE), "1 day 6 h");
        assert_eq!(spoken(2 * MINUTE + 30 * SECOND), "2 min 30 s");
        assert_eq!(spoken(HOUR + 5 * SECOND), "1 h");
        assert_eq!(spoken(500), "500 ms");
    }

    #[test]
    fn ages_at_a_glance() {
        assert_eq!(ago(-5_000), "just now");
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(9_999), "just now");
        assert_eq!(ago(42 * SECOND), "42 s ago");
        assert_eq!(ago(3 * MINUTE + 59 * SECOND), "3 min ago");
        assert_eq!(ago(2 * HOUR + 1), "2 h ago");
        assert_eq!(ago(DAY), "1 day ago");
        assert_eq!(ago(4 * DAY + HOUR), "4 days ago");
    }
}
