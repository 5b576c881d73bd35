#!/usr/bin/python3
"""`precept run` on registers and outputs as Excel and WPS make and open them
(README, "Registers from Excel and WPS"), with openpyxl (Debian's) as the
real spreadsheet writer and reader:
- the bundled sample saved as .xlsx by openpyxl at test time, numbers as
  numbers, gives the CSV's results byte for byte;
- -o/--rejects/--summary-csv *.xlsx are workbooks with typed cells and a
  frozen header; --bom starts a CSV with a UTF-8 BOM;
- a formula-looking text cell is guarded with ' in CSV (and not with
  --no-formula-escape), and is a string cell in a workbook.
Usage: test_excel_registers.py PRECEPT"""
import csv
import os
import subprocess
import sys
import tempfile

import openpyxl

precept = sys.argv[1]
policy = "policies/xijiang_2015.pol"
sample = "examples/data/xijiang_sample.csv"
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    return subprocess.run([precept, "run", *args], capture_output=True, text=True)


with tempfile.TemporaryDirectory() as tmp:
    path = lambda name: os.path.join(tmp, name)
    # The sample as a workbook, numbers as numbers (ids with leading zeros stay text).
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "登记表"
    with open(sample, encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            cells = []
            for cell in row:
                value = cell
                if i > 0 and cell and (cell == "0" or not cell.startswith("0")):
                    try:
                        value = int(cell) if cell.lstrip("-").isdigit() else float(cell)
                    except ValueError:
                        pass
                cells.append(value)
            sheet.append(cells)
    book.save(path("sample.xlsx"))

    done = run(policy, sample, "-o", path("expected.csv"), "-q")
    check(done.returncode == 0, "the CSV run: " + done.stderr)
    done = run(policy, path("sample.xlsx"), "-o", path("from_xlsx.csv"), "-q", "-j2")
    check(done.returncode == 0, "the xlsx run: " + done.stderr)
    with open(path("expected.csv"), "rb") as a, open(path("from_xlsx.csv"), "rb") as b:
        check(a.read() == b.read(), "results on the xlsx copy are the CSV's byte for byte")

    # Outputs as workbooks.
    done = run(policy, sample, "-o", path("results.xlsx"), "--rejects", path("rejects.xlsx"), "--summary-csv",
               path("summary.xlsx"), "--by", "village", "-q")
    check(done.returncode == 0, "writing workbooks: " + done.stderr)
    results = openpyxl.load_workbook(path("results.xlsx")).active
    check(results.freeze_panes == "A2", "the results' header is frozen")
    header = [c.value for c in results[1]]
    first = {name: c for name, c in zip(header, results[2])}
    check(first["household_id"].data_type == "s", "ids are text")
    check(isinstance(first["total_assistance"].value, (int, float)) and first["total_assistance"].number_format == "0.00",
          "money is a number shown 0.00")
    with open(path("expected.csv"), encoding="utf-8") as f:
        expected_rows = list(csv.reader(f))
    check(results.max_row == len(expected_rows), "every result is in the workbook")
    rejects = openpyxl.load_workbook(path("rejects.xlsx")).active
    check([c.value for c in rejects[1]] == ["line", "column", "reason"], "the rejects' header")
    check(isinstance(rejects.cell(2, 1).value, int), "reject lines are numbers")
    summary = openpyxl.load_workbook(path("summary.xlsx")).active
    check(summary.cell(2, 1).data_type == "s", "summary keys are text")

    # --bom, and formula-looking text.
    done = run(policy, sample, "-o", path("bom.csv"), "--rejects", path("bom_rejects.csv"), "--bom", "-q")
    with open(path("bom.csv"), "rb") as f:
        check(f.read(3) == b"\xef\xbb\xbf", "--bom starts the results with a BOM")
    with open(path("bom_rejects.csv"), "rb") as f:
        check(f.read(3) == b"\xef\xbb\xbf", "--bom starts the rejects with a BOM")
    with open(path("expected.csv"), "rb") as f:
        check(f.read(3) != b"\xef\xbb\xbf", "no BOM unless asked")

    formula_policy = path("formula.pol")
    with open(formula_policy, "w", encoding="utf-8") as f:
        f.write('policy "formula" year 2015\nrecord r {\n  id: text\n  income: money\n}\noutput id, income\n')
    with open(path("formula.csv"), "w", encoding="utf-8") as f:
        f.write("id,income\n=1+2,-12\n@SUM(A1),3\n")
    done = run(formula_policy, path("formula.csv"), "-o", path("guarded.csv"), "-q")
    with open(path("guarded.csv"), encoding="utf-8") as f:
        check(f.read() == "id,income\n'=1+2,-12.00\n'@SUM(A1),3.00\n", "formula-looking text is guarded, numbers never")
    done = run(formula_policy, path("formula.csv"), "-o", path("raw.csv"), "--no-formula-escape", "-q")
    with open(path("raw.csv"), encoding="utf-8") as f:
        check(f.read() == "id,income\n=1+2,-12.00\n@SUM(A1),3.00\n", "--no-formula-escape writes text as it is")
    done = run(formula_policy, path("formula.csv"), "-o", path("formula.xlsx"), "-q")
    cell = openpyxl.load_workbook(path("formula.xlsx")).active.cell(2, 1)
    check(cell.value == "=1+2" and cell.data_type == "s", "in a workbook it is a string cell, not a formula")
    check(openpyxl.load_workbook(path("formula.xlsx")).active.cell(2, 2).value == -12, "a negative amount is a number")

    # --sheet, and a register in GBK.
    done = run(policy, path("sample.xlsx"), "--sheet", "nope", "-q")
    check(done.returncode == 3 and "no sheet `nope`" in done.stderr, "an unknown sheet: " + done.stderr)
    done = run(policy, sample, "--sheet", "nope", "-q")
    check(done.returncode == 0 and "not a workbook" in done.stderr, "--sheet on a CSV register: " + done.stderr)
    with open(sample, encoding="utf-8") as f, open(path("gbk.csv"), "wb") as g:
        g.write(f.read().encode("gbk"))
    done = run(policy, path("gbk.csv"), "-o", path("from_gbk.csv"), "-q")
    check("GB18030" in done.stderr, "a note says the register was converted")
    with open(path("expected.csv"), "rb") as a, open(path("from_gbk.csv"), "rb") as b:
        check(a.read() == b.read(), "results on the GBK copy are the CSV's byte for byte")

sys.exit(1 if failures else 0)
