"""Sessions end after SESSION_IDLE_TIMEOUT without activity and SESSION_ABSOLUTE_LIFETIME
after sign-in (tracker/middleware.py); the page's countdown asks /accounts/session/."""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.api.base import ApiTestCase

START = datetime(2024, 9, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))
PAGE = reverse("proposals:list")
SESSION = reverse("session_status")


@override_settings(
    SESSION_IDLE_TIMEOUT=30 * 60, SESSION_ABSOLUTE_LIFETIME=12 * 60 * 60, SESSION_IDLE_WARNING=60
)
class SessionTimeoutTests(ApiTestCase):
    def sign_in(self) -> None:
        # A clerk: one password, no second step (tests/tracker/test_mfa.py covers that).
        with time_machine.travel(START, tick=False):
            response = self.client.post(reverse("login"), {"username": "clerk", "password": "pw"})
        self.assertEqual(response.status_code, 302)

    def get_at(self, minutes: float, url: str = PAGE, **headers: str):  # type: ignore[no-untyped-def]
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            return self.client.get(url, headers=headers)

    def test_it_keeps_a_session_used_within_the_idle_time(self) -> None:
        self.sign_in()
        self.assertEqual(self.get_at(29).status_code, 200)
        self.assertEqual(self.get_at(58).status_code, 200)

    def test_it_signs_out_after_the_idle_time(self) -> None:
        self.sign_in()
        response = self.get_at(30)
        self.assertRedirects(response, f"{reverse('login')}?next={PAGE}", fetch_redirect_response=False)

    def test_it_says_on_the_login_page_why_the_user_was_signed_out(self) -> None:
        self.sign_in()
        self.get_at(31)
        response = self.get_at(31, reverse("login"))
        self.assertContains(response, "signed out because the site was not used for a while")

    def test_it_signs_out_at_the_absolute_lifetime_despite_activity(self) -> None:
        self.sign_in()
        for minutes in range(20, 12 * 60, 20):
            self.assertEqual(self.get_at(minutes).status_code, 200, minutes)
        self.assertEqual(self.get_at(12 * 60).status_code, 302)
        self.assertContains(self.get_at(12 * 60, reverse("login")), "reached its time limit")

    def test_it_does_not_count_the_countdowns_question_as_activity(self) -> None:
        self.sign_in()
        response = self.get_at(29, SESSION, **{"X-Session-Passive": "1"})
        self.assertEqual(response.json(), {"signed_in": True, "seconds_left": 60})
        self.assertEqual(self.get_at(30).status_code, 302)

    def test_it_restarts_the_idle_time_when_asked_to_stay_signed_in(self) -> None:
        self.sign_in()
        with time_machine.travel(START + timedelta(minutes=29), tick=False):
            response = self.client.post(SESSION)
        self.assertEqual(response.json(), {"signed_in": True, "seconds_left": 30 * 60})
        self.assertEqual(self.get_at(58).status_code, 200)

    def test_it_tells_the_countdown_when_the_session_has_ended(self) -> None:
        self.sign_in()
        response = self.get_at(45, SESSION, **{"X-Session-Passive": "1"})
        self.assertEqual(response.json(), {"signed_in": False, "seconds_left": 0})

    def test_it_leaves_api_token_requests_alone(self) -> None:
        with time_machine.travel(START + timedelta(days=3), tick=False):
            response = self.client.get(
                reverse("api:reply-list"), headers={"Authorization": f"Token {self.keys['staff']}"}
            )
        self.assertEqual(response.status_code, 200)

    def test_it_puts_the_warning_and_the_time_left_in_the_page(self) -> None:
        self.sign_in()
        response = self.get_at(10)
        self.assertContains(response, 'data-session-left="1800"')
        self.assertContains(response, 'id="session-dialog"')
        self.assertContains(response, "js/session.js")
