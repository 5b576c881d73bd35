// Prints README.md (the file named as the argument) with its "Exit codes"
// block, between the two markers below, made anew from cli/exit_codes.def, so
// the README cannot drift from the codes the commands return; a test compares
// (tests/CMakeLists.txt). To update the README:
//   build/exit-code-docs README.md > README.new && mv README.new README.md
#include "exit_codes.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  constexpr std::string_view kBegin =
      "<!-- exit codes: generated from cli/exit_codes.def by tools/exit_code_docs.cpp; edit there -->\n";
  constexpr std::string_view kEnd = "<!-- end of exit codes -->\n";
  if (argc != 2) {
    std::cerr << "usage: exit-code-docs README.md\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string readme = buffer.str();
  const std::size_t begin = readme.find(kBegin), end = readme.find(kEnd);
  if (!in || begin == std::string::npos || end == std::string::npos || end < begin) {
    std::cerr << argv[1] << ": no exit-code block (the two markers in tools/exit_code_docs.cpp)\n";
    return 3;
  }
  std::cout << readme.substr(0, begin + kBegin.size()) << precept::cli::exit_code_markdown() << readme.substr(end);
  return std::cout ? 0 : 4;
}
