"""The access log against an attacker with UPDATE/DELETE rights on its tables.

Each attack runs as such an attacker would: `session_replication_role = replica` switches the
append-only triggers off (the test server is a superuser), and the change is rolled back with
the test. Each is then found and named by `bureau audit verify` (`verify_log`), by the subject's
own check (`verify-mine`, over exactly what `GET /v1/me/access-log` serves) where the subject is
the one it hides from, and by a witness where only a head kept elsewhere can tell.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from bureau.audit import routes, trail, tree, verify_mine, witness
from bureau.audit.log import leaf_hash
from bureau.audit.sequencing import sequence
from bureau.config import Settings
from bureau.signing import SigningKey, b64url, signing_key_file


@pytest.fixture
def bureau_key(session_key_file: Path) -> SigningKey:
    return SigningKey.load_or_create(signing_key_file(session_key_file))


@pytest.fixture
def subject(conn: psycopg.Connection[Any], bureau_key: SigningKey) -> UUID:
    """A subject with five entries among others', numbered in several sequencer runs, with a
    published head (all rolled back with the test)."""
    someone = uuid4()
    for n in range(5):
        trail.append(conn, "report.released", someone, {"to_name": f"lender {n}", "purpose": "x"})
        trail.append(conn, "test.other", uuid4(), {"n": n})
        trail.append(conn, "test.unrelated", None, {"n": n})
        sequence(conn, bureau_key)
    tree.publish_head(conn, bureau_key, datetime.now(UTC))
    return someone


def attack(conn: psycopg.Connection[Any], sql: str, *params: object) -> None:
    conn.execute("SET LOCAL session_replication_role = replica")
    conn.execute(sql, params)
    conn.execute("SET LOCAL session_replication_role = origin")


def indexes_of(conn: psycopg.Connection[Any], subject: UUID) -> list[int]:
    rows = conn.execute(
        "SELECT leaf_index FROM audit_log WHERE entry->>'subject_id' = %s ORDER BY leaf_index",
        (str(subject),),
    ).fetchall()
    return [int(r["leaf_index"]) for r in rows]


def newest_at_odd_index(conn: psycopg.Connection[Any], key: SigningKey, subject: UUID) -> int:
    """A new newest entry of the subject, the log's last, at an odd index after an unrelated
    entry: the deleted leaf is then paired in a stored node, and no other entry of the subject
    needs its hash as a proof's sibling, so their proofs stay computable whatever number of
    entries earlier tests left (a missing leaf a proof needs is answered as tampering)."""
    sequence(conn, key)
    row = conn.execute("SELECT next_index FROM audit_log_head").fetchone()
    pads = 1 if row is None or int(row["next_index"]) % 2 == 0 else 2
    for n in range(pads):
        trail.append(conn, "test.unrelated", None, {"n": f"pad {n}"})
    trail.append(conn, "report.released", subject, {"to_name": "the last lender"})
    sequence(conn, key)
    last = max(indexes_of(conn, subject))
    assert last % 2 == 1
    return last


def mine(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    settings: Settings,
    subject: UUID,
    remembered: dict[str, Any] | None = None,
    knows: str | None = None,
) -> verify_mine.MineResult:
    """verify-mine over the pages the API route serves this subject (`knows`: the id the
    subject checks against, e.g. `--subject-id`)."""
    principal = SimpleNamespace(subject_id=subject)

    def fetch(before: int | None) -> dict[str, Any]:
        page = routes.my_access_log(principal, conn, key, settings, 2, before)  # type: ignore[arg-type]
        return json.loads(json.dumps(page))  # as it goes over the wire

    verify_mine.PAGE = 2  # small pages: the chain is checked across them
    return verify_mine.check_pages(fetch, [key.public_key], remembered, knows)


def test_the_untouched_log_verifies_for_the_bureau_and_the_subject(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    assert tree.verify_log(conn, [bureau_key.public_key]).ok
    result = mine(conn, bureau_key, settings, subject)
    assert result.ok, result.problems
    assert result.entries == 5


def test_a_moved_subject_column_is_named_and_hides_nothing_from_the_subject(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    target = indexes_of(conn, subject)[2]
    attack(conn, "UPDATE audit_log SET subject_id = NULL WHERE leaf_index = %s", target)
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert result.first_bad_index == target
    assert result.problems == [
        f"entry {target}: column subject_id is None but the hashed entry names {subject}"
    ]
    seen = mine(conn, bureau_key, settings, subject)
    assert seen.ok and seen.entries == 5  # served from the hashed entry, not the column


def test_event_and_time_columns_are_compared_with_the_hashed_entry(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, subject: UUID
) -> None:
    target = indexes_of(conn, subject)[1]
    attack(conn, "UPDATE audit_log SET event = 'test.nothing', created_at = created_at - "
                 "interval '1 day' WHERE leaf_index = %s", target)  # fmt: skip
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert result.first_bad_index == target
    assert any(p.startswith(f"entry {target}: column event is 'test.nothing'")
               for p in result.problems)  # fmt: skip
    assert any(p.startswith(f"entry {target}: column created_at is") for p in result.problems)


def test_an_entry_moved_to_another_subject_and_rehashed_breaks_the_subjects_chain(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    target = indexes_of(conn, subject)[2]
    row = conn.execute("SELECT entry FROM audit_log WHERE leaf_index = %s", (target,)).fetchone()
    assert row is not None
    moved = {**row["entry"], "subject_id": str(uuid4())}
    attack(conn, "UPDATE audit_log SET entry = %s, leaf_hash = %s WHERE leaf_index = %s",
           json.dumps(moved), leaf_hash(moved), target)  # fmt: skip
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert result.first_bad_index == target
    assert any(f"entry {target}: its leaf hash was rewritten" in p for p in result.problems)
    seen = mine(conn, bureau_key, settings, subject)
    assert not seen.ok
    assert any(f"after leaf {target}, but the next entry shown" in p for p in seen.problems)


def test_the_deleted_newest_entry_is_named_by_verify_and_by_the_subject_who_saw_it(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    before = mine(conn, bureau_key, settings, subject)
    assert before.ok and before.newest is not None
    newest = max(indexes_of(conn, subject))
    # The log's very newest entry: the attacker also rolls the head row and tips back.
    last = newest_at_odd_index(conn, bureau_key, subject)
    seen = mine(conn, bureau_key, settings, subject)
    assert seen.ok and seen.newest is not None and seen.newest["leaf_index"] == last
    attack(conn, "DELETE FROM audit_log WHERE leaf_index = %s", last)
    attack(conn, "UPDATE audit_subject_tips SET entries = entries - 1, last_index = %s, "
                 "last_hash = (SELECT leaf_hash FROM audit_log WHERE leaf_index = %s) "
                 "WHERE subject_id = %s", newest, newest, subject)  # fmt: skip
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert result.first_bad_index == last
    assert result.problems[0].startswith(f"entry {last} is missing: the signed checkpoint")
    after = mine(conn, bureau_key, settings, subject, remembered=seen.newest)
    assert f"your entry 6 at leaf {last}, shown before under the signed tree head of size " \
           f"{seen.tree_size}, is no longer shown" in after.problems  # fmt: skip
    # A first look, with nothing remembered: the signed subject map still commits entry 6.
    first_look = mine(conn, bureau_key, settings, subject)
    assert not first_look.ok
    assert any("does not lead to the subject map root signed with the checkpoint" in p
               for p in first_look.problems), first_look.problems  # fmt: skip


def test_a_deleted_newest_entry_with_tips_and_map_rolled_back_is_named_on_a_first_look(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    from bureau.audit import repo, subject_map
    from bureau.audit.errors import LogTampered

    newest = max(indexes_of(conn, subject))
    last = newest_at_odd_index(conn, bureau_key, subject)
    (tip,) = repo.subject_tips(conn, [str(subject)]).values()
    # The attacker deletes the entry and rolls back everything stored about it that no
    # signature covers: the tip row, and the subject map's nodes on its path (recomputed).
    rolled = subject_map.Tip(str(subject), tip.position, tip.entries - 1, newest,
                             repo.leaf_hashes(conn, newest, newest + 1)[0])  # fmt: skip
    stored = repo.map_nodes(conn, subject_map.nodes_for([tip.position]))
    attack(conn, "DELETE FROM audit_log WHERE leaf_index = %s", last)
    attack(conn, "UPDATE audit_subject_tips SET entries = %s, last_index = %s, last_hash = %s "
                 "WHERE subject_id = %s", rolled.entries, rolled.last_index, rolled.last_hash,
           subject)  # fmt: skip
    conn.execute("SET LOCAL session_replication_role = replica")
    repo.save_map_nodes(
        conn,
        subject_map.rewrite(
            stored, {tip.position: subject_map.bucket_leaf([subject_map.pair(rolled)])}
        ),
    )
    conn.execute("SET LOCAL session_replication_role = origin")

    first_look = mine(conn, bureau_key, settings, subject)  # the subject never saw entry 6
    assert any(f"does not lead to the subject map root signed with the checkpoint of size "
               f"{last + 1}" in p for p in first_look.problems), first_look.problems  # fmt: skip
    badge = routes.my_access_log(SimpleNamespace(subject_id=subject), conn, bureau_key,  # type: ignore[arg-type]
                                 settings, 100, None)  # fmt: skip
    from bureau.audit.own_log import verify_published

    assert not verify_published(json.loads(json.dumps(badge)), bureau_key.public_key).all_verified
    # The bureau's own sequencer will not sign over the rolled-back tip either.
    trail.append(conn, "report.released", subject, {"to_name": "a later lender"})
    with conn.transaction(), pytest.raises(LogTampered, match=f"subject {subject}: the sequencer"):
        sequence(conn, bureau_key)
    assert tree.verify_log(conn, [bureau_key.public_key]).first_bad_index == last


def test_a_subject_whose_every_entry_and_tip_row_were_deleted_is_told_on_a_first_look(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    from bureau.audit import repo, subject_map
    from bureau.audit.own_log import verify_published

    first = min(indexes_of(conn, subject))
    # Everything stored about the subject goes: every entry, the tip row, and the map's nodes
    # on their position's path, recomputed as if the position held nobody.
    position = subject_map.position_of(str(subject))
    stored = repo.map_nodes(conn, subject_map.nodes_for([position]))
    shared = [t for t in repo.tips_at_positions(conn, [position]).get(position, [])
              if t.subject_id != str(subject)]  # fmt: skip
    attack(conn, "DELETE FROM audit_log WHERE entry->>'subject_id' = %s", str(subject))
    attack(conn, "DELETE FROM audit_subject_tips WHERE subject_id = %s", subject)
    for nodes in ({}, subject_map.rewrite(stored, {position: subject_map.bucket_leaf(
            subject_map.pair(t) for t in shared)})):  # fmt: skip
        conn.execute("SET LOCAL session_replication_role = replica")
        repo.save_map_nodes(conn, nodes)
        conn.execute("SET LOCAL session_replication_role = origin")
        result = tree.verify_log(conn, [bureau_key.public_key])
        assert result.first_bad_index == first, result.problems
        first_look = mine(conn, bureau_key, settings, subject)  # nothing remembered
        assert first_look.entries == 0 and not first_look.ok
        assert any("your tip (no entry) does not lead to the subject map root signed with the "
                   "checkpoint" in p for p in first_look.problems), first_look.problems  # fmt: skip
        page = routes.my_access_log(SimpleNamespace(subject_id=subject), conn, bureau_key,  # type: ignore[arg-type]
                                    settings, 100, None)  # fmt: skip
        assert not verify_published(
            json.loads(json.dumps(page)), bureau_key.public_key
        ).all_verified


def test_a_deleted_or_moved_tip_row_is_named_by_verify_and_by_the_subject(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    newest = max(indexes_of(conn, subject))
    with conn.transaction(force_rollback=True):
        attack(conn, "DELETE FROM audit_subject_tips WHERE subject_id = %s", subject)
        result = tree.verify_log(conn, [bureau_key.public_key])
        assert (f"subject {subject}: the log holds 5 entries naming them, the newest at "
                f"{newest}, but the sequencer keeps no tip for them") in result.problems  # fmt: skip
        seen = mine(conn, bureau_key, settings, subject)
        assert any("does not lead to the subject map root" in p for p in seen.problems)
    attack(conn, "UPDATE audit_subject_tips SET map_position = map_position # 1 "
                 "WHERE subject_id = %s", subject)  # fmt: skip
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert any(p.startswith(f"subject {subject}: the tip sits at map position")
               for p in result.problems), result.problems  # fmt: skip
    assert not mine(conn, bureau_key, settings, subject).ok


def test_a_subject_with_no_entry_gets_a_signed_proof_of_it(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    nobody = uuid4()
    seen = mine(conn, bureau_key, settings, nobody, knows=str(nobody))
    assert seen.ok and seen.entries == 0, seen.problems
    # a bureau answering for another id (one with an empty position) does not pass for theirs
    other = mine(conn, bureau_key, settings, nobody, knows=str(subject))
    assert any(f"is for subject {nobody}, not for you ({subject})" in p for p in other.problems)


def test_a_rolled_back_tip_alone_is_named_by_verify(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, subject: UUID
) -> None:
    attack(conn, "UPDATE audit_subject_tips SET last_hash = %s WHERE subject_id = %s",
           b"\x00" * 32, subject)  # fmt: skip
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert f"subject {subject}: the tip's leaf hash is not that of entry" in result.problems[0]
    assert (
        "the subject map the tips make is not the one the checkpoint signed"
        in (result.problems[-1])
    )


def test_a_deleted_entry_below_the_newest_is_named_by_the_subject_on_a_first_look(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    target = indexes_of(conn, subject)[3]
    attack(conn, "DELETE FROM audit_log WHERE leaf_index = %s", target)
    assert tree.verify_log(conn, [bureau_key.public_key]).first_bad_index == target
    seen = mine(conn, bureau_key, settings, subject)
    assert any(f"is your entry 5, after leaf {target}" in p for p in seen.problems)


def test_an_entry_rewritten_with_a_recomputed_hash_is_named_exactly(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, subject: UUID
) -> None:
    for target in indexes_of(conn, subject)[1:]:
        with conn.transaction(force_rollback=True):
            row = conn.execute(
                "SELECT entry FROM audit_log WHERE leaf_index = %s", (target,)
            ).fetchone()
            assert row is not None
            forged = {**row["entry"], "to_name": "nobody"}
            attack(conn, "UPDATE audit_log SET entry = %s, leaf_hash = %s WHERE leaf_index = %s",
                   json.dumps(forged), leaf_hash(forged), target)  # fmt: skip
            result = tree.verify_log(conn, [bureau_key.public_key])
            assert result.first_bad_index == target, result.problems
            assert result.problems[-1].startswith(f"entry {target}")


def test_removing_every_head_node_and_the_checkpoint_after_a_rewrite_is_found(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, subject: UUID
) -> None:
    target = indexes_of(conn, subject)[4]
    row = conn.execute("SELECT entry FROM audit_log WHERE leaf_index = %s", (target,)).fetchone()
    assert row is not None
    forged = {**row["entry"], "purpose": "employment"}
    attack(conn, "UPDATE audit_log SET entry = %s, leaf_hash = %s WHERE leaf_index = %s",
           json.dumps(forged), leaf_hash(forged), target)  # fmt: skip
    attack(conn, "DELETE FROM audit_tree_heads")
    attack(conn, "DELETE FROM audit_tree_nodes")
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert result.first_bad_index == target, result.problems
    assert "the signed checkpoint of size" in result.problems[-1]
    attack(conn, "UPDATE audit_log_head SET checkpoint_size = NULL, checkpoint_root = NULL, "
                 "checkpoint_at = NULL, checkpoint_key = NULL, checkpoint_sig = NULL")  # fmt: skip
    result = tree.verify_log(conn, [bureau_key.public_key])
    assert result.first_bad_index == 0
    assert "covered by no signed checkpoint" in result.problems[0]


def test_a_history_rewritten_with_the_signing_key_is_caught_by_a_witness(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    auditor = SimpleNamespace()

    def get(path: str, params: dict[str, Any]) -> dict[str, Any]:
        if path == "/v1/audit/tree-head":
            return routes.tree_head(auditor, conn, bureau_key, settings)  # type: ignore[arg-type]
        return routes.consistency(auditor, conn, bureau_key, settings, **params)  # type: ignore[arg-type]

    first, _ = witness.check(get, [bureau_key.public_key], [])
    target = indexes_of(conn, subject)[0]
    row = conn.execute("SELECT entry FROM audit_log WHERE leaf_index = %s", (target,)).fetchone()
    assert row is not None
    # Whoever holds the database and the key rebuilds everything after the change (each
    # later entry's prev_leaf_hash too) and signs it anew.
    forged = {**row["entry"], "to_name": "nobody"}
    rows = conn.execute("SELECT leaf_index, entry FROM audit_log WHERE leaf_index >= %s "
                        "ORDER BY leaf_index", (target,)).fetchall()  # fmt: skip
    previous = None
    for later in rows:
        doc = forged if later["leaf_index"] == target else later["entry"]
        if previous is not None:
            doc = {**doc, "prev_leaf_hash": b64url(previous)}
        previous = leaf_hash(doc)
        attack(conn, "UPDATE audit_log SET entry = %s, leaf_hash = %s WHERE leaf_index = %s",
               json.dumps(doc), previous, later["leaf_index"])  # fmt: skip
    attack(conn, "DELETE FROM audit_tree_heads")
    attack(conn, "DELETE FROM audit_tree_nodes")
    attack(conn, "DELETE FROM audit_subject_map_nodes")  # the subject map is rebuilt too
    attack(conn, "UPDATE audit_subject_tips t SET last_hash = a.leaf_hash FROM audit_log a "
                 "WHERE a.leaf_index = t.last_index")  # fmt: skip
    attack(conn, "UPDATE audit_log_head SET checkpoint_size = NULL, checkpoint_map_root = NULL")
    trail.append(conn, "test.after", None, {})
    sequence(conn, bureau_key)
    tree.publish_head(conn, bureau_key, datetime.now(UTC))
    assert tree.verify_log(conn, [bureau_key.public_key]).ok  # nothing stored disagrees
    with pytest.raises(witness.Inconsistent, match="fork: the signed head of size"):
        witness.check(get, [bureau_key.public_key], [first])


def test_the_portals_verified_badge_needs_an_unbroken_chain(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    from bureau.audit.own_log import checked_subject_log

    def checked() -> Any:
        return checked_subject_log(conn, bureau_key, subject, datetime.now(UTC),
                                   interval=settings.tree_head_interval)  # fmt: skip

    assert checked().all_verified
    target = indexes_of(conn, subject)[1]
    attack(conn, "DELETE FROM audit_log WHERE leaf_index = %s", target)
    shown = checked()
    assert all(e.verified for e in shown.entries)  # each proof still holds
    assert not shown.all_verified and f"after leaf {target}" in shown.gaps[0]


def test_a_deleted_leaf_a_proof_needs_is_answered_as_tampering_not_a_server_error(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    from bureau.audit.errors import LogTampered

    sequence(conn, bureau_key)
    row = conn.execute("SELECT next_index FROM audit_log_head").fetchone()
    if row is not None and int(row["next_index"]) % 2 == 1:
        trail.append(conn, "test.unrelated", None, {"n": "pad"})
    trail.append(conn, "report.released", subject, {"to_name": "a lender"})
    trail.append(conn, "test.unrelated", None, {"n": "the lone last leaf"})
    sequence(conn, bureau_key)
    paired = max(indexes_of(conn, subject))  # its proof's first sibling is the next leaf
    attack(conn, "DELETE FROM audit_log WHERE leaf_index = %s", paired + 1)
    with pytest.raises(LogTampered, match=r"missing|not all stored"):
        mine(conn, bureau_key, settings, subject)
    assert LogTampered.status == 503


def test_a_forced_map_rebuild_does_not_sign_over_a_deleted_newest_entry(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, settings: Settings, subject: UUID
) -> None:
    """Clearing the map root sends the sequencer down the upgrade path (rebuild the map and
    sign it); the rebuild reads the tips from the log, so a rolled-back tip is refused."""
    from bureau.audit.errors import LogTampered

    newest = max(indexes_of(conn, subject))
    last = newest_at_odd_index(conn, bureau_key, subject)
    trail.append(conn, "test.unrelated", None, {"n": "after the deleted entry"})
    sequence(conn, bureau_key)
    seen = mine(conn, bureau_key, settings, subject)
    assert seen.ok and seen.newest is not None and seen.newest["leaf_index"] == last
    signed = conn.execute("SELECT checkpoint_size, checkpoint_sig FROM audit_log_head").fetchone()
    attack(conn, "DELETE FROM audit_log WHERE leaf_index = %s", last)
    attack(conn, "UPDATE audit_subject_tips SET entries = entries - 1, last_index = %s, "
                 "last_hash = (SELECT leaf_hash FROM audit_log WHERE leaf_index = %s) "
                 "WHERE subject_id = %s", newest, newest, subject)  # fmt: skip
    attack(conn, "UPDATE audit_log_head SET checkpoint_map_root = NULL, checkpoint_map_sig = NULL")
    with conn.transaction(), pytest.raises(LogTampered, match=f"entry {last} is missing"):
        sequence(conn, bureau_key)
    after = conn.execute("SELECT checkpoint_size, checkpoint_sig, checkpoint_map_root "
                         "FROM audit_log_head").fetchone()  # fmt: skip
    assert after is not None and signed is not None
    assert (after["checkpoint_size"], after["checkpoint_sig"]) == (
        signed["checkpoint_size"], signed["checkpoint_sig"],
    )  # fmt: skip
    assert after["checkpoint_map_root"] is None  # nothing was signed
    assert tree.verify_log(conn, [bureau_key.public_key]).first_bad_index == last
    # The subject is never told all is well: a first look finds no signed map position to
    # prove the entries shown complete, and a subject who saw the entry is told it is gone.
    first_look = mine(conn, bureau_key, settings, subject)
    assert not first_look.ok
    assert any("served no signed subject map position for you" in p
               for p in first_look.problems), first_look.problems  # fmt: skip
    again = mine(conn, bureau_key, settings, subject, remembered=seen.newest)
    assert any(f"your entry 6 at leaf {last}, shown before" in p and "is no longer shown" in p
               for p in again.problems), again.problems  # fmt: skip


def test_a_forced_map_rebuild_names_a_tip_the_log_disagrees_with(
    conn: psycopg.Connection[Any], bureau_key: SigningKey, subject: UUID
) -> None:
    from bureau.audit.errors import LogTampered

    attack(conn, "UPDATE audit_subject_tips SET entries = entries - 1 WHERE subject_id = %s",
           subject)  # fmt: skip
    attack(conn, "UPDATE audit_log_head SET checkpoint_map_root = NULL, checkpoint_map_sig = NULL")
    with conn.transaction(), pytest.raises(
        LogTampered, match=f"subject {subject}: the tip says 4 entries, the newest at .*; the "
        "log holds 5, the newest at"
    ):  # fmt: skip
        sequence(conn, bureau_key)
