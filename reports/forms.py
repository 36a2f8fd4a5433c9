from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from proposals.models import Congress, Department, Proposal
from proposals.statistics import Scope
from reports.models import AssessmentScheme, ReportCase
from tracker.uploads import BoundedFileField

MAX_TEMPLATE_NAME = 200


class CaseForm(forms.Form):
    """Pick a suggestion of the report's scope as a case, with a short text."""

    number = forms.CharField(label=_("Suggestion number"), max_length=40)
    text = forms.CharField(label=_("Case text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope

    def clean_number(self) -> Proposal:
        number = self.cleaned_data["number"].strip()
        matches = list(Proposal.objects.filter(self.scope.proposal_filter(), number=number)[:2])
        if not matches:
            raise forms.ValidationError(_("No suggestion with this number in the report's period."))
        if len(matches) > 1:
            raise forms.ValidationError(_("Several suggestions have this number: choose a session first."))
        if ReportCase.objects.current().filter(proposal=matches[0]).exists():
            raise forms.ValidationError(_("This suggestion is already a case."))
        return matches[0]


class TemplateForm(forms.Form):
    congress = forms.ModelChoiceField(label=_("Congress"), queryset=Congress.objects.order_by("name"))
    file = BoundedFileField(label=_("Template (.docx)"))

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".docx"):
            raise forms.ValidationError(_("Upload a Word document (.docx)."))
        if len(upload.name or "") > MAX_TEMPLATE_NAME:
            raise forms.ValidationError(_("The file name is too long."))
        return upload


class SchemeForm(forms.ModelForm):
    class Meta:
        model = AssessmentScheme
        fields = [
            "weight_on_time",
            "weight_satisfaction",
            "weight_communication",
            "weight_promises",
            "weight_rehandling",
            "prior_strength",
            "min_volume",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(name) or 0 for name in self.Meta.fields[:5]]
        if not any(weights):
            raise forms.ValidationError(_("At least one weight must be above zero."))
        return data


class AdjustmentForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.order_by("name"))
    points = forms.DecimalField(
        label=_("Points (+ or −)"),
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("-100"),
        max_value=Decimal("100"),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def clean_points(self) -> Decimal:
        points: Decimal = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("An adjustment of zero points changes nothing."))
        return points

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the score is adjusted."))
        return reason
