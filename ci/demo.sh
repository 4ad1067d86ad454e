#!/usr/bin/env bash
# The demo: set up, build the release radloop CLI, run the whole bundled scenario catalog against
# the in-process reference pipeline, print each summary and write the reports: build/demo/index.html
# (every verdict, check and swimlane timeline, with what each scenario teaches), build/demo/junit.xml
# and one JSON report per scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh release --target radloop
rm -rf build/demo
status=0
build/release/harness/radloop run scenarios --report build/demo || status=$?
echo
echo "Open build/demo/index.html for the report (it works offline); build/demo/junit.xml is for CI."
exit "${status}"
