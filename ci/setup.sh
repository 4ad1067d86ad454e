#!/usr/bin/env bash
# Installs every build and test dependency of radloop from Debian 12's archive.
# Idempotent: when every package is already present it only checks and returns.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git clang clang-format clang-tidy libclang-rt-14-dev
  # C++ libraries
  libdcmtk-dev dcmtk libboost-dev libboost-system-dev libssl-dev zlib1g-dev libxxhash-dev pybind11-dev python3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev nlohmann-json3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  # Python test side (Debian's /usr/bin/python3, not a pyenv build)
  python3-pytest python3-pytest-xdist python3-yaml python3-pydicom python3-hl7 python3-jsonschema
  # independent peers used in tests
  libgdcm-tools dicom3tools xxhash
  openssl  # the TLS peer (s_client) and the test CA
  # benchmark peer (bench_dicom_store runs its own Orthanc process; the system service is not used)
  orthanc
)

missing=()
for p in "${packages[@]}"; do
  # "install ok installed" is the only state that means the package is usable.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

# Node.js runs the FHIR validator from npm; a machine that already has node and npm (from
# Debian or elsewhere) keeps them.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The portal console's browser test drives a headless Chromium; one already on PATH is kept.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# curl: an independent HTTP client for the portal tests.
command -v curl >/dev/null 2>&1 || missing+=(curl)

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The package enables a service on 4242/8042 that nothing here needs; leave those ports free.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet orthanc 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now orthanc || true
  fi
fi

# npm peers, pinned, into build/npm (shared by every preset): the FHIR R4 validator, and
# puppeteer-core (24.x: the last line that runs on Debian 12's Node 18) for the console's browser test.
cd "$(dirname "$0")/.."
if [[ ! -f build/npm/node_modules/fhir/package.json || ! -f build/npm/node_modules/puppeteer-core/package.json ]]; then
  echo "setup: installing the npm peers into build/npm"
  mkdir -p build/npm
  npm install --prefix build/npm --no-audit --no-fund --loglevel=error fhir@4.12.0 puppeteer-core@24.43.1
fi
echo "setup: done"
