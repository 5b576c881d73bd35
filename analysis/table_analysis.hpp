// Compile-time analysis of a decision table's rows: gaps (households no row
// matches), overlaps that break `unique` or `any`, rows masked by earlier rows
// under `first`, rows that never decide under `priority` or add nothing under
// `any`, and rows whose cells contradict each other.
//
// Each row's condition is read as a box: one set of values per record field the
// table tests (intervals for int, money, decimal and date; member sets for enums
// and bools; finite or co-finite sets for text), from literal cells (`d`, `c, d`,
// `< 3000 yuan`, `-`) and from `when` cells that are simple tests of a field
// (`members > 2`, `house is d`, `owns_car`, `not owns_car`, joined by `and`).
// A cell the analysis cannot read (any other expression, or a column testing a
// derived value) makes its row inexact: the row's box is then larger than what
// it really matches. Findings use inexact rows only where a larger box can only
// hide a finding, never invent one, so every finding is certain and comes with
// an example household.
#pragma once

#include "ast.hpp"
#include "checker.hpp"
#include "diagnostics.hpp"

#include <set>
#include <vector>

namespace precept {

struct TableAnalysisInput {
  const ast::TableDecl& decl;
  const CheckedTable& table;
  const std::vector<FieldDef>& fields;
  const std::vector<EnumDef>& enums;
  // Rows the checker already reported as never matching (under `first`).
  const std::set<std::size_t>& already_reported;
};

struct TableAnalysisResult {
  // Every row was read exactly and no two rows that can match the same
  // household disagree (for `unique`: no two rows overlap at all).
  bool never_disagrees = false;
  std::size_t inexact_rows = 0;
};

// Reports findings into `sink` (errors for overlaps that break `unique` and
// `any`, warnings for the rest) and says what the analysis proved.
TableAnalysisResult analyse_table_rows(const TableAnalysisInput& input, DiagnosticSink& sink);

}  // namespace precept
