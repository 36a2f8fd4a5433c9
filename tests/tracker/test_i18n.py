from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from tests.base import TrackerTestCase


class ChineseByDefaultTests(TrackerTestCase):
    """The suite asserts English strings (tests/conftest.py); these check the real default."""

    def test_it_serves_pages_in_chinese_by_default(self) -> None:
        with self.settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(reverse("login"))
        self.assertEqual(response.headers["Content-Language"], "zh-hans")
        self.assertContains(response, 'lang="zh-hans"')

    def test_it_translates_the_interface_into_chinese(self) -> None:
        self.make_assigned()
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(reverse("proposals:list"))
        with translation.override("zh-hans"):
            heading = translation.gettext("Suggestions")
        self.assertNotEqual(heading, "Suggestions")
        self.assertContains(response, heading)

    def test_it_offers_english_on_request(self) -> None:
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(reverse("proposals:list"), headers={"accept-language": "en"})
        self.assertEqual(response.headers["Content-Language"], "en")
