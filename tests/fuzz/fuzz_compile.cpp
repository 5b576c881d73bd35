// Fuzz target (1): policy source -> compile(). Must never crash, hang or leak;
// diagnostics must render; a policy that compiles must serialize, load back,
// and disassemble.
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  precept::CompileOptions options;
  options.max_errors = 20;
  precept::CompileResult result = precept::compile(source, "fuzz.pol", options);
  (void)precept::render(result.diagnostics);
  if (result.ok() == precept::has_errors(result.diagnostics))
    precept_fuzz::fail("compile() ok() disagrees with has_errors(diagnostics)");
  if (!result.ok()) return 0;
  for (const precept::Diagnostic& d : result.diagnostics) (void)precept::render(d, true);
  const std::string bytes = result.policy->serialize();
  precept::CompileResult loaded = precept::load_policy(bytes);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", precept::render(loaded.diagnostics).c_str());
    precept_fuzz::fail("a compiled policy does not load back from its own bytes");
  }
  if (loaded.policy->serialize() != bytes) precept_fuzz::fail("serialize(load(serialize(p))) != serialize(p)");
  (void)result.policy->disassemble();
  // Run what the compiler made: the verifier passed it, so the VM must cope.
  precept::Evaluator evaluator(*result.policy);
  (void)evaluator.evaluate_batch(precept_fuzz::plain_records(*result.policy));
  return 0;
}
