"""Forms of the project package: a user's own reminder settings, and the date field
the apps' forms use for a day that has already happened."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext

from tracker.models import Role, User
from tracker.validators import not_in_future


class PastDateField(forms.DateField):
    """A date that records something already done (received, assigned, sent, contacted,
    reported, kept): later than today is refused with the field's label in the message."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        not_in_future(value, self.label or gettext("The date"))


class ReminderSettingsForm(forms.ModelForm):
    """How a user is reminded, and who stands in while they are away."""

    class Meta:
        model = User
        fields = ["notify_by_email", "email", "notify_by_sms", "phone", "away_until", "delegate"]
        widgets = {"away_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance
        colleagues = User.objects.filter(is_active=True).exclude(pk=user.pk)
        if user.department_id:
            colleagues = colleagues.filter(department_id=user.department_id)
        elif user.is_congress_staff:
            colleagues = colleagues.filter(groups__name=Role.CONGRESS_STAFF)
        else:
            colleagues = colleagues.none()
            del self.fields["delegate"]
        if "delegate" in self.fields:
            cast(forms.ModelChoiceField, self.fields["delegate"]).queryset = colleagues.order_by(
                "last_name", "first_name", "username"
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("notify_by_email") and not cleaned.get("email"):
            self.add_error("email", gettext("Give an email address to be reminded by email."))
        if cleaned.get("notify_by_sms") and not cleaned.get("phone"):
            self.add_error("phone", gettext("Give a mobile number to be reminded by SMS."))
        if cleaned.get("away_until") and not cleaned.get("delegate") and "delegate" in self.fields:
            self.add_error("delegate", gettext("Choose who receives your reminders while you are away."))
        return cleaned
