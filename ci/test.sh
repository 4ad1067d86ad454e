#!/usr/bin/env bash
# The test command: set up, build with ASan+UBSan, run every GoogleTest suite through ctest,
# every pytest suite, the scenario catalog (pytest scenarios/) and a bounded run of every libFuzzer target.
# Non-zero if anything fails or no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh || exit 1
ci/build.sh asan || exit 1

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

echo "== ctest (GoogleTest, ASan+UBSan)"
ctest --preset asan
ctest_status=$?

echo "== pytest (radloop._core built with ASan, loaded by /usr/bin/python3)"
# The interpreter is not instrumented: ASan's runtime must be loaded first (and libstdc++ with
# it, or ASan cannot intercept C++ throws), and the interpreter's own allocations are not ours
# to report.
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)" \
ASAN_OPTIONS="detect_leaks=0" \
RADLOOP_BUILD_DIR="$PWD/build/asan" \
  /usr/bin/python3 -m pytest tests/python -p no:cacheprovider -n 2 -q
pytest_status=$?   # 5 = no test collected: a failure here too

echo "== pytest scenarios/ (the catalog, each scenario file a test, against the reference pipeline)"
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)" \
ASAN_OPTIONS="detect_leaks=0" \
RADLOOP_BUILD_DIR="$PWD/build/asan" \
  /usr/bin/python3 -m pytest scenarios -p no:cacheprovider -n 2 -q
scenarios_status=$?

echo "== fuzz (libFuzzer, clang, ASan+UBSan): every target for a bounded time (ci/fuzz.sh)"
ci/fuzz.sh "${RADLOOP_FUZZ_SECONDS:-20}"
fuzz_status=$?

if ((ctest_status != 0 || pytest_status != 0 || scenarios_status != 0 || fuzz_status != 0)); then
  echo "ci/test.sh: FAILED (ctest exit ${ctest_status}, pytest exit ${pytest_status}, scenarios exit ${scenarios_status}," \
    "fuzz exit ${fuzz_status})"
  exit 1
fi
echo "ci/test.sh: all suites passed"
