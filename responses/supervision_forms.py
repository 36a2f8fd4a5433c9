"""Forms of the supervision pages (重点督办): they validate input; the models act."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Congress, Department, Proposal
from responses.forms import DateInput, MultipleFileField
from responses.models import SupervisionActivity, SupervisionTheme, ThemeSuggestion
from tracker.forms import PastDateField
from tracker.models import Role


class ThemeForm(forms.ModelForm):
    class Meta:
        model = SupervisionTheme
        fields = [
            "congress",
            "title",
            "year",
            "kind",
            "supervising_leader",
            "supervisor",
            "lead_department",
            "other_departments",
            "plan",
            "plan_due_on",
            "report_due_on",
            "staff",
        ]
        widgets = {
            "plan": forms.Textarea(attrs={"rows": 5}),
            "plan_due_on": DateInput(),
            "report_due_on": DateInput(),
            "other_departments": forms.SelectMultiple(attrs={"size": 6}),
            "staff": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        self.fields["supervisor"].queryset = (
            users.filter(
                Q(groups__name=Role.CONGRESS_STAFF) | Q(groups__name=Role.DEPT_LEADER) | Q(groups=None)
            )
            .distinct()
            .order_by("username")
        )
        self.fields["staff"].queryset = users.filter(groups__name=Role.CONGRESS_STAFF).order_by("username")
        departments = Department.objects.filter(is_active=True).order_by("name")
        self.fields["lead_department"].queryset = departments
        self.fields["other_departments"].queryset = departments
        self.fields["year"].min_value = 1990
        self.fields["plan_due_on"].required = False
        self.fields["report_due_on"].required = False
        self.fields["plan_due_on"].help_text = _("Empty: the congress's default (31 May of the year).")
        self.fields["report_due_on"].help_text = _(
            "Empty: the congress's default (31 January of the next year)."
        )
        if not self.is_bound and self.instance.pk is None:
            self.fields["year"].initial = timezone.localdate().year
            congresses = list(Congress.objects.all()[:2])
            if len(congresses) == 1:
                self.fields["congress"].initial = congresses[0].pk

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 1990 <= year <= 2100:
            raise forms.ValidationError(gettext("Enter a year between 1990 and 2100."))
        return int(year)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        congress, year = data.get("congress"), data.get("year")
        if congress is not None and year is not None:
            from responses.models.supervision import default_plan_due, default_report_due

            data["plan_due_on"] = data.get("plan_due_on") or default_plan_due(congress, year)
            data["report_due_on"] = data.get("report_due_on") or default_report_due(congress, year)
            self.instance.plan_due_on = data["plan_due_on"]
            self.instance.report_due_on = data["report_due_on"]
            if data["report_due_on"] < data["plan_due_on"]:
                self.add_error("report_due_on", gettext("The report cannot be due before the plan."))
        lead, others = data.get("lead_department"), data.get("other_departments")
        if lead is not None and others is not None and lead in others:
            self.add_error("other_departments", gettext("The lead unit is already in the theme."))
        return data


class AddSuggestionsForm(forms.Form):
    numbers = forms.CharField(
        label=_("Suggestion numbers"),
        max_length=2000,
        help_text=_("One or more numbers, separated by spaces, commas or new lines; any session."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, theme: SupervisionTheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.theme = theme

    def clean_numbers(self) -> list[Proposal]:
        numbers = [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data["numbers"]) if n][:100]
        found: dict[str, list[Proposal]] = {}
        for proposal in Proposal.objects.filter(
            congress=self.theme.congress, number__in=numbers
        ).select_related("session"):
            found.setdefault(proposal.number, []).append(proposal)
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(
                gettext("No suggestion of this congress has the number %(numbers)s.")
                % {"numbers": "、".join(missing)}
            )
        twice = [n for n, proposals in found.items() if len(proposals) > 1]
        if twice:
            raise forms.ValidationError(
                gettext("Several sessions have a suggestion No. %(numbers)s; add it from its own page.")
                % {"numbers": "、".join(twice)}
            )
        return [found[n][0] for n in dict.fromkeys(numbers)]


class RemoveSuggestionForm(forms.Form):
    membership = forms.ModelChoiceField(label=_("Suggestion"), queryset=ThemeSuggestion.objects.none())
    reason = forms.CharField(label=_("Why it leaves the theme"), max_length=500)

    def __init__(self, *args: Any, theme: SupervisionTheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = theme.active_suggestions()
        self.fields["membership"].label_from_instance = lambda m: f"{m.proposal.number} {m.proposal.title}"


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())


class MilestoneDoneForm(forms.Form):
    done_on = PastDateField(label=_("Done on"), widget=DateInput())


class ActivityForm(forms.ModelForm):
    files = MultipleFileField(
        label=_("Files"), required=False, help_text=_("PDF, PNG, JPEG or Word (.docx), up to 20 MB each.")
    )

    class Meta:
        model = SupervisionActivity
        fields = ["kind", "held_on", "place", "attendees", "agreed"]
        widgets = {
            "held_on": DateInput(),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "agreed": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"held_on": PastDateField}


class ActionForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Unit"), queryset=Department.objects.none())
    proposal = forms.ModelChoiceField(label=_("Suggestion"), queryset=Proposal.objects.none())
    description = forms.CharField(
        label=_("Agreed action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(self, *args: Any, theme: SupervisionTheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = theme.departments()
        self.fields["proposal"].queryset = Proposal.objects.filter(
            theme_memberships__theme=theme, theme_memberships__removed_at=None
        ).order_by("number")
        self.fields["proposal"].label_from_instance = lambda p: f"{p.number} {p.title}"


class ActionReportForm(forms.Form):
    report = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it is sent back"), max_length=1000)


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    signed_by = forms.CharField(label=_("Issued by"), max_length=100)
    body = forms.CharField(label=_("Text"), max_length=100000, widget=forms.Textarea(attrs={"rows": 24}))
