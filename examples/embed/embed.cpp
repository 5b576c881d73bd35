// precept-embed: the embedding API on one page, every kind of call.
//
// Compile a policy once and keep the precept::Policy: it is immutable and cheap
// to copy, so every thread may share it. Give every thread its own
// precept::Evaluator: it owns the scratch space of a batch, so it must not be
// shared. Records go in as (field, text) pairs, the text exactly as a CSV export
// has it; results come back as text, in the order of policy.output_names().
//
//   1. compile (and read diagnostics)     2. a compiled program (.pcb): save, load
//   3. evaluate one household at a time   4. explain a household
//   5. evaluate batches on threads        6. run over a CSV register, with its summary
//   7. test, fmt, diff, analysis: TODO, below
//
// Steps 2 to 6 need only the evaluation-only library (precept_eval, no ANTLR,
// no Z3) when the program comes from a .pcb; compiling needs the full one.
//
//   precept-embed [POLICY]    default: policies/xijiang_2015.pol (workload W1)
//
// The households below are W1 households, so another policy needs other records.
#include <precept/precept.hpp>

#include <algorithm>
#include <cstdio>
#include <array>
#include <cstddef>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Record = std::vector<std::pair<std::string, std::string>>;

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

void print(const precept::Policy& policy, const std::string& id, const precept::Outcome& outcome) {
  if (!outcome.ok) {
    // A rejected record is data, not an exception: it says which column and why.
    std::cout << id << ": rejected: " << outcome.error
              << (outcome.column.empty() ? "" : " (column " + outcome.column + ")") << "\n";
    return;
  }
  std::cout << id << ":\n";
  const std::vector<std::string> names = policy.output_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    std::cout << "  " << names[i] << " = " << outcome.values[i] << "\n";
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
  return a.ok == b.ok && a.values == b.values && a.error == b.error && a.column == b.column;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : PRECEPT_EMBED_DEFAULT_POLICY;

  // 1. Compile once. Warnings come back even when compiling succeeds; errors
  //    are data too (file, line, column, message, hint), rendered as the CLI
  //    shows them.
  const precept::CompileResult broken =
      precept::compile("policy \"broken\" record r { members: int }\noutput poor = membrs > 3\n", "broken.pol");
  for (const precept::Diagnostic& d : broken.diagnostics)
    std::cout << "diagnostic: " << d.file << ":" << d.line << ":" << d.column << ": " << d.message
              << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
  const precept::CompileResult compiled = precept::open_policy(path);  // source or .pcb
  std::cerr << precept::render(compiled.diagnostics);
  if (!compiled.ok()) return 1;

  // 2. The compiled program as bytes (what `precept compile` writes), loaded
  //    back and verified: a service that only evaluates ships these bytes and
  //    links precept_eval alone.
  const precept::CompileResult loaded = precept::load_policy(compiled.policy->serialize(), "in-memory.pcb");
  std::cerr << precept::render(loaded.diagnostics);
  if (!loaded.ok()) return 1;
  const precept::Policy& policy = *loaded.policy;
  std::cout << "policy: " << policy.name() << " (" << policy.year() << ")\n";

  // 3. A few households, one at a time.
  precept::Evaluator evaluator(policy);
  Record poor = household("360733-0000001", "4", "6157.78");
  set(poor, "ill_members", "1");
  set(poor, "house", "d");
  Record well_off = household("360733-0000002", "4", "29301.10");
  Record wubao = household("360733-0000020", "1", "1794");
  set(wubao, "wubao", "1");
  set(wubao, "labor_count", "0");
  Record no_members = household("360733-0000596", "0", "1000");  // rejected: members must be >= 1
  for (const Record* r : {&poor, &well_off, &wubao, &no_members})
    print(policy, r->front().second /* household_id */, evaluator.evaluate(*r));

  // 4. Why: the explanation `precept explain` prints, as data (a tree of
  //    entries: output, rule, let, decide, table, param), and as text or JSON.
  const precept::Explanation why = precept::explain(policy, poor);
  for (const precept::Explanation::Entry& entry : why.entries)
    if (entry.kind == "rule") std::cout << "  because " << entry.name << " = " << entry.value << ": " << entry.decided_by << "\n";
  std::cout << precept::explain(policy, no_members).text("xijiang_2015.pol");

  // 5. Two threads, one Evaluator each, sharing the one Policy.
  const std::vector<Record> records = generate(600);
  std::array<std::vector<precept::Outcome>, 2> results;
  std::vector<std::thread> threads;
  for (auto& out : results)
    threads.emplace_back([&policy, &records, &out] {
      precept::Evaluator own(policy);
      out = own.evaluate_batch(records);  // the fast path: many records per call
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
  std::cout << records.size() << " generated records: " << records.size() - rejected
            << " evaluated (" << poor_count << " poor), " << rejected << " rejected; the threads "
            << (disagreements ? "DISAGREE on " + std::to_string(disagreements) : std::string("agree"))
            << "\n";

  // 6. A whole register, as `precept run` does it: results and rejects as CSV,
  //    the summary by village. Here the register is the generated records.
  std::FILE* input = std::tmpfile();
  if (!input) return 1;
  std::string csv;
  for (std::size_t c = 0; c < records[0].size(); ++c) csv += (c ? "," : "") + records[0][c].first;
  for (const Record& r : records) {
    csv += "\n";
    for (std::size_t c = 0; c < r.size(); ++c) csv += (c ? "," : "") + r[c].second;
  }
  csv += "\n";
  std::fwrite(csv.data(), 1, csv.size(), input);
  std::rewind(input);
  precept::RunOptions options;
  options.group_by = {"village"};
  options.threads = 2;
  const precept::RunReport report = precept::run_csv(policy, input, nullptr, nullptr, options);
  std::fclose(input);
  if (!report.ok()) {
    std::cerr << report.fatal_error << "\n";
    return 1;
  }
  std::cout << "run: " << report.rows_read << " rows, " << report.results << " results, " << report.rejected
            << " rejected\n"
            << precept::format_summary_table(report.summary);

  // 7. Not yet public (issue 13, item 1 and 2): `precept test` (examples and
  //    coverage as data), `precept fmt`, `precept diff` (edits, impact,
  //    witnesses) and table analysis. TODO(issue 13): show them here once
  //    include/precept/ has them.

  return disagreements == 0 && report.rows_read == records.size() ? 0 : 1;
}
