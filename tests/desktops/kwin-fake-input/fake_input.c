/* Presses on a KWin Wayland session the way a person's mouse and keyboard would, through
 * KWin's own fake-input protocol (org_kde_kwin_fake_input, in plasma-wayland-protocols).
 * KWin lets a client bind it only when a .desktop file names this executable with
 * X-KDE-Wayland-Interfaces=org_kde_kwin_fake_input; tests/desktops/plasma.py writes one.
 *
 * Reads one command per line on stdin and answers "ok" once KWin has processed it:
 *   move X Y          pointer to X,Y (logical pixels)
 *   click [BUTTON]    press and release (BUTTON a Linux code: 272 left, the default)
 *   key CODE down|up  a Linux key code (evdev), as on a keyboard
 */
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>

#include "fake-input-client-protocol.h"

static struct org_kde_kwin_fake_input *fake_input;

static void global(void *data, struct wl_registry *registry, uint32_t name,
                   const char *interface, uint32_t version) {
  (void)data;
  if (strcmp(interface, org_kde_kwin_fake_input_interface.name) == 0 && version >= 4)
    fake_input = wl_registry_bind(registry, name, &org_kde_kwin_fake_input_interface, 4);
}

static void global_remove(void *data, struct wl_registry *registry, uint32_t name) {
  (void)data; (void)registry; (void)name;
}

static const struct wl_registry_listener registry_listener = {global, global_remove};

int main(void) {
  struct wl_display *display = wl_display_connect(NULL);
  if (!display) {
    fprintf(stderr, "no Wayland display (WAYLAND_DISPLAY)\n");
    return 1;
  }
  struct wl_registry *registry = wl_display_get_registry(display);
  wl_registry_add_listener(registry, &registry_listener, NULL);
  wl_display_roundtrip(display);
  if (!fake_input) {
    fprintf(stderr, "KWin offers this program no org_kde_kwin_fake_input (version 4): "
                    "is it named in a .desktop file with X-KDE-Wayland-Interfaces?\n");
    return 1;
  }
  org_kde_kwin_fake_input_authenticate(fake_input, "Converge Tray desktop test",
                                       "presses as a person in a test session");
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    double x, y;
    unsigned code;
    char state[8];
    if (sscanf(line, "move %lf %lf", &x, &y) == 2) {
      org_kde_kwin_fake_input_pointer_motion_absolute(fake_input, wl_fixed_from_double(x),
                                                      wl_fixed_from_double(y));
    } else if (strncmp(line, "click", 5) == 0) {
      if (sscanf(line, "click %u", &code) != 1) code = BTN_LEFT;
      org_kde_kwin_fake_input_button(fake_input, code, WL_POINTER_BUTTON_STATE_PRESSED);
      wl_display_roundtrip(display);
      org_kde_kwin_fake_input_button(fake_input, code, WL_POINTER_BUTTON_STATE_RELEASED);
    } else if (sscanf(line, "key %u %7s", &code, state) == 2) {
      org_kde_kwin_fake_input_keyboard_key(fake_input, code, strcmp(state, "down") == 0
                                                                 ? WL_KEYBOARD_KEY_STATE_PRESSED
                                                                 : WL_KEYBOARD_KEY_STATE_RELEASED);
    } else {
      printf("unknown command: %s", line);
      fflush(stdout);
      continue;
    }
    if (wl_display_roundtrip(display) < 0) {
      fprintf(stderr, "KWin closed the connection\n");
      return 1;
    }
    printf("ok\n");
    fflush(stdout);
  }
  return 0;
}
