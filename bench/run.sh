#!/usr/bin/env bash
# bench/run.sh: the one command that compares Precept with the hand-written W1
# baseline (tests/reference/w1_reference.cpp) on the same generated register.
#
#   bench/run.sh [--rows N] [--runs K] [--seed S] [--big-rows M] [--micro]
#
# It builds in Release into build-bench/, generates (or reuses) a register,
# runs Precept on one thread, Precept on every core and the baseline
# alternately K times each, checks that every results file is byte-identical
# to the baseline's, measures start-up, evaluation alone, compile time of a
# large policy and peak memory on a register of M rows, and prints Markdown
# tables of medians and of the performance targets, ready to paste into
# bench/RESULTS.md. See bench/README.md.
set -euo pipefail

rows=1000000
runs=9
seed=1
micro=0
big_rows=10000000

usage() {
  echo "usage: bench/run.sh [--rows N] [--runs K] [--seed S] [--big-rows M] [--micro]" >&2
  echo "  --rows N   households in the generated register (default 1000000)" >&2
  echo "  --runs K   timed rounds of each tool (default 9)" >&2
  echo "  --seed S   generator seed (default 1)" >&2
  echo "  --big-rows M  households in the register for the memory check (default 10000000; 0 skips it)" >&2
  echo "  --micro    also build and run the Google Benchmark micro-benchmarks" >&2
  exit 2
}

is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

while (($#)); do
  case $1 in
    --rows) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; rows=$2; shift 2 ;;
    --runs) if ! { (($# >= 2)) && is_count "$2"; }; then usage; fi; runs=$2; shift 2 ;;
    --seed) if ! { (($# >= 2)) && [[ $2 =~ ^[0-9]+$ ]]; }; then usage; fi; seed=$2; shift 2 ;;
    --big-rows) if ! { (($# >= 2)) && [[ $2 =~ ^[0-9]+$ ]]; }; then usage; fi; big_rows=$2; shift 2 ;;
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
targets=(precept-cli w1-reference w1-fast precept-gen precept-eval-bench precept-typed-bench precept-gen-policy)
cmake --build "$build" --target "${targets[@]}" >&2
eval_bench=$build/bench/precept-eval-bench
typed_bench=$build/bench/precept-typed-bench
big_policy_gen=$build/bench/precept-gen-policy

precept=$build/precept
baseline=$build/tests/reference/w1-reference
# The fastest hand-written W1 (bench/w1_fast.cpp): the bar of issue 19's targets.
fast=$build/tests/reference/w1-fast
gen=$build/examples/generator/precept-gen
for exe in "$precept" "$baseline" "$fast" "$gen"; do
  [[ -x $exe ]] || die "expected executable not found: $exe"
done

# --- data -----------------------------------------------------------------------
# Generating a million rows takes a few seconds, so registers are cached by
# rows+seed. The generator is deterministic, but a rebuilt generator could change
# its output: the file is rewritten when the generator is newer than it.
mkdir -p "$build/data"
# register ROWS: prints the path of the cached register of ROWS rows.
register() {
  local file=$build/data/w1_rows${1}_seed${seed}.csv
  if [[ ! -s $file || $gen -nt $file ]]; then
    echo "== generating $1 rows (seed $seed)" >&2
    # Write to a temporary name first so that an interrupted run never leaves a
    # truncated register behind to be reused as if it were complete.
    "$gen" --rows "$1" --seed "$seed" -o "$file.partial-$$" >&2
    mv "$file.partial-$$" "$file"
  else
    echo "== reusing $file" >&2
  fi
  echo "$file"
}
data=$(register "$rows")
data_mb=$(awk -v b="$(stat -c %s "$data")" 'BEGIN { printf "%.1f", b / 1e6 }')
cores=$(nproc)

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
# $runs_dir/NAME.times. Output files are the command's own business. An exit
# status other than 0 stops the script, unless listed in $ok_statuses.
measure() {
  local name=$1 index=$2
  shift 2
  local timing=$runs_dir/$name.$index.timing rss=$runs_dir/$name.$index.rss
  local log=$runs_dir/$name.$index.log
  local -a wrap=()
  [[ -n $gnu_time ]] && wrap=("$gnu_time" -f '%M' -o "$rss")
  local TIMEFORMAT='%3R %3U %3S'
  local status=0
  { time "${wrap[@]}" "$@" >"$log" 2>&1; } 2>"$timing" || status=$?
  if [[ " ${ok_statuses:-0} " != *" $status "* ]]; then
    cat "$log" >&2
    die "$name run $index failed (exit $status): $*"
  fi
  local wall user sys rss_kb=n/a
  read -r wall user sys <"$timing"
  [[ -n $gnu_time ]] && rss_kb=$(tail -n 1 "$rss")
  echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }') $rss_kb" >>"$runs_dir/$name.times"
  printf '   %-10s run %d: wall %ss  cpu %ss  rss %s KB\n' "$name" "$index" "$wall" \
    "$(tail -n 1 "$runs_dir/$name.times" | cut -d' ' -f2)" "$rss_kb" >&2
}

# run_precept NAME THREADS INDEX [DATA]
run_precept() {
  measure "$1" "$3" "$precept" run "$policy" "${4:-$data}" -j "$2" \
    -o "$runs_dir/$1.results.csv" --rejects "$runs_dir/$1.rejects.csv" -q
}
run_baseline() {
  measure baseline "$1" "$baseline" "$data" --results "$runs_dir/baseline.results.csv" \
    --rejects "$runs_dir/baseline.rejects.csv" --summary "$runs_dir/baseline.summary.csv"
}
run_fast() {
  measure fast "$1" "$fast" "$data" --results "$runs_dir/fast.results.csv" \
    --rejects "$runs_dir/fast.rejects.csv" --summary "$runs_dir/fast.summary.csv"
}

# Every run's results must equal the baseline's, byte for byte: a fast wrong
# answer is not a result. Checked after each round, so a failure names the run.
check_same() {
  for file in results rejects summary; do
    cmp "$runs_dir/baseline.$file.csv" "$runs_dir/fast.$file.csv" >&2 \
      || die "run $1: w1-fast's $file differ from the baseline's (see $runs_dir)"
  done
  for name in precept-1 precept-n; do
    cmp "$runs_dir/baseline.results.csv" "$runs_dir/$name.results.csv" >&2 \
      || die "run $1: $name's results differ from the baseline's (see $runs_dir)"
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# One untimed round first: it faults the binaries and the register into the page
# cache for every tool alike, so the first timed run is not penalised.
echo "== warm-up (not counted)" >&2
run_precept precept-1 1 0
run_precept precept-n "$cores" 0
run_baseline 0
run_fast 0
check_same 0
rm -f "$runs_dir"/*.times

# Alternating, so that a change in machine load (others share this machine)
# hits every tool rather than one of them.
echo "== $runs timed runs of each, alternating" >&2
for ((i = 1; i <= runs; i++)); do
  run_precept precept-1 1 "$i"
  run_precept precept-n "$cores" "$i"
  run_baseline "$i"
  run_fast "$i"
  check_same "$i"
done

# --- start-up: one household, whole process -----------------------------------------
# Compiling W1 from source and evaluating a single household, as an officer's
# quick check or a script calling precept per case would.
echo "== start-up: W1 over one household, $((runs * 4 + 1)) runs" >&2
one=$runs_dir/one_household.csv
head -n 2 "$data" >"$one"
for ((i = 0; i <= runs * 4; i++)); do
  measure startup "$i" "$precept" run "$policy" "$one" -j 1 -o "$runs_dir/one.results.csv" -q
done
sed -i 1d "$runs_dir/startup.times"  # the first run only warms the cache

# --- evaluation alone, and compiling a large policy (built by bench/CMakeLists.txt) --
echo "== evaluation alone: $eval_bench" >&2
eval_table=$("$eval_bench" --data "$data" --repeat "$((runs < 5 ? 5 : runs))") \
  || die "evaluation-alone benchmark failed (do the two evaluators disagree?)"
eval_ratio=$(sed -n 's/^Precept takes \([0-9.]*\)x.*/\1/p' <<<"$eval_table")
echo "== one typed household at a time: $typed_bench" >&2
typed_table=$("$typed_bench" --data "$data" --rounds "$((runs < 5 ? 5 : runs))") \
  || die "typed benchmark failed (do the ways of evaluating disagree?)"
typed_ns=$(sed -n 's/^One typed household at a time takes \([0-9.]*\) ns.*/\1/p' <<<"$typed_table")
text_one_ratio=$(sed -n 's/^evaluate(record) takes \([0-9.]*\)x.*/\1/p' <<<"$typed_table")
big_policy=$runs_dir/policy_1000_rules_2000_rows.pol
"$big_policy_gen" --rules 1000 --table-rows 2000 -o "$big_policy" || die "could not generate the large policy"
echo "== compiling a generated policy of 1,000 rules and a 2,000-row table, $runs runs" >&2
for ((i = 0; i <= runs; i++)); do
  measure compile "$i" "$precept" compile "$big_policy" -o "$runs_dir/big.pcb"
done
sed -i 1d "$runs_dir/compile.times"

# --- statistics -----------------------------------------------------------------------
# median_of DECIMALS: the median of the numbers on standard input, one per line
# (mean of the middle two for an even count), to DECIMALS places; n/a if there
# are none or one is not a number.
median_of() {
  sort -g | awk -v d="$1" '
    !/^[0-9.]+$/ { bad = 1 }
    { v[NR] = $1 }
    END {
      if (bad || NR == 0) { print "n/a"; exit }
      printf "%.*f\n", d, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

# median FILE COLUMN: the median of a column of numbers; n/a if it is not numeric.
median() {
  [[ -s $1 ]] || { echo n/a; return; }
  awk -v c="$2" '{ print $c }' "$1" | median_of 3
}

# max_of FILE COLUMN: the largest number in a column; n/a if the column is not numeric.
max_of() {
  [[ -s $1 ]] || { echo n/a; return; }
  awk -v c="$2" '$c !~ /^[0-9.]+$/ { bad = 1 } $c > m { m = $c } END { if (bad || NR == 0) print "n/a"; else print m }' "$1"
}

# paired_median SLOWER FASTER: the median over rounds of SLOWER's wall / FASTER's
# wall in the same round. The rounds alternate, so a round's two runs saw the
# same machine: a slow spell (others share this machine) moves both, and the
# ratio of a pair is steadier than the ratio of two medians.
paired_median() {
  paste -d' ' <(cut -d' ' -f1 "$1") <(cut -d' ' -f1 "$2") |
    awk '$1 > 0 && $2 > 0 { printf "%.6f\n", $1 / $2 }' | median_of 2
}

# --- memory (and speed-up) on a large register ---------------------------------------------
# Three alternating rounds after an untimed one: the untimed round brings the
# register (about 0.9 GB at 10M rows) into the page cache, so that no timed run
# waits for the disk while another does not.
big_rounds=3
big_rss_1=n/a big_rss_n=n/a big_wall_1=n/a big_wall_n=n/a big_rss_diff=n/a big_wall_diff=n/a
if ((big_rows > 0)); then
  big=$(register "$big_rows")
  echo "== peak memory over $big_rows rows ($(awk -v b="$(stat -c %s "$big")" 'BEGIN { printf "%.0f", b / 1e6 }') MB), $big_rounds rounds" >&2
  for ((i = 0; i <= big_rounds; i++)); do
    run_precept big-1 1 "$i" "$big"
    run_precept big-n "$cores" "$i" "$big"
    cmp "$runs_dir/big-1.results.csv" "$runs_dir/big-n.results.csv" >&2 || die "the large register's results differ between 1 and $cores threads"
    ((i > 0)) || rm -f "$runs_dir"/big-*.times
  done
  big_results=$(($(wc -l <"$runs_dir/big-1.results.csv") - 1))
  ((big_results == big_rows)) || die "the large register gave $big_results results for $big_rows rows"
  big_wall_1=$(median "$runs_dir/big-1.times" 1) big_rss_1=$(max_of "$runs_dir/big-1.times" 3)
  big_wall_n=$(median "$runs_dir/big-n.times" 1) big_rss_n=$(max_of "$runs_dir/big-n.times" 3)
  big_speedup=$(paired_median "$runs_dir/big-1.times" "$runs_dir/big-n.times")
  rm -f "$runs_dir"/big-*.results.csv
  # The reviewers' diff over the same register: 2015's policy against 2016's,
  # with its impact pass (both versions and each edit alone on every
  # household). Exit 1 means "there are changes", as for diff(1).
  echo "== diff 2015 -> 2016 over $big_rows rows" >&2
  ok_statuses="0 1" measure diff 1 "$precept" diff "$policy" "$repo/policies/xijiang_2016.pol" "$big" \
    --format json -o "$runs_dir/diff.json"
  read -r big_wall_diff _ big_rss_diff <"$runs_dir/diff.times"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------
declare -A wall cpu rss
for name in precept-1 precept-n baseline fast startup compile; do
  wall[$name]=$(median "$runs_dir/$name.times" 1)
  cpu[$name]=$(median "$runs_dir/$name.times" 2)
  rss[$name]=$(median "$runs_dir/$name.times" 3)
done

result_rows=$(($(wc -l <"$runs_dir/baseline.results.csv") - 1))
rejected_rows=$(($(wc -l <"$runs_dir/baseline.rejects.csv") - 1))

echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
echo "- machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $load_before before, $load_after after"
echo "- register: $rows rows, seed $seed, $data_mb MB; $result_rows results + $rejected_rows rejected; results byte-identical in all $runs rounds"
# How steady the machine was: the same single-threaded program's CPU time
# should not move between rounds, so its spread is the machine's (others share
# it, and its speed changes with theirs). Figures taken at a large spread are noisy.
steadiness=$(awk '{ print $2 }' "$runs_dir/baseline.times" | sort -g | awk '
  { v[NR] = $1 } END { if (NR == 0 || v[1] <= 0) print "n/a"; else printf "%.3f-%.3f s (%.0f%% spread)", v[1], v[NR], 100 * (v[NR] - v[1]) / v[1] }')
echo "- machine steadiness: the baseline's CPU time over the rounds ranged $steadiness; above 10% the figures are noisy"
echo "- command: bench/run.sh --rows $rows --runs $runs --seed $seed --big-rows $big_rows"
echo
echo "| tool | median wall s | median CPU s | peak RSS MB | households/s | wall vs baseline |"
echo "|---|---:|---:|---:|---:|---:|"
for name in precept-1 precept-n baseline fast; do
  awk -v name="$name" -v w="${wall[$name]}" -v c="${cpu[$name]}" -v r="${rss[$name]}" -v cores="$cores" \
      -v rows="$rows" -v base="${wall[baseline]}" 'BEGIN {
    label = name == "precept-1" ? "Precept, 1 thread" : name == "precept-n" ? "Precept, " cores " threads" : name == "fast" ? "fastest hand-written (w1-fast)" : "baseline (w1-reference)"
    rss_mb = r == "n/a" ? "n/a" : sprintf("%.1f", r / 1024)
    printf "| %s | %.3f | %.3f | %s | %.0f | %.2fx |\n", label, w, c, rss_mb, rows / w, w / base
  }'
done
echo
echo "Evaluation alone (W1 over the register's columns already in memory):"
echo
echo "$eval_table"
echo
echo "One household at a time through the public API (thread CPU time; bench/typed_one.cpp):"
echo
echo "$typed_table"

# target NAME MEASURED GOAL MET: one row of the targets table.
target() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
# holds EXPR: "met" if the awk expression is true, "NOT met" if false, n/a if a figure is missing.
holds() { if [[ $1 == *n/a* ]]; then echo n/a; else awk "BEGIN { exit !($1) }" && echo met || echo "NOT met"; fi; }
one_vs_base=$(paired_median "$runs_dir/precept-1.times" "$runs_dir/baseline.times")
speedup=$(paired_median "$runs_dir/precept-1.times" "$runs_dir/precept-n.times")
one_vs_fast=$(paired_median "$runs_dir/precept-1.times" "$runs_dir/fast.times")
n_vs_fast=$(paired_median "$runs_dir/precept-n.times" "$runs_dir/fast.times")
base_vs_fast=$(paired_median "$runs_dir/baseline.times" "$runs_dir/fast.times")
startup_ms=$(awk -v w="${wall[startup]}" 'BEGIN { printf "%.0f", w * 1000 }')
big_mb_1=$(awk -v r="$big_rss_1" 'BEGIN { if (r == "n/a") print "n/a"; else printf "%.1f", r / 1024 }')
big_mb_n=$(awk -v r="$big_rss_n" 'BEGIN { if (r == "n/a") print "n/a"; else printf "%.1f", r / 1024 }')
big_mb_diff=$(awk -v r="$big_rss_diff" 'BEGIN { if (r == "n/a") print "n/a"; else printf "%.1f", r / 1024 }')
echo
echo "| target | measured | goal | |"
echo "|---|---:|---:|---|"
target "end to end, 1 thread, vs baseline (median of paired rounds)" "${one_vs_base}x" "<= 1.5x" "$(holds "$one_vs_base <= 1.5")"
target "end to end, 1 thread, vs the fastest hand-written (w1-fast; median of paired rounds)" "${one_vs_fast}x" "<= 1.0x" "$(holds "$one_vs_fast <= 1.0")"
target "end to end, $cores threads, vs the fastest hand-written (w1-fast)" "${n_vs_fast}x" "<= 0.6x" "$(holds "$n_vs_fast <= 0.6")"
target "the oracle w1-reference vs w1-fast (the bar is at least as fast as the oracle)" "${base_vs_fast}x" ">= 1.0x" "$(holds "$base_vs_fast >= 1.0")"
target "end to end, $rows rows, $cores threads, speed-up over 1 thread (median of paired rounds)" "${speedup}x" ">= 1.7x" "$(holds "$speedup >= 1.7")"
target "evaluation alone vs a hand-written loop over the same columns" "${eval_ratio:-n/a}x" "<= 2x" "$(holds "${eval_ratio:-n/a} <= 2")"
target "one typed household at a time (set, evaluate, read)" "${typed_ns:-n/a} ns" "<= 150 ns" "$(holds "${typed_ns:-n/a} <= 150")"
target "evaluate(record) of text vs a batch of one (median of paired rounds)" "${text_one_ratio:-n/a}x" "<= 1x" "$(holds "${text_one_ratio:-n/a} <= 1")"
if ((big_rows > 0)); then
  # The issue sets its targets on 1M and 10M rows: the speed-up on the large register too.
  target "end to end, $big_rows rows, $cores threads, speed-up over 1 thread ($big_rounds rounds)" "${big_speedup}x" ">= 1.7x" "$(holds "$big_speedup >= 1.7")"
  target "peak RSS, $big_rows rows, 1 thread ($big_wall_1 s)" "$big_mb_1 MB" "< 256 MB" "$(holds "$big_mb_1 < 256")"
  target "peak RSS, $big_rows rows, $cores threads ($big_wall_n s)" "$big_mb_n MB" "< 256 MB" "$(holds "$big_mb_n < 256")"
  target "peak RSS, $big_rows rows, diff 2015 -> 2016 with its impact pass ($big_wall_diff s)" "$big_mb_diff MB" "< 256 MB" "$(holds "$big_mb_diff < 256")"
fi
target "start-up: compile W1 and evaluate one household (whole process)" "$startup_ms ms" "< 20 ms" "$(holds "$startup_ms < 20")"
target "compile 1,000 rules and a 2,000-row table" "${wall[compile]} s" "< 1 s" "$(holds "${wall[compile]} < 1")"

# --- micro-benchmarks (optional) ---------------------------------------------------
if ((micro)); then
  echo >&2
  echo "== micro-benchmarks" >&2
  cmake --build "$build" --target precept-micro >&2 \
    || die "precept-micro did not build (is libbenchmark-dev installed and bench/ added to the build?)"
  "$build/bench/precept-micro" --benchmark_min_time=0.5
fi
