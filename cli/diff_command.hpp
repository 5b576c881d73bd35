// `precept diff OLD.pol NEW.pol [DATA.csv]`: what changed between two versions
// of a policy, which households it moves, and which edit moved each.
#pragma once

#include <precept/policy.hpp>

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace precept::cli {

struct DiffArgs {
  std::string old_policy, new_policy, data, old_data, key, format = "text", output;
  std::vector<std::string> by;
  std::size_t changed_limit = 50;
  std::size_t threads = 0;
  bool no_witness = false;
  std::optional<int> year;  // --year: dated parameters' year, in both versions
  std::optional<Language> language;  // --lang; none: the policy's own `language`, else English
  std::uint64_t solver_budget = kDefaultSolverBudget;  // --solver-budget: for all the witnesses together
};

CLI::App* add_diff_command(CLI::App& app, DiffArgs& args);
// Exit codes: 0 no change, 1 changes, 2 usage (also: -o names an input), 3 bad
// input, 4 write failed, 5 a policy has errors; 6 out of memory (cli/main.cpp).
int run_diff_command(const DiffArgs& args, const std::string& color);

}  // namespace precept::cli
