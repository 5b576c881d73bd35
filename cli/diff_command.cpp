#include "diff_command.hpp"

#include "attribute.hpp"
#include "exit_codes.hpp"
#include "impact.hpp"
#include "output_file.hpp"
#include "policy_file.hpp"
#include "report.hpp"
#include "structural.hpp"
#include "text_width.hpp"
#include "witness.hpp"

#include <precept/precept.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>
#include <unistd.h>

namespace precept::cli {

namespace {

// diff(1)'s exit codes are the table's `diff` entries (cli/exit_codes.def).

std::string title(const Policy& p) {
  return p.year() ? fmt::format("{} ({})", p.name(), p.year()) : p.name();
}

}  // namespace

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
  if (!args.old_data.empty() && args.data.empty()) {
    std::cerr << "--old-data needs DATA, this year's register, to join with\n";
    return kUsage;
  }
  std::string old_source, new_source;
  for (auto [source, path] : {std::pair{&old_source, &args.old_policy}, std::pair{&new_source, &args.new_policy}}) {
    PolicyFileText file = read_policy_file(*path, PolicyRead::Source);
    if (!file.text) {
      std::cerr << fmt::format("cannot read `{}`: {}\n", *path, file.problem);
      return kBadInput;
    }
    *source = std::move(*file.text);
  }
  const bool colored = color == "always" || (color == "auto" && isatty(fileno(stderr)) && !std::getenv("NO_COLOR"));
  std::vector<NamedFile> inputs{{"the register", args.data}, {"the old register (--old-data)", args.old_data}};
  // Layered policies are compared as the single policies they resolve to (for
  // --year), so everything below reads one plain policy text per side.
  for (auto [source, path] : {std::pair{&old_source, &args.old_policy}, std::pair{&new_source, &args.new_policy}}) {
    const char* version = path == &args.old_policy ? "OLD" : "NEW";
    CompileOptions options;
    options.year = args.year;
    options.base_directory = std::filesystem::path(*path).parent_path().string();
    auto resolved = resolve_source(*source, *path, options);
    if (!resolved.text) {
      std::cerr << render(resolved.diagnostics, colored);
      std::cerr << "a policy has errors; nothing was compared\n";
      return kDiffPolicyErrors;
    }
    *source = std::move(*resolved.text);
    for (std::size_t i = 0; i < resolved.files.size(); ++i)
      inputs.push_back({i == 0 ? fmt::format("the {} policy", version) : fmt::format("a parent of the {} policy", version),
                        resolved.files[i]});
  }
  // Refused before anything is computed or written: a report over a version
  // or a register would destroy it.
  if (const std::string clash = clashing_files(inputs, {{"-o", args.output}}); !clash.empty()) {
    std::cerr << clash << "\n";
    return kUsage;
  }
  OutputFile output(args.output, "the report");
  if (!output.stream()) {
    std::cerr << fmt::format("cannot write the report: {}\n", output.error());
    return kWriteFailed;
  }
  // Both versions must compile: the diff reads their trees and runs their programs.
  auto old_compiled = compile(old_source, args.old_policy);
  auto new_compiled = compile(new_source, args.new_policy);
  bool errors = false;
  for (auto* c : {&old_compiled, &new_compiled})
    if (!c->ok()) {
      std::cerr << render(c->diagnostics, colored);
      errors = true;
    }
  if (errors) {
    std::cerr << "a policy has errors; nothing was compared\n";
    return kDiffPolicyErrors;
  }
  const diff::PolicyVersion old_version = diff::load_version(args.old_policy, old_source);
  const diff::PolicyVersion new_version = diff::load_version(args.new_policy, new_source);
  const diff::StructuralDiff structure = diff::structural_diff(old_version, new_version);

  diff::DiffReport report;
  report.old_path = args.old_policy;
  report.new_path = args.new_policy;
  report.old_title = title(*old_compiled.policy);
  report.new_title = title(*new_compiled.policy);
  report.structure = &structure;
  report.changed_limit = args.changed_limit;

  std::optional<diff::Impact> impact;
  std::optional<diff::Attribution> attribution;
  diff::PreparedVariants variants;
  if (!args.data.empty()) {
    diff::ImpactOptions options;
    options.group_by = args.by;
    options.key_field = args.key;
    options.threads = args.threads ? args.threads : std::max(1u, std::thread::hardware_concurrency());
    std::FILE* data = args.data == "-" ? stdin : std::fopen(args.data.c_str(), "rb");
    std::FILE* old_data = args.old_data.empty() ? nullptr : std::fopen(args.old_data.c_str(), "rb");
    if (!data || (!args.old_data.empty() && !old_data)) {
      std::cerr << fmt::format("cannot open the data file `{}`\n", !data ? args.data : args.old_data);
      if (data && data != stdin) std::fclose(data);
      if (old_data) std::fclose(old_data);
      return kBadInput;
    }
    // The variants are compiled first and run in the pass on the changed rows;
    // only the first --changed-limit households are kept, with their causes.
    diff::prepare_variants(old_version, new_version, structure, variants);
    options.variants = &variants.plan;
    options.changed_limit = args.changed_limit;
    impact = diff::compute_impact(*old_compiled.policy, *new_compiled.policy, data, old_data, options);
    if (data != stdin) std::fclose(data);
    if (old_data) std::fclose(old_data);
    if (!impact->fatal_error.empty()) {
      if (impact->out_of_memory) {
        std::fputs(out_of_memory_message(), stderr);
        return kOutOfMemory;
      }
      std::cerr << fmt::format("{}: {}\n", args.data, escape_for_terminal(impact->fatal_error));
      return kBadInput;
    }
    attribution = diff::attribute(variants, *impact);
    report.impact = &*impact;
    report.attribution = &*attribution;
    report.data_path = args.data;
    report.old_data_path = args.old_data;
  }
  std::vector<diff::OutputWitness> witnesses;
  diff::SolverBudget solver_budget(args.solver_budget);
  if (!args.no_witness) {
    diff::WitnessOptions witness_options;
    witness_options.budget = &solver_budget;
    witnesses = diff::find_witnesses(old_source, args.old_policy, new_source, args.new_policy, witness_options);
    report.witnesses = &witnesses;
    report.solver_budget = &solver_budget;
    // Said where it is seen even when the report goes to a file.
    if (const std::string note = diff::out_of_budget_note(witnesses, solver_budget); !note.empty())
      std::cerr << "warning: " << note << "\n";
  }
  const bool to_terminal = (args.output.empty() || args.output == "-") && isatty(fileno(stdout));
  const bool paint = color == "always" || (color == "auto" && to_terminal && !std::getenv("NO_COLOR"));
  std::string text;
  if (args.format == "markdown") text = diff::render_markdown(report);
  else if (args.format == "json") text = diff::render_json(report);
  else if (args.format == "html") text = diff::render_html(report);
  else text = diff::render_text(report, paint);
  std::fwrite(text.data(), 1, text.size(), output.stream());
  std::string error;
  if (!output.finish()) {
    std::cerr << fmt::format("writing {} failed; no report was left behind\n", output.name());
    return kWriteFailed;
  }
  if (!publish({&output}, error)) {
    std::cerr << error << "\n";
    return kWriteFailed;
  }
  return report.changed() ? kChanges : kNoChange;
}

}  // namespace precept::cli
