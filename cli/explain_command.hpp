// `precept explain` (why one household got its results) and `run --explain`
// (every household's, as JSON Lines), calls of the public <precept/explain.hpp>;
// `precept test` is cli/test_command.hpp.
//
//   precept explain POLICY DATA --id HOUSEHOLD [--key FIELD] [--format text|json] [--letter] [--lang en|zh]
#pragma once

#include <precept/policy.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace precept::cli {

struct ExplainArgs {
  std::string policy, data, id, key, format = "text";
  bool letter = false;      // --letter: the explanation as a letter to the household (Explanation::letter)
  std::optional<int> year;  // dated parameters' year; none: the policy's own
  std::optional<Language> language;  // --lang; none: the policy's own `language`, else English
};
CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args);
// 0 explained, 1 the policy has errors, 2 command line, 3 the data cannot be
// used or has no such household.
int run_explain_command(const ExplainArgs& args, bool color);

// "" or why `--key KEY` (of `explain` and `run --explain`) cannot be used:
// the record has no such field.
std::string key_problem(const Policy& policy, const std::string& key, Language language = Language::English);

}  // namespace precept::cli
