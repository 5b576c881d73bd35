// The structural diff: what changed between two versions of a policy, in the
// policy's own terms (a parameter's value, a rule's condition, a table row),
// never in terms of edited lines. Expressions are compared by a canonical
// printing of their trees (compiler/expr_printer.hpp), so layout and comments
// never count as a change.
#pragma once

#include "ast.hpp"
#include "checker.hpp"

#include <precept/diagnostic.hpp>
#include <precept/diff.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace precept::diff {

// One version of a policy: its text, its tree and its checked form.
struct PolicyVersion {
  std::string path;
  std::string source;
  std::unique_ptr<ast::PolicyFile> file;
  CheckedPolicy checked;
  std::vector<Diagnostic> diagnostics;
  bool ok = false;
  // The source's lines (without line ends), 1-based through line(n).
  std::vector<std::string> lines;
  const std::string& line(std::uint32_t n) const;
};

// Parses and checks `source`; `ok` is false (with diagnostics) on any error.
PolicyVersion load_version(std::string path, std::string source);

struct StructuralDiff {
  std::vector<Edit> edits;
  bool empty() const { return edits.empty(); }
};

// Both versions must be ok.
StructuralDiff structural_diff(const PolicyVersion& old_version, const PolicyVersion& new_version);

}  // namespace precept::diff
