// Diagnostics as data: what went wrong, where, and what to do about it.
#pragma once

#include <precept/language.hpp>

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
  // Which problem this is, whatever the language: the id of its message in the
  // catalogue (e.g. "unknown_name"), stable from release to release, for tools
  // that sort or count problems. The message and hint are in the language the
  // policy was compiled for (CompileOptions::language).
  std::string code;
};

// The diagnostic as people read it:
//   policy.pol:12:7: error: unknown name `povrty_line`
//      12 | rule poor: per_capita < povrty_line
//         |                         ^~~~~~~~~~~
//     hint: did you mean `poverty_line`?
// In Chinese the labels and the place are said in Chinese too (the message and
// hint are already in the language they were compiled for):
//   policy.pol 第12行第7列：错误：未知的名称 `povrty_line`
std::string render(const Diagnostic& diagnostic, bool color = false, Language language = Language::English);
std::string render(const std::vector<Diagnostic>& diagnostics, bool color = false,
                   Language language = Language::English);
bool has_errors(const std::vector<Diagnostic>& diagnostics);
// How many errors, as a summary line says it: "1 error", "3 errors" ("3 个错误").
std::string count_errors(const std::vector<Diagnostic>& diagnostics, Language language = Language::English);

}  // namespace precept
