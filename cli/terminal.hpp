// Whether to colour what a command writes: one rule for every command and
// every stream (diagnostics on stderr, `diff`'s report on stdout).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace precept::cli {

// `--color` is "always", "never" or "auto": auto colours a stream that is a
// terminal, unless NO_COLOR is set (https://no-color.org).
inline bool use_color(const std::string& mode, std::FILE* stream) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return isatty(fileno(stream)) && std::getenv("NO_COLOR") == nullptr;
}

}  // namespace precept::cli
