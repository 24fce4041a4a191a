//! When a request goes to the phone: the person's choice, against what the desktop reports.

use std::time::Duration;

/// The person's choice in Settings → Phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Never: Phone is set up but paused.
    Never,
    /// While the screen is locked.
    Locked,
    /// While the screen is locked, or the session has been idle this long.
    LockedOrIdleFor(Duration),
    /// Once a request has waited this long on the desktop unanswered.
    UnansweredFor(Duration),
    /// Every request, as it arrives.
    Always,
}

/// What the desktop says of the person now (logind's `LockedHint` and `IdleHint` with
/// `IdleSinceHint`, or the desktop's screensaver interface). `None`: this desktop does not
/// say, and the choices that need it never escalate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presence {
    pub locked: Option<bool>,
    pub idle_for: Option<Duration>,
}

/// Whether a request that has waited `waited` on the desktop goes to the phone now.
pub fn goes_to_phone(when: When, presence: Presence, waited: Duration) -> bool {
    match when {
        When::Never => false,
        When::Always => true,
        When::Locked => presence.locked == Some(true),
        When::LockedOrIdleFor(idle) => {
            presence.locked == Some(true) || presence.idle_for.is_some_and(|away| away >= idle)
        }
        When::UnansweredFor(wait) => waited >= wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn presence(locked: Option<bool>, idle_minutes: Option<u64>) -> Presence {
        Presence {
            locked,
            idle_for: idle_minutes.map(|m| MINUTE * m as u32),
        }
    }

    #[test]
    fn locked_escalates_only_while_locked() {
        assert!(goes_to_phone(
            When::Locked,
            presence(Some(true), None),
            Duration::ZERO
        ));
        assert!(!goes_to_phone(
            When::Locked,
            presence(Some(false), Some(60)),
            Duration::ZERO
        ));
    }

    #[test]
    fn idle_escalates_after_the_chosen_minutes() {
        let when = When::LockedOrIdleFor(5 * MINUTE);
        assert!(!goes_to_phone(
            when,
            presence(Some(false), Some(4)),
            Duration::ZERO
        ));
        assert!(goes_to_phone(
            when,
            presence(Some(false), Some(5)),
            Duration::ZERO
        ));
        assert!(goes_to_phone(
            when,
            presence(Some(true), Some(0)),
            Duration::ZERO
        ));
    }

    #[test]
    fn a_desktop_that_says_nothing_never_escalates_on_lock_or_idle() {
        let silent = presence(None, None);
        assert!(!goes_to_phone(
            When::Locked,
            silent,
            Duration::from_secs(3600)
        ));
        assert!(!goes_to_phone(
            When::LockedOrIdleFor(MINUTE),
            silent,
            Duration::from_secs(3600)
        ));
        // The choices that need nothing from the desktop still work there.
        assert!(goes_to_phone(When::UnansweredFor(MINUTE), silent, MINUTE));
        assert!(goes_to_phone(When::Always, silent, Duration::ZERO));
    }

    #[test]
    fn unanswered_escalates_once_the_wait_is_over() {
        let when = When::UnansweredFor(90 * Duration::from_secs(1));
        assert!(!goes_to_phone(
            when,
            presence(Some(true), None),
            Duration::from_secs(89)
        ));
        assert!(goes_to_phone(
            when,
            presence(Some(false), None),
            Duration::from_secs(90)
        ));
    }

    #[test]
    fn never_is_never() {
        assert!(!goes_to_phone(
            When::Never,
            presence(Some(true), Some(600)),
            MINUTE * 600
        ));
    }
}
