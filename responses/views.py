from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def opinion_submit(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_submit(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_approve(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_return(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def reply_regrade(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def feedback_give(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def feedback_decide(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError

