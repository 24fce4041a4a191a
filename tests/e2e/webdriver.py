"""The few W3C WebDriver calls the tests need, against tauri-driver."""
import base64
import http.client
import json
import time
import urllib.error
import urllib.request


class WebDriverError(RuntimeError):
    pass


class Session:
    def __init__(self, base: str, session_id: str):
        self.base, self.id = base, session_id

    @staticmethod
    def request(base, method, path, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(3):
            req = urllib.request.Request(base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    return json.loads(resp.read() or b"{}").get("value")
            except urllib.error.HTTPError as e:
                raise WebDriverError(
                    f"{method} {path}: {e.read().decode(errors='replace')}") from None
            except (http.client.RemoteDisconnected, ConnectionResetError):
                # tauri-driver reuses a keep-alive connection to WebKitWebDriver that the
                # latter may have just closed; the request never reached it, so send it again.
                if attempt == 2:
                    raise
                print(f"webdriver: {method} {path} hit a closed connection; retrying", flush=True)
                time.sleep(0.2)

    @classmethod
    def wait_for_server(cls, base, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                cls.request(base, "GET", "/status", timeout=2)
                return
            except (OSError, WebDriverError):
                time.sleep(0.2)
        raise TimeoutError("tauri-driver did not start")

    @classmethod
    def create(cls, base, application, args):
        caps = {"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application, "args": args}}}}
        value = cls.request(base, "POST", "/session", caps, timeout=180)
        return cls(base, value["sessionId"])

    def _call(self, method, path, body=None):
        return self.request(self.base, method, f"/session/{self.id}{path}", body)

    def find_all(self, css):
        for attempt in range(10):
            try:
                found = self._call("POST", "/elements", {"using": "css selector", "value": css})
                return [Element(self, list(e.values())[0]) for e in found]
            except WebDriverError as e:
                # WebKitWebDriver reports a node removed mid-search as stale; search again.
                if "stale element" not in str(e) or attempt == 9:
                    raise
                time.sleep(0.1)

    def wait_for(self, css, count=None, timeout=20.0):
        """Elements matching `css`: at least one, or exactly `count`."""
        deadline = time.monotonic() + timeout
        found = []
        while time.monotonic() < deadline:
            found = self.find_all(css)
            if (count is None and found) or (count is not None and len(found) == count):
                return found
            time.sleep(0.1)
        raise TimeoutError(f"{css}: wanted {count if count is not None else '≥1'}, have {len(found)}")

    def handles(self):
        return self._call("GET", "/window/handles")

    def switch_to(self, handle):
        self._call("POST", "/window", {"handle": handle})

    def url(self):
        return self._call("GET", "/url")

    def switch_to_page(self, page, timeout=20.0):
        """Switches to the window showing `page` (e.g. "window.html") once it exists."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for handle in self.handles():
                self.switch_to(handle)
                if self.url().split("?")[0].endswith(page):
                    return handle
            time.sleep(0.2)
        raise TimeoutError(f"no window shows {page}")

    def keys(self, text):
        """Types into whatever has focus (WebDriver key actions)."""
        actions = []
        for ch in text:
            actions += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self._call("POST", "/actions", {"actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})
        self._call("DELETE", "/actions")

    def screenshot(self, path):
        png = base64.b64decode(self._call("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)

    def execute(self, script, *args):
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def close(self):
        try:
            self.request(self.base, "DELETE", f"/session/{self.id}", timeout=30)
        except (OSError, WebDriverError):
            pass


class Element:
    def __init__(self, session, element_id):
        self.session, self.id = session, element_id

    def _call(self, method, path, body=None):
        return self.session._call(method, f"/element/{self.id}{path}", body)

    def text(self):
        return self._call("GET", "/text")

    def click(self):
        self._call("POST", "/click", {})

    def attribute(self, name):
        return self._call("GET", f"/attribute/{name}")

    def clear(self):
        self._call("POST", "/clear", {})

    def is_selected(self):
        """Whether a checkbox or radio button is checked."""
        return bool(self._call("GET", "/selected"))

    def type(self, text):
        self._call("POST", "/value", {"text": text})

    def find(self, css):
        found = self._call("POST", "/element", {"using": "css selector", "value": css})
        return Element(self.session, list(found.values())[0])

    def find_all(self, css):
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self.session, list(e.values())[0]) for e in found]
