"""`make run` runs this beside the worker: on the demo's first run, a share of its listings go live on the
sandbox, then a few buyers order there and the orders are pulled (docs/sandbox.md#demo-first-run)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.demo import EVERY, PER_CHANNEL, demo_first_publish, demo_jobs_wait, demo_orders_place


class Command(BaseCommand):
    help = "First run of the demo: publish a share of the demo listings on the sandbox and place a few orders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=EVERY, help="Publish one ready listing in this many.")
        parser.add_argument("--per-channel", type=int, default=PER_CHANNEL, help="At most this many per channel.")
        parser.add_argument("--wait", type=float, default=300.0, help="Seconds to wait for the worker's publish.")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = demo_first_publish(every=max(1, options["every"]), per_channel=max(0, options["per_channel"]))
        if not jobs:
            self.stdout.write("demo: not a first run (or nothing ready); nothing published")
            return
        self.stdout.write(f"demo: publishing on {len(jobs)} channel(s) in the background")
        if not demo_jobs_wait(jobs, seconds=options["wait"]):
            self.stdout.write("demo: the worker has not finished publishing; no demo orders placed")
            return
        result = demo_orders_place()
        self.stdout.write(f"demo: {result['placed']} order(s) placed on the sandbox and pulled")
        for refusal in result["refused"]:
            self.stdout.write(f"demo: order refused: {refusal}")
