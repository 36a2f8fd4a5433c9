from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from tracker.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Department"), {"fields": ("department", "phone")}),
    )
    list_display = ("username", "last_name", "first_name", "department", "is_active")
    list_filter = ("groups", "department", "is_active")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
