// precept-embed: the embedding API on one page, every kind of call, each in a
// function named for it and run in order by main().
//
// Compile a policy once and keep the precept::Policy: it is immutable and cheap
// to copy, so every thread may share it. Give every thread its own
// precept::Evaluator: it owns the scratch space of a batch, so it must not be
// shared. Records go in as (field, text) pairs, the text exactly as a CSV export
// has it, and results come back as text, in the order of policy.output_names();
// or, without any text, as typed values by field and output index
// (policy.schema(), precept::TypedRecord, precept::TypedOutcome).
//
//   compile_with_diagnostics   analyse_tables          resolve_layers
//   save_and_load_program      evaluate_households     evaluate_batches_on_threads
//   evaluate_typed             explain_household       run_register
//   test_policy_examples
//   format_source              diff_with_impact        diff_without_data
//   evaluate_compiled (eval_only.cpp: precept_eval alone)
//
// Which library each needs: loading a .pcb, evaluating, explaining, running a
// register and testing examples are in the evaluation-only library
// (Precept::precept_eval, no ANTLR, no Z3); compiling source, formatting and
// diffing need the full one (Precept::precept), which this program links.
//
//   precept-embed [SOURCE_DIR [OUTPUT_DIR]]
//
// SOURCE_DIR holds policies/ and examples/data/ (default: this source tree);
// OUTPUT_DIR receives w1.pcb and the diff report xijiang_2015_2016.md
// (default: a folder under the system's temporary directory).
#include <precept/precept.hpp>

#include "eval_only.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Record = std::vector<std::pair<std::string, std::string>>;

// The bundled files the calls below use, as paths a report may name.
struct Paths {
  fs::path source_dir, output_dir;
  std::string file(const std::string& relative) const { return (source_dir / relative).lexically_normal().string(); }
  std::string w1() const { return file("policies/xijiang_2015.pol"); }
  std::string w1_2016() const { return file("policies/xijiang_2016.pol"); }
  std::string sample() const { return file("examples/data/xijiang_sample.csv"); }
  std::string pcb() const { return (output_dir / "w1.pcb").string(); }
};

// W1 treats an empty number or flag as a bad value, so a record names every
// field; only text fields such as `village` may be left out.
Record household(std::string id, std::string members, std::string net_income) {
  return {{"household_id", std::move(id)}, {"county", "会昌县"}, {"township", "西江镇"},
          {"village", "西头村"}, {"members", std::move(members)}, {"labor_count", "1"},
          {"net_income", std::move(net_income)}, {"deposits", "0"}, {"owns_car", "0"},
          {"owns_town_house", "0"}, {"public_employee", "0"}, {"house", "safe"}, {"dibao", "0"},
          {"wubao", "0"}, {"ill_members", "0"}, {"disabled_members", "0"}, {"students", "0"},
          {"disaster_loss", "0"}, {"safe_water", "1"}, {"remote", "0"}};
}

void set(Record& record, const std::string& field, std::string value) {
  for (auto& [name, text] : record)
    if (name == field) text = std::move(value);
}

// Writes `bytes` to `path`, saying so when it cannot: an output that was not
// written must not pass for one that was.
bool write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (out.flush()) return true;
  std::cerr << "cannot write `" << path << "`\n";
  return false;
}

// An ill household in a D-grade house, under the 2015 line.
Record poor_household() {
  Record poor = household("360733-0000001", "4", "6157.78");
  set(poor, "ill_members", "1");
  set(poor, "house", "d");
  return poor;
}

void print_outcome(const precept::Policy& policy, const std::string& id, const precept::Outcome& outcome) {
  if (!outcome.ok) {
    // A rejected record is data, not an exception: what rejected it (a kind to
    // act on), the column or the policy's declaration and line, and the words.
    std::cout << id << ": rejected (" << precept::reject_kind_name(outcome.kind) << "): " << outcome.error;
    if (!outcome.column.empty()) std::cout << " [column " << outcome.column << "]";
    if (!outcome.declaration.empty())
      std::cout << " [" << outcome.declaration << " at " << outcome.policy_file << ":" << outcome.policy_line << "]";
    std::cout << "\n";
    return;
  }
  std::cout << id << ":";
  const std::vector<std::string> names = policy.output_names();
  for (std::size_t i = 0; i < names.size(); ++i) std::cout << " " << names[i] << "=" << outcome.values[i];
  std::cout << "\n";
}

// 1. Compile: errors and warnings are data (file, line, column, message, hint),
//    and render() shows them as `precept check` does.
std::optional<precept::Policy> compile_with_diagnostics(const Paths& paths) {
  const precept::CompileResult broken = precept::compile(
      "policy \"broken\" year 2016\nrecord r { members: int }\noutput poor = membrs > 3\n", "broken.pol");
  for (const precept::Diagnostic& d : broken.diagnostics)
    std::cout << "diagnostic: " << d.file << ":" << d.line << ":" << d.column << ": " << d.message
              << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
  std::cout << "compile broken.pol: " << (broken.ok() ? "compiled" : precept::count_errors(broken.diagnostics)) << "\n";

  const precept::CompileResult compiled = precept::open_policy(paths.w1());  // source or .pcb
  std::cerr << precept::render(compiled.diagnostics);  // warnings come even when it compiles
  if (!compiled.ok()) return std::nullopt;
  std::cout << "compiled: " << compiled.policy->name() << " (" << compiled.policy->year() << "), "
            << compiled.policy->field_names().size() << " fields, " << compiled.policy->output_names().size()
            << " outputs\n";
  return compiled.policy;
}

// 2. Table analysis runs as part of compiling: a table with no row for some
//    households, or rows that disagree, comes back as a diagnostic with a
//    household that shows it. A warning does not stop the compile: that
//    household is then rejected, naming the table and its line.
void analyse_tables() {
  const precept::CompileResult result = precept::compile(R"(policy "aid" year 2016
enum grade { safe, c, d }
record r {
  house:   grade
  members: int where >= 1
}
table housing
  | when house | when members | aid: money |
  | d          | -            | 2000 yuan  |
  | c          | -            | 800 yuan   |
  | safe       | 1, 2         | 100 yuan   |
output housing
)",
                                                         "aid.pol");
  for (const precept::Diagnostic& d : result.diagnostics)
    std::cout << "table analysis: line " << d.line << ": " << d.message << "; " << d.hint << "\n";
  if (!result.ok()) return;
  precept::Evaluator evaluator(*result.policy);
  print_outcome(*result.policy, "safe house, 3 members", evaluator.evaluate({{"house", "safe"}, {"members", "3"}}));
}

// 3. A layered policy: its parents merged, the year's values picked, each
//    value's origin described (`precept check --resolved`), and the one plain
//    policy it resolves to (what a diff compares).
void resolve_layers(const Paths& paths) {
  precept::CompileOptions options;
  options.describe_layers = true;
  const precept::CompileResult town = precept::open_policy(paths.file("policies/xijiang_town_2016.pol"), options);
  if (!town.ok()) {
    std::cerr << precept::render(town.diagnostics);
    return;
  }
  std::cout << "layers: " << town.policy->source_file() << ", " << town.files.size() << " files\n";
  std::istringstream resolved(town.resolved);
  for (std::string line; std::getline(resolved, line);)
    if (line.find("poverty_line") != std::string::npos) {
      std::cout << "  " << line << "\n";
      break;
    }
  std::ifstream in(paths.file("policies/xijiang_town_2016.pol"));
  std::stringstream text;
  text << in.rdbuf();
  options.describe_layers = false;
  options.base_directory = paths.file("policies");  // where `extends` finds the parents
  const precept::ResolvedSource plain = precept::resolve_source(text.str(), "xijiang_town_2016.pol", options);
  std::cout << "resolved source: " << (plain.text ? std::to_string(std::count(plain.text->begin(), plain.text->end(), '\n')) + " lines" : "errors") << "\n";
}

// 4. The compiled program (.pcb, what `precept compile` writes): saved, loaded
//    back and verified; its bytecode listing (`precept disasm`).
std::optional<precept::Policy> save_and_load_program(const precept::Policy& compiled, const Paths& paths) {
  const std::string bytes = compiled.serialize();
  if (!write_file(paths.pcb(), bytes)) return std::nullopt;
  const precept::CompileResult loaded = precept::load_policy(bytes, "w1.pcb");
  std::cerr << precept::render(loaded.diagnostics);
  if (!loaded.ok()) return std::nullopt;
  const precept::CompileResult damaged = precept::load_policy(bytes.substr(0, bytes.size() / 2), "damaged.pcb");
  std::cout << "program: " << bytes.size() << " bytes, loaded; a truncated copy: "
            << (damaged.ok() ? "loaded" : precept::count_errors(damaged.diagnostics)) << "\n";
  const std::string listing = loaded.policy->disassemble();
  std::cout << "disasm: " << listing.substr(0, listing.find('\n')) << "\n";
  return loaded.policy;
}

// 5. One household at a time. A misspelt field name is refused, not ignored.
void evaluate_households(const precept::Policy& policy) {
  precept::Evaluator evaluator(policy);
  Record well_off = household("360733-0000002", "4", "29301.10");
  Record wubao = household("360733-0000020", "1", "1794");
  set(wubao, "wubao", "1");
  set(wubao, "labor_count", "0");
  Record no_members = household("360733-0000596", "0", "1000");      // members must be >= 1
  Record unreadable = household("360733-0000597", "3", "12.345");    // money has 2 decimals
  Record misspelt = household("360733-0000599", "3", "5000");
  misspelt.emplace_back("membres", "4");
  for (const Record& r : {poor_household(), well_off, wubao, no_members, unreadable, misspelt})
    print_outcome(policy, r.front().second /* household_id */, evaluator.evaluate(r));

  // A registry's whole row may carry more than the policy reads: say so.
  precept::EvaluatorOptions lenient;
  lenient.allow_unknown_fields = true;
  precept::Evaluator whole_rows(policy, lenient);
  print_outcome(policy, "360733-0000599 (extra fields allowed)", whole_rows.evaluate(misspelt));
}

// A deterministic register, so every run and every thread sees the same input.
std::vector<Record> generate(std::size_t count) {
  std::vector<Record> records;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t cents = i * 37 % 100;
    Record r = household("G-" + std::to_string(i), std::to_string(1 + i % 6),
                         std::to_string(500 + i * 7919 % 30000) + (cents < 10 ? ".0" : ".") +
                             std::to_string(cents));
    set(r, "labor_count", std::to_string(i % 3));
    set(r, "ill_members", i % 7 == 0 ? "1" : "0");
    set(r, "students", i % 5 == 0 ? "1" : "0");
    set(r, "house", i % 11 == 0 ? "d" : i % 13 == 0 ? "c" : "safe");
    set(r, "wubao", i % 17 == 0 ? "1" : "0");
    if (i % 97 == 0) set(r, "members", "0");  // real registers have bad rows too
    records.push_back(std::move(r));
  }
  return records;
}

bool same(const precept::Outcome& a, const precept::Outcome& b) {
  return a.ok == b.ok && a.values == b.values && a.kind == b.kind && a.error == b.error && a.column == b.column;
}

// 6. Batches (the fast path), on two threads: one Evaluator each, one Policy.
bool evaluate_batches_on_threads(const precept::Policy& policy) {
  const std::vector<Record> records = generate(600);
  std::array<std::vector<precept::Outcome>, 2> results;
  std::vector<std::thread> threads;
  for (auto& out : results)
    threads.emplace_back([&policy, &records, &out] {
      precept::Evaluator own(policy);
      out = own.evaluate_batch(records);
    });
  for (std::thread& t : threads) t.join();

  // Outputs are positional; look a name up once, not per record.
  const std::vector<std::string> names = policy.output_names();
  const auto poor_at = static_cast<std::size_t>(std::find(names.begin(), names.end(), "poor") - names.begin());
  std::size_t rejected = 0, poor_count = 0, disagreements = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const precept::Outcome& o = results[0][i];
    rejected += !o.ok;
    poor_count += o.ok && poor_at < o.values.size() && o.values[poor_at] == "true";
    disagreements += !same(o, results[1][i]);
  }
  std::cout << "batch: " << records.size() << " records: " << records.size() - rejected << " evaluated ("
            << poor_count << " poor), " << rejected << " rejected; the threads "
            << (disagreements ? "DISAGREE on " + std::to_string(disagreements) : std::string("agree")) << "\n";
  return disagreements == 0;
}

// 6b. Typed values: no text in, no text out, no name looked up per value. The
//     schema says each field's and output's kind; indexes are looked up once.
//     Money is int64 fen, a date days since 1970-01-01, an enum member its
//     index in the schema's members. The same rules as for text: bounds,
//     defaults, and the same rejections.
bool evaluate_typed(const precept::Policy& policy) {
  const precept::Schema& schema = policy.schema();
  const auto field = [&](const char* name) { return schema.field_index(name).value(); };
  const auto output = [&](const char* name) { return schema.output_index(name).value(); };
  const precept::FieldInfo& house = schema.fields[field("house")];
  std::cout << "schema: " << schema.fields.size() << " fields; members: "
            << precept::value_kind_name(schema.fields[field("members")].kind) << " where "
            << schema.fields[field("members")].bound << "; house: " << house.enum_name << " {";
  for (std::size_t m = 0; m < house.members.size(); ++m) std::cout << (m ? ", " : "") << house.members[m];
  std::cout << "}; measures: " << precept::value_kind_name(schema.outputs[output("measures")].kind) << "\n";

  // The poor household of poor_household(), as values. One record, reused.
  precept::TypedRecord record(policy);
  record.set_text(field("household_id"), "360733-0000001");
  record.set_text(field("county"), "会昌县");
  record.set_text(field("township"), "西江镇");
  record.set_text(field("village"), "西头村");
  record.set_int(field("members"), 4);
  record.set_int(field("labor_count"), 1);
  record.set_money(field("net_income"), 615778);  // 6157.78 yuan
  record.set_money(field("deposits"), 0);
  for (const char* flag : {"owns_car", "owns_town_house", "public_employee", "dibao", "wubao", "remote"})
    record.set_bool(field(flag), false);
  record.set_bool(field("safe_water"), true);
  record.set_enum(field("house"), 2);  // d
  record.set_int(field("ill_members"), 1);
  record.set_int(field("disabled_members"), 0);
  record.set_int(field("students"), 0);
  record.set_money(field("disaster_loss"), 0);

  precept::Evaluator evaluator(policy);
  const precept::TypedOutcome outcome = evaluator.evaluate(record);  // valid until the next call
  if (!outcome.ok()) {
    std::cout << "typed: rejected: " << outcome.error() << "\n";
    return false;
  }
  const std::vector<std::string>& measures = schema.outputs[output("measures")].members;
  std::cout << "typed: " << outcome.text(output("household_id")) << " per_capita=" << outcome.scalar(output("per_capita"))
            << " fen poor=" << (outcome.boolean(output("poor")) ? "true" : "false") << " category="
            << schema.outputs[output("category")].members[static_cast<std::size_t>(outcome.scalar(output("category")))]
            << " measures=";
  const char* separator = "";
  for (const std::uint32_t m : outcome.enum_list(output("measures"))) std::cout << std::exchange(separator, ";") << measures[m];
  std::cout << " total_assistance=" << outcome.scalar(output("total_assistance")) << " fen\n";

  // Rejections are the text path's: the same kind, column and words.
  record.set_int(field("members"), 0);
  const precept::TypedOutcome none = evaluator.evaluate(record);
  std::cout << "typed: members 0: rejected (" << precept::reject_kind_name(none.kind()) << "): " << none.error()
            << "\n";

  // Many at once: a batch of typed records into results kept for reuse.
  std::vector<precept::TypedRecord> batch;
  for (std::int64_t members = 1; members <= 6; ++members) {
    record.set_int(field("members"), members);
    batch.push_back(record);
  }
  precept::TypedResults results;
  evaluator.evaluate_batch(batch, results);
  std::size_t poor = 0;
  for (std::size_t i = 0; i < results.size(); ++i) poor += results[i].ok() && results[i].boolean(output("poor"));
  std::cout << "typed batch: " << results.size() << " records, " << results.rejected() << " rejected, " << poor
            << " poor\n";

  // A misuse is the program's mistake, not the household's: an exception.
  try {
    record.set_int(field("net_income"), 615778);
  } catch (const std::invalid_argument& e) {
    std::cout << "typed misuse: " << e.what() << "\n";
  }
  return results.rejected() == 0;
}

// 7. Why: the explanation `precept explain` prints, as data (a tree flattened
//    depth first: output, rule, let, decide, table, param, field entries), as
//    text for people and as one line of JSON for programs.
void explain_household(const precept::Policy& policy) {
  const precept::Explanation why = precept::explain(policy, poor_household(), "household_id");
  for (std::size_t i = 0; i < why.output_names.size(); ++i)
    if (why.output_names[i] == "total_assistance") std::cout << "explain: total_assistance = " << why.outputs[i] << "\n";
  for (const precept::Explanation::Entry& entry : why.entries)
    if (entry.kind == "rule" || entry.kind == "param")
      std::cout << "  " << entry.kind << " " << entry.name << " = " << entry.value << " (line " << entry.line << ")"
                << (entry.compared.empty() ? "" : ": " + entry.compared.front()) << "\n";
  std::cout << why.text("xijiang_2015.pol");
  std::cout << "explain json: " << why.json() << "\n";
}

// 8. A whole register, as `precept run`: results and rejects as CSV (here
//    discarded), rejections counted by kind, the summary by village.
bool run_register(const precept::Policy& policy, const Paths& paths) {
  std::FILE* input = std::fopen(paths.sample().c_str(), "rb");
  if (!input) {
    std::cerr << "cannot read `" << paths.sample() << "`\n";
    return false;
  }
  precept::RunOptions options;
  options.group_by = {"village"};
  options.threads = 2;
  const precept::RunReport report = precept::run_csv(policy, input, nullptr, nullptr, options);
  std::fclose(input);
  if (!report.ok()) {
    std::cerr << report.fatal_error << "\n";
    return false;
  }
  std::cout << "run: " << report.rows_read << " rows, " << report.results << " results, " << report.rejected
            << " rejected";
  for (const auto& [kind, count] : report.rejected_by_kind)
    std::cout << ", " << count << " " << precept::reject_kind_name(kind);
  std::cout << "\n" << precept::format_summary_table(report.summary);
  // The summary as data: a village name comes from the register, so it is
  // shown through escape_for_terminal (a newline or an escape sequence in it
  // must not act on a terminal).
  const auto most = std::max_element(report.summary.groups.begin(), report.summary.groups.end(),
                                     [](const auto& a, const auto& b) { return a.poor_households < b.poor_households; });
  if (most != report.summary.groups.end())
    std::cout << "most poor households: " << precept::escape_for_terminal(most->key.back()) << " ("
              << most->poor_households << ")\n";
  return report.rows_read == report.results + report.rejected;
}

// 9. The policy's own examples, with coverage (`precept test`), as data.
bool test_policy_examples(const precept::Policy& policy) {
  const precept::TestResults results = precept::test_examples(policy, "xijiang_2015.pol");
  for (const precept::ExampleOutcome& example : results.examples)
    if (!example.passed) std::cout << "  FAIL " << example.label << ": " << example.problems.front() << "\n";
  std::cout << "test: " << results.passed() << " of " << results.examples.size() << " examples passed; coverage "
            << results.covered() << " of " << results.coverage.size() << "\n";
  const std::string json = precept::to_json(results, "policies/xijiang_2015.pol");
  std::cout << "test json: " << json.substr(0, json.find("\"examples\"")) << "...\n";
  return results.all_passed();
}

// 10. Source in its canonical layout (`precept fmt`); syntax errors come back
//     as diagnostics, never as a half-formatted policy.
void format_source() {
  const precept::FormatResult formatted =
      precept::format_policy("policy \"p\" year 2016\nrecord r {members:int,income:money}\nlet per_capita:money=income/members\noutput per_capita\n",
                             "p.pol");
  if (formatted.ok()) std::cout << "fmt:\n" << *formatted.text;
  const precept::FormatResult broken = precept::format_policy("policy \"p\" year\n", "q.pol");
  std::cout << "fmt q.pol: " << (broken.ok() ? "formatted" : precept::count_errors(broken.diagnostics)) << "\n";
}

// A version of a policy, read from its file (DiffPolicy::text, when set, gives
// its source instead: an edit not yet saved).
precept::diff::DiffPolicy version(const std::string& path) {
  precept::diff::DiffPolicy policy;
  policy.path = path;
  return policy;
}

// 11. What changed from 2015 to 2016: the edits, and whom they move on the
//     sample register, rendered as the Markdown a reviewer reads.
bool diff_with_impact(const Paths& paths) {
  precept::diff::DiffOptions options;
  options.data = paths.sample();
  options.by = {"village"};
  options.changed_limit = 25;
  options.witnesses = false;  // the next call shows them
  const precept::diff::DiffResult result = precept::diff::diff_policies(version(paths.w1()), version(paths.w1_2016()), options);
  if (!result.ok()) {
    std::cerr << result.message << precept::render(result.diagnostics);
    return false;
  }
  std::cout << "diff: " << result.old_title << " -> " << result.new_title << ": " << result.edits.size() << " edits\n";
  for (const precept::diff::Edit& edit : result.edits)
    if (!edit.old_value.empty()) std::cout << "  " << edit.decl << ": " << edit.old_value << " -> " << edit.new_value << "\n";
  if (result.impact) {
    const precept::diff::ImpactCounts& total = result.impact->total;
    std::cout << "impact: " << total.compared << " compared, " << total.changed << " changed, "
              << total.identified_in << " newly identified, " << total.identified_out << " no longer\n";
  }
  if (result.attribution)
    for (const precept::diff::EditEffect& effect : result.attribution->effects)
      if (effect.households) std::cout << "  " << effect.label << ": " << effect.households << " households\n";
  const fs::path report = paths.output_dir / "xijiang_2015_2016.md";
  // Or render_text (for a terminal), render_json, render_html.
  if (!write_file(report.string(), precept::diff::render_markdown(result))) return false;
  std::cout << "diff report: " << report.filename().string() << "\n";
  return result.changed();
}

// 12. Without a register: per output, a household on which the versions
//     differ (confirmed by running both), or a proof that they agree.
void diff_without_data(const Paths& paths) {
  const precept::diff::DiffResult result = precept::diff::diff_policies(version(paths.w1()), version(paths.w1_2016()));
  if (!result.ok() || !result.witnesses) return;
  for (const precept::diff::OutputWitness& witness : *result.witnesses) {
    std::cout << "witness: " << witness.output << ": ";
    switch (witness.verdict) {
      case precept::diff::Verdict::Differs:
        std::cout << "differs (" << witness.old_value << " -> " << witness.new_value << ")\n";
        break;
      case precept::diff::Verdict::SameForAll: std::cout << "same for every household\n"; break;
      case precept::diff::Verdict::Unknown: std::cout << "undecided: " << witness.reason << "\n"; break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Paths paths;
  paths.source_dir = argc > 1 ? argv[1] : PRECEPT_EMBED_SOURCE_DIR;
  paths.output_dir = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "precept-embed";
  std::error_code error;
  fs::create_directories(paths.output_dir, error);
  if (error) {
    std::cerr << "cannot create `" << paths.output_dir.string() << "`: " << error.message() << "\n";
    return 1;
  }

  const std::optional<precept::Policy> compiled = compile_with_diagnostics(paths);
  if (!compiled) return 1;
  analyse_tables();
  resolve_layers(paths);
  const std::optional<precept::Policy> loaded = save_and_load_program(*compiled, paths);
  if (!loaded) return 1;
  const precept::Policy& policy = *loaded;
  evaluate_households(policy);
  bool ok = evaluate_batches_on_threads(policy);
  ok = evaluate_typed(policy) && ok;
  explain_household(policy);
  ok = run_register(policy, paths) && ok;
  ok = test_policy_examples(policy) && ok;
  format_source();
  ok = diff_with_impact(paths) && ok;
  diff_without_data(paths);
  ok = embed::evaluate_compiled(paths.pcb(), poor_household()) && ok;
  return ok ? 0 : 1;
}
