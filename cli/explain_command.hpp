// `precept explain` (why one household got its results) and `run --explain`
// (every household's, as JSON Lines), calls of the public <precept/explain.hpp>;
// `precept test` is cli/test_command.hpp.
//
//   precept explain POLICY DATA --id HOUSEHOLD [--key FIELD] [--format text|json]
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
  std::optional<int> year;  // dated parameters' year; none: the policy's own
};
CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args);
// 0 explained, 1 the policy has errors, 2 command line, 3 the data cannot be
// used or has no such household.
int run_explain_command(const ExplainArgs& args, bool color);

// `run --explain`: one JSON line per record of the register `data` (read from
// where it stands), in input order, to `out`. Returns "" or what went wrong.
// `year` must be the one the results were computed for.
std::string write_explanations(const std::string& policy_path, std::FILE* data, const std::string& key,
                               std::optional<int> year, std::FILE* out);

}  // namespace precept::cli
