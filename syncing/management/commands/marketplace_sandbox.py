"""Start the marketplace sandbox on 127.0.0.1 with the demo accounts loaded (`make run` starts it too)."""

import signal
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncing.sandbox.clock import Clock
from syncing.sandbox.persist import sandbox_load, sandbox_save
from syncing.sandbox.server import SandboxServer, build_sandbox

SAVE_EVERY_SECONDS = 10.0


class Command(BaseCommand):
    help = "Run the marketplace sandbox (Shopify, Lazada, Shopee, TikTok Shop, Etsy, Amazon) on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8100, help="TCP port on 127.0.0.1 (default 8100).")
        parser.add_argument("--speed", type=float, default=1.0, help="Clock speed factor for token lifetimes.")
        parser.add_argument("--review-delay", type=float, default=0.0, help="Seconds items stay in review.")
        parser.add_argument("--rate", type=float, default=None, help="Requests/second per shop for every marketplace.")
        parser.add_argument("--error-rate", type=float, default=0.0, help="Fraction of calls answered with a 5xx.")
        parser.add_argument(
            "--state",
            type=Path,
            default=None,
            help="Keep the marketplaces' items, orders and tokens in this file across restarts (make run does).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if options["speed"] <= 0:
            raise CommandError("--speed must be positive.")
        state: Path | None = options["state"]
        sandbox = sandbox_load(state) if state else None
        if sandbox is not None:
            self.stdout.write(f"Sandbox state restored from {state}.")
            sandbox.clock.set_speed(options["speed"])
        else:
            sandbox = build_sandbox(clock=Clock(speed=options["speed"]))
        for code in sandbox.modules:
            if options["review_delay"]:
                sandbox.set_review(code, options["review_delay"])
            if options["rate"] is not None:
                sandbox.set_rate(code, options["rate"])
            if options["error_rate"]:
                sandbox.set_faults(code, error_rate=options["error_rate"])
        try:
            server = SandboxServer(sandbox, port=options["port"])
        except OSError as exc:
            raise CommandError(f"Cannot listen on 127.0.0.1:{options['port']}: {exc}") from exc
        self.stdout.write(
            f"Marketplace sandbox on {server.base_url} ({', '.join(sorted(sandbox.modules))}); Ctrl-C stops it."
        )
        stop = threading.Event()
        if state:
            threading.Thread(target=self._save_often, args=(sandbox, state, stop), daemon=True).start()
        signal.signal(signal.SIGTERM, _interrupt)  # `make run`'s Ctrl-C and its cleanup's kill both save the state
        try:
            server.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            server.httpd.server_close()
            if state:
                sandbox_save(sandbox, state)
                self.stdout.write(f"Sandbox state saved to {state}.")

    @staticmethod
    def _save_often(sandbox: Any, state: Path, stop: threading.Event) -> None:
        while not stop.wait(SAVE_EVERY_SECONDS):
            sandbox_save(sandbox, state)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
