#!/usr/bin/env bash
# Installs what Precept needs on a bare Debian 12 machine, then configures and
# builds it in build/. Safe to run again: it installs only what is missing and
# rebuilds only what changed.
#
#   scripts/setup.sh                 # Release build in build/
#   BUILD_DIR=build-asan CMAKE_ARGS=-DPRECEPT_SANITIZE=ON scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build git antlr4 libantlr4-runtime-dev libboost-dev libfmt-dev
          libgtest-dev libgmock-dev libcli11-dev libz3-dev nlohmann-json3-dev libbenchmark-dev time
          clang libclang-rt-14-dev
          libzip-dev
          libexpat1-dev
          libxlsxwriter-dev
          pkg-config
          pybind11-dev
          python3-dev
          python3-venv
          python3-pytest
          python3-pandas
          python3-numpy
          python3-setuptools
          python3-matplotlib
          python3-openpyxl
          chromium
          fonts-wqy-microhei)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir="${BUILD_DIR:-build}"
# shellcheck disable=SC2086
# -DPRECEPT_PYTHON=ON: the Python package's module, and its tests (python/).
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DPRECEPT_PYTHON=ON ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
