"""Unit assessment (考核): a score per unit from the statistics figures, with its basis.

**Rates, not counts.** Each component is a rate over the unit's own volume, so a unit
with 300 suggestions is not ahead of one with 3 merely for having more:

- on time (按时办复): replied on time / assigned;
- satisfaction (满意度): (满意 + ½ 基本满意) / rated replies;
- communication (沟通): assignments with a contact with the deputies recorded / assigned;
- promises kept (承诺落实): promises confirmed kept / promises made;
- no re-handling (一次办结): (assigned − re-handled) / assigned.

**Small volumes.** A rate over three suggestions says little: one late reply moves it by
a third. Each rate is therefore pulled toward the mean of all units (the pooled rate,
Σ part / Σ whole) as if the unit had ``prior_strength`` more cases at that mean:
``(part + m × mean) / (whole + m)``. A unit with 300 suggestions keeps almost exactly its
own rate; a unit with 3 sits between its own and the mean; a unit with none gets the
mean. Units below ``min_volume`` are also flagged, so readers know the score rests on
little evidence. (Rank ties share a rank.)

**Score** = Σ weight × adjusted rate / Σ weight × 100, over the components that have a
mean (a component nobody has data for is left out and its weight with it); then staff's
recorded adjustments (AssessmentAdjustment, with reasons) are added.

All counts come from ``proposals.statistics.summary`` except the contacts (the report's
communication query) and the promises made (``statistics.made_commitments``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import statistics
from proposals.models import Department
from proposals.statistics import Figures, Scope
from proposals.stats_views import figure_links
from reports.annual import Communication, communication, percent
from reports.models import AssessmentAdjustment, AssessmentScheme

COMPONENTS = ("on_time", "satisfaction", "communication", "promises", "rehandling")


def component_labels() -> dict[str, str]:
    return {
        "on_time": _("Replied on time"),
        "satisfaction": _("Satisfaction"),
        "communication": _("Communication"),
        "promises": _("Promises kept"),
        "rehandling": _("No re-handling"),
    }


def component_bases() -> dict[str, str]:
    return {
        "on_time": _("replied on time / assigned"),
        "satisfaction": _("(satisfied + ½ basically satisfied) / rated"),
        "communication": _("assignments with a contact recorded / assigned"),
        "promises": _("promises kept / promises made"),
        "rehandling": _("(assigned − re-handled) / assigned"),
    }


@dataclass
class Component:
    """One component of a unit's score and everything behind it."""

    key: str
    label: str
    basis: str
    weight: int
    part: float
    whole: int
    mean: float | None
    adjusted: float | None = None
    points: float | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def raw(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def shown(self) -> dict[str, str]:
        """The rates as the page writes them (one decimal, a dash for none)."""
        return {"raw": percent(self.raw), "mean": percent(self.mean), "adjusted": percent(self.adjusted)}


@dataclass
class UnitScore:
    department: Department
    assigned: int
    components: list[Component]
    score: float
    adjustments: list[AssessmentAdjustment]
    small: bool
    rank: int | None = None

    @property
    def adjustment(self) -> float:
        return float(sum((a.points for a in self.adjustments), Decimal(0)))

    @property
    def final(self) -> float:
        return round(self.score + self.adjustment, 1)


def _parts(row: Figures, talk: Communication, made: int) -> dict[str, tuple[float, int]]:
    return {
        "on_time": (row.on_time, row.assigned),
        "satisfaction": (row.ratings["satisfied"] + 0.5 * row.ratings["basically"], row.rated),
        "communication": (talk.contacted, row.assigned),
        "promises": (row.commitments_kept, made),
        "rehandling": (row.assigned - row.rehandled, row.assigned),
    }


def _links(scope: Scope, department: Department) -> dict[str, dict[str, str]]:
    links = figure_links(scope.with_department(department))
    return {
        "on_time": {"part": links["on_time"], "whole": links["assigned"]},
        "satisfaction": {"satisfied": links["rating_satisfied"], "basically": links["rating_basically"]},
        "communication": {"whole": links["assigned"]},
        "promises": {"part": links["commitments_kept"]},
        "rehandling": {"rehandled": links["rehandled"], "whole": links["assigned"]},
    }


def score(scope: Scope, scheme: AssessmentScheme, *, today: date | None = None) -> list[UnitScore]:
    """Every unit with something assigned in the scope, scored and ranked (nine queries)."""
    today = today or timezone.localdate()
    scope = scope.with_department(None)
    _total, table = statistics.summary(scope, today=today)
    table = [row for row in table if row.assigned]
    talks = communication(scope)
    made = {
        row["department"]: row["n"]
        for row in statistics.made_commitments(scope).values("department").annotate(n=Count("pk")).order_by()
    }
    adjustments: dict[int, list[AssessmentAdjustment]] = defaultdict(list)
    for adjustment in AssessmentAdjustment.of_scope(scope).select_related("created_by"):
        adjustments[adjustment.department_id].append(adjustment)

    parts = {
        row.department.pk: _parts(
            row, talks.get(row.department.pk, Communication()), made.get(row.department.pk, 0)
        )
        for row in table
    }
    means: dict[str, float | None] = {}
    for key in COMPONENTS:
        part = sum(p[key][0] for p in parts.values())
        whole = sum(p[key][1] for p in parts.values())
        means[key] = part / whole if whole else None

    weights, labels, bases = scheme.weights(), component_labels(), component_bases()
    m = scheme.prior_strength
    units = []
    for row in table:
        links = _links(scope, row.department)
        components = []
        for key in COMPONENTS:
            part, whole = parts[row.department.pk][key]
            c = Component(
                key, labels[key], bases[key], weights[key], part, whole, means[key], links=links[key]
            )
            if c.mean is not None:
                c.adjusted = (part + m * c.mean) / (whole + m) if whole + m else c.mean
            components.append(c)
        used = [c for c in components if c.adjusted is not None and c.weight]
        total_weight = sum(c.weight for c in used)
        for c in used:
            c.points = 100 * c.weight * c.adjusted / total_weight  # type: ignore[operator]
        units.append(
            UnitScore(
                department=row.department,
                assigned=row.assigned,
                components=components,
                score=round(sum(c.points or 0 for c in used), 1),
                adjustments=adjustments.get(row.department.pk, []),
                small=row.assigned < scheme.min_volume,
            )
        )
    units.sort(key=lambda u: (-u.final, u.department.name))
    previous: float | None = None
    for position, unit in enumerate(units, start=1):
        unit.rank = units[position - 2].rank if unit.final == previous else position
        previous = unit.final
    return units
