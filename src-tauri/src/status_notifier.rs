//! Linux and the BSDs: the tray item as a StatusNotifierItem of the app's own (ksni, the
//! library Tauri's tray uses there). Tauri's tray offers no way to set the item's status, and
//! a desktop shows an item that needs attention as such (KDE Plasma lifts it out of the
//! hidden items): here the status says NeedsAttention while approvals wait.

use inbox::{Glance, GlanceState};
use ksni::blocking::TrayMethods;
use ksni::menu::{CheckmarkItem, MenuItem, StandardItem};
use ksni::{Category, Icon, Status, ToolTip, Tray};
use tauri::{AppHandle, PhysicalPosition};

use crate::popover::{self, PopoverExt};
use crate::tray::{self, MenuAction, TRAY_ID, TRAY_TITLE};

/// The tray item on the session bus; each change is sent to ksni's own thread.
#[derive(Clone)]
pub struct TrayItem(ksni::blocking::Handle<Item>);

impl TrayItem {
    /// Registers the item with the desktop's StatusNotifierWatcher; fails without one (no
    /// tray host), and the app carries on without a tray.
    pub fn build(app: &AppHandle, autostart: bool) -> Result<Self, String> {
        let item = Item {
            app: app.clone(),
            glance: None,
            autostart,
            paused: false,
            icons: Icons::load(),
        };
        item.spawn().map(Self).map_err(|e| e.to_string())
    }

    pub fn show(&self, glance: &Glance) {
        let glance = *glance;
        self.0.update(move |item| item.glance = Some(glance));
    }

    pub fn set_checked(&self, action: MenuAction, checked: bool) {
        self.0.update(move |item| match action {
            MenuAction::ToggleAutostart => item.autostart = checked,
            MenuAction::TogglePause => item.paused = checked,
            MenuAction::Open | MenuAction::OpenWindow | MenuAction::Quit => {}
        });
    }
}

pub struct Item {
    app: AppHandle,
    /// What the inbox looked like last; `None` while the app starts.
    glance: Option<Glance>,
    autostart: bool,
    paused: bool,
    icons: Icons,
}

impl Item {
    /// Menu and clicks arrive on ksni's thread; the app acts on them on its main thread, as
    /// it does for Tauri's own tray events.
    fn on_main(&self, action: impl FnOnce(&AppHandle) + Send + 'static) {
        let app = self.app.clone();
        let on_main = app.clone();
        if let Err(e) = app.run_on_main_thread(move || action(&on_main)) {
            tracing::warn!("tray: the app is not taking events: {e}");
        }
    }

    fn menu_item(&self, label: &str, action: MenuAction) -> MenuItem<Self> {
        StandardItem {
            label: label.into(),
            activate: Box::new(move |item: &mut Self| item.act(action)),
            ..Default::default()
        }
        .into()
    }

    fn check_item(&self, label: &str, checked: bool, action: MenuAction) -> MenuItem<Self> {
        CheckmarkItem {
            label: label.into(),
            checked,
            activate: Box::new(move |item: &mut Self| item.act(action)),
            ..Default::default()
        }
        .into()
    }

    /// The check marks follow what the action did, not what was asked (the host may have
    /// toggled its own copy already).
    fn act(&self, action: MenuAction) {
        self.on_main(move |app| {
            if let Some(checked) = tray::on_menu(app, action) {
                if let Some(item) = tray::item(app) {
                    item.set_checked(action, checked);
                }
            }
        });
    }
}

impl Tray for Item {
    fn id(&self) -> String {
        TRAY_ID.into()
    }

    fn title(&self) -> String {
        TRAY_TITLE.into()
    }

    fn category(&self) -> Category {
        Category::ApplicationStatus
    }

    fn status(&self) -> Status {
        match self.glance {
            Some(glance) if glance.approvals_waiting > 0 => Status::NeedsAttention,
            _ => Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<Icon> {
        let state = self.glance.map_or(GlanceState::Idle, |glance| glance.state);
        vec![self.icons.of(state).clone()]
    }

    fn attention_icon_pixmap(&self) -> Vec<Icon> {
        vec![self.icons.of(GlanceState::Attention).clone()]
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip {
            title: TRAY_TITLE.into(),
            description: self
                .glance
                .map_or_else(|| "Converge — starting".into(), |glance| glance.tooltip()),
            ..Default::default()
        }
    }

    /// A left click: the popover beside the click.
    fn activate(&mut self, x: i32, y: i32) {
        self.on_main(move |app| {
            let click = PhysicalPosition::new(f64::from(x), f64::from(y));
            app.popover().toggle(Some(popover::Anchor::point(click)));
        });
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        vec![
            // "Open" is the way in for hosts that only show menus.
            self.menu_item("Open", MenuAction::Open),
            self.menu_item("Open full window", MenuAction::OpenWindow),
            MenuItem::Separator,
            self.check_item(
                "Start at login",
                self.autostart,
                MenuAction::ToggleAutostart,
            ),
            self.check_item("Pause notifications", self.paused, MenuAction::TogglePause),
            MenuItem::Separator,
            self.menu_item("Quit Converge Tray", MenuAction::Quit),
        ]
    }
}

/// The state icons as StatusNotifier pixmaps, decoded once.
struct Icons {
    idle: Icon,
    working: Icon,
    attention: Icon,
}

impl Icons {
    fn load() -> Self {
        Self {
            idle: pixmap(GlanceState::Idle),
            working: pixmap(GlanceState::Working),
            attention: pixmap(GlanceState::Attention),
        }
    }

    fn of(&self, state: GlanceState) -> &Icon {
        match state {
            GlanceState::Idle => &self.idle,
            GlanceState::Working => &self.working,
            GlanceState::Attention => &self.attention,
        }
    }
}

/// ARGB32 in network byte order, as the specification has pixmaps.
fn pixmap(state: GlanceState) -> Icon {
    let image = tray::icon(state);
    let data = image
        .rgba()
        .chunks_exact(4)
        .flat_map(|rgba| [rgba[3], rgba[0], rgba[1], rgba[2]])
        .collect();
    Icon {
        width: image.width() as i32,
        height: image.height() as i32,
        data,
    }
}
