"""The suggestion list's q= (a number prefix or part of the title): through an index on
PostgreSQL, and the same rows as the plain substring match it replaced, for terms of
every length, Chinese and ASCII, and number prefixes typed in full width."""

from __future__ import annotations

from django.db.models import Q

from proposals.filters import ProposalFilter
from proposals.models import Proposal, normalise_number
from tests.base import TrackerTestCase

TITLES = [
    "关于加快坪西路改造的建议",
    "关于增加公办学位供给的建议",
    "关于学校周边交通的建议",
    "关于推进5G基站建设的建议",
    "关于地铁19号线一期建设的建议",
    "关于坪山河碧道的建议",
    "关于garbage分类的建议",
    "关于建设学位的建议",
]
TERMS = [
    "学",
    "学位",
    "坪西路",
    "坪西",
    "碧道的建议",
    "5G",
    "5g",
    "g",
    "GARBAGE",
    "19号线",
    "号线",
    "2024",
    "２０２４０１",
    "DH",
    "20240003",
    "位供给",
    "关于",
    "不存在",
]


class ListQFilterTests(TrackerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for i, title in enumerate(TITLES):
            cls.make_proposal(number=f"2024{i:04d}", title=title)
        cls.make_proposal(number="DH0271", title="关于养老服务的建议")
        cls.make_proposal(number="20250001", title="关于DH片区的建议")

    def filtered(self, value: str) -> set[str]:
        found = ProposalFilter({"q": value}, queryset=Proposal.objects.all()).qs
        return set(found.values_list("number", flat=True))

    def substring(self, value: str) -> set[str]:
        """What q= matched before the indexes: number prefix, or the title containing it."""
        number = normalise_number(value)
        match = Q(title__icontains=value)
        if number.isascii():
            match |= Q(number__startswith=number)
        return set(Proposal.objects.filter(match).values_list("number", flat=True))

    def test_it_finds_the_same_rows_as_the_substring_match(self) -> None:
        for value in TERMS:
            with self.subTest(value=value):
                self.assertEqual(self.filtered(value), self.substring(value))

    def test_the_expected_rows_for_short_and_long_terms(self) -> None:
        self.assertEqual(self.filtered("学"), {"20240001", "20240002", "20240007"})
        self.assertEqual(self.filtered("学位"), {"20240001", "20240007"})
        self.assertEqual(self.filtered("坪西路"), {"20240000"})
        self.assertEqual(self.filtered("２０２４０００３"), {"20240003"})
        self.assertEqual(self.filtered("DH"), {"DH0271", "20250001"})
