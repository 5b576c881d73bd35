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
  // Which file of a layered policy (compiler/layers.hpp): 0 is the file being
  // compiled, its parents are numbered by the DiagnosticSink that reads them.
  std::uint16_t file = 0;
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

// The operator as canonical source text (`=` and `!=`, whichever spelling was written).
inline const char* compare_text(CompareOp op) {
  switch (op) {
    case CompareOp::Lt: return "<";
    case CompareOp::Le: return "<=";
    case CompareOp::Gt: return ">";
    case CompareOp::Ge: return ">=";
    case CompareOp::Eq: return "=";
    case CompareOp::Ne: return "!=";
  }
  return "=";
}

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
  bool extends_existing = false;  // `extend enum NAME { ... }` adds members
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
  bool key = false;       // `key`: one row per value in a register
  Location key_location;  // where `key` is written
  bool personal = false;  // `personal`: masked where results are posted
  std::string description;
};

struct RecordDecl {
  Location location;
  bool extends_existing = false;  // `extend record NAME { ... }` adds fields
  std::string name;
  std::vector<FieldDecl> fields;
};

struct Metadata {
  std::string description;
  std::string source;
};

// One entry of a dated parameter: `2015 -> 2855 yuan source "..."`.
struct DatedValue {
  Location location;
  std::int32_t year = 0;
  ExprPtr value;
  Metadata metadata;
};

struct ParamDecl {
  Location location;
  std::string name;
  TypeRef type;
  ExprPtr value;       // null when the value is given per year
  Metadata metadata;
  std::vector<DatedValue> dated;  // `year -> value` entries, in source order
  bool is_override = false;       // `override param NAME ...` (no type written)
  // Set by compiler/layers.cpp when it picks the value in force: the layer
  // (file:line) the value was written in, and its year entry (0: undated).
  std::string layer;
  std::int32_t year_in_force = 0;
};

struct LetDecl {
  Location location;
  bool replaces = false;  // `replace let ...` in a layered policy
  std::string name;
  std::optional<TypeRef> type;
  ExprPtr value;
  Metadata metadata;
};

struct RuleDecl {
  Location location;
  bool replaces = false;  // `replace rule ...`
  std::string name;
  std::string label;
  ExprPtr condition;
  Metadata metadata;
};

struct DecideDecl {
  Location location;
  bool replaces = false;  // `replace decide ...`
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
  bool extends_existing = false;  // `extend table NAME` + header + rows appended
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

// example "..." given NAME = VALUE, ... expect NAME = VALUE, ... | expect rejected "reason"
// A household written down with what the policy must make of it; `precept test`
// runs it. VALUE is a literal expression, or a list `[a, b]` (is_list).
struct ExampleBinding {
  Location location;
  std::string name;
  bool is_list = false;
  std::vector<ExprPtr> values;  // one unless is_list
};

struct ExampleDecl {
  Location location;
  std::string label;
  std::vector<ExampleBinding> given;
  std::vector<ExampleBinding> expect;
  bool expect_rejected = false;
  std::string rejected_reason;  // matched as a substring; "" matches any reason
};

enum class DeclKind { Enum, Record, Param, Let, Rule, Decide, Table, Require, Output, Summary, Example };
// exception LABEL to TARGET "description"? when COND -> VALUE metadata*
// Resolved by compiler/layers.cpp into its target's definition; the checker never
// sees one.
struct ExceptionDecl {
  Location location;
  std::string label;
  std::string target;
  Location target_location;
  std::string description;
  ExprPtr condition;
  ExprPtr value;
  Metadata metadata;
};


// Declarations in source order; `index` points into the vector of that kind.
struct DeclRef {
  DeclKind kind;
  std::size_t index;
};

// register { booleans "是" / "否"  digits fullwidth  thousands ","  column f "f（元）" }
// Kept out of `order`: a layer's adds to its parent's, whatever the order.
struct RegisterDecl {
  Location location;
  struct Booleans {
    Location location;
    std::string when_true, when_false;
  };
  std::vector<Booleans> booleans;
  std::vector<Location> fullwidth_digits;  // each `digits fullwidth` (or another word: an error)
  std::vector<std::string> digits_words;
  struct Thousands {
    Location location;
    std::string separator;
  };
  std::vector<Thousands> thousands;
  struct Alias {
    Location location;
    std::string field;
    std::string header;
  };
  std::vector<Alias> aliases;
};

struct PolicyFile {
  std::string name;
  std::string place;
  std::int32_t year = 0;
  // `language zh`: the language of the policy's messages and reports ("" when
  // it declares none); a policy that extends it inherits it.
  std::string language;
  Location location;
  std::string extends;         // the parent policy's path, relative to this file's folder
  Location extends_location;
  std::vector<ExceptionDecl> exceptions;  // kept out of `order`: they change their target
  std::vector<RegisterDecl> registers;    // likewise: a layer's add to its parent's
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
  std::vector<ExampleDecl> examples;
  std::vector<DeclRef> order;
};

}  // namespace precept::ast
