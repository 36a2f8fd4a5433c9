"""Publishing replies (上网公开): the staff queue with the publication rate, and each
reply's publication page, where the unit proposes and staff decide after seeing what
the redaction step removed beside the text to be published."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from proposals.models import Session
from responses.forms import ProposePublicationForm, PublicationReasonForm, PublishForm
from responses.models import Publication, PublicationQuerySet, publication_rates
from tracker.actions import perform
from tracker.paging import paginate
from tracker.params import query_int, query_text
from tracker.privacy import MARKERS, highlighted

if TYPE_CHECKING:
    from tracker.models import User

PAGE_SIZE = 50


def _visible(user: User) -> PublicationQuerySet:
    return Publication.objects.visible_to(user).select_related(
        "reply__assignment__department",
        "reply__assignment__proposal__session",
        "reply__assignment__proposal__congress",
    )


def get_publication_for_user(request: HttpRequest, pk: int, *actions: str) -> Publication:
    """The publication, 404 for those who may not see it, 403 for those who may see it
    but never take ``actions``."""
    publication = get_object_or_404(
        _visible(request.user).select_related("reply__assignment__proposal__lead_deputy", "decided_by"), pk=pk
    )
    if actions and not any(publication.workflow[a].permits(request.user, publication) for a in actions):
        raise PermissionDenied
    return publication


@login_required
@require_safe
def publication_list(request: HttpRequest) -> HttpResponse:
    """The publication queue: staff see every unit's, a unit its own; with the 上网率."""
    user = request.user
    if not (user.is_congress_staff or user.is_department_user):
        raise PermissionDenied
    publications = _visible(user)
    sessions = list(Session.objects.select_related("congress").order_by("-year", "name"))
    year = query_int(request, "year", minimum=1949, maximum=2999)
    if year is not None:
        publications = publications.filter(reply__sent_on__year=year)
    status = query_text(request, "status")
    listed = publications.filter(status=status) if status in Publication.Status.values else publications
    today = timezone.localdate()
    return render(
        request,
        "responses/publication_list.html",
        {
            "rates": publication_rates(publications, today=today),
            "statuses": Publication.Status.choices,
            "status": status,
            "years": sorted({s.year for s in sessions}, reverse=True),
            "year": year,
            "today": today,
            **paginate(request, listed.order_by("status", "due_on", "pk"), per_page=PAGE_SIZE),
        },
    )


@login_required
@require_safe
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_publication_for_user(request, pk)
    actions = publication.actions(request.user)
    form = query_text(request, "form")
    if form not in (Publication.Form.FULL, Publication.Form.SUMMARY):
        form = publication.form or (
            Publication.Form.SUMMARY
            if publication.proposed_form == Publication.Form.SUMMARY
            else Publication.Form.FULL
        )
    redaction = publication.redaction(form)
    reply = publication.reply
    return render(
        request,
        "responses/publication_detail.html",
        {
            "publication": publication,
            "reply": reply,
            "proposal": reply.assignment.proposal,
            "actions": actions,
            "form_shown": form,
            "redaction": redaction,
            "pieces": highlighted(redaction),
            "markers": MARKERS,
            "propose_form": ProposePublicationForm(
                initial={
                    "form": publication.proposed_form,
                    "summary": publication.proposed_summary,
                    "reason": publication.proposed_reason,
                }
            ),
            "publish_form": PublishForm(initial={"form": form, "text": redaction.text}),
            "reason_form": PublicationReasonForm(),
        },
    )


@login_required
@require_POST
def publication_propose(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_publication_for_user(request, pk, "propose")
    return perform(
        request,
        lambda d: publication.propose(d["form"], by=request.user, summary=d["summary"], reason=d["reason"]),
        form=ProposePublicationForm(request.POST),
        success=_("Your proposal was sent to congress staff."),
        then=publication,
        fresh=publication,
    )


@login_required
@require_POST
def publication_publish(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_publication_for_user(request, pk, "publish")
    return perform(
        request,
        lambda d: publication.publish(d["form"], d["text"], by=request.user),
        form=PublishForm(request.POST),
        success=_("The reply is published on the public site."),
        then=publication,
        fresh=publication,
    )


@login_required
@require_POST
def publication_withhold(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_publication_for_user(request, pk, "withhold")
    return perform(
        request,
        lambda d: publication.withhold(by=request.user, reason=d["reason"]),
        form=PublicationReasonForm(request.POST),
        success=_("The reply is withheld from publication."),
        then=publication,
        fresh=publication,
    )


@login_required
@require_POST
def publication_reconsider(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_publication_for_user(request, pk, "reconsider")
    return perform(
        request,
        lambda d: publication.reconsider(by=request.user, reason=d["reason"]),
        form=PublicationReasonForm(request.POST),
        success=_("The publication decision is reopened."),
        then=publication,
        fresh=publication,
    )
