"""A fast loader for bench_proposal_list.py: the same reference data and the same shape of
suggestions, assignments, co-signatures and sent replies, generated inside PostgreSQL
(``INSERT … SELECT`` over ``generate_series``) instead of as Django objects.

Used with ``--loader sql`` (the default for counts above 200,000): a million suggestions
load in minutes instead of the Python loader's 22 minutes on a quiet machine (hours on a
busy one). The random draws are PostgreSQL's (``setseed``), so the rows are not the same as
the Python loader's for the same seed, but each distribution is the same: session, status
by the session's age, received and assigned dates, 1.3 units per suggestion with the
busiest units far busier (weights 1/rank), lead, co-handling and separate roles, the
assignment status by the suggestion's, deadlines from the congress's rules, grades A/B/C
50/38/12 on sent replies, 0 to 3 co-signers.
"""

from __future__ import annotations

import json
import time
from typing import Any

C_REASON = "需待条件成熟后解决（基准测试数据）"


def _insert_select(cursor: Any, model: Any, template: Any, columns: dict[str, str], source: str) -> int:
    """INSERT INTO model's table every column: those of ``columns`` as SQL expressions over
    ``source``, the others as the value the unsaved ``template`` would be saved with."""
    from django.db import connection

    names, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        names.append(field.column)
        values.append("%s")
        params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join([*columns, *names])}) "
        f"SELECT {', '.join([*columns.values(), *values])} FROM {source}"
    )
    cursor.execute(sql, params)
    return cursor.rowcount


def load_sql(count: int, *, seed: int, reference: Any) -> None:
    """``reference``: bench_proposal_list.reference_data's answer (demo, sessions, units,
    deputies, categories), made by the Python loader's own code."""
    from bench_proposal_list import STATUS_WEIGHTS, TOPICS, VERBS  # type: ignore[import-not-found]
    from django.db import connection

    from proposals.models import Assignment, Proposal, Rule
    from responses.models import Reply

    started = time.perf_counter()
    congress, staff, today = reference.congress, reference.staff, reference.today
    with connection.cursor() as cursor:
        # No triggers while loading: neither the search index's per row (2 ms a suggestion on
        # a busy machine; built below in one statement per table instead) nor the foreign
        # keys' checks (the rows are made from the referenced ones).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        indexes = _drop_indexes(cursor)
        cursor.execute(
            "DROP TABLE IF EXISTS bench_session, bench_unit, bench_deputy, bench_plan, bench_unitplan"
        )
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_session (i int, id bigint, year int, age text, recess bool)"
        )
        cursor.executemany(
            "INSERT INTO bench_session VALUES (%s, %s, %s, %s, %s)",
            [(i, s.pk, year, age, s.meeting is None) for i, (s, year, age) in enumerate(reference.sessions)],
        )
        weights = [1 / (rank + 1) for rank in range(len(reference.departments))]
        total, cumulative = sum(weights), 0.0
        rows = []
        for rank, (department, weight) in enumerate(zip(reference.departments, weights, strict=True)):
            rows.append((rank, department.pk, cumulative / total, (cumulative + weight) / total))
            cumulative += weight
        cursor.execute("CREATE UNLOGGED TABLE bench_unit (rank int, id bigint, lo float8, hi float8)")
        cursor.executemany("INSERT INTO bench_unit VALUES (%s, %s, %s, %s)", rows)
        cursor.execute("CREATE UNLOGGED TABLE bench_deputy (i int, id bigint)")
        cursor.executemany(
            "INSERT INTO bench_deputy VALUES (%s, %s)", [(i, d.pk) for i, d in enumerate(reference.deputies)]
        )
        n_units, n_deputies = len(reference.departments), len(reference.deputies)
        categories = [c.pk for c in reference.categories]
        status_case = {
            age: "CASE "
            + "".join(
                f"WHEN st < {sum(w for _s, w in weights_[: i + 1]) / sum(w for _s, w in weights_)} "
                f"THEN '{s}' "
                for i, (s, _w) in enumerate(weights_[:-1])
            )
            + f"ELSE '{weights_[-1][0]}' END"
            for age, weights_ in STATUS_WEIGHTS.items()
        }
        cursor.execute("SELECT setseed(%s)", [(seed % 10_000) / 10_000])
        # One row per suggestion with every draw it needs, in one pass (the draws' order is
        # fixed by the plan: a single sequential scan of generate_series).
        cursor.execute(
            f"""
            CREATE UNLOGGED TABLE bench_plan AS
            SELECT g AS n, s.id AS session_id, s.year, s.age, s.recess,
                   CASE s.age WHEN 'old' THEN {status_case["old"]} WHEN 'last' THEN {status_case["last"]}
                        ELSE {status_case["current"]} END AS status,
                   r_recv, r_asg, r_unit, r_d1, r_d2, r_d3, r_key, r_verb, r_topic, r_cat, r_dep, r_sign,
                   r_s1, r_s2, r_s3
            FROM (
                SELECT g, floor(random() * {len(reference.sessions)})::int AS si, random() AS st,
                       random() AS r_recv, random() AS r_asg, random() AS r_unit, random() AS r_d1,
                       random() AS r_d2, random() AS r_d3, random() AS r_key,
                       floor(random() * {len(VERBS)})::int AS r_verb,
                       floor(random() * {len(TOPICS)})::int AS r_topic,
                       floor(random() * {len(categories)})::int AS r_cat,
                       floor(random() * {n_deputies})::int AS r_dep,
                       (ARRAY[0, 0, 1, 1, 2, 3])[1 + floor(random() * 6)::int] AS r_sign,
                       floor(random() * {n_deputies})::int AS r_s1,
                       floor(random() * {n_deputies})::int AS r_s2,
                       floor(random() * {n_deputies})::int AS r_s3
                FROM generate_series(0, {count - 1}) AS g
            ) draws JOIN bench_session s ON s.i = draws.si
            """
        )
        cursor.execute(
            """
            ALTER TABLE bench_plan ADD COLUMN received_on date, ADD COLUMN assigned_on date,
                ADD COLUMN number text;
            UPDATE bench_plan SET
                received_on = CASE WHEN recess THEN %s::date - floor(r_recv * 301)::int
                              ELSE make_date(year, 2, 1) + floor(r_recv * 26)::int END;
            UPDATE bench_plan SET assigned_on = CASE
                WHEN status = 'closed' OR age = 'old' THEN received_on + 10 + floor(r_asg * 31)::int
                ELSE greatest(received_on, %s::date - 1 - floor(r_asg * 150)::int) END;
            UPDATE bench_plan p SET number = p.year::text || CASE WHEN q.seq < 10000
                    THEN lpad(q.seq::text, 4, '0') ELSE q.seq::text END
                FROM (SELECT n, row_number() OVER (PARTITION BY session_id ORDER BY n) AS seq
                      FROM bench_plan) q
                WHERE q.n = p.n;
            CREATE UNIQUE INDEX ON bench_plan (n);
            """,
            [today, today],
        )
        print(f"  plan of {count:,} suggestions ({time.perf_counter() - started:.0f} s)")

        template = Proposal(
            congress=congress,
            session=reference.sessions[0][0],
            number="0",
            title="",
            category=reference.categories[0],
            lead_deputy=reference.deputies[0],
            received_on=today,
            created_by=staff,
        )
        topics = "ARRAY[" + ", ".join(f"'{t}'" for t in TOPICS) + "]"
        verbs = "ARRAY[" + ", ".join(f"'{v}'" for v in VERBS) + "]"
        cats = "ARRAY[" + ", ".join(str(c) for c in categories) + "]::bigint[]"
        inserted = _insert_select(
            cursor,
            Proposal,
            template,
            {
                "session_id": "p.session_id",
                "number": "p.number",
                "title": f"'关于' || ({verbs})[p.r_verb + 1] || ({topics})[p.r_topic + 1] || '的建议'",
                "category_id": f"({cats})[p.r_cat + 1]",
                "lead_deputy_id": "d.id",
                "received_on": "p.received_on",
                "is_key": "p.r_key < 0.005",
                "supervising_leader": "CASE WHEN p.r_key < 0.005 THEN '分管领导（基准测试）' ELSE '' END",
                "status": "p.status",
            },
            "bench_plan p JOIN bench_deputy d ON d.i = p.r_dep ORDER BY p.n",
        )
        print(f"  {inserted:,} suggestions ({time.perf_counter() - started:.0f} s)")
        cursor.execute(
            """
            ALTER TABLE bench_plan ADD COLUMN proposal_id bigint;
            UPDATE bench_plan p SET proposal_id = x.id FROM proposals_proposal x
                WHERE x.session_id = p.session_id AND x.number = p.number;
            """
        )
        through = Proposal.co_signers.through._meta.db_table
        cursor.execute(
            f"""
            INSERT INTO {through} (proposal_id, deputy_id)
            SELECT DISTINCT p.proposal_id, d.id
            FROM bench_plan p
            CROSS JOIN LATERAL (VALUES (1, p.r_s1), (2, p.r_s2), (3, p.r_s3)) AS s (k, i)
            JOIN bench_deputy d ON d.i = s.i
            WHERE s.k <= p.r_sign AND s.i <> p.r_dep
            """
        )
        print(f"  {cursor.rowcount:,} co-signatures ({time.perf_counter() - started:.0f} s)")

        # Units: none for a registered suggestion; two separate units (5%); else a lead and
        # 0, 1 or 2 co-handlers (75/22/3%). Distinct units: a repeated draw takes the next rank.
        cursor.execute(
            f"""
            CREATE UNLOGGED TABLE bench_unitplan AS
            WITH picked AS (
                SELECT p.n, p.proposal_id, p.status, p.assigned_on, p.r_unit, p.r_asg,
                       u1.rank AS k1, u2.rank AS k2, u3.rank AS k3
                FROM bench_plan p
                JOIN bench_unit u1 ON p.r_d1 >= u1.lo AND p.r_d1 < u1.hi
                JOIN bench_unit u2 ON p.r_d2 >= u2.lo AND p.r_d2 < u2.hi
                JOIN bench_unit u3 ON p.r_d3 >= u3.lo AND p.r_d3 < u3.hi
                WHERE p.status <> 'registered'
            ), distinct_ AS (
                SELECT *, CASE WHEN k2 = k1 THEN (k1 + 1) % {n_units} ELSE k2 END AS j2 FROM picked
            ), units AS (
                SELECT d.*, CASE WHEN k3 IN (k1, j2) THEN
                        CASE WHEN (greatest(k1, j2) + 1) % {n_units} IN (k1, j2)
                             THEN (greatest(k1, j2) + 2) % {n_units}
                             ELSE (greatest(k1, j2) + 1) % {n_units} END
                    ELSE k3 END AS j3
                FROM distinct_ d
            )
            SELECT n, proposal_id, status, assigned_on, r_asg, 1 AS slot, k1 AS rank,
                   CASE WHEN r_unit < 0.05 THEN 'separate' ELSE 'lead' END AS role
            FROM units
            UNION ALL
            SELECT n, proposal_id, status, assigned_on, r_asg, 2, j2,
                   CASE WHEN r_unit < 0.05 THEN 'separate' ELSE 'co' END
            FROM units WHERE r_unit < 0.05 OR r_unit >= 0.75
            UNION ALL
            SELECT n, proposal_id, status, assigned_on, r_asg, 3, j3, 'co'
            FROM units WHERE r_unit >= 0.97
            """
        )
        # Deadlines from the congress's rules, computed once per assignment date.
        cursor.execute("SELECT DISTINCT assigned_on FROM bench_unitplan")
        days = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_due (day date PRIMARY KEY, reply date, co date, window_ date, "
            "reply_basis jsonb, co_basis jsonb)"
        )
        deadline_rows = []
        for day in days:
            reply, co = congress.deadline(Rule.REPLY, day), congress.deadline(Rule.CO_OPINION, day)
            window = congress.deadline(Rule.CHANGE_WINDOW, day)
            deadline_rows.append(
                (
                    day,
                    reply.due_on,
                    co.due_on,
                    window.due_on,
                    json.dumps(reply.basis("reply")),
                    json.dumps(co.basis("reply")),
                )
            )
        cursor.executemany("INSERT INTO bench_due VALUES (%s, %s, %s, %s, %s, %s)", deadline_rows)

        template = Assignment(
            proposal_id=0,
            department=reference.departments[0],
            role="lead",
            assigned_on=today,
            due_on=today,
            assigned_by=staff,
        )
        a_status = (
            "CASE WHEN u.status IN ('closed', 'replied') THEN CASE WHEN u.role = 'co' THEN 'opinion_sent' "
            "ELSE 'replied' END "
            "WHEN u.status = 'assigned' THEN 'pending' "
            "WHEN u.status = 'rehandling' THEN "
            "CASE WHEN u.role = 'co' THEN 'opinion_sent' ELSE 'drafting' END "
            "WHEN u.role = 'co' THEN (ARRAY['pending', 'accepted', 'opinion_sent', 'opinion_sent'])"
            "[1 + floor(random() * 4)::int] "
            "ELSE (ARRAY['accepted', 'accepted', 'drafting', 'awaiting_approval'])"
            "[1 + floor(random() * 4)::int] END"
        )
        second_round = "u.status = 'rehandling' AND u.role <> 'co'"
        inserted = _insert_select(
            cursor,
            Assignment,
            template,
            {
                "proposal_id": "u.proposal_id",
                "department_id": "un.id",
                "role": "u.role",
                "status": a_status,
                "assigned_on": "u.assigned_on",
                "due_on": f"CASE WHEN {second_round} THEN u.assigned_on + 100 + floor(u.r_asg * 51)::int "
                "WHEN u.role = 'co' THEN dd.co ELSE dd.reply END",
                "due_basis": "CASE WHEN u.role = 'co' THEN dd.co_basis ELSE dd.reply_basis END",
                "respond_by": "dd.window_",
                "round": f"CASE WHEN {second_round} THEN 2 ELSE 1 END",
            },
            "bench_unitplan u JOIN bench_unit un ON un.rank = u.rank"
            " JOIN bench_due dd ON dd.day = u.assigned_on"
            " ORDER BY u.n, u.slot",
        )
        print(
            f"  {inserted:,} assignments ({inserted / max(count, 1):.2f} per suggestion, "
            f"{time.perf_counter() - started:.0f} s)"
        )
        cursor.execute(
            """
            UPDATE proposals_proposal p SET next_due_on = x.due
            FROM (SELECT a.proposal_id, min(a.due_on) AS due FROM proposals_assignment a
                  JOIN bench_plan b ON b.proposal_id = a.proposal_id
                  WHERE a.status = ANY(%s) AND b.status <> 'closed' GROUP BY a.proposal_id) x
            WHERE p.id = x.proposal_id
            """,
            [list(Assignment.OPEN_STATUSES)],
        )
        print(f"  {cursor.rowcount:,} open deadlines ({time.perf_counter() - started:.0f} s)")

        template = Reply(
            assignment_id=0,
            round=1,
            status=Reply.Status.SENT,
            body="答复（基准测试数据）",
            grade="A",
            department_grade="A",
            publicity=Reply.Publicity.PUBLIC,
            contact_name="经办人（基准测试）",
            contact_phone="0755-00000000",
            created_by=staff,
            approved_by=staff,
            sent_on=today,
            feedback_due_on=today,
        )
        grade = "CASE WHEN a.r < 0.50 THEN 'A' WHEN a.r < 0.88 THEN 'B' ELSE 'C' END"
        sent_on = f"least('{today.isoformat()}'::date, a.assigned_on + 30 + floor(a.s * 66)::int)"
        inserted = _insert_select(
            cursor,
            Reply,
            template,
            {
                "assignment_id": "a.id",
                "replying_department_id": "a.department_id",
                "round": "a.round",
                "grade": grade,
                "department_grade": grade,
                "grade_reason": f"CASE WHEN {grade} = 'C' THEN '{C_REASON}' ELSE '' END",
                "sent_on": sent_on,
                "feedback_due_on": f"{sent_on} + 28",
            },
            "(SELECT a.*, random() AS r, random() AS s FROM proposals_assignment a"
            " JOIN bench_plan b ON b.proposal_id = a.proposal_id WHERE a.status = 'replied' ORDER BY a.id) a",
        )
        print(f"  {inserted:,} sent replies ({time.perf_counter() - started:.0f} s)")
        cursor.execute(
            "UPDATE proposals_proposal p SET grade = latest.grade FROM ("
            " SELECT DISTINCT ON (a.proposal_id) a.proposal_id, r.grade"
            " FROM responses_reply r JOIN proposals_assignment a ON a.id = r.assignment_id"
            " WHERE r.status = 'sent' ORDER BY a.proposal_id, r.sent_on DESC, r.id DESC"
            ") latest WHERE p.id = latest.proposal_id"
        )
        _index_search(cursor)
        print(f"  search index ({time.perf_counter() - started:.0f} s)")
        for definition in indexes:
            cursor.execute(definition)
        print(f"  {len(indexes)} indexes built again ({time.perf_counter() - started:.0f} s)")
        cursor.execute(
            "DROP TABLE bench_session, bench_unit, bench_deputy, bench_plan, bench_unitplan, bench_due"
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    print(f"  loaded in SQL in {time.perf_counter() - started:.0f} s")


BIG_TABLES = [
    "proposals_proposal",
    "proposals_proposal_co_signers",
    "proposals_assignment",
    "responses_reply",
    "proposals_proposalsearch",
    "responses_replysearch",
]


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the big tables' indexes that back no constraint; returns how to build them again
    (a bulk load then builds each index once, sorted, instead of a row at a time)."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [BIG_TABLES],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def _index_search(cursor: Any) -> None:
    """What the search triggers (proposals 0010, responses 0007) would have stored for the
    loaded rows, with each distinct title's terms and vector computed once: the vector of
    ``number || ' ' || title`` is the number's followed by the title's (``||`` shifts the
    positions of its right side). Checked against the triggers' own expression on a sample."""
    cursor.execute(
        """
        CREATE TEMP TABLE bench_terms AS
            SELECT title, tracker_search_terms(title) AS terms,
                   to_tsvector('simple', tracker_search_terms(title)) AS vector
            FROM proposals_proposal GROUP BY title;
        INSERT INTO proposals_proposalsearch (proposal_id, head, document)
        SELECT p.id, to_tsvector('simple', p.number) || t.vector,
               CASE WHEN p.body = '' THEN to_tsvector('simple', p.number) || t.vector
               ELSE to_tsvector('simple',
                    p.number || ' ' || t.terms || ' ' || tracker_search_terms(p.body)) END
        FROM proposals_proposal p JOIN bench_terms t USING (title)
        ON CONFLICT (proposal_id) DO NOTHING;
        CREATE TEMP TABLE bench_reply_terms AS
            SELECT document_number, body,
                   to_tsvector('simple', tracker_search_terms(document_number || ' ' || body)) AS vector
            FROM responses_reply GROUP BY document_number, body;
        INSERT INTO responses_replysearch (reply_id, head, document)
        SELECT r.id, to_tsvector('simple', p.number) || t.vector,
               to_tsvector('simple', p.number) || t.vector || b.vector
        FROM responses_reply r
        JOIN proposals_assignment a ON a.id = r.assignment_id
        JOIN proposals_proposal p ON p.id = a.proposal_id
        JOIN bench_terms t ON t.title = p.title
        JOIN bench_reply_terms b ON b.document_number = r.document_number AND b.body = r.body
        ON CONFLICT (reply_id) DO NOTHING;
        """
    )
    cursor.execute(
        """
        SELECT
          (SELECT count(*) FROM (SELECT * FROM proposals_proposal ORDER BY random() LIMIT 500) p
           JOIN proposals_proposalsearch s ON s.proposal_id = p.id
           WHERE s.head <> to_tsvector('simple', tracker_search_terms(p.number || ' ' || p.title))
              OR s.document <> to_tsvector('simple',
                    tracker_search_terms(p.number || ' ' || p.title || ' ' || p.body))),
          (SELECT count(*) FROM (SELECT * FROM responses_reply ORDER BY random() LIMIT 500) r
           JOIN proposals_assignment a ON a.id = r.assignment_id
           JOIN proposals_proposal p ON p.id = a.proposal_id
           JOIN responses_replysearch s ON s.reply_id = r.id
           WHERE s.head <> to_tsvector('simple', tracker_search_terms(p.number || ' ' || p.title))
              OR s.document <> to_tsvector('simple', tracker_search_terms(
                    p.number || ' ' || p.title || ' ' || r.document_number || ' ' || r.body))),
          (SELECT count(*) FROM proposals_proposal) - (SELECT count(*) FROM proposals_proposalsearch),
          (SELECT count(*) FROM responses_reply) - (SELECT count(*) FROM responses_replysearch)
        """
    )
    wrong = cursor.fetchone()
    if any(wrong):
        raise RuntimeError(f"search index differs from the triggers' (sampled, missing): {wrong}")
