"""The sandbox HTTP server: one ThreadingHTTPServer on 127.0.0.1, one URL prefix per marketplace.

`/<code>/...` goes to the marketplace module `<code>` (discovered in `syncing/sandbox/marketplaces/`);
`/_control/...` is the test/control API (see `control()` below and docs/sandbox.md#control-api).
"""

from __future__ import annotations

import importlib
import pkgutil
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import marketplaces, orders
from .clock import Clock
from .core import MarketplaceModule, Request, Response, Sandbox, json_response, redact_body, redact_query

HOST = "127.0.0.1"  # never bind anything else: the sandbox accepts demo credentials


def discover_modules() -> list[type[MarketplaceModule]]:
    """Every `MODULE` class in `syncing/sandbox/marketplaces/*.py`, sorted by code."""
    found: list[type[MarketplaceModule]] = []
    for info in pkgutil.iter_modules(marketplaces.__path__):
        module = importlib.import_module(f"{marketplaces.__name__}.{info.name}")
        cls = getattr(module, "MODULE", None)
        if cls is not None:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.code)


def build_sandbox(*, load_demo: bool = True, clock: Clock | None = None, seed: int = 0) -> Sandbox:
    sandbox = Sandbox(discover_modules(), clock=clock, seed=seed)
    if load_demo:
        from .demo import DEMO_ACCOUNTS, DEMO_CHANNEL_ACCOUNTS

        sandbox.load_accounts(DEMO_ACCOUNTS)
        sandbox.load_accounts(DEMO_CHANNEL_ACCOUNTS)
    return sandbox


class _DropConnection(Exception):
    pass


class SandboxHandler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body are two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep stderr quiet; we keep our own log
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        segments = parts.path.split("/", 2)
        prefix = segments[1] if len(segments) > 1 else ""
        rest = "/" + segments[2] if len(segments) > 2 else "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        req = Request(self.command, rest, query, dict(self.headers.items()), body)
        try:
            if prefix == "_static":
                response = static_image(rest)
            elif prefix == "_control" and rest.split("/")[1] in ("orders", "webhooks"):
                response = orders.control(sandbox, req)
            elif prefix == "_control":
                response = control(sandbox, req)
            elif prefix in sandbox.modules:
                response = self._marketplace(sandbox, prefix, req)
            else:
                response = json_response(
                    404, {"error": f"No marketplace at /{prefix}; known: {sorted(sandbox.modules)}"}
                )
        except _DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(response)

    def _marketplace(self, sandbox: Sandbox, code: str, req: Request) -> Response:
        module = sandbox.modules[code]
        entry: dict[str, Any] = {
            "time": time.time(),
            "marketplace": code,
            "method": req.method,
            "path": req.path,
            "query": redact_query(req.query),
            "body": redact_body(req.body),
        }
        faults = sandbox.take_fault(code, req.path)
        try:
            response = self._with_faults(sandbox, module, req, faults, entry)
        except _DropConnection:
            entry.update(req.log, status=None)
            sandbox.record(entry)
            raise
        entry.update(req.log, status=response.status)
        sandbox.record(entry)
        return response

    def _with_faults(
        self, sandbox: Sandbox, module: MarketplaceModule, req: Request, faults: Any, entry: dict
    ) -> Response:
        if faults is None:
            return module.handle(req)
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000.0)
        if faults.drop_connection:
            entry["fault"] = "drop_connection"
            raise _DropConnection
        if faults.status_5xx or (faults.error_rate and sandbox.roll(faults.error_rate)):
            entry["fault"] = "5xx"
            return module.server_error(req, int(faults.status_5xx or 500))
        if faults.malformed_json:
            entry["fault"] = "malformed_json"
            return Response(200, b'{"code": "0", "data": {"item', {"Content-Type": "application/json"})
        response = module.handle(req)
        if faults.lose_response_after_create and response.created:
            entry["fault"] = "lose_response_after_create"
            raise _DropConnection
        if faults.only_lose_response():
            sandbox.refund_fault(module.code)
        return response

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


def _png(width: int, height: int) -> bytes:
    """A white greyscale PNG (a product image the connectors can download and upload)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


SAMPLE_PNG = _png(800, 800)


def static_image(path: str) -> Response:
    """`GET /_static/<anything>.png|.jpg`: an 800x800 white image, so image uploads work without internet."""
    if not path.endswith((".png", ".jpg", ".jpeg")):
        return json_response(404, {"error": "Only /_static/<name>.png or .jpg exists."})
    return Response(200, SAMPLE_PNG, {"Content-Type": "image/png"})


def control(sandbox: Sandbox, req: Request) -> Response:
    """`/_control/<action>`: JSON in, JSON out. Bad input answers 400 with a message."""
    action = req.path.strip("/")
    try:
        data = req.json() if req.method == "POST" else {k: v[0] for k, v in req.query.items()}
        if not isinstance(data, dict):
            raise ValueError("Send a JSON object.")
        return json_response(200, _control_action(sandbox, req.method, action, data))
    except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
        return json_response(400, {"error": str(exc) or exc.__class__.__name__})


def _control_action(sandbox: Sandbox, method: str, action: str, data: dict[str, Any]) -> Any:
    code = data.get("marketplace") or None
    if method == "GET" and action == "log":
        return {"entries": sandbox.log(code)}
    if method == "GET" and action == "items":
        return {"items": sandbox.items(_required(data, "marketplace"))}
    if method == "GET" and action in ("", "health"):
        return {"ok": True, "marketplaces": sorted(sandbox.modules), "clock": sandbox.clock.now()}
    if method != "POST":
        raise ValueError(f"Unknown control action {method} /_control/{action}.")
    if action == "reset":
        sandbox.reset(code)
        return {"ok": True}
    if action == "faults":
        options = {k: v for k, v in data.items() if k != "marketplace"}
        if options:
            sandbox.set_faults(_required(data, "marketplace"), **options)
        else:
            sandbox.clear_faults(code)
        return {"ok": True}
    if action == "rate":
        burst = data.get("burst")
        sandbox.set_rate(
            _required(data, "marketplace"),
            float(_required(data, "rate")),
            None if burst is None else float(burst),
            str(data.get("shop_id") or "*"),
        )
        return {"ok": True}
    if action == "review":
        sandbox.set_review(
            _required(data, "marketplace"),
            float(data.get("delay_seconds", 0)),
            data.get("outcome", "approve"),
            list(data.get("reasons") or []),
        )
        return {"ok": True}
    if action == "remote_state":
        item = sandbox.set_remote_state(
            _required(data, "marketplace"),
            str(_required(data, "item_id")),
            str(_required(data, "state")),
            list(data.get("reasons") or []),
        )
        return {"item": item}
    if action == "competitor":
        return {"competitor": sandbox.set_competitor(_required(data, "marketplace"), data)}
    if action == "reports":
        return {"reports": sandbox.set_reports(_required(data, "marketplace"), data)}
    if action == "clock":
        if "speed" in data:
            sandbox.clock.set_speed(float(data["speed"]))
        if "advance" in data:
            sandbox.clock.advance(float(data["advance"]))
        return {"now": sandbox.clock.now(), "speed": sandbox.clock.speed}
    if action == "edit_item":
        return {
            "item": sandbox.edit_item(
                _required(data, "marketplace"), _required(data, "item_id"), data.get("changes") or {}
            )
        }
    if action == "expire_tokens":
        sandbox.expire_tokens(_required(data, "marketplace"), _required(data, "shop_id"), data.get("which", "access"))
        return {"ok": True}
    if action == "accounts":
        credentials = sandbox.add_account(
            _required(data, "marketplace"),
            str(_required(data, "shop_id")),
            dict(data.get("credentials") or {}),
            **dict(data.get("options") or {}),
        )
        return {"credentials": credentials}
    raise ValueError(f"Unknown control action POST /_control/{action}.")


def _required(data: dict[str, Any], key: str) -> Any:
    if data.get(key) in (None, ""):
        raise ValueError(f"'{key}' is required.")
    return data[key]


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sandbox: Sandbox, port: int = 0) -> None:
        self.sandbox = sandbox
        super().__init__((HOST, port), SandboxHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (timeout tests, dropped connections) is normal here, not a server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class SandboxServer:
    """Run a sandbox in a background thread (tests) or in the foreground (`serve_forever`, the command)."""

    def __init__(self, sandbox: Sandbox | None = None, port: int = 0) -> None:
        self.sandbox = sandbox or build_sandbox()
        self.httpd = SandboxHTTPServer(self.sandbox, port)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._thread: threading.Thread | None = None

    def url(self, code: str) -> str:
        """Base URL of one marketplace, e.g. http://127.0.0.1:8100/lazada."""
        self.sandbox.module(code)
        return f"{self.base_url}/{code}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="marketplace-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
