// Name resolution and type checking: turns the parsed AST into a checked one
// (every expression typed, every name bound) plus the tables lowering needs.
// Reports every problem it finds into the sink and keeps going.
#pragma once

#include "ast.hpp"
#include "diagnostics.hpp"
#include "program.hpp"

#include <map>
#include <string>
#include <vector>

namespace precept {

// A table's hit policy, as DMN names them: how the matching rows make its value.
enum class HitPolicy { Unique, First, Priority, Any, Collect, RuleOrder };
// `collect sum|min|max|count`: the matching rows' column reduced to one number.
enum class TableAggregate { None, Sum, Min, Max, Count };

struct CheckedTable {
  HitPolicy hit = HitPolicy::First;
  TableAggregate aggregate = TableAggregate::None;
  // Every matching row counts, each output column is a list: `collect`, `rule
  // order`, and the aggregates (whose lists are reduced to `value_type`).
  bool collect = false;
  ValueType value_type;                 // an aggregate table's value
  std::size_t rank_column = 0;          // `priority`: the output column whose enum order ranks rows
  // `unique` or `any` that the table analysis proved can never see two
  // disagreeing rows: it runs exactly as `first`, indexed when it qualifies.
  bool runs_as_first = false;
  std::vector<ValueType> column_types;  // per column: input value type, or output type
};

std::string hit_policy_name(const CheckedTable& table);

struct CheckedOutput {
  std::string name;
  ValueType type;
  const ast::Expr* value = nullptr;
};

struct CheckedPolicy {
  std::vector<EnumDef> enums;
  std::vector<FieldDef> fields;
  RegisterSpellings spellings;  // the policy's `register` declarations, checked
  std::vector<ParamDef> params;
  std::vector<ValueType> let_types;
  std::vector<ValueType> decide_types;
  std::vector<CheckedTable> tables;
  std::vector<std::string> require_fields;  // the one field a require tests, or ""
  std::vector<CheckedOutput> outputs;
  // Summary measures by key (population, poor, cause, assistance), and groups.
  std::map<std::string, const ast::Expr*> summary_measures;
  std::vector<SummarySpec::Group> summary_groups;
  std::vector<ExampleDef> examples;  // compiler/examples.cpp
};

// Checks `file`, filling the `checked` parts of its expressions. Returns false
// if any error was reported.
bool check_policy(ast::PolicyFile& file, DiagnosticSink& sink, CheckedPolicy& out);

// A value's type as messages name it ("money", "list of cause"; "金额（money）" in Chinese).
std::string type_name(const ValueType& type, const std::vector<EnumDef>& enums, Language language = Language::English);
// A kind of value as messages name it ("money").
std::string kind_words(Kind kind, Language language);

}  // namespace precept
