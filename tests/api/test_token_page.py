from __future__ import annotations

from django.urls import reverse

from tests.api.base import ApiTestCase
from tracker.models import ApiToken, User

PAGE = reverse("api_token")
CREATE = reverse("api_token_create")
REVOKE = reverse("api_token_revoke")
API = reverse("api:reply-list")


class ApiTokenPageTests(ApiTestCase):
    def api_status(self, key: str) -> int:
        return self.client.get(API, headers={"Authorization": f"Token {key}"}).status_code

    def create(self) -> str:
        """Create a token on the page; return the key the page shows once."""
        self.client.post(CREATE)
        response = self.client.get(PAGE)
        return response.context["new_key"]

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.leader)
        self.client.post(REVOKE)  # the persona's token of the base class

    def test_it_sends_anonymous_visitors_to_the_login_page(self) -> None:
        self.client.logout()
        response = self.client.get(PAGE)
        self.assertRedirects(response, f"{reverse('login')}?next={PAGE}", fetch_redirect_response=False)

    def test_it_shows_a_new_key_once_and_the_key_works(self) -> None:
        key = self.create()
        self.assertEqual(self.api_status(key), 200)
        self.assertNotContains(self.client.get(PAGE), key)

    def test_it_stores_only_the_keys_digest(self) -> None:
        key = self.create()
        token = ApiToken.objects.active().get(user=self.leader)
        self.assertEqual(token.prefix, key[:8])
        self.assertNotEqual(token.digest, key)

    def test_it_revokes_the_token_and_records_who_and_when(self) -> None:
        key = self.create()
        self.client.post(REVOKE)
        token = ApiToken.objects.filter(user=self.leader).order_by("-pk").first()
        self.assertEqual((token.revoked_by, token.revoked_at is not None), (self.leader, True))
        self.assertEqual(self.api_status(key), 401)

    def test_it_lists_revoked_tokens_instead_of_deleting_them(self) -> None:
        key = self.create()
        self.client.post(REVOKE)
        self.assertContains(self.client.get(PAGE), f"{key[:8]}…")
        # The persona's token and this one, both revoked by the leader.
        self.assertEqual(ApiToken.objects.filter(user=self.leader, revoked_by=self.leader).count(), 2)

    def test_it_replaces_the_active_token_with_a_new_one(self) -> None:
        old = self.create()
        new = self.create()
        self.assertEqual((self.api_status(old), self.api_status(new)), (401, 200))
        self.assertEqual(ApiToken.objects.active().filter(user=self.leader).count(), 1)

    def test_it_revokes_only_the_users_own_token(self) -> None:
        self.client.post(REVOKE)
        self.assertEqual(self.get(API, "staff").status_code, 200)

    def test_it_says_so_when_there_is_no_token_to_revoke(self) -> None:
        response = self.client.post(REVOKE, follow=True)
        self.assertContains(response, "You have no API token to revoke.")

    def test_it_changes_tokens_only_by_post(self) -> None:
        self.assertEqual(self.client.get(CREATE).status_code, 405)
        self.assertEqual(self.client.get(REVOKE).status_code, 405)

    def test_it_is_linked_from_the_reminder_settings(self) -> None:
        self.assertContains(self.client.get(reverse("reminder_settings")), f'href="{PAGE}"')

    def test_it_keeps_the_page_out_of_caches(self) -> None:
        self.assertEqual(self.client.get(PAGE)["Cache-Control"], "no-store")


class ApiTokenAdminTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(User.objects.create_superuser("root", password="pw"))

    def test_it_lists_who_holds_a_token(self) -> None:
        response = self.client.get(reverse("admin:tracker_apitoken_changelist"))
        self.assertContains(response, f"{self.keys['deputy'][:8]}")

    def test_it_never_deletes_a_token(self) -> None:
        token = ApiToken.objects.get(user=self.deputy_user)
        self.assertEqual(
            self.client.get(reverse("admin:tracker_apitoken_delete", args=[token.pk])).status_code, 403
        )
