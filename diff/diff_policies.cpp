// diff_policies(): `precept diff` as one call, in the order the command has
// always checked things (a file that cannot be read, a policy that does not
// resolve, the caller's own refusal, a policy that does not compile, a register
// that cannot be used), so the CLI is argument parsing and printing.
#include <precept/diff.hpp>

#include "attribute.hpp"
#include "impact.hpp"
#include "policy_file.hpp"
#include "structural.hpp"
#include "witnesses.hpp"

#include <precept/policy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace precept::diff {

namespace {

std::string title(const Policy& p) { return p.year() ? fmt::format("{} ({})", p.name(), p.year()) : p.name(); }

// An open register, closed on every way out (standard input is left open).
class Register {
 public:
  Register(const std::string& path, bool dash_is_stdin)
      : file_(path.empty() ? nullptr : dash_is_stdin && path == "-" ? stdin : std::fopen(path.c_str(), "rb")) {}
  ~Register() {
    if (file_ && file_ != stdin) std::fclose(file_);
  }
  Register(const Register&) = delete;
  Register& operator=(const Register&) = delete;
  std::FILE* get() const { return file_; }

 private:
  std::FILE* file_;
};

}  // namespace

ImpactSummary summary_of(const Impact& impact) {
  ImpactSummary summary = impact;  // the public fields, as they are
  summary.changed.assign(impact.changed.begin(), impact.changed.end());  // the public part of each
  return summary;
}

DiffResult diff_policies(const DiffPolicy& old_policy, const DiffPolicy& new_policy, const DiffOptions& options) {
  DiffResult result;
  result.old_path = old_policy.path;
  result.new_path = new_policy.path;
  result.changed_limit = options.changed_limit;
  result.language = options.language.value_or(Language::English);
  const std::array<const DiffPolicy*, 2> policies{&old_policy, &new_policy};
  std::array<std::string, 2> sources;
  for (std::size_t i = 0; i < 2; ++i) {
    if (policies[i]->text) {
      sources[i] = *policies[i]->text;
      continue;
    }
    PolicyFileText file = read_policy_file(policies[i]->path, PolicyRead::Source);
    if (!file.text) {
      result.status = DiffStatus::PolicyUnreadable;
      result.message = fmt::format("cannot read `{}`: {}", policies[i]->path, file.problem);
      return result;
    }
    sources[i] = std::move(*file.text);
  }
  // Layered policies are compared as the single policies they resolve to (for
  // `year`), so everything below reads one plain policy text per side.
  std::array<std::vector<std::string>, 2> files;
  for (std::size_t i = 0; i < 2; ++i) {
    CompileOptions resolve_options;
    resolve_options.year = options.year;
    resolve_options.base_directory = std::filesystem::path(policies[i]->path).parent_path().string();
    ResolvedSource resolved = resolve_source(sources[i], policies[i]->path, resolve_options);
    if (!resolved.text) {
      result.status = DiffStatus::PolicyErrors;
      result.diagnostics = std::move(resolved.diagnostics);
      return result;
    }
    sources[i] = std::move(*resolved.text);
    files[i] = std::move(resolved.files);
  }
  if (options.before_comparing && !options.before_comparing(files[0], files[1])) {
    result.status = DiffStatus::Stopped;
    return result;
  }
  // Both versions must compile: the diff reads their trees and runs their programs.
  CompileOptions compile_options;
  compile_options.language = options.language;
  CompileResult old_compiled = compile(sources[0], old_policy.path, compile_options);
  CompileResult new_compiled = compile(sources[1], new_policy.path, compile_options);
  // Not asked for: the revised policy's own `language`.
  result.language = new_compiled.language;
  for (CompileResult* c : {&old_compiled, &new_compiled})
    if (!c->ok()) {
      result.status = DiffStatus::PolicyErrors;
      result.diagnostics.insert(result.diagnostics.end(), c->diagnostics.begin(), c->diagnostics.end());
    }
  if (!result.ok()) return result;
  const PolicyVersion old_version = load_version(old_policy.path, sources[0]);
  const PolicyVersion new_version = load_version(new_policy.path, sources[1]);
  StructuralDiff structure = structural_diff(old_version, new_version);
  result.old_title = title(*old_compiled.policy);
  result.new_title = title(*new_compiled.policy);

  if (!options.data.empty()) {
    const Register data(options.data, true), old_data(options.old_data, false);
    if (!data.get() || (!options.old_data.empty() && !old_data.get())) {
      result.status = DiffStatus::DataUnreadable;
      result.message = fmt::format("cannot open the data file `{}`", !data.get() ? options.data : options.old_data);
      return result;
    }
    // The variants are compiled first and run in the pass on the changed rows;
    // only the first changed_limit households are kept, with their causes.
    PreparedVariants variants;
    prepare_variants(old_version, new_version, structure, variants);
    ImpactOptions impact_options;
    impact_options.group_by = options.by;
    impact_options.key_field = options.key;
    impact_options.threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    impact_options.variants = &variants.plan;
    impact_options.changed_limit = options.changed_limit;
    Impact impact = compute_impact(*old_compiled.policy, *new_compiled.policy, data.get(), old_data.get(), impact_options);
    if (!impact.fatal_error.empty()) {
      result.status = impact.out_of_memory ? DiffStatus::OutOfMemory : DiffStatus::DataInvalid;
      result.message = std::move(impact.fatal_error);
      result.data_path = options.data;
      return result;
    }
    result.attribution = attribute(variants, impact, result.language);
    result.impact = summary_of(impact);
    result.data_path = options.data;
    result.old_data_path = options.old_data;
  }
  result.edits = std::move(structure.edits);
  if (options.witnesses) {
    analysis::SolverBudget budget(options.solver_budget);
    analysis::WitnessOptions witness_options;
    witness_options.budget = &budget;
    result.witnesses = find_witnesses(sources[0], old_policy.path, sources[1], new_policy.path, witness_options);
    result.solver_budget = budget.total();
    result.solver_work = budget.used();
    result.out_of_budget_note = analysis::out_of_budget_note(*result.witnesses, budget);
  }
  return result;
}

}  // namespace precept::diff
