"""The public site: replies published as 主动公开, readable without signing in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from responses.filters import PublicReplyFilter
from responses.models import Reply, ReplyQuerySet
from responses.views import letter_context
from tracker.paging import paginate

PAGE_SIZE = 20


def _published() -> ReplyQuerySet:
    return Reply.objects.published().select_related(
        "assignment__department",
        "assignment__proposal",
        "assignment__proposal__session",
        "assignment__proposal__lead_deputy",
    )


@require_safe
def reply_list(request: HttpRequest) -> HttpResponse:
    queryset = _published().defer("body", "assignment__proposal__body").order_by("-sent_on", "-pk")
    reply_filter = PublicReplyFilter(request.GET, queryset=queryset)
    return render(
        request,
        "public/reply_list.html",
        {"filter": reply_filter, **paginate(request, reply_filter.qs, per_page=PAGE_SIZE)},
    )


@require_safe
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Drafts, replies not published and unknown ids are all the same 404.
    reply = get_object_or_404(_published(), pk=pk)
    return render(request, "public/reply_detail.html", letter_context(reply))
