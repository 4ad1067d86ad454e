#!/usr/bin/env bash
# Configures and builds one preset (asan, debug or release) into build/<preset>. Used by the
# other ci/ scripts; incremental and ccache-backed, so an unchanged tree builds in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-asan}"
shift || true
# Configure once; later builds let CMake re-run itself when a CMakeLists.txt changed.
if [[ ! -f "build/${preset}/CMakeCache.txt" ]]; then
  cmake --preset "${preset}"
fi
cmake --build --preset "${preset}" "$@"
