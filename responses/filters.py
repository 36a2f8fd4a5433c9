"""List filters (django-filter) for replies."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.filters import NumberPrefixFilter
from proposals.models import Department, Session
from proposals.search import search_replies
from responses.models import Commitment, Obligation, Reminder, Reply
from tracker.models import Channel
from tracker.params import AsciiNumberFilter, FilterSet

# The filters' choices offer only what has published replies. Each is a semi-join probed
# from the few sessions or departments (EXISTS stops at the first published reply), not a
# DISTINCT over every published reply: with 90,000 of them that took 0.3 s a list.


def _published_sessions() -> QuerySet[Session]:
    published = Reply.objects.published().filter(assignment__proposal__session=OuterRef("pk"))
    return Session.objects.filter(Exists(published))


def _published_departments() -> QuerySet[Department]:
    # By the reply's own unit (Reply.replying_department, indexed with the unit's sent replies newest
    # first): through the assignment, each probe read a unit's assignments (0.66 s for the
    # choices at a million suggestions).
    return Department.objects.filter(
        Exists(Reply.objects.published().filter(replying_department_id=OuterRef("pk")))
    )


class PublicReplyFilter(FilterSet):
    """Filters of the public list; the choices only offer what has published replies."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, title or text")}),
    )
    year = django_filters.ChoiceFilter(
        label=_("Year"), field_name="assignment__proposal__session__year", choices=[]
    )
    session = django_filters.ModelChoiceFilter(
        label=_("Session"),
        field_name="assignment__proposal__session",
        queryset=lambda request: _published_sessions(),
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        field_name="assignment__department",
        queryset=lambda request: _published_departments(),
    )
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Reply.Grade.choices)

    class Meta:
        model = Reply
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Evaluated once here: callable choices would run their query again on each render and
        # validation. The years are those of the sessions (one probe per session, not two).
        sessions = list(_published_sessions().values_list("pk", "year"))
        years = sorted({year for _pk, year in sessions}, reverse=True)
        self.filters["year"].extra["choices"] = [(year, str(year)) for year in years]
        self.filters["session"].queryset = Session.objects.filter(pk__in=[pk for pk, _year in sessions])

    def filter_queryset(self, queryset: QuerySet[Reply]) -> QuerySet[Reply]:
        """Newest first; a search ranks by relevance instead, within the other filters.

        A value the form refuses (a year or department with nothing published) selects
        nothing: ignoring it would answer with every reply, which the user did not ask for.
        """
        if not self.form.is_valid():
            return queryset.none()
        queryset = queryset.order_by("-sent_on", "-pk")
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return self.search(queryset, "q", self.form.cleaned_data.get("q") or "")

    def search(self, queryset: QuerySet[Reply], name: str, value: str) -> QuerySet[Reply]:
        if not value.strip():
            return queryset
        return search_replies(queryset, value)


class ReminderFilter(FilterSet):
    """Staff's reminders page: what was sent, to whom, on which channel, and what failed."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Reminder.Status.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    kind = django_filters.ChoiceFilter(
        label=_("Obligation"), field_name="obligation__kind", choices=Obligation.Kind.choices
    )
    audience = django_filters.ChoiceFilter(label=_("Reminded as"), choices=Reminder.Audience.choices)
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        field_name="obligation__department",
        queryset=Department.objects.filter(is_active=True),
    )
    number = NumberPrefixFilter(label=_("Suggestion number"), field_name="obligation__proposal__number")
    recorded_from = django_filters.DateFilter(
        label=_("Recorded from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    recorded_to = django_filters.DateFilter(
        label=_("Recorded to"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Reminder
        fields: list[str] = []


class CommitmentBoardFilter(FilterSet):
    """Staff's commitments board: every promise across departments."""

    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.filter(is_active=True)
    )
    session = django_filters.ModelChoiceFilter(
        label=_("Session"), field_name="reply__assignment__proposal__session", queryset=Session.objects.all()
    )
    year = AsciiNumberFilter(label=_("Year"), field_name="reply__assignment__proposal__session__year")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[c for c in Commitment.Status.choices if c[0] != Commitment.Status.REMOVED]
    )
    due_from = django_filters.DateFilter(
        label=_("Due from"),
        field_name="due_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_to = django_filters.DateFilter(
        label=_("Due to"),
        field_name="due_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    key = django_filters.BooleanFilter(
        label=_("Key suggestions only"), method="filter_key", widget=forms.CheckboxInput
    )

    class Meta:
        model = Commitment
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[Commitment], name: str, value: bool) -> QuerySet[Commitment]:
        if not value:
            return queryset
        return queryset.filter(status__in=Commitment.TO_KEEP, due_on__lt=timezone.localdate())

    def filter_key(self, queryset: QuerySet[Commitment], name: str, value: bool) -> QuerySet[Commitment]:
        return queryset.filter(reply__assignment__proposal__is_key=True) if value else queryset
