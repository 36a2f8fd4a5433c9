"""Staff import a suggestion list (交办清单) from .xlsx: upload → preview → confirm or discard."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from proposals.access import require
from proposals.forms import SpreadsheetImportForm
from proposals.models import SpreadsheetImport
from tracker.uploads import bounded_upload
from tracker.workflow import InvalidTransition

# The preview lists every row with an error, then this many rows that are ready; the
# counts above the table cover the whole sheet (a list can hold 10,000 rows).
PREVIEW_ERROR_ROWS = 500
PREVIEW_READY_ROWS = 200
# While the worker imports a confirmed list, its page reloads itself this often; less
# often once it is stuck, so that staff can read the page and choose.
REFRESH_SECONDS = 3
STUCK_REFRESH_SECONDS = 30


def _get_import(request: HttpRequest, pk: int) -> SpreadsheetImport:
    require(request, "staff")
    queryset = SpreadsheetImport.objects.select_related(
        "session", "session__congress", "uploaded_by", "applied_by", "discarded_by"
    )
    return get_object_or_404(queryset, pk=pk)


@bounded_upload("spreadsheet")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Read the list once at upload; a file that is not one is refused here, never kept."""
    require(request, "staff")
    form = SpreadsheetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = SpreadsheetImport.stage(
                data["file"].read(),
                name=data["file"].name,
                session=data["session"],
                received_on=data["received_on"],
                assigned_on=data["assigned_on"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect(upload)
    recent = SpreadsheetImport.objects.select_related("session", "uploaded_by").defer("sheet")[:10]
    return render(request, "proposals/import_upload.html", {"form": form, "recent": recent})


@login_required
@require_safe
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an upload, checked against the data as it is now; once decided, the outcome."""
    upload = _get_import(request, pk)
    refresh = (STUCK_REFRESH_SECONDS if upload.is_stuck else REFRESH_SECONDS) if upload.is_waiting else 0
    context: dict[str, Any] = {
        "upload": upload,
        "actions": upload.actions(request.user),
        "refresh_seconds": refresh,
        "stuck_after_minutes": settings.IMPORT_STUCK_AFTER // 60,
        "staged_hours": settings.STAGED_UPLOAD_HOURS,
    }
    if upload.status == SpreadsheetImport.Status.PREVIEWED:
        preview = upload.read()
        errors = preview.error_rows
        ready = [row for row in preview.rows if row.ok]
        context.update(
            preview=preview,
            error_rows=errors[:PREVIEW_ERROR_ROWS],
            more_error_rows=max(len(errors) - PREVIEW_ERROR_ROWS, 0),
            ready_rows=ready[:PREVIEW_READY_ROWS],
            more_ready_rows=max(len(ready) - PREVIEW_READY_ROWS, 0),
            ready_count=len(ready),
            earlier=SpreadsheetImport.objects.filter(
                sha256=upload.sha256, status=SpreadsheetImport.Status.APPLIED
            )
            .defer("sheet")
            .first(),
            form=SpreadsheetImportForm(initial={"session": upload.session_id}),
        )
    return render(request, "proposals/import_preview.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the import; the preview page then follows it until it is done."""
    upload = _get_import(request, pk)
    try:
        upload.confirm(by=request.user)
    except InvalidTransition as exc:
        messages.info(request, str(exc))
    return redirect(upload)


@login_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Discard a preview, or an import no worker has finished (nothing of it is imported)."""
    upload = _get_import(request, pk)
    try:
        upload.discard(by=request.user)
    except InvalidTransition as exc:
        messages.info(request, str(exc))
        return redirect(upload)
    messages.success(request, _("The list %(name)s was discarded.") % {"name": upload.original_name})
    return redirect("proposals:import")


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a stuck import again; its page then follows it as after the confirmation."""
    upload = _get_import(request, pk)
    try:
        upload.retry(by=request.user)
    except InvalidTransition as exc:
        messages.info(request, str(exc))
    else:
        messages.success(
            request, _("The import was queued again; this page shows the result when it is done.")
        )
    return redirect(upload)
