// precept::cli_words (include/precept/cli_words.hpp): the catalogue's cli part
// (runtime/messages_cli.def) behind the public ids.
#include <precept/cli_words.hpp>

#include "messages.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

namespace precept {

namespace {

// The cli part's first entry: CliWords counts from it.
constexpr auto kFirst = static_cast<std::size_t>(MessageId::nothing_was_run);

// Each public id is its catalogue entry: same name, same place.
#define PRECEPT_MESSAGE(id, english, chinese)                                                  \
  static_assert(static_cast<std::size_t>(CliWords::id) + kFirst == static_cast<std::size_t>(MessageId::id), \
                "CliWords and runtime/messages_cli.def list the same ids in the same order");
#include "messages_cli.def"
#undef PRECEPT_MESSAGE

}  // namespace

std::string cli_words(CliWords id, Language language, std::initializer_list<std::string_view> arguments) {
  const auto message = static_cast<MessageId>(static_cast<std::size_t>(id) + kFirst);
  const std::size_t wanted = placeholder_count(catalogue_entry(message).english);
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  std::size_t given = 0;
  for (const std::string_view argument : arguments)
    if (given++ < wanted) store.push_back(argument);
  for (; given < wanted; ++given) store.push_back(std::string_view());
  return fmt::vformat(catalogue_text(message, language), store);
}

}  // namespace precept
