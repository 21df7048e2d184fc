"""The Metro 2 sample files copied from moov-io/metro2 and cfpb/Metro2 (see PROVENANCE.txt)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
_NOT_METRO2 = (".json", ".output", "PROVENANCE.txt")

SAMPLES: list[Path] = sorted(
    p for p in DATA.rglob("*") if p.is_file() and not p.name.endswith(_NOT_METRO2)
)


def sample(relative: str) -> Path:
    return DATA / relative


def sample_id(path: Path) -> str:
    return str(path.relative_to(DATA))
