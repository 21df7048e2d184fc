-- The identity store, redesigned so an ingest writes less per consumer (issue 20) and so the
-- same tables distribute on Citus (issue 22; docs/scale.md "identity storage").
--
-- Before: five wide rows per consumer in subject_identities (one per fact), each with a
-- primary key, a unique index and a foreign-key trigger: 57 of the 86 µs per new consumer
-- the server spends at the floor (docs/performance.md). Now:
--   identity_documents      one row per subject, keyed by subject_id: the facts as arrays
--                           (one element per fact), each value AES-GCM encrypted on its own, with what
--                           disclosure and disputes read beside it (source furnisher, first
--                           and last seen, whether current); one index, its primary key.
--   identity_blind_indexes  (kind, value_bidx, subject_id): the narrow table matching reads,
--                           one index, its primary key; on Citus it is distributed by
--                           value_bidx, so a lookup by (kind, value_bidx) is one shard.
-- The facts keep their ids (disputes name them), ciphertexts (no re-encryption, no master key
-- needed here) and times; nothing is lost.

CREATE TABLE identity_documents (
    subject_id   uuid PRIMARY KEY,
    key_version  integer NOT NULL,  -- the data key the latest facts were encrypted with
    -- the facts, one array element each, in the same order in every array (by kind, then
    -- first seen): binary arrays, not JSON, so a row stays small (no TOAST) and cheap to parse
    fact_ids     uuid[] NOT NULL,
    kinds        text[] NOT NULL,
    value_cts    bytea[] NOT NULL,    -- each value AES-GCM encrypted on its own
    value_bidxs  bytea[] NOT NULL,    -- its blind index (as in identity_blind_indexes)
    sources      uuid[] NOT NULL,     -- source furnisher; NULL: given by the subject
    first_seen   timestamptz[] NOT NULL,
    last_seen    timestamptz[] NOT NULL,
    is_current   boolean[] NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(kinds) = cardinality(fact_ids) AND cardinality(value_cts) = cardinality(fact_ids)
           AND cardinality(value_bidxs) = cardinality(fact_ids) AND cardinality(sources) = cardinality(fact_ids)
           AND cardinality(first_seen) = cardinality(fact_ids) AND cardinality(last_seen) = cardinality(fact_ids)
           AND cardinality(is_current) = cardinality(fact_ids))
);

CREATE TABLE identity_blind_indexes (
    kind        text NOT NULL CHECK (kind IN ('name','national_id','dob','address','phone')),
    value_bidx  bytea NOT NULL,
    subject_id  uuid NOT NULL,
    PRIMARY KEY (kind, value_bidx, subject_id)
);

INSERT INTO identity_documents (subject_id, key_version, fact_ids, kinds, value_cts, value_bidxs,
                                sources, first_seen, last_seen, is_current, updated_at)
SELECT subject_id, max(key_version),
       array_agg(identity_id ORDER BY kind, first_seen_at, identity_id),
       array_agg(kind ORDER BY kind, first_seen_at, identity_id),
       array_agg(value_ct ORDER BY kind, first_seen_at, identity_id),
       array_agg(value_bidx ORDER BY kind, first_seen_at, identity_id),
       array_agg(source_org_id ORDER BY kind, first_seen_at, identity_id),
       array_agg(first_seen_at ORDER BY kind, first_seen_at, identity_id),
       array_agg(last_seen_at ORDER BY kind, first_seen_at, identity_id),
       array_agg(is_current ORDER BY kind, first_seen_at, identity_id),
       max(last_seen_at)
FROM subject_identities
GROUP BY subject_id;

INSERT INTO identity_blind_indexes (kind, value_bidx, subject_id)
SELECT DISTINCT kind, value_bidx, subject_id FROM subject_identities;

DROP TABLE subject_identities;

-- Statement-level reference checks ---------------------------------------------------------------
-- A foreign key is a trigger per row: a lookup of the referenced key for every row inserted,
-- which a bulk COPY pays millions of times. These functions check a whole statement's rows at
-- once against the transition table (one join), with the same error a foreign key raises
-- (SQLSTATE 23503). Updates of the referencing columns, rare, keep a row trigger that fires
-- only when those columns change. On Citus the distributed tables use real colocated foreign
-- keys instead (docs/scale.md): triggers with transition tables do not run there.

-- TG_ARGV: referencing columns, referenced table, referenced columns (comma-separated lists).
CREATE FUNCTION fairfile_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    EXECUTE format(
        'SELECT row(%1$s)::text FROM new_rows n WHERE row(%1$s) IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM %2$I p WHERE (%3$s) = (%1$s)) LIMIT 1',
        (SELECT string_agg('n.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[0], ',')) c),
        TG_ARGV[1],
        (SELECT string_agg('p.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[2], ',')) c)
    ) INTO missing;
    IF missing IS NOT NULL THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('insert or update on table "%s" violates its reference to "%s"',
                             TG_TABLE_NAME, TG_ARGV[1]),
            DETAIL = format('Key (%s)=%s is not present in table "%s".',
                            TG_ARGV[0], missing, TG_ARGV[1]);
    END IF;
    RETURN NULL;
END
$$;

-- The same check for one updated row (row trigger, WHEN the referencing columns changed).
CREATE FUNCTION fairfile_check_reference_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found boolean;
    cols text[] := string_to_array(TG_ARGV[0], ',');
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I p WHERE (%s) = (%s))', TG_ARGV[1],
        (SELECT string_agg('p.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[2], ',')) c),
        (SELECT string_agg('$1.' || trim(c), ', ') FROM unnest(cols) c))
    INTO found USING NEW;
    IF NOT found THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update on table "%s" violates its reference to "%s"',
                             TG_TABLE_NAME, TG_ARGV[1]);
    END IF;
    RETURN NULL;
END
$$;

-- The referenced side: rows deleted (or whose key changed) that something still refers to.
-- TG_ARGV: referenced columns, referencing table, referencing columns.
CREATE FUNCTION fairfile_check_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held text;
BEGIN
    EXECUTE format(
        'SELECT row(%1$s)::text FROM old_rows o WHERE NOT EXISTS '
        '(SELECT 1 FROM %4$I k WHERE (%5$s) = (%1$s)) AND EXISTS '
        '(SELECT 1 FROM %2$I c WHERE (%3$s) = (%1$s)) LIMIT 1',
        (SELECT string_agg('o.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[0], ',')) c),
        TG_ARGV[1],
        (SELECT string_agg('c.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[2], ',')) c),
        TG_TABLE_NAME,
        (SELECT string_agg('k.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[0], ',')) c)
    ) INTO held;
    IF held IS NOT NULL THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('delete on table "%s" violates the reference from "%s"',
                             TG_TABLE_NAME, TG_ARGV[1]),
            DETAIL = format('Key (%s)=%s is still referenced from table "%s".',
                            TG_ARGV[0], held, TG_ARGV[1]);
    END IF;
    RETURN NULL;
END
$$;

-- The referenced side for one row whose key changed (row trigger, WHEN the key changed).
-- TG_ARGV: referenced columns, referencing table, referencing columns.
CREATE FUNCTION fairfile_check_referenced_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I c WHERE (%s) = (%s))', TG_ARGV[1],
        (SELECT string_agg('c.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[2], ',')) c),
        (SELECT string_agg('$1.' || trim(c), ', ') FROM unnest(string_to_array(TG_ARGV[0], ',')) c))
    INTO held USING OLD;
    IF held THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update on table "%s" violates the reference from "%s"',
                             TG_TABLE_NAME, TG_ARGV[1]);
    END IF;
    RETURN NULL;
END
$$;

-- identity_documents (subject_id, key_version) -> subject_keys
CREATE TRIGGER identity_documents_key_ins AFTER INSERT ON identity_documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_references('subject_id, key_version', 'subject_keys',
                                               'subject_id, key_version');
CREATE TRIGGER identity_documents_key_upd AFTER UPDATE OF subject_id, key_version
    ON identity_documents FOR EACH ROW
    WHEN ((OLD.subject_id, OLD.key_version) IS DISTINCT FROM (NEW.subject_id, NEW.key_version))
    EXECUTE FUNCTION fairfile_check_reference_row('subject_id, key_version', 'subject_keys',
                                                  'subject_id, key_version');
-- identity_blind_indexes.subject_id -> identity_documents (a blind index belongs to a held
-- document; erasure deletes both)
CREATE TRIGGER identity_blind_indexes_doc_ins AFTER INSERT ON identity_blind_indexes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_references('subject_id', 'identity_documents', 'subject_id');
CREATE TRIGGER identity_documents_held_del AFTER DELETE ON identity_documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_referenced('subject_id', 'identity_blind_indexes',
                                               'subject_id');
CREATE TRIGGER subject_keys_documents_del AFTER DELETE ON subject_keys
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_referenced('subject_id, key_version', 'identity_documents',
                                               'subject_id, key_version');

-- subject_keys.subject_id -> subjects
ALTER TABLE subject_keys DROP CONSTRAINT subject_keys_subject_id_fkey;
CREATE TRIGGER subject_keys_subject_ins AFTER INSERT ON subject_keys
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_references('subject_id', 'subjects', 'subject_id');
CREATE TRIGGER subject_keys_subject_upd AFTER UPDATE OF subject_id ON subject_keys FOR EACH ROW
    WHEN (OLD.subject_id IS DISTINCT FROM NEW.subject_id)
    EXECUTE FUNCTION fairfile_check_reference_row('subject_id', 'subjects', 'subject_id');
CREATE TRIGGER subjects_keys_del AFTER DELETE ON subjects
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_referenced('subject_id', 'subject_keys', 'subject_id');

-- tradelines (subject_id, key_version) -> subject_keys, furnisher_id -> organizations
ALTER TABLE tradelines DROP CONSTRAINT tradelines_subject_id_key_version_fkey;
ALTER TABLE tradelines DROP CONSTRAINT tradelines_furnisher_id_fkey;
CREATE TRIGGER tradelines_key_ins AFTER INSERT ON tradelines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_references('subject_id, key_version', 'subject_keys',
                                               'subject_id, key_version');
CREATE TRIGGER tradelines_furnisher_ins AFTER INSERT ON tradelines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_references('furnisher_id', 'organizations', 'org_id');
CREATE TRIGGER tradelines_key_upd AFTER UPDATE OF subject_id, key_version ON tradelines
    FOR EACH ROW
    WHEN ((OLD.subject_id, OLD.key_version) IS DISTINCT FROM (NEW.subject_id, NEW.key_version))
    EXECUTE FUNCTION fairfile_check_reference_row('subject_id, key_version', 'subject_keys',
                                                  'subject_id, key_version');
CREATE TRIGGER tradelines_furnisher_upd AFTER UPDATE OF furnisher_id ON tradelines FOR EACH ROW
    WHEN (OLD.furnisher_id IS DISTINCT FROM NEW.furnisher_id)
    EXECUTE FUNCTION fairfile_check_reference_row('furnisher_id', 'organizations', 'org_id');
CREATE TRIGGER subject_keys_tradelines_del AFTER DELETE ON subject_keys
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_referenced('subject_id, key_version', 'tradelines',
                                               'subject_id, key_version');
CREATE TRIGGER organizations_tradelines_del AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_referenced('org_id', 'tradelines', 'furnisher_id');

-- The facts one per row, as subject_identities showed them: for operators and tests reading
-- the store; nothing writes through it. (The data-key version is the ciphertext's bytes 2-5.)
CREATE VIEW identity_facts AS
SELECT d.subject_id, f.identity_id, f.kind, f.value_ct,
       ((get_byte(f.value_ct, 1)::bigint << 24) | (get_byte(f.value_ct, 2) << 16)
        | (get_byte(f.value_ct, 3) << 8) | get_byte(f.value_ct, 4))::integer AS key_version,
       f.value_bidx, f.source_org_id, f.is_current, f.first_seen_at, f.last_seen_at
FROM identity_documents d
CROSS JOIN LATERAL unnest(d.fact_ids, d.kinds, d.value_cts, d.value_bidxs, d.sources,
                          d.is_current, d.first_seen, d.last_seen)
    AS f(identity_id, kind, value_ct, value_bidx, source_org_id, is_current, first_seen_at,
         last_seen_at);

-- Keys of referenced rows never change in this schema; if one does, nothing may still name it.
CREATE TRIGGER subjects_key_upd AFTER UPDATE OF subject_id ON subjects FOR EACH ROW
    WHEN (OLD.subject_id IS DISTINCT FROM NEW.subject_id)
    EXECUTE FUNCTION fairfile_check_referenced_row('subject_id', 'subject_keys', 'subject_id');
CREATE TRIGGER subject_keys_documents_upd AFTER UPDATE OF subject_id, key_version ON subject_keys
    FOR EACH ROW
    WHEN ((OLD.subject_id, OLD.key_version) IS DISTINCT FROM (NEW.subject_id, NEW.key_version))
    EXECUTE FUNCTION fairfile_check_referenced_row('subject_id, key_version', 'identity_documents',
                                                   'subject_id, key_version');
CREATE TRIGGER subject_keys_tradelines_upd AFTER UPDATE OF subject_id, key_version ON subject_keys
    FOR EACH ROW
    WHEN ((OLD.subject_id, OLD.key_version) IS DISTINCT FROM (NEW.subject_id, NEW.key_version))
    EXECUTE FUNCTION fairfile_check_referenced_row('subject_id, key_version', 'tradelines',
                                                   'subject_id, key_version');
CREATE TRIGGER organizations_tradelines_upd AFTER UPDATE OF org_id ON organizations FOR EACH ROW
    WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id)
    EXECUTE FUNCTION fairfile_check_referenced_row('org_id', 'tradelines', 'furnisher_id');
CREATE TRIGGER identity_documents_held_upd AFTER UPDATE OF subject_id ON identity_documents
    FOR EACH ROW WHEN (OLD.subject_id IS DISTINCT FROM NEW.subject_id)
    EXECUTE FUNCTION fairfile_check_referenced_row('subject_id', 'identity_blind_indexes',
                                                   'subject_id');
