#!/usr/bin/env bash
# bench/run.sh: the one command that compares Precept with the hand-written W1
# baseline (tests/reference/w1_reference.cpp) on the same generated register.
#
#   bench/run.sh [--rows N] [--runs K] [--seed S] [--micro]
#
# It builds in Release into build-bench/, generates (or reuses) a register,
# runs Precept and the baseline alternately K times each, checks that every
# results file is byte-identical to the baseline's, and prints a Markdown table
# of medians, ready to paste into bench/RESULTS.md. See bench/README.md.
set -euo pipefail

rows=1000000
runs=5
seed=1
micro=0

usage() {
  echo "usage: bench/run.sh [--rows N] [--runs K] [--seed S] [--micro]" >&2
  echo "  --rows N   households in the generated register (default 1000000)" >&2
  echo "  --runs K   timed runs of each tool (default 5)" >&2
  echo "  --seed S   generator seed (default 1)" >&2
  echo "  --micro    also build and run the Google Benchmark micro-benchmarks" >&2
  exit 2
}

is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

while (($#)); do
  case $1 in
    --rows) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; rows=$2; shift 2 ;;
    --runs) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; runs=$2; shift 2 ;;
    --seed) if ! { (($# >= 2)) && [[ $2 =~ ^[0-9]+$ ]]; }; then usage; fi; seed=$2; shift 2 ;;
    --micro) micro=1; shift ;;
    -h|--help) usage ;;
    *) echo "bench/run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

die() { echo "bench/run.sh: $*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build-bench
policy=$repo/policies/xijiang_2015.pol

# --- build --------------------------------------------------------------------
# A separate Release tree: the everyday build/ is RelWithDebInfo (or sanitized),
# and numbers from it would not be the ones a user gets. Tests are off because
# they are not what is measured and only lengthen the build.
echo "== building (Release) in $build" >&2
mkdir -p "$build"
# The configure chatter goes to a log, shown only when configuring fails.
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DPRECEPT_BUILD_TESTS=OFF -DPRECEPT_BUILD_BENCH=ON >"$build/configure.log" 2>&1 \
  || { cat "$build/configure.log" >&2; die "configure failed"; }
targets=(precept-cli w1-reference precept-gen)
cmake --build "$build" --target "${targets[@]}" >&2

precept=$build/precept
baseline=$build/tests/reference/w1-reference
gen=$build/examples/generator/precept-gen
for exe in "$precept" "$baseline" "$gen"; do
  [[ -x $exe ]] || die "expected executable not found: $exe"
done

# --- data -----------------------------------------------------------------------
# Generating a million rows takes a few seconds, so registers are cached by
# rows+seed. The generator is deterministic, but a rebuilt generator could change
# its output: the file is rewritten when the generator is newer than it.
mkdir -p "$build/data"
data=$build/data/w1_rows${rows}_seed${seed}.csv
if [[ ! -s $data || $gen -nt $data ]]; then
  echo "== generating $rows rows (seed $seed)" >&2
  # Write to a temporary name first so that an interrupted run never leaves a
  # truncated register behind to be reused as if it were complete.
  "$gen" --rows "$rows" --seed "$seed" -o "$data.partial-$$"
  mv "$data.partial-$$" "$data"
else
  echo "== reusing $data" >&2
fi
data_mb=$(awk -v b="$(stat -c %s "$data")" 'BEGIN { printf "%.1f", b / 1e6 }')

# --- measuring one run ------------------------------------------------------------
# Wall and CPU come from bash's own `time` keyword (millisecond resolution, user
# and sys of the child, always available). Peak RSS needs getrusage of the child,
# which bash does not expose, so it comes from GNU time when it is installed;
# otherwise it is reported as n/a rather than guessed.
gnu_time=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
  gnu_time=/usr/bin/time
else
  echo "== /usr/bin/time (GNU time) not found: peak RSS will be n/a" >&2
fi

runs_dir=$build/runs
rm -rf "$runs_dir"
mkdir -p "$runs_dir"

# measure NAME INDEX COMMAND...: runs COMMAND, appends "wall cpu rss_kb" to
# $runs_dir/NAME.times. Output files are the command's own business.
measure() {
  local name=$1 index=$2
  shift 2
  local timing=$runs_dir/$name.$index.timing rss=$runs_dir/$name.$index.rss
  local log=$runs_dir/$name.$index.log
  local -a wrap=()
  [[ -n $gnu_time ]] && wrap=("$gnu_time" -f '%M' -o "$rss")
  local TIMEFORMAT='%3R %3U %3S'
  if ! { time "${wrap[@]}" "$@" >"$log" 2>&1; } 2>"$timing"; then
    cat "$log" >&2
    die "$name run $index failed: $*"
  fi
  local wall user sys rss_kb=n/a
  read -r wall user sys <"$timing"
  [[ -n $gnu_time ]] && rss_kb=$(tail -n 1 "$rss")
  echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }') $rss_kb" >>"$runs_dir/$name.times"
  printf '   %-8s run %d: wall %ss  cpu %ss  rss %s KB\n' "$name" "$index" "$wall" \
    "$(tail -n 1 "$runs_dir/$name.times" | cut -d' ' -f2)" "$rss_kb" >&2
}

run_precept() {
  measure precept "$1" "$precept" run "$policy" "$data" \
    -o "$runs_dir/precept.results.csv" --rejects "$runs_dir/precept.rejects.csv" -q
}
run_baseline() {
  measure baseline "$1" "$baseline" "$data" --results "$runs_dir/baseline.results.csv" \
    --rejects "$runs_dir/baseline.rejects.csv" --summary "$runs_dir/baseline.summary.csv"
}

# Every run's results must equal the baseline's, byte for byte: a fast wrong
# answer is not a result. Checked after each pair, so a failure names the run.
check_same() {
  cmp "$runs_dir/baseline.results.csv" "$runs_dir/precept.results.csv" >&2 \
    || die "run $1: Precept's results differ from the baseline's (see $runs_dir)"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# One untimed pair first: it faults the binaries and the register into the page
# cache for both tools alike, so the first timed run is not penalised.
echo "== warm-up (not counted)" >&2
run_precept 0
run_baseline 0
check_same 0
rm -f "$runs_dir"/*.times

# Alternating, so that a change in machine load (others share this machine)
# hits both tools rather than one of them.
echo "== $runs timed runs of each, alternating" >&2
for ((i = 1; i <= runs; i++)); do
  run_precept "$i"
  run_baseline "$i"
  check_same "$i"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------
# median FILE COLUMN: the median of a column of numbers (mean of the middle two
# for an even count); n/a if the column is not numeric.
median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '
    !/^[0-9.]+$/ { bad = 1 }
    { v[NR] = $1 }
    END {
      if (bad || NR == 0) { print "n/a"; exit }
      if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

declare -A wall cpu rss
for name in precept baseline; do
  wall[$name]=$(median "$runs_dir/$name.times" 1)
  cpu[$name]=$(median "$runs_dir/$name.times" 2)
  rss[$name]=$(median "$runs_dir/$name.times" 3)
done

result_rows=$(($(wc -l <"$runs_dir/baseline.results.csv") - 1))
rejected_rows=$(($(wc -l <"$runs_dir/baseline.rejects.csv") - 1))

echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $load_before before, $load_after after"
echo "- register: $rows rows, seed $seed, $data_mb MB; $result_rows results + $rejected_rows rejected; results byte-identical in all $runs runs"
echo "- command: bench/run.sh --rows $rows --runs $runs --seed $seed"
echo
echo "| tool | median wall s | median CPU s | peak RSS MB | households/s | wall vs baseline |"
echo "|---|---:|---:|---:|---:|---:|"
for name in precept baseline; do
  awk -v name="$name" -v w="${wall[$name]}" -v c="${cpu[$name]}" -v r="${rss[$name]}" \
      -v rows="$rows" -v base="${wall[baseline]}" 'BEGIN {
    label = name == "precept" ? "Precept" : "baseline (w1-reference)"
    rss_mb = r == "n/a" ? "n/a" : sprintf("%.1f", r / 1024)
    printf "| %s | %.3f | %.3f | %s | %.0f | %.2fx |\n", label, w, c, rss_mb, rows / w, w / base
  }'
done

# --- micro-benchmarks (optional) ---------------------------------------------------
if ((micro)); then
  echo >&2
  echo "== micro-benchmarks" >&2
  cmake --build "$build" --target precept-micro >&2 \
    || die "precept-micro did not build (is libbenchmark-dev installed and bench/ added to the build?)"
  "$build/bench/precept-micro" --benchmark_min_time=0.5
fi
