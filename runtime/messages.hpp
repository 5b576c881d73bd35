// The message catalogue: every sentence Precept says to an officer in the
// areas it covers, in English and Chinese side by side, one table in
// runtime/messages_*.def (one file an area) that this header turns into
//   - MessageId, the ids (a diagnostic's `code` is its message's id), and
//   - say<MessageId::x>(language, args...), the text with its arguments in.
//
// An entry is PRECEPT_MESSAGE(id, "English", "中文"). Arguments are numbered
// placeholders, {0}, {1} ... (fmt syntax, a format spec allowed: {0:>3}), the
// same set in both texts, so that each language puts them where its grammar
// wants them. say<>() checks at compile time that it is given as many
// arguments as the English text has placeholders; tests/runtime/
// test_messages.cpp checks every entry (both texts, the same placeholders) and
// that each is used, and that the covered sources build no sentence of their own.
#pragma once

#include <precept/language.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace precept {

enum class MessageId : std::uint16_t {
#define PRECEPT_MESSAGE(id, english, chinese) id,
#include "messages_compiler.def"
#include "messages_reports.def"
#include "messages_cli.def"
#include "messages_explain.def"
#include "messages_register.def"
#include "messages_report.def"
#undef PRECEPT_MESSAGE
};

struct CatalogueEntry {
  std::string_view id;
  std::string_view english;
  std::string_view chinese;
};

inline constexpr CatalogueEntry kCatalogue[] = {
#define PRECEPT_MESSAGE(id, english, chinese) {#id, english, chinese},
#include "messages_compiler.def"
#include "messages_reports.def"
#include "messages_cli.def"
#include "messages_explain.def"
#include "messages_register.def"
#include "messages_report.def"
#undef PRECEPT_MESSAGE
};

inline constexpr const CatalogueEntry& catalogue_entry(MessageId id) {
  return kCatalogue[static_cast<std::size_t>(id)];
}

// One more than the highest placeholder number in `text` ({0} and {1}: 2);
// `{{` and `}}` are literal braces.
constexpr std::size_t placeholder_count(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    if (text[i] != '{') continue;
    std::size_t number = 0;
    std::size_t j = i + 1;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') number = number * 10 + (text[j++] - '0');
    if (j > i + 1 && number + 1 > count) count = number + 1;
    i = j;
  }
  return count;
}

// A sentence from the catalogue with its arguments filled in: its id stays
// with it (a diagnostic's code).
struct Message {
  std::optional<MessageId> id;  // none: no message (an empty hint)
  std::string text;
  bool empty() const { return text.empty(); }
};

inline std::string_view catalogue_text(MessageId id, Language language) {
  const CatalogueEntry& entry = catalogue_entry(id);
  return language == Language::Chinese ? entry.chinese : entry.english;
}

template <MessageId id, class... Args>
Message say(Language language, const Args&... args) {
  static_assert(sizeof...(Args) == placeholder_count(catalogue_entry(id).english),
                "say<>() takes one argument per placeholder of the message");
  return {id, fmt::vformat(catalogue_text(id, language), fmt::make_format_args(args...))};
}

}  // namespace precept

// A message is an argument of another (a type's description inside a sentence).
template <>
struct fmt::formatter<precept::Message> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const precept::Message& message, Context& context) const {
    return fmt::formatter<std::string_view>::format(message.text, context);
  }
};
