//! "Go to terminal": to where a card's request was asked, where an agent runs, or (the
//! global key) where the agent that asked last runs. The places come from the local API,
//! which records each asker's process ancestry from the kernel (crates/terminal).

use inbox::Inbox;
use tauri::{AppHandle, Manager};
use terminal::{TerminalVisit, Trails};

use crate::notifications;
use crate::popover::PopoverExt;

/// What the person asked to go to.
pub enum Destination {
    Request(String),
    Agent(String),
}

/// Goes there; the popover closes once the person is there, and stays open to say why not.
pub fn go(app: &AppHandle, destination: Destination) -> TerminalVisit {
    let trails = app.state::<Trails>();
    let trail = match &destination {
        Destination::Request(id) => trails.of_request(id).or_else(|| {
            let request = app.state::<Inbox>().request(id).ok().flatten()?;
            trails.of_agent(&request.agent_id)
        }),
        Destination::Agent(id) => trails.of_agent(id),
    };
    let Some(trail) = trail else {
        return TerminalVisit::failed(unknown(app, &destination));
    };
    let visit = terminal::go_to(&trail);
    tracing::info!(arrived = visit.arrived, done = ?visit.done, problem = ?visit.problem, "go to terminal");
    if visit.arrived {
        app.popover().hide();
    }
    visit
}

/// Why no place is known: the agent runs inside the app, or has not asked since it started.
fn unknown(app: &AppHandle, destination: &Destination) -> String {
    let inbox = app.state::<Inbox>();
    let agent_id = match destination {
        Destination::Request(id) => inbox.request(id).ok().flatten().map(|r| r.agent_id),
        Destination::Agent(id) => Some(id.clone()),
    };
    let kind = agent_id.and_then(|id| {
        inbox
            .agents()
            .ok()?
            .into_iter()
            .find(|agent| agent.id == id)
            .map(|agent| agent.kind)
    });
    if kind == Some(protocol::model::AgentKind::Converge) {
        "Converge jobs run inside Converge Tray: they have no terminal.".into()
    } else {
        "Converge Tray does not know where this agent runs: it learns it when the agent next \
         asks or reports, while Converge Tray runs."
            .into()
    }
}

/// The global key: the terminal of the agent that asked last. With nothing to go to, or
/// when the desktop does not let it, a notification says so.
pub fn by_shortcut(app: &AppHandle) {
    let Some((agent, _)) = app.state::<Trails>().last_asked() else {
        notifications::info(
            app,
            "No terminal to go to",
            "No agent has asked anything since Converge Tray started.",
        );
        return;
    };
    let visit = go(app, Destination::Agent(agent));
    if let Some(problem) = &visit.problem {
        notifications::info(app, "Could not go to the terminal", problem);
    }
}
