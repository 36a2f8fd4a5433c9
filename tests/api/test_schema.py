from __future__ import annotations

import re
from io import StringIO

import yaml
from django.core.management import call_command
from django.test import SimpleTestCase
from django.urls import reverse
from drf_spectacular.validation import validate_schema


class SchemaTests(SimpleTestCase):
    databases = {"default"}

    def schema(self) -> dict:
        response = self.client.get(reverse("api:schema"), headers={"Accept": "application/vnd.oai.openapi"})
        self.assertEqual(response.status_code, 200)
        return yaml.safe_load(response.content)

    def test_it_serves_a_valid_openapi_schema(self) -> None:
        validate_schema(self.schema())

    def test_it_generates_the_schema_without_warnings(self) -> None:
        # Raises (SystemExit) on a warning or an invalid schema.
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())

    def test_it_describes_every_operation(self) -> None:
        paths = self.schema()["paths"]
        resources = [
            f"/api/v1/{name}/{suffix}"
            for name in ("suggestions", "assignments", "replies", "commitments")
            for suffix in ("", "{id}/")
        ]
        self.assertEqual(sorted(paths), sorted([*resources, "/api/v1/statistics/"]))
        for path, item in paths.items():
            with self.subTest(path=path):
                self.assertGreater(len(item["get"]["description"]), 40)

    def test_it_marks_fields_left_out_for_some_readers_as_optional(self) -> None:
        reply = self.schema()["components"]["schemas"]["Reply"]
        self.assertIn("body", reply["required"])
        self.assertNotIn("status", reply["required"])
        self.assertNotIn("feedback", reply["required"])

    def test_it_documents_the_contact_and_face_to_face_rates(self) -> None:
        figures = self.schema()["components"]["schemas"]["Figures"]["properties"]
        self.assertIn("沟通率", figures["contact_rate"]["description"])
        self.assertIn("面商率", figures["meeting_rate"]["description"])
        self.assertIn("沟通", figures["contacted"]["description"])
        self.assertIn("面商", figures["met"]["description"])

    def test_it_offers_only_reading(self) -> None:
        methods = {method for item in self.schema()["paths"].values() for method in item}
        self.assertEqual(methods, {"get"})


class DocsPageTests(SimpleTestCase):
    databases = {"default"}

    def test_it_serves_swagger_ui_from_local_files(self) -> None:
        response = self.client.get(reverse("api:docs"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        self.assertTrue(any("swagger-ui" in source for source in sources))
        # Local files, and the start-up script from the page's own address (no inline script).
        docs = reverse("api:docs")
        self.assertEqual([s for s in sources if not s.startswith(("/static/", f"{docs}?script"))], [])
        script = self.client.get(f"{docs}?script=").content.decode()
        # No CDN, and no online validator badge either.
        self.assertEqual(re.findall(r"https?://", html + script), [])
