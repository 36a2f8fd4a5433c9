"""A password change ends every other session and revokes the user's API tokens;
changing the email address or mobile number asks for the password."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.base import TrackerTestCase, make_user
from tracker.models import ApiToken

CHANGE = reverse("password_change")
SETTINGS = reverse("reminder_settings")
NEW = "a-Long-new-passw0rd"


class PasswordChangeTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token, self.key = ApiToken.issue(self.leader, by=self.leader)
        self.client.force_login(self.leader)
        self.other_device = self.client_class()
        self.other_device.force_login(self.leader)

    def change(self) -> None:
        response = self.client.post(
            CHANGE, {"old_password": "pw", "new_password1": NEW, "new_password2": NEW}
        )
        self.assertRedirects(response, reverse("password_change_done"), fetch_redirect_response=False)

    def test_it_keeps_this_session_signed_in(self) -> None:
        self.change()
        self.assertEqual(self.client.get(reverse("proposals:queue")).status_code, 200)

    def test_it_signs_out_every_other_session(self) -> None:
        self.assertEqual(self.other_device.get(reverse("proposals:queue")).status_code, 200)
        self.change()
        response = self.other_device.get(reverse("proposals:queue"))
        self.assertRedirects(
            response, f"{reverse('login')}?next=/proposals/queue/", fetch_redirect_response=False
        )

    def test_it_revokes_the_api_tokens(self) -> None:
        self.change()
        self.token.refresh_from_db()
        self.assertEqual((self.token.revoked_by, self.token.revoked_at is not None), (self.leader, True))
        response = self.client.get(reverse("api:reply-list"), headers={"Authorization": f"Token {self.key}"})
        self.assertEqual(response.status_code, 401)

    def test_a_wrong_old_password_changes_nothing(self) -> None:
        self.client.post(CHANGE, {"old_password": "no", "new_password1": NEW, "new_password2": NEW})
        self.token.refresh_from_db()
        self.assertIsNone(self.token.revoked_at)

    def test_a_reset_by_mail_revokes_the_api_tokens(self) -> None:
        self.client.logout()
        uid = urlsafe_base64_encode(force_bytes(self.leader.pk))
        url = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(self.leader)])
        form_url = self.client.get(url)["Location"]
        response = self.client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
        self.assertEqual(response.status_code, 302)
        self.token.refresh_from_db()
        self.assertIsNotNone(self.token.revoked_at)

    def test_an_admin_setting_the_password_revokes_the_api_tokens(self) -> None:
        root = make_user("root", is_staff=True, is_superuser=True)
        self.client.force_login(root)
        url = reverse("admin:auth_user_password_change", args=[self.leader.pk])
        response = self.client.post(url, {"password1": NEW, "password2": NEW})
        self.assertEqual(response.status_code, 302)
        self.token.refresh_from_db()
        self.assertEqual(self.token.revoked_by, root)


class ContactDetailsNeedPasswordTests(TrackerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.clerk)

    def post(self, **fields: str):  # type: ignore[no-untyped-def]
        data = {"notify_by_email": "on", "email": "clerk@example.gov.cn", "phone": "", **fields}
        return self.client.post(SETTINGS, data)

    def test_changing_the_email_without_the_password_is_refused(self) -> None:
        response = self.post(email="attacker@example.com")
        self.assertContains(response, "Enter your current password")
        self.clerk.refresh_from_db()
        self.assertEqual(self.clerk.email, "")

    def test_a_wrong_password_is_refused(self) -> None:
        self.assertContains(self.post(current_password="nope"), "The password is not correct")

    def test_the_right_password_saves_the_new_email(self) -> None:
        self.assertRedirects(self.post(current_password="pw"), SETTINGS)
        self.clerk.refresh_from_db()
        self.assertEqual(self.clerk.email, "clerk@example.gov.cn")

    def test_changing_the_phone_asks_for_the_password_too(self) -> None:
        response = self.post(email="", notify_by_email="", phone="13800000000")
        self.assertContains(response, "Enter your current password")

    def test_other_settings_need_no_password(self) -> None:
        response = self.client.post(SETTINGS, {"notify_by_sms": ""})
        self.assertRedirects(response, SETTINGS)
