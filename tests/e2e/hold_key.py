"""Holds a global key the way another program does: an X11 passive grab on the root window
(with CapsLock and NumLock on or off), kept until this process is killed. Prints "holding"
once the X server has the grab.

usage: hold_key.py ctrl+alt+shift+o
"""
import ctypes
import sys
import time

# X11's modifier masks, and the locks a grab must cover so the key is held whatever they are.
MODIFIERS = {"shift": 1 << 0, "ctrl": 1 << 2, "alt": 1 << 3, "super": 1 << 6}
LOCKS = (0, 1 << 1, 1 << 4, (1 << 1) | (1 << 4))
GRAB_MODE_ASYNC = 1


def main(key: str) -> None:
    x = ctypes.cdll.LoadLibrary("libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XStringToKeysym.restype = ctypes.c_ulong
    x.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x.XKeysymToKeycode.restype = ctypes.c_ubyte
    x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XGrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong,
                           ctypes.c_int, ctypes.c_int, ctypes.c_int]
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]

    display = x.XOpenDisplay(None)
    if not display:
        sys.exit("hold_key: no X display")
    *modifiers, name = key.lower().split("+")
    mask = 0
    for modifier in modifiers:
        mask |= MODIFIERS[modifier]
    keycode = x.XKeysymToKeycode(display, x.XStringToKeysym(name.encode()))
    if keycode == 0:
        sys.exit(f"hold_key: no key {name!r} on this display")
    root = x.XDefaultRootWindow(display)
    for lock in LOCKS:
        x.XGrabKey(display, keycode, mask | lock, root, 1, GRAB_MODE_ASYNC, GRAB_MODE_ASYNC)
    x.XSync(display, 0)
    print("holding", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1])
