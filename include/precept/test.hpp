// Running a policy's examples, with coverage (`precept test`), as data.
//
//   auto compiled = precept::open_policy("policies/xijiang_2015.pol");
//   const precept::TestResults results = precept::test_examples(*compiled.policy);
//   for (const auto& example : results.examples)
//     if (!example.passed) std::cerr << example.label << ": " << example.problems.front() << "\n";
//
// Each example (`example "..." given ... expect ...` in the policy) runs the
// compiled program on its household; the results say which passed, what was
// expected and what came out, with the explanation of the actual result, and
// which rule outcomes, decide branches and table rows no example exercised.
#pragma once

#include <precept/language.hpp>
#include <precept/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace precept {

struct ExampleOutcome {
  std::string label;       // the example's text: `example "a widow living alone"`
  std::uint32_t line = 0;  // where the example is, in the policy's own file
  bool passed = false;
  // One per expectation that did not hold, as a policy officer reads it, in
  // the language test_examples() was given: "poor (line 80): expected true,
  // got false". Empty when passed.
  std::vector<std::string> problems;
  // The actual result explained: as `precept explain` prints it (text, with
  // lines of the policy named `policy_file`:line; in Chinese, the letter), and
  // as one JSON object, as `precept explain --format json` prints it. Both
  // only when not passed.
  std::string explanation_text, explanation_json;
};

// A rule outcome, decide branch or table row, and whether an example exercised it.
struct CoverageItem {
  std::string what;        // "rule poor is true", "decide category branch 2", "table measures row 3"
  std::uint32_t line = 0;  // 0 when it has no line of its own
  std::string file;        // the parent layer's file it is in; "" for the policy's own
  bool covered = false;
  std::string words;       // `what` in the language test_examples() was given ("规则 `poor` 成立")
};

struct TestResults {
  std::vector<ExampleOutcome> examples;  // in the policy's order
  std::vector<CoverageItem> coverage;

  bool all_passed() const;
  std::size_t passed() const;
  std::size_t covered() const;
};

// Runs every example of `policy`. `policy_file` names the policy's own file in
// the text explanations ("xijiang_2015.pol"). A policy loaded from a .pcb is
// tested as it is: its examples and the notes that explain it travel in it.
// Needs only the evaluation-only library (precept_eval). The examples are
// checked the same in any language; `language` is that of the problems, the
// explanations and the coverage items' words.
TestResults test_examples(const Policy& policy, const std::string& policy_file = "",
                          Language language = Language::English);

// The results as one JSON object on one line, without a newline (`precept test
// --json`): {"policy": `policy_path`, "examples": [{"example", "line", "passed",
// "problems", and "actual" (the explanation) when not passed}], "coverage":
// {"covered", "total", "not_exercised": [{"what", "line"}]}}, written under
// Precept's JSON rules (README, "JSON").
std::string to_json(const TestResults& results, const std::string& policy_path);

}  // namespace precept
