// Explanations and policy examples, both built on a traced run of the compiled
// program (Machine in MachineMode::Traced) over a batch of one household: the
// registers the lowering's debug notes point at (runtime/program.hpp,
// DebugNote) are read after the very instructions `run` executes, so an
// explanation cannot disagree with the results.
#pragma once

#include <precept/explain.hpp>

#include "batch.hpp"
#include "program.hpp"
#include "vm.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace precept {

// What the examples of a policy exercised: for coverage.
struct Coverage {
  struct Item {
    std::string what;              // "rule poor is true", "decide category branch 2", "table measures row 3"
    std::uint32_t line = 0;
    bool covered = false;
    std::string file;              // a parent layer's file the line is in ("": the policy's own)
    std::string words;             // `what` in the explainer's language
  };
  std::vector<Item> items;
};

struct NoteIndex;  // explain.cpp

// The explainer of one program, for many households: what explain() and
// explain_csv() (include/precept/explain.hpp) and the examples run on.
class TracedExplainer {
 public:
  // `program` must be verified and compiled from source (it needs its notes);
  // it must outlive the explainer. A rejected household's reason is in `language`.
  explicit TracedExplainer(const Program& program, std::uint32_t key_field = 0,
                           Language language = Language::English);
  ~TracedExplainer();
  TracedExplainer(const TracedExplainer&) = delete;
  TracedExplainer& operator=(const TracedExplainer&) = delete;

  // A household given as one cell text per field (Program::fields order).
  // `line` is its input line (0 for an example).
  Explanation explain(const std::vector<std::string>& cells, std::uint64_t line);
  // The same, adding what this household exercised to `coverage` (whose items
  // start as coverage_items()).
  Explanation explain(const std::vector<std::string>& cells, std::uint64_t line, Coverage* coverage);
  Coverage coverage_items() const;
  // The order fields are read in, as the register's columns are (a row with two
  // bad cells is rejected at the first, as `run` does); default: declared order.
  void set_field_order(std::vector<std::uint32_t> order) { order_ = std::move(order); }
  // After explain(): the value a let, rule, decide, output or table (its first
  // output column) has for that household, as the results would print it.
  std::string value_text(const std::string& name) const;

 private:
  const Program& program_;
  std::uint32_t key_field_;
  Language language_;
  Machine machine_;
  Batch batch_;
  std::vector<std::uint8_t> executed_;
  std::vector<std::uint32_t> order_;
  std::unique_ptr<NoteIndex> index_;
};

// The field `key` names (the first when empty), as explain(), explain_csv()
// and run_csv's explanations take it. Throws std::invalid_argument when the
// record has no such field.
std::uint32_t key_field(const Program& program, const std::string& key);

// Explains every record of a CSV register, in input order, calling `each` with
// each one (rejected rows too, with the reason `run` gives) until it returns
// false. Returns "" or why the register cannot be used.
std::string explain_register(const Program& program, std::FILE* input, std::uint32_t key,
                             const std::function<bool(const Explanation&)>& each,
                             Language language = Language::English);

// Runs every example of `program`; returns the report text (or JSON) and
// whether all passed. Coverage is added below the examples.
struct ExampleResult {
  std::string label;
  std::uint32_t line = 0;
  bool passed = false;
  std::vector<std::string> problems;   // "poor: expected true, got false"
  Explanation actual;
};
struct TestReport {
  std::vector<ExampleResult> examples;
  Coverage coverage;
  bool all_passed() const;
};
// Checks are made in English; problems and failures' explanations are in `language`.
TestReport run_examples(const Program& program, Language language = Language::English);

}  // namespace precept
