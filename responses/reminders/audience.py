"""Who hears about an obligation at each reminder stage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q

from proposals.models import Congress, Proposal
from responses.models import Obligation, Reminder, next_send_time
from responses.models.reminders import ReminderRow
from tracker.models import Channel, Role

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
        self._people: dict[tuple[object, ...], list[tuple[User, User | None, str]]] = {}
        self._rows: dict[tuple[object, ...], tuple[ReminderRow, ...]] = {}
        self._rows_at: tuple[date, datetime] | None = None
        self._congresses: dict[int, Congress] = {}
        self._users: dict[int, User] = {}

    def attach(self, proposals: list[Proposal]) -> None:
        """Give suggestions their congress and (key suggestions) supervising leader from
        this scan's lookups: one query per scan for each, not one join per row."""
        congresses = {p.congress_id for p in proposals} - self._congresses.keys()
        if congresses:
            self._congresses.update(Congress.objects.in_bulk(congresses))
        supervisors = {p.supervisor_id for p in proposals if p.is_key and p.supervisor_id}
        if supervisors - self._users.keys():
            self._users.update(
                get_user_model().objects.select_related("delegate").in_bulk(supervisors - self._users.keys())
            )
        for proposal in proposals:
            proposal.congress = self._congresses[proposal.congress_id]
            if proposal.is_key and proposal.supervisor_id:
                proposal.supervisor = self._users[proposal.supervisor_id]

    def rows_for(
        self, obligation: Obligation, stage: int, today: date, now: datetime
    ) -> tuple[ReminderRow, ...]:
        """The reminders of a stage: each person of ``for_stage`` on each of their channels.

        Obligations with the same inputs to ``for_stage`` (congress, kind of obligation, unit,
        stage, supervisor or theme leader, deputy) share one answer: the people are looked up
        once per scan and day, their rows once per ``now`` (a scan batch passes one ``now`` for all its rows).
        """
        proposal = obligation.proposal
        if obligation.kind == Obligation.Kind.FEEDBACK:
            key: tuple[object, ...] = (today, proposal.congress_id, True, stage, proposal.lead_deputy_id)
        else:
            supervisor = proposal.supervisor_id if proposal.is_key else None
            theme = obligation.action_id is not None  # a supervision theme's action: its leader
            if theme and obligation.action is not None:
                supervisor = obligation.action.theme.supervisor_id
            key = (
                today,
                proposal.congress_id,
                obligation.kind,
                stage,
                obligation.department_id,
                theme,
                supervisor,
            )
        if self._rows_at != (today, now):
            self._rows, self._rows_at = {}, (today, now)
        rows = self._rows.get(key)
        if rows is None:
            people = self._people.get(key)
            if people is None:
                people = self._people[key] = self.for_stage(obligation, stage, today)
            later = next_send_time(now)  # email and SMS wait for working hours
            rows = self._rows[key] = tuple(
                ReminderRow(
                    recipient.pk,
                    None if on_behalf_of is None else on_behalf_of.pk,
                    role,
                    channel,
                    now if channel == Channel.INBOX else later,
                )
                for recipient, on_behalf_of, role in people
                for channel in recipient.reminder_channels()
            )
        return rows

    def preload(self, department_ids: Iterable[int | None]) -> None:
        """Look up the people of several units with one query (a scan batch's units)."""
        missing = {pk for pk in department_ids if pk is not None and pk not in self._department}
        if not missing:
            return
        found: dict[int, list[User]] = {pk: [] for pk in missing}
        for user in (
            get_user_model()
            .objects.filter(department_id__in=missing, is_active=True)
            .select_related("delegate")
            .prefetch_related("groups")
            .order_by("pk")
        ):
            found[user.department_id or 0].append(user)  # filtered: never 0
        for pk, users in found.items():
            self._department[pk] = self._split(users)

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
            if obligation.action is not None:
                # An action agreed in a supervision theme: the theme's leader follows it.
                supervisor = obligation.action.theme.supervisor
            if (
                (obligation.proposal.is_key or obligation.action is not None)
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
            self.preload([department_id])
        return self._department[department_id]

    @staticmethod
    def _split(users: list[User]) -> tuple[list[User], list[User]]:
        """(clerks, leaders) of a unit's active users."""
        return [u for u in users if u.has_role(Role.DEPT_CLERK)], [
            u for u in users if u.has_role(Role.DEPT_LEADER)
        ]

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
