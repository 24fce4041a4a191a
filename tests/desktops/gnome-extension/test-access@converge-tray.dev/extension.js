/* For the tests only (tests/desktops/gnome_e2e.py), never installed for a person.
 *
 * GNOME 43 answers org.gnome.Shell.Eval and lets any caller take screenshots only in "unsafe
 * mode", which no command-line flag turns on in this version: this extension does, so the
 * test can look at the shell's own panel and notifications and press on them as a pointer.
 * After start-up it leaves the overview (a session starts in it) and drops the shell's own
 * start-up notifications ("unsafe mode", "privileged user"), which would cover the app's. */
const Main = imports.ui.main;
const { GLib } = imports.gi;

let startupId = 0;

function init() {}

function tidy() {
    Main.overview.hide();
    Main.messageTray.getSources().forEach(source => source.destroy());
}

function enable() {
    global.context.unsafe_mode = true;
    if (Main.layoutManager._startingUp) {
        startupId = Main.layoutManager.connect('startup-complete', () => {
            GLib.idle_add(GLib.PRIORITY_LOW, () => {
                tidy();
                return GLib.SOURCE_REMOVE;
            });
        });
    } else {
        tidy();
    }
}

function disable() {
    if (startupId)
        Main.layoutManager.disconnect(startupId);
    startupId = 0;
    global.context.unsafe_mode = false;
}
