// Compiling a policy, and the compiled policy itself.
//
//   auto compiled = precept::open_policy("policies/xijiang_2015.pol");  // source or .pcb
//   if (!compiled.ok()) { std::cerr << precept::render(compiled.diagnostics); return 1; }
//   precept::Evaluator evaluator(*compiled.policy);
//
// A Policy is immutable and cheap to copy (it shares one program); share it freely
// across threads.
#pragma once

#include <precept/diagnostic.hpp>
#include <precept/schema.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// The compiled program a Policy shares: opaque here, never reached through the
// public API (the library's own code reaches it by PolicyAccess, in an
// internal header). A Policy comes from compile(), load_policy() or open_policy().
struct Program;
struct PolicyAccess;

class Policy {
 public:
  const std::string& name() const;
  const std::string& place() const;
  int year() const;
  std::vector<std::string> output_names() const;
  std::vector<std::string> field_names() const;
  // The groups its `summary` declares (e.g. village), which RunOptions::group_by may name.
  std::vector<std::string> summary_group_names() const;
  // The file the policy was compiled from, as diagnostics name it; a layered
  // policy's names its chain: "county.pol (extends province.pol, national.pol)".
  const std::string& source_file() const;
  // Its record's fields and its outputs, typed (precept/schema.hpp): built
  // once, when the program is compiled or loaded, and shared by every copy.
  const Schema& schema() const { return *schema_; }

  // The compiled program as bytes, loadable by load_policy() (`precept compile`).
  std::string serialize() const;
  // The bytecode listing, like SQLite's EXPLAIN (`precept disasm`).
  std::string disassemble() const;


 private:
  friend struct PolicyAccess;
  explicit Policy(std::shared_ptr<const Program> program);
  std::shared_ptr<const Program> program_;
  std::shared_ptr<const Schema> schema_;
};

struct CompileResult {
  std::optional<Policy> policy;          // present when there are no errors
  std::vector<Diagnostic> diagnostics;   // errors, warnings and notes, in source order
  // The language the diagnostics are written in, and that the policy's reports
  // are to use (the summary table, render()'s labels): CompileOptions::language
  // when given, else the policy's own `language` declaration (or one it
  // inherits through `extends`), else English.
  Language language = Language::English;
  // With CompileOptions::describe_layers: every parameter's value and where it came
  // from (layer file:line, year entry, citation), every declaration's layer and
  // the exceptions applied to it (`precept check --resolved`).
  std::string resolved;
  // The files the policy was read from: its own, then each parent it extends,
  // as named in diagnostics (the CLI checks that no output overwrites one).
  std::vector<std::string> files;
  // The solver work this compile spent (Z3's resource units, see
  // CompileOptions::solver_budget): at most the budget, but for setting up a
  // search (encoding the policy), which is charged and cannot be cut short.
  std::uint64_t solver_work = 0;
  bool ok() const { return policy.has_value(); }
};

// The default of CompileOptions::solver_budget and of `--solver-budget`: over
// three times what the heaviest bundled case needs (a diff of two bundled
// policies, about 15,000,000), and small enough that a policy written to keep
// the solver busy stops within seconds.
inline constexpr std::uint64_t kDefaultSolverBudget = 50'000'000;

struct CompileOptions {
  std::size_t max_errors = 50;  // stop reporting after this many errors
  // The year whose parameter values apply (dated `param`s); by default the
  // policy's own `year`.
  std::optional<int> year;
  // For a policy that `extends` another: the folder its path is relative to.
  // open_policy() sets it to the file's folder; compile() from text needs it, or
  // `loader`, to read a parent.
  std::optional<std::string> base_directory;
  // Reads a parent policy by path (base_directory joined with the `extends`
  // path); std::nullopt when it cannot. Without it, files are read from disk.
  std::function<std::optional<std::string>(const std::string& path)> loader;
  bool describe_layers = false;  // fill CompileResult::resolved
  // The solver work (Z3's resource units, "rlimit": a count, never a clock, so
  // the same policy gets the same verdicts on any machine) that all the searches
  // of one compile may spend together; today, whether two exceptions to one
  // declaration can hold for one household. A pair left when it is spent is not
  // decided: a warning names it, and the run-time check that rejects a
  // household where two exceptions hold keeps results correct. Raise it when
  // the warning asks (`--solver-budget`).
  std::uint64_t solver_budget = kDefaultSolverBudget;
  // The language of the diagnostics (`--lang`); when unset, the policy's own
  // `language` declaration decides, and a policy that declares none is in
  // English. Never the machine's locale: the same inputs give the same bytes.
  std::optional<Language> language;
};

// Compiles policy source text. `file_name` is used in diagnostics.
CompileResult compile(std::string_view source, std::string file_name = "<policy>",
                      const CompileOptions& options = {});
// Loads a compiled program (the bytes of a .pcb file), verifying it first.
CompileResult load_policy(std::string_view bytes, std::string file_name = "<program>");
// A policy's layers merged (`extends`), the year's parameter values picked and
// its exceptions applied, as the source text of one plain policy: `precept diff`
// compares two layered policies as what they resolve to. A policy that uses none
// of these comes back exactly as written.
struct ResolvedSource {
  std::optional<std::string> text;      // absent when there are errors
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> files;       // as CompileResult::files
};
ResolvedSource resolve_source(std::string_view source, std::string file_name = "<policy>",
                              const CompileOptions& options = {});

// A what-if (a reform, in OpenFisca's sense): a policy with some parameters
// given other values, without editing its file. The what-if is a layer that
// `extends` the policy and writes one `override param` per value, so it
// compiles, explains and diffs like any layer an officer writes (`precept
// diff` attributes its impact to those parameters).
//
//   auto layer = precept::what_if_source(*base.policy, "xijiang_2015.pol", {{"poverty_line", "3000"}});
//   precept::CompileOptions options;
//   options.base_directory = "policies";   // where "xijiang_2015.pol" is; or a loader that serves its text
//   auto reform = precept::compile(layer, "what-if of xijiang_2015.pol", options);
//
// Each value is written as a register's cell writes it ("3000", "3000.50",
// "true", an enum member's name, "2015-06-30", any text), and becomes the
// literal of the parameter's type (`3000.50 yuan`, a quoted text). The layer's
// header repeats the policy's name, place and year. Throws
// std::invalid_argument naming a parameter the policy does not have, or given
// twice; a value the parameter's type cannot hold is reported by compile(), on
// the layer's line for it. In the full library (precept): it needs the compiler.
struct ParamOverride {
  std::string name;
  std::string value;
};
std::string what_if_source(const Policy& policy, const std::string& parent_path,
                           const std::vector<ParamOverride>& overrides);

// Reads a file: a compiled .pcb (recognised by its magic number) is loaded and
// verified, anything else is compiled as policy source.
CompileResult open_policy(const std::string& path, const CompileOptions& options = {});

}  // namespace precept
