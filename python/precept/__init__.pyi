"""Type stubs of the `precept` package (see precept/__init__.py for the docs)."""
import datetime
import decimal
import os
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Union

import pandas

PathLike = Union[str, os.PathLike[str]]
Value = Union[None, bool, int, float, str, decimal.Decimal, datetime.date, Sequence[str]]
Money = Literal["decimal", "fen"]

class ColumnarError(ValueError): ...

class Diagnostic:
    severity: str
    file: str
    line: int
    column: int
    message: str
    hint: str
    source_line: str
    rendered: str

class PolicyError(Exception):
    diagnostics: List[Diagnostic]
    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ...) -> None: ...

class RowRejected(Exception):
    kind: str
    column: Optional[str]
    message: str
    declaration: Optional[str]
    file: Optional[str]
    line: Optional[int]

class Field:
    name: str
    kind: str
    members: List[str]
    optional: bool
    default: Optional[Any]
    bound: str
    description: str
    line: int
    @property
    def required(self) -> bool: ...

class Output:
    name: str
    kind: str
    element: str
    members: List[str]
    expression: str
    line: int

class Param:
    name: str
    kind: str
    value: Any
    description: str
    source: str
    line: int
    layer: str
    year: int

class Explanation:
    id: str
    rejected: bool
    reason: str
    column: str
    outputs: Dict[str, str]
    entries: List[Dict[str, Any]]
    text: str
    json: str

class Result:
    policy: Policy
    results: pandas.DataFrame
    rejects: pandas.DataFrame
    money_fen: bool
    @property
    def rows(self) -> int: ...
    def summary(self, by: Union[str, Sequence[str], None] = ..., money: Optional[Money] = ...) -> pandas.DataFrame: ...
    def summary_table(self, by: Union[str, Sequence[str], None] = ...) -> str: ...
    def to_csv(self, path: Optional[PathLike] = ...) -> Optional[str]: ...

class Policy:
    warnings: List[Diagnostic]
    @property
    def name(self) -> str: ...
    @property
    def place(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def source_file(self) -> str: ...
    @property
    def summary_groups(self) -> List[str]: ...
    @property
    def fields(self) -> List[Field]: ...
    @property
    def outputs(self) -> List[Output]: ...
    @property
    def params(self) -> Dict[str, Param]: ...
    def serialize(self) -> bytes: ...
    def evaluate(self, household: Mapping[str, Value]) -> Dict[str, Any]: ...
    def explain(self, household: Mapping[str, Value], key: Optional[str] = ..., line: Optional[int] = ...) -> Explanation: ...
    def run(
        self,
        data: Union[pandas.DataFrame, Mapping[str, Sequence[Value]], PathLike],
        *,
        money: Money = ...,
        int_money: Optional[Literal["yuan", "fen"]] = ...,
        by: Union[str, Sequence[str], None] = ...,
        allow_unknown_columns: bool = ...,
    ) -> Result: ...
    def with_params(self, **values: Value) -> Policy: ...

class TestReport:
    examples: List[Dict[str, Any]]
    coverage: List[Dict[str, Any]]
    @property
    def passed(self) -> bool: ...
    @property
    def failures(self) -> List[Dict[str, Any]]: ...

class DiffReport:
    changed: bool
    edits: pandas.DataFrame
    impact: Optional[Dict[str, int]]
    groups: Optional[pandas.DataFrame]
    households: Optional[pandas.DataFrame]
    effects: Optional[pandas.DataFrame]
    text: str
    markdown: str
    json: str

def open(path: PathLike, year: Optional[int] = ...) -> Policy: ...
def compile(source: str, name: str = ..., year: Optional[int] = ..., base_directory: Optional[str] = ...) -> Policy: ...
def load(path: PathLike) -> Policy: ...
def load_bytes(data: bytes, name: str = ...) -> Policy: ...
def test(path: Union[PathLike, Policy], year: Optional[int] = ...) -> TestReport: ...
def diff(
    old: Union[PathLike, Policy],
    new: Union[PathLike, Policy],
    data: Optional[PathLike] = ...,
    *,
    year: Optional[int] = ...,
    by: Union[str, Sequence[str], None] = ...,
    key: str = ...,
    witnesses: bool = ...,
) -> DiffReport: ...
def format(source: str, width: int = ..., name: str = ...) -> str: ...
