from django.core.management.base import BaseCommand

from catalog.demo import seed_demo_catalog
from channels.demo import seed_demo_channels


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
