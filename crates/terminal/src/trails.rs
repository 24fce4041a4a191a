//! The trails recorded when agents asked: by request, by agent, and the latest.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::ProcessTrail;

/// More requests than anyone keeps open; the oldest trail goes first. A request's own trail
/// matters only while it waits, the agent's latest stays.
const MAX_REQUESTS: usize = 4096;
const MAX_AGENTS: usize = 1024;

/// Shared by the local API, which records, and the app, which goes there. In memory only:
/// a pid means nothing after a restart of the machine, and the next ask records it again.
#[derive(Clone, Default)]
pub struct Trails(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    by_request: HashMap<String, Arc<ProcessTrail>>,
    requests: VecDeque<String>,
    by_agent: HashMap<String, Arc<ProcessTrail>>,
    agents: VecDeque<String>,
    last_asked: Option<String>,
}

fn remember<T>(
    map: &mut HashMap<String, T>,
    order: &mut VecDeque<String>,
    key: &str,
    value: T,
    max: usize,
) {
    if map.insert(key.to_owned(), value).is_none() {
        order.push_back(key.to_owned());
        while order.len() > max {
            if let Some(oldest) = order.pop_front() {
                map.remove(&oldest);
            }
        }
    }
}

impl Trails {
    /// `agent_id` asked `request_id` from the process `trail` starts at.
    pub fn asked(&self, request_id: &str, agent_id: &str, trail: ProcessTrail) {
        let trail = Arc::new(trail);
        let mut inner = self.0.lock().unwrap();
        let inner = &mut *inner;
        remember(
            &mut inner.by_request,
            &mut inner.requests,
            request_id,
            trail.clone(),
            MAX_REQUESTS,
        );
        remember(
            &mut inner.by_agent,
            &mut inner.agents,
            agent_id,
            trail,
            MAX_AGENTS,
        );
        inner.last_asked = Some(agent_id.to_owned());
    }

    /// `agent_id` reported from the process `trail` starts at.
    pub fn seen(&self, agent_id: &str, trail: ProcessTrail) {
        let mut inner = self.0.lock().unwrap();
        let inner = &mut *inner;
        remember(
            &mut inner.by_agent,
            &mut inner.agents,
            agent_id,
            Arc::new(trail),
            MAX_AGENTS,
        );
    }

    pub fn of_request(&self, request_id: &str) -> Option<Arc<ProcessTrail>> {
        self.0.lock().unwrap().by_request.get(request_id).cloned()
    }

    pub fn of_agent(&self, agent_id: &str) -> Option<Arc<ProcessTrail>> {
        self.0.lock().unwrap().by_agent.get(agent_id).cloned()
    }

    /// The agent that asked last, and where it asked from.
    pub fn last_asked(&self) -> Option<(String, Arc<ProcessTrail>)> {
        let inner = self.0.lock().unwrap();
        let agent = inner.last_asked.clone()?;
        let trail = inner.by_agent.get(&agent)?.clone();
        Some((agent, trail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProcessLink;

    fn trail(pid: u32) -> ProcessTrail {
        ProcessTrail {
            links: vec![ProcessLink {
                pid,
                start: 1,
                name: "x".into(),
                on_tty: false,
            }],
            tty: None,
        }
    }

    #[test]
    fn a_request_and_its_agent_keep_where_it_was_asked_and_the_last_asker_is_known() {
        let trails = Trails::default();
        assert!(trails.last_asked().is_none());
        trails.asked("r1", "claude", trail(10));
        trails.asked("r2", "codex", trail(20));
        trails.seen("claude", trail(11));
        assert_eq!(trails.of_request("r1").unwrap().links[0].pid, 10);
        assert_eq!(trails.of_agent("claude").unwrap().links[0].pid, 11);
        let (agent, last) = trails.last_asked().unwrap();
        assert_eq!((agent.as_str(), last.links[0].pid), ("codex", 20));
    }

    #[test]
    fn the_oldest_requests_are_forgotten_past_the_bound() {
        let trails = Trails::default();
        for n in 0..MAX_REQUESTS + 2 {
            trails.asked(&format!("r{n}"), "a", trail(n as u32));
        }
        assert!(trails.of_request("r0").is_none());
        assert!(trails.of_request("r1").is_none());
        assert!(trails.of_request("r2").is_some());
        assert_eq!(trails.0.lock().unwrap().by_request.len(), MAX_REQUESTS);
    }
}
