// What changed between two versions of a policy, as data: `precept diff` as a
// library call, and the reports it prints on top of that data.
//
//   precept::diff::DiffOptions options;
//   options.data = "register.csv";                       // optional: measure the impact
//   const auto result = precept::diff::diff_policies({"xijiang_2015.pol"}, {"xijiang_2016.pol"}, options);
//   if (!result.ok()) { std::cerr << result.message << precept::render(result.diagnostics); return; }
//   for (const auto& edit : result.edits) ...             // what changed, in the policy's own terms
//   if (result.impact) result.impact->total.changed ...   // whom it moves
//   for (const auto& w : *result.witnesses) ...           // a household showing each difference, without data
//   std::cout << precept::diff::render_markdown(result);  // or text, JSON, HTML
//
// Three parts, each optional but the first:
//   - edits: the structural diff. Expressions are compared by their trees, so
//     layout and comments never count as a change; a layered policy is compared
//     as the single policy it resolves to (for `year`).
//   - impact (with a register): one pass evaluating both versions on every
//     household, counts overall and per group, the changed households with their
//     causes, and the attribution of each edit (the households it moves alone).
//   - witnesses (without data): per common output, a household on which the two
//     versions give different results (re-run through both to confirm), a proof
//     that they agree on every household, or why the solver could not decide.
// Everything here is plain data; no type of the engine appears in it.
#pragma once

#include <precept/diagnostic.hpp>
#include <precept/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace precept::diff {

// --- the structural diff ---------------------------------------------------

enum class EditKind { Added, Removed, Changed };
const char* edit_kind_name(EditKind kind);  // "added", "removed", "changed"

// A replacement of whole lines of the old source by lines of the new one: how
// an edit is applied on its own (attribution). old_last < old_first means an
// insertion after line old_first - 1; new_last < new_first means a deletion.
struct Splice {
  std::uint32_t old_first = 0, old_last = 0;
  std::uint32_t new_first = 0, new_last = 0;
  bool operator==(const Splice&) const = default;
};

struct Edit {
  EditKind kind = EditKind::Changed;
  std::string what;    // "header", "enum", "field", "param", "let", "rule", "decide", "table",
                       // "table row", "require", "output", "summary"
  std::string decl;    // the declaration's name ("poverty_line", "measures"); "" for header
  std::string item;    // the part within it: a field, member, row or output name; may be ""
  std::string detail;  // plain words: "value 2736.00 yuan -> 2855.00 yuan; source ..."
  std::string old_text, new_text;  // the source text of each side ("" when absent)
  std::uint32_t old_line = 0, new_line = 0;  // 0 when absent on that side
  Splice splice;       // how to apply this edit alone to the old source
  // Edits that affect no household's results whatever the data (descriptions,
  // citations, the header, summary groups); attribution skips them.
  bool affects_results = true;
  // Param edits: old and new value as written, for "because poverty_line 2736 -> 2855".
  std::string old_value, new_value;
};

// --- the impact on a register ----------------------------------------------

struct ImpactCounts {
  std::uint64_t rows = 0;               // rows counted here (both registers' rows in join mode)
  std::uint64_t compared = 0;           // accepted by both versions
  std::uint64_t changed = 0;            // of those, some common output differs
  std::uint64_t identified_in = 0;      // poor: false -> true
  std::uint64_t identified_out = 0;     // poor: true -> false
  std::uint64_t category_changed = 0;
  std::uint64_t cause_changed = 0;
  std::uint64_t measures_added = 0;     // households given a measure they did not have
  std::uint64_t measures_removed = 0;   // households losing one
  std::int64_t assistance_old = 0, assistance_new = 0;  // fen, over the compared households
  std::uint64_t rejected_both = 0, rejected_only_old = 0, rejected_only_new = 0;
  std::uint64_t only_in_old = 0, only_in_new = 0;  // join mode: a key on one register only
  void add(const ImpactCounts& other);
  std::int64_t assistance_delta() const { return assistance_new - assistance_old; }
};

struct OutputChange {
  std::string output, old_value, new_value;
};

// One household whose results differ between the versions.
struct HouseholdChange {
  std::uint64_t line = 0;      // in the (new) register
  std::uint64_t old_line = 0;  // in the old register (join mode), else = line
  std::string key;
  std::vector<std::string> group;
  // Rejected by one version (or absent from one register): its reason here,
  // in place of output changes.
  std::string old_rejected, new_rejected;
  std::vector<OutputChange> changes;
};

struct ImpactGroup {
  std::vector<std::string> key;
  ImpactCounts counts;
};

struct ImpactSummary {
  std::string key_field;
  std::vector<std::string> group_names;
  std::vector<ImpactGroup> groups;  // sorted by key
  ImpactCounts total;
  std::vector<HouseholdChange> changed;  // by line: the first DiffOptions::changed_limit
  std::uint64_t changed_total = 0;       // all of them
  std::vector<std::string> common_outputs, only_old_outputs, only_new_outputs;
  // Which of the usual outputs both versions have (the counts of the others stay 0).
  bool has_poor = false, has_cause = false, has_assistance = false, has_category = false, has_measures = false;
  bool joined = false;  // two registers (DiffOptions::old_data) joined on the key
};

// --- attribution: which edit moved which household ---------------------------

struct EditEffect {
  std::vector<std::size_t> edits;  // indexes into DiffResult::edits applied together
  std::string label;               // "poverty_line 2736.00 yuan -> 2855.00 yuan"
  bool applies_alone = true;       // false: the old source with it alone does not compile
  std::string with;                // edits it needed to compile, e.g. "enum measure member skills_training added"
  std::uint64_t households = 0;    // changed households it moves on its own
};

struct HouseholdCause {
  std::vector<std::size_t> effects;  // indexes into Attribution::effects
  // One line per changed output: "poor: false -> true because poverty_line
  // 2736.00 yuan -> 2855.00 yuan and per_capita = 2800.00".
  std::vector<std::string> lines;
};

struct Attribution {
  std::vector<EditEffect> effects;
  std::vector<HouseholdCause> households;  // parallel to ImpactSummary::changed
};

// --- witnesses without data --------------------------------------------------

enum class Verdict {
  Differs,     // `household` makes the two versions give different values
  SameForAll,  // proven: equal on every household within the declared ranges
  Unknown,     // the solver could not decide; `reason` says why, in plain words
};

// Households either version rejects are not compared for values; a household
// exactly one version rejects is reported as Differs, with "rejected: ..." as
// that version's value. SameForAll therefore means: equal on every household
// both versions accept.
struct OutputWitness {
  std::string output;  // the output's name, as both versions declare it
  Verdict verdict = Verdict::Unknown;
  // For Differs: every field of the record, as CSV cell text, in record order.
  std::vector<std::pair<std::string, std::string>> household;
  // For Differs: the output's value under each version, as the results CSV prints it
  // (or the row error, e.g. "rejected: division by zero ...").
  std::string old_value, new_value;
  std::string reason;  // for Unknown (and a note for SameForAll, e.g. the ranges assumed)
  // Unknown because the solver budget was spent before this output was decided
  // (raising the budget may decide it).
  bool out_of_budget = false;
};

// --- the call ------------------------------------------------------------------

// A version of a policy: read from `path`, or `text` when given (then `path`
// only names it in messages and is where `extends` looks for parents).
struct DiffPolicy {
  std::string path;
  std::optional<std::string> text;
};

struct DiffOptions {
  std::optional<int> year;  // dated parameters' year, in both versions
  // A register to measure the impact on (CSV; "-" is standard input); "" : none.
  std::string data;
  std::string old_data;             // last year's register: `data` is then this year's, joined on `key`
  std::string key;                  // the field that identifies a household ("" : the first text field)
  std::vector<std::string> by;      // count the impact by these summary groups or fields
  std::size_t changed_limit = 50;   // changed households kept and listed; the counts cover all
  std::size_t threads = 0;          // for the impact pass; 0: one per core
  bool witnesses = true;            // search for witnesses without data
  // The solver work all witnesses may take together, in Z3's resource units
  // (a count, not a clock: the same inputs always get the same verdicts).
  std::uint64_t solver_budget = kDefaultSolverBudget;
  // The language of the reports (text, Markdown, HTML: headings, counts, the
  // household lines) and of the policies' diagnostics: English or Chinese
  // (`--lang zh`); none: the revised policy's own `language`, else English.
  // The JSON report keeps its machine words; the edits' details and the
  // households' reject reasons stay English for now.
  std::optional<Language> language;
  // Called once both versions are read and resolved, before anything is
  // compiled or measured, with the files each version read (the policy, then
  // its parents, as `files` of a CompileResult). Returning false stops the diff
  // (DiffStatus::Stopped): the CLI refuses there to write a report over an input.
  std::function<bool(const std::vector<std::string>& old_files, const std::vector<std::string>& new_files)>
      before_comparing;
};

enum class DiffStatus {
  Ok,
  PolicyUnreadable,  // a policy file cannot be read (`message`)
  PolicyErrors,      // a policy does not resolve or compile (`diagnostics`)
  DataUnreadable,    // a register cannot be opened (`message`)
  DataInvalid,       // the register cannot be used: `message` says why and where, in `data_path`
  OutOfMemory,       // memory ran out measuring the impact
  Stopped,           // DiffOptions::before_comparing returned false
};

struct DiffResult {
  DiffStatus status = DiffStatus::Ok;
  std::string message;                  // why not, for the statuses that have one
  std::vector<Diagnostic> diagnostics;  // the policies' errors (old version's first)
  bool ok() const { return status == DiffStatus::Ok; }

  std::string old_path, new_path;
  std::string old_title, new_title;  // "name (year)"
  std::vector<Edit> edits;
  std::optional<ImpactSummary> impact;            // with DiffOptions::data
  std::string data_path, old_data_path;
  std::optional<Attribution> attribution;  // with the impact
  std::optional<std::vector<OutputWitness>> witnesses;  // absent without DiffOptions::witnesses
  std::uint64_t solver_budget = 0, solver_work = 0;     // the witnesses' budget, and what they spent
  // Which outputs the budget left undecided and what to do ("" when none).
  std::string out_of_budget_note;
  std::size_t changed_limit = 50;  // households listed; the counts cover all
  // The language of the reports for people (DiffOptions::language).
  Language language = Language::English;
  // Whether anything changed: an edit, or a household's results.
  bool changed() const;
};

DiffResult diff_policies(const DiffPolicy& old_policy, const DiffPolicy& new_policy, const DiffOptions& options = {});

// --- reports -------------------------------------------------------------------
// The reports `precept diff --format` prints: for a terminal (ANSI colours when
// `color`), Markdown for a review thread, JSON (money as exact decimal strings),
// one self-contained HTML page.
std::string render_text(const DiffResult& result, bool color = false);
std::string render_markdown(const DiffResult& result);
std::string render_json(const DiffResult& result);
std::string render_html(const DiffResult& result);

}  // namespace precept::diff
