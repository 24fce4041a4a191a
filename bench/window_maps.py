"""When windows of a given title are mapped and unmapped, read from the X server's own events.

The benches used to poll `xdotool search --onlyvisible` every millisecond. On a machine of two
cores each poll is a new process competing with the very start-up being timed: a cold open's
figure carried about 90 ms of xdotool's CPU time (perf, 2026-12-07). This listens instead:
one connection of its own, blocked in XNextEvent on a thread, asks the server for the root's
substructure events; a top-level window mapped is looked up by title (the window itself or,
under a reparenting window manager such as openbox, the client inside its frame) once, when
it maps.
"""
import ctypes
import threading
import time

MAP_NOTIFY = 19
UNMAP_NOTIFY = 18
DESTROY_NOTIFY = 17
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
# How deep below a mapped top-level window its client may sit (openbox: frame → client).
SEARCH_DEPTH = 3


class WindowMaps:
    """Records, per title, each time a window of that title became visible or hidden."""

    def __init__(self):
        x = ctypes.cdll.LoadLibrary("libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                 ctypes.POINTER(ctypes.c_char_p)]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                 ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XSetErrorHandler.restype = ctypes.c_void_p
        self._x = x
        # A window can vanish between its event and the look-up; X's default handler would
        # end this process over that.
        self._ignore_errors = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(
            lambda _display, _event: 0)
        x.XSetErrorHandler(self._ignore_errors)
        self._display = x.XOpenDisplay(None)
        if not self._display:
            raise RuntimeError("window_maps: no X display")
        x.XSelectInput(self._display, x.XDefaultRootWindow(self._display),
                       SUBSTRUCTURE_NOTIFY_MASK)
        x.XSync(self._display, 0)
        self._lock = threading.Lock()
        self._titles = {}  # top-level window → title, for those mapped with one
        self._changes = []  # (monotonic time, title, visible)
        threading.Thread(target=self._listen, daemon=True, name="window-maps").start()

    def changed_after(self, title: str, visible: bool, after: float) -> float | None:
        """The first time after `after` that a window titled `title` became `visible`."""
        with self._lock:
            for at, changed, now_visible in self._changes:
                if at > after and changed == title and now_visible == visible:
                    return at
        return None

    def _listen(self):
        event = (ctypes.c_long * 24)()
        while True:
            self._x.XNextEvent(self._display, event)
            at = time.monotonic()
            kind, window = event[0] & 0xFFFFFFFF, event[5]
            if kind == MAP_NOTIFY:
                title = self._title_within(window, SEARCH_DEPTH)
                if title is not None:
                    with self._lock:
                        self._titles[window] = title
                        self._changes.append((at, title, True))
            elif kind in (UNMAP_NOTIFY, DESTROY_NOTIFY):
                with self._lock:
                    title = self._titles.pop(window, None)
                    if title is not None:
                        self._changes.append((at, title, False))

    def _title_within(self, window: int, depth: int) -> str | None:
        name = ctypes.c_char_p()
        if self._x.XFetchName(self._display, window, ctypes.byref(name)) and name.value:
            title = name.value.decode(errors="replace")
            self._x.XFree(name)
            return title
        if depth == 0:
            return None
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self._x.XQueryTree(self._display, window, ctypes.byref(root), ctypes.byref(parent),
                                  ctypes.byref(children), ctypes.byref(count)):
            return None
        found = None
        try:
            for index in range(count.value):
                found = self._title_within(children[index], depth - 1)
                if found is not None:
                    break
        finally:
            if children:
                self._x.XFree(children)
        return found
