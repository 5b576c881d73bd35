#include "explain_command.hpp"

#include <precept/explain.hpp>
#include <precept/precept.hpp>
#include <precept/text.hpp>

#include "exit_codes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

namespace precept::cli {

namespace {

// The exit codes are the table's (cli/exit_codes.def): `explain`'s entries.
constexpr int kFailed = kPolicyErrors;

// The policy with the lowering's notes, which a .pcb carries too: an
// explanation is of the very bytecode that runs, with no compiling again.
std::optional<Policy> open_with_notes(const std::string& path, std::optional<int> year, bool color, std::string& error,
                                      std::uint64_t solver_budget = kDefaultSolverBudget) {
  CompileOptions options;
  options.year = year;
  options.solver_budget = solver_budget;
  auto result = open_policy(path, options);
  std::cerr << render(result.diagnostics, color);
  if (!result.ok()) {
    error = fmt::format("{}: {}", path, count_errors(result.diagnostics));
    return std::nullopt;
  }
  return result.policy;
}

}  // namespace

std::string key_problem(const Policy& policy, const std::string& key) {
  const std::vector<std::string> fields = policy.field_names();
  if (key.empty() || std::find(fields.begin(), fields.end(), key) != fields.end()) return {};
  return fmt::format("--key {}: the record has no field called `{}`", key, key);
}

CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args) {
  auto* cmd = app.add_subcommand("explain", "say why one household of a register got its results");
  cmd->add_option("POLICY", args.policy, "policy source or compiled program (.pcb)")->required();
  cmd->add_option("DATA", args.data, "register as CSV with a header line")->required();
  cmd->add_option("--id", args.id, "the household: its value in the key field")->required();
  cmd->add_option("--key", args.key, "the household's key field (default: the record's first field)");
  cmd->add_option("--format", args.format, "text (for people) or json (one line, for programs)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->footer(
      "For every output: the rule, decide branch or table rows that decided it, the values compared,\n"
      "and the parameters used with their citations. Worked out by running the compiled program itself.");
  return cmd;
}

int run_explain_command(const ExplainArgs& args, bool color) {
  std::string error;
  auto policy = open_with_notes(args.policy, args.year, color, error);
  if (!policy) {
    std::cerr << error << "\n";
    return kFailed;
  }
  if (const std::string problem = key_problem(*policy, args.key); !problem.empty()) {
    std::cerr << problem << "\n";
    return kUsage;
  }
  std::FILE* input = std::fopen(args.data.c_str(), "rb");
  if (!input) {
    std::cerr << fmt::format("cannot open the data file `{}`\n", args.data);
    return kBadInput;
  }
  // A layered program's source_file names its whole chain ("county.pol
  // (extends province.pol, ...)"): its lines are the first file's.
  const std::string source = policy->source_file().substr(0, policy->source_file().find(" (extends "));
  const std::string file = std::filesystem::path(source).filename().string();
  bool found = false;
  const std::string problem = explain_csv(*policy, input, args.key, [&](const Explanation& e) {
    if (e.id != args.id) return true;
    std::cout << (args.format == "json" ? e.json() + "\n" : e.text(file));
    found = true;
    return false;
  });
  std::fclose(input);
  if (!problem.empty()) {
    std::cerr << fmt::format("{}: {}\n", args.data, escape_for_terminal(problem));
    return kBadInput;
  }
  if (found) return kOk;
  const std::string key = args.key.empty() ? policy->field_names().front() : args.key;
  std::cerr << fmt::format("{}: no household with {} `{}`\n", args.data, key, args.id);
  return kBadInput;
}

}  // namespace precept::cli
