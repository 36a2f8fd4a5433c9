"""Property: no query string, path segment or form value makes a page answer 500.

Hypothesis throws random parameters (NUL bytes, superscript and Arabic-Indic digits,
surrogate-free Unicode, huge numbers, long strings) at every list, search and filter
page, the public pages and the API's lists, as anonymous, staff, a clerk and a deputy.
Half of the examples run without the NUL-refusing middleware, so that the views behind
it are checked too. Each example is one request by one of the roles that may open the page, drawn; a few
explicit examples (every parameter at once set to a superscript, Arabic-Indic digits, a
huge number, a NUL) run first. The number of drawn examples per page is the profile's (tests/conftest.py:
HYPOTHESIS_PROFILE, "ci" by default).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.test import Client, modify_settings
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from proposals.filters import ProposalFilter
from responses.filters import CommitmentBoardFilter, PublicReplyFilter, ReminderFilter
from tests.base import Personas, VerifiedClient
from tracker.api.filters import ApiProposalFilter, AssignmentFilter, ReplyFilter
from tracker.models import User

# Each page with the parameters it reads and the roles that may open it (anonymous, congress
# staff, a clerk of the lead unit, a deputy); a role that may not gets a 403 or a redirect,
# which the permission tests cover.
ANYONE: list[str | None] = [None, "staff", "clerk", "deputy_user"]
SIGNED_IN: list[str | None] = ["staff", "clerk", "deputy_user"]
LIST = ["page", "per_page", "format"]
API_LIST = ["page", "page_size"]
PAGES: dict[str, tuple[list[str], list[str | None]]] = {
    "proposals:list": ([*ProposalFilter.base_filters, *LIST], ["staff", "clerk"]),
    "proposals:queue": (LIST, ["clerk"]),
    "proposals:mine": (LIST, ["deputy_user"]),
    "proposals:todo": (["page"], ["deputy_user"]),
    "proposals:submissions": (["page", "per_page"], ["staff", "deputy_user"]),
    "search:search": (["q", "in", "page"], SIGNED_IN),
    "stats:dashboard": (["year", "session", "department", "format"], ["staff", "clerk"]),
    "responses:reminders": ([*ReminderFilter.base_filters, *LIST], ["staff"]),
    "responses:commitments": ([*CommitmentBoardFilter.base_filters, "all", *LIST], SIGNED_IN),
    "responses:commitment_review": (["year", "session", "format"], ["staff"]),
    "reports:annual": (["year", "session"], ["staff"]),
    "reports:annual_docx": (["year", "session"], ["staff"]),
    "reports:assessment": (["year", "session", "format"], ["staff"]),
    "responses:archived_letters": (["q", "unlinked", *LIST], ["staff"]),
    "inbox": (["unread", "page"], SIGNED_IN),
    "public:reply_list": ([*PublicReplyFilter.base_filters, "page"], ANYONE),
    "public:reply_csv": ([*PublicReplyFilter.base_filters], [None]),
    "public:reply_json": ([*PublicReplyFilter.base_filters], [None]),
    "public:progress_lookup": (["number"], [None]),
    "public:statistics": (["year", "session"], [None]),
    "api:suggestion-list": ([*ApiProposalFilter.base_filters, *API_LIST], ANYONE),
    "api:assignment-list": ([*AssignmentFilter.base_filters, *API_LIST], SIGNED_IN),
    "api:reply-list": ([*ReplyFilter.base_filters, *API_LIST], ANYONE),
    "api:commitment-list": ([*CommitmentBoardFilter.base_filters, *API_LIST], ANYONE),
    "api:statistics": (["year", "session", "department"], SIGNED_IN),
}

# Characters that str.isdigit() accepts and int() may or may not: superscripts, circled,
# Arabic-Indic and Persian, full-width, mathematical, Kharosthi; and the ASCII ones.
WEIRD_DIGITS = "²³¹⁰①٣۴０𝟘𐩀0123456789"
NASTY = [
    "\x00",
    "20\x0024",
    "²",
    "2024²",
    "٢٠٢٤",
    "۲۰۲۴",
    "２０２４",
    "𐩀",
    "-1",
    "0",
    "1.5",
    "1e999",
    "NaN",
    "-Infinity",
    "9" * 25,
    "9" * 5000,
    "2024-13-45",
    "'; SELECT 1; --",
    "%",
    "_",
    "\\",
    "true",
    "xlsx",
    "A",
]

unicode_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
values = st.one_of(
    st.sampled_from(NASTY),
    # Digits that are not 0–9: superscripts, Arabic-Indic, full-width, circled …
    st.text(st.sampled_from(WEIRD_DIGITS), min_size=1, max_size=6),
    unicode_text,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=300, max_size=3000),
)


def queries(names: list[str]) -> st.SearchStrategy[dict[str, list[str]]]:
    """Query strings: mostly the page's own parameters, now and then an unknown one."""
    keys = st.one_of(st.sampled_from(names), st.sampled_from(names), st.sampled_from(names), unicode_text)
    return st.dictionaries(keys, st.lists(values, min_size=1, max_size=3), min_size=1, max_size=5)


roles = st.sampled_from(ANYONE)


class NoServerErrorTests(Personas, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.make_proposal()
        assigned = cls.make_assigned()
        cls.make_sent(cls.make_assigned(), grade="B")
        cls.make_draft(assigned)

    def assert_no_server_error(self, url: str, role: str | None) -> None:
        client = Client()
        if role:
            user: User = getattr(self, role)
            client.force_login(user)
        response = client.get(url)
        self.assertLess(response.status_code, 500, f"{role or 'anonymous'}: GET {url}")

    def fetch(self, url: str, *, role: str | None, guarded: bool) -> None:
        if guarded:
            self.assert_no_server_error(url, role)
        else:
            with modify_settings(MIDDLEWARE={"remove": "tracker.middleware.RejectNulBytesMiddleware"}):
                self.assert_no_server_error(url, role)

    @given(number=st.one_of(st.sampled_from(NASTY), unicode_text), role=roles, guarded=st.booleans())
    def test_it_never_answers_500_on_a_public_progress_address(
        self, number: str, role: str | None, guarded: bool
    ) -> None:
        self.fetch(f"/public/{quote(number, safe='')}/", role=role, guarded=guarded)

    @given(number=st.one_of(st.sampled_from(NASTY), unicode_text), role=roles, guarded=st.booleans())
    def test_it_never_answers_500_on_a_record_address(
        self, number: str, role: str | None, guarded: bool
    ) -> None:
        self.fetch(f"/proposals/{quote(number, safe='')}/", role=role, guarded=guarded)


def _page_test(name: str):  # type: ignore[no-untyped-def]
    names, page_roles = PAGES[name]

    @given(params=queries(names), role=st.sampled_from(page_roles), guarded=st.booleans())
    @example(params={n: ["²"] for n in names}, role=page_roles[-1], guarded=True)
    @example(params={n: ["٢٠٢٤"] for n in names}, role=page_roles[-1], guarded=True)
    @example(params={n: ["9" * 30] for n in names}, role=page_roles[0], guarded=True)
    @example(params={n: ["2024\x00"] for n in names}, role=page_roles[0], guarded=False)
    def test(self: NoServerErrorTests, params: dict[str, list[str]], role: str | None, guarded: bool) -> None:
        self.fetch(f"{reverse(name)}?{urlencode(params, doseq=True)}", role=role, guarded=guarded)

    test.__name__ = f"test_it_never_answers_500_on_{name.replace(':', '_').replace('-', '_')}"
    return test


for _name in PAGES:
    _test = _page_test(_name)
    setattr(NoServerErrorTests, _test.__name__, _test)


class NoServerErrorOnFormsTests(Personas, TestCase):
    """Form values posted to the forms anyone or everyone signed in may send."""

    @given(data=st.dictionaries(st.sampled_from(["username", "password", "next"]), values, max_size=3))
    def test_it_never_answers_500_on_the_login_form(self, data: dict[str, str]) -> None:
        response = Client().post(reverse("login"), data)
        self.assertLess(response.status_code, 500)

    @given(
        data=st.dictionaries(
            st.sampled_from(["notify_by_email", "email", "notify_by_sms", "phone", "away_until", "delegate"]),
            values,
            max_size=6,
        )
    )
    def test_it_never_answers_500_on_the_reminder_settings(self, data: dict[str, str]) -> None:
        client = Client()
        client.force_login(self.clerk)
        response = client.post(reverse("reminder_settings"), data)
        self.assertLess(response.status_code, 500)

    @given(
        data=st.dictionaries(
            st.sampled_from(
                ["congress", "session", "number", "title", "body", "category", "lead_deputy", "received_on"]
            ),
            values,
            max_size=8,
        )
    )
    def test_it_never_answers_500_on_the_new_suggestion_form(self, data: dict[str, str]) -> None:
        client = Client()
        client.force_login(self.staff)
        response = client.post(reverse("proposals:create"), data)
        self.assertLess(response.status_code, 500)

    @given(
        data=st.dictionaries(
            st.sampled_from(
                [
                    "congress",
                    "title",
                    "year",
                    "kind",
                    "supervising_leader",
                    "supervisor",
                    "lead_department",
                    "other_departments",
                    "plan_due_on",
                    "report_due_on",
                    "staff",
                ]
            ),
            values,
            max_size=11,
        )
    )
    def test_it_never_answers_500_on_the_new_supervision_theme_form(self, data: dict[str, str]) -> None:
        client = VerifiedClient()
        client.force_login(self.staff)
        response = client.post(reverse("supervision:create"), data)
        self.assertLess(response.status_code, 500)
