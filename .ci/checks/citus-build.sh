#!/usr/bin/env bash
# Build Citus 12.1.5 into the PostgreSQL 16 of the venv's pgserver package (issue 22), from the
# vendored source in ../shared/vendor/citus/ (or CITUS_VENDOR). Idempotent: a second run finds
# citus.so installed and returns at once. Capped at 10 minutes (measured: under a minute).
set -euo pipefail
cd "$(dirname "$0")/../.."
vendor=${CITUS_VENDOR:-../shared/vendor/citus}
[ -d "$vendor" ] || vendor=/work/shared/vendor/citus
[ -f "$vendor/build.sh" ] || { echo "citus-build: no vendored Citus at $vendor" >&2; exit 1; }
timeout --kill-after=10 600 bash "$vendor/build.sh" "$PWD/.venv/bin/python"
.venv/bin/python -c 'from bureau.db.cluster import citus_installed; raise SystemExit(0 if citus_installed() else 1)' \
    || { echo "citus-build: citus.so missing after the build" >&2; exit 1; }
