// The exit codes of every `precept` command, from the one table in
// cli/exit_codes.def: the codes commands return, the lists `--help` shows and
// README's "Exit codes" block (tools/cli_docs.cpp) all come from it.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace precept::cli {

// Plain enumerators, so that a command returns one as its int exit status.
// Several share a number: `test` and `diff` give some numbers their own meaning.
enum ExitCode : int {
#define PRECEPT_EXIT_CODE(identifier, number, commands, meaning) identifier = number,
#include "exit_codes.def"
#undef PRECEPT_EXIT_CODE
};

struct ExitCodeEntry {
  std::string_view identifier;  // "kBadInput"
  int number;
  std::string_view commands;    // space-separated: "run explain fmt diff"
  std::string_view meaning;     // one line
};

// Every entry, in the table's order (by number).
std::span<const ExitCodeEntry> exit_code_table();

// Whether `command` (a subcommand's name) ends with the entry's code for its reason.
bool applies_to(const ExitCodeEntry& entry, std::string_view command);

// For a subcommand's --help footer: "Exit codes:" and one line per code it can
// end with. With an empty `command`, every code, each with its commands when
// not all of them (for `precept --help`).
std::string exit_code_help(std::string_view command);

// README's "Exit codes" block: a Markdown table of every entry.
std::string exit_code_markdown();

}  // namespace precept::cli
