#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan+UBSan) and runs each for a bounded
# time over its seeds, one per core at a time (RADLOOP_FUZZ_JOBS; the association target alone,
# last), then prints executions and executions per second per target.
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
    hl7_parser | hl7_validate) echo tests/fuzz/corpus/hl7 tests/data/hl7 ../shared/corpus/hl7 ;;
    hl7_ack) echo tests/fuzz/corpus/hl7_ack tests/fuzz/corpus/hl7 ;;
    dicom_shape) echo tests/fuzz/corpus/dicom /usr/lib/python3/dist-packages/pydicom/data/test_files ;;
    association) echo tests/fuzz/corpus/association ;;
    report_object) echo tests/fuzz/corpus/report_object tests/fuzz/corpus/dicom ;;
    yaml_config) echo tests/fuzz/corpus/yaml_config scenarios ;;
    *) echo "tests/fuzz/corpus/$1" ;;
  esac
}

# Each target's longest input. A message's structure shows in its first kilobytes; longer inputs
# mostly repeat it and cost every execution more. DICOM keeps room for a nested data set.
max_len_for() {
  case "$1" in
    hl7_parser | hl7_validate | hl7_ack | yaml_config) echo 4096 ;;
    *) echo 65536 ;;
  esac
}

# Each target's own libFuzzer flags. The association target's server answers on its own threads,
# whose allocations never balance within one input: libFuzzer would then search the whole heap for
# leaks after every input (four fifths of the run). LeakSanitizer still checks at exit, though a
# leak found then comes without the input that caused it.
flags_for() {
  case "$1" in
    association) echo -detect_leaks=0 ;;
  esac
}

# One target per core at a time; each writes its own log, and the summary comes in a fixed order.
jobs="${RADLOOP_FUZZ_JOBS:-$(nproc)}"
[[ ${jobs} =~ ^[1-9][0-9]*$ ]] || jobs=1
# DCMTK's own leaks (tests/fuzz/lsan.supp say which) are not the target's.
export LSAN_OPTIONS="suppressions=${PWD}/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:${LSAN_OPTIONS}}"

run_target() {
  local target="$1" binary="$2"
  local work="build/fuzz/work/${target}" log="build/fuzz/${target}.log"
  mkdir -p "${work}"
  local dirs=() dir
  for dir in $(seeds_for "${target}"); do
    [[ -d "${dir}" ]] && dirs+=("${dir}")
  done
  # shellcheck disable=SC2046  # the flags are words
  "${binary}" $(flags_for "${target}") -max_total_time="${seconds}" -max_len="$(max_len_for "${target}")" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build/fuzz/${target}-" -print_final_stats=1 "${work}" "${dirs[@]}" >"${log}" 2>&1
  echo $? >"build/fuzz/${target}.rc"
}

# The association target's server answers on threads of its own and takes a second core: it runs
# by itself after the others, so it slows no other target and no other slows it.
runs_alone() { [[ $1 == association ]]; }

start_target() {
  rm -f "build/fuzz/$1.rc"
  echo "== fuzz $1 for ${seconds} s"
  run_target "$1" "build/fuzz/tests/fuzz/fuzz_$1" &
}

targets=()
for binary in build/fuzz/tests/fuzz/fuzz_*; do
  [[ -x "${binary}" ]] && targets+=("${binary##*/fuzz_}")
done
for target in "${targets[@]}"; do
  runs_alone "${target}" && continue
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
  start_target "${target}"
done
wait
for target in "${targets[@]}"; do
  runs_alone "${target}" || continue
  start_target "${target}"
  wait
done
((${#targets[@]} > 0)) || { echo "ci/fuzz.sh: no fuzz target was built"; exit 1; }

status=0
summary=()
total=0
for target in "${targets[@]}"; do
  log="build/fuzz/${target}.log"
  rc=$(cat "build/fuzz/${target}.rc" 2>/dev/null || echo "?")
  # libFuzzer prints its statistics again after a report made at exit (a leak found then, say):
  # the last of each, and nothing that is not a number reaches the arithmetic.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "${log}" | tail -n 1)
  [[ ${runs} =~ ^[0-9]+$ ]] || runs=""
  [[ ${rate} =~ ^[0-9]+$ ]] || rate=""
  total=$((total + ${runs:-0}))
  summary+=("$(printf '%-22s %12s executions %8s exec/s  %s' "${target}" "${runs:-?}" "${rate:-?}" \
    "$([[ ${rc} == 0 ]] && echo ok || echo "FAILED (exit ${rc}, see ${log})")")")
  if [[ ${rc} != 0 ]]; then
    echo "== ${target} failed:"
    grep -v '^[WEI]: ' "${log}" | tail -40
    status=1
  fi
done
echo "== fuzz summary (${seconds} s per target, ${jobs} at a time; association alone)"
printf '%s\n' "${summary[@]}"
echo "total: ${total} executions"
exit "${status}"
