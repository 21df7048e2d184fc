#!/bin/sh
# Metro 2 fuzz: 5,000 byte mutations of the sample files and moov-io's crashers (fixed seed),
# read, validated and mapped to accounts without a crash or a lost byte. Capped at 3 minutes.
set -eu
FUZZ_EXAMPLES=5000 exec timeout 180 .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/furnishing/metro2/test_fuzz.py
