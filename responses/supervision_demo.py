"""Demo data of key-suggestion supervision (重点督办): a theme of three suggestions handled
by two Longgang units, a site visit and the action agreed there. Called by
proposals.demo's builder; safe to run again (an existing theme is left alone)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from proposals.models import Department, Proposal
from responses.models import SupervisionActivity, SupervisionEvent, SupervisionTheme
from responses.models.supervision import default_plan_due, default_report_due

if TYPE_CHECKING:
    from proposals.demo import DemoBuilder

THEME_TITLE = "加快龙岗区东部交通基础设施建设"
# 东部过境通道 and 龙翔大道东延 (this year's session) and 公交微循环 (2024): two units.
NUMBERS = ["20269007", "20269004", "20240356"]


def load_supervision_demo(builder: DemoBuilder) -> None:
    if SupervisionTheme.objects.filter(congress=builder.congress, title=THEME_TITLE).exists():
        return
    proposals = {p.number: p for p in Proposal.objects.filter(congress=builder.congress, number__in=NUMBERS)}
    if len(proposals) != len(NUMBERS):
        return
    today = builder.today
    staff = builder.staff
    supervisor = builder._user("supervisor", None, first_name="市人大常委会副主任（演示）")
    government = Department.objects.get(name="深圳市龙岗区人民政府")
    transport = Department.objects.get(name="龙岗区交通运输局")
    theme = SupervisionTheme.objects.create(
        congress=builder.congress,
        title=THEME_TITLE,
        year=today.year,
        kind=SupervisionTheme.Kind.KEY,
        supervising_leader="市人大常委会副主任（演示）",
        supervisor=supervisor,
        lead_department=government,
        plan=(
            "一、4月底前，牵头单位制定办理方案，明确责任分工和时间节点；\n"
            "二、6月组织代表和承办单位实地视察东部过境通道、龙翔大道东延工程；\n"
            "三、9月召开督办推进会，听取办理进展汇报；\n"
            "四、次年1月底前形成督办专题报告。"
        ),
        plan_due_on=default_plan_due(builder.congress, today.year),
        report_due_on=default_report_due(builder.congress, today.year),
        created_by=staff,
    )
    theme.other_departments.set([transport])
    theme.staff.set([staff])
    theme.record(SupervisionEvent.Kind.CREATED, by=staff, title=theme.title)
    theme.add_suggestions([proposals[n] for n in NUMBERS], by=staff)
    theme.add_milestone(by=staff, title="牵头单位报送办理方案", due_on=today - timedelta(days=30))
    theme.milestones.get().mark_done(by=staff, done_on=today - timedelta(days=32))
    theme.add_milestone(by=staff, title="督办推进会", due_on=today + timedelta(days=45))
    visit = theme.record_activity(
        by=staff,
        kind=SupervisionActivity.Kind.SITE_VISIT,
        held_on=today - timedelta(days=10),
        place="龙岗区东部过境通道施工现场、龙翔大道东延工程现场",
        attendees="市人大常委会副主任（演示）、领衔代表陈寿、龙岗区政府、龙岗区交通运输局负责同志",
        agreed="交通运输局在一个月内报送龙翔大道东延征地拆迁进度和通车时间表；区政府协调如意路南延通道用地。",
    )
    visit.agree_action(
        by=staff,
        department=transport,
        proposal=proposals["20269004"],
        description="报送龙翔大道东延征地拆迁进度和通车时间表",
        due_on=today + timedelta(days=20),
    )
    visit.agree_action(
        by=staff,
        department=government,
        proposal=proposals["20269007"],
        description="协调如意路南延通道用地，明确开工时间",
        due_on=today + timedelta(days=3),
    )
