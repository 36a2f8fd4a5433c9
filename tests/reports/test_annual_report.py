"""The annual report: its figures are the statistics page's, every figure links to the
list it counts, staff pick cases, and the .docx renders from the (office's) template."""

from __future__ import annotations

import io
import re
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from docx import Document

from proposals import statistics
from proposals.models import Contact
from proposals.statistics import Scope
from proposals.stats_views import figure_links
from reports import annual, document
from reports.default_template import build as build_default
from reports.models import ReportCase, ReportTemplate
from tests.proposals.test_statistics import StatisticsData

URL = reverse("reports:annual")


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def template_bytes(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class ReportFiguresTests(StatisticsData):
    def test_every_figure_equals_the_statistics_figure(self) -> None:
        scope = Scope(year=2024)
        report = annual.build(scope)
        stats = statistics.figures(scope)
        values = {f.key: f.value for f in report.figures()}
        for name in ("received", "assigned", "replied", "on_time", "late", "open_overdue", "rehandled"):
            self.assertEqual(values[name], getattr(stats, name), name)
        for name in ("reply_rate", "on_time_rate", "satisfied_rate", "basically_rate"):
            self.assertEqual(values[name], getattr(stats, name), name)
        for grade in statistics.GRADES:
            self.assertEqual(values[f"grade_{grade}"], stats.grades[grade])
        for rating in statistics.RATINGS:
            self.assertEqual(values[f"rating_{rating}"], stats.ratings[rating])
        for name in ("commitments_kept", "commitments_open", "commitments_overdue", "key_assigned"):
            self.assertEqual(values[name], getattr(stats, name), name)
        self.assertEqual(values["commitments_made"], statistics.made_commitments(scope).count())

    def test_the_hand_counted_figures(self) -> None:
        """The fixture counted by hand (tests/proposals/test_statistics.py's docstring)."""
        values = {f.key: f.value for f in annual.build(Scope(year=2024)).figures()}
        self.assertEqual(
            (values["received"], values["assigned"], values["replied"], values["on_time"]), (6, 5, 2, 1)
        )
        self.assertEqual(
            (values["commitments_made"], values["commitments_kept"], values["rehandled"]), (3, 1, 1)
        )

    def test_the_unit_table_is_the_statistics_table(self) -> None:
        scope = Scope(year=2024)
        rows = annual.build(scope).rows()
        table = [r for r in statistics.department_table(scope) if r.assigned]
        self.assertEqual(
            [(r["department"], r["assigned"], r["replied"], r["on_time"], r["rank"]) for r in rows],
            [(r.department.name, r.assigned, r.replied, r.on_time, r.rank) for r in table],
        )

    def test_it_runs_a_fixed_number_of_queries(self) -> None:
        """The statistics summary (six), promises made, contacts, cases, the congress, the
        year's themes and the publication rate (two)."""
        ReportCase.objects.create(proposal=self.p1, text="案例", added_by=self.staff)
        with self.assertNumQueries(13):
            report = annual.build(Scope(year=2024))
            report.figures(), report.rows(), report.context()

    def test_a_session_scope_counts_that_session(self) -> None:
        values = {f.key: f.value for f in annual.build(Scope(session=self.session_2023)).figures()}
        self.assertEqual((values["received"], values["replied"]), (1, 1))

    def test_communication_counts_assignments_with_contacts(self) -> None:
        assignment = self.lead_assignment(self.p1)
        for method in (Contact.Method.PHONE, Contact.Method.FACE_TO_FACE):
            Contact.objects.create(
                assignment=assignment,
                contacted_on=date(2024, 8, 1),
                method=method,
                stage=Contact.Stage.DURING,
                summary="电话沟通",
                recorded_by=self.clerk,
            )
        Contact.objects.create(
            assignment=self.lead_assignment(self.p2),
            contacted_on=date(2024, 8, 1),
            method=Contact.Method.PHONE,
            stage=Contact.Stage.BEFORE,
            summary="电话沟通",
            recorded_by=self.clerk,
        )
        talks = annual.communication(Scope(year=2024))
        self.assertEqual((talks[None].contacted, talks[None].met), (2, 1))
        self.assertEqual(talks[self.lead_dept.pk].contacted, 2)


class PreviewPageTests(StatisticsData):
    def test_staff_see_every_figure_linked_to_the_statistics_list(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        self.assertEqual(response.status_code, 200)
        links = figure_links(Scope(year=2024))
        html = response.content.decode()
        for key in ("received", "replied", "on_time", "late", "rehandled", "grade_A", "rating_satisfied"):
            link = links[key].replace("&", "&amp;")
            self.assertRegex(html, rf'href="{re.escape(link)}" data-figure="{key}"', key)

    def test_the_preview_shows_the_figures_of_the_statistics_page(self) -> None:
        self.client.force_login(self.staff)
        response = self.client.get(URL, {"year": 2024})
        stats = statistics.figures(Scope(year=2024))
        self.assertContains(response, f'data-figure="received">{stats.received}<')
        self.assertContains(response, f'data-figure="reply_rate">{100 * stats.reply_rate:.1f}%<')

    def test_departments_deputies_and_others_are_refused(self) -> None:
        for user in (self.clerk, self.leader, self.deputy_user, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 403, user)

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_bad_input_is_not_an_error(self) -> None:
        self.client.force_login(self.staff)
        for params in ({"year": "x"}, {"session": "999999"}, {"session": "abc", "year": "1"}):
            self.assertEqual(self.client.get(URL, params).status_code, 200, params)

    def test_it_speaks_english_and_chinese(self) -> None:
        self.client.force_login(self.staff)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            self.assertContains(self.client.get(URL), "办理工作报告")
            self.assertContains(self.client.get(URL), "办复率")
        self.assertContains(self.client.get(URL), "Annual handling report")


class CaseTests(StatisticsData):
    def add(self, number: str, text: str = "通过现场办理推动坪西路改造。") -> object:
        return self.client.post(reverse("reports:case_add"), {"year": 2024, "number": number, "text": text})

    def test_staff_pick_a_case_and_it_is_in_the_report(self) -> None:
        self.client.force_login(self.staff)
        self.add(self.p1.number)
        case = ReportCase.objects.get()
        self.assertEqual((case.proposal, case.added_by), (self.p1, self.staff))
        self.assertContains(self.client.get(URL, {"year": 2024}), "通过现场办理推动坪西路改造")

    def test_a_number_outside_the_period_is_refused(self) -> None:
        self.client.force_login(self.staff)
        response = self.add(self.p8.number, "x")  # a 2023 suggestion in the 2024 report
        self.assertFalse(ReportCase.objects.exists())
        self.assertContains(self.client.get(response["Location"]), "No suggestion with this number")

    def test_a_case_taken_out_is_kept_with_who_did_it(self) -> None:
        self.client.force_login(self.staff)
        self.add(self.p1.number)
        case = ReportCase.objects.get()
        self.client.post(reverse("reports:case_remove", args=[case.pk]), {"year": 2024})
        case.refresh_from_db()
        self.assertEqual(case.removed_by, self.staff)
        self.assertNotContains(self.client.get(URL, {"year": 2024}), "通过现场办理推动坪西路改造")

    def test_a_suggestion_is_a_case_once(self) -> None:
        self.client.force_login(self.staff)
        self.add(self.p1.number)
        self.add(self.p1.number)
        self.assertEqual(ReportCase.objects.count(), 1)

    def test_clerks_cannot_pick_cases(self) -> None:
        self.client.force_login(self.clerk)
        self.assertEqual(self.add(self.p1.number).status_code, 403)
        self.assertFalse(ReportCase.objects.exists())


class DocxTests(StatisticsData):
    def test_the_default_template_renders_the_figures_and_cases(self) -> None:
        ReportCase.objects.create(proposal=self.p1, text="案例正文", added_by=self.staff)
        self.client.force_login(self.staff)
        response = self.client.get(reverse("reports:annual_docx"), {"year": 2024})
        self.assertEqual(response.status_code, 200)
        text = docx_text(response.content)
        stats = statistics.figures(Scope(year=2024))
        self.assertIn(f"共收到代表建议{stats.received}件", text)
        self.assertIn(f"办复率{100 * stats.reply_rate:.1f}%", text)
        self.assertIn("案例正文", text)
        self.assertIn(self.lead_dept.name, text)

    def test_the_committed_default_template_is_the_generated_one(self) -> None:
        """reports/docx/annual_report.docx was written by reports.default_template."""
        ours = docx_text(document.render(annual.sample_context()))
        out = io.BytesIO()
        build_default().save(out)
        out.seek(0)
        self.assertEqual(ours, docx_text(document.render(annual.sample_context(), out)))

    @override_settings(MEDIA_ROOT="/tmp/annual-test-media")
    def test_an_office_template_is_used_once_uploaded(self) -> None:
        self.client.force_login(self.staff)
        upload = SimpleUploadedFile("ours.docx", template_bytes("本年度办复率为{{ f.reply_rate }}。"))
        response = self.client.post(
            reverse("reports:template"), {"congress": self.congress.pk, "file": upload}
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.get(reverse("reports:annual_docx"), {"year": 2024})
        self.assertIn("本年度办复率为40.0%。", docx_text(response.content))

    @override_settings(MEDIA_ROOT="/tmp/annual-test-media")
    def test_a_broken_template_is_refused_with_the_reason(self) -> None:
        self.client.force_login(self.staff)
        cases = {
            "typo.docx": (template_bytes("{{ f.no_such_figure }}"), "does not have"),
            "syntax.docx": (template_bytes("{% for x in %}"), "tag error"),
            "notword.docx": (b"PK not a zip at all", "not a Word"),
        }
        for name, (content, message) in cases.items():
            upload = SimpleUploadedFile(name, content)
            response = self.client.post(
                reverse("reports:template"), {"congress": self.congress.pk, "file": upload}
            )
            self.assertEqual(response.status_code, 400, name)
            self.assertContains(response, message, status_code=400)
        self.assertFalse(ReportTemplate.objects.exists())

    @override_settings(UPLOAD_MAX_BYTES=1000)
    def test_a_template_too_large_is_refused(self) -> None:
        self.client.force_login(self.staff)
        upload = SimpleUploadedFile("big.docx", b"x" * 5000)
        response = self.client.post(
            reverse("reports:template"), {"congress": self.congress.pk, "file": upload}
        )
        self.assertIn(response.status_code, (400, 413))
        self.assertFalse(ReportTemplate.objects.exists())

    @override_settings(MEDIA_ROOT="/tmp/annual-test-media")
    def test_a_template_set_aside_gives_way_to_the_default(self) -> None:
        template = ReportTemplate.objects.create(
            congress=self.congress,
            file=SimpleUploadedFile("ours.docx", template_bytes("自定义")),
            original_name="ours.docx",
            uploaded_by=self.staff,
        )
        self.client.force_login(self.staff)
        self.client.post(reverse("reports:template_set_aside", args=[template.pk]))
        response = self.client.get(reverse("reports:annual_docx"), {"year": 2024})
        self.assertIn("一、基本情况", docx_text(response.content))
        template.refresh_from_db()
        self.assertEqual(template.set_aside_by, self.staff)

    def test_clerks_and_deputies_cannot_download_or_upload(self) -> None:
        for user in (self.clerk, self.leader, self.deputy_user):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("reports:annual_docx")).status_code, 403)
            self.assertEqual(self.client.get(reverse("reports:template")).status_code, 403)
            self.assertEqual(self.client.get(reverse("reports:template_default")).status_code, 403)


class ThemesAndPublicationTests(StatisticsData):
    """The year's supervision themes and its publication rate (上网率) are in the report,
    the rate being the statistics page's own (publication_rates)."""

    def test_the_years_themes_and_publication_rate_are_in_the_preview_and_the_docx(self) -> None:
        from responses.models import Publication, SupervisionTheme
        from responses.models.publications import publication_rates

        theme = SupervisionTheme.objects.create(
            congress=self.congress,
            title="加快东部交通基础设施建设",
            year=2024,
            supervising_leader="市人大常委会副主任",
            lead_department=self.lead_dept,
            plan_due_on=date(2024, 5, 31),
            report_due_on=date(2025, 1, 31),
            created_by=self.staff,
        )
        theme.add_suggestions([self.p1], by=self.staff)
        SupervisionTheme.objects.create(  # another year's theme stays out
            congress=self.congress,
            title="往年的督办专题",
            year=2023,
            lead_department=self.lead_dept,
            plan_due_on=date(2023, 5, 31),
            report_due_on=date(2024, 1, 31),
            created_by=self.staff,
        )
        report = annual.build(Scope(year=2024))
        rates = publication_rates(
            Publication.objects.filter(reply__assignment__proposal__session__year=2024),
            today=report.today,
        )["overall"]
        figure = next(f for f in report.figures() if f.key == "publication_rate")
        self.assertEqual(figure.value, rates["rate"])
        self.assertEqual([t.title for t in report.themes], ["加快东部交通基础设施建设"])
        self.client.force_login(self.staff)
        page = self.client.get(URL, {"year": 2024}).content.decode()
        self.assertIn("加快东部交通基础设施建设", page)
        self.assertNotIn("往年的督办专题", page)
        text = docx_text(self.client.get(reverse("reports:annual_docx"), {"year": 2024}).content)
        self.assertIn("（1）加快东部交通基础设施建设（", text)
        self.assertIn("督办领导市人大常委会副主任，牵头单位龙岗区发展和改革局", text)
        self.assertIn("涉及建议1件", text)
        self.assertIn(f"答复上网率{figure.text}", text)
