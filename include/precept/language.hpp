// The language Precept speaks to people: diagnostics, the summary table and
// (in time) every report. English by default; Chinese with `--lang zh` or a
// policy's own `language zh` declaration. Never the machine's locale: the same
// inputs give the same bytes anywhere.
#pragma once

#include <optional>
#include <string_view>

namespace precept {

enum class Language { English, Chinese };

// "en" or "zh" (as `--lang` and a policy's `language` declaration write them);
// std::nullopt for anything else.
inline std::optional<Language> parse_language(std::string_view code) {
  if (code == "en") return Language::English;
  if (code == "zh") return Language::Chinese;
  return std::nullopt;
}

inline std::string_view language_code(Language language) {
  return language == Language::Chinese ? "zh" : "en";
}

}  // namespace precept
