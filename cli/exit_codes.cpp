#include "exit_codes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace precept::cli {

namespace {

constexpr std::array kTable{
#define PRECEPT_EXIT_CODE(identifier, number, commands, meaning) \
  ExitCodeEntry{#identifier, number, commands, meaning},
#include "exit_codes.def"
#undef PRECEPT_EXIT_CODE
};

// An entry's commands, one by one.
std::vector<std::string_view> commands_of(const ExitCodeEntry& entry) {
  std::vector<std::string_view> commands;
  for (std::size_t at = 0; at < entry.commands.size();) {
    const std::size_t end = std::min(entry.commands.find(' ', at), entry.commands.size());
    commands.push_back(entry.commands.substr(at, end - at));
    at = end + 1;
  }
  return commands;
}

// Whether an entry is every command's: it names each command any entry names.
bool for_every_command(const ExitCodeEntry& entry) {
  return std::all_of(kTable.begin(), kTable.end(), [&](const ExitCodeEntry& other) {
    const auto commands = commands_of(other);
    return std::all_of(commands.begin(), commands.end(), [&](std::string_view c) { return applies_to(entry, c); });
  });
}

// "run, explain, fmt, diff", each in `quote`s; or "every command".
std::string listed(const ExitCodeEntry& entry, std::string_view quote) {
  if (for_every_command(entry)) return "every command";
  std::string out;
  for (std::string_view command : commands_of(entry))
    out += fmt::format("{}{}{}{}", out.empty() ? "" : ", ", quote, command, quote);
  return out;
}

}  // namespace

std::span<const ExitCodeEntry> exit_code_table() { return kTable; }

bool applies_to(const ExitCodeEntry& entry, std::string_view command) {
  const auto commands = commands_of(entry);
  return std::find(commands.begin(), commands.end(), command) != commands.end();
}

std::string exit_code_help(std::string_view command) {
  std::string out = "Exit codes:\n";
  for (const ExitCodeEntry& entry : kTable) {
    if (!command.empty() && !applies_to(entry, command)) continue;
    const std::string whose = command.empty() && !for_every_command(entry) ? listed(entry, "") + ": " : "";
    out += fmt::format("  {}  {}{}\n", entry.number, whose, entry.meaning);
  }
  out.pop_back();  // CLI11 ends the footer's last line itself
  return out;
}

std::string exit_code_markdown() {
  std::string out = "| code | commands | meaning |\n|---|---|---|\n";
  for (const ExitCodeEntry& entry : kTable) {
    std::string meaning;
    for (char c : entry.meaning) meaning += c == '|' ? std::string("\\|") : std::string(1, c);
    out += fmt::format("| `{}` | {} | {} |\n", entry.number, listed(entry, "`"), meaning);
  }
  return out;
}

}  // namespace precept::cli
