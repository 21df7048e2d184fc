#!/usr/bin/env bash
# axe-core for the consent page's browser test (tests/web/test_consent_flow_browser.py): fetched
# from npm into .axe/ (git-ignored) and injected from that local file, so the test itself runs
# offline. In CI (CI set) the test fails if the file is missing.
set -euo pipefail
timeout 300 npm install --silent --no-audit --no-fund --prefix .axe axe-core@4.14.1
test -f .axe/node_modules/axe-core/axe.min.js
CI=1 timeout 600 .venv/bin/python -m pytest -q tests/web/test_consent_flow_browser.py
