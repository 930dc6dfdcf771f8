from django.core.management.base import BaseCommand

from listings.services import listings_readiness_refresh


class Command(BaseCommand):
    help = (
        "Recompute the stored readiness verdict of every listing (or of one channel's). Run after an upgrade "
        "or a restore; the services keep it fresh otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, help="Only the listings of this channel id.")

    def handle(self, *args, **options):
        channel = options.get("channel")
        checked = listings_readiness_refresh(channel_ids=[channel] if channel else None)
        self.stdout.write(f"readiness: {checked} listing(s) checked")
