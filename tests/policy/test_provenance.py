"""Every citation the lab ships can be followed: to a passage in the repository, or to a public
primary document, never to a page outside the repository."""

from __future__ import annotations

import re

import pytest

from bureau.policy.population import load_population_params
from bureau.policy.provenance import PUBLIC_PREFIX, Provenance, passages
from bureau.policy.regime import builtin_names, builtin_reforms, load_regime

# What a citation outside the repository looked like: a sibling folder, a machine path, or a
# seed document by its number alone.
OUTSIDE = re.compile(r"\.\./|/work/|\bseed 00\d\b")


def _shipped() -> list[tuple[str, dict[str, Provenance]]]:
    files = [(name, load_regime(name).require_lab().provenance) for name in builtin_names()]
    files += [(name, load_regime(name).require_lab().provenance) for name in builtin_reforms()]
    return [*files, ("population.toml", load_population_params().provenance)]


@pytest.mark.parametrize(("owner", "provenance"), _shipped(), ids=lambda x: str(x)[:24])
def test_every_source_and_range_source_is_a_shipped_passage_or_a_public_document(
    owner: str, provenance: dict[str, Provenance]
) -> None:
    shipped = passages()
    for path, entry in provenance.items():
        for cited in (entry.source, entry.range_source):
            if cited is None:
                continue
            if cited.startswith(PUBLIC_PREFIX):
                document = cited.removeprefix(PUBLIC_PREFIX).strip()
                assert len(document) > 10, f"{owner} {path}: names no document"
                assert not OUTSIDE.search(document), f"{owner} {path}: {cited}"
            else:
                assert cited in shipped, f"{owner} {path}: {cited} is not shipped"


def test_no_shipped_passage_points_outside_the_repository() -> None:
    for key, passage in passages().items():
        assert "../shared" not in passage.text and "/work/" not in passage.text, key
