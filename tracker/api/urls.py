"""The versioned REST API (issue 6)."""

from __future__ import annotations

app_name = "api"

urlpatterns: list = []
