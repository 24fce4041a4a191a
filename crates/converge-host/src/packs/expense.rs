//! The `expense` pack: an expense claim is read, checked against the self-approval limit,
//! and a reimbursement is proposed. A reimbursement is a `Proposals` fact, and the pack
//! gates that key: over the limit it waits for a person. Within the limit the plan is a
//! `Strategies` fact, which needs no one. Offline and deterministic.

use converge_core::{
    AgentEffect, Context, ContextKey, ContextState, ProposedFact, Suggestor, TextPayload,
};
use serde::{Deserialize, Serialize};

use super::Builder;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub claimant: String,
    pub amount: f64,
    pub currency: String,
    pub purpose: String,
    /// The self-approval limit: above it, a person signs off.
    pub limit: f64,
}

impl Claim {
    pub fn from_input(input: &serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        let claim: Self = serde_json::from_value(serde_json::Value::Object(input.clone()))
            .map_err(|e| format!("expense input: {e}"))?;
        if !(claim.amount.is_finite() && claim.amount > 0.0 && claim.limit.is_finite()) {
            return Err("expense input: amount must be above 0 and limit a number".into());
        }
        Ok(claim)
    }

    fn money(&self, value: f64) -> String {
        format!("{value:.2} {}", self.currency)
    }
}

const CLAIM: &str = "claim";

pub(super) fn build(
    builder: &mut Builder,
    input: &serde_json::Map<String, serde_json::Value>,
) -> Result<ContextState, String> {
    let claim = Claim::from_input(input)?;
    builder.add(ClaimReader);
    builder.add(PolicyCheck);
    builder.add(ReimbursementPlanner);
    builder.gate(vec![ContextKey::Proposals]);
    let mut context = ContextState::new();
    let seed = serde_json::to_string(&claim).map_err(|e| e.to_string())?;
    context
        .add_input(ContextKey::Seeds, CLAIM, seed)
        .map_err(|e| e.to_string())?;
    Ok(context)
}

fn fact_text<'a>(ctx: &'a dyn Context, key: ContextKey, id: &str) -> Option<&'a str> {
    ctx.get(key)
        .iter()
        .find(|fact| fact.id().as_str() == id)
        .and_then(|fact| fact.text())
}

fn claim(ctx: &dyn Context) -> Option<Claim> {
    serde_json::from_str(fact_text(ctx, ContextKey::Seeds, CLAIM)?).ok()
}

fn propose(key: ContextKey, id: &str, text: String, by: &str) -> ProposedFact {
    ProposedFact::new(key, id, TextPayload::new(text), by)
}

/// Reads the claim into a line a reviewer can check.
struct ClaimReader;

#[async_trait::async_trait]
impl Suggestor for ClaimReader {
    fn name(&self) -> &str {
        "claim-reader"
    }
    fn dependencies(&self) -> &[ContextKey] {
        &[ContextKey::Seeds]
    }
    fn accepts(&self, ctx: &dyn Context) -> bool {
        claim(ctx).is_some() && fact_text(ctx, ContextKey::Signals, "claim-total").is_none()
    }
    async fn execute(&self, ctx: &dyn Context) -> AgentEffect {
        let Some(claim) = claim(ctx) else {
            return AgentEffect::empty();
        };
        let line = format!(
            "{} claims {} for {}",
            claim.claimant,
            claim.money(claim.amount),
            claim.purpose
        );
        AgentEffect::with_proposal(propose(
            ContextKey::Signals,
            "claim-total",
            line,
            self.name(),
        ))
    }
}

/// Compares the amount with the self-approval limit.
struct PolicyCheck;

#[async_trait::async_trait]
impl Suggestor for PolicyCheck {
    fn name(&self) -> &str {
        "policy-check"
    }
    fn dependencies(&self) -> &[ContextKey] {
        &[ContextKey::Signals]
    }
    fn accepts(&self, ctx: &dyn Context) -> bool {
        fact_text(ctx, ContextKey::Signals, "claim-total").is_some()
            && fact_text(ctx, ContextKey::Evaluations, "policy").is_none()
    }
    async fn execute(&self, ctx: &dyn Context) -> AgentEffect {
        let Some(claim) = claim(ctx) else {
            return AgentEffect::empty();
        };
        let verdict = if claim.amount > claim.limit {
            format!(
                "over the limit: {} is above the {} self-approval limit; needs sign-off",
                claim.money(claim.amount),
                claim.money(claim.limit)
            )
        } else {
            format!(
                "within the limit: {} is at or below the {} self-approval limit",
                claim.money(claim.amount),
                claim.money(claim.limit)
            )
        };
        AgentEffect::with_proposal(
            propose(ContextKey::Evaluations, "policy", verdict, self.name()).with_confidence(0.97),
        )
    }
}

/// Proposes paying the claim: for sign-off over the limit, as a plan within it.
struct ReimbursementPlanner;

#[async_trait::async_trait]
impl Suggestor for ReimbursementPlanner {
    fn name(&self) -> &str {
        "reimbursement-planner"
    }
    fn dependencies(&self) -> &[ContextKey] {
        &[ContextKey::Evaluations]
    }
    fn accepts(&self, ctx: &dyn Context) -> bool {
        fact_text(ctx, ContextKey::Evaluations, "policy").is_some()
            && fact_text(ctx, ContextKey::Proposals, "reimburse").is_none()
            && fact_text(ctx, ContextKey::Strategies, "reimburse").is_none()
    }
    async fn execute(&self, ctx: &dyn Context) -> AgentEffect {
        let Some(claim) = claim(ctx) else {
            return AgentEffect::empty();
        };
        let pay = format!(
            "Reimburse {} to {} for {}",
            claim.money(claim.amount),
            claim.claimant,
            claim.purpose
        );
        let proposal = if claim.amount > claim.limit {
            propose(ContextKey::Proposals, "reimburse", pay, self.name()).with_confidence(0.92)
        } else {
            propose(
                ContextKey::Strategies,
                "reimburse",
                format!("{pay} (within the self-approval limit)"),
                self.name(),
            )
        };
        AgentEffect::with_proposal(proposal)
    }
}
