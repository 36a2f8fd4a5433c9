"""The search index of suggestions on PostgreSQL (proposals/search.py explains it).

PostgreSQL only: the embedded SQLite default searches with plain substring matching and
gets nothing here. Triggers keep the index current however a row is written (the pages,
bulk imports, the benchmark's loader, tests that create rows directly).
"""

from django.db import migrations

# The terms of a text: every overlapping pair of characters of each run of Chinese
# characters plus the run's last character (so that a one-character query, a prefix
# search, finds every occurrence), and each ASCII word or number whole. Folded like
# proposals.search.word_query(): NFKC (full-width letters and digits), lower case.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION tracker_search_terms(doc text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
    CASE WHEN m[1] ~ '^[0-9a-z]' THEN m[1]
    ELSE concat_ws(' ',
      (SELECT string_agg(substr(m[1], i, 2), ' ' ORDER BY i)
         FROM generate_series(1, char_length(m[1]) - 1) AS i),
      right(m[1], 1))
    END, ' '), '')
  FROM regexp_matches(lower(normalize(coalesce(doc, ''), NFKC)), '[㐀-䶿一-鿿]+|[0-9a-z]+', 'g') AS m
$$;
"""

# head: number and title (a title match ranks first); document: number, title and text.
# tsvector columns rather than an index on to_tsvector(text): a phrase query (the bigrams
# of 充电设施 in a row) is rechecked against each candidate row, and a stored tsvector is
# read there instead of being computed again from a two-page text.
TABLE = """
CREATE TABLE proposals_proposalsearch (
    proposal_id bigint PRIMARY KEY,
    head tsvector NOT NULL,
    document tsvector NOT NULL
);
-- search_proposals(): the suggestions that match (document) and those whose title does (head).
CREATE INDEX proposalsearch_document_idx ON proposals_proposalsearch USING gin (document);
CREATE INDEX proposalsearch_head_idx ON proposals_proposalsearch USING gin (head);

-- The keys of the suggestions whose document (or head) matches. For a common term the
-- planner picks a sequential scan: this table's heap is small, but each document is
-- TOASTed, and the scan decompresses all of them (1.8 s at 100,000 suggestions, where the
-- index answers in 30 ms; bench/bench_search.py). A function may pin its own planner
-- settings, and one with a SET clause is not inlined into the calling query.
CREATE OR REPLACE FUNCTION proposals_search_matches(query tsquery, title_only boolean)
RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000 SET enable_seqscan = off AS $$
    SELECT proposal_id FROM proposals_proposalsearch WHERE document @@ query AND NOT title_only
    UNION ALL
    SELECT proposal_id FROM proposals_proposalsearch WHERE head @@ query AND title_only
$$;

CREATE OR REPLACE FUNCTION proposals_proposal_index_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO proposals_proposalsearch (proposal_id, head, document)
    VALUES (
        NEW.id,
        to_tsvector('simple', tracker_search_terms(NEW.number || ' ' || NEW.title)),
        to_tsvector('simple', tracker_search_terms(NEW.number || ' ' || NEW.title || ' ' || NEW.body))
    )
    ON CONFLICT (proposal_id) DO UPDATE SET head = EXCLUDED.head, document = EXCLUDED.document;
    RETURN NULL;
END
$$;

CREATE TRIGGER proposals_proposal_index_search
    AFTER INSERT OR UPDATE OF number, title, body ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_proposal_index_search();

-- No foreign key: TRUNCATE proposals_proposal (the flush between TransactionTestCases)
-- would refuse; triggers remove the rows instead.
CREATE OR REPLACE FUNCTION proposals_proposal_unindex_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE proposals_proposalsearch;
    ELSE
        DELETE FROM proposals_proposalsearch WHERE proposal_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER proposals_proposal_unindex_search
    AFTER DELETE ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_proposal_unindex_search();

CREATE TRIGGER proposals_proposal_unindex_search_all
    AFTER TRUNCATE ON proposals_proposal
    FOR EACH STATEMENT EXECUTE FUNCTION proposals_proposal_unindex_search();

INSERT INTO proposals_proposalsearch (proposal_id, head, document)
SELECT id,
       to_tsvector('simple', tracker_search_terms(number || ' ' || title)),
       to_tsvector('simple', tracker_search_terms(number || ' ' || title || ' ' || body))
FROM proposals_proposal;
"""

DROP = """
DROP TRIGGER IF EXISTS proposals_proposal_index_search ON proposals_proposal;
DROP FUNCTION IF EXISTS proposals_proposal_index_search();
DROP TRIGGER IF EXISTS proposals_proposal_unindex_search ON proposals_proposal;
DROP TRIGGER IF EXISTS proposals_proposal_unindex_search_all ON proposals_proposal;
DROP FUNCTION IF EXISTS proposals_proposal_unindex_search();
DROP FUNCTION IF EXISTS proposals_search_matches(tsquery, boolean);
DROP TABLE IF EXISTS proposals_proposalsearch;
DROP FUNCTION IF EXISTS tracker_search_terms(text);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(TABLE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0009_spreadsheetimport"),
    ]

    operations = [migrations.RunPython(create, drop)]
