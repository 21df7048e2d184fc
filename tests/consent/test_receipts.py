"""Consent receipts verify with the bureau's public key alone; any change breaks them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from bureau.cli import main
from bureau.signing import SignatureInvalid, SigningKey, b64url, b64url_decode
from consent import receipts
from consent.receipts import GrantReceipt

KEY = SigningKey.from_seed(b"\x07" * 32)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def receipt() -> GrantReceipt:
    return GrantReceipt(
        event="granted",
        grant_id=uuid4(),
        subject_id=uuid4(),
        requester_org_id=uuid4(),
        requester_name="First Example Bank",
        purpose="credit-transaction",
        scope="full",
        valid_from=NOW,
        expires_at=NOW + timedelta(days=30),
        max_uses=1,
        issued_at=NOW,
    )


def test_a_receipt_verifies_with_the_public_key_alone() -> None:
    original = receipt()
    token = receipts.issue(KEY, original)
    assert receipts.verify(token, KEY.public_key) == original


def test_changing_any_byte_of_a_receipt_fails_verification() -> None:
    token = receipts.issue(KEY, receipt())
    for position in range(len(token)):
        if token[position] == ".":
            continue
        replacement = "A" if token[position] != "A" else "B"
        changed = token[:position] + replacement + token[position + 1 :]
        with pytest.raises(SignatureInvalid):
            receipts.verify(changed, KEY.public_key)


def test_a_receipt_with_an_edited_payload_and_the_old_signature_fails() -> None:
    token = receipts.issue(KEY, receipt())
    header, payload, signature = token.split(".")
    doc = json.loads(b64url_decode(payload))
    doc["max_uses"] = 1000
    forged = f"{header}.{b64url(json.dumps(doc).encode())}.{signature}"
    with pytest.raises(SignatureInvalid):
        receipts.verify(forged, KEY.public_key)


def test_a_receipt_signed_by_another_key_fails() -> None:
    token = receipts.issue(SigningKey.from_seed(b"\x08" * 32), receipt())
    with pytest.raises(SignatureInvalid):
        receipts.verify(token, KEY.public_key)


def test_alg_none_and_other_algorithms_are_refused() -> None:
    token = receipts.issue(KEY, receipt())
    _, payload, signature = token.split(".")
    for alg in ("none", "HS256", "ES256"):
        header = b64url(json.dumps({"alg": alg, "typ": receipts.RECEIPT_TYPE}).encode())
        with pytest.raises(SignatureInvalid, match="alg"):
            receipts.verify(f"{header}.{payload}.{signature}", KEY.public_key)


def test_cli_verifies_a_receipt_against_the_published_key_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps(KEY.jwks()))
    token = receipts.issue(KEY, receipt())
    assert main(["consent", "verify", token, "--key", str(jwks)]) == 0
    assert capsys.readouterr().out.startswith("VALID")
    stored = tmp_path / "receipt.jws"
    stored.write_text(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert main(["consent", "verify", str(stored), "--key", str(jwks)]) == 1
    assert "INVALID" in capsys.readouterr().err


def test_cli_uses_this_installations_key_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bureau.signing import signing_key_file

    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(tmp_path / "master.key"))
    monkeypatch.delenv("FAIRFILE_SIGNING_KEY_FILE", raising=False)
    assert main(["consent", "verify", "x.y.z"]) == 2  # no key yet: says so, verifies nothing
    assert "no signing key" in capsys.readouterr().err
    local = SigningKey.load_or_create(signing_key_file(tmp_path / "master.key"))
    token = receipts.issue(local, receipt())
    assert main(["consent", "verify", token]) == 0
    assert main(["consent", "verify", receipts.issue(KEY, receipt())]) == 1
