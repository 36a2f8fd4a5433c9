from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals import recompute
from proposals.models import Category, Congress, DeadlineRule, Department, Deputy, Exclusion, Session
from tracker.mfa import forget_clerk_rule
from tracker.workflow import InvalidTransition


class RecomputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do these deadlines move?"),
        help_text=_("Recorded on each suggestion's timeline, e.g. the new rule or the published calendar."),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        max_length=2000,
    )


def recompute_deadlines(
    model_admin: admin.ModelAdmin, request: HttpRequest, congresses: QuerySet[Congress]
) -> HttpResponse | None:
    """The confirmation page of "Recompute open deadlines": the moves, then the reason;
    applied as ``manage.py recompute_deadlines --apply`` does, by the acting admin."""
    form = RecomputeForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        try:
            outcome = recompute.plan(congresses).apply(by=request.user, reason=form.cleaned_data["reason"])
        except InvalidTransition as exc:
            model_admin.message_user(request, str(exc), messages.ERROR)
            return None
        model_admin.message_user(
            request,
            gettext("Deadlines moved: %(moved)s, on %(suggestions)s suggestions.")
            % {"moved": len(outcome.moved), "suggestions": outcome.suggestions},
            messages.SUCCESS,
        )
        if outcome.stale:
            model_admin.message_user(
                request,
                gettext("%(count)s deadlines changed meanwhile and were left alone.")
                % {"count": len(outcome.stale)},
                messages.WARNING,
            )
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Recompute open deadlines"),
        "opts": model_admin.model._meta,
        "congresses": congresses,
        "plan": recompute.plan(congresses),
        "form": form,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/proposals/recompute_deadlines.html", context)


class KeepHistory:
    """Reference data is referenced by years of suggestions, letters and events: it is
    corrected or deactivated, never deleted in the admin."""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeadlineRuleInline(KeepHistory, admin.TabularInline):
    model = DeadlineRule
    extra = 0


class ExclusionInline(KeepHistory, admin.TabularInline):
    """The matters the congress does not take as suggestions (不予立案), offered to staff
    returning an online submission. A matter no longer used is switched off, not deleted."""

    model = Exclusion
    extra = 0
    can_delete = False


@admin.register(Congress)
class CongressAdmin(KeepHistory, admin.ModelAdmin):
    list_display = ("name", "short_name", "grade_scale", "number_pattern")
    inlines = [DeadlineRuleInline, ExclusionInline]
    actions = ["recompute_open_deadlines"]

    def save_model(self, request: HttpRequest, obj: Congress, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Clerks' two-step verification follows the switch at once, not after the cache's minute.
        forget_clerk_rule()

    @admin.action(description=_("Recompute open deadlines"), permissions=["change"])
    def recompute_open_deadlines(
        self, request: HttpRequest, queryset: QuerySet[Congress]
    ) -> HttpResponse | None:
        return recompute_deadlines(self, request, queryset)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(KeepHistory, admin.ModelAdmin):
    list_display = ("congress", "obligation", "count", "unit")
    list_filter = ("congress", "obligation")
    actions = ["recompute_open_deadlines"]

    @admin.action(description=_("Recompute open deadlines"), permissions=["change"])
    def recompute_open_deadlines(
        self, request: HttpRequest, queryset: QuerySet[DeadlineRule]
    ) -> HttpResponse | None:
        congresses = Congress.objects.filter(pk__in=queryset.values("congress_id"))
        return recompute_deadlines(self, request, congresses)


@admin.register(Session)
class SessionAdmin(KeepHistory, admin.ModelAdmin):
    list_display = ("name", "congress", "term", "meeting", "year", "opened_on")
    list_filter = ("congress", "year")


@admin.register(Category)
class CategoryAdmin(KeepHistory, admin.ModelAdmin):
    list_display = ("__str__", "congress")
    list_filter = ("congress",)
    search_fields = ("name",)


@admin.register(Department)
class DepartmentAdmin(KeepHistory, admin.ModelAdmin):
    list_display = ("name", "short_name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "short_name")


@admin.register(Deputy)
class DeputyAdmin(KeepHistory, admin.ModelAdmin):
    list_display = ("name", "delegation", "congress", "user", "is_active")
    list_filter = ("is_active", "congress", "delegation")
    search_fields = ("name", "delegation")
    autocomplete_fields = ("user",)
