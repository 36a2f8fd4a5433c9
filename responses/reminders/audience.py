"""Who hears about an obligation at each reminder stage."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q

from responses.models import Obligation, Reminder
from tracker.models import Role

if TYPE_CHECKING:
    from tracker.models import User


class Audience:
    """Who hears about an obligation at a stage, with the people looked up once per scan.

    Escalation (design.md §5): a department's clerks first (its leaders if it has no
    clerk account), its leaders from the congress's ``remind_leader_from``-th overdue
    reminder, congress staff from the ``remind_staff_from``-th; a key suggestion's
    supervising leader along with the department leaders. The deputy hears about the
    feedback window. Someone away is replaced by their delegate.
    """

    def __init__(self) -> None:
        self._department: dict[int, tuple[list[User], list[User]]] = {}
        self._staff: list[User] | None = None

    def for_stage(
        self, obligation: Obligation, stage: int, today: date
    ) -> list[tuple[User, User | None, str]]:
        congress = obligation.proposal.congress
        overdue = congress.reminder_stages().overdue_number(stage)
        people: list[tuple[User, str]] = []
        if obligation.kind == Obligation.Kind.FEEDBACK:
            deputy_user = getattr(obligation.proposal.lead_deputy, "user", None)
            if stage <= 0 and deputy_user is not None:
                people.append((deputy_user, Reminder.Audience.DEPUTY))
            if stage > 0:
                people += [(u, Reminder.Audience.STAFF) for u in self.staff()]
        elif obligation.kind == Obligation.Kind.PUBLICATION:
            # Staff decide on publication (the unit proposed it with the reply); they are
            # told on the due day and while it is overdue, not weeks ahead for every reply.
            if stage >= 0:
                people += [(u, Reminder.Audience.STAFF) for u in self.staff()]
        else:
            clerks, leaders = self.department(obligation.department_id)
            people += [(u, Reminder.Audience.CLERK) for u in clerks]
            if overdue >= congress.remind_leader_from or not clerks:
                people += [(u, Reminder.Audience.LEADER) for u in leaders]
            supervisor = obligation.proposal.supervisor
            if (
                obligation.proposal.is_key
                and supervisor is not None
                and overdue >= congress.remind_leader_from
            ):
                people.append((supervisor, Reminder.Audience.SUPERVISOR))
            if overdue >= congress.remind_staff_from:
                people += [(u, Reminder.Audience.STAFF) for u in self.staff()]
        result: list[tuple[User, User | None, str]] = []
        seen: set[int] = set()
        for person, role in people:
            if not person.is_active:
                continue
            recipient, on_behalf_of = person, None
            delegate = person.delegate
            if person.is_away(today) and delegate is not None and delegate.is_active:
                recipient, on_behalf_of = delegate, person
            if recipient.pk not in seen:
                seen.add(recipient.pk)
                result.append((recipient, on_behalf_of, role))
        return result

    def department(self, department_id: int | None) -> tuple[list[User], list[User]]:
        if department_id is None:
            return [], []
        if department_id not in self._department:
            users = list(
                get_user_model()
                .objects.filter(department_id=department_id, is_active=True)
                .select_related("delegate")
                .prefetch_related("groups")
                .order_by("pk")
            )
            clerks = [u for u in users if u.has_role(Role.DEPT_CLERK)]
            leaders = [u for u in users if u.has_role(Role.DEPT_LEADER)]
            self._department[department_id] = (clerks, leaders)
        return self._department[department_id]

    def staff(self) -> list[User]:
        if self._staff is None:
            self._staff = list(
                get_user_model()
                .objects.filter(Q(groups__name=Role.CONGRESS_STAFF) | Q(is_superuser=True), is_active=True)
                .select_related("delegate")
                .distinct()
                .order_by("pk")
            )
        return self._staff
