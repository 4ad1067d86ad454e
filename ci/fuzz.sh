#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan+UBSan) and runs each in turn for a
# bounded time over its seeds, then prints executions and executions per second per target.
# Non-zero if a target crashes (its input is left as build/fuzz/<target>-crash-*) or none ran.
#   ci/fuzz.sh [seconds per target]     default 300; ci/test.sh runs it with 20
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
cmake --preset fuzz >/dev/null && cmake --build --preset fuzz || exit 1

# Each target's seeds: inputs from our own tests and crashes, and third-party corpora when present.
# New inputs go to build/fuzz/work/<target>, kept between runs.
seeds_for() {
  case "$1" in
    hl7_parser) echo tests/fuzz/corpus/hl7 tests/data/hl7 ../shared/corpus/hl7 ;;
    hl7_ack) echo tests/fuzz/corpus/hl7_ack tests/fuzz/corpus/hl7 ;;
    dicom_shape) echo tests/fuzz/corpus/dicom /usr/lib/python3/dist-packages/pydicom/data/test_files ;;
    yaml_config) echo tests/fuzz/corpus/yaml_config scenarios ;;
    *) echo "tests/fuzz/corpus/$1" ;;
  esac
}

status=0
ran=0
summary=()
for binary in build/fuzz/tests/fuzz/fuzz_*; do
  [[ -x "${binary}" ]] || continue
  target="${binary##*/fuzz_}"
  work="build/fuzz/work/${target}"
  log="build/fuzz/${target}.log"
  mkdir -p "${work}"
  dirs=()
  for dir in $(seeds_for "${target}"); do
    [[ -d "${dir}" ]] && dirs+=("${dir}")
  done
  echo "== fuzz ${target} for ${seconds} s"
  "${binary}" -max_total_time="${seconds}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build/fuzz/${target}-" -print_final_stats=1 "${work}" "${dirs[@]}" >"${log}" 2>&1
  rc=$?
  ran=$((ran + 1))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "${log}")
  summary+=("$(printf '%-22s %12s executions %8s exec/s  %s' "${target}" "${runs:-?}" "${rate:-?}" \
    "$([[ ${rc} -eq 0 ]] && echo ok || echo "FAILED (exit ${rc}, see ${log})")")")
  if ((rc != 0)); then
    grep -v '^[WEI]: ' "${log}" | tail -40
    status=1
  fi
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
((ran > 0)) || { echo "ci/fuzz.sh: no fuzz target was built"; exit 1; }
exit "${status}"
