"""The project's URLs plus /bench-admin/, a plain ModelAdmin changelist of suggestions with
the filters of the list page where the admin has one (bench/bench_list_http.py)."""

from django.contrib import admin
from django.urls import include, path

from proposals.models import Proposal

site = admin.AdminSite(name="bench_admin")


class ProposalAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "lead_deputy", "session", "status", "received_on", "next_due_on")
    list_filter = (
        "status",
        "session",
        "is_key",
        "category",
        "lead_deputy",
        "assignments__department",
        "assignments__role",
        "assignments__replies__grade",
    )
    search_fields = ("number", "title")
    list_select_related = ("lead_deputy", "session")
    ordering = ("next_due_on", "-received_on", "number")
    list_per_page = 25


site.register(Proposal, ProposalAdmin)

urlpatterns = [path("bench-admin/", site.urls), path("", include("tracker.urls"))]
