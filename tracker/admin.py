from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from tracker.models import ApiToken, MfaReset, OutboxMessage, User
from tracker.security import password_changed


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Department"), {"fields": ("department", "phone")}),
    )
    list_display = ("username", "last_name", "first_name", "department", "is_active")
    list_filter = ("groups", "department", "is_active")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """The admin's password form; a changed password revokes the user's API tokens."""
        user = self.get_object(request, id)
        before = user.password if user else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != before:
                assert isinstance(request.user, User)
                password_changed(user, by=request.user)
        return response


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

    list_display = ["task", "args", "created_at", "published_at", "attempts", "last_error"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "task"]
    readonly_fields = ["task", "args", "created_at", "published_at", "attempts", "last_error"]

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
