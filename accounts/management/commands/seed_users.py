import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import ADMIN, CHANNEL_MANAGER, EDITOR, VIEWER
from accounts.services import user_roles_set

DEMO_USERS = (("viewer", VIEWER), ("editor", EDITOR), ("channels", CHANNEL_MANAGER), ("manager", ADMIN))


class Command(BaseCommand):
    help = "Create one demo user per role (viewer, editor, channels, manager); existing users are left alone."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="", help="password for every new demo user (default: random)")

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        for username, role in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"user '{username}' exists (unchanged)")
                continue
            password = options["password"] or secrets.token_urlsafe(12)
            user = User.objects.create_user(username, f"{username}@example.com", password, is_staff=role == ADMIN)
            user_roles_set(target=user, roles=[role])
            self.stdout.write(f"created {role} user: login '{username}' password '{password}' (shown once)")
