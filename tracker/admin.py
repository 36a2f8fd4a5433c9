"""The admin site, split between three administrators (tracker/duties.py): the system
administrator edits accounts and reference data, the security administrator roles and
groups, the audit administrator reads the security log. Nothing with history is deleted
here: people, deputies, departments and groups are deactivated instead."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.models import AdminDuty, ApiToken, MfaReset, OutboxMessage, Role, SecurityEvent, User
from tracker.security import password_changed
from tracker.xlsx import Column, Sheet, build_workbook, dated_filename, xlsx_response

# The system administrator's part of a user (tracker.manage_accounts)...
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "department", "phone", "is_active")
# ... and the security administrator's (tracker.manage_roles). Only a superuser grants superuser.
ROLE_FIELDS = ("is_staff", "groups", "user_permissions")
ALWAYS_READONLY = ("is_superuser", "last_login", "date_joined")


def _is_administrator(user: Model | None) -> bool:
    """A superuser or a holder of an administrator duty: only a superuser edits their
    account (and sets their password), or one administrator could become another."""
    if not isinstance(user, User):
        return False
    return user.is_superuser or user.groups.filter(name__in=AdminDuty.values).exists()


class UserForm(UserChangeForm):
    def clean_groups(self) -> Any:
        groups = self.cleaned_data["groups"]
        duties = [group.name for group in groups if group.name in AdminDuty.values]
        if len(duties) > 1:
            raise forms.ValidationError(
                gettext("One person holds one administrator duty only, not %(duties)s.")
                % {"duties": "、".join(str(AdminDuty(name).label) for name in duties)}
            )
        return groups


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts are deactivated, never deleted. The system administrator edits the account,
    the security administrator its roles (but never their own); only a superuser can make
    another superuser, or edit the account of a superuser or of an administrator."""

    form = UserForm
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Department"), {"fields": ("department", "phone")}),
    )
    list_display = ("username", "last_name", "first_name", "department", "is_active")
    list_filter = ("groups", "department", "is_active")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        user = request.user
        if user.is_superuser:
            return ("last_login", "date_joined")
        readonly = list(ALWAYS_READONLY)
        if not user.has_perm("tracker.manage_accounts") or _is_administrator(obj):
            readonly += ACCOUNT_FIELDS
        # Nobody changes their own roles, nor a superuser's.
        own_or_superuser = obj is not None and (obj.pk == user.pk or getattr(obj, "is_superuser", False))
        if not user.has_perm("tracker.manage_roles") or own_or_superuser:
            readonly += ROLE_FIELDS
        return tuple(readonly)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """The admin's password form; a changed password revokes the user's API tokens.
        Setting someone's password is account keeping, not the security administrator's
        job; nor may anyone but a superuser set an administrator's or a superuser's
        password: whoever sets it could sign in as them."""
        if not request.user.is_superuser:
            target = User.objects.filter(pk=id).first() if str(id).isdigit() else None
            if not request.user.has_perm("tracker.manage_accounts") or _is_administrator(target):
                raise PermissionDenied
        user = self.get_object(request, id)
        before = user.password if user else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != before:
                assert isinstance(request.user, User)
                password_changed(user, by=request.user)
        return response


# The groups the code knows by name: renaming one would strip its members of their role.
NAMED_GROUPS = frozenset(Role.values) | frozenset(AdminDuty.values)

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Groups are kept (deleting one strips its members of their role). The three
    administrators' groups get their permissions from tracker/duties.py on every
    migrate; only a superuser may change them here."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        if obj is None or request.user.is_superuser:
            return ()
        if obj.name in AdminDuty.values:  # type: ignore[attr-defined]
            return ("name", "permissions")
        if obj.name in NAMED_GROUPS:  # type: ignore[attr-defined]
            return ("name",)
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DateRangeFilter(admin.FieldListFilter):
    """From and to dates (inclusive, local time) for a date-time field."""

    template = "admin/tracker/date_range_filter.html"

    def __init__(
        self,
        field: Any,
        request: HttpRequest,
        params: dict[str, Any],
        model: type[Model],
        model_admin: admin.ModelAdmin,
        field_path: str,
    ) -> None:
        self.since_name = f"{field_path}__date__gte"
        self.until_name = f"{field_path}__date__lte"
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self) -> list[str | None]:
        return [*self.names]

    @property
    def names(self) -> tuple[str, str]:
        return (self.since_name, self.until_name)

    def _value(self, name: str) -> str:
        value = self.used_parameters.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        return str(value or "")

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        lookups = {}
        for name in self.names:
            value = self._value(name)
            if value:
                try:
                    lookups[name] = date.fromisoformat(value)
                except ValueError as error:
                    raise admin.options.IncorrectLookupParameters(error) from error
        return queryset.filter(**lookups)

    def choices(self, changelist: ChangeList) -> Any:
        params = changelist.get_filters_params()
        yield {
            "since_name": self.since_name,
            "until_name": self.until_name,
            "since": self._value(self.since_name),
            "until": self._value(self.until_name),
            "other": [
                (key, value)
                for key, values in params.items()
                if key not in self.names
                for value in (values if isinstance(values, list) else [values])
            ]
            + ([("q", changelist.query)] if changelist.query else []),
            "reset": changelist.get_query_string(remove=self.names),
        }


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log for the audit administrator: who, what, when, from where; filtered
    by kind and dates, searched by username; ``?format=xlsx`` downloads what the filters
    show. Nobody changes or deletes a row here (or anywhere: tracker.appendonly)."""

    list_display = ("created_at", "kind", "actor_name", "ip", "description")
    list_filter = ("kind", ("created_at", DateRangeFilter))
    search_fields = ("actor_name", "object_repr")
    search_help_text = _("Search by username or object.")
    readonly_fields = (
        "created_at",
        "kind",
        "actor",
        "actor_name",
        "ip",
        "object_type",
        "object_id",
        "object_repr",
        "description",
        "data",
    )
    fields = readonly_fields
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description=_("what happened"))
    def description(self, event: SecurityEvent) -> str:
        return event.describe()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.GET.get("format") == "xlsx":
            if not self.has_view_permission(request):
                raise PermissionDenied
            return self.export(request)
        query = request.GET.copy()
        query["format"] = "xlsx"
        return super().changelist_view(request, {**(extra_context or {}), "export_query": query.urlencode()})

    def export(self, request: HttpRequest) -> HttpResponse:
        """The rows the same filters show on the page, every one of them, as .xlsx."""
        listed = copy.copy(request)
        query = request.GET.copy()
        del query["format"]
        listed.GET = query  # type: ignore[assignment]
        events = self.get_changelist_instance(listed).queryset.iterator(chunk_size=2000)
        sheet = Sheet(
            gettext("Security log"),
            [
                Column.text(gettext("at"), 20),
                Column.text(gettext("event"), 18),
                Column.text(gettext("username"), 16),
                Column.text(gettext("IP address"), 16),
                Column.text(gettext("object"), 24),
                Column.text(gettext("what happened"), 80),
            ],
            (
                [
                    timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    event.get_kind_display(),
                    event.actor_name,
                    event.ip or "",
                    event.object_repr,
                    event.describe(),
                ]
                for event in events
            ),
        )
        return xlsx_response(build_workbook([sheet]), dated_filename(gettext("Security log")))


TOKEN_COLUMNS = (
    "user",
    "prefix",
    "created_at",
    "created_by",
    "expires_at",
    "last_used_at",
    "revoked_at",
    "revoked_by",
)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds an API key, since when, and who revoked it: a record, never edited here
    (users create and revoke their own keys at /accounts/api-token/)."""

    list_display = TOKEN_COLUMNS
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "prefix"]
    readonly_fields = TOKEN_COLUMNS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Tasks queued through the outbox: which are still waiting for the broker, and why.
    A record only; the drain publishes, prune_outbox deletes old published rows."""

    list_display = ["task", "args", "created_at", "published_at", "merged_into", "attempts", "last_error"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "task"]
    list_select_related = ["merged_into"]
    readonly_fields = ["task", "args", "created_at", "published_at", "merged_into", "attempts", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False


@admin.register(MfaReset)
class MfaResetAdmin(admin.ModelAdmin):
    """Resets of two-step verification, a record only (made at /accounts/mfa/reset/)."""

    list_display = ["user", "reset_at", "reset_by", "reason", "devices_removed"]
    search_fields = ["user__username", "reset_by__username"]
    readonly_fields = ["user", "reset_at", "reset_by", "reason", "devices_removed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MfaReset | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MfaReset | None = None) -> bool:
        return False
