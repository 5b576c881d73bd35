// Layering: a policy that `extends` another (a province's on the nation's, a
// county's on the province's) is merged with its parents into ONE flat policy
// before checking, so the checker, lowering and the VM never know layers exist.
//
// This stage also picks each dated parameter's value for the run's year and folds
// `exception`s into the rule, let or decide they change. It records where every
// declaration and value came from (file:line, year entry) for
// `precept check --resolved`.
#pragma once

#include "ast.hpp"
#include "diagnostics.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace precept {

struct LayerOptions {
  // The run's year; when absent, the compiled file's own `year`.
  std::optional<int> year;
  // Where the compiled file lives: `extends` paths are relative to it. Absent when
  // the policy is compiled from text with no folder.
  std::optional<std::string> base_directory;
  // Reads a parent by its path (base directory / extends); std::nullopt when it
  // cannot. When absent, parents are read from the file system.
  std::function<std::optional<std::string>(const std::string& path)> loader;
};

// Where a parameter's value, or a declaration, came from.
struct ResolvedParam {
  std::string name;
  std::string value;       // as written
  std::string layer;       // file:line of the value
  int year = 0;            // the dated entry used, 0 when undated
  std::string description;
  std::string source;      // the citation
  std::vector<std::string> changes;  // "overridden at ..."
};

struct ResolvedDecl {
  std::string kind;        // "rule", "let", "decide", "table", "enum", "record"
  std::string name;
  std::string defined_at;  // file:line
  std::vector<std::string> changes;  // "replaced at ...", "rows added at ...", "exception x at ..."
};

struct ResolvedPolicy {
  std::vector<std::string> files;  // the compiled file first, then each parent
  int year = 0;                    // the year values were picked for (0: none)
  std::vector<ResolvedParam> params;
  std::vector<ResolvedDecl> decls;
};

// Two exceptions to the same target that may hold together: the compiled program
// rejects a household where both do (a `require` placed before the target), and
// the compile-time search for such a household (diff/witness) reads these.
struct ExceptionPair {
  std::string target;
  std::string first, second;          // labels
  std::string first_at, second_at;    // file:line
  ast::Location location;             // the second exception
  std::size_t require_index = 0;      // into PolicyFile::requires_
};

// Keeps the parents' source text alive as long as the sink quotes it.
struct LayerSources {
  std::deque<std::string> texts;
};

// Reads `root`'s parents, merges them into `root`, picks dated values and applies
// exceptions. Errors go to the sink (with the right file for each layer); returns
// false when there were any. `resolved` and `pairs` may be null.
bool resolve_layers(ast::PolicyFile& root, DiagnosticSink& sink, const LayerOptions& options,
                    LayerSources& sources, ResolvedPolicy* resolved, std::vector<ExceptionPair>* pairs,
                    std::string* all_sources = nullptr);

struct CheckedPolicy;
namespace analysis {
class SolverBudget;
}

// After checking: asks the solver (analysis/witness) whether each pair of exceptions
// can hold for one household, within `budget`; reports an error with such a
// household when it finds one. A pair it cannot decide is left to the run-time
// check; the pairs the budget left undecided are named in a warning. Returns
// false when it reported an error.
bool report_overlapping_exceptions(const ast::PolicyFile& file, const CheckedPolicy& checked,
                                   const std::vector<ExceptionPair>& pairs, std::string_view source,
                                   analysis::SolverBudget& budget, DiagnosticSink& sink);

// The resolved policy as `precept check --resolved` prints it.
std::string render_resolved(const ResolvedPolicy& resolved);

}  // namespace precept
