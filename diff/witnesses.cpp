#include "witnesses.hpp"

#include "ast_builder.hpp"
#include "checker.hpp"
#include "diagnostics.hpp"
#include "layers.hpp"

#include <precept/diagnostic.hpp>
#include <precept/policy.hpp>

#include <memory>
#include <optional>
#include <string>

namespace precept::diff {

namespace {

// A version, compiled for re-running and checked for translating.
struct LoadedVersion {
  std::string name;
  std::string_view source;
  std::optional<Policy> policy;
  std::unique_ptr<ast::PolicyFile> file;
  CheckedPolicy checked;
  std::string error;
};

LoadedVersion load(std::string_view source, std::string_view name, analysis::SolverBudget& budget) {
  LoadedVersion v;
  v.name = std::string(name);
  v.source = source;
  CompileOptions options;
  options.solver_budget = budget.left();
  CompileResult compiled = compile(source, v.name, options);
  budget.spend(compiled.solver_work);
  if (!compiled.ok()) {
    for (const auto& d : compiled.diagnostics)
      if (d.severity == Severity::Error) {
        v.error = render(d);
        break;
      }
    if (v.error.empty()) v.error = v.name + ": the policy does not compile";
    return v;
  }
  v.policy = std::move(compiled.policy);
  DiagnosticSink sink(v.name, source, 50);
  v.file = parse_policy(source, sink);
  // The tree compile() checked: parents merged, dated values picked, exceptions applied.
  LayerSources layer_sources;
  if (!v.file || sink.error_count() > 0 || !resolve_layers(*v.file, sink, LayerOptions{}, layer_sources, nullptr, nullptr) ||
      !check_policy(*v.file, sink, v.checked))
    v.error = v.name + ": the policy compiles but its checked tree could not be rebuilt";
  return v;
}

}  // namespace

std::vector<analysis::OutputWitness> find_witnesses(std::string_view old_source, std::string_view old_name,
                                                    std::string_view new_source, std::string_view new_name,
                                                    const analysis::WitnessOptions& options) {
  analysis::SolverBudget own_budget;
  analysis::WitnessOptions shared = options;
  if (!shared.budget) shared.budget = &own_budget;
  const LoadedVersion old_version = load(old_source, old_name, *shared.budget);
  const LoadedVersion new_version = load(new_source, new_name, *shared.budget);
  for (const LoadedVersion* v : {&old_version, &new_version})
    if (!v->error.empty()) {
      analysis::OutputWitness w;
      w.reason = v->error;
      return {std::move(w)};
    }
  return analysis::find_witnesses({old_version.name, old_version.source, *old_version.policy, *old_version.file, old_version.checked},
                                  {new_version.name, new_version.source, *new_version.policy, *new_version.file, new_version.checked},
                                  shared);
}

}  // namespace precept::diff
