"""How every POST-only action view reports its outcome.

A view validates its form, runs one model transition and redirects; what the user
gets back is a message: field errors, the transition's refusal, or the success text.
A refused move is never a 500 and leaves nothing changed (the transition is atomic).

Action forms post back the state their page showed (``{% state_input obj %}``): when
the record has moved on since, the user is told someone else handled it and to reload,
instead of the step being applied to a state they never saw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Model
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tracker.workflow import InvalidTransition, stale_message, state_of

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl  # a Protocol of django-stubs


def form_errors(form: Form) -> str:
    """A form's errors as one line for a message, each prefixed with its field's label."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return " ".join(parts)


def perform(
    request: HttpRequest,
    action: Callable[[dict[str, Any]], object],
    *,
    success: str | Callable[[dict[str, Any]], str],
    then: SupportsGetAbsoluteUrl | str,
    form: Form | None = None,
    fresh: Model | None = None,
) -> HttpResponse:
    """Validate ``form`` (if any), run ``action(cleaned_data)``, message the outcome, redirect.

    ``fresh``: the workflow object whose state the page posted back as ``state``."""
    if fresh is not None and not is_fresh(request, fresh):
        messages.error(request, stale_message(fresh))
        return redirect(then)
    if form is not None and not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(then)
    data = form.cleaned_data if form is not None else {}
    try:
        action(data)
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(data) if callable(success) else success)
    return redirect(then)


def is_fresh(request: HttpRequest, obj: Model) -> bool:
    """False when the page posted a state the object is no longer in."""
    seen = request.POST.get("state")
    return seen is None or seen == state_of(obj)
