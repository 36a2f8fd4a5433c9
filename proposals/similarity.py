"""Subject terms of a suggestion: what ``Proposal.objects.related_to()`` matches on.

Chinese is written without spaces, and the words that name a suggestion's subject are
mostly proper names no general dictionary knows (坪西路, 盐龙大道, 龙筋顶公园). A word
segmenter such as jieba cuts 坪西路 into 坪 + 西路, and 西路 ends half the roads of a city;
pg_trgm's trigrams ignore CJK characters altogether under the C/POSIX ctype locale. So
the terms are overlapping character bigrams (坪西路 → 坪西, 西路), which keep every name
without a dictionary; weighting each term by how rare it is among all suggestions (its
inverse document frequency, at query time) makes 坪西 count and 西路 hardly at all.
Boilerplate (关于…的建议, 加快推进, 进一步) is cut out before the bigrams are taken, so it
neither adds terms nor joins its neighbours into false ones (加快坪西路 gives no 快坪).
bench/bench_related.py measures how well this ranks on the seed texts.
"""

from __future__ import annotations

import re
import unicodedata

# A term found in the title counts this many times one found only in the body: a
# suggestion's subject is in its title, the body repeats it among much else (with 2,
# twice as many unrelated suggestions were shown when bodies open with political prose;
# bench/bench_related.py).
TITLE_WEIGHT = 3
BODY_WEIGHT = 1
# In the suggestion whose related ones are sought, a place's name (the two characters
# before 路, 大道, 公园 …: 坪西 of 坪西路, 盐龙 of 盐龙大道) counts this many times more:
# the same road, park or line is what makes two suggestions the same subject, more than
# the work asked for (市政改造工程建设). Rarity alone does not ensure it once a road has
# come back several times: in a small congress's few hundred suggestions 坪西 is then no
# rarer than 工程.
NAME_WEIGHT = 2
# The body's most frequent terms are kept, not all of them: a two-page suggestion has
# some two thousand distinct bigrams, nearly all incidental, and each one stored is a row.
# 48 lost the third and fourth subjects of a body that lists four (No. 20240493's);
# 96 finds as much as keeping all on the seed texts (bench/bench_related.py).
MAX_BODY_TERMS = 96
# Longest stored term (an ASCII word such as "vocs"; CJK terms are two characters).
MAX_TERM_LENGTH = 20

# Boilerplate of suggestions and reply letters: words that say nothing about the subject.
# Longest first, so that 加快推进 goes before 加快 and 推进 could split it.
STOP_WORDS = sorted(
    {
        "关于",
        "建议",
        "意见",
        "提案",
        "议案",
        "代表",
        "加快",
        "推进",
        "推动",
        "进一步",
        "尽快",
        "加强",
        "完善",
        "优化",
        "提升",
        "支持",
        "积极",
        "持续",
        "切实",
        "全面",
        "深入",
        "不断",
        "大力",
        "着力",
        "做好",
        "开展",
        "落实",
        "实施",
        "促进",
        "解决",
        "问题",
        "情况",
        "工作",
        "方面",
        "有关",
        "相关",
        "目前",
        "当前",
        "下一步",
        "我区",
        "我市",
        "我局",
        "以及",
        "进行",
        "通过",
        "根据",
        "按照",
        "结合",
        "其中",
        "已经",
        "正在",
        "逐步",
        "争取",
        "力争",
        "确保",
        "给予",
        "的",
    },
    key=len,
    reverse=True,
)
_STOP_RE = re.compile("|".join(map(re.escape, STOP_WORDS)))
# What the names of roads, parks, waters, lines, schools and areas end with.
PLACE_SUFFIXES = (
    "路",
    "大道",
    "街",
    "桥",
    "隧道",
    "通道",
    "公园",
    "水库",
    "河",
    "湖",
    "山",
    "岭",
    "碧道",
    "绿道",
    "站",
    "枢纽",
    "号线",
    "学校",
    "中学",
    "小学",
    "医院",
    "片区",
    "社区",
    "街道",
    "园区",
    "产业园",
    "村",
)
# CJK runs (the unified ideographs and extension A), ASCII words, and a number
# followed by 号 (地铁19号线 → 19号: the line's number is what tells two lines apart).
_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|\d+号|[a-z0-9]+")


def _tokens(text: str) -> list[str]:
    # NFKC folds full-width letters, digits and brackets (１９号, （坪地段）) into ASCII.
    return _TOKEN_RE.findall(_STOP_RE.sub(" ", unicodedata.normalize("NFKC", text).lower()))


def text_terms(text: str) -> list[str]:
    """The terms of a text in order, repeats included."""
    terms: list[str] = []
    for token in _tokens(text):
        if token[0] >= "\u3400":
            terms.extend(token[i : i + 2] for i in range(len(token) - 1))
        elif token.endswith("号") or (len(token) > 1 and not token.isdigit()):
            # Bare numbers (years, amounts, counts) would link suggestions by accident.
            terms.append(token[:MAX_TERM_LENGTH])
    return terms


def place_names(text: str) -> set[str]:
    """The terms that name a place: the two characters before a place suffix."""
    names = set()
    for token in _tokens(text):
        for i in range(2, len(token)):
            if token.startswith(PLACE_SUFFIXES, i):
                names.add(token[i - 2 : i])
    return names


def subject_terms(title: str, body: str = "") -> dict[str, int]:
    """Each subject term of a suggestion with its weight: TITLE_WEIGHT if the title has
    it, else BODY_WEIGHT for the body's MAX_BODY_TERMS most frequent terms."""
    weights = dict.fromkeys(text_terms(title), TITLE_WEIGHT)
    counts: dict[str, int] = {}
    for term in text_terms(body):
        if term not in weights:
            counts[term] = counts.get(term, 0) + 1
    # Most frequent first; among equals, the earliest (dicts keep insertion order).
    for term in sorted(counts, key=counts.__getitem__, reverse=True)[:MAX_BODY_TERMS]:
        weights[term] = BODY_WEIGHT
    return weights
