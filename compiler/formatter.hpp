// `precept fmt`: a policy in its canonical layout.
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

}  // namespace precept
