"""Measure "related suggestions" (Proposal.objects.related_to): how well it ranks, and how fast.

quality   Builds a corpus of earlier suggestions from the real seed texts (the eight
          answers of reply letter No. 20240493 about 坪西路, 盐龙大道, 龙筋顶公园 …, the
          demo's suggestions built from the Longgang and Pingshan plans, and every
          paragraph of the plans and the news article as a distractor), asks it
          hand-written new suggestions whose related earlier items are known, and prints
          precision@1, recall@3 and MRR for related_to() against naive baselines (the
          longest piece of the title found in another title, as a title ILIKE search
          would; shared characters), and against jieba words with the same scoring
          when jieba is importable. Also how many of six suggestions on subjects the
          corpus does not have get a related item anyway; and all of it again with the
          political prose that opens the Pingshan plan put before each new body ("long
          bodies"). Runs on a temporary SQLite database: the same queries as on
          PostgreSQL.

timing    Times related_suggestions() (the detail page's card) among 100,000 suggestions in
          PostgreSQL, for congress staff and for the busiest unit's clerk. An empty
          database is loaded with bench_proposal_list.py's loader (the demo, 100,000
          suggestions titled after the seed plans' programmes and places, 1.3 assignments
          each, sent replies) plus bodies of three to six seed-plan sentences, then
          indexed (manage.py index_subjects). A database that holds data is measured as
          it is; nothing is ever dropped. The default database is its own,
          tracker_bench_related, so that the list benchmark's data stays as it was.

    .venv/bin/python bench/bench_related.py quality
    .venv/bin/python bench/bench_related.py quality -v        # and the top three of every query
    .venv/bin/python bench/bench_related.py timing            # postgres://…/tracker_bench_related
    .venv/bin/python bench/bench_related.py timing --explain  # and the query plans

See bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench_related"


@dataclass
class Doc:
    key: str
    title: str
    body: str
    year: int


@dataclass
class Query:
    title: str
    body: str
    relevant: set[str] = field(default_factory=set)


# ---------------------------------------------------------------------------
# The corpus: earlier suggestions, from the seed texts
# ---------------------------------------------------------------------------


def _seed(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        path = ROOT / "proposals" / "seeds" / name
    return path.read_text(encoding="utf-8")


def letter_docs() -> list[Doc]:
    """Reply letter No. 20240493, one earlier suggestion per subject it answers.

    Its four numbered answers quote the suggestion's requests; the third answers on
    坪西路 and 盐龙大道 separately (一是, 二是, 三是), the fourth on two parks and a greenway
    (a paragraph each). Titles are written as deputies write them; bodies are the letter's.
    """
    text = re.sub(r"\[bookmark:[^\]]*\]\s*", "", _seed("reply-letter-20240493.txt"))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    sections: dict[str, list[str]] = {}
    current = ""
    for line in lines:
        if match := re.match(r"^(\d)、", line):
            current = match.group(1)
            sections[current] = []
        elif current and not line.startswith(("再次感谢", "深圳市龙岗区", "（联系人", "办理结果", "20")):
            sections[current].append(line)

    def pick(section: str, start: str) -> str:
        return next(line for line in sections[section] if line.startswith(start))

    return [
        Doc(
            "L1 绿色低碳",
            "关于申报省级区域协同与绿色低碳发展示范平台、打造东部绿色低碳产业集群的建议",
            "\n".join(sections["1"]),
            2024,
        ),
        Doc(
            "L2 储能评议基地",
            "关于建立高规格组织协调架构、筹建海关总署储能评议基地的建议",
            "\n".join(sections["2"]),
            2024,
        ),
        Doc("L3a 坪西路", "关于推动坪西路改造项目尽快实施的建议", pick("3", "一是"), 2024),
        Doc("L3b 盐龙大道", "关于推进盐龙大道（坪地段）市政化改造的建议", pick("3", "二是"), 2024),
        Doc("L3c 干线路网", "关于加速片区干线路网互联互通的建议", pick("3", "三是"), 2024),
        Doc("L4a 龙筋顶公园", "关于加快龙筋顶公园建设的建议", pick("4", "龙筋顶公园"), 2024),
        Doc("L4b 巴头岭公园", "关于推进巴头岭公园立项建设的建议", pick("4", "巴头岭公园"), 2024),
        Doc(
            "L4c 水库碧道",
            "关于建设黄竹坑、长坑、清林径水库环库碧道的建议",
            pick("4", "根据市委市政府"),
            2024,
        ),
    ]


# The demo's suggestions (proposals/demo.py, built from the plans), by a key for the queries.
DEMO_KEYS = {
    "发展新质生产力": "D 20240493",
    "宝龙生物药": "D 宝龙生物药",
    "供电环境": "D 园区供电",
    "龙岗河碧道": "D 龙岗河碧道",
    "公交线路": "D 公交",
    "养老护理院": "D 养老护理院",
    "优质饮用水": "D 饮用水",
    "宝荷": "D 宝荷学校",
    "坪山大道": "D 坪山大道",
    "19号线": "D 地铁19号线",
    "一键预约": "D 体育场馆预约",
    "坪山河干流碧道": "D 坪山河碧道",
    "消防站": "D 消防站",
    "断头路": "D 断头路停车",
    "托育": "D 托育",
    "戏剧谷": "D 戏剧谷",
    "燕子岭": "D 燕子岭公园",
    "特殊教育": "D 特殊教育",
    "艺术中心": "D 艺术中心",
    "龙翔大道": "D 龙翔大道",
    "污水资源化": "D 污水资源化",
    "数字化转型": "D 数字化转型",
    "东部过境": "D 东部过境通道",
    "瓶改管": "D 瓶改管",
    "工业上楼": "D 工业上楼",
    "十分钟健身": "D 健身服务圈",
    "实验坪山学校": "D 实验坪山学校",
    "坪山枢纽": "D 坪山枢纽",
    "水环境综合治理": "D 流域水环境",
    "海绵城市": "D 海绵城市",
    "光伏": "D 屋顶光伏",
    "公共停车场": "D 医院学校停车场",
    "社康": "D 社康",
    "云端学校": "D 云端学校",
    "垃圾分类": "D 垃圾分类",
}


def demo_docs() -> list[Doc]:
    from proposals.demo import SUGGESTIONS, suggestion_20240493

    docs = []
    for spec in [suggestion_20240493(), *SUGGESTIONS]:
        key = next(key for fragment, key in DEMO_KEYS.items() if fragment in spec.title)
        year = 2024 if "第五次" in spec.session else 2025
        docs.append(Doc(key, spec.title, spec.body, year))
    return docs


def boilerplate() -> str:
    """The opening paragraph of the Pingshan plan: the political prose many suggestions
    open with. Wrapped around each new suggestion's body in the "long body" run (and so
    left out of the corpus)."""
    return _seed("pingshan-2024-plan.txt").splitlines()[7].strip()


def distractor_docs() -> list[Doc]:
    """Every paragraph of the plans and the news article, titled by its first sentence:
    they name dozens of the same roads, parks and programmes in passing."""
    docs = []
    padding = boilerplate()
    for name, year in (
        ("longgang-2022-plan.txt", 2022),
        ("pingshan-2024-plan.txt", 2023),
        ("longgang-industry-news-2022.txt", 2022),
    ):
        for index, line in enumerate(_seed(name).splitlines()):
            line = line.strip()
            if len(line) < 80 or line == padding:
                continue
            line = re.sub(r"^\d+\.", "", line)
            first = re.split(r"[。:：]", line, maxsplit=1)[0]
            title = first if len(first) <= 30 else first[:20]
            docs.append(Doc(f"P {name[:8]}:{index}", title, line, year))
    return docs


# ---------------------------------------------------------------------------
# The queries: new suggestions, written as a deputy would a year later
# ---------------------------------------------------------------------------

QUERIES = [
    Query(
        "关于加快坪西路市政改造工程建设的建议",
        "坪西路（龙坪路至鹤鸣路段）路面狭窄、高峰期拥堵，市政改造工程项目建议书2015年已批复，至今未动工。"
        "建议加快可研报告审批，尽快开工建设。",
        {"L3a 坪西路", "D 20240493"},
    ),
    Query(
        "关于盐龙大道坪地段市政化改造的建议",
        "盐龙大道坪地段仍是公路形态，货车多，行人过街不便。建议启动市政化改造，编制项目建议书报市发改委立项。",
        {"L3b 盐龙大道", "D 20240493"},
    ),
    Query(
        "关于尽快建成龙筋顶公园的建议",
        "国际低碳城周边居民缺少休闲去处。龙筋顶公园已纳入全市公园建设发展专项规划，建议加快立项和建设。",
        {"L4a 龙筋顶公园"},
    ),
    Query(
        "关于推进坪地街道巴头岭公园建设的建议",
        "巴头岭公园位于坪西路旁，周边工业区和居民区缺少公园绿地。建议加快周边道路建设和土地征转，尽快立项。",
        {"L4b 巴头岭公园"},
    ),
    Query(
        "关于建设清林径水库环库碧道的建议",
        "黄竹坑、长坑水库碧道已开放，市民反响好。建议在保护饮用水源的前提下建设清林径环库碧道，并与两座水库碧道连通。",
        {"L4c 水库碧道"},
    ),
    Query(
        "关于加快海关总署储能评议基地落地的建议",
        "储能是龙岗区绿色低碳产业的重点。建议成立市区两级工作专班，高位推动海关总署储能评议基地落地。",
        {"L2 储能评议基地", "D 20240493"},
    ),
    Query(
        "关于打造深圳东部绿色低碳产业集群的建议",
        "建议争取省级政策支持，申报区域协同与绿色低碳发展示范平台，推动深莞惠绿色低碳产业协同发展。",
        {"L1 绿色低碳", "D 20240493"},
    ),
    Query(
        "关于支持宝龙生物药创新发展先导区二期建设的建议",
        "先导区一期已建成，企业入驻需求旺盛。建议尽快开工二期，完善生物医药产业配套。",
        {"D 宝龙生物药"},
    ),
    Query(
        "关于解决老旧工业园区转供电加价问题的建议",
        "部分工业园区仍存在转供电加价，企业用电成本高。建议继续推进园区供电设施改造。",
        {"D 园区供电"},
    ),
    Query(
        "关于完善龙岗河碧道配套设施的建议",
        "龙岗河碧道已贯通，但沿线缺少公厕、照明和休憩设施。建议完善碧道配套，连通远足径。",
        {"D 龙岗河碧道"},
    ),
    Query(
        "关于增开社区邻邻巴、优化公交接驳的建议",
        "新建社区离地铁站远，公交接驳不便。建议增开社区邻邻巴线路，优化公交站点设置。",
        {"D 公交"},
    ),
    Query(
        "关于尽快开工建设龙岗区养老护理院的建议",
        "区级养老护理院设计招标已完成。建议尽快开工，缓解养老床位紧张。",
        {"D 养老护理院"},
    ),
    Query(
        "关于老旧小区供水管道改造的建议",
        "部分老旧小区水压不足、水质发黄。建议加快优质饮用水入户改造，更换老化供水管道。",
        {"D 饮用水"},
    ),
    Query(
        "关于宝荷九年一贯制学校如期开学的建议",
        "宝龙片区适龄儿童多，学位紧张。建议确保宝荷九年一贯制学校按期建成招生。",
        {"D 宝荷学校"},
    ),
    Query(
        "关于坪山大道沿线绿化和交通改善的建议",
        "坪山大道高峰期拥堵，沿线绿化品质有待提高。建议加快综合改造工程。",
        {"D 坪山大道"},
    ),
    Query(
        "关于加快建设地铁19号线的建议",
        "坪山区轨道交通不足。建议加快地铁19号线一期建设，早日开通运营。",
        {"D 地铁19号线"},
    ),
    Query(
        "关于扩大学校体育场馆向社会开放的建议",
        "居民运动场地不足，学校体育场馆开放时间短、预约难。建议扩大开放，完善线上预约。",
        {"D 体育场馆预约", "D 健身服务圈"},
    ),
    Query(
        "关于贯通坪山河碧道与马峦山郊野径的建议",
        "坪山河碧道示范段已建成，但与马峦山郊野径尚未连通。建议尽快打通，方便市民徒步。",
        {"D 坪山河碧道"},
    ),
    Query(
        "关于加快坪山区消防站建设的建议",
        "坑梓、龙田片区消防救援力量不足。建议加快消防站建设，配齐消防装备。",
        {"D 消防站"},
    ),
    Query(
        "关于解决坪山区人民医院周边停车难的建议",
        "区人民医院周边停车位不足，接送时段道路拥堵。建议增设停车场和停车泊位。",
        {"D 医院学校停车场", "D 断头路停车"},
    ),
    Query(
        "关于增加普惠托育服务供给的建议",
        "双职工家庭多，托育机构少、费用高。建议增加社区普惠托育机构。",
        {"D 托育"},
    ),
    Query(
        "关于打造马峦山戏剧城邦的建议",
        "马峦山古村落风貌独特。建议依托国际戏剧节，建设戏剧城邦和江岭长守戏剧谷。",
        {"D 戏剧谷"},
    ),
    Query(
        "关于完善燕子岭公园群配套设施的建议",
        "燕子岭公园群游客多，停车和公厕不足。建议完善配套设施。",
        {"D 燕子岭公园"},
    ),
    Query(
        "关于加快如意路南延通道建设的建议",
        "大运片区对外交通不畅。建议加快如意路南延通道和东部过境通道建设。",
        {"D 东部过境通道"},
    ),
    Query(
        "关于城中村管道天然气改造的建议",
        "城中村仍有居民使用瓶装液化气，存在安全隐患。建议加快管道天然气入户。",
        {"D 瓶改管"},
    ),
    Query(
        "关于扩大“工业上楼”厂房供给的建议",
        "中小制造企业厂房租金高。建议扩大“工业上楼”厂房供给，降低租金。",
        {"D 工业上楼"},
    ),
    Query(
        "关于推动深河高铁在坪山枢纽设站的建议",
        "坪山枢纽是深圳东部综合交通主枢纽。建议争取深河高铁在坪山枢纽设站。",
        {"D 坪山枢纽"},
    ),
    Query(
        "关于加强地下车库防汛防涝的建议",
        "汛期部分小区地下车库进水。建议提升地下空间防汛防涝能力，推进海绵城市建设。",
        {"D 海绵城市"},
    ),
    Query(
        "关于推广工业厂房屋顶光伏的建议",
        "工业厂房屋顶面积大。建议推广分布式光伏，助力碳中和。",
        {"D 屋顶光伏"},
    ),
    Query(
        "关于建设中医特色社康中心的建议",
        "居民对中医服务需求增长。建议在社康机构标准化改造中设置中医馆。",
        {"D 社康"},
    ),
    Query(
        "关于提升垃圾分类投放点智能化水平的建议",
        "部分小区垃圾分类投放点脏乱。建议推广智能投放设备，提升收运效率。",
        {"D 垃圾分类"},
    ),
    Query(
        "关于扩大深圳云端学校覆盖面的建议",
        "优质教育资源分布不均。建议扩大云端学校入驻学校范围。",
        {"D 云端学校"},
    ),
    Query(
        "关于加快坪山区特殊教育学校建设的建议",
        "东部片区特殊儿童就学难。建议加快特殊教育学校建设。",
        {"D 特殊教育"},
    ),
    Query(
        "关于深圳实验坪山学校扩大招生的建议",
        "坪山区义务教育学位紧张。建议深圳实验坪山学校扩大招生规模。",
        {"D 实验坪山学校"},
    ),
    Query(
        "关于龙翔大道东延早日通车的建议",
        "龙翔大道东延工程工期长。建议加快施工，早日通车。",
        {"D 龙翔大道"},
    ),
    Query(
        "关于龙岗国际艺术中心建设进度的建议",
        "龙岗国际艺术中心已获可研批复。建议加快建设进度。",
        {"D 艺术中心"},
    ),
    Query(
        "关于平湖片区污水处理能力提升的建议",
        "平湖辅城坳片区污水处理能力不足。建议加快污水资源化利用工程建设。",
        {"D 污水资源化"},
    ),
    Query(
        "关于支持中小制造企业数字化转型的建议",
        "中小制造企业数字化转型难。建议加大扶持，推动上云上平台。",
        {"D 数字化转型"},
    ),
]

# New suggestions on subjects the corpus does not have: ideally nothing is shown.
UNRELATED = [
    Query("关于规范电动自行车停放充电的建议", "住宅楼道内电动自行车充电火灾隐患大。建议建设集中充电棚。"),
    Query("关于加强宠物犬只管理的建议", "遛狗不牵绳、犬只伤人事件时有发生。建议加强犬只登记和执法。"),
    Query("关于治理外卖骑手交通违法的建议", "外卖骑手逆行、闯红灯现象多。建议平台和交警联合治理。"),
    Query("关于规范住宅小区物业管理收费的建议", "部分小区物业费不透明。建议公开收支，规范收费。"),
    Query("关于推广长者助餐服务的建议", "独居老人吃饭难。建议在社区推广长者饭堂和送餐服务。"),
    Query("关于延长图书馆夜间开放时间的建议", "上班族下班后难以使用图书馆。建议延长夜间开放时间。"),
]


# ---------------------------------------------------------------------------
# Rankers
# ---------------------------------------------------------------------------

Ranker = Callable[[Query], list[str]]
CJK = re.compile(r"[\u3400-\u9fff]")


def _core(title: str) -> str:
    return re.sub(r"^关于|的建议$", "", title)


def title_substring_ranker(docs: list[Doc]) -> Ranker:
    """Naive: the longest piece of the new title (two characters or more) that another
    title contains, as someone would search with title ILIKE '%…%', longest first."""

    def longest_common(a: str, b: str) -> int:
        best = 0
        for i in range(len(a)):
            for j in range(i + best + 1, len(a) + 1):
                if a[i:j] in b:
                    best = j - i
                else:
                    break
        return best

    def rank(query: Query) -> list[str]:
        core = _core(query.title)
        scored = [(longest_common(core, _core(d.title)), d.key) for d in docs]
        return [key for score, key in sorted(scored, key=lambda s: -s[0]) if score >= 2]

    return rank


def character_overlap_ranker(docs: list[Doc]) -> Ranker:
    """Naive: Jaccard similarity of the sets of Chinese characters in title and body."""
    sets = [(d.key, set(CJK.findall(d.title + d.body))) for d in docs]

    def rank(query: Query) -> list[str]:
        mine = set(CJK.findall(query.title + query.body))
        scored = [(len(mine & s) / len(mine | s), key) for key, s in sets]
        return [key for score, key in sorted(scored, key=lambda s: -s[0]) if score > 0]

    return rank


def jieba_ranker(docs: list[Doc]) -> Ranker | None:
    """related_to()'s scoring (IDF × title/body weights, stop words, the same bar) with
    jieba's words instead of character bigrams; None when jieba is not installed (it is
    not a dependency: pip install jieba to compare)."""
    try:
        import jieba
    except ImportError:
        return None
    import logging

    from proposals import models as settings_module  # the RELATED_* constants
    from proposals.similarity import BODY_WEIGHT, MAX_BODY_TERMS, STOP_WORDS, TITLE_WEIGHT

    jieba.setLogLevel(logging.WARNING)
    stop = set(STOP_WORDS)

    def words(text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        return [w for w in jieba.lcut(text) if len(w) >= 2 and w not in stop and re.search(r"\w", w)]

    def terms(title: str, body: str) -> dict[str, int]:
        weights = dict.fromkeys(words(title), TITLE_WEIGHT)
        counts: dict[str, int] = {}
        for w in words(body):
            if w not in weights:
                counts[w] = counts.get(w, 0) + 1
        for w in sorted(counts, key=counts.__getitem__, reverse=True)[:MAX_BODY_TERMS]:
            weights[w] = BODY_WEIGHT
        return weights

    indexed = [(d.key, terms(d.title, d.body)) for d in docs]
    df: dict[str, int] = {}
    for _key, t in indexed:
        for w in t:
            df[w] = df.get(w, 0) + 1
    total = len(docs)

    def rank(query: Query) -> list[str]:
        weights = terms(query.title, query.body)

        def rarity(w: str) -> float:
            return math.log((total + 1) / df.get(w, 1))

        title = [w for w, q in weights.items() if q == TITLE_WEIGHT] or list(weights)
        threshold = settings_module.RELATED_MIN_SHARE * sum(rarity(w) * weights[w] ** 2 for w in title)
        scores = {w: rarity(w) * q for w, q in weights.items() if w in df}
        top = sorted(scores, key=lambda w: (weights[w] == TITLE_WEIGHT, scores[w]), reverse=True)
        top = top[: settings_module.RELATED_MAX_TERMS]
        scored = [(sum(scores[w] * t[w] for w in top if w in t), key) for key, t in indexed]
        return [key for score, key in sorted(scored, key=lambda s: -s[0]) if score >= threshold and score > 0]

    return rank


# ---------------------------------------------------------------------------
# quality
# ---------------------------------------------------------------------------


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load_corpus(docs: list[Doc]) -> dict[int, str]:
    """Store the corpus as suggestions of one session per year, logged in the order of the
    years as an office logs them (equally related suggestions are shown newest first,
    by primary key); returns pk → doc key."""
    from proposals.models import Congress, Deputy, Proposal, Session, SubjectTerm

    docs = sorted(docs, key=lambda d: d.year)

    congress = Congress.objects.create(name="深圳市人民代表大会")
    deputy = Deputy.objects.create(congress=congress, name="代表甲", delegation="基准测试")
    sessions = {
        year: Session.objects.create(
            congress=congress, name=f"{year}年会议", term=7, meeting=year - 2020, year=year
        )
        for year in sorted({d.year for d in docs})
    }
    rows = Proposal.objects.bulk_create(
        Proposal(
            congress=congress,
            session=sessions[d.year],
            number=f"{d.year}{index:04d}",
            title=d.title[:300],
            body=d.body,
            lead_deputy=deputy,
            received_on=date(d.year, 2, 1),
        )
        for index, d in enumerate(docs, start=1)
    )
    SubjectTerm.objects.rebuild(Proposal.objects.all())
    return {row.pk: d.key for row, d in zip(rows, docs, strict=True)}


def related_to_ranker(keys: dict[int, str]) -> Ranker:
    from proposals.models import Proposal

    def rank(query: Query) -> list[str]:
        new = Proposal(title=query.title, body=query.body)
        return [keys[pk] for pk in Proposal.objects.related_to(new, limit=20).values_list("pk", flat=True)]

    return rank


def evaluate(rank: Ranker, *, long_bodies: bool = False) -> dict[str, float]:
    """Precision@1, recall@3 and mean reciprocal rank over QUERIES (a query that gets
    nothing counts as a miss), and how many of UNRELATED get anything at all."""

    def ask(query: Query) -> list[str]:
        if long_bodies:
            query = Query(query.title, boilerplate() + "\n" + query.body, query.relevant)
        return rank(query)

    p1 = r3 = rr = 0.0
    for query in QUERIES:
        ranked = ask(query)
        p1 += bool(ranked) and ranked[0] in query.relevant
        r3 += len(query.relevant & set(ranked[:3])) / len(query.relevant)
        rr += next((1 / i for i, key in enumerate(ranked[:20], start=1) if key in query.relevant), 0.0)
    n = len(QUERIES)
    return {"p1": p1 / n, "r3": r3 / n, "mrr": rr / n, "unrelated": sum(bool(ask(q)) for q in UNRELATED)}


def quality(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(f"sqlite:///{tmp}/related.sqlite3")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        docs = letter_docs() + demo_docs() + distractor_docs()
        keys = load_corpus(docs)
        print(
            f"Corpus: {len(docs)} earlier suggestions ({len(letter_docs())} from reply letter 20240493, "
            f"{len(demo_docs())} demo suggestions, {len(distractor_docs())} plan and news paragraphs); "
            f"{len(QUERIES)} new suggestions with known related items, {len(UNRELATED)} on other subjects.\n"
        )
        rankers: list[tuple[str, Ranker | None]] = [
            ("related_to (bigrams, IDF)", related_to_ranker(keys)),
            ("jieba words, same scoring", jieba_ranker(docs)),
            ("title ILIKE longest piece", title_substring_ranker(docs)),
            ("shared characters", character_overlap_ranker(docs)),
        ]
        header = (
            f"{'method':<28} {'P@1':>5} {'R@3':>5} {'MRR':>5} {'unrelated':>9}"
            f"   long bodies: {'P@1':>5} {'R@3':>5} {'MRR':>5} {'unrelated':>9}"
        )
        print(header)
        print("-" * len(header))
        for label, rank in rankers:
            if rank is None:
                print(f"{label:<28} (jieba is not installed)")
                continue
            cells = []
            for long_bodies in (False, True):
                m = evaluate(rank, long_bodies=long_bodies)
                shown = f"{m['unrelated']} of {len(UNRELATED)}"
                cells.append(f"{m['p1']:>5.2f} {m['r3']:>5.2f} {m['mrr']:>5.2f} {shown:>9}")
            print(f"{label:<28} {cells[0]}   {'':>13}{cells[1]}")
        if args.verbose:
            rank = related_to_ranker(keys)
            print()
            for query in QUERIES + UNRELATED:
                ranked = rank(query)[:3]
                mark = "ok " if ranked and ranked[0] in query.relevant else "-- " if query.relevant else "   "
                print(f"{mark}{query.title}  →  {' | '.join(ranked) or '(nothing)'}")


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def add_bodies(seed: int) -> None:
    """Give the loaded suggestions bodies: the request in the title, then three to six
    sentences of the seed plans (real places and programmes, and their prose), some 300
    characters, so that every suggestion stores its body's terms too."""
    import random

    from django.db import connection, transaction

    from proposals.models import Proposal

    sentences = [
        s.strip()
        for name in ("longgang-2022-plan.txt", "pingshan-2024-plan.txt", "longgang-industry-news-2022.txt")
        for s in re.split(r"[。\n]", _seed(name))
        if 20 <= len(s.strip()) <= 120
    ]
    rng = random.Random(seed)
    rows = list(Proposal.objects.filter(body="").values_list("pk", "title"))
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                "UPDATE proposals_proposal SET body = %s WHERE id = %s",
                [
                    (_core(title) + "。" + "。".join(rng.sample(sentences, rng.randint(3, 6))) + "。", pk)
                    for pk, title in rows[start : start + 5000]
                ],
            )
    print(f"  {len(rows):,} bodies")


def prepare(args: argparse.Namespace) -> None:
    """Load the database with bench_proposal_list.py's loader if it is empty; never drop it."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_proposal_list import bench_count, database_name, ensure_database, load

    url = args.database_url
    if "bench" not in database_name(url):
        sys.exit("Use a benchmark database (its name contains 'bench').")
    ensure_database(url, recreate=False)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from proposals.models import Proposal, SubjectTerm

    call_command("migrate", verbosity=0)
    loaded = not Proposal.objects.exists()
    if loaded:
        print(f"Loading {args.count:,} suggestions into {database_name(url)}")
        load(args.count, batch_size=5000, seed=args.seed)
        add_bodies(args.seed)
    elif bench_count() < 1000:
        sys.exit(
            f"{database_name(url)} holds no benchmark suggestions; choose an empty or a benchmark database."
        )
    # The loader bulk-inserts: only the demo's suggestions, logged one by one, are indexed.
    if loaded or args.reindex or not SubjectTerm.objects.exists():
        started = time.perf_counter()
        call_command("index_subjects")
        # Index-only scans need the visibility map; the planner needs the statistics.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE proposals_subjectterm")
            cursor.execute("VACUUM ANALYZE proposals_proposal")
        print(f"Indexed in {time.perf_counter() - started:.1f} s")


def timing(args: argparse.Namespace) -> None:
    prepare(args)
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from proposals.models import Assignment, Proposal, SubjectTerm
    from proposals.related import related_suggestions
    from tracker.models import User

    total, terms = Proposal.objects.count(), SubjectTerm.objects.count()
    print(f"{connection.settings_dict['NAME']}: {total:,} suggestions, {terms:,} subject terms")
    print(
        f"related_suggestions() (the card: limit 5), {args.repeat} timed calls per case after one warm-up\n"
    )

    staff = User.objects.get(username="staff")
    busiest = (
        Assignment.objects.values("department").annotate(n=Count("pk")).order_by("-n").first() or {}
    ).get("department")
    clerk = User.objects.filter(department_id=busiest, is_active=True).order_by("pk").first()
    cases: list[tuple[str, Any, Any]] = []
    for subject in ("坪西路改造", "盐龙大道", "龙筋顶公园", "地铁19号线", "普惠托育"):
        proposal = Proposal.objects.filter(title__contains=subject).order_by("-pk").first()
        if proposal is None:
            continue
        cases.append((f"{subject} · staff", proposal, staff))
        if clerk is not None:
            cases.append((f"{subject} · busiest unit's clerk", proposal, clerk))
    letter = Proposal.objects.filter(number="20240493").first()
    if letter is not None:
        cases.append(("20240493, the seed letter · staff", letter, staff))

    header = f"{'case':<40} {'shown':>5} {'median ms':>10} {'p95 ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for label, proposal, user in cases:
        related_suggestions(proposal, user=user)
        with CaptureQueriesContext(connection) as queries:
            found = related_suggestions(proposal, user=user)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            related_suggestions(proposal, user=user)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{_pad(label, 40)} {len(found):>5} {statistics.median(timings):>10.1f} "
            f"{percentile(timings, 0.95):>8.1f} {len(queries):>8}"
        )
    if args.explain and cases:
        label, proposal, user = cases[0]
        with CaptureQueriesContext(connection) as queries:
            related_suggestions(proposal, user=user)
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of each query, {label}:")
        with connection.cursor() as cursor:
            for query in queries.captured_queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n" + "\n".join(row[0] for row in cursor.fetchall()))


def _pad(text: str, width: int) -> str:
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - cells)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality", help="rank the seed corpus; precision@1, recall@3, MRR")
    q.add_argument("-v", "--verbose", action="store_true", help="print the top three of every query")
    t = sub.add_parser("timing", help="time the card on 100,000 suggestions in PostgreSQL")
    t.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    t.add_argument("--count", type=int, default=100_000, help="suggestions to load into an empty database")
    t.add_argument("--seed", type=int, default=20240493)
    t.add_argument("--repeat", type=int, default=30)
    t.add_argument("--reindex", action="store_true", help="recompute the subject terms first")
    t.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the first case's queries")
    args = parser.parse_args(argv)
    quality(args) if args.command == "quality" else timing(args)


if __name__ == "__main__":
    main()
