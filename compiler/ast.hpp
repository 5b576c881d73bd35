// The policy's abstract syntax tree: what the parse tree means, with source
// locations, before and after type checking. The checker fills in the `checked`
// part of each expression; lowering reads only checked trees.
#pragma once

#include "program.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace precept::ast {

struct Location {
  std::uint32_t line = 0;
  std::uint32_t column = 0;  // 1-based, in characters
  std::uint32_t length = 1;  // in characters
};

enum class ExprTag {
  Number,     // text = digits, unit = "yuan" or "" ; percent sets is_percent
  String,     // text = the string's value
  Date,       // text = YYYY-MM-DD
  Bool,       // bool_value
  Name,       // text = the name
  Member,     // text = table name, member = column name
  Call,       // text = function name, args
  Negate,     // args[0]
  Not,        // args[0]
  Binary,     // op, args[0], args[1]: + - * /
  Compare,    // op, args[0], args[1]
  And,        // args[0], args[1]
  Or,         // args[0], args[1]
  IsMissing,  // args[0]; negated for `is present` / `is not missing`
  IsMember,   // args[0] is [not] member (text = the member's name)
  Default,    // args[0] if missing args[1]
};

enum class CompareOp { Lt, Le, Gt, Ge, Eq, Ne };

// What a name in an expression turned out to be.
enum class SymbolKind { None, Field, Param, Let, Rule, Decide, Table, TableColumn, EnumMember, Output };

struct Expr {
  ExprTag tag = ExprTag::Number;
  Location location;
  std::string text;
  std::string member;
  std::string unit;
  bool is_percent = false;
  bool bool_value = false;
  char op = 0;  // '+', '-', '*', '/' for Binary
  CompareOp compare = CompareOp::Eq;
  bool negated = false;
  std::vector<std::unique_ptr<Expr>> args;

  // Filled in by the checker.
  struct Checked {
    bool ok = false;
    ValueType type;
    bool maybe_missing = false;     // an optional field not yet defaulted
    SymbolKind symbol = SymbolKind::None;
    std::uint32_t index = 0;        // field/param/let/... index; enum member value
    std::uint32_t column = 0;       // table column for TableColumn
    // Constant value when known at compile time (scalars only): scaled integer.
    std::optional<std::int64_t> constant;
    bool adaptable_literal = false; // a unit-less number that may become money
    bool fallible = false;          // evaluating it can fail a row
  } checked;
};
using ExprPtr = std::unique_ptr<Expr>;

struct TypeRef {
  Location location;
  std::string name;
  bool is_list = false;
};

struct EnumDecl {
  Location location;
  std::string name;
  std::vector<std::pair<std::string, Location>> members;
};

struct FieldDecl {
  Location location;
  std::string name;
  TypeRef type;
  bool optional = false;
  std::optional<CompareOp> check;  // `where >= 1`
  ExprPtr check_value;
  ExprPtr default_value;
  std::string description;
};

struct RecordDecl {
  Location location;
  std::string name;
  std::vector<FieldDecl> fields;
};

struct Metadata {
  std::string description;
  std::string source;
};

struct ParamDecl {
  Location location;
  std::string name;
  TypeRef type;
  ExprPtr value;
  Metadata metadata;
};

struct LetDecl {
  Location location;
  std::string name;
  std::optional<TypeRef> type;
  ExprPtr value;
  Metadata metadata;
};

struct RuleDecl {
  Location location;
  std::string name;
  std::string label;
  ExprPtr condition;
  Metadata metadata;
};

struct DecideDecl {
  Location location;
  std::string name;
  std::optional<TypeRef> type;
  std::string label;
  struct Branch {
    ExprPtr condition;
    ExprPtr outcome;
  };
  std::vector<Branch> branches;
  ExprPtr otherwise;
};

enum class ColumnKind { Condition, Input, Output };

struct TableColumn {
  Location location;
  ColumnKind kind = ColumnKind::Condition;
  std::string name;              // output columns
  std::optional<TypeRef> type;   // output columns, optional
  ExprPtr input;                 // input columns: the value the cells test
};

enum class CellKind { Any, Compare, Values };

struct TableCell {
  Location location;
  CellKind kind = CellKind::Any;
  CompareOp compare = CompareOp::Eq;
  std::vector<ExprPtr> values;   // Compare: one; Values: one or more
  // Filled in by the checker: the cell's test as a boolean expression, or null
  // for `-`; for output columns, values[0] is the output.
  ExprPtr test;
};

struct TableRow {
  Location location;
  std::vector<TableCell> cells;
};

struct TableDecl {
  Location location;
  std::string name;
  std::string label;
  std::string hit_policy;   // as written ("rule order" in two words), or "unique" when left out
  std::string aggregator;   // `collect sum`: "sum"
  bool hit_written = false;
  Location hit_location;
  ExprPtr guard;
  std::vector<TableColumn> columns;
  std::vector<TableRow> rows;
};

struct RequireDecl {
  Location location;
  ExprPtr condition;
  std::string message;
};

struct OutputItem {
  Location location;
  std::string name;
  ExprPtr value;
};

struct OutputDecl {
  Location location;
  std::vector<OutputItem> items;
};

struct SummaryMeasure {
  Location location;
  std::string key;
  ExprPtr value;
};

struct SummaryGroup {
  Location location;
  std::string name;
  std::vector<std::pair<std::string, Location>> fields;
};

struct SummaryDecl {
  Location location;
  std::vector<SummaryMeasure> measures;
  std::vector<SummaryGroup> groups;
};

enum class DeclKind { Enum, Record, Param, Let, Rule, Decide, Table, Require, Output, Summary };

// Declarations in source order; `index` points into the vector of that kind.
struct DeclRef {
  DeclKind kind;
  std::size_t index;
};

struct PolicyFile {
  std::string name;
  std::string place;
  std::int32_t year = 0;
  Location location;
  std::vector<EnumDecl> enums;
  std::vector<RecordDecl> records;
  std::vector<ParamDecl> params;
  std::vector<LetDecl> lets;
  std::vector<RuleDecl> rules;
  std::vector<DecideDecl> decides;
  std::vector<TableDecl> tables;
  std::vector<RequireDecl> requires_;
  std::vector<OutputDecl> outputs;
  std::vector<SummaryDecl> summaries;
  std::vector<DeclRef> order;
};

}  // namespace precept::ast
