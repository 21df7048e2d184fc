"""Key files as an operator might mix them up: written by hand, 0600, with the signing key
`bureau init` would have put beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bureau.signing import SigningKey, signing_key_file
from bureau.vault.keyring import KeyRing


def written_key_file(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(mode=0o700, parents=True)
    path.write_text(json.dumps(doc))
    path.chmod(0o600)
    SigningKey.load_or_create(signing_key_file(path))
    return path


def with_other_blind_index_key(key_file: Path, path: Path) -> Path:
    """The same master keys (every data key unwraps) with another blind-index key: the mix-up
    that once made a furnish of known accounts create a duplicate of every subject."""
    doc = json.loads(key_file.read_text())
    doc["blind_index_key"] = json.loads(KeyRing.generate().to_json())["blind_index_key"]
    return written_key_file(path, doc)
