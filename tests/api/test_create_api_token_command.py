from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.api.base import ApiTestCase
from tracker.models import ApiToken


class CreateApiTokenCommandTests(ApiTestCase):
    def create(self, *args: str) -> str:
        out = StringIO()
        call_command("create_api_token", *args, stdout=out)
        return out.getvalue().strip()

    def test_it_prints_a_key_that_works(self) -> None:
        key = self.create("deputy")
        response = self.client.get(reverse("api:suggestion-list"), headers={"Authorization": f"Token {key}"})
        self.assertEqual({row["id"] for row in response.json()["results"]}, {self.p1.pk, self.p2.pk})

    def test_it_revokes_the_users_older_token_recording_who_issued_the_new_one(self) -> None:
        self.create("deputy", "--by", "staff")
        old = ApiToken.objects.filter(user=self.deputy_user).order_by("pk").first()
        self.assertEqual(old.revoked_by, self.staff)
        self.assertEqual(ApiToken.objects.active().get(user=self.deputy_user).created_by, self.staff)

    def test_it_refuses_an_unknown_user(self) -> None:
        with self.assertRaisesMessage(CommandError, "No such user: ghost"):
            self.create("ghost")
