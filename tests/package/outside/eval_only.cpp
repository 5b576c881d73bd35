// The evaluation-only library from its install tree: loads the .pcb that
// `outside` wrote, evaluates and explains a household. Linked with
// precept_eval alone, so it cannot reach the compiler. Exits non-zero when
// anything is off.
#include <precept/precept.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: outside_eval PROGRAM.pcb\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const precept::CompileResult loaded = precept::load_policy(bytes, argv[1]);
  std::cerr << precept::render(loaded.diagnostics);
  if (!loaded.ok()) return 1;

  precept::Evaluator evaluator(*loaded.policy);
  const std::vector<std::pair<std::string, std::string>> household{
      {"id", "h2"}, {"members", "2"}, {"net_income", "9000.00"}};
  const precept::Outcome outcome = evaluator.evaluate(household);
  if (!outcome.ok || outcome.values != std::vector<std::string>{"h2", "false"}) {
    std::cerr << "outside_eval: wrong outcome: " << (outcome.ok ? "" : outcome.error) << "\n";
    return 1;
  }
  // The notes came in the .pcb: the explanation names the rule and its line.
  const precept::Explanation why = precept::explain(*loaded.policy, household);
  if (why.json().find("\"decided_by\":\"rule poor\"") == std::string::npos) {
    std::cerr << "outside_eval: wrong explanation: " << why.json() << "\n";
    return 1;
  }
  std::cout << "outside_eval: a .pcb evaluates and explains without the compiler\n";
  return 0;
}
