#!/usr/bin/python3
"""Xijiang Town, 2015, from Python: the notebook an analyst would write.

    /usr/bin/python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation ./python
    .venv/bin/python examples/python/xijiang.py [--out incidence.png]

Runs the policy over the bundled register, prints the summary by village,
asks what raising the poverty line to 3000 yuan would do (and why, household
by household), and plots poverty incidence by village under both lines.
"""
import argparse
import os
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display: write the figure to a file
import matplotlib.pyplot as plt  # noqa: E402
import pandas  # noqa: E402

import precept  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--out", default="xijiang_incidence.png", help="where to write the plot (PNG)")
args = parser.parse_args()

# 1. The policy, and what it reads.
policy = precept.open(os.path.join(ROOT, "policies", "xijiang_2015.pol"))
line = policy.params["poverty_line"]
print(f"{policy.name} ({policy.year}): poverty line {line.value} yuan, source: {line.source}")

# 2. The register as a DataFrame (a register with damaged lines: those are
#    skipped here; `policy.run(path)` would reject them with their line).
register = pandas.read_csv(os.path.join(ROOT, "examples", "data", "xijiang_sample.csv"), on_bad_lines="skip")
result = policy.run(register)
print(f"{len(register)} households: {len(result.results)} evaluated, {len(result.rejects)} rejected")
print(result.rejects[["row", "column", "message"]].to_string(index=False))

# 3. The summary by village, as the town reports print it.
by_village = result.summary(by="village")
print(by_village[["village", "households", "population", "poor_population", "incidence", "assistance"]]
      .to_string(index=False))

# 4. What if the line were 3000 yuan? A what-if layer, compared on the register.
reform = policy.with_params(poverty_line=Decimal("3000"))
impact = precept.diff(policy, reform, os.path.join(ROOT, "examples", "data", "xijiang_sample.csv"))
print(f"\nWith the line at 3000 yuan: {impact.impact['identified_in']} more households identified, "
      f"assistance {Decimal(impact.impact['assistance_old_fen']).scaleb(-2)} -> "
      f"{Decimal(impact.impact['assistance_new_fen']).scaleb(-2)} yuan")
for _, household in impact.households.head(3).iterrows():
    print(f"  {household['key']}: {'; '.join(household['because'])}")
reform_by_village = reform.run(register).summary(by="village")

# 5. Incidence by village under both lines (the total row, `*`, left out).
villages = by_village[by_village["village"] != "*"]
reformed = reform_by_village[reform_by_village["village"] != "*"]
figure, axes = plt.subplots(figsize=(9, 4.5))
positions = range(len(villages))
axes.bar([p - 0.2 for p in positions], villages["incidence"].astype(float), width=0.4, label=f"line {line.value} yuan")
axes.bar([p + 0.2 for p in positions], reformed["incidence"].astype(float), width=0.4, label="line 3000 yuan")
axes.set_xticks(list(positions))
# Village names are Chinese: label them by number when no CJK font is installed.
axes.set_xticklabels([f"V{i + 1}" for i in positions])
axes.set_ylabel("poverty incidence")
axes.set_title("Xijiang Town 2015: incidence by village")
axes.legend()
figure.tight_layout()
figure.savefig(args.out, dpi=100)
# (A register's village name may hold a line break, as one of the sample's does.)
print("\nvillages: " + ", ".join(f"V{i + 1} = {name}".replace("\n", " ") for i, name in enumerate(villages["village"])))
print(f"plot written to {args.out}")
