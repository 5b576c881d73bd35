#!/bin/sh
# Explanations against `run` on a generated register of 100,000 households (the
# suite runs 20,000): every household's explained outputs must equal its results
# row and every reject the rejects row, for both W1 policies; then the time of
# `run` alone and of `run --explain` on the same register.
#
#   bench/explain_check.sh [ROWS]      (from the repository root, after a build)
set -eu
ROWS=${1:-100000}
BUILD=${BUILD:-build}
cmake --build "$BUILD" --target explain_tests precept-cli precept-gen >/dev/null
PRECEPT_AGREEMENT_ROWS=$ROWS "$BUILD/tests/explain/explain_tests" --gtest_filter='ExplainAgreement.*'
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$BUILD/examples/generator/precept-gen" --rows "$ROWS" --seed 3 --bad-rows $((ROWS / 200)) -o "$dir/register.csv" 2>/dev/null
start=$(date +%s.%N)
"$BUILD/precept" run policies/xijiang_2015.pol "$dir/register.csv" -o "$dir/results.csv" -q
middle=$(date +%s.%N)
"$BUILD/precept" run policies/xijiang_2015.pol "$dir/register.csv" -o "$dir/results.csv" -q --explain "$dir/explained.jsonl"
end=$(date +%s.%N)
echo "rows $ROWS: run $(echo "$middle - $start" | bc) s; run --explain $(echo "$end - $middle" | bc) s;" \
     "$(wc -l < "$dir/explained.jsonl") explanations"
