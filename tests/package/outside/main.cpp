// Compiles and runs a policy through nothing but the installed headers and the
// full library, explains a household, and writes the compiled program to the
// path given (for outside_eval). Exits non-zero when anything is off, so the
// package test fails.
#include <precept/precept.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const auto compiled = precept::compile(
      "policy \"outside\" record household { id: text  members: int  net_income: money }\n"
      "param line: money = 2736 yuan \"the line\"\n"
      "rule poor: net_income < line * members\n"
      "output id, poor\n",
      "outside.pol");
  std::cerr << precept::render(compiled.diagnostics);
  if (!compiled.ok()) return 1;

  precept::Evaluator evaluator(*compiled.policy);
  const precept::Outcome outcome =
      evaluator.evaluate({{"id", "h1"}, {"members", "4"}, {"net_income", "6000.00"}});
  if (!outcome.ok || compiled.policy->output_names() != std::vector<std::string>{"id", "poor"} ||
      outcome.values != std::vector<std::string>{"h1", "true"}) {
    std::cerr << "outside: wrong outcome: " << (outcome.ok ? "" : outcome.error) << "\n";
    return 1;
  }
  const precept::Explanation why =
      precept::explain(*compiled.policy, {{"id", "h1"}, {"members", "4"}, {"net_income", "6000.00"}});
  if (why.rejected || why.text("outside.pol").find("rule poor") == std::string::npos) {
    std::cerr << "outside: wrong explanation:\n" << why.text("outside.pol");
    return 1;
  }
  if (argc > 1) {
    std::ofstream(argv[1], std::ios::binary) << compiled.policy->serialize();
  }
  std::cout << "outside: precept " << precept::kVersion << " works from its install tree\n";
  return 0;
}
