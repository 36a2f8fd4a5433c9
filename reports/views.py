"""The annual report's preview, its .docx and template, and the unit assessment.

Staff only: the report is the office's draft to the standing committee, and the
assessment compares units, which units themselves see on the statistics page only as
their own rank.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from proposals.models import Congress
from proposals.statistics import Scope
from proposals.stats_views import ScopeForm, _years
from reports import annual, assessment, document
from reports.exports import assessment_workbook
from reports.forms import AdjustmentForm, CaseForm, SchemeForm, TemplateForm
from reports.models import AssessmentAdjustment, AssessmentScheme, ReportCase, ReportTemplate
from tracker.uploads import bounded_upload
from tracker.xlsx import dated_filename, wants_xlsx, xlsx_response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_congress_staff:
        raise PermissionDenied


def _scope(data: QueryDict) -> tuple[ScopeForm, Scope]:
    form = ScopeForm(data, years=_years(), with_department=False)
    return form, form.scope()


def _back(name: str, scope: Scope) -> str:
    query = urlencode(scope.query())
    return f"{reverse(name)}?{query}" if query else reverse(name)


# -- the annual report --------------------------------------------------------------


@login_required
@require_safe
def annual_report(request: HttpRequest) -> HttpResponse:
    """The report's figures, each a link to the suggestions it counts, and its cases."""
    _require_staff(request)
    form, scope = _scope(request.GET)
    report = annual.build(scope)
    context = {
        "form": form,
        "report": report,
        "figures": report.figures(),
        "rows": report.rows(),
        "case_form": CaseForm(scope=scope),
        "scope_query": urlencode(scope.query()),
        "template": ReportTemplate.current_for(report.congress),
    }
    return render(request, "reports/annual_report.html", context)


@login_required
@require_safe
def annual_report_docx(request: HttpRequest) -> HttpResponse:
    """The report as a .docx from the congress's template (else the default one)."""
    _require_staff(request)
    _form, scope = _scope(request.GET)
    report = annual.build(scope, recurring=True)
    template = ReportTemplate.current_for(report.congress)
    try:
        if template is not None:
            with template.file.open("rb") as source:
                content = document.render(report.context(), source)
        else:
            content = document.render(report.context())
    except (document.TemplateProblem, OSError) as error:
        messages.error(request, _("The report could not be generated: %(error)s") % {"error": error})
        return redirect(_back("reports:annual", scope))
    name = _("Annual report")
    filename = f"{name}-{report.label}-{report.today.isoformat()}.docx"
    response = xlsx_response(content, filename)  # the same RFC 5987 filename handling
    response["Content-Type"] = DOCX
    return response


@login_required
@require_POST
def case_add(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    _form, scope = _scope(request.POST)
    form = CaseForm(request.POST, scope=scope)
    if form.is_valid():
        try:
            with transaction.atomic():
                ReportCase.objects.create(
                    proposal=form.cleaned_data["number"],
                    text=form.cleaned_data["text"],
                    added_by=request.user,
                )
        except IntegrityError:  # picked by someone else a moment ago (one current case per suggestion)
            messages.error(request, _("This suggestion is already a case."))
        else:
            messages.success(request, _("The case is added to the report."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_back("reports:annual", scope) + "#cases")


@login_required
@require_POST
def case_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    case = get_object_or_404(ReportCase.objects.select_related("proposal__session"), pk=pk)
    if case.remove(by=request.user):
        messages.success(request, _("The case is taken out of the report."))
    else:
        messages.info(request, _("This case was already taken out."))
    _form, scope = _scope(request.POST)
    return redirect(_back("reports:annual", scope) + "#cases")


# -- the template --------------------------------------------------------------------


@login_required
@bounded_upload("default")
def report_template(request: HttpRequest) -> HttpResponse:
    """Upload a congress's own template; it is rendered once before it is kept."""
    _require_staff(request)
    if request.method == "POST":
        form = TemplateForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                document.render(annual.sample_context(), upload)
            except document.TemplateProblem as error:
                form.add_error("file", str(error))
            else:
                upload.seek(0)
                ReportTemplate.objects.create(
                    congress=form.cleaned_data["congress"],
                    file=upload,
                    original_name=upload.name[:200],
                    uploaded_by=request.user,
                )
                messages.success(request, _("The template is in use for this congress's annual reports."))
                return redirect("reports:template")
    elif request.method in ("GET", "HEAD"):
        form = TemplateForm()
    else:
        return HttpResponse(status=405)
    templates = ReportTemplate.objects.select_related("congress", "uploaded_by", "set_aside_by")[:50]
    return render(
        request,
        "reports/template.html",
        {"form": form, "templates": templates},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def default_template(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return FileResponse(
        document.DEFAULT_TEMPLATE.open("rb"),
        as_attachment=True,
        filename="annual_report.docx",
        content_type=DOCX,
    )


@login_required
@require_safe
def template_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    template = get_object_or_404(ReportTemplate, pk=pk)
    try:
        source = template.file.open("rb")
    except OSError as error:
        raise Http404 from error  # the file is gone from storage
    return FileResponse(source, as_attachment=True, filename=template.original_name, content_type=DOCX)


@login_required
@require_POST
def template_set_aside(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop using an uploaded template (it stays listed); the one before it, or the default, applies."""
    _require_staff(request)
    template = get_object_or_404(ReportTemplate, pk=pk)
    updated = ReportTemplate.objects.filter(pk=template.pk, set_aside_at=None).update(
        set_aside_at=timezone.now(), set_aside_by=request.user
    )
    if updated:
        messages.success(request, _("The template is no longer used."))
    return redirect("reports:template")


# -- the assessment --------------------------------------------------------------------


@login_required
@require_safe
def assessment_page(request: HttpRequest) -> HttpResponse:
    """Each unit's score with its components, the counts behind them and the adjustments."""
    _require_staff(request)
    form, scope = _scope(request.GET)
    congress = annual.congress_of(scope)
    scheme = AssessmentScheme.for_congress(congress)
    units = assessment.score(scope, scheme)
    if wants_xlsx(request):
        name = _("Assessment") + f"-{annual.scope_label(scope)}"
        return xlsx_response(assessment_workbook(units, scheme), dated_filename(name))
    can_adjust = scope.year is not None or scope.session is not None
    context = {
        "form": form,
        "scope": scope,
        "scope_label": annual.scope_label(scope),
        "scope_query": urlencode(scope.query()),
        "congress": congress,
        "scheme": scheme,
        "scheme_form": SchemeForm(instance=scheme),
        "scheme_changes": list(scheme.changes.select_related("changed_by")[:5]) if scheme.pk else [],
        "adjust_form": AdjustmentForm() if can_adjust else None,
        "units": units,
        "explain": [
            (assessment.component_labels()[key], assessment.component_bases()[key])
            for key in assessment.COMPONENTS
        ],
    }
    return render(request, "reports/assessment.html", context)


@login_required
@require_POST
def assessment_scheme(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a congress's weights (pk: the congress)."""
    _require_staff(request)
    congress = get_object_or_404(Congress, pk=pk)
    _form, scope = _scope(request.POST)
    form = SchemeForm(request.POST, instance=AssessmentScheme.for_congress(congress))
    if form.is_valid():
        # The form validated a copy; the change is applied to the row as it is now, locked.
        scheme = AssessmentScheme.for_congress(congress)
        if scheme.change(form.cleaned_data, by=request.user) is None:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(request, _("The scoring scheme is saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_back("reports:assessment", scope))


@login_required
@require_POST
def assessment_adjust(request: HttpRequest) -> HttpResponse:
    """Record points added to or taken from a unit's score, with the reason."""
    _require_staff(request)
    _form, scope = _scope(request.POST)
    form = AdjustmentForm(request.POST)
    if scope.year is None and scope.session is None:
        messages.error(request, _("Choose a year or a session before adjusting a score."))
    elif form.is_valid():
        AssessmentAdjustment.objects.create(
            year=scope.year,
            session=scope.session,
            department=form.cleaned_data["department"],
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            created_by=request.user,
        )
        messages.success(request, _("The adjustment is recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_back("reports:assessment", scope) + "#adjustments")
