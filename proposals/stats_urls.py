"""The statistics dashboard (issue 6)."""

from __future__ import annotations

from django.urls import path

from proposals import stats_views

app_name = "stats"

urlpatterns = [
    path("", stats_views.dashboard, name="dashboard"),
]
