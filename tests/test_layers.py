"""The layer contracts of pyproject.toml hold for the code, and break on a forbidden import.

Each case runs import-linter (its Python entry point, the one `lint-imports` calls) on the real
import graph of bureau, consent and disputes with one import added that the named contract
forbids, so each contract is shown able to fail. The graph is the real one, built by import-linter
from the source; only the added import is made up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from grimp import ImportGraph
from importlinter import api  # noqa: F401  (configures import-linter's settings on import)
from importlinter.adapters.building import GraphBuilder
from importlinter.application import use_cases
from importlinter.application.app_config import settings

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


class _WithImports(GraphBuilder):
    """The real graph, plus the given (importer, imported) imports."""

    def __init__(self, added: list[tuple[str, str]]) -> None:
        self.added = added

    def build(self, *args: Any, **kwargs: Any) -> ImportGraph:
        graph = super().build(*args, **kwargs)
        for importer, imported in self.added:
            for module in (importer, imported):
                if module not in graph.modules:
                    graph.add_module(module)
            graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
        return graph


@pytest.fixture
def lint(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    real = settings.GRAPH_BUILDER

    def run(contract: str, *added: tuple[str, str]) -> bool:
        settings.configure(GRAPH_BUILDER=_WithImports(list(added)))
        kept = use_cases.lint_imports(
            config_filename=str(PYPROJECT),
            limit_to_contracts=(contract,),
            cache_dir=None,
            no_logo=True,
        )
        capsys.readouterr()
        return kept

    yield run
    settings.configure(GRAPH_BUILDER=real)


CONTRACTS = ["layers", "consent-disputes", "acyclic", "pure-rules"]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_the_code_keeps_every_contract(lint: Any, contract: str) -> None:
    assert lint(contract)


@pytest.mark.parametrize(
    ("contract", "importer", "imported"),
    [
        # A domain service reaching up into the API's dependencies (edge).
        ("layers", "bureau.file.service", "bureau.api.deps"),
        # A domain service reaching into the CLI or the portal.
        ("layers", "disputes.service", "bureau.cli"),
        ("layers", "bureau.score.scoring", "bureau.web.score"),
        # The core reaching up into a domain.
        ("layers", "bureau.db.pool", "bureau.file.repo"),
        ("layers", "bureau.vault.vault", "consent.service"),
        # A bureau domain reaching up into consent (only the edges import consent and disputes).
        ("layers", "bureau.file.service", "consent.decision"),
        # consent and disputes reaching into each other.
        ("consent-disputes", "consent.service", "disputes.service"),
        ("consent-disputes", "disputes.statements", "consent.grants"),
        # The score importing the file, which already imports the score.
        ("acyclic", "bureau.score.scoring", "bureau.file.service"),
        # Two modules of one package importing each other.
        ("acyclic", "disputes.workflow", "disputes.service"),
        # A pure rule opening a database connection or a web request.
        ("pure-rules", "consent.decision", "psycopg"),
        ("pure-rules", "disputes.deadlines", "bureau.db.pool"),
        ("pure-rules", "bureau.obsolescence", "fastapi"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    lint: Any, contract: str, importer: str, imported: str
) -> None:
    assert not lint(contract, (importer, imported))


def test_report_release_may_sit_above_consent_but_consent_never_imports_it(lint: Any) -> None:
    """bureau.reports (decide -> assemble -> score -> sign -> record) is an optional layer above
    consent and disputes: it may use consent's decision and bureau's file, not the reverse."""
    assert lint(
        "layers",
        ("bureau.reports", "consent.decision"),
        ("bureau.reports", "bureau.file.service"),
        ("bureau.api.deps", "bureau.reports"),
    )
    # an edge (consent/routes.py) may call it
    assert lint(
        "layers",
        ("bureau.reports", "consent.decision"),
        ("consent.routes", "bureau.reports.release"),
    )
    assert not lint("layers", ("consent.service", "bureau.reports"))
    assert not lint("layers", ("bureau.file.service", "bureau.reports"))


def test_domain_events_are_core_every_layer_may_raise_them_they_import_no_domain(
    lint: Any,
) -> None:
    assert lint(
        "layers",
        ("consent.service", "bureau.events"),
        ("bureau.file.service", "bureau.events"),
        ("bureau.audit.log", "bureau.events"),
    )
    assert not lint("layers", ("bureau.events", "bureau.notices.inbox"))
