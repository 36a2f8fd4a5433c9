"""Filters of the API's lists; the suggestion list and the commitments board reuse the
pages' own filter sets (proposals.filters, responses.filters)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from proposals.filters import NumberPrefixFilter, ProposalFilter
from proposals.models import (
    Assignment,
    AssignmentQuerySet,
    Category,
    Department,
    Deputy,
    Session,
    normalise_number,
)
from responses.models import Reply
from tracker.params import AsciiNumberFilter, FilterSet


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelChoiceFilter):
    """A record chosen by its id (typed as an integer in the schema)."""


@extend_schema_field(OpenApiTypes.INT)
class DaysFilter(AsciiNumberFilter):
    """A whole number of days."""


class ApiProposalFilter(ProposalFilter):
    """The suggestion list's filters, with yes/no and id parameters typed for the schema
    (the page's form offers them as choices)."""

    department = IdFilter(
        label=_("Department"), queryset=Department.objects.all(), method="filter_department"
    )
    deputy = IdFilter(label=_("Deputy"), queryset=Deputy.objects.all(), method="filter_deputy")
    category = IdFilter(label=_("Category"), queryset=Category.objects.all(), method="filter_category")
    is_key = django_filters.BooleanFilter(label=_("Key suggestion"), field_name="is_key")
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    due_within = DaysFilter(
        label=_("Due within (days)"), method="filter_due_within", min_value=0, max_value=3660
    )


class AssignmentFilter(FilterSet):
    """The department queue's and the suggestion list's filters, on assignments."""

    number = NumberPrefixFilter(label=_("Suggestion number begins with"), field_name="proposal__number")
    session = django_filters.ModelChoiceFilter(
        label=_("Session"), field_name="proposal__session", queryset=Session.objects.all()
    )
    year = AsciiNumberFilter(label=_("Year"), field_name="proposal__session__year")
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.all())
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Assignment.Role.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Assignment.Status.choices)
    open = django_filters.BooleanFilter(label=pgettext_lazy("assignment", "Open"), method="filter_open")
    overdue = django_filters.BooleanFilter(label=_("Open and past its deadline"), method="filter_overdue")

    class Meta:
        model = Assignment
        fields: list[str] = []

    def filter_open(self, queryset: AssignmentQuerySet, name: str, value: bool) -> QuerySet[Assignment]:
        if value:
            return queryset.open()
        return queryset.exclude(status__in=Assignment.OPEN_STATUSES)

    def filter_overdue(self, queryset: QuerySet[Assignment], name: str, value: bool) -> QuerySet[Assignment]:
        late = Q(status__in=Assignment.OPEN_STATUSES, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ReplyFilter(FilterSet):
    """The public list's filters (number or title, year, session, department, grade) and
    the status and publication of a letter."""

    q = django_filters.CharFilter(label=_("Number or title"), method="search")
    year = AsciiNumberFilter(label=_("Year"), field_name="assignment__proposal__session__year")
    session = django_filters.ModelChoiceFilter(
        label=_("Session"), field_name="assignment__proposal__session", queryset=Session.objects.all()
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), field_name="assignment__department", queryset=Department.objects.all()
    )
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Reply.Grade.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Reply.Status.choices)
    publicity = django_filters.ChoiceFilter(label=_("Publication"), choices=Reply.Publicity.choices)

    class Meta:
        model = Reply
        fields: list[str] = []

    def search(self, queryset: QuerySet[Reply], name: str, value: str) -> QuerySet[Reply]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(assignment__proposal__number__startswith=normalise_number(value))
            | Q(assignment__proposal__title__icontains=value)
        )
