"""The `precept` package: every call, compared with the command line where it
has a twin (`precept run`, `explain`, `test`, `fmt`), and the bad inputs the
issue lists, each with a clear exception or reject and nothing lost."""
import csv
import datetime
import os
import subprocess
import threading
from decimal import Decimal

import numpy
import pandas
import pytest

import precept

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("PRECEPT_BUILD_DIR", os.path.join(ROOT, "build"))
CLI = os.path.join(BUILD, "precept")
XIJIANG = os.path.join(ROOT, "policies", "xijiang_2015.pol")
SAMPLE = os.path.join(ROOT, "examples", "data", "xijiang_sample.csv")

HOUSEHOLD = dict(household_id="360733-1", county="会昌县", township="西江镇", village="西头村", members=4,
                 labor_count=1, net_income=Decimal("6157.78"), deposits=Decimal("7848.20"), owns_car=False,
                 owns_town_house=False, public_employee=False, house="d", dibao=False, wubao=False, ill_members=1,
                 disabled_members=0, students=0, disaster_loss=Decimal("0"), safe_water=True, remote=False)


@pytest.fixture(scope="module")
def policy():
    return precept.open(XIJIANG)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """`precept run` on the bundled register: results, rejects, summary by village."""
    out = tmp_path_factory.mktemp("cli")
    subprocess.run([CLI, "run", XIJIANG, SAMPLE, "-o", str(out / "results.csv"), "--rejects",
                    str(out / "rejects.csv"), "--by", "village", "--summary-csv", str(out / "summary.csv"), "-q",
                    "-j", "1"], check=True, capture_output=True)
    return out


def sample_frame(**options):
    return pandas.read_csv(SAMPLE, on_bad_lines="skip", **options)


# ------------------------------------------------------------------ policies


def test_open_reads_a_policy_and_its_header(policy):
    assert policy.name == "西江镇精准识别与帮扶"
    assert policy.year == 2015
    assert policy.place.startswith("江西省")
    assert "village" in policy.summary_groups


def test_open_a_layered_policy_reads_its_parents_from_its_folder():
    town = precept.open(os.path.join(ROOT, "policies", "xijiang_town_2016.pol"))
    assert town.params["poverty_line"].value == Decimal("2855.00")
    assert "xijiang_town_2016.pol" in town.params["poverty_line"].layer


def test_open_with_a_year_picks_dated_values():
    national = os.path.join(ROOT, "policies", "national.pol")
    assert precept.open(national, year=2016).params["poverty_line"].value == Decimal("2952.00")
    assert precept.open(national, year=2018).params["poverty_line"].year == 2018


def test_compile_errors_are_a_policy_error_with_diagnostics_as_objects():
    source = open(XIJIANG, encoding="utf-8").read().replace("per_capita < poverty_line", "per_capita < povrty_line")
    with pytest.raises(precept.PolicyError) as caught:
        precept.compile(source, name="broken.pol")
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert errors
    d = errors[0]
    assert d.file == "broken.pol"
    assert d.line == 54 and d.column > 1
    assert "povrty_line" in d.message
    assert "poverty_line" in d.hint
    assert "povrty_line" in d.source_line
    assert "broken.pol:54" in str(caught.value)


def test_open_a_missing_file_is_a_policy_error():
    with pytest.raises(precept.PolicyError, match="cannot read"):
        precept.open(os.path.join(ROOT, "policies", "no_such.pol"))


def test_load_a_compiled_program(policy, tmp_path):
    path = tmp_path / "xijiang.pcb"
    path.write_bytes(policy.serialize())
    loaded = precept.load(path)
    assert loaded.name == policy.name
    assert loaded.evaluate(HOUSEHOLD) == policy.evaluate(HOUSEHOLD)
    assert precept.open(path).name == policy.name  # open() knows a .pcb by its magic number
    path.write_bytes(b"PCB-damaged")
    with pytest.raises(precept.PolicyError):
        precept.load(path)


def test_fields_outputs_and_params(policy):
    fields = {f.name: f for f in policy.fields}
    assert fields["members"].kind == "int" and fields["members"].bound == ">= 1"
    assert fields["members"].required
    assert fields["house"].members == ["safe", "c", "d"]
    assert fields["net_income"].description == "household annual net income"
    outputs = {o.name: o for o in policy.outputs}
    assert [o.name for o in policy.outputs][0] == "household_id"
    assert outputs["measures"].kind == "enum_list" and "medical_aid" in outputs["measures"].members
    assert outputs["total_assistance"].kind == "money"
    assert outputs["total_assistance"].expression == "sum(measures.amount)"
    line = policy.params["poverty_line"]
    assert line.kind == "money" and line.value == Decimal("2736.00")
    assert line.description == "national poverty line at 2013 prices"
    assert line.source == "Huichang County identification document, 2015"


# ------------------------------------------------------------------ one household


def test_evaluate_gives_typed_values(policy):
    result = policy.evaluate(HOUSEHOLD)
    assert result["per_capita"] == Decimal("1539.44") and isinstance(result["per_capita"], Decimal)
    assert result["poor"] is True
    assert result["category"] == "ordinary"
    assert result["measures"] == ["medical_aid", "housing_renovation", "industry_support"]
    assert result["total_assistance"] == Decimal("23000.00")


def test_evaluate_accepts_str_int_and_exact_floats(policy):
    as_text = dict(HOUSEHOLD, net_income="6157.78", members="4")
    as_float = dict(HOUSEHOLD, net_income=6157.78, deposits=7848.2)
    as_numpy = dict(HOUSEHOLD, members=numpy.int64(4), net_income=numpy.float64(6157.78))
    assert policy.evaluate(as_text) == policy.evaluate(HOUSEHOLD)
    assert policy.evaluate(as_float) == policy.evaluate(HOUSEHOLD)
    assert policy.evaluate(as_numpy) == policy.evaluate(HOUSEHOLD)
    assert policy.evaluate(dict(HOUSEHOLD, net_income=6157))["per_capita"] == Decimal("1539.25")


@pytest.mark.parametrize("field, value, kind", [
    ("net_income", "abc", "value_unreadable"),  # not a number
    ("net_income", 0.1 + 0.2, "value_unreadable"),  # a float not exact in fen: never rounded
    ("net_income", Decimal("1.234"), "value_unreadable"),
    ("net_income", float("nan"), "value_missing"),
    ("members", None, "value_missing"),
    ("members", 0, "bound_failed"),
    ("members", 2.5, "value_unreadable"),
    ("house", "C", "value_unreadable"),  # not a member (members are case-sensitive)
    ("no_such_field", 1, "unknown_field"),
])
def test_evaluate_rejects_bad_values_with_kind_column_and_message(policy, field, value, kind):
    with pytest.raises(precept.RowRejected) as caught:
        policy.evaluate(dict(HOUSEHOLD, **{field: value}))
    assert caught.value.kind == kind
    assert caught.value.column == field
    assert field in caught.value.message


def test_a_rule_that_rejects_names_its_declaration_and_line():
    source = 'policy "p" year 2020\nrecord r { n: int }\nrequire n < 10 "too many"\noutput n\n'
    p = precept.compile(source, name="p.pol")
    assert p.evaluate({"n": 3}) == {"n": 3}
    with pytest.raises(precept.RowRejected) as caught:
        p.evaluate({"n": 12})
    assert caught.value.kind == "require_failed"
    assert caught.value.line == 3 and caught.value.declaration


def test_explain_prints_what_precept_explain_prints(policy):
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        first = next(csv.DictReader(f))
    cli = subprocess.run([CLI, "explain", XIJIANG, SAMPLE, "--id", first["household_id"]], check=True,
                         capture_output=True, text=True).stdout
    assert str(policy.explain(first, line=2)) == cli
    explanation = policy.explain(first)
    # A household given in code has no register line to name.
    assert str(explanation).splitlines()[0] + " (line 2)" == cli.splitlines()[0]
    assert not explanation.rejected
    assert explanation.outputs["poor"] == "true"
    assert any(e["name"] == "poverty_line" and e["kind"] == "param" for e in explanation.entries)
    assert '"id"' in explanation.json or "360733" in explanation.json


def test_explain_a_rejected_household(policy):
    e = policy.explain(dict(HOUSEHOLD, members=0))
    assert e.rejected and e.column == "members" and "at least 1" in e.reason


# ------------------------------------------------------------------ registers


def test_run_a_dataframe_writes_back_what_precept_run_writes(policy, cli_run):
    expected = (cli_run / "results.csv").read_bytes()
    for frame in (sample_frame(dtype=str, keep_default_na=False), sample_frame()):
        result = policy.run(frame)
        assert result.to_csv().encode("utf-8") == expected
        assert len(result.results) + len(result.rejects) == len(frame)
    fen = policy.run(sample_frame(), money="fen")
    assert fen.to_csv().encode("utf-8") == expected
    assert fen.results["total_assistance"].dtype == numpy.int64


def test_run_a_csv_path_gives_precept_runs_results_and_rejects(policy, cli_run, tmp_path):
    result = policy.run(SAMPLE)
    result.to_csv(tmp_path / "results.csv")
    assert (tmp_path / "results.csv").read_bytes() == (cli_run / "results.csv").read_bytes()
    with open(cli_run / "rejects.csv", encoding="utf-8", newline="") as f:
        rejects = list(csv.DictReader(f))
    assert list(result.rejects["line"]) == [int(r["line"]) for r in rejects]
    assert list(result.rejects["message"]) == [r["reason"] for r in rejects]
    assert result.rows == 2000
    assert result.results["measures"].iloc[0] == ("medical_aid", "housing_renovation", "industry_support")
    assert result.results["per_capita"].iloc[0] == Decimal("1539.44")


def test_run_results_are_typed_and_indexed_as_the_input(policy):
    frame = sample_frame().head(50)
    frame.index = [f"r{i}" for i in range(len(frame))]
    result = policy.run(frame)
    results = result.results
    assert isinstance(results["per_capita"].iloc[0], Decimal)
    assert results["poor"].dtype == bool
    assert isinstance(results["category"].dtype, pandas.CategoricalDtype)
    assert list(results["category"].cat.categories) == ["none", "wubao", "dibao", "ordinary"]
    assert isinstance(results["measures"].iloc[0], tuple)
    assert set(results.index) | set(result.rejects["row"]) == set(frame.index)


def test_run_a_dict_of_columns(policy):
    columns = {name: [value] * 3 for name, value in HOUSEHOLD.items()}
    columns["members"] = [4, 0, 2]
    result = policy.run(columns)
    assert list(result.results.index) == [0, 2]
    assert list(result.rejects["row"]) == [1] and list(result.rejects["kind"]) == ["bound_failed"]
    assert result.results["per_capita"].iloc[0] == Decimal("1539.44")


def test_run_rejects_bad_inputs_and_loses_no_row(policy):
    rows = 7
    frame = pandas.DataFrame({name: [value] * rows for name, value in HOUSEHOLD.items()})
    frame["net_income"] = [Decimal("6157.78"), "abc", 0.1 + 0.2, float("nan"), None, "6157.78", 6157.78]
    frame["members"] = [4, 4, 4, 4, 4, 4, 4]
    frame.loc[5, "house"] = "purple"
    result = policy.run(frame)
    assert result.rows == rows
    assert list(result.results.index) == [0, 6]
    rejects = result.rejects.set_index("row")
    assert rejects.loc[1, "kind"] == "value_unreadable" and "found `abc`" in rejects.loc[1, "message"]
    assert rejects.loc[2, "kind"] == "value_unreadable" and "0.30000000000000004" in rejects.loc[2, "message"]
    assert rejects.loc[3, "kind"] == "value_missing" and rejects.loc[3, "column"] == "net_income"
    assert rejects.loc[4, "kind"] == "value_missing"
    assert rejects.loc[5, "kind"] == "value_unreadable" and rejects.loc[5, "column"] == "house"


def test_run_float_columns_are_exact_or_rejected_never_rounded(policy):
    frame = pandas.DataFrame({name: [value] * 4 for name, value in HOUSEHOLD.items()})
    frame["net_income"] = numpy.array([6157.78, 0.1 + 0.2, numpy.nan, 1e20])
    frame["members"] = numpy.array([4.0, 4.0, 4.0, 4.0])  # an int column pandas made float
    result = policy.run(frame)
    assert list(result.results.index) == [0]
    assert list(result.rejects["kind"]) == ["value_unreadable", "value_missing", "value_unreadable"]


def test_run_a_missing_required_column_is_an_error_naming_it(policy):
    frame = sample_frame().drop(columns=["members"])
    with pytest.raises(ValueError, match="members"):
        policy.run(frame)


def test_run_int_money_columns_are_yuan_or_fen_as_declared(policy):
    frame = pandas.DataFrame({name: [value] for name, value in HOUSEHOLD.items()})
    frame["net_income"] = numpy.array([6157], dtype=numpy.int64)
    frame["deposits"] = numpy.array([0], dtype=numpy.int64)
    frame["disaster_loss"] = numpy.array([0], dtype=numpy.int64)
    yuan = policy.run(frame).results
    assert yuan["per_capita"].iloc[0] == Decimal("1539.25")
    frame["net_income"] = numpy.array([615778], dtype=numpy.int64)
    fen = policy.run(frame, money="fen").results
    assert fen["per_capita"].iloc[0] == 153944
    decimal = policy.run(frame, int_money="fen").results
    assert decimal["per_capita"].iloc[0] == Decimal("1539.44")
    with pytest.raises(ValueError):
        policy.run(frame, int_money="cents")


def test_summary_by_village_is_the_town_report(policy, cli_run):
    with open(cli_run / "summary.csv", encoding="utf-8", newline="") as f:
        expected = list(csv.DictReader(f))
    for result in (policy.run(SAMPLE), policy.run(sample_frame(dtype=str, keep_default_na=False))):
        table = result.summary(by="village")
        assert len(table) == len(expected)  # the groups and the total
        for row, want in zip(table.to_dict("records"), expected):
            assert row["village"] == want["village"]
            assert row["households"] == int(want["households"])
            assert row["poor_population"] == int(want["poor_population"])
            assert row["incidence"] == Decimal(want["incidence"])
            assert row["assistance"] == Decimal(want["total_assistance"])
            assert row["illness"] == int(want["illness"])
    total = policy.run(SAMPLE).summary()
    assert list(total["households"]) == [1989]


def test_run_releases_the_gil_and_threads_agree(policy):
    frame = sample_frame()
    results = [None] * 3

    def work(i):
        results[i] = policy.run(frame).to_csv()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == results[1] == results[2] and results[0]


# ------------------------------------------------------------------ test, diff, format, what-ifs


def test_test_runs_the_examples_as_precept_test(policy):
    report = precept.test(XIJIANG)
    assert report.passed and len(report.examples) >= 10
    assert any(c["covered"] for c in report.coverage)
    broken = open(XIJIANG, encoding="utf-8").read().replace("total_assistance = 3472.00 yuan",
                                                           "total_assistance = 1.00 yuan")
    failing = precept.test(precept.compile(broken, name="broken.pol"))
    assert not failing.passed
    assert "total_assistance" in failing.failures[0]["problems"][0]


def test_with_params_is_a_what_if_layer(policy):
    reform = policy.with_params(poverty_line=Decimal("3000"))
    assert reform.params["poverty_line"].value == Decimal("3000.00")
    assert reform.params["deposit_cap"].value == policy.params["deposit_cap"].value
    assert reform.params["poverty_line"].layer.endswith("what-if of xijiang_2015.pol:2")
    between = dict(HOUSEHOLD, members=1, ill_members=0, house="safe", net_income=Decimal("2900"))
    assert policy.evaluate(between)["poor"] is False
    assert reform.evaluate(between)["poor"] is True
    with pytest.raises(precept.PolicyError, match="povrty_line"):
        policy.with_params(povrty_line=3000)
    with pytest.raises(precept.PolicyError):
        policy.with_params(poverty_line="lots")


def test_with_params_on_a_policy_compiled_from_text(policy):
    source = open(XIJIANG, encoding="utf-8").read()
    compiled = precept.compile(source, name="xijiang_2015.pol")
    reform = compiled.with_params(poverty_line=3000, deposit_cap=Decimal("40000.50"))
    assert reform.params["poverty_line"].value == Decimal("3000.00")
    assert reform.params["deposit_cap"].value == Decimal("40000.50")


def test_diff_attributes_a_what_ifs_impact_to_its_parameter(policy):
    reform = policy.with_params(poverty_line=Decimal("3000"))
    report = precept.diff(policy, reform, SAMPLE)
    assert report.changed
    assert list(report.edits["decl"]) == ["poverty_line"]
    assert report.impact["identified_in"] > 0 and report.impact["identified_out"] == 0
    assert report.households["because"].map(lambda b: "poverty_line" in " ".join(b)).all()
    assert "poverty_line" in report.effects["label"].iloc[0]
    assert "poverty_line" in str(report)


def test_diff_two_files():
    report = precept.diff(XIJIANG, os.path.join(ROOT, "policies", "xijiang_2016.pol"))
    assert report.changed and report.impact is None
    assert "poverty_line" in set(report.edits["decl"])


def test_format_gives_precept_fmts_layout():
    messy = 'policy "p"   year 2020\nrecord r {  n:int  }\noutput   n\n'
    formatted = precept.format(messy)
    cli = subprocess.run([CLI, "fmt", "-"], input=messy, check=True, capture_output=True, text=True).stdout
    assert formatted == cli
    assert precept.format(formatted) == formatted
    with pytest.raises(precept.PolicyError):
        precept.format("policy \"p\" year\n")


def test_dates_and_decimals_round_trip():
    source = ('policy "d" year 2020\nrecord r {\n born: date\n rate: decimal\n checked: optional date\n}\n'
              'output born, rate, checked = checked if missing 2000-01-01\n')
    p = precept.compile(source)
    result = p.evaluate({"born": datetime.date(2000, 2, 29), "rate": Decimal("0.125")})
    assert result == {"born": datetime.date(2000, 2, 29), "rate": Decimal("0.125000"),
                      "checked": datetime.date(2000, 1, 1)}
    frame = pandas.DataFrame({"born": pandas.to_datetime(["2000-02-29", None]), "rate": ["0.125", "0.1234567"]})
    run = p.run(frame)
    assert run.results["born"].iloc[0] == datetime.date(2000, 2, 29)
    assert run.results["rate"].iloc[0] == Decimal("0.125000")
    assert list(run.rejects["kind"]) == ["value_missing"]
    odd = p.run(pandas.DataFrame({"born": ["2000-02-28"], "rate": ["0.1234567"]}))
    assert list(odd.rejects["column"]) == ["rate"]


def test_the_stubs_declare_every_public_name_and_calls_have_docstrings():
    import ast

    stub = os.path.join(os.path.dirname(precept.__file__), "__init__.pyi")
    with open(stub, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    declared = {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    assert set(precept.__all__) <= declared
    for name in ("open", "compile", "load", "test", "diff", "format"):
        assert getattr(precept, name).__doc__
    for method in ("evaluate", "explain", "run", "with_params"):
        assert getattr(precept.Policy, method).__doc__
    assert "money" in precept.Policy.run.__doc__ and "rejects" in precept.Policy.run.__doc__


def test_the_example_notebook_runs_and_plots(tmp_path):
    import sys

    png = tmp_path / "incidence.png"
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", "xijiang.py"), "--out", str(png)],
                         check=True, capture_output=True, text=True).stdout
    assert "新头村" in out and "With the line at 3000 yuan" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_reads_pandas_extension_columns(policy):
    frame = pandas.DataFrame({name: [value] * 3 for name, value in HOUSEHOLD.items()})
    frame["members"] = pandas.array([4, None, 2], dtype="Int64")
    frame["house"] = pandas.Categorical(["d", "c", None], categories=["safe", "c", "d"])
    frame["village"] = pandas.array(["西头村", "西头村", "新头村"], dtype="string")
    result = policy.run(frame)
    assert list(result.results.index) == [0]
    assert list(result.rejects["column"]) == ["members", "house"]
    assert list(result.rejects["kind"]) == ["value_missing", "value_missing"]


def test_run_the_bundled_workbook_as_precept_run_reads_it(policy, tmp_path):
    # One register reader: the workbook's rows, rejects and sheet row numbers
    # are the ones `precept run` gives on the same file.
    book = os.path.join(ROOT, "examples", "data", "xijiang_sample.xlsx")
    subprocess.run([CLI, "run", XIJIANG, book, "-o", str(tmp_path / "results.csv"), "--rejects",
                    str(tmp_path / "rejects.csv"), "-q", "-j", "1"], check=True, capture_output=True)
    result = policy.run(book)
    assert result.to_csv().encode("utf-8") == (tmp_path / "results.csv").read_bytes()
    cli_rejects = (tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(result.rejects) == len(cli_rejects) > 0
    assert [str(line) for line in result.rejects["line"]] == [row.split(",")[0] for row in cli_rejects]


def test_run_an_xlsx_workbook(policy, cli_run, tmp_path):
    frame = sample_frame()
    book = tmp_path / "register.xlsx"
    frame.to_excel(book, index=False)
    result = policy.run(book)
    assert result.to_csv().encode("utf-8") == (cli_run / "results.csv").read_bytes()
    assert result.rows == len(frame)
