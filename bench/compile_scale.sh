#!/usr/bin/env bash
# bench/compile_scale.sh: how long `precept compile` takes on a large generated
# policy (by default 1,000 rules and a 2,000-row literal decision table, from
# precept-gen-policy), and whether that table was indexed.
#
#   bench/compile_scale.sh [--rules N] [--table-rows M] [--runs K] [--build DIR]
#
# Builds in Release into build-bench/ (the tree bench/run.sh uses; --build names
# another Release tree configured with -DPRECEPT_BUILD_BENCH=ON), writes the
# policy to build-bench/data/, compiles it K times (default 5) and prints the
# median wall time as a Markdown line for bench/RESULTS.md.
set -euo pipefail

rules=1000
rows=2000
runs=5
build=

usage() {
  echo "usage: bench/compile_scale.sh [--rules N] [--table-rows M] [--runs K] [--build DIR]" >&2
  exit 2
}
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
while (($#)); do
  case $1 in
    --rules) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; rules=$2; shift 2 ;;
    --table-rows) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; rows=$2; shift 2 ;;
    --runs) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; runs=$2; shift 2 ;;
    --build) if (($# < 2)); then usage; fi; build=$2; shift 2 ;;
    *) usage ;;
  esac
done

die() { echo "bench/compile_scale.sh: $*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z $build ]]; then
  build=$repo/build-bench
  mkdir -p "$build"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DPRECEPT_BUILD_TESTS=OFF -DPRECEPT_BUILD_BENCH=ON >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; die "configure failed"; }
fi
mkdir -p "$build/data"
cmake --build "$build" --target precept-cli precept-gen-policy >&2

policy=$build/data/generated_${rules}rules_${rows}rows.pol
"$build/bench/precept-gen-policy" --rules "$rules" --table-rows "$rows" -o "$policy"
program=$build/data/generated_${rules}rules_${rows}rows.pcb

# One untimed run puts the binary and the policy in the page cache.
"$build/precept" compile "$policy" -o "$program" >/dev/null 2>&1 || die "$policy does not compile"
times=()
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s.%N)
  "$build/precept" compile "$policy" -o "$program" >/dev/null 2>&1
  end=$(date +%s.%N)
  times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
indexed=$("$build/precept" disasm "$program" | grep -c 'LOOKUP_FIRST' || true)

echo "- runs (s): ${times[*]}" >&2
echo "| compile, $rules rules + $rows-row literal table | median ${median} s of $runs | $(stat -c %s "$policy") bytes of policy | table indexed: $([[ $indexed -gt 0 ]] && echo yes || echo no) |"
