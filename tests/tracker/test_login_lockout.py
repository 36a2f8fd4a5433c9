"""Login failures (django-axes): a username is locked after 5 wrong passwords for 15
minutes, an address after 30 across usernames; every attempt is recorded; the locked
user sees the login page with a message saying so."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from axes.models import AccessFailureLog, AccessLog
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.base import TrackerTestCase, make_user
from tracker.security import client_ip

LOGIN = reverse("login")


class LockoutTests(TrackerTestCase):
    def attempt(self, password: str, *, username: str = "clerk", ip: str = "10.0.0.1", **headers: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers or None
        )

    def fail(self, times: int, **kwargs: str) -> None:
        # The failure that reaches the limit is answered with the lockout page already.
        for _i in range(times):
            self.assertIn(self.attempt("wrong", **kwargs).status_code, {200, 429})

    def test_it_signs_in_after_four_failures(self) -> None:
        for _i in range(4):
            self.assertContains(self.attempt("wrong"), "Please enter a correct username and password")
        self.assertEqual(self.attempt("pw").status_code, 302)

    def test_the_fifth_failure_locks(self) -> None:
        self.fail(4)
        self.assertContains(self.attempt("wrong"), "locked for 15 minutes", status_code=429)

    def test_the_sixth_attempt_with_the_right_password_is_refused(self) -> None:
        self.fail(5)
        response = self.attempt("pw")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "locked for 15 minutes", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_very_long_username_is_one_more_failure_not_a_server_error(self) -> None:
        response = self.attempt("wrong", username="0" * 300)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(AccessFailureLog.objects.get().username, "0" * 150)

    def test_the_lock_message_is_in_chinese_on_the_login_page(self) -> None:
        self.fail(5)
        with self.settings(LANGUAGE_CODE="zh-hans"):  # the office's language
            response = self.attempt("pw")
        self.assertContains(response, "登录失败次数过多", status_code=429)
        self.assertContains(response, 'name="password"', status_code=429)

    def test_it_lets_the_user_in_after_the_cool_off(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            self.fail(5)
            self.assertEqual(self.attempt("pw").status_code, 429)
        with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
            self.assertEqual(self.attempt("pw").status_code, 429)
        # That refused attempt started the 15 minutes again.
        with time_machine.travel(start + timedelta(minutes=29, seconds=58), tick=False):
            self.assertEqual(self.attempt("pw").status_code, 429)
        with time_machine.travel(start + timedelta(minutes=45), tick=False):
            self.assertEqual(self.attempt("pw").status_code, 302)

    def test_it_unlocks_15_minutes_after_the_last_attempt(self) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            self.fail(5)
            self.assertEqual(self.attempt("pw").status_code, 429)
        with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
            self.assertEqual(self.attempt("pw").status_code, 302)

    def test_the_username_is_locked_from_every_address(self) -> None:
        self.fail(5, ip="10.0.0.1")
        self.assertEqual(self.attempt("pw", ip="10.9.9.9").status_code, 429)

    def test_other_users_at_the_same_address_are_not_locked_by_one_users_typos(self) -> None:
        self.fail(5, ip="10.0.0.1")
        self.assertEqual(self.attempt("pw", username="outsider", ip="10.0.0.1").status_code, 302)

    def test_an_address_trying_many_usernames_is_locked(self) -> None:
        for i in range(30):
            self.attempt("wrong", username=f"guess{i}", ip="10.6.6.6")
        self.assertEqual(self.attempt("pw", username="outsider", ip="10.6.6.6").status_code, 429)
        self.assertEqual(self.attempt("pw", username="outsider", ip="10.0.0.2").status_code, 302)

    def test_a_valid_sign_in_does_not_clear_an_addresss_spraying_count(self) -> None:
        for i in range(29):
            self.attempt("wrong", username=f"guess{i}", ip="10.6.6.6")
        self.assertEqual(self.attempt("pw", username="outsider", ip="10.6.6.6").status_code, 302)
        self.client.logout()
        self.attempt("wrong", username="guess-last", ip="10.6.6.6")
        self.assertEqual(self.attempt("pw", username="co_clerk", ip="10.6.6.6").status_code, 429)

    def test_it_records_every_failure_and_each_sign_in(self) -> None:
        self.fail(2)
        self.attempt("pw")
        self.assertEqual(AccessFailureLog.objects.filter(username="clerk").count(), 2)
        self.assertEqual(AccessLog.objects.filter(username="clerk").count(), 1)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_the_limit_is_a_setting(self) -> None:
        self.fail(3)
        self.assertEqual(self.attempt("pw").status_code, 429)

    def test_a_success_resets_the_count(self) -> None:
        self.fail(4)
        self.attempt("pw")
        self.client.logout()
        self.fail(4)
        self.assertEqual(self.attempt("pw").status_code, 302)


class ClientAddressTests(TrackerTestCase):
    def request(self, **meta: str):  # type: ignore[no-untyped-def]
        return RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", **meta)

    def test_it_uses_the_connection_address_without_a_proxy_header(self) -> None:
        self.assertEqual(client_ip(self.request(HTTP_X_FORWARDED_FOR="203.0.113.5")), "192.0.2.10")

    @override_settings(CLIENT_IP_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=1)
    def test_it_takes_the_address_the_proxy_appended(self) -> None:
        request = self.request(HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
        self.assertEqual(client_ip(request), "203.0.113.5")

    @override_settings(CLIENT_IP_HEADER="X-Real-IP")
    def test_it_reads_the_configured_header(self) -> None:
        self.assertEqual(client_ip(self.request(HTTP_X_REAL_IP="203.0.113.7")), "203.0.113.7")

    @override_settings(CLIENT_IP_HEADER="X-Real-IP")
    def test_lockout_counts_by_the_proxy_header(self) -> None:
        make_user("spray-target")
        for i in range(30):
            self.client.post(
                LOGIN, {"username": f"g{i}", "password": "x"}, headers={"X-Real-IP": "203.0.113.9"}
            )
        response = self.client.post(
            LOGIN, {"username": "spray-target", "password": "pw"}, headers={"X-Real-IP": "203.0.113.9"}
        )
        self.assertEqual(response.status_code, 429)
