"""``manage.py demo_code``: the current 6-digit two-step verification code of the demo
accounts (they share the public demo key printed by load_demo), for signing in to a demo
without an authenticator app. It knows only that demo key, nothing from the database."""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from proposals.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current two-step verification code of the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        totp = TOTP(b32decode(DEMO_TOTP_SECRET))
        totp.time = time.time()
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d}")
        self.stderr.write(f"Valid for about {left} more seconds (the one before and after are accepted too).")
