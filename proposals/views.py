from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def proposal_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def proposal_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def queue(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def my_proposals(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def proposal_detail(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def proposal_assign(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def proposal_close(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def assignment_accept(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def assignment_request_change(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def assignment_decide_change(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def assignment_extend(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError


def assignment_add_contact(request: HttpRequest, pk: int | None = None) -> HttpResponse:  # placeholder
    raise NotImplementedError

