#!/usr/bin/env bash
# Builds the release preset and runs every benchmark in bench/, printing ratios against the
# peers measured in the same run. Extra arguments go to each benchmark binary.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh release
for bench in build/release/bench/bench_*; do
  [[ -x "${bench}" ]] || continue
  [[ "${bench}" == *_receiver ]] && continue  # a process the store benchmark starts, not a benchmark
  echo "== ${bench##*/}"
  "${bench}" "$@"
done
