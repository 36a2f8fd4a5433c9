"""Unit assessment: rates over each unit's volume, shrunk toward the mean, every score
with its basis; adjustments are recorded events; Excel export; staff only."""

from __future__ import annotations

import io
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from proposals import statistics
from proposals.statistics import Scope
from reports import assessment
from reports.models import AssessmentAdjustment, AssessmentScheme
from tests.proposals.test_statistics import StatisticsData
from tracker.appendonly import AppendOnlyError

URL = reverse("reports:assessment")


class ScoringTests(StatisticsData):
    def units(self, **scheme: int) -> dict[str, assessment.UnitScore]:
        units = assessment.score(Scope(year=2024), AssessmentScheme(congress=self.congress, **scheme))
        return {u.department.name: u for u in units}

    def test_the_counts_behind_each_component_are_the_statistics_counts(self) -> None:
        lead = self.units()[self.lead_dept.name]
        row = next(r for r in statistics.department_table(Scope(year=2024)) if r.department == self.lead_dept)
        parts = {c.key: (c.part, c.whole) for c in lead.components}
        self.assertEqual(parts["on_time"], (row.on_time, row.assigned))
        self.assertEqual(parts["satisfaction"], (1.5, 2))  # 满意 1 + ½ × 基本满意 1, of 2 rated
        self.assertEqual(parts["promises"], (1, 3))
        self.assertEqual(parts["rehandling"], (3, 3))

    def test_without_shrinkage_the_score_is_the_weighted_raw_rates(self) -> None:
        lead = self.units(prior_strength=0)[self.lead_dept.name]
        # on time 1/3, satisfaction 3/4, communication 0, promises 1/3, no re-handling 1.
        expected = (30 * 1 / 3 + 30 * 0.75 + 15 * 0 + 15 * 1 / 3 + 10 * 1) / 100 * 100
        self.assertAlmostEqual(lead.score, round(expected, 1))

    def test_shrinkage_pulls_a_small_unit_toward_the_mean(self) -> None:
        """住建局 has 2 suggestions, 0 on time; the mean of all units is 1 of 5."""
        raw = self.units(prior_strength=0)[self.co_dept.name]
        shrunk = self.units(prior_strength=5)[self.co_dept.name]
        on_time = next(c for c in shrunk.components if c.key == "on_time")
        self.assertAlmostEqual(on_time.mean, 1 / 5)
        self.assertAlmostEqual(on_time.adjusted, (0 + 5 * 1 / 5) / (2 + 5))
        self.assertGreater(shrunk.score, raw.score)

    def test_a_component_without_data_takes_the_mean(self) -> None:
        """住建局's replies are not rated yet: its satisfaction is the mean of all units."""
        co = self.units(prior_strength=0)[self.co_dept.name]
        satisfaction = next(c for c in co.components if c.key == "satisfaction")
        self.assertEqual((satisfaction.raw, satisfaction.adjusted), (None, 0.75))

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        """The statistics summary (six), contacts, promises made and adjustments."""
        with self.assertNumQueries(9):
            assessment.score(Scope(year=2024), AssessmentScheme(congress=self.congress))

    def test_units_below_the_minimum_volume_are_flagged(self) -> None:
        units = self.units(min_volume=3)
        self.assertEqual((units[self.lead_dept.name].small, units[self.co_dept.name].small), (False, True))

    def test_adjustments_move_the_final_score_and_the_rank(self) -> None:
        before = self.units()
        AssessmentAdjustment.objects.create(
            year=2024,
            department=self.co_dept,
            points=Decimal("50"),
            reason="专项工作加分",
            created_by=self.staff,
        )
        after = self.units()
        self.assertEqual(after[self.co_dept.name].final, round(before[self.co_dept.name].score + 50, 1))
        self.assertEqual(after[self.co_dept.name].rank, 1)


class AssessmentPageTests(StatisticsData):
    def test_staff_see_each_score_with_its_counts_and_links(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertContains(response, self.lead_dept.name)
        self.assertContains(
            response, f"/proposals/?year=2024&amp;department={self.lead_dept.pk}&amp;handling=on_time"
        )
        self.assertContains(response, "(part + 5 × mean)")

    def test_only_staff_may_open_it(self) -> None:
        for user in (self.clerk, self.leader, self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 403, user)
        self.client.logout()
        self.assertEqual(self.client.get(URL).status_code, 302)

    def test_staff_adjust_a_score_with_a_reason(self) -> None:
        self.client.force_login(self.staff)
        data = {
            "year": 2024,
            "department": self.co_dept.pk,
            "points": "-2.5",
            "reason": "未按要求报送办理方案",
        }
        self.client.post(reverse("reports:assessment_adjust"), data)
        adjustment = AssessmentAdjustment.objects.get()
        self.assertEqual(
            (adjustment.points, adjustment.created_by, adjustment.year), (Decimal("-2.5"), self.staff, 2024)
        )
        self.assertContains(self.client.get(URL, {"year": 2024}), "未按要求报送办理方案")

    def test_an_adjustment_needs_a_reason_and_points(self) -> None:
        self.client.force_login(self.staff)
        for data in (
            {"points": "3", "reason": "  "},
            {"points": "0", "reason": "x"},
            {"points": "abc", "reason": "x"},
            {"points": "1000", "reason": "x"},
        ):
            response = self.client.post(
                reverse("reports:assessment_adjust"), {"year": 2024, "department": self.co_dept.pk, **data}
            )
            self.assertEqual(response.status_code, 302, data)
        self.assertFalse(AssessmentAdjustment.objects.exists())

    def test_clerks_cannot_adjust_or_change_the_scheme(self) -> None:
        self.client.force_login(self.leader)
        data = {"year": 2024, "department": self.lead_dept.pk, "points": "5", "reason": "自评"}
        self.assertEqual(self.client.post(reverse("reports:assessment_adjust"), data).status_code, 403)
        scheme = reverse("reports:assessment_scheme", args=[self.congress.pk])
        self.assertEqual(self.client.post(scheme, {"weight_on_time": 100}).status_code, 403)
        self.assertFalse(AssessmentAdjustment.objects.exists())

    def test_staff_change_the_weights(self) -> None:
        self.client.force_login(self.staff)
        data = {
            "year": 2024,
            "weight_on_time": 100,
            "weight_satisfaction": 0,
            "weight_communication": 0,
            "weight_promises": 0,
            "weight_rehandling": 0,
            "prior_strength": 0,
            "min_volume": 1,
        }
        self.client.post(reverse("reports:assessment_scheme", args=[self.congress.pk]), data)
        scheme = AssessmentScheme.objects.get(congress=self.congress)
        self.assertEqual((scheme.weight_on_time, scheme.updated_by), (100, self.staff))
        lead = assessment.score(Scope(year=2024), scheme)[0]
        self.assertEqual(lead.score, round(100 / 3, 1))

    def test_a_scheme_change_is_recorded_from_and_to(self) -> None:
        self.client.force_login(self.staff)
        url = reverse("reports:assessment_scheme", args=[self.congress.pk])
        data = {
            "weight_on_time": 40,
            "weight_satisfaction": 30,
            "weight_communication": 15,
            "weight_promises": 15,
            "weight_rehandling": 10,
            "prior_strength": 5,
            "min_volume": 5,
        }
        self.client.post(url, data)
        self.client.post(url, {**data, "min_volume": 10})
        changes = list(AssessmentScheme.objects.get().changes.order_by("changed_at", "pk"))
        self.assertEqual(
            [(c.before["weight_on_time"], c.after["weight_on_time"]) for c in changes], [(30, 40), (40, 40)]
        )
        self.assertEqual(
            (changes[1].before["min_volume"], changes[1].after["min_volume"], changes[1].changed_by),
            (5, 10, self.staff),
        )
        self.assertContains(self.client.get(URL, {"year": 2024}), "5 → 10")

    def test_all_zero_weights_are_refused(self) -> None:
        self.client.force_login(self.staff)
        data = {
            f"weight_{k}": 0 for k in ("on_time", "satisfaction", "communication", "promises", "rehandling")
        }
        self.client.post(
            reverse("reports:assessment_scheme", args=[self.congress.pk]),
            {**data, "prior_strength": 5, "min_volume": 5},
        )
        self.assertFalse(AssessmentScheme.objects.exists())

    def test_the_excel_export_holds_the_basis(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024, "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        lead = next(r for r in rows if r[1] == self.lead_dept.name)
        self.assertEqual(lead[2], 3)  # assigned
        self.assertEqual(lead[4:6], (1, 3))  # on time: part, whole

    def test_bad_input_is_not_an_error(self) -> None:
        self.client.force_login(self.staff)
        for params in ({"year": "x"}, {"session": "0"}, {"year": "", "session": ""}):
            self.assertEqual(self.client.get(URL, params).status_code, 200, params)
        self.assertEqual(
            self.client.post(reverse("reports:assessment_scheme", args=[999999])).status_code, 404
        )


class AdjustmentHistoryTests(StatisticsData):
    def test_an_adjustment_cannot_be_changed_or_deleted(self) -> None:
        adjustment = AssessmentAdjustment.objects.create(
            year=2024, department=self.co_dept, points=Decimal("1"), reason="加分", created_by=self.staff
        )
        with self.assertRaises(AppendOnlyError):
            adjustment.save()
        with self.assertRaises(AppendOnlyError):
            AssessmentAdjustment.objects.all().delete()
        if connection.vendor == "postgresql":
            with (
                self.assertRaisesMessage(IntegrityError, "append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("UPDATE reports_assessmentadjustment SET points = 99")
