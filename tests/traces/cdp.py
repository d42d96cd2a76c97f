"""A tiny Chrome DevTools Protocol client over ``--remote-debugging-pipe``: no websocket library, no npm.

Chromium reads commands on fd 3 and writes replies and events on fd 4, each message a JSON
object ending in a NUL byte. Enough here to open a page, run JavaScript, press keys, type,
and take a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import threading
import time
from pathlib import Path

CHROMIUM = os.environ.get("WALKRAG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
         "--remote-debugging-pipe"]


class CDPError(RuntimeError):
    pass


class Browser:
    """Headless Chromium with one page attached (flattened session)."""

    def __init__(self, user_data_dir: Path, width: int = 1280, height: int = 900):
        to_child_r, self._out = os.pipe()
        self._in, from_child_w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, to_child_r, 3), (os.POSIX_SPAWN_DUP2, from_child_w, 4),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ]
        args = [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}", "about:blank"]
        self.pid = os.posix_spawn(CHROMIUM, args, os.environ, file_actions=actions)
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    # -- protocol ---------------------------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._in, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._cond.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._cond:
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._cond.notify_all()

    def call(self, method: str, *, session: str | None = None, timeout: float = 20.0, **params) -> dict:
        self._next += 1
        ident = self._next
        message = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"{method}: no reply in {timeout}s")
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def send(self, method: str, **params) -> dict:
        """A command to the page's session."""
        return self.call(method, session=self.session, **params)

    # -- page helpers -----------------------------------------------------------------------------------
    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise CDPError(f"{expression!r}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 15.0):
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.evaluate(expression)
            except CDPError:
                last = None
            if last:
                return last
            time.sleep(0.1)
        raise CDPError(f"timed out waiting for {expression!r} (last value {last!r})")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def reload(self) -> None:
        self.evaluate("window.__reloaded = true")
        self.send("Page.reload", ignoreCache=True)
        self.wait_for("!window.__reloaded && document.readyState === 'complete'")

    def press(self, key: str, modifiers: int = 0) -> None:
        """A key press as a person makes it (keydown with its text, then keyup)."""
        text = key if len(key) == 1 else ("\r" if key == "Enter" else "")
        code = "Key" + key.upper() if len(key) == 1 and key.isalpha() else key
        params = {"key": key, "code": code, "modifiers": modifiers}
        self.send("Input.dispatchKeyEvent", type="keyDown", text=text, unmodifiedText=text, **params)
        self.send("Input.dispatchKeyEvent", type="keyUp", **params)

    def type_text(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return
            time.sleep(0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
