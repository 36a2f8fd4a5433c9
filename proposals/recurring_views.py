"""The staff page of recurring subjects (年年提): subjects raised several years running."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from proposals.access import require
from proposals.models import Congress, Session
from proposals.recurring import recurring_subjects
from tracker.params import query_int


@login_required
@require_safe
def recurring_list(request: HttpRequest) -> HttpResponse:
    require(request, "staff")
    congresses = list(Congress.objects.order_by("name"))
    chosen = query_int(request, "congress", minimum=1, maximum=2**31 - 1)
    congress = next((c for c in congresses if c.pk == chosen), congresses[0] if congresses else None)
    years = sorted(
        set(Session.objects.filter(congress=congress).values_list("year", flat=True).distinct()), reverse=True
    )
    year = query_int(request, "year", minimum=1949, maximum=2999) or (years[0] if years else None)
    min_years = query_int(request, "min_years", minimum=2, maximum=20) or 3
    subjects = recurring_subjects(congress, year, min_years) if congress and year else []
    return render(
        request,
        "proposals/recurring_list.html",
        {
            "congresses": congresses,
            "congress": congress,
            "years": years,
            "year": year,
            "min_years": min_years,
            "subjects": subjects,
        },
    )
