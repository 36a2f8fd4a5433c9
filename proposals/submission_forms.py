"""Forms of suggestions submitted online. They validate input only; the transitions of
proposals.models.submissions decide what the current state allows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from proposals.models import Category, Congress, Deputy, Exclusion, Proposal, Session


class SubmissionForm(forms.Form):
    """What a deputy writes: the session it belongs to, title, text, category, co-signers."""

    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none())
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("Full text"), widget=forms.Textarea(attrs={"rows": 10}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    co_signers = forms.ModelMultipleChoiceField(
        label=_("Co-signers to invite"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Deputies of the same congress; each confirms or declines on their own page."),
    )

    def __init__(self, *args: Any, deputy: Deputy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        congress = deputy.congress
        self.fields["session"].queryset = Session.objects.filter(congress=congress)
        self.fields["category"].queryset = Category.objects.filter(congress=congress).select_related("parent")
        self.fields["co_signers"].queryset = (
            Deputy.objects.filter(congress=congress, is_active=True).exclude(pk=deputy.pk).order_by("name")
        )
        if not self.is_bound and "session" not in self.initial:
            self.initial["session"] = Session.objects.filter(congress=congress).first()


class AcceptForm(forms.Form):
    """Staff accept a submission: the number it is logged with (the congress's rules)."""

    number = forms.CharField(
        label=_("Number"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    is_key = forms.BooleanField(label=_("key suggestion"), required=False)
    supervising_leader = forms.CharField(label=_("supervising leader"), max_length=100, required=False)


class ReturnForm(forms.Form):
    """Staff return a submission (不予立案): which excluded matter it is, and why."""

    exclusion = forms.ModelChoiceField(
        label=_("Not taken because it is"),
        queryset=Exclusion.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    reason = forms.CharField(
        label=_("Explanation to the deputy"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exclusion"].queryset = Exclusion.objects.filter(congress=congress, is_active=True)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), max_length=2000, required=False)


class CosignForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[
            ("confirm", pgettext_lazy("co-sign", "Confirm")),
            ("decline", pgettext_lazy("co-sign", "Decline")),
        ]
    )


def suggested_number(session: Session) -> str:
    """The next free number of the session's year when numbers are digits (20250001 after
    20250000), or "" when none can be guessed: staff type it."""
    scope = Proposal.objects.numbered_alongside(session).filter(number__regex=r"^[0-9]+$")
    year = str(session.year)
    last = (
        scope.filter(number__startswith=year)
        .annotate(size=Length("number"))
        .order_by("-size", "-number")
        .values_list("number", flat=True)
        .first()
    )
    candidates = [str(int(last) + 1).zfill(len(last))] if last else [f"{year}0001", "1"]
    for candidate in candidates:
        try:
            number = session.congress.clean_number(candidate)
            Proposal.check_number_free(number, session=session)
        except ValidationError:
            continue
        return number
    return ""
