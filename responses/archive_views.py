"""Staff import reply letters into the archive (upload → preview → confirm), and read it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from proposals.access import require
from responses.forms import MultipleFileField, MultipleFileInput
from responses.letter_import import (
    LetterPreview,
    TooManyLetters,
    Upload,
    UploadRefused,
    apply_import,
    discard_import,
    preview_batch,
    role_label,
    stage_upload,
)
from responses.models import ArchivedLetter, LetterImport
from tracker.paging import paginate
from tracker.params import query_text
from tracker.uploads import bounded_upload
from tracker.workflow import InvalidTransition

# Letters one upload on the page may hold: its preview reads them all in one request
# (about 5 s per 1,000 on the project's machines; bench/bench_letter_import.py).
WEB_MAX_LETTERS = 1000


class LetterUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Reply letters"),
        widget=MultipleFileInput(attrs={"accept": ".txt,.docx,.zip"}),
        help_text=_(
            "Plain text (.txt) or Word (.docx) letters, several at once, or a .zip of them. "
            "Nothing is imported until you confirm the preview."
        ),
    )


@bounded_upload("letters")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def letter_import_upload(request: HttpRequest) -> HttpResponse:
    """Every file is checked by its content at upload; a refused upload is not kept."""
    require(request, "staff")
    form = LetterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploads = [Upload(name=f.name, data=f.read()) for f in form.cleaned_data["files"]]
        try:
            batch = stage_upload(uploads, by=request.user, max_letters=WEB_MAX_LETTERS)
        except UploadRefused as exc:
            form.add_error("files", exc.reasons)
        except TooManyLetters as exc:
            form.add_error("files", str(exc))
        else:
            return redirect(batch)
    recent = LetterImport.objects.select_related("created_by", "decided_by")[:10]
    return render(request, "responses/letter_import_upload.html", {"form": form, "recent": recent})


@login_required
@require_safe
def letter_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an upload; once confirmed, what it imported."""
    require(request, "staff")
    batch = get_object_or_404(LetterImport.objects.select_related("created_by", "decided_by"), pk=pk)
    context: dict[str, Any] = {
        "batch": batch,
        "actions": batch.actions(request.user),
        "staged_hours": settings.STAGED_UPLOAD_HOURS,
    }
    if batch.status == LetterImport.Status.PREVIEWED:
        summary = preview_batch(batch)
        order = {LetterPreview.FAILED: 0, LetterPreview.NEW: 1, LetterPreview.UNCHANGED: 2}
        context["summary"] = summary
        context["letters"] = sorted(summary.letters, key=lambda letter: order[letter.outcome])
    else:
        context["archived"] = (
            ArchivedLetter.objects.filter(source__batch=batch)
            .select_related("proposal", "department", "reply", "source")
            .order_by("number", "pk")
        )
    return render(request, "responses/letter_import_preview.html", context)


@login_required
@require_POST
def letter_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "staff")
    batch = get_object_or_404(LetterImport, pk=pk)
    try:
        summary = apply_import(batch, by=request.user)
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext(
                "%(new)d letters archived; %(unchanged)d were already there; %(failed)d could not be read."
            )
            % {"new": summary.new, "unchanged": summary.unchanged, "failed": summary.failed},
        )
    return redirect(batch)


@login_required
@require_POST
def letter_import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "staff")
    batch = get_object_or_404(LetterImport, pk=pk)
    try:
        discard_import(batch, by=request.user)
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The upload was discarded; nothing was imported."))
    return redirect("responses:letter_import_upload")


@login_required
@require_safe
def archived_letter_list(request: HttpRequest) -> HttpResponse:
    require(request, "staff")
    letters = ArchivedLetter.objects.select_related("proposal", "department", "reply")
    query = query_text(request, "q")
    if query:
        letters = letters.filter(
            Q(number__startswith=query) | Q(title__icontains=query) | Q(signed_by__icontains=query)
        )
    unlinked = request.GET.get("unlinked") == "1"
    if unlinked:
        letters = letters.filter(proposal__isnull=True)
    context: dict[str, Any] = {"query": query, "unlinked": unlinked}
    context.update(paginate(request, letters, per_page=50, max_per_page=200))
    return render(request, "responses/archived_letter_list.html", context)


def _get_letter(request: HttpRequest, pk: int) -> ArchivedLetter:
    queryset = ArchivedLetter.objects.visible_to(request.user).select_related(
        "proposal", "department", "reply", "source", "imported_by"
    )
    return get_object_or_404(queryset, pk=pk)


@login_required
@require_safe
def archived_letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _get_letter(request, pk)
    fields = letter.fields
    departments = [(d.get("name", ""), role_label(d.get("role", ""))) for d in fields.get("departments", [])]
    context = {"letter": letter, "fields": fields, "departments": departments}
    return render(request, "responses/archived_letter_detail.html", context)


@login_required
@require_safe
def archived_letter_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter's file exactly as it was uploaded."""
    letter = _get_letter(request, pk)
    response = FileResponse(
        letter.source.file.open("rb"),
        as_attachment=True,
        filename=letter.source.original_name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
