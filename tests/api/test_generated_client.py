"""A lender's generated client works: the spec is true enough to generate one and use it.

A Python client is generated from the live `/openapi.json` with openapi-python-client (pinned
in the test extra) into a temporary directory, and a lender's journey runs through the
generated code against the bureau served on 127.0.0.1: the subject grants, the lender pulls,
sends an adverse-action notice, gets a 403 and a 422 back as `Problem`s, and furnishes an
account. Nothing generated is kept.
"""

from __future__ import annotations

import importlib
import json
import secrets
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI

from bureau.sandbox.seed import SeedResult
from tests.consent.conftest import Org, Person
from tests.furnishing.test_admissibility import json_record
from tests.web.browser import serving

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "fairfile_client"


@pytest.fixture(scope="module")
def served(app: FastAPI) -> Iterator[str]:
    with serving(app) as base:
        yield base.replace("localhost", "127.0.0.1")


@pytest.fixture(scope="module")
def generated(served: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client generated from the served spec, importable for this module's tests."""
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: install the test extra (pip install -e '.[dev]')")
    folder = tmp_path_factory.mktemp("generated")
    with urllib.request.urlopen(served + "/openapi.json", timeout=30) as response:
        (folder / "openapi.json").write_bytes(response.read())
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(folder / "openapi.json"), "--meta", "none",
         "--output-path", str(folder / PACKAGE)],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # every operation and schema generated: the generator warns of any piece it had to drop
    # (its post-generation formatting hooks aside)
    assert "WARNING parsing" not in done.stdout + done.stderr, done.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(folder / PACKAGE, ignore_errors=True)


def _module(client: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_lenders_journey_through_the_generated_client(
    generated: ModuleType, served: str, person: Person, lumen: Org, sandbox: SeedResult
) -> None:
    models = _module(generated, "models")
    as_subject = generated.AuthenticatedClient(base_url=served, token=person.token)
    as_lender = generated.AuthenticatedClient(base_url=served, token=lumen.key)

    create_grant = _module(generated, "api.consent.create_grant")
    grant = create_grant.sync(
        client=as_subject,
        body=models.GrantIn(requester_org_id=lumen.org_id,
                            purpose=models.Purpose.CREDIT_TRANSACTION, max_uses=2),
    )  # fmt: skip
    assert isinstance(grant, models.Grant), grant
    assert grant.status == models.GrantStatus.ACTIVE and grant.requester.name == "Lumen Lending"

    pull_report = _module(generated, "api.reports.pull_report")
    released = pull_report.sync(
        client=as_lender,
        body=models.PullIn(grant_id=grant.grant_id, purpose=models.Purpose.CREDIT_TRANSACTION),
    )
    assert isinstance(released, models.ReleasedReport), released
    assert released.report.grant_id == grant.grant_id and released.jws.count(".") == 2

    send_adverse_action = _module(generated, "api.notices.send_adverse_action")
    notice = send_adverse_action.sync(
        client=as_lender,
        body=models.AdverseActionIn(
            report_id=released.report_id, action=models.AdverseAction.CREDIT_DENIED,
            reasons=["Proportion of balances to credit limits is too high"],
        ),
    )  # fmt: skip
    assert not isinstance(notice, models.Problem) and notice is not None, notice

    # a purpose the grant does not name: refused, and parsed as a Problem, not None
    refused = pull_report.sync(
        client=as_lender,
        body=models.PullIn(grant_id=grant.grant_id, purpose=models.Purpose.TENANT_SCREENING),
    )
    assert isinstance(refused, models.Problem), refused
    assert refused.status == 403 and refused.type_.endswith("/purpose-mismatch")

    # schema-valid, refused by a rule across fields: a 422 parsed as a Problem
    invalid = create_grant.sync(
        client=as_subject,
        body=models.GrantIn(requester_org_id=lumen.org_id,
                            purpose=models.Purpose.CREDIT_TRANSACTION, recurring=True,
                            max_uses=3),
    )  # fmt: skip
    assert isinstance(invalid, models.Problem), invalid
    assert invalid.status == 422 and invalid.field == "max_uses"

    # a furnisher of its own (the sandbox's furnishers' batches are the sandbox's), registered
    # through the generated client too
    as_operator = generated.AuthenticatedClient(
        base_url=served, token=sandbox.org_keys["operator"]["key"]
    )
    org = _module(generated, "api.operator.create_organization").sync(
        client=as_operator,
        body=models.OrganizationIn(name="Generated Client Bank", roles=[models.OrganizationInRolesItem.FURNISHER],
                                   furnisher_code=f"GCB{secrets.randbelow(10**7):07d}"),
    )  # fmt: skip
    assert isinstance(org, models.OrganizationOut), org
    issued = _module(generated, "api.operator.create_key").sync(
        org.org_id, client=as_operator, body=models.KeyIn(scopes=[models.KeyInScopesItem.FURNISH])
    )
    assert isinstance(issued, models.KeyOut), issued
    furnisher = generated.AuthenticatedClient(base_url=served, token=issued.key)
    furnish_records = _module(generated, "api.furnish.furnish_records")
    record = json.loads(json.dumps(json_record(9101)))
    furnished = furnish_records.sync(
        client=furnisher,
        body=models.FurnishRecords(records=[models.FurnishRecordsRecordsItem.from_dict(record)]),
    )
    assert not isinstance(furnished, models.Problem) and furnished is not None, furnished
    assert furnished.to_dict()["accepted"] == 1
