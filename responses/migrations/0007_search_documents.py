"""The search index of replies on PostgreSQL (proposals/search.py explains it).

PostgreSQL only, like proposals 0010: a reply is found by its text and document number
and by its suggestion's number and title, so a change of the suggestion's number or
title re-indexes its replies.
"""

from django.db import migrations

TABLE = """
CREATE TABLE responses_replysearch (
    reply_id bigint PRIMARY KEY,
    head tsvector NOT NULL,
    document tsvector NOT NULL
);
-- search_replies(): the replies that match (document) and those whose suggestion's title does (head).
CREATE INDEX replysearch_document_idx ON responses_replysearch USING gin (document);
CREATE INDEX replysearch_head_idx ON responses_replysearch USING gin (head);

-- As proposals_search_matches() (proposals 0010): the index, never a sequential scan
-- that decompresses every document.
CREATE OR REPLACE FUNCTION responses_search_matches(query tsquery, title_only boolean)
RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000 SET enable_seqscan = off AS $$
    SELECT reply_id FROM responses_replysearch WHERE document @@ query AND NOT title_only
    UNION ALL
    SELECT reply_id FROM responses_replysearch WHERE head @@ query AND title_only
$$;

CREATE OR REPLACE FUNCTION responses_reply_search_rows(reply_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO responses_replysearch (reply_id, head, document)
    SELECT r.id,
           to_tsvector('simple', tracker_search_terms(p.number || ' ' || p.title)),
           to_tsvector('simple', tracker_search_terms(
               p.number || ' ' || p.title || ' ' || r.document_number || ' ' || r.body))
    FROM responses_reply r
    JOIN proposals_assignment a ON a.id = r.assignment_id
    JOIN proposals_proposal p ON p.id = a.proposal_id
    WHERE r.id = ANY (reply_ids)
    ON CONFLICT (reply_id) DO UPDATE SET head = EXCLUDED.head, document = EXCLUDED.document;
$$;

CREATE OR REPLACE FUNCTION responses_reply_index_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM responses_reply_search_rows(ARRAY[NEW.id]);
    RETURN NULL;
END
$$;

CREATE TRIGGER responses_reply_index_search
    AFTER INSERT OR UPDATE OF body, document_number, assignment_id ON responses_reply
    FOR EACH ROW EXECUTE FUNCTION responses_reply_index_search();

CREATE OR REPLACE FUNCTION responses_proposal_reindex_replies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.number, NEW.title) IS DISTINCT FROM (OLD.number, OLD.title) THEN
        PERFORM responses_reply_search_rows(ARRAY(
            SELECT r.id FROM responses_reply r
            JOIN proposals_assignment a ON a.id = r.assignment_id
            WHERE a.proposal_id = NEW.id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER responses_proposal_reindex_replies
    AFTER UPDATE OF number, title ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION responses_proposal_reindex_replies();

-- No foreign key, as for suggestions (proposals 0010): triggers remove the rows.
CREATE OR REPLACE FUNCTION responses_reply_unindex_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE responses_replysearch;
    ELSE
        DELETE FROM responses_replysearch WHERE reply_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER responses_reply_unindex_search
    AFTER DELETE ON responses_reply
    FOR EACH ROW EXECUTE FUNCTION responses_reply_unindex_search();

CREATE TRIGGER responses_reply_unindex_search_all
    AFTER TRUNCATE ON responses_reply
    FOR EACH STATEMENT EXECUTE FUNCTION responses_reply_unindex_search();

SELECT responses_reply_search_rows(ARRAY(SELECT id FROM responses_reply));
"""

DROP = """
DROP TRIGGER IF EXISTS responses_proposal_reindex_replies ON proposals_proposal;
DROP FUNCTION IF EXISTS responses_proposal_reindex_replies();
DROP TRIGGER IF EXISTS responses_reply_unindex_search ON responses_reply;
DROP TRIGGER IF EXISTS responses_reply_unindex_search_all ON responses_reply;
DROP FUNCTION IF EXISTS responses_reply_unindex_search();
DROP TRIGGER IF EXISTS responses_reply_index_search ON responses_reply;
DROP FUNCTION IF EXISTS responses_reply_index_search();
DROP FUNCTION IF EXISTS responses_reply_search_rows(bigint[]);
DROP FUNCTION IF EXISTS responses_search_matches(tsquery, boolean);
DROP TABLE IF EXISTS responses_replysearch;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TABLE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0010_search_documents"),
        ("responses", "0006_letter_archive"),
    ]

    operations = [migrations.RunPython(create, drop)]
