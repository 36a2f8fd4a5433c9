"""One search box for suggestions and replies (issue 6)."""

from __future__ import annotations

app_name = "search"

urlpatterns: list = []
