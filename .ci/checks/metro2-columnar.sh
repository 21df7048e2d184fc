#!/bin/sh
# The columnar Metro 2 validator against the per-record one: 1,500 byte mutations and 750
# field overwrites (fixed seed) must give identical problem lists. Capped at 8 minutes.
set -eu
FUZZ_EXAMPLES=1500 exec timeout 480 .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/furnishing/metro2/columnar/test_equivalence.py
