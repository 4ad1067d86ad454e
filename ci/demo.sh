#!/usr/bin/env bash
# The demo: set up, build the release radloop CLI, run the bundled scenarios against the
# in-process reference pipeline, print a summary and write a report per scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh release --target radloop
mkdir -p build/demo
status=0
for scenario in scenarios/*.yaml; do
  name="$(basename "${scenario}" .yaml)"
  build/release/harness/radloop run "${scenario}" \
    --report "build/demo/${name}-report.json" --history "build/demo/${name}-history.jsonl" || status=$?
done
echo
echo "Reports are in build/demo/ (JSON report and JSON-lines history per scenario)."
exit "${status}"
