#!/usr/bin/env python3
"""`precept run --report` rendered by Debian's headless Chromium, as an officer
prints it: the page loads with no console error, prints to A4 PDF pages with
each village's publicity list on pages of its own, and the workbook and the
CSV copies of the sample register give the same page but for what the README
says differs (rows read and the rejects). Screenshots stay in the build tree.

    render_report.py PRECEPT CHROMIUM SOURCE_DIR OUT_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

precept, chromium, source, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run_report(policy, register, page, *extra):
    done = subprocess.run([precept, "run", os.path.join(source, policy), os.path.join(source, register),
                           "-o", os.path.join(out, "results.csv"), "--report", page, "-q", *extra],
                          capture_output=True, text=True)
    check(done.returncode == 0, f"precept run {register} --report: exit {done.returncode}: {done.stderr}")
    with open(page, encoding="utf-8") as f:
        return f.read()


def chromium_run(page, *what):
    """Chromium on `page` (a file); its console must stay silent."""
    with tempfile.TemporaryDirectory() as profile:
        args = [chromium, "--headless", "--disable-gpu", "--user-data-dir=" + profile, "--enable-logging=stderr",
                "--v=0", "--hide-scrollbars", *what, "file://" + os.path.abspath(page)]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    check(done.returncode == 0, f"chromium {' '.join(what)} {page}: exit {done.returncode}")
    check(not console, f"console messages from {page}: {console}")


def pdf_pages(page):
    pdf = page[:-len(".html")] + ".pdf"
    chromium_run(page, "--no-pdf-header-footer", "--print-to-pdf=" + pdf)
    with open(pdf, "rb") as f:
        return len(re.findall(rb"/Type\s*/Page(?![s\w])", f.read()))


LISTS = re.compile(r'<section class="sheet publicity">.*?</section>\n', re.S)

# 1. A register of three villages with two poor households each (names, ID
# cards and phones masked): the front (summary, charts, rejects, sources) and
# then one page per village. The front alone is printed too, so the count does
# not depend on the fonts installed.
publicity = os.path.join(out, "publicity.html")
html = run_report("examples/data/xijiang_publicity.pol", "examples/data/xijiang_publicity.csv", publicity,
                  "--lang", "zh")
lists = LISTS.findall(html)
check(len(lists) == 3, f"3 publicity lists, found {len(lists)}")
for secret in ("刘德明", "360733196503120417", "13807971234"):
    check(secret not in html, f"{secret} is posted unmasked")
front = os.path.join(out, "publicity_front.html")
with open(front, "w", encoding="utf-8") as f:
    f.write(LISTS.sub("", html))
front_pages = pdf_pages(front)
pages = pdf_pages(publicity)
check(front_pages >= 1, f"the front prints on {front_pages} pages")
check(pages == front_pages + 3, f"{pages} pages printed; expected the front's {front_pages} and one per village (3)")

# 2. The sample register as CSV and as a workbook: the same page but for the
# rows read and the rejects (a sheet has no blank row, and pads a short one).
sample = os.path.join(out, "sample.html")
csv_page = run_report("policies/xijiang_2015.pol", "examples/data/xijiang_sample.csv", sample, "--lang", "zh")
xlsx_page = run_report("policies/xijiang_2015.pol", "examples/data/xijiang_sample.xlsx",
                       os.path.join(out, "sample_xlsx.html"), "--lang", "zh")
DIFFERS = re.compile(r"<p>读入 [^<]*</p>\n|<h2>拒收的行</h2>.*?(?=<h2>政策参数及依据</h2>)", re.S)
check(len(DIFFERS.findall(csv_page)) == 2, "the counts and the rejects' part of the page are where expected")
check(DIFFERS.sub("", csv_page) == DIFFERS.sub("", xlsx_page), "the .xlsx and CSV registers give different pages")
sample_lists = len(LISTS.findall(csv_page))
check(sample_lists == 5, f"the sample's 5 villages with poor households have lists, found {sample_lists}")
sample_pages = pdf_pages(sample)
check(sample_pages > sample_lists + 1, f"{sample_pages} pages for 5 lists (217 households in the largest) and the front")
chromium_run(sample, "--window-size=900,1400", "--screenshot=" + os.path.join(out, "sample.png"))

if failures:
    sys.exit(1)
print(f"ok: publicity {pages} pages (front {front_pages}), sample {sample_pages} pages; screenshots in {out}")
