#include "explain_command.hpp"

#include <precept/precept.hpp>

#include "csv.hpp"
#include "exit_codes.hpp"
#include "explain.hpp"
#include "format.hpp"
#include "program.hpp"
#include "text_width.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

namespace precept::cli {

namespace {

// The exit codes are the table's (cli/exit_codes.def): `explain`'s entries.
constexpr int kFailed = kPolicyErrors;

// The policy with the lowering's notes. A .pcb leaves them out, so its embedded
// source is compiled again, and used only if it compiles to the very same
// program: an explanation must be of the bytecode that runs.
std::optional<Policy> open_with_notes(const std::string& path, std::optional<int> year, bool color, std::string& error,
                                      std::uint64_t solver_budget = kDefaultSolverBudget) {
  CompileOptions options;
  options.year = year;
  options.solver_budget = solver_budget;
  auto result = open_policy(path, options);
  std::cerr << render(result.diagnostics, color);
  if (!result.ok()) {
    std::size_t errors = 0;
    for (const auto& d : result.diagnostics) errors += d.severity == Severity::Error;
    error = fmt::format("{}: {} error{}", path, errors, errors == 1 ? "" : "s");
    return std::nullopt;
  }
  const Program& program = result.policy->program();
  if (!program.notes.empty()) return result.policy;
  auto again = compile(program.source_text, program.source_file);
  if (!again.ok() || again.policy->serialize() != result.policy->serialize()) {
    error = fmt::format("{}: the compiled program's source no longer compiles to it; explain the .pol instead", path);
    return std::nullopt;
  }
  return again.policy;
}

std::optional<std::uint32_t> key_field(const Program& program, const std::string& key, std::string& error) {
  if (key.empty()) return 0;
  for (std::uint32_t f = 0; f < program.fields.size(); ++f)
    if (program.fields[f].name == key) return f;
  error = fmt::format("--key {}: the record has no field called `{}`", key, key);
  return std::nullopt;
}

}  // namespace

CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args) {
  auto* cmd = app.add_subcommand("explain", "say why one household of a register got its results");
  cmd->add_option("POLICY", args.policy, "policy source (or a .pcb whose source compiles to it)")->required();
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
  const Program& program = policy->program();
  const auto key = key_field(program, args.key, error);
  if (!key) {
    std::cerr << error << "\n";
    return kUsage;
  }
  std::FILE* input = std::fopen(args.data.c_str(), "rb");
  if (!input) {
    std::cerr << fmt::format("cannot open the data file `{}`\n", args.data);
    return kBadInput;
  }
  // A layered program's source_file names its whole chain ("county.pol
  // (extends province.pol, ...)"): its lines are the first file's.
  const std::string source = program.source_file.substr(0, program.source_file.find(" (extends "));
  const std::string file = std::filesystem::path(source).filename().string();
  bool found = false;
  const std::string problem = explain_register(program, input, *key, [&](const Explanation& e) {
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
  std::cerr << fmt::format("{}: no household with {} `{}`\n", args.data, program.fields[*key].name, args.id);
  return kBadInput;
}

std::string write_explanations(const std::string& policy_path, std::FILE* data, const std::string& key,
                               std::optional<int> year, std::FILE* out) {
  std::string error;
  auto policy = open_with_notes(policy_path, year, false, error);
  if (!policy) return error;
  const Program& program = policy->program();
  const auto key_index = key_field(program, key, error);
  if (!key_index) return error;
  bool write_failed = false;
  std::string line;
  std::string problem = explain_register(program, data, *key_index, [&](const Explanation& e) {
    line = e.json();
    line += '\n';
    write_failed = std::fwrite(line.data(), 1, line.size(), out) != line.size();
    return !write_failed;
  });
  if (write_failed) return "writing the explanations failed";
  return problem;
}

}  // namespace precept::cli
