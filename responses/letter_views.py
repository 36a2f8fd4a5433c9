"""Downloads of a sent reply as the formal letter: Word (.docx) and PDF."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from responses.access import get_reply_for_user
from responses.letters.docx import letter_docx, letter_filename
from responses.letters.pdf import LetterRenderError, letter_pdf
from responses.models import Reply

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"


def _sent_reply_for_user(request: HttpRequest, pk: int) -> Reply:
    """Whoever may read the reply page; a draft has no letter yet, so it is a 404."""
    reply = get_reply_for_user(request, pk)
    if reply.status != Reply.Status.SENT:
        raise Http404("The reply has not been sent.")
    return reply


def _attachment(data: bytes, reply: Reply, ext: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # RFC 6266/5987: the Chinese name in filename*, an ASCII name for old clients.
    fallback = re.sub(r"[^A-Za-z0-9_-]", "", reply.assignment.proposal.number) or str(reply.pk)
    response["Content-Disposition"] = (
        f'attachment; filename="{fallback}-reply-letter.{ext}"; '
        f"filename*=UTF-8''{quote(letter_filename(reply, ext))}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf_response(request: HttpRequest, reply: Reply, *, show_phones: bool) -> HttpResponse:
    try:
        data = letter_pdf(reply, show_phones=show_phones)
    except LetterRenderError as error:
        return render(request, "responses/letter_unavailable.html", {"message": str(error)}, status=503)
    return _attachment(data, reply, "pdf", PDF_TYPE)


@login_required
@require_safe
def reply_docx(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _sent_reply_for_user(request, pk)
    show_phones = reply.assignment.proposal.may_see_phones(request.user)
    return _attachment(letter_docx(reply, show_phones=show_phones), reply, "docx", DOCX_TYPE)


@login_required
@require_safe
def reply_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _sent_reply_for_user(request, pk)
    return _pdf_response(request, reply, show_phones=reply.assignment.proposal.may_see_phones(request.user))


@require_safe
def public_reply_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The public site: only replies published as 主动公开 (others are the same 404)."""
    reply = get_object_or_404(
        Reply.objects.published()
        # A summary is published instead of the letter: no letter to download.
        .filter(publication__form="full")
        .select_related(
            "publication",
            "assignment__department",
            "assignment__proposal__session",
            "assignment__proposal__lead_deputy",
        ),
        pk=pk,
    )
    return _pdf_response(request, reply.publication.public_copy(), show_phones=False)
