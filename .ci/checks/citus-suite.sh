#!/usr/bin/env bash
# Issue 22: the cluster subset of the suite on a local Citus cluster (a coordinator and two
# workers on 127.0.0.1, started and stopped by the test fixtures: tests/cluster/local.py).
# Builds Citus 12.1.5 into the venv's PostgreSQL first (citus-build.sh: idempotent, about a
# minute the first time). The subset is the tests marked `cluster` (tests/cluster/subset.py;
# tests/cluster/test_subset.py keeps it at a third of the suite or more, covering every test
# package, router module and migration). It includes tests/db/test_distribution.py and
# tests/db/test_migrate.py: every table's placement is checked here.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/checks/citus-build.sh
FAIRFILE_TEST_CLUSTER=citus timeout --kill-after=15 600 .venv/bin/python -m pytest -q \
    -p no:cacheprovider --basetemp="$(mktemp -d /tmp/citus-suite-XXXXXX)" -m cluster tests
