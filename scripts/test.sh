#!/usr/bin/env bash
# Runs every test: the whole suite on the normal build, then the whole suite
# again built with AddressSanitizer and UndefinedBehaviorSanitizer (any report
# fails the run). Assumes scripts/setup.sh has run; builds build-asan/ itself.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

echo "== tests: normal build ==" >&2
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== tests: AddressSanitizer + UndefinedBehaviorSanitizer build ==" >&2
BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CMAKE_ARGS="-DPRECEPT_SANITIZE=ON" scripts/setup.sh
export ASAN_OPTIONS="abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure -j "$jobs"
