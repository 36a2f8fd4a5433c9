from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def reply_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError

