"""The statistics dashboard (issue 6)."""

from __future__ import annotations

app_name = "stats"

urlpatterns: list = []
