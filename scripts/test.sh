#!/usr/bin/env bash
# Runs every test: the whole suite on the normal build; the suite again built
# with AddressSanitizer and UndefinedBehaviorSanitizer (any report fails the
# run), but for the tests labelled `once`; the parallel run's tests under
# ThreadSanitizer; then a short libFuzzer run of each fuzz target (Clang). Assumes scripts/setup.sh has run;
# builds build-asan/, build-tsan/ and build-fuzz/ itself.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

echo "== tests: normal build ==" >&2
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== tests: AddressSanitizer + UndefinedBehaviorSanitizer build ==" >&2
BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CMAKE_ARGS="-DPRECEPT_SANITIZE=ON -DPRECEPT_PYTHON=OFF" scripts/setup.sh
export ASAN_OPTIONS="abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Tests labelled `once` (browser, Python, spreadsheet fixtures made by other
# programs, large registers) ran above; under the sanitizers they would only
# cost minutes again.
ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE once

echo "== tests: ThreadSanitizer build, the tests that run several threads ==" >&2
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRECEPT_TSAN=ON >/dev/null
cmake --build build-tsan -j "$jobs" --target reliability_tests
TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/reliability/reliability_tests --gtest_filter='Determinism.*'

echo "== fuzz: each target for ${PRECEPT_FUZZ_SECONDS:-60} s (longer runs: scripts/fuzz.sh) ==" >&2
# Only the fuzz targets and their seed corpora: the suite itself ran above.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPRECEPT_FUZZ=ON -DPRECEPT_FUZZ_SECONDS="${PRECEPT_FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_compile fuzz_program fuzz_csv fuzz_evaluate fuzz_layers fuzz_diff fuzz_seed_corpora
ctest --test-dir build-fuzz --output-on-failure -j "$jobs" -L fuzz
