//! Built-in packs: the suggestors of a job and the gate policy they run under. Each builds
//! the same engine for the same input every time, which is what lets a paused job be
//! re-run to the same gate after a restart.

mod expense;

use std::sync::Arc;

use converge_core::{
    AgentEffect, Budget, Context, ContextKey, ContextState, Engine, EngineHitlPolicy, Suggestor,
};

use crate::jobs::JobDefinition;

/// Told when a suggestor ran and what it proposed (shown as the agent's activity).
pub type ActivitySink = Arc<dyn Fn(String) + Send + Sync>;

/// An engine ready to run, its starting context, and its suggestors' names in
/// registration order (the kernel calls them `agent-<n>`).
pub struct Prepared {
    pub engine: Engine,
    pub context: ContextState,
    pub suggestors: Vec<String>,
}

/// Whether `job` names a pack and gives it the input it needs.
pub fn check(job: &JobDefinition) -> Result<(), String> {
    match job.pack.as_str() {
        "expense" => expense::Claim::from_input(&job.input).map(drop),
        other => Err(format!(
            "job {:?}: there is no pack {other:?} (try \"expense\")",
            job.id
        )),
    }
}

pub fn prepare(job: &JobDefinition, activity: ActivitySink) -> Result<Prepared, String> {
    check(job)?;
    let mut builder = Builder {
        engine: Engine::with_budget(Budget {
            max_cycles: 20,
            max_facts: 200,
        }),
        suggestors: Vec::new(),
        activity,
    };
    let context = match job.pack.as_str() {
        "expense" => expense::build(&mut builder, &job.input)?,
        _ => unreachable!("checked above"),
    };
    Ok(Prepared {
        engine: builder.engine,
        context,
        suggestors: builder.suggestors,
    })
}

struct Builder {
    engine: Engine,
    suggestors: Vec<String>,
    activity: ActivitySink,
}

impl Builder {
    fn add(&mut self, suggestor: impl Suggestor + 'static) {
        self.suggestors.push(suggestor.name().to_owned());
        self.engine.register_suggestor(Observed {
            inner: suggestor,
            activity: self.activity.clone(),
        });
    }

    fn gate(&mut self, keys: Vec<ContextKey>) {
        self.engine.set_hitl_policy(EngineHitlPolicy {
            confidence_threshold: None,
            gated_keys: keys,
            timeout: Default::default(),
        });
    }
}

/// A suggestor as the kernel calls it, reporting each call: which one ran and what it
/// proposed.
struct Observed<S> {
    inner: S,
    activity: ActivitySink,
}

#[async_trait::async_trait]
impl<S: Suggestor> Suggestor for Observed<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn dependencies(&self) -> &[ContextKey] {
        self.inner.dependencies()
    }

    fn accepts(&self, ctx: &dyn Context) -> bool {
        self.inner.accepts(ctx)
    }

    async fn execute(&self, ctx: &dyn Context) -> AgentEffect {
        let effect = self.inner.execute(ctx).await;
        let proposed: Vec<String> = effect
            .proposals()
            .iter()
            .map(|p| match p.text() {
                Some(text) => format!("{:?} {}: {text}", p.key(), p.id().as_str()),
                None => format!("{:?} {}", p.key(), p.id().as_str()),
            })
            .collect();
        let said = if proposed.is_empty() {
            format!("{} ran; proposed nothing", self.inner.name())
        } else {
            format!("{} proposed {}", self.inner.name(), proposed.join("; "))
        };
        (self.activity)(said);
        effect
    }
}
