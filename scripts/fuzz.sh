#!/usr/bin/env bash
# Runs the libFuzzer targets for longer than the test suite does, and records
# executions, coverage and findings in tests/fuzz/FINDINGS.md (a dated section).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 300; all six targets)
#
# Builds build-fuzz/ with Clang, -DPRECEPT_FUZZ=ON. Each target fuzzes its own
# corpus in build-fuzz/fuzz-corpus/<target> (kept between runs, seeded from the
# project's files and tests/fuzz/corpus/<target>/), after replaying
# tests/fuzz/regressions/<target>/. A crash is written to
# build-fuzz/fuzz-artifacts/<target>/; copy it into tests/fuzz/regressions/<target>/
# once fixed, so the smoke test replays it.
# Afterwards the inputs that reach code the seeds do not (libFuzzer's -merge=1
# over the seeds) are added to tests/fuzz/corpus/<target>/, to be committed: every
# later smoke test starts from them.
# Environment: BUILD_DIR (default build-fuzz), CC/CXX (default clang/clang++),
# JOBS (default 1: targets fuzzed at the same time, each on its own core).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-compile program csv evaluate layers diff}
build=${BUILD_DIR:-$root/build-fuzz}

command -v "${CXX:-clang++}" >/dev/null || {
  echo "fuzz.sh: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRECEPT_FUZZ=ON -DPRECEPT_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target fuzz_seed_corpora $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)

findings=$root/tests/fuzz/FINDINGS.md
[ -f "$findings" ] || printf '# Fuzzing findings\n\nAppended by scripts/fuzz.sh, one section per run.\n' >"$findings"
section=$(mktemp)
{
  printf '\n## %s — %s s per target\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$seconds"
  if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    git diff --quiet HEAD 2>/dev/null || commit="$commit with local changes"
  else
    commit="not a git checkout"
  fi
  printf 'Commit %s; %s; %s CPUs.\n\n' "$commit" "$("${CXX:-clang++}" --version | head -n 1)" "$(nproc)"
  printf '| target | executions | execs/s | coverage (cov / ft) | corpus | kept | crashes |\n'
  printf '|---|---:|---:|---|---:|---:|---:|\n'
} >"$section"

# fuzz_one TARGET: fuzzes it, keeps what it found, and writes its row of the table
# (and its failure, if any) to $section.TARGET; exits non-zero when it failed.
fuzz_one() {
  t=$1
  max_len=$(case $t in compile) echo 16384;; program) echo 65536;; csv) echo 8192;; layers|diff) echo 32768;; *) echo 2048;; esac)
  corpus=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts/$t
  kept=$root/tests/fuzz/corpus/$t
  mkdir -p "$corpus" "$artifacts"
  cp -R "$build/tests/fuzz/seeds/$t/." "$corpus/"
  regressions=
  [ -d "$root/tests/fuzz/regressions/$t" ] && regressions=$root/tests/fuzz/regressions/$t
  log=$build/fuzz-$t.log
  before=$(ls "$artifacts" | wc -l)
  echo "fuzz.sh: fuzz_$t for $seconds s (log: $log)"
  # Fork mode (one child at a time) with crashes, timeouts and running out of
  # memory recorded and skipped: a long campaign reports every finding instead
  # of stopping at the first.
  rc=0
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
    -timeout=25 -artifact_prefix="$artifacts/" \
    "$corpus" $regressions >"$log" 2>&1 || rc=$?
  # The last progress line: "#EXECS: cov: C ft: F corp: N exec/s R oom/timeout/crash: O/T/X time: Ss ..."
  stats=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1)
  execs=$(printf '%s' "$stats" | sed -n 's/^#\([0-9]*\):.*/\1/p')
  elapsed=$(printf '%s' "$stats" | sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
  rate=
  [ -n "$execs" ] && [ -n "$elapsed" ] && [ "$elapsed" -gt 0 ] && rate=$((execs / elapsed))
  cov=$(printf '%s' "$stats" | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \/ \2/p')
  failures=$(printf '%s' "$stats" | sed -n 's|.*oom/timeout/crash: \([0-9]*\)/\([0-9]*\)/\([0-9]*\).*|\1 \2 \3|p')
  units=$(ls "$corpus" | wc -l)
  after=$(ls "$artifacts" | wc -l)
  crashes=$((after - before))
  if [ -n "$failures" ]; then
    set -- $failures
    [ "$1$2$3" != "000" ] && { crashes="$crashes ($1 oom, $2 timeouts, $3 crashes)"; [ "$rc" -eq 0 ] && rc=1; }
  fi
  [ "$rc" -ne 0 ] && [ "$crashes" = 0 ] && crashes="exit $rc"
  # Keep the inputs that reach what the seeds and the kept corpus do not: merge
  # the grown corpus into a copy of those, and keep the files the merge added.
  added=0
  if [ -n "$execs" ]; then
    base=$(mktemp -d)
    cp -R "$build/tests/fuzz/seeds/$t/." "$base/"
    ls "$base" | sort >"$base.before"
    "$build/tests/fuzz/fuzz_$t" -merge=1 -max_len="$max_len" -rss_limit_mb=2048 -timeout=25 \
      "$base" "$corpus" >"$log.merge" 2>&1 || true
    mkdir -p "$kept"
    for f in $(ls "$base" | sort | comm -13 "$base.before" -); do
      cp "$base/$f" "$kept/$f"
      added=$((added + 1))
    done
    rm -rf "$base" "$base.before"
  fi
  printf '| fuzz_%s | %s | %s | %s | %s | %s | %s |\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$units" \
    "$added" "$crashes" >"$section.$t"
  if [ "$rc" -ne 0 ]; then
    {
      printf '\n**fuzz_%s failed** (exit %s). Artifacts in `%s`:\n\n' "$t" "$rc" "${artifacts#$root/}"
      ls "$artifacts" | sed 's/^/- /'
      printf '\n```\n'
      grep -E -A 25 '==ERROR|runtime error|invariant broken|deadly signal|ALARM|out-of-memory' "$log" | head -n 40
      printf '```\n'
    } >"$section.$t.failure"
    return 1
  fi
}

status=0
jobs=${JOBS:-1}
running=0
for t in $targets; do
  if [ "$jobs" -le 1 ]; then
    fuzz_one "$t" || status=1
    continue
  fi
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n 2>/dev/null || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n 2>/dev/null || status=1
  running=$((running - 1))
done
for t in $targets; do
  cat "$section.$t" >>"$section"
  rm -f "$section.$t"
done
for t in $targets; do
  [ -f "$section.$t.failure" ] || continue
  status=1
  cat "$section.$t.failure" >>"$section"
  rm -f "$section.$t.failure"
done
cat "$section" >>"$findings"
cat "$section"
rm -f "$section"
exit $status
