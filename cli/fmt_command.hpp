// `precept fmt`: policies in their canonical layout (<precept/source_format.hpp>).
//
//   precept fmt POLICY              print it formatted to standard output
//   precept fmt -w PATH...          rewrite the files that are not formatted
//   precept fmt --check PATH...     list them, exit 1 if there are any (for CI)
//
// A directory stands for every *.pol under it; `-` is standard input (for editors).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace precept::cli {

struct FmtArgs {
  std::vector<std::string> paths;
  bool write = false;
  bool check = false;
};

// Declares the subcommand and its options on `app`, filling `args` when parsed.
CLI::App* add_fmt_command(CLI::App& app, FmtArgs& args);

// Runs the command; returns its exit code (cli/exit_codes.def: `fmt`'s).
int run_fmt(const FmtArgs& args, bool color);

}  // namespace precept::cli
