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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression, RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from proposals.models import Proposal
    from responses.models import Reply
    from tracker.models import User

# Ranks (``rank`` on each result): higher first.
RANK_NUMBER = 4.0
RANK_TITLE = 3.0
RANK_PERSON = 2.0
RANK_TEXT = 1.0
MAX_WORDS = 8
# The SQL functions that look a query up in the index (proposals 0010, responses 0007).
PROPOSALS = "proposals_search_matches"
REPLIES = "responses_search_matches"
# The search documents' tables, read row by row (DocumentMatch).
PROPOSAL_TABLE = "proposals_proposalsearch"
REPLY_TABLE = "responses_replysearch"
# Newest first within a rank. PROPOSAL_ORDER follows proposal_received_idx column for
# column and REPLY_ORDER reply_sent_idx (responses 0017), so that a common word's matches
# are read along the index and the reading stops when the page is full.
PROPOSAL_ORDER: tuple[Any, ...] = ("-received_on", "number", "pk")
REPLY_ORDER: tuple[Any, ...] = (F("sent_on").desc(nulls_first=True), "-pk")
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
    """The suggestions of these deputies (lead or co-signer) or departments, as conditions
    checked row by row through an index (correlated EXISTS): never ``pk IN (subquery)``
    inside an OR or a CASE, which PostgreSQL runs as a subplan that, when the subquery's rows
    do not fit in work_mem, is read again for every row (坪山 names six departments holding
    630,000 assignments at a million suggestions: the query did not finish in two minutes)."""
    from proposals.models import Assignment, Proposal

    match = Q(pk__in=[])
    if deputies:
        cosigned = Proposal.co_signers.through.objects.filter(proposal_id=OuterRef("pk"), deputy__in=deputies)
        match |= Q(lead_deputy__in=deputies) | Q(Exists(cosigned))
    if departments:
        assigned = Assignment.objects.filter(proposal_id=OuterRef("pk"), department__in=departments).exclude(
            status=Assignment.Status.WITHDRAWN
        )
        match |= Q(Exists(assigned))
    return match


# A deputy's or department's suggestions up to this many are matched as one set (a hash
# the planner can drive from); more (坪山's six units: 630,000 assignments at a million)
# are checked row by row on the rows the other words or the date order bring.
PERSON_SET_LIMIT = 20_000


def _person_count(deputies: list[int], departments: list[int]) -> int:
    """How many rows the person sets hold, counting at most PERSON_SET_LIMIT + 1."""
    from proposals.models import Assignment, Proposal

    total = 0
    limit = PERSON_SET_LIMIT + 1
    if departments:
        assigned = Assignment.objects.filter(department__in=departments).exclude(
            status=Assignment.Status.WITHDRAWN
        )
        total += assigned.order_by().values("pk")[:limit].count()
    if deputies and total < limit:
        total += Proposal.objects.filter(lead_deputy__in=deputies).order_by().values("pk")[:limit].count()
        cosigned = Proposal.co_signers.through.objects.filter(deputy__in=deputies)
        total += cosigned.order_by().values("pk")[:limit].count()
    return total


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
    """``pk IN (a UNION b …)``: one set, joined once; only for small sets (PERSON_SET_LIMIT)."""
    sql = " UNION ".join(piece for piece, _ in pieces)
    return Q(pk__in=RawSQL(sql, [param for _, params in pieces for param in params]))


class RowExists(Expression):
    """``EXISTS (SELECT 1 FROM <table> x WHERE x.<key> = <row's pk> AND <condition> OFFSET 0)``:
    checked row by row through the table's index on ``key`` (OFFSET 0 keeps PostgreSQL from
    hashing the whole subquery first)."""

    conditional = True

    def __init__(self, table: str, key: str, condition: str, params: list[Any], ref: Any = None) -> None:
        super().__init__(output_field=BooleanField())
        self.table, self.key, self.condition, self.params = table, key, condition, params
        self.ref = ref if ref is not None else F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.ref]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.ref,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        ref_sql, ref_params = compiler.compile(self.ref)
        sql = (
            f"EXISTS (SELECT 1 FROM {self.table} x WHERE x.{self.key} = {ref_sql} "
            f"AND {self.condition} OFFSET 0)"
        )
        return sql, [*ref_params, *self.params]


def _person_rows(deputies: list[int], departments: list[int]) -> Q:
    """The person match checked row by row (for large sets, and for a walk)."""
    from proposals.models import Assignment, Proposal

    match = Q(pk__in=[])
    if deputies:
        through = Proposal.co_signers.through._meta.db_table
        match |= Q(lead_deputy__in=deputies) | Q(
            RowExists(through, "proposal_id", "x.deputy_id = ANY(%s)", [deputies])
        )
    if departments:
        condition = "x.department_id = ANY(%s) AND x.status <> %s"
        params = [departments, Assignment.Status.WITHDRAWN.value]
        match |= Q(RowExists(Assignment._meta.db_table, "proposal_id", condition, params))
    return match


class DocumentMatch(Expression):
    """Whether the row's search document (or head: number and title) matches a tsquery:
    ``EXISTS (SELECT 1 FROM <search table> WHERE <key> = <row's key> AND <column> @@ …)``.

    Correlated, so that PostgreSQL may either join it (a GIN bitmap for a rare word, or a
    walk along the result's order probing the search table's primary key for a common one,
    which stops once a page is full) or, inside an OR, check it row by row: it never reads
    a subquery's whole result once per row."""

    conditional = True

    def __init__(
        self, table: str, key: str, column: str, tsquery: str, ref: Any = None, *, per_row: bool = False
    ) -> None:
        super().__init__(output_field=BooleanField())
        self.table, self.key, self.column, self.tsquery = table, key, column, tsquery
        self.ref = ref if ref is not None else F("pk")
        # OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hashed subplan, which
        # reads every match first (坪山: 125,000 suggestions, 1.3 s) to test a few rows.
        self.per_row = per_row

    def get_source_expressions(self) -> list[Any]:
        return [self.ref]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.ref,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        ref_sql, ref_params = compiler.compile(self.ref)
        sql = (
            f"EXISTS (SELECT 1 FROM {self.table} search_doc WHERE search_doc.{self.key} = {ref_sql} "
            f"AND search_doc.{self.column} @@ to_tsquery('simple', %s){' OFFSET 0' if self.per_row else ''})"
        )
        return sql, [*ref_params, self.tsquery]


def _proposal_document(tsquery: str, *, title: bool = False, per_row: bool = False) -> DocumentMatch:
    return DocumentMatch(
        PROPOSAL_TABLE, "proposal_id", "head" if title else "document", tsquery, per_row=per_row
    )


def _reply_document(tsquery: str, *, title: bool = False, per_row: bool = False) -> DocumentMatch:
    return DocumentMatch(REPLY_TABLE, "reply_id", "head" if title else "document", tsquery, per_row=per_row)


def _document_match(function: str, tsquery: str, *, title: bool = False) -> RawSQL:
    """The keys of the rows whose document (or, with ``title``, whose number and title)
    match: an index scan, in the function of proposals 0010 or responses 0007."""
    return RawSQL(f"SELECT {function}(to_tsquery('simple', %s), %s)", [tsquery, title])


def title_match(tsquery: str) -> RawSQL:
    """The keys of the suggestions whose number or title matches ``tsquery`` (PostgreSQL)."""
    return _document_match(PROPOSALS, tsquery, title=True)


@dataclass
class _Plan:
    """A search as conditions: ``match`` (every word found), the conditions of the ranks
    above plain text, best first, as (rank, condition), and the order within a rank."""

    match: Q
    tiers: list[tuple[float, Q]]
    order: tuple[Any, ...]
    people: Any = None
    # The ranks whose condition implies ``match`` (a title holding every word), read
    # without it: one index instead of two joined.
    implied: tuple[float, ...] = ()


def _proposal_plan(
    queryset: QuerySet[Proposal], terms: list[str], *, per_row: bool = False, people: Any = None
) -> _Plan | None:
    """The search's conditions. With ``per_row`` every condition is checked row by row
    (DocumentMatch.per_row, RowExists), for a walk along the date index."""
    indexed = _indexed(queryset)
    if people is None:
        people = {}
        for word in terms:
            deputies, departments = _people(word)
            small = (
                indexed
                and (deputies or departments)
                and _person_count(deputies, departments) <= PERSON_SET_LIMIT
            )
            people[word] = (deputies, departments, bool(small))
    named = {word: (d, p) for word, (d, p, _) in people.items() if d or p}
    as_sets = not per_row and all(people[word][2] for word in named)
    match = Q()
    in_title: Q | None = Q()
    if indexed:
        text_words = [w for w in terms if word_query(w)]
        if not text_words and not named:
            return None
        plain = [w for w in text_words if w not in named]
        if plain:
            match &= Q(_proposal_document(" & ".join(word_query(w) for w in plain), per_row=per_row))
        for word, (deputies, departments) in named.items():
            if people[word][2] and not per_row:
                pieces = _person_sql(deputies, departments)
                if word_query(word):
                    pieces.append(
                        (f"SELECT {PROPOSALS}(to_tsquery('simple', %s), false)", [word_query(word)])
                    )
                match &= _union(pieces)
            else:
                found = _person_rows(deputies, departments)
                if word_query(word):
                    found |= Q(_proposal_document(word_query(word), per_row=True))
                match &= found
        in_title = None
        if text_words:
            in_title = Q(
                _proposal_document(" & ".join(word_query(w) for w in text_words), title=True, per_row=per_row)
            )
        person = Q(pk__in=[])
        if named and as_sets:
            person = _union([piece for d, p in named.values() for piece in _person_sql(d, p)])
        elif named:
            for deputies, departments in named.values():
                person |= _person_rows(deputies, departments)
    else:
        for word in terms:
            match &= (
                _person_match(*people[word][:2])
                | Q(number__startswith=word)
                | Q(title__icontains=word)
                | Q(body__icontains=word)
            )
            in_title &= Q(title__icontains=word)
        person = Q(pk__in=[])
        for deputies, departments in named.values():
            person |= _person_match(deputies, departments)
    tiers: list[tuple[float, Q]] = []
    if _is_number(terms[0]):
        tiers.append((RANK_NUMBER, Q(number=terms[0])))
    if in_title is not None:
        tiers.append((RANK_TITLE, in_title))
    if named:
        tiers.append((RANK_PERSON, person))
    every_word = not indexed or all(word_query(w) for w in terms)
    return _Plan(match, tiers, PROPOSAL_ORDER, people, (RANK_TITLE,) if every_word else ())


def _rank(tiers: list[tuple[float, Q]]) -> Case:
    return Case(
        *[When(condition, then=Value(rank)) for rank, condition in tiers],
        default=Value(RANK_TEXT),
        output_field=FloatField(),
    )


def search_proposals(queryset: QuerySet[Proposal], q: str) -> QuerySet[Proposal]:
    """The suggestions of ``queryset`` that match every word of ``q``, most relevant first,
    each annotated with ``rank``. This ranks every match: a page uses ranked_proposals()."""
    terms = words(q)
    plan = _proposal_plan(queryset, terms) if terms else None
    if plan is None:
        return queryset.none()
    return queryset.filter(plan.match).annotate(rank=_rank(plan.tiers)).order_by("-rank", *plan.order)


def _reply_plan(
    queryset: QuerySet[Reply], terms: list[str], *, per_row: bool = False, people: Any = None
) -> _Plan | None:
    if _indexed(queryset):
        text_words = [w for w in terms if word_query(w)]
        if not text_words:
            return None
        tsquery = " & ".join(word_query(w) for w in text_words)
        match = Q(_reply_document(tsquery, per_row=per_row))
        in_title = Q(_reply_document(tsquery, title=True, per_row=per_row))
    else:
        match, in_title = Q(), Q()
        for word in terms:
            match &= (
                Q(body__icontains=word)
                | Q(document_number__icontains=word)
                | Q(assignment__proposal__number__startswith=word)
                | Q(assignment__proposal__title__icontains=word)
            )
            in_title &= Q(assignment__proposal__title__icontains=word)
    tiers = [(RANK_TITLE, in_title)]
    if _is_number(terms[0]):
        tiers.insert(0, (RANK_NUMBER, Q(assignment__proposal__number=terms[0])))
    # In the index the head's words are also the document's; elsewhere in_title is one of
    # the words' alternatives.
    return _Plan(match, tiers, REPLY_ORDER, implied=(RANK_TITLE,))


def search_replies(queryset: QuerySet[Reply], q: str) -> QuerySet[Reply]:
    """The replies of ``queryset`` whose text or document number, or whose suggestion's
    number or title, matches every word of ``q``, most relevant first, each annotated with
    ``rank``. This ranks every match: a page uses ranked_replies()."""
    terms = words(q)
    plan = _reply_plan(queryset, terms) if terms else None
    if plan is None:
        return queryset.none()
    return queryset.filter(plan.match).annotate(rank=_rank(plan.tiers)).order_by("-rank", *plan.order)


# ---------------------------------------------------------------------------
# A page of results: rank only what the page needs, count up to a cap
# ---------------------------------------------------------------------------


def _sort_key(order: tuple[Any, ...], values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The database's order ``order`` of a row's ``values``, as a Python sort key
    (descending NULLs first, as PostgreSQL and REPLY_ORDER have it)."""
    key: list[Any] = []
    for field, value in zip(order, values, strict=True):
        descending = not isinstance(field, str) or field.startswith("-")
        if value is None:
            key.append((0, 0))
        elif isinstance(value, str):
            key.append((1, value))  # the orders here sort text ascending only
        else:
            number = value.toordinal() if isinstance(value, date) else value
            key.append((1, -number if descending else number))
    return tuple(key)


class RankedResults(Sequence[Any]):
    """The matches of a search for a paginator, best first, without ranking them all.

    For each rank (the number itself, the title, a deputy or department, any match) it
    reads the rank's matches unordered, at most ``cap + 1`` of them, through the indexes
    (sequential scans off: a GIN bitmap stops reading once it has them). When that is all
    of them (``cap`` or fewer), they are sorted here. When there are more, the rank's first
    ``b`` rows are read in date order along the date index, each row checked through
    indexes (only nested loops and index scans allowed): with more than ``cap`` matches
    among N rows, that walk passes about ``b × N / cap`` rows at most. PostgreSQL's own
    choice misjudges both ways (a rare word thought common: a walk through the whole
    index, 18 s for 学位 at a million; two words that go together thought rare: every
    match sorted), so the search decides, from what it counted.

    ``len()`` is the matches counted by the "any match" read, at most ``cap`` ("1,000+"
    beyond, see ``capped``). A slice ``[a:b]`` merges the ranks' first ``b`` rows and
    fetches the rows of positions ``a`` to ``b``: a row among the first ``b`` overall is
    among the first ``b`` of its own best rank, so the order is exact. Rows come from
    ``rows`` (the page's select_related, only, prefetch), each with ``rank`` set.
    """

    def __init__(
        self,
        queryset: QuerySet[Any],
        plans: tuple[_Plan, _Plan] | None,
        rows: QuerySet[Any],
        *,
        cap: int,
    ) -> None:
        self.plan, self.walk = plans if plans else (None, None)
        self.queryset = queryset
        self.matches = queryset.filter(self.plan.match) if self.plan else queryset.none()
        self.walk_matches = queryset.filter(self.walk.match) if self.walk else queryset.none()
        self.rows, self.cap = rows, cap
        self._unordered: dict[float, list[tuple[Any, ...]]] = {}

    @property
    def _names(self) -> list[str]:
        assert self.plan is not None
        return [_field_name(field) for field in self.plan.order]

    def _tiers(self) -> list[tuple[float, Q, Q]]:
        """(rank, its condition for the indexed read, for the walk)."""
        assert self.plan is not None and self.walk is not None
        return [
            *[(rank, q, walk) for (rank, q), (_, walk) in zip(self.plan.tiers, self.walk.tiers, strict=True)],
            (RANK_TEXT, Q(), Q()),
        ]

    def _some(self, rank: float, condition: Q) -> list[tuple[Any, ...]]:
        """Up to ``cap + 1`` matches of a rank, in no order, read through the indexes."""
        if rank not in self._unordered:
            assert self.plan is not None
            base = self.queryset if rank in self.plan.implied else self.matches
            queryset = base.filter(condition).order_by().values_list(*self._names)
            with _planner(self.matches.db, *_INDEXED):
                self._unordered[rank] = list(queryset[: self.cap + 1])
        return self._unordered[rank]

    def _first(self, rank: float, condition: Q, walk: Q, stop: int) -> list[tuple[Any, ...]]:
        """The first ``stop`` matches of a rank in date order."""
        assert self.plan is not None
        order = self.plan.order
        some = self._some(rank, condition)
        if len(some) <= self.cap:
            return sorted(some, key=lambda values: _sort_key(order, values))[:stop]
        base = self.queryset if rank in self.plan.implied else self.walk_matches
        queryset = base.filter(walk).order_by(*order).values_list(*self._names)
        with _planner(self.matches.db, *_WALK):
            return list(queryset[:stop])

    @cached_property
    def exact_count(self) -> int:
        """The number of matches, counting at most ``cap + 1``."""
        if self.plan is None:
            return 0
        return len(self._some(RANK_TEXT, Q()))

    @property
    def capped(self) -> bool:
        return self.exact_count > self.cap

    @property
    def count_label(self) -> str:
        return f"{self.cap:,}+" if self.capped else f"{self.exact_count:,}"

    def __len__(self) -> int:
        return min(self.exact_count, self.cap)

    def ranked_keys(self, stop: int) -> list[tuple[int, float]]:
        """The keys and ranks of the first ``stop`` matches, best first."""
        if self.plan is None or stop <= 0:
            return []
        found: dict[int, tuple[float, tuple[Any, ...]]] = {}
        for rank, condition, walk in self._tiers():
            for values in self._first(rank, condition, walk, stop):
                found.setdefault(values[-1], (rank, _sort_key(self.plan.order, values)))
        ordered = sorted(found.items(), key=lambda item: (-item[1][0], item[1][1]))
        return [(pk, rank) for pk, (rank, _) in ordered[:stop]]

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, _ = index.indices(len(self))
        keys = self.ranked_keys(stop)[start:]
        rows = {row.pk: row for row in self.rows.filter(pk__in=[pk for pk, _ in keys])}
        page = []
        for pk, rank in keys:
            if pk in rows:
                rows[pk].rank = rank
                page.append(rows[pk])
        return page


# Matches through the indexes, in one process (a parallel plan's workers cost more to
# start than reading a thousand rows).
_INDEXED = ("enable_seqscan", "max_parallel_workers_per_gather")
# A walk along the order's index, each row checked through an index; nothing else.
# One process: workers walking the same index in parallel each read ahead past the page.
_WALK = (
    "enable_seqscan",
    "enable_bitmapscan",
    "enable_hashjoin",
    "enable_mergejoin",
    "enable_sort",
    "max_parallel_workers_per_gather",
)


@contextmanager
def _planner(using: str, *disabled: str) -> Iterator[None]:
    """PostgreSQL's planner without these plan types for the statements inside (SET LOCAL,
    then RESET: the rest of the transaction plans as usual)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("; ".join(f"SET LOCAL {name} = 0" for name in disabled))
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("; ".join(f"RESET {name}" for name in disabled))


def _field_name(field: Any) -> str:
    if isinstance(field, str):
        return field.lstrip("-")
    return field.expression.name  # an OrderBy of F("…")


def ranked_proposals(
    queryset: QuerySet[Proposal], q: str, *, cap: int, rows: QuerySet[Proposal] | None = None
) -> RankedResults:
    """The suggestions of ``queryset`` matching ``q``, for a page (see RankedResults);
    the page's rows are read from ``rows`` (``queryset`` by default)."""
    terms = words(q)
    plan = _proposal_plan(queryset, terms) if terms else None
    plans = (plan, _proposal_plan(queryset, terms, per_row=True, people=plan.people)) if plan else None
    return RankedResults(queryset, plans, queryset if rows is None else rows, cap=cap)  # type: ignore[arg-type]


def ranked_replies(
    queryset: QuerySet[Reply], q: str, *, cap: int, rows: QuerySet[Reply] | None = None
) -> RankedResults:
    """The replies of ``queryset`` matching ``q``, for a page (see RankedResults)."""
    terms = words(q)
    plan = _reply_plan(queryset, terms) if terms else None
    plans = (plan, _reply_plan(queryset, terms, per_row=True)) if plan else None
    return RankedResults(queryset, plans, queryset if rows is None else rows, cap=cap)  # type: ignore[arg-type]


def replies_visible_to(user: User) -> QuerySet[Reply]:
    """Reply.objects.visible_to(user), written so that the visibility is one semi-join.

    visible_to says "sent and of a suggestion the user sees, or of the user's department".
    A reply of the user's department is of a suggestion the department sees (it holds the
    assignment), so that is "of a suggestion the user sees, and sent or the department's":
    no OR around the suggestion subquery, which made PostgreSQL check the subquery for each
    reply and read it again whenever it outgrew work_mem (a busy unit's suggestions at a
    million)."""
    from proposals.models import Proposal
    from responses.models import Reply

    if not user.is_authenticated or not user.is_active or user.is_congress_staff:
        return Reply.objects.visible_to(user)
    shown = Q(status=Reply.Status.SENT)
    if user.is_department_user and user.department_id is not None:
        shown |= Q(assignment__department_id=user.department_id)
    return Reply.objects.filter(shown, assignment__proposal__in=Proposal.objects.visible_to(user))


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
