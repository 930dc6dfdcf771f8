import secrets

import environ
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import ADMIN
from accounts.services import user_roles_set


class Command(BaseCommand):
    help = "Create the admin user if missing (ADMIN_USERNAME / ADMIN_PASSWORD from env, else a random password)."

    @transaction.atomic
    def handle(self, *args, **options):
        env = environ.Env()
        username = env.str("ADMIN_USERNAME", default="admin")
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"admin user '{username}' exists (password unchanged)")
            return
        password = env.str("ADMIN_PASSWORD", default="") or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(
            username=username, email=env.str("ADMIN_EMAIL", default=""), password=password
        )
        user_roles_set(target=user, roles=[ADMIN])
        self.stdout.write(f"created admin user: login '{username}' password '{password}' (shown once)")
