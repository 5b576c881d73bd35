#include "explain_command.hpp"

#include <precept/precept.hpp>

#include "csv.hpp"
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

enum Exit { kOk = 0, kFailed = 1, kUsage = 2, kBadInput = 3 };

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
    std::size_t errors = 0;
    for (const auto& d : result.diagnostics) errors += d.severity == Severity::Error;
    error = fmt::format("{}: {} error{}", path, errors, errors == 1 ? "" : "s");
    return std::nullopt;
  }
  return result.policy;
}

// "" or why --key cannot be used: the record has no such field.
std::string key_problem(const Policy& policy, const std::string& key) {
  const std::vector<std::string> fields = policy.field_names();
  if (key.empty() || std::find(fields.begin(), fields.end(), key) != fields.end()) return {};
  return fmt::format("--key {}: the record has no field called `{}`", key, key);
}

std::vector<std::string> policy_files(const std::vector<std::string>& paths, std::string& error) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".pol") found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(path, ec)) {
      files.push_back(path);
    } else {
      error = fmt::format("`{}` does not exist", path);
    }
  }
  return files;
}

std::string indent(const std::string& text, const std::string& by) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    out += by + text.substr(at, end - at) + "\n";
    at = end + 1;
  }
  return out;
}

// "92.3%", from whole numbers: the same text on every machine.
std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "100.0%";
  const std::size_t tenths = (part * 1000 + whole / 2) / whole;
  return fmt::format("{}.{}%", tenths / 10, tenths % 10);
}

void json_string(std::string& out, const std::string& s) { append_json_string(out, s); }

}  // namespace

CLI::App* add_test_command(CLI::App& app, TestArgs& args) {
  auto* cmd = app.add_subcommand(
      "test", "run the examples of policies (files, or folders of *.pol) and report what they leave uncovered");
  cmd->add_option("PATH", args.paths, "policy files or folders")->required();
  cmd->add_flag("--json", args.json, "the report as one JSON object per policy, one a line");
  cmd->footer(
      "Each example runs the compiled policy on its household; a failure shows the expected and actual\n"
      "values and the explanation of the actual result. Coverage lists the rule outcomes, decide\n"
      "branches and table rows no example exercised.\n"
      "Exit: 0 all examples pass, 1 some fail, 2 command line, 3 a policy has errors.");
  return cmd;
}

int run_test_command(const TestArgs& args, bool color) {
  std::string error;
  const auto files = policy_files(args.paths, error);
  if (!error.empty()) {
    std::cerr << error << "\n";
    return kUsage;
  }
  bool policy_errors = false, failures = false;
  std::size_t passed = 0, failed = 0, covered = 0, coverable = 0;
  for (const auto& file : files) {
    std::string why;
    auto policy = open_with_notes(file, args.year, color, why, args.solver_budget);
    if (!policy) {
      std::cerr << why << "\n";
      policy_errors = true;
      continue;
    }
    const Program& program = policy->program();
    if (program.examples.empty()) {
      if (!args.json) std::cout << fmt::format("{}: no examples\n", escape_for_terminal(file));
      continue;
    }
    const TestReport report = run_examples(program);
    std::size_t file_covered = 0;
    for (const auto& item : report.coverage.items) file_covered += item.covered;
    covered += file_covered;
    coverable += report.coverage.items.size();
    const std::string name = std::filesystem::path(file).filename().string();
    if (args.json) {
      std::string out = "{\"policy\":";
      json_string(out, file);
      out += ",\"examples\":[";
      for (std::size_t i = 0; i < report.examples.size(); ++i) {
        const ExampleResult& r = report.examples[i];
        if (i) out += ',';
        out += "{\"example\":";
        json_string(out, r.label);
        out += fmt::format(",\"line\":{},\"passed\":{},\"problems\":[", r.line, r.passed ? "true" : "false");
        for (std::size_t k = 0; k < r.problems.size(); ++k) {
          if (k) out += ',';
          json_string(out, r.problems[k]);
        }
        out += "]";
        if (!r.passed) out += ",\"actual\":" + r.actual.json();
        out += "}";
      }
      out += fmt::format("],\"coverage\":{{\"covered\":{},\"total\":{},\"not_exercised\":[", file_covered,
                         report.coverage.items.size());
      bool first = true;
      for (const auto& item : report.coverage.items) {
        if (item.covered) continue;
        if (!first) out += ',';
        first = false;
        out += "{\"what\":";
        json_string(out, item.what);
        out += fmt::format(",\"line\":{}}}", item.line);
      }
      std::cout << out << "]}}\n";
    } else {
      // Labels, problems (quoting values) and file names (found in a folder)
      // are others' text: shown escaped.
      std::cout << escape_for_terminal(file) << "\n";
      for (const ExampleResult& r : report.examples) {
        std::cout << fmt::format("  {}  {} ({}:{})\n", r.passed ? "PASS" : "FAIL", escape_for_terminal(r.label),
                                 escape_for_terminal(name), r.line);
        if (r.passed) continue;
        for (const auto& problem : r.problems) std::cout << "        " << escape_for_terminal(problem) << "\n";
        std::cout << "        the actual result, explained:\n" << indent(r.actual.text(name), "        ");
      }
      std::cout << fmt::format("  coverage: {} of {} ({})\n", file_covered, report.coverage.items.size(),
                               percent(file_covered, report.coverage.items.size()));
      for (const auto& item : report.coverage.items)
        if (!item.covered)
          std::cout << fmt::format("    not exercised: {}{}\n", escape_for_terminal(item.what),
                                   item.line ? fmt::format(" ({}:{})", escape_for_terminal(item.file.empty() ? name : item.file),
                                                           item.line)
                                             : std::string());
    }
    for (const ExampleResult& r : report.examples) (r.passed ? passed : failed) += 1;
    failures = failures || !report.all_passed();
  }
  if (!args.json)
    std::cout << fmt::format("examples: {} passed, {} failed; coverage {} of {} ({})\n", passed, failed, covered,
                             coverable, percent(covered, coverable));
  if (policy_errors) return kBadInput;
  return failures ? kFailed : kOk;
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
      "and the parameters used with their citations. Worked out by running the compiled program itself.\n"
      "Exit: 0 explained, 1 policy errors, 2 command line, 3 the data cannot be used or has no such household.");
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

std::string write_explanations(const std::string& policy_path, std::FILE* data, const std::string& key,
                               std::optional<int> year, std::FILE* out) {
  std::string error;
  auto policy = open_with_notes(policy_path, year, false, error);
  if (!policy) return error;
  if (std::string problem = key_problem(*policy, key); !problem.empty()) return problem;
  bool write_failed = false;
  std::string line;
  std::string problem = explain_csv(*policy, data, key, [&](const Explanation& e) {
    line = e.json();
    line += '\n';
    write_failed = std::fwrite(line.data(), 1, line.size(), out) != line.size();
    return !write_failed;
  });
  if (write_failed) return "writing the explanations failed";
  return problem;
}

}  // namespace precept::cli
