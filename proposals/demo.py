"""Demo data for the embedded default (``manage.py load_demo``).

Built from the real material in ``proposals/seeds/`` (a copy of the project's seed
letter) and from the programmes, roads, parks and schools named in the Longgang 2022
and Pingshan 2024 development plans. Deputies other than 陈寿 carry the customary
placeholder names (张三, 李四 …) and a delegation that says they are demo data; contact
people on the invented replies are placeholders too.

Every record is created through the real workflow transitions, so the demo shows the
same events, deadlines and statuses a real office would. A suggestion that already
exists (same congress and title) is left alone, which makes the loader idempotent.
Open suggestions are dated relative to today so that the demo always has overdue
and due-soon work; finished ones of the 2024 and 2025 sessions keep fixed dates.
"""

from __future__ import annotations

import re
from base64 import b32decode
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from proposals.demo_submissions import add_online_submissions
from proposals.models import Assignment, Category, Congress, Contact, Department, Deputy, Proposal, Session
from responses.demo import decide_demo_publications
from responses.demo_consultation import add_consultation_demo
from responses.models import Commitment, CoOpinion, Feedback, Reply
from responses.supervision_demo import load_supervision_demo
from tracker import duties
from tracker.mfa import TOTP_NAME
from tracker.models import AdminDuty, Role, User

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"
DEMO_PASSWORD = "demo"
# The authenticator key of every demo account that signs in with two-step verification
# (staff, leaders, clerks, admin). Public on purpose, like the password: add it once to an
# authenticator app, or print the current code with `manage.py demo_code`.
DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"

# A date is either fixed, or a number of days from today (negative: in the past).
When = date | int

CONGRESS = "深圳市人民代表大会"
SESSION_2024 = "深圳市第七届人民代表大会第五次会议"
SESSION_2025 = "深圳市第七届人民代表大会第六次会议"
RECESS = "深圳市第七届人民代表大会闭会期间"

# (name, short name, account prefix). Names appear in the seeds, or are the official
# names of the bodies the seeds speak of (市发改委, 市水务局, the district bureaus).
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("深圳市龙岗区人民政府", "龙岗区政府", "longgang-gov"),
    ("龙岗区发展和改革局", "龙岗区发改局", "longgang-drc"),
    ("龙岗区工业和信息化局", "龙岗区工信局", "longgang-industry"),
    ("龙岗区住房和建设局", "龙岗区住建局", "longgang-housing"),
    ("龙岗区交通运输局", "龙岗区交通局", "longgang-transport"),
    ("龙岗区城市管理和综合执法局", "龙岗区城管局", "longgang-urban"),
    ("龙岗区水务局", "龙岗区水务局", "longgang-water"),
    ("龙岗区教育局", "龙岗区教育局", "longgang-education"),
    ("龙岗区卫生健康局", "龙岗区卫健局", "longgang-health"),
    ("龙岗区民政局", "龙岗区民政局", "longgang-civil"),
    ("深圳市坪山区人民政府", "坪山区政府", "pingshan-gov"),
    ("坪山区发展和改革局", "坪山区发改局", "pingshan-drc"),
    ("坪山区教育局", "坪山区教育局", "pingshan-education"),
    ("坪山区卫生健康局", "坪山区卫健局", "pingshan-health"),
    ("坪山区水务局", "坪山区水务局", "pingshan-water"),
    ("坪山区城市管理和综合执法局", "坪山区城管局", "pingshan-urban"),
    ("深圳市发展和改革委员会", "市发展改革委", "sz-drc"),
    ("深圳市水务局", "市水务局", "sz-water"),
    ("深圳市交通运输局", "市交通运输局", "sz-transport"),
    ("深圳市工业和信息化局", "市工业和信息化局", "sz-industry"),
]
LEAD_UNIT_20240493 = "深圳市龙岗区人民政府"
# Days from today on which the demo sends the reply to No. 20240493: within the congress's
# feedback window (20 working days by default), so the showcase deputy can rate it.
SENT_20240493 = -8

CATEGORIES: dict[str, list[str]] = {
    "财经": ["产业发展", "科技创新", "营商环境"],
    "教科文卫": ["教育", "医疗卫生", "文化体育"],
    "城建环资": ["交通", "生态", "城市建设", "水务"],
    "社会建设": ["养老托育", "住房保障", "公共安全"],
    "农业农村": ["对口帮扶"],
    "监察司法": ["法治建设"],
    "劳动人事": ["就业"],
}

# Placeholder deputies: (name, delegation, account). The real lead deputy of
# No. 20240493, 陈寿, is added separately and linked to the `deputy` account.
DEPUTY_CHEN_SHOU = "陈寿"
# One account per administrator duty (tracker/duties.py), all signing in to /admin/.
DUTY_ACCOUNTS: list[tuple[str, str, str]] = [
    ("sysadmin", AdminDuty.SYSTEM, "系统管理员（演示）"),
    ("secadmin", AdminDuty.SECURITY, "安全管理员（演示）"),
    ("auditadmin", AdminDuty.AUDIT, "审计管理员（演示）"),
]

# The accounts the login page (DEBUG only) and ``load_demo`` name first: one per journey.
MAIN_ACCOUNTS: list[tuple[str, str]] = [
    ("staff", Role.CONGRESS_STAFF),
    ("clerk", Role.DEPT_CLERK),
    ("leader", Role.DEPT_LEADER),
    ("longgang-water-clerk", Role.DEPT_CLERK),
    ("deputy", Role.DEPUTY),
    ("sysadmin", AdminDuty.SYSTEM),
    ("secadmin", AdminDuty.SECURITY),
    ("auditadmin", AdminDuty.AUDIT),
]

PLACEHOLDER_DEPUTIES: list[tuple[str, str, str]] = [
    ("张三", "龙岗代表团（演示数据）", "deputy-a"),
    ("李四", "龙岗代表团（演示数据）", "deputy-b"),
    ("王五", "龙岗代表团（演示数据）", "deputy-c"),
    ("赵六", "龙岗代表团（演示数据）", "deputy-d"),
    ("钱七", "坪山代表团（演示数据）", "deputy-e"),
    ("孙八", "坪山代表团（演示数据）", "deputy-f"),
    ("周九", "坪山代表团（演示数据）", "deputy-g"),
    ("吴十", "坪山代表团（演示数据）", "deputy-h"),
]

COPY_TO = "市人大常委会选联工委\n市政府督查室"
# The evidence attached to the promises the demo reports kept: a one-page PDF.
DEMO_EVIDENCE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# ---------------------------------------------------------------------------
# Specifications
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackSpec:
    deputy: str
    rating: str
    comment: str = ""
    decision: str = ""  # "", "rehandling" or "declined": what staff decide on a 不满意
    decision_reason: str = ""


@dataclass(frozen=True)
class CommitmentSpec:
    """A promise in a reply, and what became of it (staff confirm kept ones, so a promise
    of 2024 does not sit in every inbox as years overdue)."""

    description: str
    due: When
    # "" (still open), "claimed" (reported kept, awaiting staff), "fulfilled" (confirmed),
    # "not_fulfilled" (closed by staff with ``note``), "removed" (taken out of a draft).
    outcome: str = ""
    note: str = ""


@dataclass(frozen=True)
class ReplySpec:
    grade: str
    body: str
    stage: str = "sent"  # draft, submitted, returned or sent
    sent_on: When | None = None
    commitments: tuple[tuple[str, When] | CommitmentSpec, ...] = ()
    grade_reason: str = ""
    publicity: str = Reply.Publicity.PUBLIC
    publicity_reason: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    copy_to: str = COPY_TO
    return_comment: str = ""
    feedback: tuple[FeedbackSpec, ...] = ()


@dataclass(frozen=True)
class ContactSpec:
    on: When
    method: str
    stage: str
    summary: str


@dataclass(frozen=True)
class UnitSpec:
    department: str
    role: str = Assignment.Role.LEAD
    stage: str = "pending"  # pending, accepted or change_requested; a reply moves it further
    change_reason: str = ""
    # With change_requested: staff move the part to this department (the first is withdrawn).
    transfer_to: str = ""
    opinion: str = ""
    contacts: tuple[ContactSpec, ...] = ()
    extend_days: int = 0
    extend_reason: str = ""
    reply: ReplySpec | None = None


@dataclass(frozen=True)
class SuggestionSpec:
    session: str
    title: str
    body: str
    category: tuple[str, str]
    lead_deputy: str
    received_on: When
    number: str = ""  # empty: year of receipt + a 9xxx sequence (suggestions between sessions)
    co_signers: tuple[str, ...] = ()
    is_key: bool = False
    supervising_leader: str = ""
    assigned_on: When | None = None
    units: tuple[UnitSpec, ...] = ()
    close_reason: str = ""


F, M, ST = Feedback.Rating, Contact.Method, Contact.Stage
LEAD, CO, SEPARATE = Assignment.Role.LEAD, Assignment.Role.CO, Assignment.Role.SEPARATE


def _letter_20240493() -> tuple[str, str]:
    """The suggestion's four requests and the reply's full text, from the real letter."""
    text = (SEEDS_DIR / "reply-letter-20240493.txt").read_text(encoding="utf-8")
    text = re.sub(r"\[bookmark:[^\]]*\]\s*", "", text)
    # The salutation (尊敬的陈寿等代表：) is the letter template's, not the body's.
    start = text.index("\n", text.index("尊敬的")) + 1
    end = text.index("专此函复。") + len("专此函复。")
    body = "\n".join(line.strip() for line in text[start:end].splitlines() if line.strip())
    # The four numbered sections quote the suggestion's requests: 1、 关于“…”的建议
    requests = re.findall(r"^\d、\s*关于“(.+?)”的建议$", body, flags=re.MULTILINE)
    numerals = "一二三四五六七八九"
    summary = "；".join(f"{numerals[i]}、{item}" for i, item in enumerate(requests))
    return f"建议：{summary}。", body


def suggestion_20240493() -> SuggestionSpec:
    suggestion_body, reply_body = _letter_20240493()
    return SuggestionSpec(
        session=SESSION_2024,
        number="20240493",
        title="关于发展新质生产力，打造高层级高标准深圳东部万亿级绿色低碳产业集群承载区的建议",
        body=suggestion_body,
        category=("财经", "产业发展"),
        lead_deputy=DEPUTY_CHEN_SHOU,
        co_signers=("张三", "李四"),
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 8, 19),
        units=(
            UnitSpec(
                LEAD_UNIT_20240493,
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body=reply_body,
                    # The letter is dated 2024-11-18 (the archive keeps it so); the demo
                    # sends it SENT_20240493 days before it loads, so that 陈寿 can still
                    # rate it, and keeps the letter's spacing of the promises from it.
                    sent_on=SENT_20240493,
                    contact_name="龙岗区发展和改革局杨郁波",
                    contact_phone="88180952、13923831115",
                    commitments=(
                        (
                            "与市发改委沟通协调坪西路综合管廊项目建设事宜，加快坪西路（龙坪路-鹤鸣路）改造工程"
                            "可研报告审批，尽快推动实施建设",
                            SENT_20240493 + 224,
                        ),
                        (
                            "深入研究论证近期启动盐龙大道（坪地段）市政化改造的必要性和可行性；确有必要的，"
                            "落实项目详细规划并编制项目建议书报市发改委审批立项",
                            SENT_20240493 + 408,
                        ),
                        ("结合全区公园建设工作部署和实施时序，加快推进龙筋顶公园建设", SENT_20240493 + 773),
                        (
                            "推动清林径环库碧道建设及黄竹坑水库、长坑水库与清林径水库碧道连接，落实周边远足径郊野径",
                            SENT_20240493 + 954,
                        ),
                        (
                            "完成巴头岭公园周边道路建设、土地征转后，及时开展公园立项等研究工作",
                            SENT_20240493 + 1138,
                        ),
                    ),
                ),
            ),
        ),
    )


def _placeholder_contact(department: str) -> tuple[str, str]:
    short = {name: short for name, short, _prefix in DEPARTMENTS}[department]
    return f"{short}经办人（演示）", "0755-00000000（演示号码）"


SUGGESTIONS: list[SuggestionSpec] = [
    # -- 2024: the fifth meeting; finished, fixed dates ------------------------------
    SuggestionSpec(
        session=SESSION_2024,
        number="20240112",
        title="关于加快宝龙生物药创新发展先导区建设的建议",
        body="宝龙生物药创新发展先导区是深圳唯一以生物药为主导的产业园区。建议加快建设先导区一期、开工建设二期，"
        "加速落地高标准新型产业用房，引进基因治疗、AI制药、医疗器械等配套产业。",
        category=("财经", "产业发展"),
        lead_deputy="王五",
        co_signers=("张三",),
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec(
                "深圳市发展和改革委员会",
                role=CO,
                opinion="支持将先导区二期项目纳入市重大项目计划，请主办单位在答复中明确二期开工时间。",
            ),
            UnitSpec(
                "龙岗区发展和改革局",
                stage="accepted",
                contacts=(
                    ContactSpec(
                        date(2024, 4, 10),
                        M.SITE_VISIT,
                        ST.BEFORE,
                        "陪同代表实地察看先导区一期工地，听取意见。",
                    ),
                ),
                reply=ReplySpec(
                    grade="B",
                    body="一、关于先导区一期建设。先导区一期已动工建设，我区成立宝龙先进制造业园区高质量发展工作专班，"
                    "统筹推进建设和产业导入。\n二、关于二期建设和配套产业。下一步，将开工建设二期项目，加速落地一批"
                    "高质量、高标准新型产业用房，引进基因治疗、AI制药、医疗器械等多元化配套产业。",
                    sent_on=date(2024, 6, 7),
                    commitments=(
                        CommitmentSpec(
                            "开工建设宝龙生物药创新发展先导区二期项目", date(2024, 12, 31), "fulfilled"
                        ),
                    ),
                    feedback=(FeedbackSpec("王五", F.SATISFIED),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2024,
        number="20240208",
        title="关于加快工业园区供电环境综合升级改造、降低企业用电成本的建议",
        body="部分老旧工业园区转供电环节多、线路老化，企业用电成本高、安全隐患多。建议加快工业园区供电环境综合升级改造。",
        category=("财经", "营商环境"),
        lead_deputy="赵六",
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec(
                "龙岗区工业和信息化局",
                stage="accepted",
                reply=ReplySpec(
                    grade="A",
                    body="一、我区已完成全区134个工业园区供电环境综合升级改造，消除转供电加价和用电安全隐患。\n"
                    "二、下一步，将结合重点产业项目配套输变电工程建设，持续强化电网架构。",
                    sent_on=date(2024, 5, 30),
                    feedback=(FeedbackSpec("赵六", F.BASICALLY, "希望持续关注新建园区的用电问题。"),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2024,
        number="20240317",
        title="关于推进龙岗河碧道贯通和远足径郊野径建设的建议",
        body="龙岗河干流示范段碧道已基本建成。建议加快碧道与远足径郊野径的贯通，新建、改造绿道，打造精品郊野径线路。",
        category=("城建环资", "生态"),
        lead_deputy="张三",
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec("龙岗区水务局", role=CO, opinion="碧道贯通涉及的河道管理范围内工程由我局配合实施。"),
            UnitSpec(
                "龙岗区城市管理和综合执法局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、龙岗河干流示范段碧道基本建成贯通，全区累计建成碧道84公里，贯通远足径郊野径90公里。\n"
                    "二、下一步，将加快樟坑径山廊示范段等项目建设，新建、改造绿道8公里，打造精品远足郊野径线路。",
                    sent_on=date(2024, 6, 12),
                    commitments=(
                        CommitmentSpec(
                            "新建、改造绿道8公里，打造精品远足郊野径线路", date(2024, 12, 31), "fulfilled"
                        ),
                    ),
                ),
            ),
        ),
        close_reason="征询意见期满，代表未反馈意见，按规定办结。",
    ),
    SuggestionSpec(
        session=SESSION_2024,
        number="20240356",
        title="关于优化龙岗区公交线路、开行社区微循环巴士的建议",
        body="部分新建社区与地铁站之间缺少公交接驳。建议新增、优化公交线路，推广社区邻邻巴，改造公交候车亭。",
        category=("城建环资", "交通"),
        lead_deputy="李四",
        co_signers=("王五",),
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec(
                "龙岗区交通运输局",
                stage="accepted",
                contacts=(
                    ContactSpec(
                        date(2024, 4, 2), M.PHONE, ST.BEFORE, "电话联系代表，了解需要接驳的社区和站点。"
                    ),
                ),
                reply=ReplySpec(
                    grade="A",
                    body="一、我区新增、优化公交线路74条，试点开行社区邻邻巴线路，新增、改造75座公交候车亭。\n"
                    "二、代表提出的社区接驳需求已纳入年度线网优化，新增、优化调整公交线路35条以上。",
                    sent_on=date(2024, 5, 20),
                    feedback=(FeedbackSpec("李四", F.SATISFIED), FeedbackSpec("王五", F.SATISFIED)),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2024,
        number="20240421",
        title="关于加快龙岗区养老护理院建设的建议",
        body="龙岗区老年人口增长快，机构养老床位不足。建议加快区级养老护理院建设，推动医养结合。",
        category=("社会建设", "养老托育"),
        lead_deputy="赵六",
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec(
                "龙岗区民政局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、区级养老护理院建设工程已完成设计国际招标。\n二、下一步，将推动龙岗区养老护理院开工建设，"
                    "打造全区首个机构养老服务精品示范工程，推动基层医疗机构与养老机构签订医养结合协议。",
                    sent_on=date(2024, 6, 14),
                    commitments=(
                        CommitmentSpec(
                            "推动龙岗区养老护理院开工建设",
                            date(2024, 12, 31),
                            "not_fulfilled",
                            "项目选址调整，需重新办理用地和规划手续，年内无法开工；已纳入下一年度建设计划。",
                        ),
                    ),
                    feedback=(FeedbackSpec("赵六", F.SATISFIED),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2024,
        number="20240530",
        title="关于加快老旧小区优质饮用水入户改造的建议",
        body="部分老旧小区供水管道老化，水质和水压不稳定。建议加快小区优质饮用水改造。",
        category=("城建环资", "水务"),
        lead_deputy="张三",
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec(
                "龙岗区住房和建设局", role=CO, opinion="涉及的小区管道改造施工许可和围挡管理由我局配合办理。"
            ),
            UnitSpec(
                "龙岗区水务局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、我区正推进小区优质饮用水改造，计划完成131个小区改造，改造管道55公里以上，惠及住户超10万户。\n"
                    "二、下一步，将优先安排代表反映的小区纳入改造计划。",
                    sent_on=date(2024, 6, 11),
                    commitments=(
                        CommitmentSpec("完成131个小区优质饮用水改造", date(2024, 12, 31), "fulfilled"),
                    ),
                    feedback=(FeedbackSpec("张三", F.SATISFIED),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2024,
        number="20240618",
        title="关于加快宝荷九年一贯制学校建设、增加公办学位的建议",
        body="宝龙片区学位供需矛盾突出。建议加快宝荷九年一贯制学校等义务教育学校建设，增加公办学位供给。",
        category=("教科文卫", "教育"),
        lead_deputy="李四",
        received_on=date(2024, 2, 1),
        assigned_on=date(2024, 3, 15),
        units=(
            UnitSpec(
                "龙岗区教育局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、宝荷九年一贯制学校、深圳中学龙岗初级中学改扩建工程等12所义务教育学校项目正在进行主体建设。\n"
                    "二、下一步，将加快推进主体建设，按期交付使用，新增学位超2万座。",
                    sent_on=date(2024, 6, 13),
                    commitments=(
                        CommitmentSpec(
                            "宝荷九年一贯制学校完成主体建设并交付使用", date(2025, 8, 31), "fulfilled"
                        ),
                    ),
                    feedback=(FeedbackSpec("李四", F.SATISFIED),),
                ),
            ),
        ),
    ),
    # -- 2025: the sixth meeting; finished, fixed dates -----------------------------
    SuggestionSpec(
        session=SESSION_2025,
        number="20250086",
        title="关于加快坪山大道综合改造、提升道路环境品质的建议",
        body="坪山大道是坪山区主干道，沿线交通压力大、绿化品质不高。建议加快坪山大道综合改造，同步提升沿线环境品质。",
        category=("城建环资", "交通"),
        lead_deputy="钱七",
        co_signers=("孙八",),
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "深圳市交通运输局",
                role=CO,
                opinion="支持坪山大道综合改造，建议与“五横十纵”主干路网建设统筹推进。",
            ),
            UnitSpec(
                "深圳市坪山区人民政府",
                stage="accepted",
                contacts=(
                    ContactSpec(
                        date(2025, 4, 18), M.FACE_TO_FACE, ST.DURING, "与代表座谈，介绍坪山大道综合改造方案。"
                    ),
                ),
                reply=ReplySpec(
                    grade="B",
                    body="一、我区持续推进“五横十纵”主干路网建设，坪山大道综合改造已列入年度计划。\n"
                    "二、下一步，将加快坪山大道综合改造，完成坪山大道南段、比亚迪路等重点道路环境品质和绿化提升。",
                    sent_on=date(2025, 6, 10),
                    commitments=(
                        CommitmentSpec(
                            "完成坪山大道南段、比亚迪路等重点道路环境品质和绿化提升",
                            date(2025, 12, 31),
                            "fulfilled",
                        ),
                    ),
                    feedback=(FeedbackSpec("钱七", F.SATISFIED), FeedbackSpec("孙八", F.BASICALLY)),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250143",
        title="关于推动地铁19号线一期尽快动工建设的建议",
        body="地铁19号线（一期）已纳入市轨道五期建设规划。建议加快前期工作，推动尽快动工，完善东部轨道交通网络。",
        category=("城建环资", "交通"),
        lead_deputy="周九",
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "深圳市坪山区人民政府", role=CO, opinion="我区将做好地铁19号线一期沿线用地和征拆保障工作。"
            ),
            UnitSpec(
                "深圳市交通运输局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、地铁19号线（一期）已纳入市轨道五期建设规划。\n二、下一步，将会同坪山区推动地铁19号线一期"
                    "动工建设，并协调加快深大城际、深惠城际大鹏支线等项目建设。",
                    sent_on=date(2025, 6, 16),
                    commitments=(
                        CommitmentSpec("推动地铁19号线一期动工建设", date(2025, 12, 31), "fulfilled"),
                    ),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250177",
        title="关于推进学校和社会体育场馆“一键预约”开放共享的建议",
        body="群众反映周边体育场地少、预约难。建议扩大学校和社会体育场馆开放，实现线上一键预约。",
        category=("教科文卫", "文化体育"),
        lead_deputy="孙八",
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "坪山区教育局",
                stage="accepted",
                reply=ReplySpec(
                    grade="A",
                    body="一、我区足球、羽毛球、乒乓球等425片运动场地已可在“i深圳”平台一键预约。\n"
                    "二、新建学校的体育场地和都市型、楼宇型体育设施将同步纳入“一键预约”服务。",
                    sent_on=date(2025, 5, 28),
                    feedback=(FeedbackSpec("孙八", F.SATISFIED),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250209",
        title="关于建设坪山河干流碧道示范段、贯通坪山河碧道与马峦山郊野径的建议",
        body="坪山河水质已稳定达到地表水Ⅲ类。建议推进坪山河干流碧道示范段建设，贯通坪山河碧道与马峦山郊野径。",
        category=("城建环资", "生态"),
        lead_deputy="钱七",
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "坪山区城市管理和综合执法局", role=CO, opinion="郊野径贯通段的绿道建设和管养由我局配合。"
            ),
            UnitSpec(
                "坪山区水务局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、我区正推进坪山河干流碧道示范段建设和坪山河水廊贯通。\n二、下一步，将推动坪山河碧道-马峦山"
                    "郊野径贯通，新增绿道6公里、郊野径3公里。",
                    sent_on=date(2025, 6, 18),
                    commitments=(
                        CommitmentSpec("完成坪山河碧道-马峦山郊野径贯通", date(2025, 12, 31), "fulfilled"),
                    ),
                    feedback=(FeedbackSpec("钱七", F.BASICALLY, "请加快贯通段建设进度。"),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250255",
        title="关于加快沙湖、宝山、龙田、田头消防站建设的建议",
        body="坪山区消防站布点不足，部分片区消防救援响应时间偏长。建议加快在建消防站建设。",
        category=("社会建设", "公共安全"),
        lead_deputy="周九",
        co_signers=("吴十",),
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "深圳市坪山区人民政府",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、沙湖、宝山、龙田、田头4座消防站已列入我区重点建设项目。\n二、下一步，将加快推进4座消防站"
                    "建设，并加快完成“消防训练基地”选址工作。",
                    sent_on=date(2025, 6, 19),
                    commitments=(
                        # Still open, and a few weeks late: the overdue promise of the demo.
                        ("加快推进沙湖、宝山、龙田、田头4座消防站建设", -23),
                        CommitmentSpec("完成“消防训练基地”选址", date(2025, 12, 31), "fulfilled"),
                    ),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250318",
        title="关于打通坪山区断头路、增加停车泊位的建议",
        body="坪山区仍有断头路影响片区通行，医院、学校周边停车难。建议加快打通断头路，增加公共停车泊位。",
        category=("城建环资", "交通"),
        lead_deputy="吴十",
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "深圳市坪山区人民政府",
                stage="accepted",
                reply=ReplySpec(
                    grade="A",
                    body="一、我区已打通行政一街等18条断头路，新增停车泊位1.3万个。\n二、汤坑二路中段等断头路已列入计划，"
                    "将继续新增停车位。",
                    sent_on=date(2025, 6, 5),
                    feedback=(FeedbackSpec("吴十", F.SATISFIED),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250362",
        title="关于在坪山区每个社区建设普惠托育机构的建议",
        body="双职工家庭托育需求大。建议加快普惠托育机构建设，实现社区全覆盖。",
        category=("社会建设", "养老托育"),
        lead_deputy="孙八",
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "坪山区卫生健康局",
                stage="accepted",
                reply=ReplySpec(
                    grade="C",
                    body="一、我区持续推动托育服务机构建设，开展医院托育服务试点。\n二、部分社区暂无符合消防、日照等要求的"
                    "场地，普惠托育机构社区全覆盖需结合城市更新配建逐步解决。",
                    grade_reason="部分社区暂无符合托育机构设置标准的场地，需待城市更新项目配建后解决。",
                    sent_on=date(2025, 6, 17),
                    feedback=(
                        FeedbackSpec(
                            "孙八",
                            F.UNSATISFIED,
                            "社区托育机构覆盖没有时间表，希望明确具体计划。",
                            decision="declined",
                            decision_reason="场地条件确实受限，答复已说明结合城市更新配建的安排，不再重新办理；"
                            "请单位在城市更新中优先配建并向代表通报。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=SESSION_2025,
        number="20250411",
        title="关于推进江岭长守戏剧谷、马峦山戏剧城邦建设的建议",
        body="马峦山古村落和江岭长守客家古建筑空间独特。建议依托马峦山自然禀赋，推进戏剧谷、戏剧城邦建设，完善周边配套。",
        category=("教科文卫", "文化体育"),
        lead_deputy="吴十",
        received_on=date(2025, 2, 26),
        assigned_on=date(2025, 3, 20),
        units=(
            UnitSpec(
                "深圳市坪山区人民政府",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、我区正推进马峦山古村落活化利用，举办中国坪山国际戏剧节。\n二、下一步，将全力推进江岭长守"
                    "戏剧谷、马峦山戏剧城邦建设，完善提升马峦山及其周边配套设施。",
                    sent_on=date(2025, 6, 12),
                    commitments=(CommitmentSpec("完善提升马峦山及其周边配套设施", -4, "claimed"),),
                    feedback=(FeedbackSpec("吴十", F.SATISFIED),),
                ),
            ),
        ),
    ),
    # -- between sessions: open work, dated relative to today -----------------------
    SuggestionSpec(
        session=RECESS,
        title="关于推进燕子岭公园群、坑梓公园建设的建议",
        body="坪山中心区和坑梓片区公园服务半径不足。建议推进燕子岭公园群、坑梓公园、尖峰岭郊野公园等项目前期工作。",
        category=("城建环资", "生态"),
        lead_deputy="钱七",
        received_on=-3,
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快特殊教育学校和坪山高中园综合高中建设的建议",
        body="东部片区特殊教育和普通高中学位紧张。建议加快特殊教育学校、坪山高中园综合高中等项目建设。",
        category=("教科文卫", "教育"),
        lead_deputy="周九",
        received_on=-1,
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快推进龙岗国际艺术中心建设的建议",
        body="龙岗国际艺术中心项目已获可研批复。建议加快项目建设，补齐东部高端文化设施短板。",
        category=("教科文卫", "文化体育"),
        lead_deputy="张三",
        received_on=-6,
        assigned_on=-2,
        units=(UnitSpec("深圳市龙岗区人民政府"),),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快龙翔大道东延等续建道路建设的建议",
        body="龙翔大道东延等续建道路建设周期长，影响片区通行。建议加快续建道路建设，力争早日通车。",
        category=("城建环资", "交通"),
        lead_deputy="李四",
        received_on=-9,
        assigned_on=-4,
        units=(UnitSpec("龙岗区交通运输局"), UnitSpec("龙岗区住房和建设局", role=CO)),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快平湖辅城坳、嶂背片区污水资源化利用工程建设的建议",
        body="平湖辅城坳、嶂背片区污水处理能力不足。建议加快污水资源化利用工程及宝龙水质净化厂等项目建设。",
        category=("城建环资", "水务"),
        lead_deputy="王五",
        received_on=-8,
        assigned_on=-3,
        units=(
            UnitSpec(
                "龙岗区城市管理和综合执法局",
                stage="change_requested",
                change_reason="污水资源化利用工程和水质净化厂由区水务局负责建设，建议调整主办单位为龙岗区水务局。",
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于扶持亿元以上工业企业数字化转型的建议",
        body="中小制造企业数字化转型成本高、路径不清。建议加大对工业企业数字化转型和上云上平台的扶持。",
        category=("财经", "产业发展"),
        lead_deputy="赵六",
        received_on=-24,
        assigned_on=-20,
        units=(
            UnitSpec(
                "龙岗区发展和改革局",
                stage="change_requested",
                change_reason="企业数字化转型扶持资金和政策由区工业和信息化局负责，建议调整主办单位。",
                transfer_to="龙岗区工业和信息化局",
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快东部过境通道、如意路南延通道建设的建议",
        body="大运深港国际科教城片区对外通道不足。建议加快东部过境通道、如意路南延通道等项目进度，补齐片区基础设施短板。",
        category=("城建环资", "交通"),
        lead_deputy="张三",
        co_signers=("李四", "赵六"),
        received_on=-45,
        assigned_on=-40,
        units=(
            UnitSpec(
                "龙岗区发展和改革局",
                role=CO,
                opinion="如意路南延通道已列入区政府投资项目计划，建议主办单位在答复中说明前期工作进度。",
            ),
            UnitSpec(
                "深圳市龙岗区人民政府",
                stage="accepted",
                contacts=(
                    ContactSpec(-30, M.FACE_TO_FACE, ST.BEFORE, "与代表见面，了解片区通行需求和建议重点。"),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于全面完成“瓶改管”和老旧燃气管道更新改造的建议",
        body="部分城中村仍使用瓶装液化气，老旧燃气管道存在安全隐患。建议全面完成“瓶改管”和老旧燃气管道更新改造。",
        category=("社会建设", "公共安全"),
        lead_deputy="王五",
        received_on=-90,
        assigned_on=-85,
        units=(
            UnitSpec(
                "龙岗区住房和建设局",
                stage="accepted",
                contacts=(ContactSpec(-60, M.PHONE, ST.DURING, "电话向代表通报改造进展。"),),
                reply=ReplySpec(
                    grade="A",
                    stage="draft",
                    body="一、我区全面推进“瓶改管”和老旧燃气管道更新改造，实现全区管道天然气全覆盖。\n"
                    "二、代表反映的城中村已完成管道天然气入户。",
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快推进“工业上楼”试点项目落地的建议",
        body="龙岗区产业空间紧张，中小制造企业难以找到合适厂房。建议加快“工业上楼”试点项目落地，建设高标准可租可售的制造业用房。",
        category=("财经", "产业发展"),
        lead_deputy="赵六",
        received_on=-110,
        assigned_on=-105,
        units=(
            UnitSpec(
                "深圳市龙岗区人民政府",
                stage="accepted",
                contacts=(
                    ContactSpec(-70, M.SITE_VISIT, ST.DURING, "邀请代表察看第二批优质产业空间试点项目。"),
                ),
                reply=ReplySpec(
                    grade="B",
                    stage="draft",
                    body="一、我区积极推动第二批优质产业空间试点项目建设，新建一批高标准、定制化可租可售的制造业用房。\n"
                    "二、下一步，将推进“工业上楼”试点项目落地实施。",
                    commitments=(
                        ("推进“工业上楼”试点项目落地实施", 180),
                        CommitmentSpec("建成第二批优质产业空间试点项目", 120, "removed"),
                    ),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于建设“十分钟健身服务圈”、推进学校体育场馆基础改造的建议",
        body="居民就近健身场地不足。建议推进学校体育场馆基础改造和开放，打造“十分钟健身服务圈”。",
        category=("教科文卫", "文化体育"),
        lead_deputy="李四",
        received_on=-65,
        assigned_on=-60,
        units=(
            UnitSpec(
                "深圳市龙岗区人民政府",
                stage="accepted",
                reply=ReplySpec(
                    grade="A",
                    stage="submitted",
                    body="一、我区推进全区86所学校体育场馆基础改造，统筹做好健身设施管养。\n二、114家社会体育场馆、"
                    "124所学校体育场馆已实现“开放共享、一键预约”。",
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快深圳实验坪山学校、深圳外国语学校坪山学校建设的建议",
        body="坪山区义务教育学位缺口较大。建议加快深圳实验坪山学校、深圳外国语学校坪山学校等项目建设。",
        category=("教科文卫", "教育"),
        lead_deputy="周九",
        received_on=-100,
        assigned_on=-100,
        units=(UnitSpec("坪山区教育局", stage="accepted"),),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于推动坪山枢纽建设深圳东部综合交通主枢纽、争取深河高铁纳入上位规划的建议",
        body="坪山枢纽已升级为深圳东部综合交通主枢纽。建议推进站城一体规划建设，争取深河高铁纳入上位规划，优化东部快轨研究。",
        category=("城建环资", "交通"),
        lead_deputy="钱七",
        co_signers=("孙八", "周九", "吴十"),
        is_key=True,
        supervising_leader="市政府分管副市长（演示）",
        received_on=-70,
        assigned_on=-62,
        units=(
            UnitSpec("深圳市交通运输局", role=CO),
            UnitSpec("深圳市坪山区人民政府", role=CO, opinion="我区将做好坪山枢纽周边片区规划和用地保障。"),
            UnitSpec(
                "深圳市发展和改革委员会",
                stage="accepted",
                extend_days=45,
                extend_reason="涉及上位规划调整，需与省有关部门沟通，经批准延期答复。",
                contacts=(
                    ContactSpec(-40, M.FORUM, ST.DURING, "召开重点建议办理座谈会，代表和会办单位参加。"),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加强龙岗河、坪山河流域水环境综合治理的建议",
        body="龙岗河西湖村断面、坪山河上洋断面水质已达地表水Ⅲ类。建议两区继续推进污水零直排区建设，巩固治理成效。",
        category=("城建环资", "生态"),
        lead_deputy="王五",
        co_signers=("钱七",),
        received_on=-75,
        assigned_on=-70,
        units=(
            UnitSpec(
                "深圳市坪山区人民政府",
                role=SEPARATE,
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、坪山河上洋断面、龙岗河西湖村断面水质均达地表水Ⅲ类。\n二、下一步，将全力推进污水零直排区建设，"
                    "新建修复污水管网5.1公里，新增118个污水零直排小区。",
                    sent_on=-10,
                    commitments=(("新增118个污水零直排小区", 120),),
                ),
            ),
            UnitSpec("深圳市龙岗区人民政府", role=SEPARATE, stage="accepted"),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于海绵城市建设、提升地下空间防汛防涝能力的建议",
        body="汛期部分地下空间存在积水风险。建议加快海绵城市建设，提升地下空间防汛防涝能力。",
        category=("城建环资", "水务"),
        lead_deputy="吴十",
        received_on=-92,
        assigned_on=-89,
        units=(UnitSpec("坪山区水务局", stage="accepted"),),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于创建碳中和试点示范区、推进整区屋顶分布式光伏开发的建议",
        body="龙岗区屋顶资源丰富。建议推进整区屋顶分布式光伏开发，创建广东省碳中和试点示范区。",
        category=("财经", "产业发展"),
        lead_deputy="张三",
        received_on=-55,
        assigned_on=-50,
        units=(
            UnitSpec(
                "龙岗区发展和改革局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    stage="returned",
                    body="一、我区加快实施整区屋顶分布式光伏开发试点建设。\n二、下一步，将推进碳中和试点示范区创建。",
                    commitments=(("推进整区屋顶分布式光伏试点建设", 200),),
                    return_comment="请补充光伏项目累计并网数量和创建碳中和试点示范区的时间安排。",
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于在坪山区医院、学校周边增设公共停车场的建议",
        body="区中心医院和部分学校周边接送时段停车难、道路拥堵。建议在周边增设公共停车场。",
        category=("城建环资", "交通"),
        lead_deputy="孙八",
        received_on=-60,
        assigned_on=-55,
        units=(
            UnitSpec(
                "坪山区发展和改革局",
                stage="accepted",
                reply=ReplySpec(
                    grade="C",
                    body="一、我区持续开展停车治理，新增停车泊位。\n二、代表建议的地块现为储备用地，暂不具备建设条件。",
                    grade_reason="建议地块为储备用地，需待片区规划调整后研究。",
                    sent_on=-12,
                    feedback=(FeedbackSpec("孙八", F.UNSATISFIED, "答复未提出临时停车措施和具体时间表。"),),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于加快社康机构标准化改造、试点建设中医特色社康的建议",
        body="部分社康机构面积小、设施旧。建议加快社康标准化改造，试点建设一批中医特色社康。",
        category=("教科文卫", "医疗卫生"),
        lead_deputy="周九",
        received_on=-80,
        assigned_on=-75,
        units=(
            UnitSpec(
                "坪山区卫生健康局",
                stage="accepted",
                reply=ReplySpec(
                    grade="B",
                    body="一、我区实施社康医院标准化改造，完成4家社康机构标准化改造。\n二、下一步，将试点建设中医特色社康。",
                    sent_on=-40,
                    commitments=(("试点建设中医特色社康", 150),),
                    feedback=(
                        FeedbackSpec(
                            "周九",
                            F.UNSATISFIED,
                            "答复未说明代表所在社区社康的改造安排。",
                            decision="rehandling",
                            decision_reason="答复未回应代表提出的具体社区，请补充改造安排后重新答复。",
                        ),
                    ),
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于推进“云端学校”建设、促进优质教育资源共享的建议",
        body="建议发挥深圳市云端学校作用，扩大入驻学校范围，促进优质教育资源共享。",
        category=("教科文卫", "教育"),
        lead_deputy="李四",
        received_on=-50,
        assigned_on=-45,
        units=(
            UnitSpec(
                "龙岗区教育局",
                stage="accepted",
                reply=ReplySpec(
                    grade="A",
                    body="一、深圳市云端学校总部实体学校落户龙岗坂田，形成“总部校区+N所入驻学校”的教与学共同体。\n"
                    "二、我区将黄龙陂九年一贯制学校建成未来教育实验学校，推动更多学校入驻。",
                    sent_on=-5,
                ),
            ),
        ),
    ),
    SuggestionSpec(
        session=RECESS,
        title="关于推进垃圾分类智能化、建设垃圾分类管理信息化平台的建议",
        body="建议推进垃圾分类智能化建设，建设垃圾分类管理信息化平台，提升分类投放和收运效率。",
        category=("城建环资", "城市建设"),
        lead_deputy="吴十",
        received_on=-70,
        assigned_on=-66,
        units=(
            UnitSpec(
                "坪山区城市管理和综合执法局",
                stage="accepted",
                reply=ReplySpec(
                    grade="A",
                    body="一、我区推进垃圾分类智能化建设，垃圾分类管理信息化平台已上线。\n二、坪山区垃圾分类教育体验馆"
                    "获评“广东省科普教育基地”，持续开展分类宣传。",
                    sent_on=-25,
                    feedback=(FeedbackSpec("吴十", F.SATISFIED),),
                ),
            ),
        ),
    ),
]


# ---------------------------------------------------------------------------
# Builder
# ---------------------------------------------------------------------------


@dataclass
class DemoSummary:
    created: int = 0
    existing: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    accounts: list[str] = field(default_factory=list)
    overdue: int = 0
    due_soon: int = 0
    archived_letters: int = 0


class DemoBuilder:
    """Create the demo congress, reference data, accounts and suggestions."""

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today or timezone.localdate()
        # One hash for every demo account: hashing is deliberately slow.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.departments: dict[str, Department] = {}
        self.deputies: dict[str, Deputy] = {}
        self.deputy_users: dict[str, User] = {}
        self.clerks: dict[str, User] = {}
        self.leaders: dict[str, User] = {}
        self.prefixes = {name: prefix for name, _short, prefix in DEPARTMENTS}
        self.usernames: set[str] = set()

    def date(self, when: When) -> date:
        return when if isinstance(when, date) else self.today + timedelta(days=when)

    @transaction.atomic
    def build(self) -> DemoSummary:
        summary = DemoSummary()
        self.congress, _ = Congress.objects.get_or_create(name=CONGRESS, defaults={"short_name": "市人大"})
        self.sessions = {
            SESSION_2024: self._session(SESSION_2024, meeting=5, year=2024),
            SESSION_2025: self._session(SESSION_2025, meeting=6, year=2025),
            # The suggestions between sessions are this year's: the statistics open on them.
            RECESS: self._session(RECESS, meeting=None, year=self.today.year),
        }
        self._categories()
        for name, short_name, _prefix in DEPARTMENTS:
            self.departments[name], _ = Department.objects.update_or_create(
                name=name, defaults={"short_name": short_name, "is_active": True}
            )
        lead_unit = self.departments[LEAD_UNIT_20240493]
        self.staff = self._user("staff", Role.CONGRESS_STAFF, first_name="市人大常委会选联工委（演示）")
        self.clerks[LEAD_UNIT_20240493] = self._user(
            "clerk", Role.DEPT_CLERK, department=lead_unit, first_name="龙岗区政府经办人（演示）"
        )
        self.leaders[LEAD_UNIT_20240493] = self._user(
            "leader", Role.DEPT_LEADER, department=lead_unit, first_name="龙岗区政府领导（演示）"
        )
        for department in self.departments.values():
            self.clerk(department)
            self.leader(department)
        chen_shou_user = self._user("deputy", Role.DEPUTY, first_name=DEPUTY_CHEN_SHOU)
        self.deputies[DEPUTY_CHEN_SHOU], _ = Deputy.objects.update_or_create(
            congress=self.congress, name=DEPUTY_CHEN_SHOU, defaults={"user": chen_shou_user}
        )
        self.deputy_users[DEPUTY_CHEN_SHOU] = chen_shou_user
        for name, delegation, username in PLACEHOLDER_DEPUTIES:
            user = self._user(username, Role.DEPUTY, first_name=name)
            self.deputies[name], _ = Deputy.objects.update_or_create(
                congress=self.congress, name=name, defaults={"delegation": delegation, "user": user}
            )
            self.deputy_users[name] = user
        # The superuser is for break-glass only (each of its requests is logged); the
        # admin site's daily work is split between three administrators (三员).
        admin = self._user("admin", None, first_name="超级用户（仅限应急，演示）")
        if not (admin.is_superuser and admin.is_staff):
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])
        duties.sync()
        for username, duty, name in DUTY_ACCOUNTS:
            account = self._user(username, duty, first_name=name)
            if not account.is_staff:
                account.is_staff = True
                account.save(update_fields=["is_staff"])
        self._enrol_demo_authenticators()

        recess_sequence = 0
        for spec in [suggestion_20240493(), *SUGGESTIONS]:
            if spec.session == RECESS:
                recess_sequence += 1
            if Proposal.objects.filter(congress=self.congress, title=spec.title).exists():
                summary.existing += 1
                continue
            self._suggestion(spec, recess_sequence)
            summary.created += 1
        load_supervision_demo(self)
        add_consultation_demo(self)
        summary.statuses = Counter(
            Proposal.objects.filter(congress=self.congress).values_list("status", flat=True)
        )
        add_online_submissions(self)
        decide_demo_publications(self.congress, staff=self.staff)
        summary.archived_letters = self._archive_seed_letter()
        from reports.demo import load_report_demo  # reports sits above proposals

        load_report_demo(self.congress, self.staff)  # reports/demo.py: picked cases, an adjustment
        summary.accounts = sorted(self.usernames)
        open_proposals = Proposal.objects.filter(congress=self.congress).open()
        summary.overdue = open_proposals.overdue(self.today).count()
        summary.due_soon = open_proposals.due_within(self.today, 14).count()
        return summary

    def _enrol_demo_authenticators(self) -> None:
        """Every demo account but the deputies' gets the demo authenticator key (clerks
        too, for a congress that turns on their two-step verification)."""
        key = b32decode(DEMO_TOTP_SECRET).hex()
        for user in User.objects.filter(username__in=self.usernames).exclude(groups__name=Role.DEPUTY):
            TOTPDevice.objects.update_or_create(
                user=user, name=TOTP_NAME, defaults={"key": key, "confirmed": True, "last_t": -1}
            )

    def _archive_seed_letter(self) -> int:
        """Put the real letter of No. 20240493 in the letter archive, through the same
        preview-and-confirm import staff use; a second run finds it there and adds nothing."""
        from responses.letter_import import Upload, apply_import, stage_upload
        from responses.models import ArchivedLetter

        name = "reply-letter-20240493.txt"
        if not ArchivedLetter.objects.filter(source__original_name=name).exists():
            upload = Upload(name=name, data=(SEEDS_DIR / name).read_bytes())
            apply_import(stage_upload([upload], by=self.staff), by=self.staff)
        return ArchivedLetter.objects.count()

    # -- reference data -------------------------------------------------------

    def _session(self, name: str, *, meeting: int | None, year: int) -> Session:
        session, _ = Session.objects.update_or_create(
            congress=self.congress, name=name, defaults={"term": 7, "meeting": meeting, "year": year}
        )
        return session

    def _categories(self) -> None:
        self.categories: dict[tuple[str, str], Category] = {}
        for parent_name, children in CATEGORIES.items():
            parent, _ = Category.objects.get_or_create(congress=self.congress, parent=None, name=parent_name)
            for child_name in children:
                child, _ = Category.objects.get_or_create(
                    congress=self.congress, parent=parent, name=child_name
                )
                self.categories[(parent_name, child_name)] = child

    def _user(
        self, username: str, role: str | None, *, department: Department | None = None, first_name: str
    ) -> User:
        """A demo account with the password "demo" and exactly the given role."""
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "department": department,
                "first_name": first_name,
                "last_name": "",
                "is_active": True,
                # Reserved domain: reminder emails print in the worker's console, never leave.
                "email": f"{username}@demo.invalid",
            },
        )
        # Reset on every run, so that "demo" always works on a demo database.
        user.password = self.password_hash
        user.save(update_fields=["password"])
        if role is not None:
            user.groups.set([Group.objects.get_or_create(name=role)[0]])
        self.usernames.add(username)
        return user

    def clerk(self, department: Department) -> User:
        if department.name not in self.clerks:
            prefix = self.prefixes[department.name]
            self.clerks[department.name] = self._user(
                f"{prefix}-clerk",
                Role.DEPT_CLERK,
                department=department,
                first_name=f"{department.short_name}经办人（演示）",
            )
        return self.clerks[department.name]

    def leader(self, department: Department) -> User:
        if department.name not in self.leaders:
            prefix = self.prefixes[department.name]
            self.leaders[department.name] = self._user(
                f"{prefix}-leader",
                Role.DEPT_LEADER,
                department=department,
                first_name=f"{department.short_name}领导（演示）",
            )
        return self.leaders[department.name]

    # -- suggestions ------------------------------------------------------------

    def _suggestion(self, spec: SuggestionSpec, recess_sequence: int) -> Proposal:
        received_on = self.date(spec.received_on)
        number = spec.number or f"{received_on.year}{9000 + recess_sequence}"
        proposal = Proposal(
            congress=self.congress,
            session=self.sessions[spec.session],
            number=number,
            title=spec.title,
            body=spec.body,
            category=self.categories[spec.category],
            lead_deputy=self.deputies[spec.lead_deputy],
            received_on=received_on,
            is_key=spec.is_key,
            supervising_leader=spec.supervising_leader,
        )
        proposal.full_clean()
        proposal.log(by=self.staff, co_signers=[self.deputies[name] for name in spec.co_signers])
        if not spec.units:
            return proposal
        roles = {
            role: [self.departments[u.department] for u in spec.units if u.role == role]
            for role in Assignment.Role
        }
        proposal.assign(
            by=self.staff,
            lead=roles[LEAD][0] if roles[LEAD] else None,
            co=roles[CO],
            separate=roles[SEPARATE],
            assigned_on=self.date(spec.assigned_on if spec.assigned_on is not None else spec.received_on),
        )
        # Co-handlers first: their opinions reach the lead unit before it drafts.
        for unit in sorted(spec.units, key=lambda u: u.role != CO):
            self._unit(proposal, unit)
        proposal.refresh_from_db()
        # A lapsed feedback window may have closed it already (Congress.silence_closes_round).
        if spec.close_reason and proposal.status != Proposal.Status.CLOSED:
            proposal.close(by=self.staff, reason=spec.close_reason)
        return proposal

    def _unit(self, proposal: Proposal, unit: UnitSpec) -> None:
        department = self.departments[unit.department]
        assignment = proposal.assignments.get(department=department, status__in=Assignment.OPEN_STATUSES)
        clerk = self.clerk(department)
        if unit.stage == "change_requested":
            # Asked within the sign-for window, the day after the assignment.
            asked_on = min(assignment.assigned_on + timedelta(days=1), self.today)
            assignment.request_change(by=clerk, reason=unit.change_reason, today=asked_on)
            if unit.transfer_to:
                assignment.decide_change(
                    by=self.staff,
                    approve=True,
                    reason=unit.change_reason,
                    new_department=self.departments[unit.transfer_to],
                )
            return
        if unit.opinion:
            assignment.accept(by=clerk)
            CoOpinion.submit(assignment, by=clerk, body=unit.opinion)
            return
        if unit.stage == "accepted":
            assignment.accept(by=clerk)
        if unit.extend_days:
            assignment.extend(
                by=self.staff,
                new_due_on=assignment.due_on + timedelta(days=unit.extend_days),
                reason=unit.extend_reason,
            )
        for contact in unit.contacts:
            assignment.record_contact(
                by=clerk,
                contacted_on=self.date(contact.on),
                method=contact.method,
                stage=contact.stage,
                summary=contact.summary,
            )
        if unit.reply is not None:
            self._reply(assignment, unit.reply)

    def _reply(self, assignment: Assignment, spec: ReplySpec) -> None:
        department = assignment.department
        clerk, leader = self.clerk(department), self.leader(department)
        placeholder_name, placeholder_phone = _placeholder_contact(department.name)
        reply = Reply.start_draft(
            assignment,
            by=clerk,
            body=spec.body,
            grade=spec.grade,
            grade_reason=spec.grade_reason,
            publicity=spec.publicity,
            publicity_reason=spec.publicity_reason,
            contact_name=spec.contact_name or placeholder_name,
            contact_phone=spec.contact_phone or placeholder_phone,
            copy_to=spec.copy_to,
        )
        made: list[tuple[CommitmentSpec, Commitment]] = []
        for entry in spec.commitments:
            c = entry if isinstance(entry, CommitmentSpec) else CommitmentSpec(*entry)
            commitment = Commitment.objects.create(
                reply=reply, description=c.description, due_on=self.date(c.due), department=department
            )
            made.append((c, commitment))
        for c, commitment in made:
            if c.outcome == "removed":
                commitment.remove_from_draft()
        if spec.stage == "draft":
            return
        reply.submit(by=clerk)
        if spec.stage == "returned":
            reply.return_to_clerk(by=leader, comment=spec.return_comment)
            return
        if spec.stage == "submitted":
            return
        reply.approve(by=leader, sent_on=self.date(spec.sent_on if spec.sent_on is not None else 0))
        for feedback_spec in spec.feedback:
            feedback = Feedback.give(
                reply,
                by=self.deputy_users[feedback_spec.deputy],
                rating=feedback_spec.rating,
                comment=feedback_spec.comment,
            )
            if feedback_spec.decision == "rehandling":
                feedback.accept_rehandling(by=self.staff, reason=feedback_spec.decision_reason)
            elif feedback_spec.decision == "declined":
                feedback.decline_rehandling(by=self.staff, reason=feedback_spec.decision_reason)
        for c, commitment in made:
            self._outcome(commitment, c, clerk=clerk)
        reply.refresh_from_db()
        if not spec.feedback and reply.feedback_due_on and reply.feedback_due_on < self.today:
            # What the reminder scan would have recorded when the window passed in silence.
            reply.lapse_feedback_window(today=self.today)

    def _outcome(self, commitment: Commitment, spec: CommitmentSpec, *, clerk: User) -> None:
        """Carry a promise to what became of it, through the real transitions."""
        if spec.outcome in ("claimed", "fulfilled"):
            commitment.claim_fulfilled(
                by=clerk,
                fulfilled_on=min(commitment.due_on, self.today) - timedelta(days=10),
                summary="已按答复承诺完成，附验收材料（演示）。",
                files=[
                    SimpleUploadedFile("验收材料（演示）.pdf", DEMO_EVIDENCE, content_type="application/pdf")
                ],
            )
            if spec.outcome == "fulfilled":
                commitment.confirm(by=self.staff)
        elif spec.outcome == "not_fulfilled":
            commitment.close_not_fulfilled(by=self.staff, reason=spec.note)


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    unit: str  # the department, or the deputy's name and delegation


def demo_accounts(usernames: list[str] | None = None) -> list[Account]:
    """The demo accounts that exist, with role and unit: the main ones (MAIN_ACCOUNTS) in
    their order, or the given usernames ordered by role and name."""
    labels = {**dict(Role.choices), **dict(AdminDuty.choices)}
    wanted = usernames if usernames is not None else [name for name, _role in MAIN_ACCOUNTS]
    accounts = []
    for user in (
        User.objects.filter(username__in=wanted).select_related("department").prefetch_related("groups")
    ):
        groups = sorted(group.name for group in user.groups.all())
        role = ", ".join(str(labels.get(name, name)) for name in groups)
        if user.is_superuser and not groups:
            role = gettext("Superuser (break-glass only)")
        elif not groups and (user.supervised_themes.exists() or user.supervised_proposals.exists()):
            # No role of its own: a standing-committee leader who supervises key suggestions.
            role = gettext("supervising leader")
        deputy = user.deputy_profile if user.has_role(Role.DEPUTY) else None
        unit = user.department.name if user.department else ""
        if deputy is not None:
            unit = f"{deputy.name}（{deputy.delegation}）" if deputy.delegation else deputy.name
        accounts.append(Account(user.username, role, unit))
    if usernames is None:
        return sorted(accounts, key=lambda a: wanted.index(a.username))
    order = [str(labels[code]) for code in [*Role.values, *AdminDuty.values]]
    return sorted(
        accounts, key=lambda a: (order.index(a.role) if a.role in order else len(order), a.unit, a.username)
    )


def load_demo(*, today: date | None = None) -> DemoSummary:
    """Create (or complete) the demo data; safe to run again."""
    return DemoBuilder(today=today).build()
