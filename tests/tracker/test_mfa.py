"""Two-step verification: who must use it, the sign-in step, enrolment with a local QR
code, recovery codes, the admin site behind it, and the security administrator's reset."""

from __future__ import annotations

import time

from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.base import TrackerTestCase, enrol_totp, make_user
from tracker import mfa
from tracker.models import MfaReset, User

LOGIN = reverse("login")
VERIFY = reverse("mfa_verify")
ENROL = reverse("mfa_enrol")
CODES = reverse("mfa_recovery_codes")
SETTINGS = reverse("mfa_settings")
RESET = reverse("mfa_reset")


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


class MfaTestCase(TrackerTestCase):
    def sign_in(self, user: User) -> None:
        """The password step only, through the real login form."""
        response = self.client.post(LOGIN, {"username": user.username, "password": "pw"})
        self.assertEqual(response.status_code, 302, "password step failed")


class WhoMustUseItTests(MfaTestCase):
    def test_it_requires_it_of_staff_leaders_and_admin_site_users(self) -> None:
        admin_user = make_user("sysadmin", is_staff=True)
        self.assertEqual(
            [mfa.mfa_required(u) for u in (self.staff, self.leader, admin_user)], [True, True, True]
        )

    def test_it_does_not_require_it_of_clerks_deputies_or_plain_users_by_default(self) -> None:
        self.assertEqual(
            [mfa.mfa_required(u) for u in (self.clerk, self.deputy_user, self.nobody)], [False, False, False]
        )

    def test_a_congress_setting_requires_it_of_clerks(self) -> None:
        self.congress.require_mfa_for_clerks = True
        self.congress.save(update_fields=["require_mfa_for_clerks"])
        mfa.forget_clerk_rule()
        self.assertTrue(mfa.mfa_required(User.objects.get(pk=self.clerk.pk)))

    def test_a_clerk_works_without_it_by_default(self) -> None:
        self.sign_in(self.clerk)
        self.assertEqual(self.client.get(reverse("proposals:queue")).status_code, 200)


class EnrolmentTests(MfaTestCase):
    def test_it_sends_an_unenrolled_staff_member_to_enrolment_after_the_password(self) -> None:
        self.sign_in(self.staff)
        response = self.client.get(reverse("proposals:list"))
        self.assertRedirects(response, f"{ENROL}?next=%2Fproposals%2F", fetch_redirect_response=False)

    def test_it_lets_an_unenrolled_staff_member_do_nothing_else(self) -> None:
        self.sign_in(self.staff)
        for url in (reverse("inbox"), reverse("reminder_settings"), reverse("api_token"), "/admin/"):
            self.assertEqual(self.client.get(url).status_code, 302, url)
        self.assertEqual(self.client.post(reverse("api_token_create")).status_code, 302)
        self.assertFalse(self.staff.api_tokens.exists())

    def test_the_step_offers_no_menu_search_or_inbox_it_would_only_send_back_from(self) -> None:
        self.sign_in(self.staff)
        page = self.client.get(ENROL).content.decode()
        self.assertNotIn('class="site-nav"', page)
        self.assertNotIn('class="header-search"', page)
        self.assertNotIn(f'href="{reverse("inbox")}"', page)
        self.assertIn(f'action="{reverse("logout")}"', page)  # signing out stays possible
        verified = self.client_class()
        verified.force_login(self.leader)  # VerifiedClient: the second step passed
        self.assertIn('class="site-nav"', verified.get(reverse("proposals:list")).content.decode())

    def test_it_answers_403_on_the_api_for_an_unverified_session(self) -> None:
        self.sign_in(self.staff)
        response = self.client.get(reverse("api:reply-list"))
        self.assertEqual(response.status_code, 403)

    def test_it_shows_a_qr_code_drawn_on_the_page_with_no_script(self) -> None:
        self.sign_in(self.staff)
        response = self.client.get(ENROL)
        self.assertContains(response, "<svg")
        # Scripts come from static files only (the page's CSP allows no inline script).
        self.assertNotRegex(response.content.decode(), r"<script(?![^>]*\bsrc=)")
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_it_turns_on_with_the_first_code_and_shows_ten_recovery_codes_once(self) -> None:
        self.sign_in(self.staff)
        self.client.get(ENROL)
        device = TOTPDevice.objects.get(user=self.staff, confirmed=False)
        response = self.client.post(ENROL, {"code": code_for(device)})
        self.assertRedirects(response, CODES, fetch_redirect_response=False)
        codes = self.client.get(CODES).context["codes"]
        self.assertEqual(len(codes), 10)
        self.assertRedirects(self.client.get(CODES), SETTINGS)
        self.assertEqual(self.client.get(reverse("proposals:list")).status_code, 200)

    def test_it_refuses_a_wrong_first_code(self) -> None:
        self.sign_in(self.staff)
        self.client.get(ENROL)
        response = self.client.post(ENROL, {"code": "000000"})
        self.assertContains(response, "That code is not correct")
        self.assertFalse(TOTPDevice.objects.filter(user=self.staff, confirmed=True).exists())

    def test_it_refuses_to_replace_an_authenticator_before_the_code_is_given(self) -> None:
        enrol_totp(self.staff)
        self.sign_in(self.staff)
        self.assertRedirects(self.client.get(ENROL), VERIFY, fetch_redirect_response=False)

    def test_a_role_without_it_is_not_offered_enrolment(self) -> None:
        self.sign_in(self.deputy_user)
        self.client.get(ENROL)
        self.assertFalse(TOTPDevice.objects.filter(user=self.deputy_user).exists())


class SignInStepTests(MfaTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.device = enrol_totp(self.staff)
        self.codes = mfa.new_recovery_codes(self.staff)

    def test_it_asks_an_enrolled_user_for_the_code_after_the_password(self) -> None:
        self.sign_in(self.staff)
        response = self.client.get(reverse("proposals:list"))
        self.assertRedirects(response, f"{VERIFY}?next=%2Fproposals%2F", fetch_redirect_response=False)

    def test_it_lets_the_user_in_with_the_6_digit_code(self) -> None:
        self.sign_in(self.staff)
        response = self.client.post(VERIFY, {"code": code_for(self.device), "next": "/proposals/"})
        self.assertRedirects(response, "/proposals/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/proposals/").status_code, 200)

    def test_it_refuses_a_wrong_code(self) -> None:
        self.sign_in(self.staff)
        response = self.client.post(VERIFY, {"code": "123456"})
        self.assertContains(response, "That code is not correct")
        self.assertEqual(self.client.get("/proposals/").status_code, 302)

    def test_it_accepts_a_code_only_once(self) -> None:
        code = code_for(self.device)
        self.sign_in(self.staff)
        self.client.post(VERIFY, {"code": code})
        self.client.logout()
        self.sign_in(self.staff)
        response = self.client.post(VERIFY, {"code": code})
        self.assertContains(response, "That code is not correct")

    def test_a_recovery_code_works_once(self) -> None:
        self.sign_in(self.staff)
        response = self.client.post(VERIFY, {"code": self.codes[0].upper()})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(StaticToken.objects.filter(device__user=self.staff).count(), 9)
        self.client.logout()
        self.sign_in(self.staff)
        self.assertContains(self.client.post(VERIFY, {"code": self.codes[0]}), "That code is not correct")

    def test_it_does_not_follow_a_next_link_to_another_site(self) -> None:
        self.sign_in(self.staff)
        response = self.client.post(VERIFY, {"code": code_for(self.device), "next": "https://evil.example/"})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_garbage_in_the_code_is_a_field_error(self) -> None:
        self.sign_in(self.staff)
        response = self.client.post(VERIFY, {"code": "12\x0034"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)

    def test_new_recovery_codes_ask_for_the_password(self) -> None:
        self.client.force_login(self.staff)
        self.assertContains(self.client.post(SETTINGS, {"current_password": "wrong"}), "not correct")
        response = self.client.post(SETTINGS, {"current_password": "pw"})
        self.assertRedirects(response, CODES, fetch_redirect_response=False)
        self.assertNotIn(self.codes[1], self.client.get(CODES).context["codes"])


class AdminSiteTests(MfaTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.admin_user = make_user("root", is_staff=True, is_superuser=True)

    def test_it_keeps_an_unverified_superuser_out_of_the_admin(self) -> None:
        self.client.force_login(self.admin_user, verified=False)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(ENROL))

    def test_it_lets_a_verified_superuser_in(self) -> None:
        self.client.force_login(self.admin_user)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_the_admin_site_itself_requires_a_verified_session(self) -> None:
        from django.contrib import admin
        from django.test import RequestFactory

        request = RequestFactory().get("/admin/")
        request.user = self.admin_user
        self.admin_user.is_verified = lambda: False  # type: ignore[attr-defined]
        self.assertFalse(admin.site.has_permission(request))

    def test_its_login_page_is_the_two_step_sign_in(self) -> None:
        response = self.client.get("/admin/login/?next=/admin/")
        self.assertRedirects(response, f"{LOGIN}?next=/admin/", fetch_redirect_response=False)


class ResetTests(MfaTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.security_admin = make_user("secadmin")
        self.security_admin.user_permissions.add(Permission.objects.get(codename="reset_mfa"))
        self.device = enrol_totp(self.leader)
        mfa.new_recovery_codes(self.leader)

    def test_a_security_admin_resets_someones_devices_with_a_reason(self) -> None:
        self.client.force_login(self.security_admin)
        response = self.client.post(RESET, {"username": "leader", "reason": "手机丢失，已当面核实身份"})
        self.assertRedirects(response, RESET)
        self.assertFalse(TOTPDevice.objects.filter(user=self.leader).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.leader).exists())
        reset = MfaReset.objects.get()
        self.assertEqual(reset.devices_removed, 2)  # the authenticator and the recovery codes
        self.assertEqual(
            (reset.user, reset.reset_by, reset.reason),
            (self.leader, self.security_admin, "手机丢失，已当面核实身份"),
        )

    def test_the_reset_user_enrols_again_even_in_a_session_already_verified(self) -> None:
        leader_client = self.client_class()
        leader_client.force_login(self.leader)
        self.assertEqual(leader_client.get(reverse("proposals:queue")).status_code, 200)
        mfa.reset_devices(self.leader, by=self.security_admin, reason="lost")
        response = leader_client.get(reverse("proposals:queue"))
        self.assertTrue(response["Location"].startswith(ENROL))

    def test_staff_without_the_permission_get_403(self) -> None:
        for user in (self.staff, self.leader, self.clerk, self.deputy_user):
            self.client.force_login(user)
            self.assertEqual(self.client.post(RESET, {"username": "leader", "reason": "x"}).status_code, 403)
        self.assertTrue(TOTPDevice.objects.filter(user=self.leader).exists())

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        self.assertEqual(self.client.get(RESET).status_code, 302)

    def test_it_needs_a_reason_and_a_known_user(self) -> None:
        self.client.force_login(self.security_admin)
        response = self.client.post(RESET, {"username": "nobody-here", "reason": ""})
        self.assertEqual(set(response.context["form"].errors), {"username", "reason"})

    def test_a_security_admin_cannot_reset_their_own(self) -> None:
        self.client.force_login(self.security_admin)
        response = self.client.post(RESET, {"username": "secadmin", "reason": "x"})
        self.assertContains(response, "cannot reset your own")
        self.assertFalse(MfaReset.objects.exists())
