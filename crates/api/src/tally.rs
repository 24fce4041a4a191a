//! A count per key shared by every connection, each unit held by a guard that gives it back
//! when dropped: the connections of each process, the connections waiting on each request.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Tally<K: Eq + Hash + Clone>(Arc<Mutex<HashMap<K, usize>>>);

impl<K: Eq + Hash + Clone> Default for Tally<K> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

/// One unit of a key's count, until dropped.
pub struct Counted<K: Eq + Hash + Clone> {
    tally: Tally<K>,
    key: K,
}

impl<K: Eq + Hash + Clone> Tally<K> {
    /// Counts one more for `key`, unless it already has `limit`.
    pub fn take(&self, key: K, limit: usize) -> Option<Counted<K>> {
        let mut counts = self.0.lock().unwrap();
        let count = counts.entry(key.clone()).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Counted {
            tally: self.clone(),
            key,
        })
    }

    /// Counts one more for `key`, without a limit.
    pub fn enter(&self, key: K) -> Counted<K> {
        self.take(key, usize::MAX)
            .expect("no key reaches usize::MAX units")
    }

    /// Whether anything holds a unit of `key`.
    pub fn any(&self, key: &K) -> bool {
        self.0.lock().unwrap().contains_key(key)
    }
}

impl<K: Eq + Hash + Clone> Drop for Counted<K> {
    fn drop(&mut self) {
        let mut counts = self.tally.0.lock().unwrap();
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_counted_until_its_last_unit_is_dropped() {
        let tally = Tally::<u32>::default();
        let first = tally.take(7, 2).unwrap();
        let second = tally.take(7, 2).unwrap();
        assert!(tally.take(7, 2).is_none(), "the limit holds");
        assert!(tally.take(8, 2).is_some(), "another key has its own count");
        drop(first);
        assert!(tally.any(&7));
        let third = tally.take(7, 2);
        assert!(third.is_some(), "a dropped unit is given back");
        drop((second, third));
        assert!(!tally.any(&7));
    }
}
