// The structural diff: what changed between two versions of a policy, in the
// policy's own terms (a parameter's value, a rule's condition, a table row),
// never in terms of edited lines. Expressions are compared by a canonical
// printing of their trees (compiler/expr_printer.hpp), so layout and comments
// never count as a change.
#pragma once

#include "ast.hpp"
#include "checker.hpp"

#include <precept/diagnostic.hpp>

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

enum class EditKind { Added, Removed, Changed };
const char* edit_kind_name(EditKind kind);  // "added", "removed", "changed"

// A replacement of whole lines of the old source by lines of the new one: how
// an edit is applied on its own (attribution). old_last < old_first means an
// insertion after line old_first - 1; new_last < new_first means a deletion.
struct Splice {
  std::uint32_t old_first = 0, old_last = 0;
  std::uint32_t new_first = 0, new_last = 0;
  bool operator==(const Splice&) const = default;
};

struct Edit {
  EditKind kind = EditKind::Changed;
  std::string what;    // "header", "enum", "field", "param", "let", "rule", "decide", "table",
                       // "table row", "require", "output", "summary"
  std::string decl;    // the declaration's name ("poverty_line", "measures"); "" for header
  std::string item;    // the part within it: a field, member, row or output name; may be ""
  std::string detail;  // plain words: "value 2736.00 yuan -> 2855.00 yuan; source ..."
  std::string old_text, new_text;  // the source text of each side ("" when absent)
  std::uint32_t old_line = 0, new_line = 0;  // 0 when absent on that side
  Splice splice;       // how to apply this edit alone to the old source
  // Edits that affect no household's results whatever the data (descriptions,
  // citations, the header, summary groups); attribution skips them.
  bool affects_results = true;
  // Param edits: old and new value as written, for "because poverty_line 2736 -> 2855".
  std::string old_value, new_value;
};

struct StructuralDiff {
  std::vector<Edit> edits;
  bool empty() const { return edits.empty(); }
};

// Both versions must be ok.
StructuralDiff structural_diff(const PolicyVersion& old_version, const PolicyVersion& new_version);

}  // namespace precept::diff
