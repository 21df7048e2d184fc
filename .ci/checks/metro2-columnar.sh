#!/bin/sh
# The columnar Metro 2 validator against the per-record one, longer than the main suite: 500
# byte mutations, 250 field overwrites and 500 cycle pairs (fixed seed) must give identical
# problem lists. Capped at 9 minutes.
set -eu
FUZZ_EXAMPLES=500 exec timeout 540 .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/furnishing/metro2/columnar/
