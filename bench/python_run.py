#!/usr/bin/python3
"""bench/python_run.py: Policy.run on a DataFrame against `precept run` on the
same register read from CSV, in one run (issue 15, "Speed and memory").

    PYTHONPATH=build/python /usr/bin/python3 bench/python_run.py [--rows 1000000] [--seed 2015]

It generates a W1 register with precept-gen, reads it once into a DataFrame of
typed columns (int64, bool, int64 fen for money, str for texts and enum
members), then times, each in a fresh process so that peak memory is its own:
  - `precept run` from the CSV, results written to a file (one thread, and the
    default of one per core);
  - Policy.run(frame, money="fen"): conversion in and out included;
  - Policy.run(frame) with Decimal results (the cost of Decimal beside it);
and checks that both sides' results are byte for byte the same. Peak memory
is the process's peak resident size during the run (VmHWM, reset before it)
above what it held with the DataFrame built, against the DataFrame's own
size (pandas' deep memory_usage). Three rounds by default; medians reported.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("PRECEPT_BUILD_DIR", os.path.join(ROOT, "build"))
POLICY = os.path.join(ROOT, "policies", "xijiang_2015.pol")
MONEY = ("net_income", "deposits", "disaster_loss")
BOOLS = ("owns_car", "owns_town_house", "public_employee", "dibao", "wubao", "safe_water", "remote")


def typed_frame(path):
    """The register as typed columns: money as int64 fen (exact: every cell has
    at most two decimals, and x * 100 rounds to the nearest integer exactly)."""
    import numpy
    import pandas

    frame = pandas.read_csv(path, dtype={"household_id": str})
    for name in MONEY:
        frame[name] = numpy.rint(frame[name].to_numpy(dtype=numpy.float64) * 100).astype(numpy.int64)
    for name in BOOLS:
        frame[name] = frame[name].astype(bool)
    return frame


def memory(field):
    """VmRSS or VmHWM (the peak resident size) of this process, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak():
    """Linux: writing 5 to clear_refs resets VmHWM to the current resident size."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def child(args):
    """One measured pass, in its own process: prints a JSON line."""
    import precept

    frame = typed_frame(args.data)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    policy = precept.open(POLICY)
    gc.collect()
    reset_peak()
    before = memory("VmRSS")
    start = time.perf_counter()
    result = policy.run(frame, money=args.child, int_money="fen")
    seconds = time.perf_counter() - start
    peak = memory("VmHWM")
    if args.results:
        result.to_csv(args.results)
    print(json.dumps({"seconds": seconds, "rows": result.rows, "rejected": len(result.rejects),
                      "frame_bytes": frame_bytes, "rss_before": before, "peak": peak}))


def measure(args, money, results):
    out = subprocess.run([sys.executable, __file__, "--data", args.data, "--child", money, "--results", results],
                         check=True, capture_output=True, text=True, env=dict(os.environ)).stdout
    return json.loads(out.strip().splitlines()[-1])


def cli(args, threads, results):
    start = time.perf_counter()
    subprocess.run([os.path.join(BUILD, "precept"), "run", POLICY, args.data, "-o", results, "-q", "-j",
                    str(threads), "--progress", "never"], check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000000)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--data", help="a W1 register (CSV) instead of generating one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.data:
            args.data = os.path.join(tmp, "w1.csv")
            subprocess.run([os.path.join(BUILD, "examples", "generator", "precept-gen"), "--rows", str(args.rows),
                            "--seed", str(args.seed), "-o", args.data], check=True, capture_output=True)
        cli_csv, fen_csv, decimal_csv = (os.path.join(tmp, n) for n in ("cli.csv", "fen.csv", "decimal.csv"))
        cores = os.cpu_count() or 1
        # Rounds of the four, alternately, so that the machine's load falls on
        # each alike; the medians are reported, and every round's ratio.
        rounds = []
        same = True
        for _ in range(args.rounds):
            cli_one = cli(args, 1, cli_csv)
            cli_all = cli(args, cores, cli_csv)
            fen = measure(args, "fen", fen_csv)
            decimal = measure(args, "decimal", decimal_csv)
            rounds.append((cli_one, cli_all, fen, decimal))
            with open(cli_csv, "rb") as a, open(fen_csv, "rb") as b, open(decimal_csv, "rb") as c:
                expected = a.read()
                same = same and expected == b.read() and expected == c.read()
    median = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    cli_one = median([r[0] for r in rounds])
    cli_all = median([r[1] for r in rounds])
    fen = min((r[2] for r in rounds), key=lambda m: abs(m["seconds"] - median([x[2]["seconds"] for x in rounds])))
    decimal = min((r[3] for r in rounds), key=lambda m: abs(m["seconds"] - median([x[3]["seconds"] for x in rounds])))
    ratios = ", ".join(f"{r[2]['seconds'] / r[0]:.2f}x" for r in rounds)
    mib = 1 << 20
    print(f"register: {fen['rows']:,} rows ({fen['rejected']} rejected), DataFrame {fen['frame_bytes'] / mib:.0f} MiB")
    print(f"precept run, CSV in and out, 1 thread:        {cli_one:7.2f} s")
    print(f"precept run, CSV in and out, {cores} threads:       {cli_all:7.2f} s")
    for name, m in (("money=\"fen\"", fen), ("Decimal results", decimal)):
        extra = max(m["peak"] - m["rss_before"], 0)
        print(f"Policy.run(DataFrame), {name:<16} {m['seconds']:7.2f} s = {m['seconds'] / cli_one:4.2f}x precept run "
              f"(1 thread), {m['seconds'] / cli_all:4.2f}x ({cores} threads); memory at its peak: "
              f"{extra / mib:.0f} MiB above the process before the run = {extra / m['frame_bytes']:.2f}x the "
              f"DataFrame; whole process {m['peak'] / m['frame_bytes']:.2f}x")
    print(f"money=\"fen\" against precept run (1 thread), each round: {ratios}")
    print(f"results byte for byte the same as precept run's: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
