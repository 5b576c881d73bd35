#include "test_command.hpp"

#include "exit_codes.hpp"

#include <precept/cli_words.hpp>
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
std::vector<std::string> policy_files(const std::vector<std::string>& paths, Language language, std::string& error) {
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
      error = cli_words(CliWords::path_missing, language, {path});
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
void print_text(const std::string& file, const std::string& name, const TestResults& results, Language language) {
  std::cout << escape_for_terminal(file) << "\n";
  for (const ExampleOutcome& e : results.examples) {
    std::cout << cli_words(e.passed ? CliWords::example_passed : CliWords::example_failed, language,
                           {escape_for_terminal(e.label), escape_for_terminal(name), std::to_string(e.line)})
              << "\n";
    if (e.passed) continue;
    for (const auto& problem : e.problems) std::cout << "        " << escape_for_terminal(problem) << "\n";
    std::cout << "        " << cli_words(CliWords::actual_explained, language) << "\n"
              << indent(e.explanation_text, "        ");
  }
  std::cout << cli_words(CliWords::coverage, language,
                         {std::to_string(results.covered()), std::to_string(results.coverage.size()),
                          percent(results.covered(), results.coverage.size())})
            << "\n";
  for (const CoverageItem& item : results.coverage)
    if (!item.covered)
      std::cout << cli_words(CliWords::not_exercised, language,
                             {escape_for_terminal(item.words),
                              item.line ? fmt::format(" ({}:{})", escape_for_terminal(item.file.empty() ? name : item.file),
                                                      item.line)
                                        : std::string()})
                << "\n";
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
  // Before any policy is read: --lang, else English (each policy's own
  // `language` then speaks for its part of the report).
  const auto files = policy_files(args.paths, args.language.value_or(Language::English), error);
  if (!error.empty()) {
    std::cerr << error << "\n";
    return kUsage;
  }
  bool policy_errors = false, failures = false;
  std::size_t passed = 0, failed = 0, covered = 0, coverable = 0;
  CompileOptions options;
  options.year = args.year;
  options.solver_budget = args.solver_budget;
  options.language = args.language;
  // The totals' language: --lang, else that of the policies (the last's).
  Language language = args.language.value_or(Language::English);
  for (const auto& file : files) {
    const auto compiled = open_policy(file, options);
    language = compiled.language;
    std::cerr << render(compiled.diagnostics, color, language);
    if (!compiled.ok()) {
      std::cerr << cli_words(CliWords::policy_has_errors, language, {file, count_errors(compiled.diagnostics, language)})
                << "\n";
      policy_errors = true;
      continue;
    }
    const std::string name = std::filesystem::path(file).filename().string();
    const TestResults results = test_examples(*compiled.policy, name, language);
    if (results.examples.empty()) {
      if (!args.json) std::cout << cli_words(CliWords::no_examples, language, {escape_for_terminal(file)}) << "\n";
      continue;
    }
    covered += results.covered();
    coverable += results.coverage.size();
    if (args.json)
      std::cout << to_json(results, file) << "\n";
    else
      print_text(file, name, results, language);
    passed += results.passed();
    failed += results.examples.size() - results.passed();
    failures = failures || !results.all_passed();
  }
  if (!args.json)
    std::cout << cli_words(CliWords::examples_total, language,
                           {std::to_string(passed), std::to_string(failed), std::to_string(covered),
                            std::to_string(coverable), percent(covered, coverable)})
              << "\n";
  if (policy_errors) return kTestPolicyErrors;
  return failures ? kSomeExamplesFail : kAllExamplesPass;
}

}  // namespace precept::cli
