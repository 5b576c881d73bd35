// Diagnostics as data: what went wrong, where, and what to do about it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace precept {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 when the problem has no place in the source
  std::uint32_t column = 0;  // 1-based, counted in characters (not bytes)
  std::uint32_t length = 1;  // characters underlined by the caret line
  std::string message;       // short, plain words
  std::string hint;          // what to do, may be empty
  std::string source_line;   // the line of source the problem is on
};

// The diagnostic as people read it:
//   policy.pol:12:7: error: unknown name `povrty_line`
//      12 | rule poor: per_capita < povrty_line
//         |                         ^~~~~~~~~~~
//     hint: did you mean `poverty_line`?
std::string render(const Diagnostic& diagnostic, bool color = false);
std::string render(const std::vector<Diagnostic>& diagnostics, bool color = false);
bool has_errors(const std::vector<Diagnostic>& diagnostics);
// How many errors, as a summary line says it: "1 error", "3 errors".
std::string count_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace precept
