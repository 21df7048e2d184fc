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
    "tests/furnishing/test_unchanged.py",
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
    # what the whole suite's run on the cluster found and citus-close fixed or guards: jobs
    # locking many subjects' rows (the dispute deadline job, a master-key rotation), the
    # Metro 2 export's associated consumers, the outbox's claim (a row lock on a coordinator
    # table joined with a reference table), the access log's sequencer, an Idempotency-Key
    # replay, erasure, the pull's refusals; docs/scale.md "On Citus today"
    "tests/disputes/test_reinvestigation.py",
    "tests/disputes/test_service.py",
    "tests/disputes/test_recipients.py",
    "tests/disputes/test_deletion_day.py",
    "tests/disputes/test_statements.py",
    "tests/disputes/test_items.py",
    "tests/disputes/test_notices.py",
    "tests/vault/test_rotation.py::test_rotation_rewraps_every_data_key_and_data_stays_readable",
    "tests/vault/test_rotation.py::test_rotation_leaves_shredded_keys_destroyed",
    "tests/furnishing/test_export.py",
    "tests/furnishing/test_account_details.py",
    "tests/furnishing/test_associated_consumers.py",
    "tests/furnishing/test_closed_files.py",
    "tests/webhooks/test_delivery.py",
    "tests/webhooks/test_pinning.py",
    "tests/webhooks/test_schedule.py",
    "tests/audit/test_sequencing.py",
    "tests/audit/test_verify.py",
    "tests/api/test_idempotency.py",
    "tests/subjects/test_erasure.py",
    "tests/consent/test_reports.py",
    "tests/consent/test_routes.py",
    "tests/web/test_rights.py",
    "tests/web/test_sessions.py",
)


def in_subset(nodeid: str) -> bool:
    """Whether the test with this node id is in the subset."""
    bare = nodeid.split("[", 1)[0]
    return any(bare == entry or bare.startswith(entry if entry.endswith("/") else entry + "::")
               for entry in SUBSET)  # fmt: skip
