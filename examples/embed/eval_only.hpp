// The evaluation-only use of Precept: what a service that ships compiled
// programs (.pcb files, `precept compile`) needs. eval_only.cpp includes only
// <precept/policy.hpp> and <precept/evaluator.hpp> and links against
// precept_eval alone (no ANTLR, no Z3): precept-embed-eval is built from it
// with nothing else.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace embed {

// Loads the compiled program in `pcb_path`, evaluates `household` with it and
// prints the outcome to standard output. Returns false when the program cannot
// be loaded (the diagnostics go to standard error).
bool evaluate_compiled(const std::string& pcb_path,
                       const std::vector<std::pair<std::string, std::string>>& household);

}  // namespace embed
