#include "diff_command.hpp"

#include "exit_codes.hpp"
#include "terminal.hpp"

#include <precept/cli_words.hpp>
#include <precept/output_file.hpp>
#include <precept/diff.hpp>
#include <precept/precept.hpp>
#include <precept/text.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string_view>
#include <unistd.h>

namespace precept::cli {

// diff(1)'s exit codes are the table's `diff` entries (cli/exit_codes.def).

CLI::App* add_diff_command(CLI::App& app, DiffArgs& args) {
  auto* diff = app.add_subcommand("diff", "what changed between two versions of a policy, and whom it moves");
  diff->add_option("OLD", args.old_policy, "the earlier policy (.pol)")->required();
  diff->add_option("NEW", args.new_policy, "the revised policy (.pol)")->required();
  diff->add_option("DATA", args.data, "a register to measure the impact on (CSV)");
  diff->add_option("--old-data", args.old_data, "last year's register: DATA is then this year's, joined on --key");
  diff->add_option("--key", args.key, "the field that identifies a household (default: the first text field)");
  diff->add_option("--by", args.by, "count the impact by a summary group (e.g. village) or a field")->delimiter(',');
  diff->add_option("--format", args.format, "text, markdown, json or html")
      ->check(CLI::IsMember({"text", "markdown", "json", "html"}));
  diff->add_option("-o,--output", args.output, "write the report here (default: standard output)");
  diff->add_option("--changed-limit", args.changed_limit, "households listed (default 50); the counts cover all");
  diff->add_option("-j,--threads", args.threads, "threads (default: one per core)")->check(CLI::Range(1, 256));
  diff->add_flag("--no-witness", args.no_witness, "skip the search for witnesses without data");
  return diff;
}

int run_diff_command(const DiffArgs& args, const std::string& color) {
  // Until the policies are read: --lang, else English.
  Language language = args.language.value_or(Language::English);
  if (!args.old_data.empty() && args.data.empty()) {
    std::cerr << cli_words(CliWords::old_data_needs_data, language) << "\n";
    return kUsage;
  }
  const bool colored = use_color(color, stderr);
  diff::DiffOptions options;
  options.year = args.year;
  options.data = args.data;
  options.old_data = args.old_data;
  options.key = args.key;
  options.by = args.by;
  options.changed_limit = args.changed_limit;
  options.threads = args.threads;
  options.witnesses = !args.no_witness;
  options.solver_budget = args.solver_budget;
  options.language = args.language;
  // Refused before anything is computed or written: a report over a version
  // or a register would destroy it.
  std::optional<OutputFile> output;
  int refused = kNoChange;
  options.before_comparing = [&](const std::vector<std::string>& old_files, const std::vector<std::string>& new_files) {
    std::vector<NamedFile> inputs{{"the register", args.data}, {"the old register (--old-data)", args.old_data}};
    for (const auto& [files, version] : {std::pair{&old_files, "OLD"}, std::pair{&new_files, "NEW"}})
      for (std::size_t i = 0; i < files->size(); ++i)
        inputs.push_back({i == 0 ? fmt::format("the {} policy", version) : fmt::format("a parent of the {} policy", version),
                          (*files)[i]});
    if (const std::string clash = clashing_files(inputs, {{"-o", args.output}}); !clash.empty()) {
      std::cerr << clash << "\n";
      refused = kUsage;
      return false;
    }
    output.emplace(args.output, "the report");
    if (!output->stream()) {
      std::cerr << cli_words(CliWords::cannot_write_report, language, {output->error()}) << "\n";
      refused = kWriteFailed;
      return false;
    }
    return true;
  };
  const diff::DiffResult result = diff::diff_policies({args.old_policy, std::nullopt}, {args.new_policy, std::nullopt}, options);
  language = result.language;
  switch (result.status) {
    case diff::DiffStatus::Ok: break;
    case diff::DiffStatus::Stopped: return refused;
    case diff::DiffStatus::PolicyUnreadable:
      std::cerr << result.message << "\n";
      return kBadInput;
    case diff::DiffStatus::PolicyErrors:
      std::cerr << render(result.diagnostics, colored, language);
      std::cerr << cli_words(CliWords::diff_policy_errors, language) << "\n";
      return kDiffPolicyErrors;
    case diff::DiffStatus::DataUnreadable:
      std::cerr << result.message << "\n";
      return kBadInput;
    case diff::DiffStatus::DataInvalid:
      std::cerr << fmt::format("{}: {}\n", result.data_path, escape_for_terminal(result.message, LineBreaks::Escape));
      return kBadInput;
    case diff::DiffStatus::OutOfMemory:
      std::fputs(out_of_memory_message(), stderr);
      return kOutOfMemory;
  }
  // Said where it is seen even when the report goes to a file.
  if (!result.out_of_budget_note.empty())
    std::cerr << cli_words(CliWords::warning, language, {result.out_of_budget_note}) << "\n";
  const bool paint = use_color(color, output->stream());
  std::string text;
  if (args.format == "markdown") text = diff::render_markdown(result);
  else if (args.format == "json") text = diff::render_json(result);
  else if (args.format == "html") text = diff::render_html(result);
  else text = diff::render_text(result, paint);
  std::fwrite(text.data(), 1, text.size(), output->stream());
  std::string error;
  if (!output->finish()) {
    std::cerr << cli_words(CliWords::report_failed_none_left, language, {output->name()}) << "\n";
    return kWriteFailed;
  }
  if (!publish({&*output}, error)) {
    std::cerr << error << "\n";
    return kWriteFailed;
  }
  return result.changed() ? kChanges : kNoChange;
}

}  // namespace precept::cli
