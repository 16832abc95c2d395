"""Print the code the demo users' authenticator shows now (DEBUG only)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from panel.management.commands.seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "Print the current 6-digit sign-in code of every demo user (they share the published "
        "demo secret). DEBUG only. A code is accepted once: to sign in twice within 30 "
        "seconds, wait for the next one."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code works only with DEBUG on: the demo secret is public.")
        code = totp(base64.b32decode(DEMO_TOTP_SECRET))
        self.stdout.write(f"{code:06d}")
