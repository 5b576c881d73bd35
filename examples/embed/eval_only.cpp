// Only these two public headers: loading a .pcb and evaluating need nothing of
// the compiler, so this file links against precept_eval alone.
#include <precept/evaluator.hpp>
#include <precept/policy.hpp>

#include "eval_only.hpp"

#include <cstddef>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace embed {

bool evaluate_compiled(const std::string& pcb_path,
                       const std::vector<std::pair<std::string, std::string>>& household) {
  std::ifstream in(pcb_path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read `" << pcb_path << "`\n";
    return false;
  }
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // Verified before anything runs: a damaged or older .pcb is refused with a
  // diagnostic, never executed.
  const precept::CompileResult loaded = precept::load_policy(bytes, pcb_path);
  if (!loaded.ok()) {
    std::cerr << precept::render(loaded.diagnostics);
    return false;
  }
  precept::Evaluator evaluator(*loaded.policy);
  const precept::Outcome outcome = evaluator.evaluate(household);
  std::cout << "eval-only: " << loaded.policy->name() << " (" << loaded.policy->year() << ") from a .pcb: ";
  if (!outcome.ok) {
    std::cout << "rejected (" << precept::reject_kind_name(outcome.kind) << "): " << outcome.error << "\n";
    return true;
  }
  const std::vector<std::string> names = loaded.policy->output_names();
  for (std::size_t i = 0; i < names.size(); ++i) std::cout << (i ? ", " : "") << names[i] << " = " << outcome.values[i];
  std::cout << "\n";
  return true;
}

}  // namespace embed
