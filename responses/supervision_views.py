"""The supervision pages (重点督办): the board, a theme, its activities, actions and report.

Who sees what: congress staff every theme and run them; a theme's supervising leader
their themes, read-only; a unit the themes it takes part in, with only its own
suggestions and its own agreed actions (the activities, being joint meetings, in full).
Deputies follow their suggestions on their own pages, not in the office's supervision
files: a theme page answers them 404.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from proposals.access import require_action
from proposals.models import Proposal
from responses.letters.supervision import report_docx, report_filename
from responses.models import (
    ActivityFile,
    Commitment,
    Reply,
    SupervisionAction,
    SupervisionActivity,
    SupervisionEvent,
    SupervisionMilestone,
    SupervisionTheme,
)
from responses.supervision_forms import (
    ActionForm,
    ActionReopenForm,
    ActionReportForm,
    ActivityForm,
    AddSuggestionsForm,
    MilestoneDoneForm,
    MilestoneForm,
    RemoveSuggestionForm,
    ReportForm,
    ThemeForm,
)
from tracker.actions import form_errors, perform
from tracker.uploads import bounded_upload
from tracker.workflow import InvalidTransition

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get_theme_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> SupervisionTheme:
    """The theme if the user may see it (404 otherwise); ``manage``: 403 unless staff."""
    queryset = SupervisionTheme.objects.visible_to(request.user).select_related(
        "congress", "lead_department", "supervisor", "created_by"
    )
    theme = get_object_or_404(queryset, pk=pk)
    if manage and not theme.may_manage(request.user):
        raise PermissionDenied
    return theme


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_congress_staff:
        raise PermissionDenied


@login_required
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    """Every theme the user may see, with progress and what is late; the leader's own first."""
    user = request.user
    themes = list(
        SupervisionTheme.objects.visible_to(user)
        .select_related("lead_department", "supervisor", "report")
        .prefetch_related("memberships__proposal", "actions", "milestones")
        .order_by("-year", "pk")
    )
    today = timezone.localdate()
    rows = [{"theme": t, "progress": t.progress(today)} for t in themes]
    mine = [row for row in rows if row["theme"].supervisor_id == user.pk]
    if not rows and not user.is_congress_staff and not user.is_department_user:
        raise PermissionDenied
    # A unit's own agreed actions still to do, soonest first: what it is reminded of.
    own_actions = (
        SupervisionAction.objects.filter(
            department_id=user.department_id, status=SupervisionAction.Status.OPEN
        )
        .select_related("theme", "proposal")
        .order_by("due_on", "pk")
        if user.is_department_user
        else []
    )
    return render(
        request,
        "responses/supervision_board.html",
        {
            "rows": rows,
            "mine": mine,
            "own_actions": own_actions,
            "may_create": user.is_congress_staff,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def theme_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            theme = form.save(commit=False)
            theme.created_by = request.user
            theme.save()
            form.save_m2m()
            theme.record(SupervisionEvent.Kind.CREATED, by=request.user, title=theme.title)
        messages.success(request, _("The theme is created. Add its suggestions."))
        return redirect(theme)
    return render(request, "responses/supervision_form.html", {"form": form, "theme": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk, manage=True)
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            changed = sorted(form.changed_data)
            theme = form.save(commit=False)
            theme.updated_at = timezone.now()
            theme.save()
            form.save_m2m()
            theme.record(SupervisionEvent.Kind.EDITED, by=request.user, fields=changed)
        messages.success(request, _("The theme is saved."))
        return redirect(theme)
    return render(request, "responses/supervision_form.html", {"form": form, "theme": theme})


@login_required
@require_safe
def theme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A theme: its plan, every suggestion's state, replies and promises, activities, actions."""
    theme = get_theme_for_user(request, pk)
    user = request.user
    manager = theme.may_manage(user)
    # A unit reads only its own part: its suggestions and its actions.
    own_unit = None if (manager or theme.supervisor_id == user.pk) else user.department_id
    memberships = list(theme.active_suggestions().select_related("proposal__lead_deputy"))
    if own_unit is not None:
        visible = set(
            Proposal.objects.visible_to(user)
            .filter(pk__in=[m.proposal_id for m in memberships])
            .values_list("pk", flat=True)
        )
        memberships = [m for m in memberships if m.proposal_id in visible]
    proposal_ids = [m.proposal_id for m in memberships]
    replies = defaultdict(list)
    for reply in (
        Reply.objects.sent()
        .filter(assignment__proposal_id__in=proposal_ids)
        .select_related("assignment__department")
        .prefetch_related(
            Prefetch("commitments", queryset=Commitment.objects.exclude(status=Commitment.Status.REMOVED))
        )
        .order_by("sent_on", "pk")
    ):
        replies[reply.assignment.proposal_id].append(reply)
    for membership in memberships:
        membership.replies = replies[membership.proposal_id]  # type: ignore[attr-defined]
    actions = theme.actions.select_related("department", "proposal").order_by("due_on", "pk")
    if own_unit is not None:
        actions = actions.filter(department_id=own_unit)
    by_activity = defaultdict(list)
    for action in actions:
        action.allowed = action.actions(user)  # type: ignore[attr-defined]
        by_activity[action.activity_id].append(action)
    activities = list(theme.activities.prefetch_related("files").select_related("recorded_by"))
    for activity in activities:
        activity.agreed_actions = by_activity[activity.pk]  # type: ignore[attr-defined]
    context = {
        "theme": theme,
        "manager": manager,
        "own_unit": own_unit,
        # A supervising leader without a staff or unit account reads the theme, not the files.
        "link_suggestions": manager or own_unit is not None,
        "memberships": memberships,
        "removed": theme.memberships.exclude(removed_at=None).select_related("proposal", "removed_by")
        if manager
        else [],
        "activities": activities,
        "milestones": list(theme.milestones.all()),
        "departments": theme.departments(),
        "other_departments": theme.other_departments.all(),
        "staff": theme.staff.all(),
        "events": theme.events.select_related("actor") if own_unit is None else [],
        "progress": theme.progress(),
        "report": theme.report_or_draft() if own_unit is None else None,
        "today": timezone.localdate(),
        "add_form": AddSuggestionsForm(theme=theme) if manager else None,
        "remove_form": RemoveSuggestionForm(theme=theme) if manager and memberships else None,
        "milestone_form": MilestoneForm() if manager else None,
        "done_form": MilestoneDoneForm(initial={"done_on": timezone.localdate()}) if manager else None,
        "action_form": ActionForm(theme=theme, auto_id="id_action_%s") if manager else None,
        "report_form": ActionReportForm(auto_id="id_report_%s"),
        "reopen_form": ActionReopenForm(auto_id="id_reopen_%s"),
    }
    return render(request, "responses/supervision_theme.html", context)


@login_required
@require_POST
def suggestions_add(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk, manage=True)
    return perform(
        request,
        lambda d: theme.add_suggestions(d["numbers"], by=request.user),
        success=lambda d: _("%(count)s suggestion(s) in the theme.") % {"count": len(d["numbers"])},
        then=theme,
        form=AddSuggestionsForm(request.POST, theme=theme),
    )


@login_required
@require_POST
def suggestion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk, manage=True)
    return perform(
        request,
        lambda d: theme.remove_suggestion(d["membership"], by=request.user, reason=d["reason"]),
        success=_("The suggestion left the theme; it stays on record."),
        then=theme,
        form=RemoveSuggestionForm(request.POST, theme=theme),
    )


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk, manage=True)
    return perform(
        request,
        lambda d: theme.add_milestone(by=request.user, title=d["title"], due_on=d["due_on"]),
        success=_("The milestone is added to the plan."),
        then=theme,
        form=MilestoneForm(request.POST),
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(SupervisionMilestone, pk=pk)
    theme = get_theme_for_user(request, milestone.theme_id, manage=True)
    milestone.theme = theme
    return perform(
        request,
        lambda d: milestone.mark_done(by=request.user, done_on=d["done_on"]),
        success=_("The milestone is marked done."),
        then=theme,
        form=MilestoneDoneForm(request.POST),
    )


@bounded_upload("evidence")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a meeting, site visit or hearing, with its files."""
    theme = get_theme_for_user(request, pk, manage=True)
    form = ActivityForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("files") or []
            try:
                theme.record_activity(by=request.user, files=files, **data)
            except InvalidTransition as exc:  # a file refused by its content
                form.add_error("files", str(exc))
            else:
                messages.success(request, _("The activity is recorded. Add the actions agreed there."))
                return redirect(theme.get_absolute_url() + "#activities")
        messages.error(request, form_errors(form))
    return render(request, "responses/supervision_activity_form.html", {"form": form, "theme": theme})


@login_required
@require_safe
def activity_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActivityFile.objects.select_related("activity"), pk=pk)
    get_theme_for_user(request, item.activity.theme_id)
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(SupervisionActivity, pk=pk)
    theme = get_theme_for_user(request, activity.theme_id, manage=True)
    activity.theme = theme
    return perform(
        request,
        lambda d: activity.agree_action(by=request.user, **d),
        success=_("The action is agreed; the unit is reminded of it like any other deadline."),
        then=theme.get_absolute_url() + "#activities",
        form=ActionForm(request.POST, theme=theme),
    )


def _get_action(request: HttpRequest, pk: int, *names: str) -> SupervisionAction:
    action = get_object_or_404(SupervisionAction.objects.select_related("department"), pk=pk)
    theme = get_theme_for_user(request, action.theme_id)
    action.theme = theme
    require_action(request, action, *names)
    return action


@login_required
@require_POST
def action_report(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_action(request, pk, "report")
    return perform(
        request,
        lambda d: action.report_done(by=request.user, report=d["report"]),
        success=_("Reported done; congress staff will confirm it."),
        then=action.get_absolute_url(),
        form=ActionReportForm(request.POST),
        fresh=action,
    )


@login_required
@require_POST
def action_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_action(request, pk, "confirm")
    return perform(
        request,
        lambda _d: action.confirm(by=request.user),
        success=_("Confirmed: the action is done."),
        then=action.get_absolute_url(),
        fresh=action,
    )


@login_required
@require_POST
def action_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_action(request, pk, "reopen")
    return perform(
        request,
        lambda d: action.reopen(by=request.user, reason=d["reason"]),
        success=_("Sent back to the unit; the action is open again."),
        then=action.get_absolute_url(),
        form=ActionReopenForm(request.POST),
        fresh=action,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The special report: assembled from the record, edited by staff until finalised."""
    theme = get_theme_for_user(request, pk)
    if theme.supervisor_id != request.user.pk and not theme.may_manage(request.user):
        raise PermissionDenied
    report = theme.report_or_draft()
    allowed = report.actions(request.user)
    form = ReportForm(
        request.POST or None,
        initial={"title": report.title, "body": report.body, "signed_by": report.signed_by},
    )
    if request.method == "POST":
        require_action(request, report, "edit")
        return perform(
            request,
            lambda d: theme.open_report(by=request.user).edit(by=request.user, **d),
            success=_("The report is saved."),
            then=request.path,
            form=form,
        )
    return render(
        request,
        "responses/supervision_report.html",
        {"theme": theme, "report": report, "form": form if "edit" in allowed else None, "allowed": allowed},
    )


@login_required
@require_POST
def report_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk, manage=True)
    return perform(
        request,
        lambda _d: theme.open_report(by=request.user).finalise(by=request.user),
        success=_("The report is final; it can no longer be changed."),
        then=theme,
    )


@login_required
@require_safe
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk)
    if theme.supervisor_id != request.user.pk and not theme.may_manage(request.user):
        raise PermissionDenied
    report = theme.report_or_draft()
    response = HttpResponse(report_docx(report), content_type=DOCX_TYPE)
    fallback = re.sub(r"[^A-Za-z0-9_-]", "", f"theme-{theme.pk}") + "-report.docx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(report_filename(report))}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
