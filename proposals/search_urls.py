"""One search box for suggestions and replies (issue 6)."""

from __future__ import annotations

from django.urls import path

from proposals import search_views

app_name = "search"

urlpatterns = [
    path("", search_views.search, name="search"),
]
