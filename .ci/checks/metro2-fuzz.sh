#!/bin/sh
# Metro 2 fuzz: 5,000 byte mutations of the sample files and moov-io's crashers (fixed seed),
# read, validated and mapped to accounts without a crash or a lost byte. Capped at 3 minutes.
# Then 300 mutations of a furnisher's file through the whole ingest (the real database), each
# accounted for in the report. Capped at 4 minutes.
set -eu
FUZZ_EXAMPLES=5000 timeout 180 .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/furnishing/metro2/test_fuzz.py
INGEST_FUZZ_EXAMPLES=300 exec timeout 240 .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/furnishing/test_ingest_fuzz.py
