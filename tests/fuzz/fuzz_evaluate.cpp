// Fuzz target (4): policy + row -> evaluate. The first byte selects one of the
// project's policies (compiled once, in LLVMFuzzerInitialize); the rest is one CSV
// row of text values for its fields, in field order. The single-record path
// (Evaluator::evaluate) and the batch path (evaluate_batch, the row repeated among
// other rows) must give the same Outcome, and so must a fresh evaluator.
#include "fuzz_common.hpp"

#include "csv.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace {

using Record = std::vector<std::pair<std::string, std::string>>;

struct Subject {
  std::unique_ptr<precept::Policy> policy;
  std::unique_ptr<precept::Evaluator> evaluator;  // reused across inputs, like a server
  std::vector<std::string> fields;
  std::vector<Record> others;                  // fixed rows mixed into the batch
  std::vector<precept::Outcome> other_outcomes;  // their single-record outcomes
};

std::vector<Subject>& subjects() {
  static std::vector<Subject> all;
  return all;
}

bool same(const precept::Outcome& a, const precept::Outcome& b) {
  return a.ok == b.ok && a.values == b.values && a.column == b.column && a.error == b.error &&
         a.policy_line == b.policy_line;
}

void print(const char* label, const precept::Outcome& o) {
  std::fprintf(stderr, "%s: ok=%d line=%u column=%s error=%s values=", label, o.ok, o.policy_line,
               o.column.c_str(), o.error.c_str());
  for (const std::string& v : o.values) std::fprintf(stderr, "[%s]", v.c_str());
  std::fprintf(stderr, "\n");
}

void check_same(const char* what, const precept::Outcome& single, const precept::Outcome& other) {
  if (same(single, other)) return;
  print("single", single);
  print(what, other);
  precept_fuzz::fail("evaluate() and evaluate_batch() disagree");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const std::string& path : precept_fuzz::seed_policies()) {
    Subject s;
    s.policy = std::make_unique<precept::Policy>(precept_fuzz::compile_seed_policy(path));
    s.evaluator = std::make_unique<precept::Evaluator>(*s.policy);
    s.fields = s.policy->field_names();
    for (const char* value : {"", "0", "1", "2"}) {
      Record r;
      for (const std::string& name : s.fields) r.emplace_back(name, value);
      s.others.push_back(std::move(r));
    }
    for (const Record& r : s.others) s.other_outcomes.push_back(s.evaluator->evaluate(r));
    subjects().push_back(std::move(s));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Subject& s = subjects()[data[0] % subjects().size()];
  const std::string_view row(reinterpret_cast<const char*>(data + 1), size - 1);

  // The row's cells, by position; a cell past the fields is ignored, a field
  // without a cell is left out of the record (so it reads as empty).
  precept::CsvReader reader(row);
  precept::CsvRecord cells;
  Record record;
  if (reader.next(cells)) {
    for (std::size_t i = 0; i < cells.fields.size() && i < s.fields.size(); ++i)
      record.emplace_back(s.fields[i], std::string(cells.fields[i]));
  }

  const precept::Outcome single = s.evaluator->evaluate(record);
  (void)s.evaluator->evaluate(s.others[1]);  // disturb the scratch space in between
  const precept::Outcome again = s.evaluator->evaluate(record);
  check_same("evaluate again", single, again);

  // Batch: the row first, among the fixed rows, and last. -1 marks the row.
  const int layout[] = {-1, 0, 1, -1, 2, 3, -1};
  std::vector<Record> batch;
  for (int k : layout) batch.push_back(k < 0 ? record : s.others[k]);
  const std::vector<precept::Outcome> outcomes = s.evaluator->evaluate_batch(batch);
  if (outcomes.size() != batch.size()) precept_fuzz::fail("evaluate_batch: wrong number of outcomes");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (layout[i] < 0) check_same("batch", single, outcomes[i]);
    else check_same("batch (fixed row)", s.other_outcomes[layout[i]], outcomes[i]);
  }

  // A fresh evaluator agrees with the reused one.
  precept::Evaluator fresh(*s.policy);
  check_same("fresh evaluator", single, fresh.evaluate(record));
  return 0;
}
