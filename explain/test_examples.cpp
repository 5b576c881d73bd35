// The public `test` call (include/precept/test.hpp): a policy's examples run
// through the traced explainer, with coverage. It needs no compiler, so it is
// in the evaluation-only library: a .pcb carries its examples and notes.
#include <precept/test.hpp>

#include "explain.hpp"
#include "json.hpp"
#include "program.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace precept {

bool TestResults::all_passed() const { return passed() == examples.size(); }

std::size_t TestResults::passed() const {
  return static_cast<std::size_t>(std::count_if(examples.begin(), examples.end(), [](const auto& e) { return e.passed; }));
}

std::size_t TestResults::covered() const {
  return static_cast<std::size_t>(std::count_if(coverage.begin(), coverage.end(), [](const auto& c) { return c.covered; }));
}

TestResults test_examples(const Policy& policy, const std::string& policy_file, Language language) {
  TestResults results;
  // The examples and the lowering's notes travel in a .pcb too (format 4), so
  // a compiled program is tested as it is, with no compiling again.
  const Program& program = program_of(policy);
  if (program.examples.empty()) return results;
  const TestReport report = run_examples(program, language);
  for (const ExampleResult& r : report.examples) {
    ExampleOutcome& outcome = results.examples.emplace_back();
    outcome.label = r.label;
    outcome.line = r.line;
    outcome.passed = r.passed;
    outcome.problems = r.problems;
    if (!r.passed) {
      outcome.explanation_text =
          language == Language::English ? r.actual.text(policy_file) : r.actual.letter(policy_file, language);
      outcome.explanation_json = r.actual.json();
    }
  }
  for (const Coverage::Item& item : report.coverage.items)
    results.coverage.push_back({item.what, item.line, item.file, item.covered, item.words});
  return results;
}

std::string to_json(const TestResults& results, const std::string& policy_path) {
  nlohmann::ordered_json examples = nlohmann::ordered_json::array();
  for (const ExampleOutcome& e : results.examples) {
    nlohmann::ordered_json example{{"example", e.label}, {"line", e.line}, {"passed", e.passed}, {"problems", e.problems}};
    // The explanation is the JSON `explain --format json` prints: taken as it is.
    if (!e.passed) example["actual"] = nlohmann::ordered_json::parse(e.explanation_json);
    examples.push_back(std::move(example));
  }
  nlohmann::ordered_json not_exercised = nlohmann::ordered_json::array();
  for (const CoverageItem& item : results.coverage)
    if (!item.covered) not_exercised.push_back({{"what", item.what}, {"line", item.line}});
  const nlohmann::ordered_json report{
      {"policy", policy_path},
      {"examples", std::move(examples)},
      {"coverage", {{"covered", results.covered()}, {"total", results.coverage.size()}, {"not_exercised", std::move(not_exercised)}}}};
  return json::dump(report);
}

}  // namespace precept
