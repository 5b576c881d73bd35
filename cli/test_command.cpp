#include "test_command.hpp"

#include "exit_codes.hpp"

#include <precept/precept.hpp>
#include <precept/test.hpp>
#include <precept/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace precept::cli {

namespace {

// Files as given, and every *.pol under a folder, in name order.
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

// The policy's results as text. Labels, problems (quoting values) and file
// names (found in a folder) are others' text: shown escaped.
void print_text(const std::string& file, const std::string& name, const TestResults& results) {
  std::cout << escape_for_terminal(file) << "\n";
  for (const ExampleOutcome& e : results.examples) {
    std::cout << fmt::format("  {}  {} ({}:{})\n", e.passed ? "PASS" : "FAIL", escape_for_terminal(e.label),
                             escape_for_terminal(name), e.line);
    if (e.passed) continue;
    for (const auto& problem : e.problems) std::cout << "        " << escape_for_terminal(problem) << "\n";
    std::cout << "        the actual result, explained:\n" << indent(e.explanation_text, "        ");
  }
  std::cout << fmt::format("  coverage: {} of {} ({})\n", results.covered(), results.coverage.size(),
                           percent(results.covered(), results.coverage.size()));
  for (const CoverageItem& item : results.coverage)
    if (!item.covered)
      std::cout << fmt::format("    not exercised: {}{}\n", escape_for_terminal(item.what),
                               item.line ? fmt::format(" ({}:{})", escape_for_terminal(item.file.empty() ? name : item.file),
                                                       item.line)
                                         : std::string());
}

}  // namespace

CLI::App* add_test_command(CLI::App& app, TestArgs& args) {
  auto* cmd = app.add_subcommand(
      "test", "run the examples of policies (files, or folders of *.pol) and report what they leave uncovered");
  cmd->add_option("PATH", args.paths, "policy files or folders")->required();
  cmd->add_flag("--json", args.json, "the report as one JSON object per policy, one a line");
  cmd->footer(
      "Each example runs the compiled policy on its household; a failure shows the expected and actual\n"
      "values and the explanation of the actual result. Coverage lists the rule outcomes, decide\n"
      "branches and table rows no example exercised.");
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
  CompileOptions options;
  options.year = args.year;
  options.solver_budget = args.solver_budget;
  for (const auto& file : files) {
    const auto compiled = open_policy(file, options);
    std::cerr << render(compiled.diagnostics, color);
    if (!compiled.ok()) {
      std::cerr << fmt::format("{}: {}\n", file, count_errors(compiled.diagnostics));
      policy_errors = true;
      continue;
    }
    const std::string name = std::filesystem::path(file).filename().string();
    const TestResults results = test_examples(*compiled.policy, name);
    if (results.examples.empty()) {
      if (!args.json) std::cout << fmt::format("{}: no examples\n", escape_for_terminal(file));
      continue;
    }
    covered += results.covered();
    coverable += results.coverage.size();
    if (args.json)
      std::cout << to_json(results, file) << "\n";
    else
      print_text(file, name, results);
    passed += results.passed();
    failed += results.examples.size() - results.passed();
    failures = failures || !results.all_passed();
  }
  if (!args.json)
    std::cout << fmt::format("examples: {} passed, {} failed; coverage {} of {} ({})\n", passed, failed, covered,
                             coverable, percent(covered, coverable));
  if (policy_errors) return kTestPolicyErrors;
  return failures ? kSomeExamplesFail : kAllExamplesPass;
}

}  // namespace precept::cli
