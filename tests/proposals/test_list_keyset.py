"""Keyset paging of the suggestion list and the department queue (tracker/keyset.py): Next
and Previous follow a cursor; every row appears once in the list's order, rows that tie on
the sort keys included; a cursor that was edited, cut or made for another order is
ignored; a cursor never widens what the user may see."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django.core import signing
from django.urls import reverse

from proposals.models import Session
from tests.base import TrackerTestCase
from tracker.models import User

LIST = reverse("proposals:list")
QUEUE = reverse("proposals:queue")


class KeysetTestCase(TrackerTestCase):
    def page(self, user: User, url: str, **params: Any) -> Any:
        self.client.force_login(user)
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200)
        return response.context["page_obj"]

    def walk(self, user: User, url: str, **params: Any) -> tuple[list[int], list[Any]]:
        """Every page from the first by Next: the pks in order, and the pages."""
        pages = [self.page(user, url, per_page=2, **params)]
        while pages[-1].next_cursor:
            pages.append(self.page(user, url, per_page=2, cursor=pages[-1].next_cursor, **params))
            self.assertLess(len(pages), 50)
        return [row.pk for page in pages for row in page], pages

    def walk_back(self, user: User, url: str, last: Any, **params: Any) -> list[int]:
        pages = [last]
        while pages[-1].previous_cursor:
            pages.append(self.page(user, url, per_page=2, cursor=pages[-1].previous_cursor, **params))
            self.assertLess(len(pages), 50)
        return [row.pk for page in reversed(pages) for row in page]

    def whole(self, user: User, url: str, **params: Any) -> list[int]:
        return [row.pk for row in self.page(user, url, per_page=100, **params)]


class ListKeysetTests(KeysetTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        other = Session.objects.create(
            congress=cls.congress, name="深圳市第七届人民代表大会第六次会议", term=7, meeting=6, year=2025
        )
        # Rows that tie on every sort key but the pk: the same number in two sessions,
        # received the same day, none assigned (no deadline).
        for number in ("20240001", "20240002", "20240003"):
            cls.make_proposal(number=number)
            cls.make_proposal(number=number, session=other)
        # And some with a deadline, which sort before those without one.
        for day in (3, 4, 4):
            cls.make_assigned(with_co=False, received_on=date(2024, 5, day))

    def test_next_pages_show_every_row_once_in_the_lists_order(self) -> None:
        for sort in ("", "number", "-number", "-received_on", "received_on"):
            with self.subTest(sort=sort):
                pks, pages = self.walk(self.staff, LIST, sort=sort)
                self.assertEqual(pks, self.whole(self.staff, LIST, sort=sort))
                self.assertEqual(len(set(pks)), 9)
                self.assertEqual([p.number for p in pages], [1, 2, 3, 4, 5])

    def test_previous_pages_lead_back_to_the_first(self) -> None:
        for sort in ("", "number", "-received_on", "received_on"):
            with self.subTest(sort=sort):
                pks, pages = self.walk(self.staff, LIST, sort=sort)
                self.assertEqual(self.walk_back(self.staff, LIST, pages[-1], sort=sort), pks)

    def test_a_cursor_keeps_the_filters(self) -> None:
        wanted = self.whole(self.staff, LIST, session=self.session.pk)
        pks, _pages = self.walk(self.staff, LIST, session=self.session.pk)
        self.assertEqual((pks, len(pks)), (wanted, 6))

    def test_a_page_number_links_on_by_cursor(self) -> None:
        page = self.page(self.staff, LIST, per_page=2, page=3)
        following = self.page(self.staff, LIST, per_page=2, cursor=page.next_cursor)
        preceding = self.page(self.staff, LIST, per_page=2, cursor=page.previous_cursor)
        whole = self.whole(self.staff, LIST)
        self.assertEqual(
            ([r.pk for r in preceding], following.number, [r.pk for r in following]),
            (whole[2:4], 4, whole[6:8]),
        )

    def test_the_links_carry_the_cursor_and_the_filters(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(LIST, {"per_page": 2, "sort": "number"})
        cursor = quote(response.context["page_obj"].next_cursor, safe="/")
        self.assertContains(response, f"?per_page=2&amp;sort=number&amp;cursor={cursor}")

    def test_a_bad_cursor_shows_the_first_page(self) -> None:
        first = self.whole(self.staff, LIST)[:2]
        good = self.page(self.staff, LIST, per_page=2).next_cursor
        made_for_another_order = self.page(self.staff, LIST, per_page=2, sort="number").next_cursor
        forged = signing.dumps(["after", 2, ["x"]], salt="tracker.keyset:pk")
        for cursor in ("garbage", good[:-3], good[:-1] + "A", "a" * 2000, made_for_another_order, forged, ""):
            with self.subTest(cursor=cursor[:20]):
                page = self.page(self.staff, LIST, per_page=2, cursor=cursor)
                self.assertEqual(([r.pk for r in page], page.number), (first, 1))

    def test_a_bad_page_number_shows_the_first_or_the_last_page(self) -> None:
        # As Paginator.get_page: not a number, the first page; out of range, the last.
        for value, number in (("abc", 1), ("1e3", 1), ("0", 5), ("-1", 5), ("999999", 5), ("２", 2)):
            with self.subTest(page=value):
                page = self.page(self.staff, LIST, per_page=2, page=value)
                self.assertEqual((page.number, len(page)), (number, 1 if number == 5 else 2))

    def test_a_cursor_does_not_widen_what_a_clerk_sees(self) -> None:
        # A staff cursor into the unassigned suggestions, followed by the lead unit's clerk.
        pages = self.walk(self.staff, LIST)[1]
        visible = self.whole(self.clerk, LIST)
        self.assertEqual(len(visible), 3)
        for page in pages[:-1]:
            shown = [r.pk for r in self.page(self.clerk, LIST, per_page=2, cursor=page.next_cursor)]
            self.assertLessEqual(set(shown), set(visible))
        self.assertEqual(self.whole(self.outsider, LIST), [])


class QueueKeysetTests(KeysetTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Five assignments due the same day (assigned the same day), one due later.
        for _ in range(5):
            cls.make_assigned(with_co=False)
        cls.make_assigned(with_co=False, assigned_on=date(2024, 8, 1))

    def test_next_and_previous_show_every_assignment_once_in_urgency_order(self) -> None:
        pks, pages = self.walk(self.clerk, QUEUE)
        self.assertEqual(pks, self.whole(self.clerk, QUEUE))
        self.assertEqual((len(set(pks)), len(pages)), (6, 3))
        self.assertEqual(self.walk_back(self.clerk, QUEUE, pages[-1]), pks)

    def test_a_bad_cursor_shows_the_first_page(self) -> None:
        first = self.whole(self.clerk, QUEUE)[:2]
        page = self.page(self.clerk, QUEUE, per_page=2, cursor="not-a-cursor")
        self.assertEqual([r.pk for r in page], first)

    def test_another_units_cursor_shows_only_the_users_own_queue(self) -> None:
        cursor = self.page(self.clerk, QUEUE, per_page=2).next_cursor
        self.assertEqual(list(self.page(self.outsider, QUEUE, per_page=2, cursor=cursor)), [])
