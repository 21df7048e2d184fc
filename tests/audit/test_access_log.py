"""The access log as the subject and auditors see it: every entry provably in a signed tree,
and the tree provably only ever grows. Proofs are checked with the independent verifier."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fastapi.testclient import TestClient

from bureau.audit.merkle import (
    SignedTreeHead,
    TreeHead,
    from_epoch_millis,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)
from bureau.signing import load_public_keys
from tests.audit.test_merkle import reference_root_from_path, reference_roots_from_consistency
from tests.consent.conftest import Org, Person
from tests.consent.test_reports import pull
from tests.consent.test_routes import grant


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def head_checks_out(head: dict[str, Any], jwks: str) -> bytes:
    """Verify a published tree head's signature; return its root hash."""
    sth = SignedTreeHead(
        TreeHead(head["tree_size"], unb64(head["root_hash"]),
                 from_epoch_millis(head["timestamp_ms"])),
        head["key_id"],
        unb64(head["signature"]),
    )  # fmt: skip
    assert any(verify_tree_head(sth, key) for key in load_public_keys(jwks))
    return sth.head.root_hash


def test_the_subject_sees_every_access_with_a_proof_it_is_in_the_signed_log(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    report_id = pull(client, lumen, made["grant_id"]).json()["report_id"]
    client.get("/v1/me/file", headers=person.headers)
    log = client.get("/v1/me/access-log", headers=person.headers).json()
    root = head_checks_out(log["tree_head"], client.get("/v1/keys").text)
    size = log["tree_head"]["tree_size"]
    events = [e["event"] for e in log["entries"]]
    assert events[:3] == ["file.disclosed", "report.released", "consent.granted"]
    released = log["entries"][1]["entry"]
    assert released["report_id"] == report_id and released["to"] == str(lumen.org_id)
    assert released["purpose"] == "credit-transaction" and released["grant_id"] == made["grant_id"]
    for item in log["entries"]:
        canonical = json.dumps(item["entry"], sort_keys=True, separators=(",", ":")).encode()
        leaf = hashlib.sha256(b"\x00" + canonical).digest()
        assert base64.urlsafe_b64encode(leaf).rstrip(b"=").decode() == item["leaf_hash"]
        proof = [unb64(p) for p in item["inclusion_proof"]]
        assert verify_inclusion(leaf, item["leaf_index"], size, proof, root)
        assert reference_root_from_path(leaf, item["leaf_index"], size, proof) == root


def test_a_subject_sees_only_their_own_entries(
    client: TestClient, person: Person, lumen: Org
) -> None:
    grant(client, person, lumen)
    entries = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    assert entries and all(e["entry"]["subject_id"] == str(person.subject_id) for e in entries)


def test_an_auditor_can_prove_the_log_only_grew_between_two_signed_heads(
    client: TestClient, person: Person, lumen: Org, auditor: Org
) -> None:
    jwks = client.get("/v1/keys").text
    old = client.get("/v1/audit/tree-head", headers=auditor.headers).json()
    old_root = head_checks_out(old, jwks)
    made = grant(client, person, lumen)
    pull(client, lumen, made["grant_id"])
    # Within the interval the auditor keeps getting the same head; the subject reading their
    # log is owed a head covering their new entries, and the auditor is then served that one.
    assert client.get("/v1/audit/tree-head", headers=auditor.headers).json() == old
    client.get("/v1/me/access-log", headers=person.headers)
    new = client.get("/v1/audit/tree-head", headers=auditor.headers).json()
    new_root = head_checks_out(new, jwks)
    assert new["tree_size"] >= old["tree_size"] + 2
    answer = client.get(
        "/v1/audit/consistency",
        params={"first": old["tree_size"], "second": new["tree_size"]},
        headers=auditor.headers,
    ).json()
    proof = [unb64(p) for p in answer["proof"]]
    assert answer["first_root_hash"] == old["root_hash"]
    assert verify_consistency(old["tree_size"], new["tree_size"], old_root, new_root, proof)
    if 0 < old["tree_size"] < new["tree_size"]:
        assert reference_roots_from_consistency(
            old["tree_size"], new["tree_size"], True, proof, old_root
        ) == (old_root, new_root)
    earlier = client.get(f"/v1/audit/tree-heads/{old['tree_size']}", headers=auditor.headers)
    assert earlier.json() == old


def test_an_auditor_gets_inclusion_proofs_but_never_entry_contents(
    client: TestClient, person: Person, lumen: Org, auditor: Org
) -> None:
    grant(client, person, lumen)
    head = client.get("/v1/audit/tree-head", headers=auditor.headers).json()
    index = head["tree_size"] - 1
    answer = client.get(f"/v1/audit/inclusion/{index}", headers=auditor.headers).json()
    assert "entry" not in answer
    root = head_checks_out(answer["tree_head"], client.get("/v1/keys").text)
    proof = [unb64(p) for p in answer["inclusion_proof"]]
    size = answer["tree_head"]["tree_size"]
    assert verify_inclusion(unb64(answer["leaf_hash"]), index, size, proof, root)


def test_audit_endpoints_need_the_auditor_scope(
    client: TestClient, person: Person, lumen: Org
) -> None:
    assert client.get("/v1/audit/tree-head", headers=lumen.headers).status_code == 403
    assert client.get("/v1/audit/tree-head", headers=person.headers).status_code == 403
