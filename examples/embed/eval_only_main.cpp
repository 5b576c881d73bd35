// precept-embed-eval PROGRAM.pcb [FIELD=VALUE ...]: evaluates one household
// with a compiled program, linked against precept_eval alone (no ANTLR, no Z3).
#include "eval_only.hpp"

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: precept-embed-eval PROGRAM.pcb [FIELD=VALUE ...]\n";
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> household;
  for (int i = 2; i < argc; ++i) {
    const std::string pair = argv[i];
    const std::size_t equals = pair.find('=');
    if (equals == std::string::npos) {
      std::cerr << "`" << pair << "` is not FIELD=VALUE\n";
      return 2;
    }
    household.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
  }
  return embed::evaluate_compiled(argv[1], household) ? 0 : 3;
}
