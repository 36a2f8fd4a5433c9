"""Forms of the project package: a user's own reminder settings, and the date field
the apps' forms use for a day that has already happened."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext, gettext_lazy

from tracker import notices
from tracker.models import Channel, Role, User
from tracker.validators import not_in_future


class PastDateField(forms.DateField):
    """A date that records something already done (received, assigned, sent, contacted,
    reported, kept): later than today is refused with the field's label in the message."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        not_in_future(value, self.label or gettext("The date"))


class ReminderSettingsForm(forms.ModelForm):
    """How a user is reminded and told of handovers (email and SMS per kind of notice),
    and who stands in while they are away. Changing the email
    address or mobile number asks for the password: they receive password-reset mail and
    reminders naming suggestions."""

    current_password = forms.CharField(
        label=gettext_lazy("Current password"),
        required=False,
        strip=False,
        help_text=gettext_lazy("Needed only to change your email address or mobile number."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

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
        # Handover notices: email and SMS per kind (the inbox always has them). A kind never
        # chosen shows the general choice above.
        self.notice_kinds = notices.kinds_for(user)
        for kind in self.notice_kinds:
            chosen = user.notice_channels.get(kind.code) if isinstance(user.notice_channels, dict) else None
            for channel, general in (
                (Channel.EMAIL, user.notify_by_email),
                (Channel.SMS, user.notify_by_sms),
            ):
                self.fields[f"notice_{kind.code}_{channel}"] = forms.BooleanField(
                    label=f"{kind.label} · {Channel(channel).label}",
                    required=False,
                    initial=channel in chosen if isinstance(chosen, list) else general,
                )

    @property
    def notice_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """One row per kind of notice: its name and its email and SMS boxes."""
        return [
            (str(kind.label), self[f"notice_{kind.code}_email"], self[f"notice_{kind.code}_sms"])
            for kind in self.notice_kinds
        ]

    def _chosen(self, channel: str) -> bool:
        return any(self.cleaned_data.get(f"notice_{kind.code}_{channel}") for kind in self.notice_kinds)

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        channels = dict(user.notice_channels) if isinstance(user.notice_channels, dict) else {}
        for kind in self.notice_kinds:
            channels[kind.code] = [
                channel
                for channel in (Channel.EMAIL, Channel.SMS)
                if self.cleaned_data.get(f"notice_{kind.code}_{channel}")
            ]
        user.notice_channels = channels
        if commit:
            user.save()
        return user

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (cleaned.get("notify_by_email") or self._chosen(Channel.EMAIL)) and not cleaned.get("email"):
            self.add_error("email", gettext("Give an email address to be reminded by email."))
        if (cleaned.get("notify_by_sms") or self._chosen(Channel.SMS)) and not cleaned.get("phone"):
            self.add_error("phone", gettext("Give a mobile number to be reminded by SMS."))
        if cleaned.get("away_until") and not cleaned.get("delegate") and "delegate" in self.fields:
            self.add_error("delegate", gettext("Choose who receives your reminders while you are away."))
        if {"email", "phone"} & set(self.changed_data):
            password = cleaned.get("current_password") or ""
            if not password:
                self.add_error(
                    "current_password",
                    gettext("Enter your current password to change your email address or mobile number."),
                )
            elif not self.instance.check_password(password):
                self.add_error("current_password", gettext("The password is not correct."))
        return cleaned


class MfaCodeForm(forms.Form):
    """A 6-digit code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=32,
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isprintable() or not code.isascii():
            raise forms.ValidationError(gettext("Enter the digits or letters of the code only."))
        return code


class CurrentPasswordForm(forms.Form):
    """Asks again for the signed-in user's password before a sensitive change."""

    current_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("The password is not correct."))
        return password


class MfaResetForm(forms.Form):
    """A security administrator's reset of someone's second factor."""

    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy(
            "For the record, e.g. “phone lost, identity checked in person on 3 December”."
        ),
    )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(gettext("There is no user %(name)s.") % {"name": username})
        return user


class ApiTokenForm(forms.Form):
    """When a new API token stops working."""

    EXPIRY_CHOICES = [
        ("", gettext_lazy("Never (until revoked)")),
        ("30", gettext_lazy("In 30 days")),
        ("90", gettext_lazy("In 90 days")),
        ("180", gettext_lazy("In 180 days")),
        ("365", gettext_lazy("In a year")),
    ]

    expires_in_days = forms.TypedChoiceField(
        label=gettext_lazy("Expires"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
