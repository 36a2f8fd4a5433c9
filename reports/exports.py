"""The assessment as an Excel workbook: the scores with every count behind them, and the
adjustments with their reasons."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reports.assessment import COMPONENTS, UnitScore, component_labels
from reports.models import AssessmentScheme
from tracker.xlsx import Column, Sheet, build_workbook


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def assessment_workbook(units: list[UnitScore], scheme: AssessmentScheme) -> bytes:
    labels = component_labels()
    columns = [
        Column.number(_("Rank"), 6),
        Column.text(_("Department"), 28),
        Column.number(_("Assigned")),
        Column.text(_("Small volume"), 10),
    ]
    parts = [
        (_("part"), "0.0"),
        (_("whole"), None),
        (_("own rate"), "0.0%"),
        (_("mean of all units"), "0.0%"),
        (_("adjusted rate"), "0.0%"),
        (_("points"), "0.0"),
    ]
    for key in COMPONENTS:
        columns += [
            Column.number(f"{labels[key]}: {part}", 10, number_format) for part, number_format in parts
        ]
    columns += [
        Column.number(_("Score"), 8, "0.0"),
        Column.number(_("Adjustments"), 10, "0.0"),
        Column.number(_("Final score"), 10, "0.0"),
    ]
    rows = []
    for unit in units:
        row: list[object] = [unit.rank, unit.department.name, unit.assigned, _("yes") if unit.small else ""]
        for c in unit.components:
            row += [
                c.part,
                c.whole,
                _rounded(c.raw),
                _rounded(c.mean),
                _rounded(c.adjusted),
                _rounded(c.points, 1),
            ]
        row += [unit.score, unit.adjustment, unit.final]
        rows.append(row)
    scores = Sheet(_("Scores"), columns, rows)
    adjustments = Sheet(
        _("Adjustments"),
        [
            Column.text(_("Department"), 28),
            Column.number(_("Points"), 8, "0.0"),
            Column.text(_("Reason"), 50),
            Column.text(pgettext("adjustment", "By"), 14),
            Column.text(_("When"), 18),
        ],
        (
            [
                unit.department.name,
                float(a.points),
                a.reason,
                str(a.created_by),
                timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
            for unit in units
            for a in unit.adjustments
        ),
    )
    weights, weight = scheme.weights(), _("Weight")
    scheme_sheet = Sheet(
        _("Scheme"),
        [Column.text(_("Setting"), 36), Column.number(_("Value"), 10)],
        [
            *[[f"{weight}: {labels[key]}", weights[key]] for key in COMPONENTS],
            [_("Shrinkage strength"), scheme.prior_strength],
            [_("Minimum volume"), scheme.min_volume],
        ],
    )
    return build_workbook([scores, adjustments, scheme_sheet])
