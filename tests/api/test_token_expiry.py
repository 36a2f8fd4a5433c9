"""API tokens with an expiry (chosen on /accounts/api-token/ or in create_api_token) and
a last-used time written at most once a minute."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from tests.base import TrackerTestCase
from tracker.models import ApiToken

API = reverse("api:reply-list")
PAGE = reverse("api_token")
CREATE = reverse("api_token_create")


class TokenExpiryTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.start = timezone.now()
        self.token, self.key = ApiToken.issue(
            self.clerk, by=self.clerk, expires_at=self.start + timedelta(days=30)
        )

    def call(self):  # type: ignore[no-untyped-def]
        return self.client.get(API, headers={"Authorization": f"Token {self.key}"})

    def test_it_works_until_it_expires(self) -> None:
        with time_machine.travel(self.start + timedelta(days=30, seconds=-1), tick=False):
            self.assertEqual(self.call().status_code, 200)

    def test_it_is_refused_with_a_clear_401_once_expired(self) -> None:
        with time_machine.travel(self.start + timedelta(days=30), tick=False):
            response = self.call()
        self.assertEqual(response.status_code, 401)
        self.assertIn("expired", response.json()["detail"])
        self.assertIn("/accounts/api-token/", response.json()["detail"])

    def test_a_token_without_expiry_keeps_working(self) -> None:
        _token, key = ApiToken.issue(self.clerk, by=self.clerk)
        with time_machine.travel(self.start + timedelta(days=3650), tick=False):
            response = self.client.get(API, headers={"Authorization": f"Token {key}"})
        self.assertEqual(response.status_code, 200)


class LastUsedTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token, self.key = ApiToken.issue(self.clerk, by=self.clerk)
        self.start = timezone.now()

    def call_at(self, moment):  # type: ignore[no-untyped-def]
        with time_machine.travel(moment, tick=False):
            self.client.get(API, headers={"Authorization": f"Token {self.key}"})
        self.token.refresh_from_db()
        return self.token.last_used_at

    def test_it_records_the_first_use(self) -> None:
        self.assertEqual(self.call_at(self.start), self.start)

    def test_it_writes_at_most_once_a_minute(self) -> None:
        self.call_at(self.start)
        self.assertEqual(self.call_at(self.start + timedelta(seconds=59)), self.start)
        later = self.start + timedelta(seconds=61)
        self.assertEqual(self.call_at(later), later)

    def test_a_use_within_the_minute_costs_no_write(self) -> None:
        token = ApiToken.objects.get(pk=self.token.pk)
        now = timezone.now()
        token.touch(now)
        with self.assertNumQueries(0):
            token.touch(now + timedelta(seconds=30))


class TokenPageExpiryTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.clerk)

    def test_the_user_chooses_an_expiry(self) -> None:
        with time_machine.travel(timezone.now(), tick=False):
            self.client.post(CREATE, {"expires_in_days": "90"})
            token = ApiToken.objects.active().get(user=self.clerk)
            self.assertEqual(token.expires_at, timezone.now() + timedelta(days=90))

    def test_no_choice_means_no_expiry(self) -> None:
        self.client.post(CREATE, {"expires_in_days": ""})
        self.assertIsNone(ApiToken.objects.active().get(user=self.clerk).expires_at)

    def test_an_unknown_choice_is_refused_with_a_message(self) -> None:
        response = self.client.post(CREATE, {"expires_in_days": "99999"}, follow=True)
        self.assertContains(response, "Choose when the token expires")
        self.assertFalse(ApiToken.objects.filter(user=self.clerk).exists())

    def test_the_page_shows_the_expiry_and_last_use(self) -> None:
        self.client.post(CREATE, {"expires_in_days": "30"})
        response = self.client.get(PAGE)
        self.assertContains(response, "Expires")
        self.assertContains(response, "Not used yet")


class CreateTokenCommandExpiryTests(TestCase):
    def setUp(self) -> None:
        from tests.base import make_user

        self.user = make_user("ci")

    def test_it_sets_the_expiry(self) -> None:
        with time_machine.travel(timezone.now(), tick=False):
            call_command("create_api_token", "ci", "--expires-in-days", "7", stdout=StringIO())
            token = ApiToken.objects.get(user=self.user)
            self.assertEqual(token.expires_at, timezone.now() + timedelta(days=7))

    def test_it_refuses_a_nonsense_expiry(self) -> None:
        with self.assertRaisesMessage(CommandError, "between 1 and 3650"):
            call_command("create_api_token", "ci", "--expires-in-days", "0", stdout=StringIO())
