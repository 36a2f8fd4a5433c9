from __future__ import annotations

from django.contrib import admin

from proposals.models import Category, Congress, DeadlineRule, Department, Deputy, Session


class DeadlineRuleInline(admin.TabularInline):
    model = DeadlineRule
    extra = 0


@admin.register(Congress)
class CongressAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "grade_scale", "number_pattern")
    inlines = [DeadlineRuleInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("name", "congress", "term", "meeting", "year", "opened_on")
    list_filter = ("congress", "year")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "congress")
    list_filter = ("congress",)
    search_fields = ("name",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "short_name")

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Departments are referenced by years of records; deactivate instead.
        return False


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ("name", "delegation", "congress", "user")
    list_filter = ("congress", "delegation")
    search_fields = ("name", "delegation")
    autocomplete_fields = ("user",)
