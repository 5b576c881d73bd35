// Compiles and runs a policy through nothing but the installed headers and
// library. Exits non-zero when anything is off, so the package test fails.
#include <precept/precept.hpp>

#include <iostream>
#include <string>
#include <vector>

int main() {
  const auto compiled = precept::compile(
      "policy \"outside\" record household { members: int  net_income: money }\n"
      "output poor = net_income < 2736 yuan * members\n",
      "outside.pol");
  std::cerr << precept::render(compiled.diagnostics);
  if (!compiled.ok()) return 1;

  precept::Evaluator evaluator(*compiled.policy);
  const precept::Outcome outcome = evaluator.evaluate({{"members", "4"}, {"net_income", "6000.00"}});
  if (!outcome.ok || compiled.policy->output_names() != std::vector<std::string>{"poor"} ||
      outcome.values != std::vector<std::string>{"true"}) {
    std::cerr << "outside: wrong outcome: " << (outcome.ok ? "" : outcome.error) << "\n";
    return 1;
  }
  std::cout << "outside: precept " << precept::kVersion << " works from its install tree\n";
  return 0;
}
