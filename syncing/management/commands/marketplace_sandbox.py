"""Start the marketplace sandbox on 127.0.0.1 with the demo accounts loaded (`make run` starts it too)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncing.sandbox.clock import Clock
from syncing.sandbox.server import SandboxServer, build_sandbox


class Command(BaseCommand):
    help = "Run the marketplace sandbox (Shopify, Lazada, Shopee, TikTok Shop, Etsy, Amazon) on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8100, help="TCP port on 127.0.0.1 (default 8100).")
        parser.add_argument("--speed", type=float, default=1.0, help="Clock speed factor for token lifetimes.")
        parser.add_argument("--review-delay", type=float, default=0.0, help="Seconds items stay in review.")
        parser.add_argument("--rate", type=float, default=None, help="Requests/second per shop for every marketplace.")
        parser.add_argument("--error-rate", type=float, default=0.0, help="Fraction of calls answered with a 5xx.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if options["speed"] <= 0:
            raise CommandError("--speed must be positive.")
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
        try:
            server.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()
