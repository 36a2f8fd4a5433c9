"""Forms for reply letters, co-handling opinions and deputy feedback.

They validate input only; the views hand the cleaned values to the model transitions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Congress, Department
from responses.models import Commitment, Consultation, Feedback, Publication, Reply
from tracker.forms import PastDateField
from tracker.params import AsciiIntegerField
from tracker.uploads import BoundedFileField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def grade_choices(congress: Congress) -> list[tuple[str, str]]:
    """The grades of the congress's own scale (A/B/C or A/B/C/D), with their meanings."""
    used = congress.grades()
    return [(value, label) for value, label in Reply.Grade.choices if value in used]


class CoOpinionForm(forms.Form):
    body = forms.CharField(
        label=_("Opinion for the lead unit"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("What your unit has done or will do about the suggestion, for the lead unit's reply."),
    )


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["description", "due_on", "department"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_on": DateInput(),
        }

    def __init__(self, *args: Any, default_department: Department | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        if self.instance.pk is None and default_department is not None:
            # An untouched extra row keeps this initial value, so it still counts as empty.
            self.fields["department"].initial = default_department.pk


class BaseCommitmentFormSet(BaseInlineFormSet):
    def delete_existing(self, obj: Commitment, commit: bool = True) -> None:
        # Nothing is hard-deleted: a row ticked for deletion is marked removed instead.
        if commit:
            obj.remove_from_draft()

    def has_dated_commitment(self) -> bool:
        """Whether at least one kept (valid, not deleted) row carries a due date."""
        return any(
            form.cleaned_data.get("due_on")
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not self._should_delete_form(form)
        )


CommitmentFormSet = inlineformset_factory(
    Reply,
    Commitment,
    form=CommitmentForm,
    formset=BaseCommitmentFormSet,
    extra=2,
    can_delete=True,
)


class ReplyForm(forms.ModelForm):
    """The reply letter; Reply.grade_problems() is checked here so the clerk sees the
    grade and publication rules as field errors."""

    class Meta:
        model = Reply
        fields = [
            "document_number",
            "body",
            "grade",
            "grade_reason",
            "publicity",
            "publicity_reason",
            "contact_name",
            "contact_phone",
            "copy_to",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 24, "class": "letter-text"}),
            "grade": forms.RadioSelect,
            "grade_reason": forms.Textarea(attrs={"rows": 3}),
            "publicity": forms.RadioSelect,
            "copy_to": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "body": _(
                "The letter text with its numbered answers, one paragraph per line; the heading, "
                "salutation, signature and date are added for you."
            ),
        }

    def __init__(
        self, *args: Any, congress: Congress, commitments: BaseCommitmentFormSet | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.commitments = commitments
        self.fields["grade"].choices = grade_choices(congress)
        self.fields["publicity"].choices = Reply.Publicity.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The model's rules, shown beside the fields they concern (Reply.grade_problems).
        problems = Reply.grade_problems(
            grade=cleaned.get("grade", ""),
            has_dated_commitment=self.commitments is None
            or (self.commitments.is_valid() and self.commitments.has_dated_commitment()),
            grade_reason=cleaned.get("grade_reason", ""),
            publicity=cleaned.get("publicity", ""),
            publicity_reason=cleaned.get("publicity_reason", ""),
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return cleaned


class ApproveForm(forms.Form):
    sent_on = PastDateField(
        label=_("Sent on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today."),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class RegradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("New grade"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grade_choices(congress)


class ConsultForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the deputy"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what changed, or what you would like the deputy to look at."),
    )


class ConsultationAnswerForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comments on the draft"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.ChoiceField(
        label=_("May the reply be published (主动公开)?"),
        choices=Consultation.Consent.choices,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("consent") == Consultation.Consent.NO and not cleaned.get("comment", "").strip():
            self.add_error("comment", gettext("Please say why the reply should not be published."))
        return cleaned


class FeedbackForm(forms.Form):
    """The deputy's rating; in two parts where the congress rates communication and result apart."""

    communication = forms.ChoiceField(
        label=_("How the unit communicated with you"),
        choices=Feedback.Rating.choices,
        widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(
        label=_("Your rating"), choices=Feedback.Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Required when unsatisfied: say what is unsatisfactory."),
    )

    def __init__(self, *args: Any, two_part: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if two_part:
            self.fields["rating"].label = _("What the unit achieved")
        else:
            del self.fields["communication"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ratings = (cleaned.get("rating"), cleaned.get("communication"))
        if Feedback.Rating.UNSATISFIED in ratings and not cleaned.get("comment", "").strip():
            self.add_error("comment", gettext("Please say what is unsatisfactory."))
        return cleaned


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Feedback.Decision.REHANDLING, _("Accept: the department handles it again")),
            (Feedback.Decision.DECLINED, _("Decline re-handling")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


# -- commitment follow-up --------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(BoundedFileField):
    """Several files in one input (Django's documented pattern), each bounded while it
    streamed in (tracker.uploads); the content check is the model's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx,application/pdf,image/*"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if not isinstance(data, list | tuple):
            return [single(data, initial)] if data else []
        cleaned, errors = [], []
        for item in data:  # Every refused file is named, not only the first.
            try:
                cleaned.append(single(item, initial))
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return cleaned


class ProgressReportForm(forms.Form):
    reported_on = PastDateField(label=_("As of"), widget=DateInput())
    summary = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    percent = AsciiIntegerField(label=_("Share done (%)"), min_value=0, max_value=100, required=False)
    milestone = forms.CharField(label=_("Milestone reached"), max_length=200, required=False)
    files = MultipleFileField(
        label=_("Evidence"), required=False, help_text=_("PDF, PNG, JPEG or Word (.docx), up to 20 MB each.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = timezone.localdate()


class FulfilForm(forms.Form):
    fulfilled_on = PastDateField(label=_("Kept on"), widget=DateInput())
    summary = forms.CharField(label=_("How the promise was kept"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label=_("Evidence"), help_text=_("PDF, PNG, JPEG or Word (.docx), up to 20 MB each; at least one.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fulfilled_on"].initial = timezone.localdate()


class CommitmentReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CommitmentCommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}))


# -- publication (上网公开) ---------------------------------------------------------------


class ProposePublicationForm(forms.Form):
    form = forms.ChoiceField(
        label=_("Publish as"), choices=Publication.Form.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label=_("Summary to publish"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("Required for a summary: what the public reads instead of the letter."),
    )
    reason = forms.CharField(
        label=_("Reason for not publishing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("form") == Publication.Form.SUMMARY and not cleaned.get("summary", "").strip():
            self.add_error("summary", gettext("Write the summary to be published."))
        if cleaned.get("form") == Publication.Form.WITHHOLD and not cleaned.get("reason", "").strip():
            self.add_error("reason", gettext("Say why the reply should not be published."))
        return cleaned


class PublishForm(forms.Form):
    form = forms.ChoiceField(
        label=_("Publish as"),
        choices=[
            (Publication.Form.FULL, Publication.Form.FULL.label),
            (Publication.Form.SUMMARY, Publication.Form.SUMMARY.label),
        ],
    )
    text = forms.CharField(
        label=_("Text to publish"),
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=100000,
        help_text=_("Personal data found has been replaced by markers; correct the text before publishing."),
    )


class PublicationReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
