from __future__ import annotations

from django.urls import reverse

from tests.base import TrackerTestCase
from tracker.models import Notification


class InboxViewTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.note = Notification.objects.create(
            recipient=cls.clerk, title="20240001 reply deadline: due today", url="/proposals/1/#assignment-1"
        )
        Notification.objects.create(recipient=cls.outsider, title="someone else's")

    def test_it_lists_only_the_users_own_notifications(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("inbox"))
        self.assertContains(response, "20240001 reply deadline")
        self.assertNotContains(response, "someone else")

    def test_it_shows_the_unread_count_in_the_page_header(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("proposals:queue"))
        self.assertContains(response, '<span class="unread-count">1</span>', html=True)

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = self.client.get(reverse("inbox"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        for i in range(20):
            Notification.objects.create(recipient=self.clerk, title=f"n{i}")
        self.client.force_login(self.clerk)
        # (One of them finds which of the page's items are handover notices, rendered then.)
        with self.assertNumQueries(7):
            self.client.get(reverse("inbox"))

    def test_opening_marks_read_and_goes_to_the_item(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("inbox_open", args=[self.note.pk]))
        self.assertRedirects(response, "/proposals/1/#assignment-1", fetch_redirect_response=False)
        self.assertIsNotNone(self.refreshed(self.note).read_at)

    def test_it_returns_404_for_another_users_notification(self) -> None:
        self.client.force_login(self.outsider)
        response = self.client.get(reverse("inbox_open", args=[self.note.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertIsNone(self.refreshed(self.note).read_at)

    def test_it_marks_all_read(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(reverse("inbox_mark_read"))
        self.assertFalse(Notification.objects.filter(recipient=self.clerk, read_at=None).exists())
        self.assertTrue(Notification.objects.filter(recipient=self.outsider, read_at=None).exists())

    def test_mark_read_is_post_only(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(reverse("inbox_mark_read")).status_code, 405)

    def test_it_never_redirects_off_site(self) -> None:
        evil = Notification.objects.create(recipient=self.clerk, title="x", url="https://evil.example/")
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("inbox_open", args=[evil.pk]))
        self.assertRedirects(response, reverse("inbox"), fetch_redirect_response=False)


class ReminderSettingsViewTests(TrackerTestCase):
    def test_a_clerk_turns_on_sms_with_a_phone_number(self) -> None:
        self.client.force_login(self.clerk)
        self.client.post(
            reverse("reminder_settings"),
            {
                "notify_by_email": "",
                "email": "",
                "notify_by_sms": "on",
                "phone": "13800000001",
                "current_password": "pw",
            },
        )
        clerk = self.refreshed(self.clerk)
        self.assertEqual(
            (clerk.notify_by_email, clerk.notify_by_sms, clerk.phone), (False, True, "13800000001")
        )

    def test_it_refuses_sms_without_a_number(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(reverse("reminder_settings"), {"notify_by_sms": "on", "phone": ""})
        self.assertContains(response, "Give a mobile number to be reminded by SMS.")
        self.assertFalse(self.refreshed(self.clerk).notify_by_sms)

    def test_a_delegate_must_be_a_colleague_of_the_same_department(self) -> None:
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("reminder_settings"),
            {"away_until": "2025-08-01", "delegate": self.outsider.pk, "notify_by_email": ""},
        )
        self.assertContains(response, "Select a valid choice")
        response = self.client.post(
            reverse("reminder_settings"),
            {"away_until": "2025-08-01", "delegate": self.leader.pk, "notify_by_email": ""},
        )
        self.assertEqual(self.refreshed(self.clerk).delegate, self.leader)

    def test_a_deputy_has_no_delegate_field(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("reminder_settings"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="delegate"')

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        self.assertEqual(self.client.get(reverse("reminder_settings")).status_code, 302)
