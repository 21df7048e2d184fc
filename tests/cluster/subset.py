"""The tests CI runs on the local Citus cluster (issue 22): `pytest -m cluster`.

The whole suite takes far longer than CI's nine minutes on a coordinator and two workers on this
machine (each statement is planned by Citus and crosses a node), so CI runs this subset, marked
`cluster` at collection (tests/conftest.py). tests/cluster/test_subset.py keeps it from
shrinking silently: at least a third of all tests, every test package, every route family
(router module) and, through tests/db, every migration applied and placed on the cluster.

An entry is a test module or package path, or one test's node id (without parameters).
"""

from __future__ import annotations

SUBSET: tuple[str, ...] = (
    # the cluster itself, and every migration applied and every table placed
    "tests/cluster/",
    "tests/db/",
    # the pure rules: no database, the same on any server, and most of the suite's tests
    "tests/disputes/test_workflow.py",
    "tests/disputes/test_deadlines.py",
    "tests/furnishing/metro2/test_cfpb_evaluators.py",
    "tests/furnishing/metro2/test_validate.py",
    "tests/furnishing/metro2/test_parse.py",
    "tests/furnishing/metro2/test_samples.py",
    "tests/furnishing/metro2/test_layout.py",
    "tests/furnishing/metro2/test_moov_json.py",
    "tests/policy/test_regime.py",
    "tests/policy/test_companies.py",
    "tests/consent/test_decision.py",
    "tests/test_layers.py",
    # a subject's file, read and written, on its shard
    "tests/file/",
    "tests/reports/",
    "tests/subjects/test_identities.py",
    "tests/furnishing/test_repo.py",
    "tests/furnishing/test_ingest.py",
    "tests/furnishing/test_steady_cycle.py",
    "tests/furnishing/test_matching.py",
    "tests/furnishing/test_routes.py",
    # every other package and route family, through its own tests
    "tests/api/test_health.py",
    "tests/api/test_metrics.py",
    "tests/api/test_response_headers.py",
    "tests/audit/test_merkle.py",
    "tests/audit/test_access_log.py",
    "tests/auth/test_api_keys.py",
    "tests/consent/test_grant_pages.py",
    "tests/consent/test_pull_paths.py",
    "tests/consent/oauth/test_flow.py",
    "tests/disputes/test_routes.py",
    "tests/notices/test_adverse_action_routes.py",
    "tests/orgs/test_commands.py",
    "tests/sandbox/test_issuer.py",
    "tests/score/test_routes.py",
    "tests/subjects/test_routes.py",
    "tests/vault/test_vault.py",
    "tests/web/test_closure.py",
    "tests/web/test_notice_reads.py",
    "tests/web/test_signin.py",
    "tests/webhooks/test_urls.py",
    "tests/webhooks/test_secrets.py",
)


def in_subset(nodeid: str) -> bool:
    """Whether the test with this node id is in the subset."""
    bare = nodeid.split("[", 1)[0]
    return any(bare == entry or bare.startswith(entry if entry.endswith("/") else entry + "::")
               for entry in SUBSET)  # fmt: skip
