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

    def test_it_offers_english_when_the_user_picks_it_in_the_header(self) -> None:
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            chosen = self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
            self.assertEqual(chosen.status_code, 302)
            response = self.client.get(reverse("proposals:list"))
        self.assertEqual(response.headers["Content-Language"], "en")
        self.assertContains(response, "Suggestions")

    def test_it_keeps_the_offices_language_when_the_browser_prefers_english(self) -> None:
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            english = {"accept-language": "en-US,en;q=0.9"}
            response = self.client.get(reverse("proposals:list"), headers=english)
        self.assertEqual(response.headers["Content-Language"], "zh-hans")
        self.assertContains(response, 'lang="zh-hans"')

    def test_it_ignores_a_language_cookie_it_does_not_offer(self) -> None:
        self.client.force_login(self.staff)
        self.client.cookies["django_language"] = "xx-nonsense"
        with self.settings(LANGUAGE_CODE="zh-hans"):
            response = self.client.get(reverse("proposals:list"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Language"], "zh-hans")

    def test_a_deployment_can_follow_the_browser_instead(self) -> None:
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans", LANGUAGE_FROM_BROWSER=True):
            response = self.client.get(reverse("proposals:list"), headers={"accept-language": "en"})
        self.assertEqual(response.headers["Content-Language"], "en")


class FaviconTests(TrackerTestCase):
    def test_every_page_links_an_icon_and_favicon_ico_leads_to_it(self) -> None:
        response = self.client.get(reverse("login"))
        self.assertContains(response, 'rel="icon"')
        icon = self.client.get("/favicon.ico")
        self.assertEqual(icon.status_code, 301)
        self.assertTrue(icon.headers["Location"].endswith("img/favicon.ico"))


class ChinesePunctuationTests(TrackerTestCase):
    def test_form_labels_end_with_a_chinese_colon_in_chinese(self) -> None:
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("proposals:create")).content.decode()
        self.assertIn("：</label>", page)
        self.assertNotIn(":</label>", page)

    def test_form_labels_keep_the_ascii_colon_in_english(self) -> None:
        self.client.force_login(self.staff)
        page = self.client.get(reverse("proposals:create")).content.decode()
        self.assertIn(":</label>", page)
