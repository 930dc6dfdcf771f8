from django.core.management.base import BaseCommand

from catalog.demo import seed_demo_catalog
from channels.demo import seed_demo_channels
from listings.services import listings_readiness_refresh


class Command(BaseCommand):
    help = "Create the demo catalog and demo channels (idempotent: existing demo rows are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=240)
        parser.add_argument("--no-images", action="store_true")

    def handle(self, *args, **options):
        result = seed_demo_catalog(products=options["products"], with_images=not options["no_images"])
        self.stdout.write(f"demo catalog: created={result['created']} existing={result['existing']}")
        channels = seed_demo_channels()
        self.stdout.write(
            f"demo channels: channels={channels['channels']} new mappings={channels['mappings']} "
            f"new listings={channels['listings']}"
        )
        # Mapping changes queue a background refresh; the demo should not wait for a worker to show verdicts.
        checked = listings_readiness_refresh()
        self.stdout.write(f"readiness verdicts: {checked} listing(s) checked")
