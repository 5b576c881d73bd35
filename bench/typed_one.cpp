// precept-typed-bench: one W1 household at a time through the public API
// (precept/evaluator.hpp), as a service answering one request at a time calls
// it. A W1 register is read once (no CSV parsing while timing) into typed
// records, named text records and batches of columns; then, alternately, in
// rounds:
//
//   - the hand-written W1 loop over the columns (bench/w1_bench.hpp): the bar;
//   - the VM alone on a batch of one (Machine::run, each household's values
//     copied into a one-row batch): the floor under any one-at-a-time call;
//   - typed, one at a time: one TypedRecord set from the household's values
//     (every field, by index), Evaluator::evaluate(TypedRecord), every output
//     read back through TypedOutcome's getters;
//   - typed, in batches: 256 TypedRecords set so, then evaluate_batch, every
//     output read back;
//   - text, one at a time: Evaluator::evaluate(record), and the same record as
//     evaluate_batch({record}), a batch of one.
//
// Every household's typed outputs must equal the hand-written loop's, and the
// text outcomes of evaluate(record) and of a batch of one must be equal:
// a fast wrong answer is no result, so any difference exits 1.
//
//   precept-typed-bench --data FILE [--records N] [--rounds K] [--passes P] [--policy FILE]
//
// The figures are this thread's CPU time per household (the machine is
// shared: waiting for a core is not evaluating), medians over the rounds; the
// ratios are the medians of each round's own ratio (both timed in the same
// round, under the same load). The last line is a Markdown table row for bench/RESULTS.md.
#include "batch.hpp"
#include "csv.hpp"
#include "program.hpp"
#include "register_reader.hpp"
#include "vm.hpp"
#include "w1_bench.hpp"

#include <precept/precept.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef W1_POLICY
#error "W1_POLICY (path of policies/xijiang_2015.pol) must be defined"
#endif

namespace {

using namespace precept_bench;

constexpr std::size_t batch_rows = 1024;  // of the hand-written loop, as `precept run`
using NamedRecord = std::vector<std::pair<std::string, std::string>>;

// The register, read once: the households as columns (the hand-written loop's
// input, and where the typed households are set from, as a service sets a
// record from its request) and as named text records.
struct Households {
  std::vector<std::unique_ptr<Batch>> batches;
  // What the batches' text columns view: the register's cells, one after the
  // other as in the file (reserved at the file's size, so it never moves).
  std::string cells;
  std::vector<NamedRecord> named;
  std::size_t count = 0;
  std::size_t skipped = 0;        // records that did not read
};

// One household's values, as a service holds a request: every field's value
// (or empty) side by side, texts as views of the register's cells.
struct HouseholdValues {
  std::int64_t scalar = 0;
  std::string_view text;
  const std::vector<std::int64_t>* list = nullptr;
  bool present = false;
};

// Row by row: households[i * fields + f] is household i's field f.
std::vector<HouseholdValues> household_values(const Households& households, std::size_t fields) {
  std::vector<HouseholdValues> values;
  for (const auto& batch : households.batches)
    for (std::size_t row = 0; row < batch->rows; ++row)
      for (std::size_t f = 0; f < fields; ++f) {
        const precept::FieldColumn& column = batch->columns[f];
        HouseholdValues& v = values.emplace_back();
        v.present = column.present[row] != 0;
        if (!column.scalars.empty()) v.scalar = column.scalars[row];
        if (!column.texts.empty()) v.text = column.texts[row];
        if (!column.lists.empty()) v.list = &column.lists[row];
      }
  return values;
}

// Sets every field of `record` from one household's values: what a caller
// does with each household, timed with the evaluation.
void set_typed(const std::vector<precept::ValueKind>& kinds, const HouseholdValues* values,
               precept::TypedRecord& record, std::vector<std::uint32_t>& members) {
  for (std::size_t f = 0; f < kinds.size(); ++f) {
    const HouseholdValues& v = values[f];
    if (!v.present) {
      record.set_empty(f);
      continue;
    }
    switch (kinds[f]) {
      case precept::ValueKind::Bool: record.set_bool(f, v.scalar != 0); break;
      case precept::ValueKind::Int: record.set_int(f, v.scalar); break;
      case precept::ValueKind::Money: record.set_money(f, v.scalar); break;
      case precept::ValueKind::Decimal: record.set_decimal(f, v.scalar); break;
      case precept::ValueKind::Date: record.set_date(f, static_cast<std::int32_t>(v.scalar)); break;
      case precept::ValueKind::Enum: record.set_enum(f, static_cast<std::uint32_t>(v.scalar)); break;
      case precept::ValueKind::Text: record.set_text(f, v.text); break;
      case precept::ValueKind::EnumList:
        members.assign(v.list->begin(), v.list->end());
        record.set_enum_list(f, members);
        break;
      case precept::ValueKind::List: break;  // not a field's kind
    }
  }
}

bool read_households(const precept::Policy& policy, const char* path, std::size_t limit, Households& out,
                     std::string& error) {
  const Program& program = precept::program_of(policy);
  std::FILE* file = std::fopen(path, "rb");
  if (!file || std::fseek(file, 0, SEEK_END) != 0) {
    error = std::string("cannot read ") + path;
    if (file) std::fclose(file);
    return false;
  }
  out.cells.reserve(static_cast<std::size_t>(std::max(0L, std::ftell(file))));
  std::rewind(file);
  precept::CsvReader reader(file);
  precept::RegisterRecords records(program, reader);
  error = records.start();
  if (!error.empty()) {
    std::fclose(file);
    return false;
  }
  std::vector<std::string_view> cells;
  std::uint64_t line = 0;
  std::string problem, reason;
  while (out.count < limit && records.next(cells, line, problem)) {
    if (out.batches.empty() || out.batches.back()->full()) {
      out.batches.push_back(std::make_unique<Batch>());
      out.batches.back()->reset(program, batch_rows);
    }
    Batch& batch = *out.batches.back();
    NamedRecord named;
    bool ok = problem.empty();
    for (std::uint32_t f = 0; ok && f < program.fields.size(); ++f) {
      // The batch views texts: keep them.
      const std::size_t at = out.cells.size();
      out.cells += cells[f];
      const std::string_view cell = std::string_view(out.cells).substr(at);
      named.emplace_back(program.fields[f].name, std::string(cell));
      ok = precept::parse_field_value(program, f, cell, batch.columns[f], batch.rows, reason);
    }
    if (!ok) {
      ++out.skipped;
      continue;
    }
    out.named.push_back(std::move(named));
    batch.lines[batch.rows] = line;
    ++batch.rows;
    ++out.count;
  }
  std::fclose(file);
  if (out.count == 0) {
    error = std::string(path) + " has no households that read";
    return false;
  }
  return true;
}

// W1's outputs by name, as indexes into the schema.
struct W1OutputIndexes {
  std::size_t household_id, per_capita, poor, category, cause, measures, total;
};

bool find_outputs(const precept::Schema& schema, W1OutputIndexes& out, std::string& missing) {
  const auto find = [&](const char* name, std::size_t& index) {
    const auto found = schema.output_index(name);
    if (!found) missing = name;
    index = found.value_or(0);
    return found.has_value();
  };
  return find("household_id", out.household_id) && find("per_capita", out.per_capita) && find("poor", out.poor) &&
         find("category", out.category) && find("main_cause", out.cause) && find("measures", out.measures) &&
         find("total_assistance", out.total);
}

// Every output of a typed outcome folded into a checksum: what a caller does
// with its results, so that reading them is timed too.
std::uint64_t fold(const precept::TypedOutcome& o, const W1OutputIndexes& w) {
  if (!o.ok()) return static_cast<std::uint64_t>(o.kind());
  std::uint64_t sum = o.text(w.household_id).size();
  sum += static_cast<std::uint64_t>(o.scalar(w.per_capita)) + o.boolean(w.poor);
  sum += static_cast<std::uint64_t>(o.scalar(w.category) + o.scalar(w.cause) + o.scalar(w.total));
  for (const std::uint32_t m : o.enum_list(w.measures)) sum += m;
  return sum;
}

// The typed outcome of household `i` against the hand-written loop's result
// for the same household; false (saying how) when they differ.
bool same_as_hand(const precept::TypedOutcome& o, const W1OutputIndexes& w, const precept_bench::W1Outputs& hand,
                  std::size_t i) {
  if (o.ok() == (hand.failed[i] != 0)) return false;
  if (!o.ok()) return true;
  std::uint32_t measures = 0;
  for (const std::uint32_t m : o.enum_list(w.measures)) measures |= 1u << m;
  return o.scalar(w.per_capita) == hand.per_capita[i] && o.scalar(w.poor) == hand.poor[i] &&
         o.scalar(w.category) == hand.category[i] && o.scalar(w.cause) == hand.cause[i] &&
         o.scalar(w.total) == hand.total[i] && measures == hand.measures[i] &&
         o.enum_list(w.measures).size() == static_cast<std::size_t>(__builtin_popcount(hand.measures[i]));
}

// This thread's CPU time: on a shared machine, time spent waiting for a core
// is not the evaluator's.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

int usage() {
  std::fprintf(stderr,
               "usage: precept-typed-bench --data FILE [--records N] [--rounds K] [--passes P] [--policy FILE]\n"
               "  --data FILE    a W1 register (CSV), e.g. from precept-gen --rows 100000\n"
               "  --records N    households read from it (default 20000)\n"
               "  --rounds K     timed rounds, each timing every way once (default 11)\n"
               "  --passes P     passes over the households per round for the fast ways (default 10;\n"
               "                 the text ways make one)\n"
               "  --policy FILE  the W1 policy (default %s)\n",
               W1_POLICY);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* data = nullptr;
  std::string policy_path = W1_POLICY;
  std::size_t limit = 20000, rounds = 11, passes = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--data") data = argv[++i];
    else if (arg == "--policy") policy_path = argv[++i];
    else if (arg == "--records") { if (!parse_count(argv[++i], limit)) return usage(); }
    else if (arg == "--rounds") { if (!parse_count(argv[++i], rounds)) return usage(); }
    else if (arg == "--passes") { if (!parse_count(argv[++i], passes)) return usage(); }
    else return usage();
  }
  if (!data) return usage();

  const precept::CompileResult compiled = precept::open_policy(policy_path);
  if (!compiled.ok()) {
    std::fprintf(stderr, "%s", precept::render(compiled.diagnostics).c_str());
    return 2;
  }
  const precept::Policy& policy = *compiled.policy;
  const Program& program = precept::program_of(policy);
  precept_bench::W1Columns columns{};
  W1OutputIndexes outputs{};
  std::string problem;
  if (!columns.locate(program, problem) || !find_outputs(policy.schema(), outputs, problem)) {
    std::fprintf(stderr, "precept-typed-bench: %s is not W1: it has no `%s`\n", policy_path.c_str(), problem.c_str());
    return 2;
  }
  std::fprintf(stderr, "== reading %zu households of %s\n", limit, data);
  Households households;
  if (!read_households(policy, data, limit, households, problem)) {
    std::fprintf(stderr, "precept-typed-bench: %s\n", problem.c_str());
    return 2;
  }
  const std::size_t n = households.count;

  precept::Evaluator evaluator(policy);
  std::vector<precept::ValueKind> kinds;
  for (const precept::FieldInfo& field : policy.schema().fields) kinds.push_back(field.kind);
  precept::TypedRecord record(policy);
  std::vector<std::uint32_t> members;  // scratch for list fields
  // The typed batch: records set from a chunk of households, evaluated together.
  constexpr std::size_t kChunk = 256;
  std::vector<precept::TypedRecord> chunk(kChunk, record);
  precept::TypedResults chunk_results;
  precept_bench::W1Outputs hand;
  hand.resize(batch_rows);

  // One way's pass over every household; `check(i, outcome, row)` sees each
  // typed outcome (household i, row `row` of the hand-written batch).
  const std::vector<HouseholdValues> values = household_values(households, kinds.size());
  const auto typed_one = [&](auto&& check) {
    for (std::size_t i = 0; i < n; ++i) {
      set_typed(kinds, &values[i * kinds.size()], record, members);
      check(i, evaluator.evaluate(record));
    }
  };
  const auto typed_batch = [&](auto&& check) {
    for (std::size_t first = 0; first < n; first += kChunk) {
      const std::size_t size = std::min(kChunk, n - first);
      for (std::size_t k = 0; k < size; ++k) set_typed(kinds, &values[(first + k) * kinds.size()], chunk[k], members);
      evaluator.evaluate_batch(std::span(chunk.data(), size), chunk_results);
      for (std::size_t k = 0; k < size; ++k) check(first + k, chunk_results[k]);
    }
  };

  // The floor: the machine alone, one household at a time.
  Batch one;
  one.reset(program, 1);
  precept::Machine machine(program, 1);
  const std::uint32_t total_reg = program.outputs[outputs.total].reg;
  const auto vm_one = [&]() {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const HouseholdValues* v = &values[i * kinds.size()];
      for (std::size_t f = 0; f < kinds.size(); ++f) {
        precept::FieldColumn& column = one.columns[f];
        column.present[0] = v[f].present;
        if (!column.scalars.empty()) column.scalars[0] = v[f].scalar;
        if (!column.texts.empty()) column.texts[0] = v[f].text;
        if (!column.lists.empty()) column.lists[0] = *v[f].list;
      }
      one.rows = 1;
      machine.run(one);
      sum += static_cast<std::uint64_t>(machine.scalar(total_reg, 0));
    }
    return sum;
  };

  // Untimed: every way once, compared household by household.
  std::size_t differing = 0, rejected = 0;
  std::vector<std::uint8_t> typed_ok(n);
  // Household i is row i % 1024 of batch i / 1024 (every batch but the last is full).
  const auto against_hand = [&](std::size_t i, const precept::TypedOutcome& o) {
    const Batch& batch = *households.batches[i / batch_rows];
    if (i % batch_rows == 0) hand_written_w1(batch, columns, hand);
    typed_ok[i] = o.ok();
    if (!same_as_hand(o, outputs, hand, i % batch_rows)) ++differing;
  };
  typed_one(against_hand);
  typed_batch(against_hand);
  for (std::size_t i = 0; i < n; ++i) {
    const precept::Outcome text = evaluator.evaluate(households.named[i]);
    const precept::Outcome batch_of_one = evaluator.evaluate_batch({households.named[i]}).front();
    rejected += !text.ok;
    if (text.ok != batch_of_one.ok || text.values != batch_of_one.values || text.error != batch_of_one.error ||
        text.ok != (typed_ok[i] != 0))
      ++differing;
  }
  if (differing) {
    std::fprintf(stderr, "precept-typed-bench: %zu of %zu households differ between the ways\n", differing, n);
    return 1;
  }

  std::vector<double> hand_ns, vm_ns, typed_ns, typed_batch_ns, text_ns, text_batch1_ns;
  std::vector<double> vm_ratio, typed_ratio, typed_batch_ratio, text_ratio;
  std::uint64_t checksum = 0;
  const auto fold_into_checksum = [&](std::size_t, const precept::TypedOutcome& o) {
    checksum += fold(o, outputs);
  };
  const double per_fast = 1e9 / static_cast<double>(n * passes), per_text = 1e9 / static_cast<double>(n);
  for (std::size_t r = 0; r < rounds; ++r) {
    double start = cpu_seconds();
    for (std::size_t p = 0; p < passes; ++p)
      for (const auto& batch : households.batches) hand_written_w1(*batch, columns, hand);
    hand_ns.push_back((cpu_seconds() - start) * per_fast);

    start = cpu_seconds();
    for (std::size_t p = 0; p < passes; ++p) checksum += vm_one();
    vm_ns.push_back((cpu_seconds() - start) * per_fast);

    start = cpu_seconds();
    for (std::size_t p = 0; p < passes; ++p) typed_one(fold_into_checksum);
    typed_ns.push_back((cpu_seconds() - start) * per_fast);

    start = cpu_seconds();
    for (std::size_t p = 0; p < passes; ++p) typed_batch(fold_into_checksum);
    typed_batch_ns.push_back((cpu_seconds() - start) * per_fast);

    start = cpu_seconds();
    for (const NamedRecord& named : households.named) checksum += evaluator.evaluate(named).values.size();
    text_ns.push_back((cpu_seconds() - start) * per_text);

    start = cpu_seconds();
    for (const NamedRecord& named : households.named)
      checksum += evaluator.evaluate_batch({named}).front().values.size();
    text_batch1_ns.push_back((cpu_seconds() - start) * per_text);

    vm_ratio.push_back(vm_ns.back() / hand_ns.back());
    typed_ratio.push_back(typed_ns.back() / hand_ns.back());
    typed_batch_ratio.push_back(typed_batch_ns.back() / hand_ns.back());
    text_ratio.push_back(text_ns.back() / text_batch1_ns.back());
  }

  std::fprintf(stderr, "== %zu households (%zu rejected, %zu unreadable skipped), %zu rounds, %zu passes (checksum %llu)\n",
               n, rejected, households.skipped, rounds, passes, static_cast<unsigned long long>(checksum));
  std::printf("| way | ns/household (median) | households/s | vs hand-written loop |\n|---|---:|---:|---:|\n");
  const auto row = [](const char* way, const std::vector<double>& ns, double ratio) {
    const double m = median(ns);
    std::printf("| %s | %.1f | %.0f | %.2fx |\n", way, m, 1e9 / m, ratio);
  };
  row("hand-written W1 loop, batches of 1024", hand_ns, 1.0);
  row("VM alone, a batch of one: Machine::run", vm_ns, median(vm_ratio));
  row("typed, one at a time: set, evaluate(TypedRecord), read", typed_ns, median(typed_ratio));
  row("typed, batches of 256: set, evaluate_batch, read", typed_batch_ns, median(typed_batch_ratio));
  row("text, one at a time: evaluate(record)", text_ns, median(text_ns) / median(hand_ns));
  row("text, a batch of one: evaluate_batch({record})", text_batch1_ns, median(text_batch1_ns) / median(hand_ns));
  std::printf("One typed household at a time takes %.1f ns (median of %zu rounds); target <= 150\n", median(typed_ns),
              rounds);
  std::printf("evaluate(record) takes %.2fx the time of a batch of one (median of %zu paired rounds); target <= 1\n",
              median(text_ratio), rounds);
  std::printf("| typed one at a time, W1, %zu households | %.0f ns (target <= 150; the VM alone on one row %.0f ns) "
              "| %.2fx hand-written | evaluate(record) %.2fx a batch of one |\n",
              n, median(typed_ns), median(vm_ns), median(typed_ratio), median(text_ratio));
  return 0;
}
