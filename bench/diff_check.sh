#!/usr/bin/env bash
# bench/diff_check.sh: `precept diff` against two separate runs, on a generated
# register: the impact counts must be the ones the two results files give when
# compared row by row, and the diff should take well under the two runs' time.
#
#   bench/diff_check.sh [--rows N]     (default 1000000; uses build-bench/ from bench/run.sh)
#
# Needs python3 for the row-by-row comparison (exact decimals, no floats).
set -euo pipefail
rows=1000000
if [[ ${1:-} == --rows && -n ${2:-} ]]; then rows=$2; fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build-bench
precept=$build/precept
[[ -x $precept ]] || { echo "run bench/run.sh first (it builds $build)" >&2; exit 1; }
data=$build/data/w1_rows${rows}_seed1.csv
[[ -s $data ]] || "$build/examples/generator/precept-gen" --rows "$rows" --seed 1 -o "$data"
out=$build/diff-check
mkdir -p "$out"
old=$repo/policies/xijiang_2015.pol new=$repo/policies/xijiang_2016.pol
timed() { /usr/bin/time -f "$1: %e s wall, %M KB peak RSS" "${@:2}"; }
timed "run 2015" "$precept" run "$old" "$data" -o "$out/old.csv" -q >/dev/null
timed "run 2016" "$precept" run "$new" "$data" -o "$out/new.csv" -q >/dev/null
timed "diff" "$precept" diff "$old" "$new" "$data" --no-witness --format json -o "$out/diff.json" || [[ $? == 1 ]]
python3 - "$out" <<'PY'
import csv, json, sys
from decimal import Decimal
out = sys.argv[1]
a = list(csv.reader(open(f"{out}/old.csv", encoding="utf-8")))
b = list(csv.reader(open(f"{out}/new.csv", encoding="utf-8")))
col = {name: k for k, name in enumerate(a[0])}
assert len(a) == len(b), "the two runs gave different row counts"
counts = dict(changed=0, identified_in=0, identified_out=0, category_changed=0, cause_changed=0,
              measures_added=0, measures_removed=0)
delta = Decimal(0)
for x, y in zip(a[1:], b[1:]):
    assert x[0] == y[0], "rows out of step"
    counts["changed"] += x != y
    counts["identified_in"] += x[col["poor"]] == "false" and y[col["poor"]] == "true"
    counts["identified_out"] += x[col["poor"]] == "true" and y[col["poor"]] == "false"
    counts["category_changed"] += x[col["category"]] != y[col["category"]]
    counts["cause_changed"] += x[col["main_cause"]] != y[col["main_cause"]]
    mx = set(filter(None, x[col["measures"]].split(";")))
    my = set(filter(None, y[col["measures"]].split(";")))
    counts["measures_added"] += bool(my - mx)
    counts["measures_removed"] += bool(mx - my)
    delta += Decimal(y[col["total_assistance"]]) - Decimal(x[col["total_assistance"]])
total = json.load(open(f"{out}/diff.json", encoding="utf-8"))["impact"]["total"]
bad = [k for k, v in counts.items() if total[k] != v]
if Decimal(total["assistance_delta"]) != delta:
    bad.append("assistance_delta")
for k, v in counts.items():
    print(f"{k:18} diff {total[k]:>9}  separate runs {v:>9}")
print(f"{'assistance_delta':18} diff {total['assistance_delta']:>9}  separate runs {delta:>9}")
if bad:
    sys.exit("MISMATCH: " + ", ".join(bad))
print("impact counts equal the separate runs'")
PY
