// Formatting policy source (`precept fmt`): a policy in its canonical layout.
//
// The layout is the house style of policies/: the header, then declarations with
// a blank line between them (runs of one kind, such as a group of `enum`s or
// `let`s written together, stay together), record fields, `decide` arrows,
// `summary` names and table columns aligned by display width (a Chinese character
// is two columns), metadata on the line after a `param`, `let` or `rule`.
//
// Only whitespace changes, and a few spellings with one meaning: `→` becomes `->`,
// `≤ ≥ ≠ <> ==` become `<= >= != !=` and `=`, a trailing comma in an enum or after
// a field is left out. Names, numbers, texts and units stay exactly as written,
// and every comment stays between the same two tokens. format_policy() checks
// this of its own output before returning it, so a bug in the layout is refused,
// never written over an officer's policy.
#pragma once

#include <precept/diagnostic.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

struct FormatOptions {
  // Lines are filled or wrapped to this many display columns where the layout
  // allows a break (enum members, output lists, metadata, `and`/`or` chains).
  std::size_t width = 100;
};

struct FormatResult {
  std::optional<std::string> text;      // the canonical layout; absent when the source does not parse
  std::vector<Diagnostic> diagnostics;  // why not: syntax errors, as `precept check` reports them
  bool ok() const { return text.has_value(); }
};

// Formats policy source. A policy with syntax errors is not formatted; one that
// parses but does not check (an unknown name, say) is.
FormatResult format_policy(std::string_view source, std::string file_name = "<policy>",
                           const FormatOptions& options = {});

// A policy's source read from a file as every command reads one: "-" is
// standard input; anything but a regular file is refused before a byte is
// read, and so is a file over the size limit; a compiled program (.pcb) is
// refused too, since it has no layout.
struct PolicySource {
  std::optional<std::string> text;  // absent when refused or unreadable
  // Why not, to follow "cannot read `x`: " ("no such file or directory",
  // "it is a named pipe (FIFO), not a policy file"); empty for a compiled program.
  std::string problem;
  bool compiled_program = false;  // the file is a compiled program, not source
};
PolicySource read_policy_source(const std::string& path);

}  // namespace precept
