"""Forms for logging, assigning and acting on suggestions. They validate input only;
the model transitions decide whether a move is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Category, Congress, Contact, Department, Deputy, Proposal, Session
from proposals.widgets import ChipSelectMultiple
from tracker.forms import PastDateField
from tracker.models import Role, User
from tracker.uploads import BoundedFileField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ProposalForm(forms.ModelForm):
    """Staff log a received suggestion. The rules are the model's: the number's
    (Congress.clean_number, Proposal.check_number_free, through Proposal.clean), the
    deputies' (Proposal.check_deputies, given the chosen co-signers) and the key flag's."""

    class Meta:
        model = Proposal
        fields = [
            "congress",
            "session",
            "number",
            "title",
            "body",
            "category",
            "lead_deputy",
            "co_signers",
            "received_on",
            "is_key",
            "supervising_leader",
        ]
        widgets = {
            "number": forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
            "body": forms.Textarea(attrs={"rows": 8}),
            "co_signers": ChipSelectMultiple(attrs={"size": 8}),
            "received_on": DateInput(),
        }
        field_classes = {"received_on": PastDateField}
        help_texts = {
            "co_signers": _("Hold Ctrl (⌘ on a Mac) to choose several; on a phone, tap to pick."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.select_related("congress")
        self.fields["category"].queryset = Category.objects.select_related("parent").order_by(
            "congress", "parent__name", "name"
        )
        # A deputy who left (deactivated) cannot be named on a new suggestion.
        self.fields["lead_deputy"].queryset = Deputy.objects.filter(is_active=True)
        self.fields["co_signers"].queryset = Deputy.objects.filter(is_active=True)
        # One field for the supervising leader: any name and title may be typed, and the
        # accounts that may supervise (congress staff and department leaders) are offered
        # as the user types; choosing one links the account, which then gets the key
        # suggestion's overdue reminders.
        self.supervisors = supervisor_choices()
        self.fields["supervising_leader"].widget.attrs.update(list="supervisor-choices", autocomplete="off")
        self.fields["supervising_leader"].help_text = _(
            "Type a name, or pick an account from the list: a leader with an account also gets "
            "this key suggestion's overdue reminders."
        )
        if not self.is_bound and "congress" not in self.initial:
            congresses = list(Congress.objects.all()[:2])
            if len(congresses) == 1:
                self.initial["congress"] = congresses[0].pk
                self.fields["number"].help_text = congresses[0].number_hint
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_supervising_leader(self) -> str:
        name = " ".join(self.cleaned_data["supervising_leader"].split())
        matches = [user for user in self.supervisors if user.get_full_name() == name]
        # Two accounts with the same name cannot be told apart here: keep the name only.
        self.instance.supervisor = matches[0] if len(matches) == 1 else None
        return name

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        congress = self.cleaned_data.get("congress")
        # Without a congress the number cannot be checked; the congress field says why.
        return congress.clean_number(number) if congress is not None else number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        congress = cleaned.get("congress")
        if congress is None:
            return cleaned
        category = cleaned.get("category")
        if category is not None and category.congress_id != congress.pk:
            self.add_error("category", gettext("This category belongs to another congress."))
        try:
            Proposal.check_deputies(congress, cleaned.get("lead_deputy"), cleaned.get("co_signers") or [])
        except ValidationError as exc:
            # A refused lead deputy leaves cleaned_data, so Proposal.clean() does not say it twice.
            self.add_error(None, exc)
        return cleaned


def supervisor_choices() -> list[User]:
    """Accounts that may supervise a key suggestion: active congress staff and department
    leaders, by unit then name."""
    return list(
        User.objects.filter(is_active=True, groups__name__in=[Role.CONGRESS_STAFF, Role.DEPT_LEADER])
        .exclude(first_name="", last_name="")
        .select_related("department")
        .distinct()
        .order_by("department__name", "last_name", "first_name")
    )


class ProposalEditForm(forms.Form):
    """Staff correct a suggestion's title, text or category (Proposal.edit), saying why.

    The fields are the model's own (labels, lengths); the form does not save."""

    title = Proposal._meta.get_field("title").formfield()
    body = Proposal._meta.get_field("body").formfield(widget=forms.Textarea(attrs={"rows": 12}))
    category = forms.ModelChoiceField(
        label=Proposal._meta.get_field("category").verbose_name,
        queryset=Category.objects.none(),
        required=False,
    )
    reason = forms.CharField(
        label=_("Why is it corrected?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = (
            Category.objects.filter(congress_id=proposal.congress_id)
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        if not self.is_bound:
            self.initial.update(title=proposal.title, body=proposal.body, category=proposal.category_id)


def _departments() -> Any:
    return Department.objects.filter(is_active=True)


class AssignForm(forms.Form):
    """Either one lead department with co-handlers, or several separate departments."""

    lead = forms.ModelChoiceField(
        label=_("Lead department (主办)"), queryset=Department.objects.none(), required=False
    )
    co = forms.ModelMultipleChoiceField(
        label=_("Co-handling departments (会办)"),
        queryset=Department.objects.none(),
        required=False,
        widget=ChipSelectMultiple(attrs={"size": 6}),
    )
    separate = forms.ModelMultipleChoiceField(
        label=_("Separate departments (分办)"),
        queryset=Department.objects.none(),
        required=False,
        widget=ChipSelectMultiple(attrs={"size": 6}),
        help_text=_("Instead of a lead department: each unit answers its own part."),
    )
    assigned_on = PastDateField(label=_("Assigned on"), widget=DateInput())
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead", "co", "separate"):
            self.fields[name].queryset = _departments()
        self.initial.setdefault("assigned_on", timezone.localdate())


class ReasonForm(forms.Form):
    """A required reason, for closing a suggestion or requesting a change."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ExtendForm(forms.Form):
    new_due_on = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason (shown to the deputy)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DecideChangeForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("yes", _("Approve: move to another department")),
            ("no", _("Refuse: keep this department")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    new_department = forms.ModelChoiceField(
        label=_("New department"), queryset=Department.objects.none(), required=False
    )
    reset_deadline = forms.BooleanField(
        label=_("Start a new deadline from today"),
        required=False,
        help_text=_("Otherwise the new department keeps the current deadline."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(
        self, *args: Any, department_choices: list[tuple[Any, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_department"]
        field.queryset = _departments()
        if department_choices is not None:
            # Several of these forms can be on one page; reuse one list instead of
            # letting each select run its own query.
            field.choices = department_choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("approve") and not cleaned.get("new_department"):
            self.add_error("new_department", gettext("Choose the department that takes over."))
        return cleaned


class ContactForm(forms.Form):
    contacted_on = PastDateField(label=_("Date"), widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=Contact.Method.choices)
    stage = forms.ChoiceField(label=_("Stage"), choices=Contact.Stage.choices)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("contacted_on", timezone.localdate())


class SpreadsheetImportForm(forms.Form):
    """A suggestion list (交办清单, .xlsx) with the session and dates that apply to all its rows."""

    file = BoundedFileField(
        label=_("Suggestion list (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        help_text=_(
            "One row per suggestion under a header row: 建议编号, 标题, 领衔代表, 附议代表, 主办单位, "
            "会办单位 (or 分办单位), 类别, 是否重点, 督办领导, 建议内容."
        ),
    )
    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none())
    received_on = PastDateField(label=_("Received on"), widget=DateInput())
    assigned_on = PastDateField(label=_("Assigned on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.select_related("congress")
        self.initial.setdefault("assigned_on", timezone.localdate())

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Bounded while it streamed in (tracker.uploads); this covers a form built by hand.
        if upload.size > settings.SPREADSHEET_MAX_BYTES:
            raise ValidationError(
                gettext("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.SPREADSHEET_MAX_BYTES)},
                code="too_large",
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        received_on, assigned_on = cleaned.get("received_on"), cleaned.get("assigned_on")
        if received_on and assigned_on and assigned_on < received_on:
            self.add_error("assigned_on", gettext("A suggestion cannot be assigned before it was received."))
        return cleaned
