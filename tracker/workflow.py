"""The workflow core: transition tables, "what may this user do here now", guarded writes.

Every workflow model (suggestion, assignment, reply, commitment, feedback, imports)
declares one ``Workflow``: a table of ``Transition`` rows, each naming the states it
starts from, the state it leads to, who may take it and the guards that must hold.
The table is the one place a rule lives:

- ``obj.actions(user)`` (``Workflow.allowed``) answers which actions this user may take
  on this object now; pages, the API and notices ask it instead of re-deriving it;
- the transition method checks the same row (``Workflow.check``) and then writes through
  ``guarded_update``: a conditional UPDATE on the state the check saw, inside the
  transaction that writes the event. Of two requests that race, the second finds the
  state moved and gets ``Conflict`` (a message asking to reload), never a second event.

Imports run one way, responses → proposals → tracker; this module imports neither app.
The reminder ledger (responses) follows the deadlines of proposals' rows through
``deadlines_changed``, which proposals calls and responses subscribes to at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext

if TYPE_CHECKING:
    from tracker.models import User

__all__ = [
    "STAFF",
    "SYSTEM",
    "Conflict",
    "InvalidTransition",
    "Transition",
    "Who",
    "Workflow",
    "check_staff",
    "deadlines_changed",
    "guarded_update",
    "watch_deadlines",
]


class InvalidTransition(Exception):
    """A move that the current state or the user's role does not allow; the message is
    for the user, in their language."""


class Conflict(InvalidTransition):
    """Someone else moved the record between the page being shown and the click."""


@dataclass(frozen=True)
class Who:
    """Who may take a transition: a named test of (user, object) and what a user who
    fails it is told."""

    name: str
    test: Callable[[User, Any], bool]
    refusal: Callable[[Any], str]

    def __call__(self, user: User, obj: Any) -> bool:
        return bool(user.is_authenticated and user.is_active and self.test(user, obj))


STAFF = Who(
    "congress staff",
    lambda user, _obj: user.is_congress_staff,
    lambda _obj: gettext("Only congress staff can do this."),
)


DepartmentOf = Callable[[Any], "int | None"]


def unit(name: str, department_id: DepartmentOf, refusal: Callable[[Any], str]) -> Who:
    """A clerk or leader of the department ``department_id(obj)`` names."""
    return Who(
        name, lambda user, obj: user.is_department_user and user.department_id == department_id(obj), refusal
    )


def unit_leader(name: str, department_id: DepartmentOf, refusal: Callable[[Any], str]) -> Who:
    """A leader of the department ``department_id(obj)`` names."""
    return Who(
        name,
        lambda user, obj: user.is_department_leader and user.department_id == department_id(obj),
        refusal,
    )


# The worker and the reminder scan: never offered to a signed-in user.
SYSTEM = Who("system", lambda _user, _obj: False, lambda _obj: gettext("This step is taken by the system."))

# A guard of (object, user or None, today) returns why the transition is refused now (a
# message), or None when it holds.
Guard = Callable[[Any, "User | None", date], "str | Promise | None"]


@dataclass(frozen=True)
class Transition:
    """One row of a workflow table."""

    name: str
    sources: frozenset[str]
    target: str | None  # None: the state stays (an edit, a report, a reminder)
    who: tuple[Who, ...]
    guards: tuple[Guard, ...] = ()
    # What a user is told when the record is in none of ``sources`` (default: the
    # workflow's own sentence naming the current state).
    refused: Callable[[Any], str] | None = None

    def permits(self, user: User, obj: Any) -> bool:
        return any(who(user, obj) for who in self.who)


@dataclass
class Workflow:
    """A model's transition table."""

    transitions: tuple[Transition, ...]
    state_field: str = "status"
    # Said when the state is wrong, e.g. "This assignment is %(status)s; …".
    not_now: Callable[[Any], str] = lambda obj: (
        gettext("This is %(status)s; that step is not possible now.") % {"status": _display(obj)}
    )
    _by_name: dict[str, Transition] = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.transitions}
        if len(self._by_name) != len(self.transitions):
            raise ValueError("transition names must be unique")

    def __getitem__(self, name: str) -> Transition:
        return self._by_name[name]

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def states(self) -> set[str]:
        """Every state the table names, as source or target."""
        names: set[str] = set()
        for t in self.transitions:
            names |= t.sources
            if t.target is not None:
                names.add(t.target)
        return names

    def refusal(self, obj: Any, name: str, user: User | None, *, today: date | None = None) -> str | None:
        """Why ``user`` may not take ``name`` on ``obj`` now, or None if they may.

        ``user`` None checks the state and guards only (the worker, the scan)."""
        transition = self[name]
        if user is not None and not transition.permits(user, obj):
            return str(transition.who[0].refusal(obj))
        if getattr(obj, self.state_field) not in transition.sources:
            return str((transition.refused or self.not_now)(obj))
        today = today or timezone.localdate()
        for guard in transition.guards:
            reason = guard(obj, user, today)
            if reason:
                return str(reason)
        return None

    def allowed(
        self, obj: Any, user: User, *, today: date | None = None, guards: bool = True
    ) -> frozenset[str]:
        """The actions ``user`` may take on ``obj`` now. ``guards=False`` answers from the
        state and the user alone, for lists that only hint at the next step."""
        if not (user.is_authenticated and user.is_active):
            return frozenset()
        today = today or timezone.localdate()
        state = getattr(obj, self.state_field)
        return frozenset(
            t.name
            for t in self.transitions
            if state in t.sources
            and t.permits(user, obj)
            and not (guards and any(guard(obj, user, today) for guard in t.guards))
        )

    def check(self, obj: Any, name: str, user: User | None, *, today: date | None = None) -> Transition:
        """The transition, or InvalidTransition saying why it is refused."""
        reason = self.refusal(obj, name, user, today=today)
        if reason is not None:
            raise InvalidTransition(reason)
        return self[name]


def _display(obj: Any) -> str:
    getter = getattr(obj, "get_status_display", None)
    return str(getter()) if getter else str(getattr(obj, "status", ""))


def guarded_update(
    obj: models.Model,
    transition: Transition,
    *,
    expected: str,
    fields: dict[str, Any] | None = None,
    state_field: str = "status",
) -> None:
    """Write a transition: UPDATE the row only if it is still in ``expected`` (the state
    the check saw), then mirror the change on ``obj``. Call inside the transaction that
    writes the event: when another request moved the row first, nothing is written and
    ``Conflict`` is raised, so the transaction rolls back and no second event is recorded.
    """
    values = dict(fields or {})
    if transition.target is not None:
        values[state_field] = transition.target
    model = type(obj)
    if "updated_at" in {f.name for f in model._meta.concrete_fields} and "updated_at" not in values:
        values["updated_at"] = timezone.now()
    changed = model._base_manager.filter(pk=obj.pk, **{state_field: expected}).update(**values)
    if changed != 1:
        raise Conflict(stale_message(obj))
    for name, value in values.items():
        setattr(obj, name, value)


def state_of(obj: Any) -> str:
    """The state a page showed, posted back with an action so that a page left open
    while someone else acted is told to reload (tracker.actions.perform)."""
    return str(getattr(obj, obj.workflow.state_field))


def stale_message(obj: models.Model) -> str:
    return gettext("This %(thing)s was already handled by someone else; reload the page.") % {
        "thing": obj._meta.verbose_name
    }


def check_staff(user: User) -> None:
    """Refuse anyone but congress staff (for steps outside a workflow table)."""
    if not user.is_congress_staff:
        raise InvalidTransition(STAFF.refusal(None))


# -- deadlines: the reminder ledger follows them ----------------------------------------

_deadline_watchers: list[Callable[[models.Model], None]] = []


def watch_deadlines(watcher: Callable[[models.Model], None]) -> None:
    """Subscribe to ``deadlines_changed`` (responses' reminder ledger, at start-up)."""
    if watcher not in _deadline_watchers:
        _deadline_watchers.append(watcher)


def deadlines_changed(source: models.Model) -> None:
    """A row whose dated duties may have opened, moved or settled (an assignment, a
    suggestion, a reply, a commitment); call inside the transition's transaction."""
    for watcher in _deadline_watchers:
        watcher(source)


# -- the tables as documentation ----------------------------------------------------


def workflow_models() -> list[type[models.Model]]:
    """Every installed model with a transition table, in app order."""
    from django.apps import apps

    return [model for model in apps.get_models() if isinstance(getattr(model, "workflow", None), Workflow)]


def markdown(model: type[models.Model]) -> str:
    """The model's transition table as Markdown (README.md's Workflow section is this,
    printed by ``manage.py show_workflow``; a test keeps them equal)."""
    table: Workflow = model.workflow  # type: ignore[attr-defined]
    field = model._meta.get_field(table.state_field)
    order = [choice for choice, _label in getattr(field, "choices", None) or []]

    def states(codes: frozenset[str]) -> str:
        return ", ".join(
            f"`{code}`" for code in sorted(codes, key=lambda c: order.index(c) if c in order else 99)
        )

    lines = [
        f"**{model.__name__}** (`{model._meta.label}.{table.state_field}`)",
        "",
        "| action | from | to | who | guards |",
        "|---|---|---|---|---|",
    ]
    for t in table:
        to = f"`{t.target}`" if t.target is not None else "(same)"
        who = " or ".join(w.name for w in t.who)
        guards = "; ".join((g.__doc__ or g.__name__).strip().splitlines()[0].rstrip(".") for g in t.guards)
        lines.append(f"| {t.name} | {states(t.sources)} | {to} | {who} | {guards} |")
    return "\n".join(lines) + "\n"
