"""Rate limits kept in the cache every process shares: password-reset mail per address
and per client, wrong API tokens per client."""

from __future__ import annotations

from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tests.api.base import ApiTestCase
from tests.base import TrackerTestCase
from tracker.security import too_many

RESET = reverse("password_reset")
API = reverse("api:reply-list")


class PasswordResetLimitTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.clerk.email = "clerk@example.gov.cn"
        self.clerk.save(update_fields=["email"])

    def ask(self, email: str = "clerk@example.gov.cn", ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
        return self.client.post(RESET, {"email": email}, REMOTE_ADDR=ip)

    def test_it_sends_the_mail(self) -> None:
        self.assertRedirects(self.ask(), reverse("password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)

    def test_it_sends_at_most_three_mails_an_hour_to_one_address(self) -> None:
        for i in range(3):
            self.assertEqual(self.ask(ip=f"10.0.0.{i}").status_code, 302)
        response = self.ask(ip="10.0.0.9")
        self.assertContains(response, "Too many password-reset requests", status_code=429)
        self.assertEqual(len(mail.outbox), 3)

    def test_the_address_limit_ignores_case(self) -> None:
        for _i in range(3):
            self.ask()
        self.assertEqual(self.ask(email="CLERK@example.gov.cn").status_code, 429)

    def test_it_limits_one_client_asking_for_many_addresses(self) -> None:
        for i in range(10):
            self.assertEqual(self.ask(email=f"someone{i}@example.gov.cn").status_code, 302)
        self.assertEqual(self.ask().status_code, 429)
        self.assertEqual(self.ask(ip="10.0.0.2").status_code, 302)


class ApiTokenAttemptLimitTests(ApiTestCase):
    def call(self, key: str, ip: str = "10.0.0.1") -> int:
        return self.client.get(API, headers={"Authorization": f"Token {key}"}, REMOTE_ADDR=ip).status_code

    def test_wrong_tokens_get_401_up_to_the_limit(self) -> None:
        self.assertEqual({self.call("0" * 40) for _i in range(20)}, {401})

    def test_past_the_limit_every_token_attempt_from_that_address_gets_429(self) -> None:
        for _i in range(20):
            self.call("0" * 40)
        self.assertEqual(self.call(self.keys["staff"]), 429)
        self.assertEqual(self.call(self.keys["staff"], ip="10.0.0.2"), 200)


class SharedCacheTests(TrackerTestCase):
    """The embedded default keeps the counts in a database table: two cache objects, as
    two processes would have, see one count."""

    DB_CACHE = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tracker_cache"}
    }

    def test_the_database_cache_shares_counts_between_processes(self) -> None:
        with override_settings(CACHES=self.DB_CACHE):
            call_command("createcachetable", verbosity=0)
            other_process = caches.create_connection("default")
            self.assertIsInstance(other_process, DatabaseCache)
            for _i in range(3):
                self.assertFalse(too_many("k", limit=3, window=60))
            self.assertEqual(other_process.get("rl:k"), 3)
            other_process.incr("rl:k")
            self.assertTrue(too_many("k", limit=4, window=60))

    def test_the_default_settings_use_the_database_cache(self) -> None:
        import subprocess
        import sys

        script = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])"
        )
        env = {"DJANGO_SETTINGS_MODULE": "tracker.settings", "PATH": "/usr/bin:/bin", "DEBUG": "1"}
        embedded = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        redis = subprocess.run(
            [sys.executable, "-c", script],
            env={**env, "CACHE_URL": "redis://127.0.0.1:6379/5"},
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(
            (embedded.stdout.strip(), redis.stdout.strip()),
            ("django.core.cache.backends.db.DatabaseCache", "django.core.cache.backends.redis.RedisCache"),
        )
