"""The filter bar of the suggestion list.

Conditions on assignments, replies and co-signers are Exists subqueries rather than
joins, so a suggestion with several matching rows still appears once and no
DISTINCT is needed.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from proposals import search, statistics
from proposals.models import Assignment, Category, Department, Deputy, Proposal, Session, normalise_number
from proposals.widgets import SearchableSelect
from responses.models import Reply
from tracker.keyset import Key, ordering
from tracker.params import AsciiNumberFilter, FilterSet

# One or two Chinese characters (as tracker_search_terms() reads them): too short for trigrams.
_SHORT_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{1,2}")

YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]

# The list's orders as keyset keys (tracker/keyset.py), each ending with the pk so that the
# order is total. The default is by urgency, ProposalQuerySet.by_urgency() plus the pk
# (index proposal_urgency_idx); these are the alternatives (proposal_number_idx,
# proposal_received_idx, proposal_received_asc_idx).
URGENCY = (Key("next_due_on", nullable=True), Key("received_on", descending=True), Key("number"), Key("pk"))
SORTS = {
    "number": (Key("number"), Key("pk")),
    "-number": (Key("number", descending=True), Key("pk", descending=True)),
    "-received_on": (Key("received_on", descending=True), Key("number"), Key("pk")),
    "received_on": (Key("received_on"), Key("number"), Key("pk")),
}


def _assignments(**conditions: Any) -> QuerySet[Assignment]:
    return Assignment.objects.filter(proposal=OuterRef("pk"), **conditions).exclude(
        status=Assignment.Status.WITHDRAWN
    )


class NumberPrefixFilter(django_filters.CharFilter):
    """A suggestion number or its beginning, as typed: ２０２４０４９３ finds 20240493
    (normalise_number, the form numbers are stored in)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "startswith")
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return super().filter(qs, normalise_number(value or ""))


class ProposalFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or words of the title")}),
    )
    session = django_filters.ModelChoiceFilter(label=_("Session"), queryset=Session.objects.all())
    year = AsciiNumberFilter(
        label=_("Year"),
        field_name="session__year",
        min_value=1949,
        max_value=2999,
        widget=forms.NumberInput(attrs={"min": 1949, "inputmode": "numeric"}),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Proposal.Status.choices)
    # The figures' "received" leaves out withdrawn suggestions (Proposal.objects.counted).
    withdrawn = django_filters.TypedChoiceFilter(
        label=pgettext_lazy("suggestion", "Withdrawn"),
        choices=YES_NO,
        coerce=lambda v: v == "true",
        method="filter_withdrawn",
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        queryset=Department.objects.all(),
        method="filter_department",
        widget=SearchableSelect("departments"),
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Assignment.Role.choices, method="filter_role")
    grade = django_filters.ChoiceFilter(
        label=_("Grade of the latest reply"), choices=Reply.Grade.choices, method="filter_grade"
    )
    deputy = django_filters.ModelChoiceFilter(
        label=_("Deputy"),
        queryset=Deputy.objects.all(),
        method="filter_deputy",
        widget=SearchableSelect("deputies"),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.select_related("parent").order_by("parent__name", "name"),
        method="filter_category",
    )
    is_key = django_filters.TypedChoiceFilter(
        label=_("Key suggestion"), choices=YES_NO, coerce=lambda v: v == "true", field_name="is_key"
    )
    overdue = django_filters.TypedChoiceFilter(
        label=_("Overdue"), choices=YES_NO, coerce=lambda v: v == "true", method="filter_overdue"
    )
    due_within = AsciiNumberFilter(
        label=_("Due within (days)"),
        method="filter_due_within",
        min_value=0,
        max_value=3660,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )
    # The statistics dashboard's figures, each a filter so every figure links to its
    # rows; with a department they apply to that department's assignment.
    handling = django_filters.ChoiceFilter(
        label=_("Handling"), choices=statistics.HANDLING_CHOICES, method="filter_handling"
    )
    final_grade = django_filters.ChoiceFilter(
        label=_("Grade of the current reply"), choices=Reply.Grade.choices, method="filter_final_grade"
    )
    rating = django_filters.ChoiceFilter(
        label=_("Deputy's rating"), choices=statistics.RATING_CHOICES, method="filter_rating"
    )
    commitments = django_filters.ChoiceFilter(
        label=_("Commitments"), choices=statistics.COMMITMENT_CHOICES, method="filter_commitments"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[
            ("number", _("Number")),
            ("-number", _("Number, descending")),
            ("-received_on", _("Received, newest first")),
            ("received_on", _("Received, oldest first")),
        ],
        method="filter_sort",
        empty_label=_("Urgency"),
    )

    class Meta:
        model = Proposal
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        """A number prefix, or part of the title (case-insensitive): the same rows on every
        backend, and on PostgreSQL through an index.

        The number by proposal_number_prefix_idx (varchar_pattern_ops, which LIKE 'x%' can
        use under a non-C collation such as C.UTF-8), a title part of three characters or
        more by the trigram index on UPPER(title) (proposals 0018), and one or two Chinese
        characters, which have no trigram, by the search page's bigram index of the title
        (proposals.search): a title holds them exactly when its bigram terms do."""
        value = value.strip()
        if not value:
            return queryset
        number = normalise_number(value)
        in_title = Q(title__icontains=value)
        if _SHORT_CHINESE.fullmatch(value) and connections[queryset.db].vendor == "postgresql":
            in_title = Q(pk__in=search.title_match(search.word_query(value)))
        if number.isascii():
            return queryset.filter(Q(number__startswith=number) | in_title)
        # Numbers are ASCII (Congress.clean_number): anything else can only be in the title.
        return queryset.filter(in_title)

    def filter_department(
        self, queryset: QuerySet[Proposal], name: str, value: Department
    ) -> QuerySet[Proposal]:
        conditions: dict[str, Any] = {"department": value}
        role = self.form.cleaned_data.get("role")
        if role:
            conditions["role"] = role
        return queryset.filter(Exists(_assignments(**conditions)))

    def filter_role(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        if self.form.cleaned_data.get("department"):
            return queryset  # applied together with the department
        return queryset.filter(Exists(_assignments(role=value)))

    def filter_grade(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        # The grade of the latest sent reply, a column kept by the transitions (indexed with
        # the urgency order); the grade of each unit's current reply is final_grade.
        return queryset.filter(grade=value)

    def filter_deputy(self, queryset: QuerySet[Proposal], name: str, value: Deputy) -> QuerySet[Proposal]:
        return queryset.led_or_co_signed_by(value)

    def filter_category(self, queryset: QuerySet[Proposal], name: str, value: Category) -> QuerySet[Proposal]:
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_withdrawn(self, queryset: QuerySet[Proposal], name: str, value: bool) -> QuerySet[Proposal]:
        if value:
            return queryset.filter(status=Proposal.Status.WITHDRAWN)
        return queryset.exclude(status=Proposal.Status.WITHDRAWN)

    def filter_overdue(self, queryset: QuerySet[Proposal], name: str, value: bool) -> QuerySet[Proposal]:
        today = timezone.localdate()
        if value:
            return queryset.overdue(today)
        return queryset.filter(Q(next_due_on__gte=today) | Q(next_due_on__isnull=True))

    def filter_due_within(self, queryset: QuerySet[Proposal], name: str, value: Any) -> QuerySet[Proposal]:
        return queryset.due_within(timezone.localdate(), int(value))

    def _department(self) -> Department | None:
        return self.form.cleaned_data.get("department")

    def filter_handling(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        condition = statistics.handling_condition(value, timezone.localdate())
        return queryset.filter(statistics.has_assignment(condition, department=self._department()))

    def filter_final_grade(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        condition = statistics.grade_condition(value)
        return queryset.filter(statistics.has_assignment(condition, department=self._department()))

    def filter_rating(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        return queryset.filter(statistics.has_rated_reply(value, department=self._department()))

    def filter_commitments(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        return queryset.filter(
            statistics.has_commitment(value, timezone.localdate(), department=self._department())
        )

    def filter_sort(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        return queryset.order_by(*ordering(SORTS[value]))

    @property
    def order_keys(self) -> tuple[Key, ...]:
        """The keys of the order chosen (urgency unless ``sort`` names another), for paging."""
        self.form.is_valid()
        return SORTS.get(self.form.cleaned_data.get("sort") or "", URGENCY)
