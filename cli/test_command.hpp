// `precept test`: the examples of policies, with coverage, printed from the
// public results (<precept/test.hpp>).
//
//   precept test PATH... [--json] [--year N]
#pragma once

#include <precept/policy.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace precept::cli {

struct TestArgs {
  std::vector<std::string> paths;
  bool json = false;
  std::optional<int> year;  // dated parameters' year; none: each policy's own
  std::optional<Language> language;  // --lang; none: the policy's own `language`, else English
  std::uint64_t solver_budget = kDefaultSolverBudget;  // --solver-budget, for each policy
};
CLI::App* add_test_command(CLI::App& app, TestArgs& args);
// Returns the exit code: `test`'s entries of cli/exit_codes.def.
int run_test_command(const TestArgs& args, bool color);

}  // namespace precept::cli
