"""Search suggestions and replies by number, title, text, deputy or department (issue 6).

Chinese has no spaces between words, queries are short (学位, 充电设施, 龙岗河) and a word
segmenter misses the proper names people look for (see proposals/similarity.py). So on
PostgreSQL each suggestion and reply has a search document of overlapping character
bigrams: 充电设施 is stored as the terms 充电 电设 设施 施, and the query 充电设施 becomes the
phrase 充电 <-> 电设 <-> 设施 against a GIN index (proposals 0010, responses 0007; triggers
keep it current however a row is written). pg_trgm would not do: a LIKE pattern of two
characters (学位) has no trigram to look up, so it reads every row.

A suggestion matches when every word of the query is found in its number, title or text
(the index), or is part of its deputy's or a department's name (looked up in those small
tables, then matched by key, so renaming a department needs no re-indexing). Ranking, best
first: the number itself, all words in the title, a deputy or department, the text only;
then newest first.

On any other database (the embedded SQLite default) the same rules run as substring
matches: correct, unindexed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Case, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from proposals.models import Proposal
    from responses.models import Reply

# Ranks (``rank`` on each result): higher first.
RANK_NUMBER = 4.0
RANK_TITLE = 3.0
RANK_PERSON = 2.0
RANK_TEXT = 1.0
MAX_WORDS = 8
# The SQL functions that look a query up in the index (proposals 0010, responses 0007).
PROPOSALS = "proposals_search_matches"
REPLIES = "responses_search_matches"
# The characters of a snippet: the first match in the text, with some context before it.
SNIPPET_LENGTH = 120
SNIPPET_BEFORE = 30

# As in tracker_search_terms() (proposals 0010): runs of Chinese characters, ASCII words.
_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[0-9a-z]+")


def words(q: str) -> list[str]:
    """The words of a query, split at spaces (full-width spaces too), in NFKC as
    proposals.models.normalise_number makes numbers: ２０２４０４９３ finds 20240493."""
    return unicodedata.normalize("NFKC", q or "").split()[:MAX_WORDS]


def word_query(word: str) -> str:
    """A word as a PostgreSQL tsquery over the bigram terms, or "" when it has no letters.

    A run of Chinese characters is the phrase of its bigrams; one character, an ASCII word
    or a number is a prefix (2024049 finds 20240493). The pieces of one word follow each
    other (19号线: 19, then 号线): a run of two or more characters is stored with its last
    character after its bigrams, so what follows it is two positions after its last bigram."""
    query, gap = "", 0
    for token in _TOKEN_RE.findall(unicodedata.normalize("NFKC", word).lower()):
        if len(token) > 1 and token[0] >= "\u3400":
            piece = "(" + " <-> ".join(token[i : i + 2] for i in range(len(token) - 1)) + ")"
        else:
            piece = f"{token}:*"
        query = f"{query} <{gap}> {piece}" if query else piece
        gap = 2 if piece.startswith("(") else 1
    return query


def _is_number(word: str) -> bool:
    """Whether a word may be a suggestion's number (20240493, DH0271, 0076)."""
    return word.isascii() and word.isalnum()


def _indexed(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _people(word: str) -> tuple[list[int], list[int]]:
    """The deputies and departments whose name contains ``word``."""
    from proposals.models import Department, Deputy

    deputies = list(Deputy.objects.filter(name__icontains=word).values_list("pk", flat=True)[:200])
    departments = list(
        Department.objects.filter(Q(name__icontains=word) | Q(short_name__icontains=word)).values_list(
            "pk", flat=True
        )[:200]
    )
    return deputies, departments


def _person_match(deputies: list[int], departments: list[int]) -> Q:
    from proposals.models import Assignment, Proposal

    match = Q(pk__in=[])
    if deputies:
        match |= Q(lead_deputy__in=deputies) | Q(
            pk__in=Proposal.co_signers.through.objects.filter(deputy__in=deputies).values("proposal_id")
        )
    if departments:
        match |= Q(
            pk__in=Assignment.objects.filter(department__in=departments)
            .exclude(status=Assignment.Status.WITHDRAWN)
            .values("proposal_id")
        )
    return match


def _person_sql(deputies: list[int], departments: list[int]) -> list[tuple[str, list[object]]]:
    """SELECTs of the suggestions of these deputies (lead or co-signer) or departments."""
    from proposals.models import Assignment, Proposal

    pieces: list[tuple[str, list[object]]] = []
    if deputies:
        pieces.append(
            (f"SELECT id FROM {Proposal._meta.db_table} WHERE lead_deputy_id = ANY(%s)", [deputies])
        )
        through = Proposal.co_signers.through._meta.db_table
        pieces.append((f"SELECT proposal_id FROM {through} WHERE deputy_id = ANY(%s)", [deputies]))
    if departments:
        pieces.append(
            (
                f"SELECT proposal_id FROM {Assignment._meta.db_table} "
                "WHERE department_id = ANY(%s) AND status <> %s",
                [departments, Assignment.Status.WITHDRAWN.value],
            )
        )
    return pieces


def _union(pieces: list[tuple[str, list[object]]]) -> Q:
    """``pk IN (a UNION b …)``: one subquery the planner joins once. An OR of separate
    IN-subqueries may become a subplan re-run for every row (坪山 碧道 on a million
    suggestions: its count did not finish in two minutes)."""
    if not pieces:
        return Q(pk__in=[])
    sql = " UNION ".join(piece for piece, _ in pieces)
    return Q(pk__in=RawSQL(sql, [param for _, params in pieces for param in params]))


def _document_match(function: str, tsquery: str, *, title: bool = False) -> RawSQL:
    """The keys of the rows whose document (or, with ``title``, whose number and title)
    match: an index scan, in the function of proposals 0010 or responses 0007."""
    return RawSQL(f"SELECT {function}(to_tsquery('simple', %s), %s)", [tsquery, title])


def title_match(tsquery: str) -> RawSQL:
    """The keys of the suggestions whose number or title matches ``tsquery`` (PostgreSQL)."""
    return _document_match(PROPOSALS, tsquery, title=True)


def search_proposals(queryset: QuerySet[Proposal], q: str) -> QuerySet[Proposal]:
    """The suggestions of ``queryset`` that match every word of ``q``, most relevant first,
    each annotated with ``rank``."""
    terms = words(q)
    if not terms:
        return queryset.none()
    indexed = _indexed(queryset)
    people = {word: _people(word) for word in terms}
    text_words = [w for w in terms if word_query(w)] if indexed else terms
    if indexed and not any(d or p for d, p in people.values()):
        # The usual case, one index scan for all the words.
        if not text_words:
            return queryset.none()
        tsquery = " & ".join(word_query(w) for w in text_words)
        queryset = queryset.filter(pk__in=_document_match(PROPOSALS, tsquery))
    else:
        for word in terms:
            if indexed:
                pieces = _person_sql(*people[word])
                if word_query(word):
                    pieces.append(
                        (f"SELECT {PROPOSALS}(to_tsquery('simple', %s), false)", [word_query(word)])
                    )
                queryset = queryset.filter(_union(pieces))
                continue
            match = _person_match(*people[word])
            match |= Q(number__startswith=word) | Q(title__icontains=word) | Q(body__icontains=word)
            queryset = queryset.filter(match)
    if indexed and text_words:
        in_title = Q(
            pk__in=_document_match(PROPOSALS, " & ".join(word_query(w) for w in text_words), title=True)
        )
    elif indexed:
        in_title = Q(pk__in=[])
    else:
        in_title = Q()
        for word in terms:
            in_title &= Q(title__icontains=word)
    whens = [When(in_title, then=Value(RANK_TITLE))]
    if _is_number(terms[0]):
        whens.insert(0, When(number=terms[0], then=Value(RANK_NUMBER)))
    if indexed:
        found = [
            piece for deputies, departments in people.values() for piece in _person_sql(deputies, departments)
        ]
        if found:
            whens.append(When(_union(found), then=Value(RANK_PERSON)))
    else:
        person = Q(pk__in=[])
        for deputies, departments in people.values():
            person |= _person_match(deputies, departments)
        if person != Q(pk__in=[]):
            whens.append(When(person, then=Value(RANK_PERSON)))
    rank = Case(*whens, default=Value(RANK_TEXT), output_field=FloatField())
    return queryset.annotate(rank=rank).order_by("-rank", "-received_on", "-pk")


def search_replies(queryset: QuerySet[Reply], q: str) -> QuerySet[Reply]:
    """The replies of ``queryset`` whose text or document number, or whose suggestion's
    number or title, matches every word of ``q``, most relevant first, each annotated with
    ``rank``."""
    terms = words(q)
    if not terms:
        return queryset.none()
    if _indexed(queryset):
        text_words = [w for w in terms if word_query(w)]
        if not text_words:
            return queryset.none()
        tsquery = " & ".join(word_query(w) for w in text_words)
        queryset = queryset.filter(pk__in=_document_match(REPLIES, tsquery))
        in_title = Q(pk__in=_document_match(REPLIES, tsquery, title=True))
    else:
        in_title = Q()
        for word in terms:
            queryset = queryset.filter(
                Q(body__icontains=word)
                | Q(document_number__icontains=word)
                | Q(assignment__proposal__number__startswith=word)
                | Q(assignment__proposal__title__icontains=word)
            )
            in_title &= Q(assignment__proposal__title__icontains=word)
    whens = [When(in_title, then=Value(RANK_TITLE))]
    if _is_number(terms[0]):
        # Only then: the comparison joins every match to its suggestion.
        whens.insert(0, When(assignment__proposal__number=terms[0], then=Value(RANK_NUMBER)))
    rank = Case(*whens, default=Value(RANK_TEXT), output_field=FloatField())
    return queryset.annotate(rank=rank).order_by("-rank", "-sent_on", "-pk")


# ---------------------------------------------------------------------------
# Showing the matches
# ---------------------------------------------------------------------------


def _pattern(q: str) -> re.Pattern[str] | None:
    found = sorted({w for w in words(q) if w}, key=len, reverse=True)
    if not found:
        return None
    return re.compile("|".join(re.escape(w) for w in found), re.IGNORECASE)


def highlight(text: str, q: str) -> SafeString:
    """``text`` HTML-escaped, with each word of ``q`` found in it wrapped in <mark>."""
    pattern = _pattern(q)
    if pattern is None:
        return escape(text)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def snippet(text: str, q: str) -> SafeString:
    """A short piece of ``text`` around its first match, highlighted; its opening when
    nothing matches."""
    text = " ".join(text.split())
    pattern = _pattern(q)
    found = pattern.search(text) if pattern else None
    start = max(0, found.start() - SNIPPET_BEFORE) if found else 0
    piece = text[start : start + SNIPPET_LENGTH]
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_LENGTH < len(text) else ""
    return mark_safe(escape(prefix) + highlight(piece, q) + escape(suffix))  # noqa: S308


def rebuild_index() -> tuple[int, int]:
    """Recompute every search document on PostgreSQL (after a restore or a change of the
    term rules); returns how many suggestions and replies were indexed, (0, 0) elsewhere."""
    from proposals.models import Proposal

    connection = connections[Proposal.objects.db]
    if connection.vendor != "postgresql":
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO proposals_proposalsearch (proposal_id, head, document) "
            "SELECT id, to_tsvector('simple', tracker_search_terms(number || ' ' || title)), "
            "to_tsvector('simple', tracker_search_terms(number || ' ' || title || ' ' || body)) "
            "FROM proposals_proposal "
            "ON CONFLICT (proposal_id) DO UPDATE SET head = EXCLUDED.head, document = EXCLUDED.document"
        )
        proposals = cursor.rowcount
        cursor.execute(
            "DELETE FROM proposals_proposalsearch "
            "WHERE proposal_id NOT IN (SELECT id FROM proposals_proposal)"
        )
        cursor.execute("SELECT responses_reply_search_rows(ARRAY(SELECT id FROM responses_reply))")
        cursor.execute(
            "DELETE FROM responses_replysearch WHERE reply_id NOT IN (SELECT id FROM responses_reply)"
        )
        cursor.execute("SELECT count(*) FROM responses_replysearch")
        replies = cursor.fetchone()[0]
    return proposals, replies
