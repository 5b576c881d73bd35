// Fuzz target (6): two versions of a policy and a register, as a set of files in
// memory (fuzz_common.hpp's FileSet): the old version first, then `%% new.pol`,
// optionally `%% data.csv` (a register: the impact pass, with attribution) and
// `%% witness` (the solver's search for a household that tells them apart).
// `precept diff` must never crash, hang or leak on them; a version compared with
// itself has no edit; every report renders, and the JSON one is JSON.
#include "fuzz_common.hpp"

#include "attribute.hpp"
#include "impact.hpp"
#include "structural.hpp"
#include "witnesses.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace {

// The impact pass reads a FILE*: the register's bytes through fmemopen.
struct MemoryFile {
  explicit MemoryFile(std::string text) : text_(std::move(text)) {
    file_ = text_.empty() ? std::fopen("/dev/null", "rb") : fmemopen(text_.data(), text_.size(), "rb");
  }
  ~MemoryFile() {
    if (file_) std::fclose(file_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::FILE* get() const { return file_; }

 private:
  std::string text_;
  std::FILE* file_ = nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace precept;
  const precept_fuzz::FileSet files =
      precept_fuzz::split_file_set(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string* new_text = files.find("new.pol");
  if (!new_text) return 0;
  const std::string& old_text = files.first;
  CompileOptions options;
  options.max_errors = 5;
  // A small solver budget: fuzzing is for the code around the solver, and a
  // question that takes the default's seconds would make every input slow.
  options.solver_budget = precept_fuzz::kSolverBudget;
  CompileResult old_compiled = compile(old_text, "old.pol", options);
  CompileResult new_compiled = compile(*new_text, "new.pol", options);
  if (!old_compiled.ok() || !new_compiled.ok()) return 0;

  const diff::PolicyVersion old_version = diff::load_version("old.pol", old_text);
  const diff::PolicyVersion new_version = diff::load_version("new.pol", *new_text);
  if (!old_version.ok || !new_version.ok) precept_fuzz::fail("a policy that compiles does not load as a diff version");
  const diff::StructuralDiff structure = diff::structural_diff(old_version, new_version);
  if (old_text == *new_text && !structure.empty()) precept_fuzz::fail("a policy differs from itself");

  diff::DiffResult report;
  report.old_path = "old.pol";
  report.new_path = "new.pol";
  report.old_title = old_compiled.policy->name();
  report.new_title = new_compiled.policy->name();
  report.edits = structure.edits;
  report.changed_limit = 3;

  std::optional<diff::Impact> impact;
  std::optional<diff::Attribution> attribution;
  diff::PreparedVariants variants;
  if (const std::string* register_text = files.find("data.csv")) {
    diff::prepare_variants(old_version, new_version, structure, variants);
    diff::ImpactOptions impact_options;
    impact_options.variants = &variants.plan;
    impact_options.changed_limit = 3;
    impact_options.batch_size = 7;
    const MemoryFile register_file(*register_text);
    impact = diff::compute_impact(*old_compiled.policy, *new_compiled.policy, register_file.get(), nullptr,
                                  impact_options);
    if (impact->fatal_error.empty()) {
      const diff::ImpactCounts& t = impact->total;
      if (t.compared + t.rejected_both + t.rejected_only_old + t.rejected_only_new != t.rows)
        precept_fuzz::fail("the impact counts do not add up to the rows read");
      if (t.changed > t.compared || impact->changed_total != t.changed + t.rejected_only_old + t.rejected_only_new)
        precept_fuzz::fail("more households changed than were compared");
      if (old_text == *new_text && impact->changed_total != 0)
        precept_fuzz::fail("a policy moves households against itself");
      attribution = diff::attribute(variants, *impact);
      report.impact = diff::summary_of(*impact);
      report.attribution = attribution;
      report.data_path = "data.csv";
    }
  }
  std::vector<analysis::OutputWitness> witnesses;
  if (files.find("witness")) {
    analysis::SolverBudget budget(precept_fuzz::kSolverBudget);
    analysis::WitnessOptions witness_options;
    witness_options.budget = &budget;
    witnesses = diff::find_witnesses(old_text, "old.pol", *new_text, "new.pol", witness_options);
    if (budget.used() > budget.total() + precept_fuzz::kSolverBudget)
      precept_fuzz::fail("the witness search spent far more than its budget");
    report.witnesses = witnesses;
    report.solver_budget = budget.total();
    report.solver_work = budget.used();
    report.out_of_budget_note = analysis::out_of_budget_note(witnesses, budget);
  }
  (void)diff::render_text(report, false);
  (void)diff::render_text(report, true);
  (void)diff::render_markdown(report);
  (void)diff::render_html(report);
  const std::string json = diff::render_json(report);
  if (!nlohmann::json::accept(json)) precept_fuzz::fail("the JSON report is not JSON");
  return 0;
}
