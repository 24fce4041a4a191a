//! Requests for the shell's unit tests, as the inbox would hand them over.

use inbox::ApprovalRequest;

/// A pending, low-risk `ask` request from `ops-bot`, titled by its id.
pub fn pending(id: &str, details: &str) -> ApprovalRequest {
    serde_json::from_value(serde_json::json!({
        "id": id, "agent_id": "ops-bot", "action": "ask", "title": id,
        "details": details, "provenance": {"pid": null, "exe": null},
        "created_at": 0, "deadline": 1, "on_timeout": "deny",
        "idempotency_key": null, "resolution": null,
        "risk": {"level": "low", "rule": null}, "remember_choices": []
    }))
    .expect("a request")
}
