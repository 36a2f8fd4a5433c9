"""A statement timeout on web requests (DB_STATEMENT_TIMEOUT_MS) and what the user sees."""

from __future__ import annotations

from unittest import skipUnless

from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory, override_settings

from tests.base import TrackerTestCase
from tracker.middleware import QueryTimeoutMiddleware, is_query_timeout
from tracker.settings import database_from_url

ON_POSTGRES = connection.vendor == "postgresql"


class StatementTimeoutSettingTests(TrackerTestCase):
    def test_it_sets_the_timeout_on_postgresql_connections(self) -> None:
        config = database_from_url("postgres://u@db/tracker", statement_timeout_ms=5000)
        self.assertIn("-c statement_timeout=5000", config["OPTIONS"]["options"])

    def test_it_sets_no_timeout_when_zero(self) -> None:
        config = database_from_url("postgres://u@db/tracker", statement_timeout_ms=0)
        self.assertNotIn("statement_timeout", config["OPTIONS"]["options"])


@skipUnless(ON_POSTGRES, "statement_timeout is PostgreSQL's")
class QueryTimeoutPageTests(TrackerTestCase):
    def cancelled_statement(self) -> DatabaseError:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 10")
                cursor.execute("SELECT pg_sleep(2)")
        except DatabaseError as exc:
            return exc
        self.fail("the statement was not cancelled")

    def test_it_recognises_a_cancelled_statement(self) -> None:
        self.assertTrue(is_query_timeout(self.cancelled_statement()))

    @override_settings(DB_STATEMENT_TIMEOUT_MS=5000)
    def test_it_answers_503_with_a_page_that_says_to_narrow_the_query(self) -> None:
        request = RequestFactory().get("/proposals/?q=坪山")
        request.user = self.staff
        response = QueryTimeoutMiddleware(lambda r: None).process_exception(
            request, self.cancelled_statement()
        )
        self.assertEqual(response.status_code, 503)
        self.assertIn("5", response.content.decode())

    def test_it_leaves_other_database_errors_alone(self) -> None:
        request = RequestFactory().get("/")
        request.user = self.staff
        self.assertIsNone(
            QueryTimeoutMiddleware(lambda r: None).process_exception(request, DatabaseError("x"))
        )
