"""Safe defaults (issue 13): DEBUG off unless set, production settings that pass
`check --deploy`, the site's own error pages, the Content-Security-Policy, load_demo."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory, SimpleTestCase, override_settings
from django.urls import reverse

from proposals.models import Proposal
from tests.base import TrackerTestCase
from tracker import errors

ROOT = Path(__file__).resolve().parents[2]


def run_settings(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """manage.py with only ``env`` (and PATH) in the environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "TRACKER_VAR_DIR": str(settings.VAR_DIR), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


class SettingsTests(SimpleTestCase):
    def test_it_refuses_to_start_without_debug_or_secret_key(self) -> None:
        result = run_settings({}, "check")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set when DEBUG is off", result.stderr)

    def test_it_passes_the_deployment_checks_with_the_example_environment(self) -> None:
        env = {**env_example(), "SECRET_KEY": secrets.token_urlsafe(50)}
        result = run_settings(env, "check", "--deploy", "--fail-level", "WARNING")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_it_fails_the_deployment_checks_with_debug_on(self) -> None:
        env = {**env_example(), "SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "true"}
        result = run_settings(env, "check", "--deploy", "--fail-level", "WARNING")
        self.assertIn("security.W018", result.stderr)

    def test_it_keeps_a_session_cookie_no_longer_than_the_absolute_lifetime(self) -> None:
        self.assertEqual(settings.SESSION_COOKIE_AGE, 12 * 60 * 60)


class ErrorPageTests(TrackerTestCase):
    def test_it_shows_the_branded_404_in_chinese(self) -> None:
        with self.settings(LANGUAGE_CODE="zh-hans"):  # the office's language
            response = self.client.get("/no-such-page/")
        self.assertContains(response, "页面不存在", status_code=404)
        self.assertContains(response, 'href="/"', status_code=404)

    def test_it_shows_the_branded_403_with_a_way_home(self) -> None:
        self.client.force_login(self.deputy_user)
        response = self.client.get(reverse("responses:reminders"))
        self.assertContains(response, "You may not open this page", status_code=403)
        self.assertContains(response, "Go to the home page", status_code=403)

    def test_it_names_the_bad_parameter_on_the_400_page(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("responses:commitment_review"), {"year": "٢٠٢٤"})
        self.assertContains(response, "“year” must be a whole number", status_code=400)

    def test_it_explains_a_csrf_failure_with_a_way_back(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "staff", "password": "pw"})
        self.assertContains(response, "The form could not be sent", status_code=403)
        self.assertContains(response, "data-history-back", status_code=403)

    def test_it_renders_the_500_page_without_a_query(self) -> None:
        request = RequestFactory().get("/")
        with self.assertNumQueries(0):
            response = errors.server_error(request)
        self.assertContains(response, "Something went wrong on our side", status_code=500)


class ContentSecurityPolicyTests(TrackerTestCase):
    def test_it_allows_scripts_from_this_site_only(self) -> None:
        response = self.client.get(reverse("public:reply_list"))
        policy = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe", policy)

    def test_it_allows_inline_styles_on_the_api_docs_page_only(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(reverse("api:docs"))
        policy = response["Content-Security-Policy"]
        self.assertIn("style-src 'self' 'unsafe-inline'", policy)
        directives = {part.strip() for part in policy.split(";")}
        self.assertIn("script-src 'self'", directives)
        self.assertNotContains(response, "<script>")

    def test_it_has_no_inline_script_handler_or_style_in_the_templates(self) -> None:
        # The printed letter (WeasyPrint, never served as a page) and emails are not pages.
        inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=|javascript:")
        pages = [
            path
            for path in (ROOT / "templates").rglob("*.html")
            if "emails" not in path.parts and path.name != "letter_print.html"
        ]
        offenders = [str(path.relative_to(ROOT)) for path in pages if inline.search(path.read_text())]
        self.assertEqual(offenders, [])


class LoadDemoTests(TrackerTestCase):
    @override_settings(DEBUG=False)
    def test_it_refuses_to_load_demo_accounts_with_debug_off(self) -> None:
        with self.assertRaisesMessage(CommandError, "--force"):
            call_command("load_demo", stdout=StringIO())
        self.assertFalse(Proposal.objects.filter(number="20240493").exists())


class ErrorPageFallbackTests(TrackerTestCase):
    @override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
        },
        STATIC_ROOT="/nonexistent-static-root",
    )
    def test_it_answers_404_not_500_when_the_page_itself_cannot_be_rendered(self) -> None:
        # No static manifest (collectstatic not run): {% static %} fails inside the page.
        response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
