// The compiler driver: source -> parse tree -> AST -> checked AST -> bytecode
// -> verified program. The Policy handle and load_policy(), which need no
// compiler, are in runtime/policy.cpp (the evaluation-only library).
#include <precept/policy.hpp>
#include <precept/run.hpp>

#include "ast_builder.hpp"
#include "checker.hpp"
#include "diagnostics.hpp"
#include "large_stack.hpp"
#include "layers.hpp"
#include "lower.hpp"
#include "policy_file.hpp"
#include "policy_refusal.hpp"
#include "program.hpp"
#include "serialize.hpp"
#include "verifier.hpp"
#include "vm.hpp"
#include "witness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace precept {

namespace {
CompileResult compile_here(std::string_view source, std::string file_name, const CompileOptions& options,
                           std::optional<Language>& declared);
}  // namespace

CompileResult compile(std::string_view source, std::string file_name, const CompileOptions& options) {
  CompileResult result;
  auto work = [&] {
    std::optional<Language> declared;
    result = compile_here(source, file_name, options, declared);
    // The policy's own `language` is only known once it is read (and its
    // parents merged): a policy that declares another language than the one
    // its diagnostics were worded in is compiled again, in its language.
    if (!options.language && declared && *declared != result.language) {
      CompileOptions in_its_language = options;
      in_its_language.language = *declared;
      result = compile_here(source, std::move(file_name), in_its_language, declared);
    }
  };
  run_on_large_stack(work);
  return result;
}

namespace {

CompileResult compile_here(std::string_view source, std::string file_name, const CompileOptions& options,
                           std::optional<Language>& declared) {
  const Language language = options.language.value_or(Language::English);
  DiagnosticSink sink(file_name, source, options.max_errors, language);
  CompileResult result;
  result.language = language;
  auto file = parse_policy(source, sink);
  if (file) declared = parse_language(file->language);
  // A tree with syntax errors has holes; checking it would only add confusing errors.
  if (!file || sink.error_count() > 0) {
    result.diagnostics = sink.take();
    return result;
  }
  // Parents merged in, years picked, exceptions applied: one flat policy from here on.
  LayerSources layer_sources;
  ResolvedPolicy resolved;
  std::vector<ExceptionPair> exception_pairs;
  std::string all_sources(source);
  LayerOptions layer_options{options.year, options.base_directory, options.loader};
  if (!resolve_layers(*file, sink, layer_options, layer_sources, &resolved, &exception_pairs, &all_sources)) {
    result.diagnostics = sink.take();
    return result;
  }
  declared = parse_language(file->language);
  result.files = resolved.files;
  if (options.describe_layers) result.resolved = render_resolved(resolved);
  CheckedPolicy checked;
  if (!check_policy(*file, sink, checked)) {
    result.diagnostics = sink.take();
    return result;
  }
  analysis::SolverBudget solver_budget(options.solver_budget);
  const bool exclusive =
      exception_pairs.empty() || report_overlapping_exceptions(*file, checked, exception_pairs, source, solver_budget, sink);
  result.solver_work = solver_budget.used();
  if (!exclusive) {
    result.diagnostics = sink.take();
    return result;
  }
  auto program = std::make_shared<Program>(lower_policy(*file, checked, source, file_name, resolved.files.size() > 1 ? &sink : nullptr));
  // A change in any layer is a change of the compiled policy.
  if (all_sources.size() != source.size()) program->source_hash = fnv1a64(all_sources);
  if (resolved.files.size() > 1) {
    // Instruction lines come from several files: quoting this file's lines for
    // them would show the wrong text, so the listing shows line numbers only and
    // names the chain.
    program->source_text.clear();
    program->source_file = resolved.files[0] + " (extends";
    for (std::size_t i = 1; i < resolved.files.size(); ++i) program->source_file += (i > 1 ? ", " : " ") + resolved.files[i];
    program->source_file += ")";
  }
  // Size limits of the program format, said in the policy's terms.
  const std::size_t registers = std::max({program->scalar_types.size(), std::size_t{program->text_count},
                                          program->list_types.size(), program->quotient_units.size()});
  if (program->code.size() > kMaxInstructions || registers > kMaxRegisters) {
    sink.error(file->location,
               sink.say<MessageId::policy_too_large_to_compile>(program->code.size(), registers, kMaxInstructions,
                                                                kMaxRegisters),
               sink.say<MessageId::policy_too_large_to_compile_hint>());
    result.diagnostics = sink.take();
    return result;
  }
  if (const std::string problem = memory_budget_problem(*program, kWorkerMemoryBudget); !problem.empty()) {
    sink.error(file->location, sink.say<MessageId::policy_too_large_to_run>(problem),
               sink.say<MessageId::policy_too_large_to_run_hint>());
    result.diagnostics = sink.take();
    return result;
  }
  std::string error;
  if (!verify_program(*program, error)) {
    sink.error({}, sink.say<MessageId::internal_verification>(error), sink.say<MessageId::internal_error_hint>());
    result.diagnostics = sink.take();
    return result;
  }
  result.diagnostics = sink.take();
  result.policy = PolicyAccess::make(std::move(program));
  return result;
}

}  // namespace

CompileResult open_policy(const std::string& path, const CompileOptions& options) {
  PolicyFileText file = read_policy_file(path, PolicyRead::SourceOrProgram);
  if (!file.text)
    return refused_policy(path, "cannot read the file: " + file.problem, file.hint.empty() ? "check the path" : file.hint);
  const std::string& bytes = *file.text;
  // A damaged or text-mode copy still starts "PCPT": the loader says what is wrong with it.
  if (looks_like_program(bytes) || bytes.rfind("PCPT", 0) == 0) {
    CompileResult loaded = load_policy(bytes, path);
    loaded.files = {path};
    // A compiled program does not keep its policy's `language`: `--lang` says it.
    loaded.language = options.language.value_or(Language::English);
    return loaded;
  }
  if (options.base_directory || options.loader) return compile(bytes, path, options);
  // A parent named by `extends` is relative to this file's folder.
  CompileOptions with_folder = options;
  with_folder.base_directory = std::filesystem::path(path).parent_path().string();
  return compile(bytes, path, with_folder);
}

}  // namespace precept
