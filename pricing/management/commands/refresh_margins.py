from django.core.management.base import BaseCommand

from pricing.services import listing_margins_refresh_all


class Command(BaseCommand):
    help = "Recompute every listing's stored net margin (docs/pricing.md#stored-margins); run once after upgrading."

    def handle(self, *args, **options):
        written = listing_margins_refresh_all()
        self.stdout.write(f"{written} listing margin(s) stored")
