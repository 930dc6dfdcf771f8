from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from listings.services import BASELINE_CHUNK, content_versions_baseline


class Command(BaseCommand):
    help = (
        "Record a 'baseline' content version of every product and listing that has none (those that existed "
        "before versions were kept), so their history, rollback and changeset undo have a starting point. "
        "Idempotent: run it once after upgrading; running it again writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=BASELINE_CHUNK, help="Products per transaction.")
        parser.add_argument("--product", type=int, action="append", help="Only this product id (repeatable).")
        parser.add_argument("--user", help="Username recorded as the author (default: none, shown as 'baseline').")

    def handle(self, *args, **options):
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user '{options['user']}'.")
        result = content_versions_baseline(
            user=user, product_ids=options.get("product"), chunk_size=options["chunk_size"]
        )
        self.stdout.write(
            f"baseline: {result.products} product version(s) and {result.listings} listing version(s) recorded "
            f"in {result.chunks} chunk(s)"
        )
