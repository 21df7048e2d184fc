"""The bureau's signing key: created once, private, and the same key on every later start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bureau.signing import (
    SignatureInvalid,
    SigningKey,
    jws_sign,
    jws_verify,
    load_public_keys,
    public_jwk,
    signing_key_file,
)


def test_signing_key_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = signing_key_file(tmp_path / "data" / "master.key")
    assert path == tmp_path / "data" / "signing.key"
    first = SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = SigningKey.load_or_create(path)
    assert first.kid == second.kid


def test_the_published_key_set_verifies_what_the_key_signs(tmp_path: Path) -> None:
    key = SigningKey.load_or_create(tmp_path / "signing.key")
    token = jws_sign(key, {"hello": "world"}, "test+jws")
    import json

    keys = load_public_keys(json.dumps(key.jwks()))
    assert jws_verify(token, keys, typ="test+jws").payload == {"hello": "world"}
    assert jws_verify(token, load_public_keys(json.dumps(public_jwk(key.public_key)))).payload
    with pytest.raises(SignatureInvalid, match="typ"):
        jws_verify(token, keys, typ="other+jws")


def test_a_pem_key_file_is_accepted_as_the_public_key(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    key = SigningKey.load_or_create(path)
    token = jws_sign(key, {"n": 1}, "t")
    assert jws_verify(token, load_public_keys(path.read_text())).payload == {"n": 1}


def test_garbage_tokens_are_refused_with_a_reason() -> None:
    key = SigningKey.from_seed(bytes(32))
    for token in ("", "a.b", "a.b.c", "!!.??.**"):
        with pytest.raises(SignatureInvalid):
            jws_verify(token, key.public_key)
