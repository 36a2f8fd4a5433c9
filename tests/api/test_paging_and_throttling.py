from __future__ import annotations

import os
from unittest import mock

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from proposals.models import Proposal
from tests.api.base import ApiTestCase
from tracker.settings import env_rate

SUGGESTIONS = reverse("api:suggestion-list")
REPLIES = reverse("api:reply-list")


def rates(anon: str, user: str) -> dict[str, object]:
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user}}


class PaginationTests(ApiTestCase):
    def test_it_pages_by_page_number(self) -> None:
        first = self.get(SUGGESTIONS, "staff", page_size=2).json()
        last = self.get(SUGGESTIONS, "staff", page_size=2, page=3).json()
        self.assertEqual((first["count"], len(first["results"]), len(last["results"])), (5, 2, 1))
        self.assertIn("page=2", first["next"])
        self.assertIsNone(last["next"])

    def test_it_pages_the_urgent_first(self) -> None:
        rows = self.get(SUGGESTIONS, "staff").json()["results"]
        # p4 has no deadline at all: last.
        self.assertEqual(rows[-1]["id"], self.p4.pk)

    def test_it_answers_404_for_a_page_past_the_end(self) -> None:
        self.assertEqual(self.get(SUGGESTIONS, "staff", page=4, page_size=2).status_code, 404)

    @override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "PAGE_SIZE": 3})
    def test_it_uses_the_page_size_of_the_settings(self) -> None:
        self.assertEqual(len(self.get(SUGGESTIONS, "staff").json()["results"]), 3)

    def test_it_caps_the_page_size_at_100(self) -> None:
        Proposal.objects.bulk_create(
            self.p4.__class__(
                congress=self.congress,
                session=self.session,
                number=f"2023{n:04d}",
                title="关于增设公交线路的建议",
                lead_deputy=self.deputy,
                received_on=self.p4.received_on,
            )
            for n in range(100)
        )
        data = self.get(SUGGESTIONS, "staff", page_size=500).json()
        self.assertEqual((data["count"], len(data["results"])), (105, 100))


class ThrottleTests(ApiTestCase):
    @override_settings(REST_FRAMEWORK=rates(anon="2/minute", user="100/minute"))
    def test_it_limits_anonymous_requests(self) -> None:
        statuses = [self.get(REPLIES).status_code for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 429])

    @override_settings(REST_FRAMEWORK=rates(anon="100/minute", user="3/minute"))
    def test_it_limits_each_user_on_their_own(self) -> None:
        statuses = [self.get(REPLIES, "clerk").status_code for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        # Another user's allowance is untouched.
        self.assertEqual(self.get(REPLIES, "deputy").status_code, 200)

    @override_settings(REST_FRAMEWORK=rates(anon="100/minute", user="1/minute"))
    def test_it_says_when_to_retry(self) -> None:
        self.get(REPLIES, "clerk")
        response = self.get(REPLIES, "clerk")
        self.assertEqual(response.status_code, 429)
        self.assertGreater(int(response["Retry-After"]), 0)


class ThrottleSettingTests(SimpleTestCase):
    def test_it_reads_a_rate_from_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"API_THROTTLE_USER": "5/hour"}):
            self.assertEqual(env_rate("API_THROTTLE_USER", "600/minute"), "5/hour")

    def test_it_refuses_a_malformed_rate(self) -> None:
        for value in ("many/minute", "5/fortnight", "5"):
            with (
                self.subTest(value=value),
                mock.patch.dict(os.environ, {"API_THROTTLE_USER": value}),
                self.assertRaises(ImproperlyConfigured),
            ):
                env_rate("API_THROTTLE_USER", "600/minute")
