// Fuzz target (5): a layered policy and its parents, as a set of files in memory
// (fuzz_common.hpp's FileSet) read through CompileOptions::loader. The layer
// reader, merging, year picking, exceptions and their overlap search must never
// crash, hang or leak; and what compiles must also resolve (`precept diff` and
// `check --resolved` read that), to a plain policy that compiles by itself to a
// policy with the same fields and outputs.
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const precept_fuzz::FileSet files =
      precept_fuzz::split_file_set(std::string_view(reinterpret_cast<const char*>(data), size));
  precept::CompileOptions options;
  options.max_errors = 20;
  options.describe_layers = true;
  options.solver_budget = precept_fuzz::kSolverBudget;  // see fuzz_common.hpp
  // Only the files of the input exist: no path reaches the disk.
  options.loader = [&files](const std::string& path) -> std::optional<std::string> {
    if (const std::string* text = files.find(path)) return *text;
    return std::nullopt;
  };
  precept::CompileResult result = precept::compile(files.first, "root.pol", options);
  (void)precept::render(result.diagnostics);
  if (result.ok() == precept::has_errors(result.diagnostics))
    precept_fuzz::fail("compile() ok() disagrees with has_errors(diagnostics)");

  precept::CompileOptions plain = options;
  plain.describe_layers = false;
  const precept::ResolvedSource resolved = precept::resolve_source(files.first, "root.pol", plain);
  if (!result.ok()) return 0;
  if (!resolved.text) {
    std::fprintf(stderr, "%s", precept::render(resolved.diagnostics).c_str());
    precept_fuzz::fail("a layered policy compiles but does not resolve");
  }
  precept::CompileResult again = precept::compile(*resolved.text, "resolved.pol");
  if (!again.ok()) {
    std::fprintf(stderr, "resolved:\n%s\n%s", resolved.text->c_str(), precept::render(again.diagnostics).c_str());
    precept_fuzz::fail("the resolved text of a policy that compiles does not compile");
  }
  if (again.policy->field_names() != result.policy->field_names() ||
      again.policy->output_names() != result.policy->output_names())
    precept_fuzz::fail("the resolved policy has other fields or outputs than the layered one");
  precept::Evaluator evaluator(*result.policy);
  (void)evaluator.evaluate_batch(precept_fuzz::plain_records(*result.policy));
  return 0;
}
