#include "explain_command.hpp"

#include <precept/cli_words.hpp>
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
// `language` becomes the language to speak in: --lang, else the policy's own.
std::optional<Policy> open_with_notes(const ExplainArgs& args, bool color, std::string& error, Language& language) {
  CompileOptions options;
  options.year = args.year;
  options.language = args.language;
  auto result = open_policy(args.policy, options);
  language = result.language;
  std::cerr << render(result.diagnostics, color, language);
  if (!result.ok()) {
    error = cli_words(CliWords::policy_has_errors, language, {args.policy, count_errors(result.diagnostics, language)});
    return std::nullopt;
  }
  return result.policy;
}

}  // namespace

std::string key_problem(const Policy& policy, const std::string& key, Language language) {
  const std::vector<std::string> fields = policy.field_names();
  if (key.empty() || std::find(fields.begin(), fields.end(), key) != fields.end()) return {};
  return cli_words(CliWords::no_such_key, language, {key});
}

CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args) {
  auto* cmd = app.add_subcommand("explain", "say why one household of a register got its results");
  cmd->add_option("POLICY", args.policy, "policy source or compiled program (.pcb)")->required();
  cmd->add_option("DATA", args.data, "register as CSV with a header line")->required();
  cmd->add_option("--id", args.id, "the household: its value in the key field")->required();
  cmd->add_option("--key", args.key, "the household's key field (default: the record's first field)");
  cmd->add_option("--format", args.format, "text (for people) or json (one line, for programs)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--letter", args.letter,
                "the explanation as a letter to the household: the decision, each reason in a sentence with the "
                "policy's description and citation, amounts itemised, why earlier branches did not apply "
                "(the text form in Chinese, --lang zh, is always the letter)");
  cmd->footer(
      "For every output: the rule, decide branch or table rows that decided it, the values compared,\n"
      "and the parameters used with their citations. Worked out by running the compiled program itself.\n"
      "With --lang zh (or a policy that declares `language zh`) the text is a letter in Chinese;\n"
      "--format json keeps its machine form (a rejected household's reason is in the language).");
  return cmd;
}

int run_explain_command(const ExplainArgs& args, bool color) {
  std::string error;
  Language language = Language::English;
  auto policy = open_with_notes(args, color, error, language);
  if (!policy) {
    std::cerr << error << "\n";
    return kFailed;
  }
  if (const std::string problem = key_problem(*policy, args.key, language); !problem.empty()) {
    std::cerr << problem << "\n";
    return kUsage;
  }
  std::FILE* input = std::fopen(args.data.c_str(), "rb");
  if (!input) {
    std::cerr << cli_words(CliWords::cannot_open_data, language, {args.data}) << "\n";
    return kBadInput;
  }
  // Chinese has no trace form: its text is the letter.
  const bool letter = args.letter || language == Language::Chinese;
  // A layered program's source_file names its whole chain ("county.pol
  // (extends province.pol, ...)"): its lines are the first file's.
  const std::string source = policy->source_file().substr(0, policy->source_file().find(" (extends "));
  const std::string file = std::filesystem::path(source).filename().string();
  bool found = false;
  const std::string problem = explain_csv(*policy, input, args.key, [&](const Explanation& e) {
    if (e.id != args.id) return true;
    std::cout << (args.format == "json" ? e.json() + "\n" : letter ? e.letter(file, language) : e.text(file));
    found = true;
    return false;
  }, language);
  std::fclose(input);
  if (!problem.empty()) {
    std::cerr << fmt::format("{}: {}\n", args.data, escape_for_terminal(problem));
    return kBadInput;
  }
  if (found) return kOk;
  const std::string key = args.key.empty() ? policy->field_names().front() : args.key;
  std::cerr << cli_words(CliWords::no_household, language, {args.data, key, args.id}) << "\n";
  return kBadInput;
}

}  // namespace precept::cli
