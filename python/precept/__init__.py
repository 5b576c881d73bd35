"""Precept for Python: compile poverty-alleviation policies and run them over
household registers held as pandas DataFrames, exactly as ``precept run`` does.

    >>> import precept
    >>> policy = precept.open("policies/xijiang_2015.pol")
    >>> result = policy.run(pandas.read_csv("register.csv"))
    >>> result.summary(by="village")
    >>> reform = policy.with_params(poverty_line=Decimal("3000"))
    >>> precept.diff(policy, reform, "register.csv").impact

Values are exact both ways: money and decimals are ``decimal.Decimal`` (or,
with ``money="fen"``, int64 fen and millionths), dates ``datetime.date``,
enum members ``str``, lists ``list``. A float is accepted for money only
where it is exact in fen (its shortest decimal has at most two places), never
rounded: ``0.1 + 0.2`` rejects the row.
"""
from __future__ import annotations

import builtins as _builtins
import dataclasses
import datetime as _datetime
import decimal as _decimal
import os as _os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _precept

__all__ = [
    "Diagnostic", "PolicyError", "RowRejected", "Field", "Output", "Param", "Policy", "Explanation",
    "Result", "TestReport", "DiffReport", "open", "compile", "load", "test", "diff", "format",
]

ColumnarError = _precept.ColumnarError


# ------------------------------------------------------------------ data


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """A problem the compiler found: where it is, what it is, what to do."""

    severity: str  # "error", "warning" or "note"
    file: str
    line: int  # 1-based; 0 when it has no place in the source
    column: int  # 1-based, in characters
    message: str
    hint: str
    source_line: str
    rendered: str = dataclasses.field(repr=False, default="")

    def __str__(self) -> str:
        return self.rendered


def _diagnostics(items: Iterable[dict]) -> List[Diagnostic]:
    return [Diagnostic(d["severity"], d["file"], d["line"], d["column"], d["message"], d["hint"],
                       d["source_line"], d["rendered"]) for d in items]


class PolicyError(Exception):
    """A policy that cannot be compiled, loaded or read. ``diagnostics`` says
    why, as objects (file, line, column, message, hint, source line)."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        text = message
        if errors:
            text += "\n" + "".join(str(d) for d in errors)
        super().__init__(text.rstrip("\n"))


class RowRejected(Exception):
    """A household the policy rejects: ``kind`` says what rejected it
    ("value_missing", "value_unreadable", "bound_failed", "require_failed", ...),
    ``column`` the field at fault (or None), ``declaration``/``file``/``line``
    the rule of the policy that rejected it (or None), ``message`` the words of
    ``precept run``'s rejects file."""

    def __init__(self, kind: str, column: Optional[str], message: str, declaration: Optional[str] = None,
                 file: Optional[str] = None, line: Optional[int] = None):
        self.kind = kind
        self.column = column
        self.message = message
        self.declaration = declaration
        self.file = file
        self.line = line
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class Field:
    """A field of the policy's record."""

    name: str
    kind: str  # bool, int, money, decimal, date, enum, text, enum_list
    members: List[str]  # an enum's members, in declaration order
    optional: bool
    default: Optional[Any]  # the default value, typed, or None
    bound: str  # the `where` check (">= 1"), "" when none
    description: str
    line: int

    @property
    def required(self) -> bool:
        """Whether an empty value rejects the household."""
        return not self.optional and self.default is None and self.kind not in ("text", "enum_list")


@dataclasses.dataclass(frozen=True)
class Output:
    """An output of the policy, in output order."""

    name: str
    kind: str  # bool, int, money, decimal, date, enum, text, enum_list, list
    element: str  # a list's item kind
    members: List[str]
    expression: str  # as the policy's `output` list writes it
    line: int


@dataclasses.dataclass(frozen=True)
class Param:
    """A parameter with the value in force for the policy's year."""

    name: str
    kind: str
    value: Any  # typed: Decimal for money and decimals, date, bool, int, str
    description: str
    source: str  # the citation
    line: int
    layer: str  # the layer that set it ("national.pol:12"), "" for the policy's own
    year: int  # the year of a dated entry, 0 when not dated


# ------------------------------------------------------------------ values

_MONEY_KINDS = ("money", "decimal")


def _scaled(kind: str) -> int:
    return 2 if kind == "money" else 6


def _typed(kind: str, text: str, element: str = "", money_fen: bool = False) -> Any:
    """A value as the results CSV writes it, typed."""
    if kind in ("list", "enum_list"):
        if text == "":
            return []
        return [_typed(element, item, money_fen=money_fen) for item in text.split(";")]
    if kind == "bool":
        return text == "true"
    if kind == "int":
        return int(text)
    if kind in _MONEY_KINDS:
        value = _decimal.Decimal(text)
        return int(value.scaleb(_scaled(kind))) if money_fen else value
    if kind == "date":
        return _datetime.date.fromisoformat(text)
    return text


def _cell(value: Any, kind: str) -> str:
    """A Python value as a register's cell for a field of `kind` (the same
    conversion as the columns of ``run``: a float as its shortest decimal,
    exact in fen or refused by the parser; an int as whole yuan)."""
    return _precept.cell(value, kind, False)


# ------------------------------------------------------------------ explanations


@dataclasses.dataclass(frozen=True)
class Explanation:
    """Why a household got its results: ``str()`` is what ``precept explain``
    prints; ``entries`` the tree flattened depth first (one dict per name:
    kind, value, decided_by, line, compared, ...); ``json`` one line of JSON."""

    id: str
    rejected: bool
    reason: str
    column: str
    outputs: Dict[str, str]
    entries: List[dict]
    text: str = dataclasses.field(repr=False)
    json: str = dataclasses.field(repr=False)

    def __str__(self) -> str:
        return self.text


# ------------------------------------------------------------------ the policy


class Policy:
    """A compiled policy. Immutable; share it freely. Made by ``precept.open``,
    ``precept.compile`` or ``precept.load``."""

    def __init__(self, handle: Any, *, source: Optional[str] = None, file_name: str = "<policy>",
                 base_directory: Optional[str] = None, year: Optional[int] = None,
                 parents: Optional[Dict[str, str]] = None, diagnostics: Sequence[Diagnostic] = ()):
        self._handle = handle
        self._source = source
        self._file_name = file_name
        self._base_directory = base_directory
        self._year = year
        self._parents = dict(parents or {})
        self._evaluator = None
        #: The compiler's warnings and notes (a policy with errors is not made).
        self.warnings: List[Diagnostic] = [d for d in diagnostics if d.severity != "error"]
        self._fields = None
        self._outputs = None
        self._params = None

    # --- what it is

    @property
    def name(self) -> str:
        """The policy's name (its header's `policy "..."`)."""
        return self._handle.name

    @property
    def place(self) -> str:
        return self._handle.place

    @property
    def year(self) -> int:
        """The year it was compiled for (dated parameters take this year's entry)."""
        return self._handle.year

    @property
    def source_file(self) -> str:
        return self._handle.source_file

    @property
    def summary_groups(self) -> List[str]:
        """The groups the policy's `summary` declares (e.g. "village"), for ``by=``."""
        return list(self._handle.summary_groups)

    @property
    def fields(self) -> List[Field]:
        """The record's fields, in order, with their kinds, members, defaults and bounds."""
        if self._fields is None:
            fields = []
            for f in self._handle.fields():
                default = None
                if f["has_default"]:
                    default = _typed(f["kind"], f["default"]) if f["kind"] != "bool" else f["default"] == "1"
                fields.append(Field(f["name"], f["kind"], list(f["members"]), f["optional"], default, f["bound"],
                                    f["description"], f["line"]))
            self._fields = fields
        return list(self._fields)

    @property
    def outputs(self) -> List[Output]:
        """The outputs, in the policy's output order."""
        if self._outputs is None:
            self._outputs = [Output(o["name"], o["kind"], o["element"], list(o["members"]), o["expression"],
                                    o["line"]) for o in self._handle.outputs()]
        return list(self._outputs)

    @property
    def params(self) -> Dict[str, Param]:
        """The parameters by name, each with its value for the year, its
        description, citation and layer."""
        if self._params is None:
            self._params = {p["name"]: Param(p["name"], p["kind"], _typed(p["kind"], p["text"]), p["description"],
                                             p["source"], p["line"], p["layer"], p["year"])
                            for p in self._handle.params()}
        return dict(self._params)

    def __repr__(self) -> str:
        return f"<precept.Policy {self.name!r} ({self.year}) from {self.source_file!r}>"

    def serialize(self) -> bytes:
        """The compiled program (what ``precept compile`` writes; ``precept.load`` reads it)."""
        return self._handle.serialize()

    # --- one household

    def _record(self, household: Mapping[str, Any]) -> List[tuple]:
        kinds = {f.name: f.kind for f in self.fields}
        return [(str(name), _cell(value, kinds.get(name, "text"))) for name, value in household.items()]

    def evaluate(self, household: Mapping[str, Any]) -> Dict[str, Any]:
        """Evaluates one household given as {field: value} and returns
        {output: value}, typed (money as Decimal, dates as date, enums as str,
        lists as list). Fields left out are empty (their default, if any).

        Raises RowRejected (kind, column, declaration, line, message) when the
        policy rejects it: a missing or unreadable value, a failed bound or
        `require`, an unknown field name."""
        if self._evaluator is None:
            self._evaluator = _precept.Evaluator(self._handle)
        outcome = self._evaluator.evaluate(self._record(household))
        if not outcome["ok"]:
            raise RowRejected(outcome["kind"], outcome["column"] or None, outcome["message"],
                              outcome["declaration"] or None, outcome["file"] or None, outcome["line"] or None)
        return {o.name: _typed(o.kind, text, o.element) for o, text in zip(self.outputs, outcome["values"])}

    def explain(self, household: Mapping[str, Any], key: Optional[str] = None,
                line: Optional[int] = None) -> Explanation:
        """Why this household gets its results (or is rejected): str() of the
        result is the text ``precept explain`` prints. `key` names the field
        that identifies it (default: the household's first); `line`, the
        register line it was read from, is named as the command names it."""
        e = _precept.explain(self._handle, self._record(household), key or "", line or 0)
        return Explanation(e["id"], e["rejected"], e["reason"], e["column"],
                           dict(zip(e["output_names"], e["outputs"])), list(e["entries"]), e["text"], e["json"])

    # --- a register

    def run(self, data: Any, *, money: str = "decimal", int_money: Optional[str] = None,
            by: Union[str, Sequence[str], None] = None, allow_unknown_columns: bool = True) -> "Result":
        """Evaluates every household of `data`: a pandas DataFrame, a dict of
        columns (name -> sequence), or the path of a CSV register (or of an
        .xlsx workbook: its first sheet, read as `precept run` reads it).

        Columns go in as numpy buffers, converted without Python code per row
        for numbers, booleans and dates, and evaluated with the GIL released.
        Input money may be Decimal, str ("6157.78"), int (yuan, or fen with
        ``money="fen"``) or float where the float is exact in fen; anything
        else rejects the row, never rounded. NaN, None and NA are empty values:
        a required field's rejects the row.

        List outputs are tuples in the DataFrame (rows with the same items
        share one). ``money="decimal"`` (default) gives money and decimal
        outputs as Decimal; ``money="fen"`` as int64 fen and millionths.
        Integer input columns of money are read as ``int_money`` says: "yuan"
        (whole yuan, as a policy writes `6000 yuan`; decimals: whole units) or
        "fen" (fen; decimals: millionths); by default "fen" with
        ``money="fen"``, else "yuan".

        Returns a Result: ``results`` (accepted rows, indexed as the input),
        ``rejects`` (why each other row was rejected), ``summary(by=...)``.
        Rows in = results + rejects, always."""
        if money not in ("decimal", "fen"):
            raise ValueError('money must be "decimal" or "fen"')
        if int_money is None:
            int_money = "fen" if money == "fen" else "yuan"
        if int_money not in ("yuan", "fen"):
            raise ValueError('int_money must be "yuan" or "fen"')
        by_list = _by_list(by)
        if isinstance(data, (str, _os.PathLike)):
            # A CSV register in any encoding `precept run` reads, or an .xlsx
            # workbook's first sheet: read by the library's one register
            # reader, so rows, rejects and line numbers are `precept run`'s.
            return _run_path(self, _os.fspath(data), money == "fen", by_list)
        return _run_columns(self, data, int_money == "fen", money == "fen", by_list, allow_unknown_columns)

    # --- what-ifs

    def with_params(self, **values: Any) -> "Policy":
        """A what-if without editing the file: this policy with the named
        parameters given other values, compiled as a layer that `extends` it
        with one `override param` per value, e.g.
        ``policy.with_params(poverty_line=Decimal("3000"))``.
        ``precept.diff(policy, reform, data)`` attributes the impact to them."""
        if self._source is None:
            raise PolicyError("a what-if needs the policy's source; a compiled program (.pcb) has none")
        if not values:
            return self
        kinds = {name: p.kind for name, p in self.params.items()}
        overrides = [(name, _cell(value, kinds.get(name, "text")) if kinds.get(name) != "text" else str(value))
                     for name, value in values.items()]
        parent = _os.path.basename(self._file_name) or "<policy>"
        try:
            layer = _precept.what_if_source(self._handle, parent, overrides)
        except ValueError as error:
            raise PolicyError(str(error)) from None
        parents = dict(self._parents)
        parents[_os.path.join(self._base_directory, parent) if self._base_directory else parent] = self._source
        what_if_name = _os.path.join(self._base_directory or "", f"what-if of {parent}")
        return _compile_source(layer, what_if_name, self._year, self._base_directory, parents)

    def _resolved(self) -> str:
        """The policy as one plain policy (layers merged), for diff."""
        if self._source is None:
            raise PolicyError("comparing needs the policy's source; a compiled program (.pcb) has none")
        text, diagnostics = _precept.resolve_source(self._source, self._file_name, self._year, self._base_directory,
                                                    self._parents or None)
        if text is None:
            raise PolicyError(f"cannot resolve {self._file_name}", _diagnostics(diagnostics))
        return text


def _by_list(by: Union[str, Sequence[str], None]) -> List[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


# ------------------------------------------------------------------ making policies


def _compile_source(source: str, file_name: str, year: Optional[int], base_directory: Optional[str],
                    parents: Optional[Dict[str, str]] = None) -> Policy:
    handle, diagnostics, _files = _precept.compile(source, file_name, year, base_directory, parents or None)
    diagnostics = _diagnostics(diagnostics)
    if handle is None:
        raise PolicyError(f"{file_name} has errors", diagnostics)
    return Policy(handle, source=source, file_name=file_name, base_directory=base_directory, year=year,
                  parents=parents, diagnostics=diagnostics)


def open(path: Union[str, _os.PathLike], year: Optional[int] = None) -> Policy:  # noqa: A001 (as the issue names it)
    """Opens a policy file: source (layers it `extends` are read from its
    folder) or a compiled program (.pcb). `year` picks dated parameters'
    values (default: the policy's own year). Raises PolicyError."""
    path = _os.fspath(path)
    text, problem, compiled = _precept.read_policy_source(path)
    if compiled:
        with _builtins.open(path, "rb") as f:
            return load_bytes(f.read(), path)
    if text is None:
        raise PolicyError(f"cannot read `{path}`: {problem}")
    return _compile_source(text, path, year, _os.path.dirname(path) or None)


def compile(source: str, name: str = "<policy>", year: Optional[int] = None,  # noqa: A001
            base_directory: Optional[str] = None) -> Policy:
    """Compiles policy source text; `name` names it in diagnostics, and
    `base_directory` is where a policy that `extends` another finds it.
    Raises PolicyError with the diagnostics."""
    return _compile_source(source, name, year, base_directory)


def load(path: Union[str, _os.PathLike]) -> Policy:
    """Loads a compiled program (.pcb), verifying it. Raises PolicyError."""
    path = _os.fspath(path)
    try:
        with _builtins.open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise PolicyError(f"cannot read `{path}`: {error.strerror or error}") from None
    return load_bytes(data, path)


def load_bytes(data: bytes, name: str = "<program>") -> Policy:
    """Loads a compiled program from its bytes (Policy.serialize())."""
    handle, diagnostics, _files = _precept.load_policy(data, name)
    if handle is None:
        raise PolicyError(f"cannot load {name}", _diagnostics(diagnostics))
    return Policy(handle, file_name=name)




# ------------------------------------------------------------------ running


class Result:
    """What ``Policy.run`` gives: ``results`` (a DataFrame of the outputs of
    accepted rows, indexed as the input; for a CSV path, numbered from 0),
    ``rejects`` (a DataFrame: the row's index or the register's line, kind,
    column, message), counts, and ``summary(by=...)``."""

    def __init__(self, policy: Policy, results: Any, rejects: Any, money_fen: bool, summary_source: Any,
                 summaries: Optional[Dict[tuple, dict]] = None):
        self.policy = policy
        self.results = results
        self.rejects = rejects
        self.money_fen = money_fen
        self._summary_source = summary_source  # recomputes a summary for another grouping
        self._summaries = dict(summaries or {})

    @property
    def rows(self) -> int:
        """Rows read: always len(results) + len(rejects)."""
        return len(self.results) + len(self.rejects)

    def __repr__(self) -> str:
        return f"<precept.Result {len(self.results)} results, {len(self.rejects)} rejected>"

    def _summary_data(self, by: List[str]) -> dict:
        key = tuple(by)
        if key not in self._summaries:
            self._summaries[key] = self._summary_source(by)
        return self._summaries[key]

    def summary(self, by: Union[str, Sequence[str], None] = None, money: Optional[str] = None) -> Any:
        """The town-report table as a DataFrame: one row per group (sorted by
        key), then the total, whose key columns are `*` (as ``precept run
        --summary-csv`` writes it): households,
        population, poor households and people, incidence (Decimal, 6 places),
        assistance (Decimal yuan, or int fen with money="fen") and the poor by
        cause. `by` is a group the policy's `summary` declares ("village") or
        field names (default: the total alone)."""
        import pandas

        data = self._summary_data(_by_list(by))
        fen = self.money_fen if money is None else money == "fen"
        keys = list(data["key_names"])
        rows = []
        for row in list(data["groups"]) + [data["total"]]:
            # The total's key is `*` in every key column, as the summary CSV writes it.
            values = dict(zip(keys, list(row["key"]) if row["key"] else ["*"] * len(keys)))
            values["households"] = row["households"]
            if data["has_population"]:
                values["population"] = row["population"]
            if data["has_poor"]:
                values["poor_households"] = row["poor_households"]
                if data["has_population"]:
                    values["poor_population"] = row["poor_population"]
                    values["incidence"] = _decimal.Decimal(row["incidence_millionths"]).scaleb(-6)
            if data["has_assistance"]:
                values["assistance"] = row["assistance_fen"] if fen else _decimal.Decimal(
                    row["assistance_fen"]).scaleb(-2)
            if data["has_cause"]:
                for name, count in zip(data["cause_names"], row["poor_by_cause"]):
                    values[name] = count
            rows.append(values)
        return pandas.DataFrame(rows)

    def summary_table(self, by: Union[str, Sequence[str], None] = None) -> str:
        """The summary as ``precept run`` prints it."""
        return self._summary_data(_by_list(by))["table"]

    def to_csv(self, path: Union[str, _os.PathLike, None] = None) -> Optional[str]:
        """The results as ``precept run`` writes results.csv, byte for byte
        (true/false, money with two places, lists joined by `;`, text that a
        spreadsheet would run as a formula guarded by `'`). Returns the text
        when no path is given."""
        text = _results_csv(self.policy, self.results, self.money_fen)
        if path is None:
            return text
        with _builtins.open(_os.fspath(path), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return None


def _reads_as_formula(cell: str) -> bool:
    """As the results writer decides (runtime/format.cpp, reads_as_formula)."""
    if not cell:
        return False
    lead = cell[0]
    if lead in "=@\t\r":
        return True
    if lead not in "+-":
        return False
    whole, point, fraction = cell[1:].partition(".")
    digits = lambda part: part != "" and all("0" <= c <= "9" for c in part)  # noqa: E731
    return not (digits(whole) and (not point or digits(fraction)))


def _csv_field(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _value_text(kind: str, value: Any, money_fen: bool, element: str = "") -> str:
    if value is None:
        return ""
    if kind in ("list", "enum_list"):
        return ";".join(_value_text(element, item, money_fen) for item in value)
    if kind == "bool":
        return "true" if value else "false"
    if kind in _MONEY_KINDS:
        places = _scaled(kind)
        if money_fen and not isinstance(value, _decimal.Decimal):
            return _builtins.format(_decimal.Decimal(int(value)).scaleb(-places), f".{places}f")
        return _builtins.format(_decimal.Decimal(value), f".{places}f")
    if kind == "date":
        return value.isoformat()
    if kind == "text":
        text = str(value)
        return "'" + text if _reads_as_formula(text) else text
    return str(value)


def _results_csv(policy: Policy, results: Any, money_fen: bool) -> str:
    outputs = policy.outputs
    lines = [",".join(_csv_field(o.name) for o in outputs)]
    columns = [results[o.name].tolist() for o in outputs]
    for row in zip(*columns) if columns else []:
        lines.append(",".join(_csv_field(_value_text(o.kind, v, money_fen, o.element))
                              for o, v in zip(outputs, row)))
    return "\n".join(lines) + "\n"


def _columns_of(policy: Policy, data: Any) -> tuple:
    """The input as [(name, tag, numpy array)] and its index."""
    import numpy
    import pandas

    if isinstance(data, pandas.DataFrame):
        frame = data
    elif isinstance(data, Mapping):
        frame = pandas.DataFrame({str(k): (v if isinstance(v, (pandas.Series, numpy.ndarray)) else list(v))
                                  for k, v in data.items()})
    else:
        raise TypeError("data must be a pandas DataFrame, a dict of columns, or the path of a CSV register")
    if len(set(map(str, frame.columns))) != len(frame.columns):
        raise ValueError("the data has two columns of one name")
    columns = []
    for name in frame.columns:
        series = frame[name]
        dtype = series.dtype
        if pandas.api.types.is_extension_array_dtype(dtype):
            # Categoricals, nullable integers, strings: as objects, missing
            # values as None (NA, NaN and NaT are read as empty cells alike).
            columns.append((str(name), "object", series.to_numpy(dtype=object, na_value=None)))
            continue
        kind = dtype.kind
        if kind in "iu":
            columns.append((str(name), "int", series.to_numpy(dtype=numpy.int64, copy=False)))
        elif kind == "f":
            columns.append((str(name), "float", series.to_numpy(dtype=numpy.float64, copy=False)))
        elif kind == "b":
            columns.append((str(name), "bool", series.to_numpy(dtype=bool, copy=False)))
        elif kind == "M":
            days = series.to_numpy().astype("datetime64[D]").view(numpy.int64)
            columns.append((str(name), "days", days))
        else:
            columns.append((str(name), "object", series.to_numpy(dtype=object, copy=False)))
    return columns, frame.index, len(frame)


def _output_frame(policy: Policy, outputs: list, index: Any, accepted: Any, rows: int) -> Any:
    """The outputs (one array per output, a row per input row) of the
    accepted rows, indexed as the input."""
    import pandas

    keep = None if len(accepted) == rows else accepted  # a copy only when some row was rejected
    data = {}
    for o, values in zip(policy.outputs, outputs):
        if o.kind == "enum":
            codes, members = values
            data[o.name] = pandas.Categorical.from_codes(codes if keep is None else codes[keep], categories=members)
        else:
            data[o.name] = values if keep is None else values[keep]
    return pandas.DataFrame(data, index=index if keep is None else index[keep], columns=[o.name for o in policy.outputs],
                            copy=False)


def _run_columns(policy: Policy, data: Any, ints_fen: bool, money_fen: bool, by: List[str],
                 allow_unknown: bool) -> Result:
    import pandas

    columns, index, rows = _columns_of(policy, data)
    out = _precept.run_columns(policy._handle, columns, rows, ints_fen, money_fen, allow_unknown)
    results = _output_frame(policy, out["outputs"], index, out["accepted"], rows)
    rejects = pandas.DataFrame({"row": index[out["rejected"]], "kind": out["kinds"], "column": out["columns"],
                                "message": out["messages"]})

    def summary_source(group_by: List[str]) -> dict:
        csv = _precept.columns_csv(policy._handle, columns, rows, ints_fen)
        report = _precept.run_csv_text(policy._handle, csv, group_by)
        if report["fatal_error"]:
            raise ValueError(report["fatal_error"])
        return report["summary"]

    result = Result(policy, results, rejects, money_fen, summary_source)
    if by:
        result._summary_data(by)
    return result


def _parse_csv(text: bytes) -> List[List[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))


def _run_path(policy: Policy, path: str, money_fen: bool, by: List[str]) -> Result:
    import numpy
    import pandas

    if not _os.path.exists(path):
        raise FileNotFoundError(f"cannot open the data file `{path}`")
    results_csv, rejects_csv, report = _precept.run_csv(policy._handle, path, by, True)
    if report["fatal_error"]:
        raise ValueError(f"{path}: {report['fatal_error']}")
    table = _parse_csv(results_csv)
    outputs = policy.outputs
    body = table[1:] if table else []
    data = {}
    for k, o in enumerate(outputs):
        cells = [row[k] for row in body]
        if o.kind == "enum":
            data[o.name] = pandas.Categorical(cells, categories=o.members)
        elif o.kind in ("int",) or (money_fen and o.kind in _MONEY_KINDS):
            data[o.name] = numpy.array([_typed(o.kind, c, money_fen=money_fen) for c in cells], dtype=numpy.int64)
        elif o.kind == "bool":
            data[o.name] = numpy.array([c == "true" for c in cells], dtype=bool)
        elif o.kind in ("list", "enum_list"):
            # Tuples, as from a DataFrame: rows with the same items share one.
            shared: Dict[str, tuple] = {}
            data[o.name] = [shared.setdefault(c, tuple(_typed(o.kind, c, o.element, money_fen))) for c in cells]
        else:
            data[o.name] = [None if (c == "" and o.kind not in ("text", "list", "enum_list"))
                            else _typed(o.kind, c[1:] if o.kind == "text" and c.startswith("'") and
                                        _reads_as_formula(c[1:]) else c, o.element, money_fen) for c in cells]
    results = pandas.DataFrame(data, columns=[o.name for o in outputs])
    reject_rows = _parse_csv(rejects_csv)[1:]
    rejects = pandas.DataFrame({"line": [int(r[0]) for r in reject_rows],
                                "column": [r[1] or None for r in reject_rows],
                                "message": [r[2] for r in reject_rows]})

    def summary_source(group_by: List[str]) -> dict:
        again = _precept.run_csv(policy._handle, path, group_by, False)[2]
        if again["fatal_error"]:
            raise ValueError(f"{path}: {again['fatal_error']}")
        return again["summary"]

    return Result(policy, results, rejects, money_fen, summary_source, {tuple(by): report["summary"]})


# ------------------------------------------------------------------ test, diff, format


@dataclasses.dataclass(frozen=True)
class TestReport:
    """A policy's examples run (``precept test``): ``examples`` (label, line,
    passed, problems, explanation) and ``coverage`` (what, line, covered)."""

    __test__ = False  # not a pytest test class

    examples: List[dict]
    coverage: List[dict]

    @property
    def passed(self) -> bool:
        return all(e["passed"] for e in self.examples)

    @property
    def failures(self) -> List[dict]:
        return [e for e in self.examples if not e["passed"]]


def test(path: Union[str, _os.PathLike, Policy], year: Optional[int] = None) -> TestReport:
    """Runs a policy's examples with coverage, as ``precept test`` does."""
    policy = path if isinstance(path, Policy) else open(path, year)
    report = _precept.test(policy._handle)
    return TestReport(list(report["examples"]), list(report["coverage"]))


test.__test__ = False  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class DiffReport:
    """What changed between two versions of a policy (``precept diff``):
    ``edits`` and, with data, ``impact`` (overall counts), ``groups`` (counts
    per group), ``changed`` (households whose results differ, with why) and
    ``effects`` (each edit's households) as DataFrames. ``str()`` is the text
    report; ``markdown`` and ``json`` the others."""

    changed: bool
    edits: Any
    impact: Optional[dict]
    groups: Any
    households: Any
    effects: Any
    text: str = dataclasses.field(repr=False)
    markdown: str = dataclasses.field(repr=False)
    json: str = dataclasses.field(repr=False)

    def __str__(self) -> str:
        return self.text


def _policy_for_diff(policy: Union[str, _os.PathLike, Policy]) -> tuple:
    if isinstance(policy, Policy):
        return policy._file_name, policy._resolved()
    return _os.fspath(policy), None


def diff(old: Union[str, _os.PathLike, Policy], new: Union[str, _os.PathLike, Policy],
         data: Union[str, _os.PathLike, None] = None, *, year: Optional[int] = None,
         by: Union[str, Sequence[str], None] = None, key: str = "", witnesses: bool = False) -> DiffReport:
    """Compares two versions of a policy (paths or Policy objects, a
    ``with_params`` what-if too). With `data` (a CSV register), measures the
    impact household by household and attributes it to the edits.
    `witnesses=True` also searches households that tell the versions apart
    without data (slower). Raises PolicyError or ValueError."""
    import pandas

    old_path, old_text = _policy_for_diff(old)
    new_path, new_text = _policy_for_diff(new)
    if new_path == old_path:
        new_path = new_path + " (what-if)"
    r = _precept.diff(old_path, old_text, new_path, new_text, _os.fspath(data) if data else "", year,
                      _by_list(by), key, witnesses)
    if r["status"] in ("policy_unreadable", "policy_errors"):
        raise PolicyError(r["message"] or "a policy has errors", _diagnostics(r["diagnostics"]))
    if r["status"] != "ok":
        raise ValueError(r["message"] or r["status"])
    edits = pandas.DataFrame(r["edits"], columns=["kind", "what", "decl", "item", "detail", "old_value",
                                                 "new_value", "old_line", "new_line", "affects_results",
                                                 "old_text", "new_text"])
    impact = groups = households = effects = None
    if r["impact"] is not None:
        i = r["impact"]
        impact = dict(i["total"])
        impact["changed_total"] = i["changed_total"]
        groups = pandas.DataFrame([dict(zip(i["group_names"], g["key"]), **{k: v for k, v in g.items() if k != "key"})
                                   for g in i["groups"]])
        households = pandas.DataFrame([{"line": h["line"], "key": h["key"],
                                        "changes": [f"{o}: {a} -> {b}" for o, a, b in h["changes"]],
                                        "because": list(h["because"]),
                                        "old_rejected": h["old_rejected"], "new_rejected": h["new_rejected"]}
                                       for h in i["changed"]],
                                      columns=["line", "key", "changes", "because", "old_rejected", "new_rejected"])
        effects = pandas.DataFrame(i["effects"], columns=["label", "edits", "applies_alone", "households"])
    return DiffReport(r["changed"], edits, impact, groups, households, effects, r["text"], r["markdown"], r["json"])


def format(source: str, width: int = 100, name: str = "<policy>") -> str:  # noqa: A001
    """The policy's source in its canonical layout (``precept fmt``).
    Raises PolicyError when it does not parse."""
    text, diagnostics = _precept.format(source, name, width)
    if text is None:
        raise PolicyError(f"{name} does not parse", _diagnostics(diagnostics))
    return text
