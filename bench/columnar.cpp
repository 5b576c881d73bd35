// precept-columnar-bench: W1 over a typed columnar batch (the Arrow C Data
// Interface), one thread, against the hand-written W1 loop over the same
// columns, alternately, in the same run:
//
//   - Precept: ColumnarEvaluator::evaluate over the register as Arrow record
//     batches of --batch rows (bools as bitmaps, ints and money as int64, the
//     house grade dictionary-encoded, texts as utf8: one batch of the whole
//     register, sliced by ArrowArray.offset as the specification slices),
//     producing each batch's result arrays (decimal128 money,
//     dictionary-encoded enums, the measures list, the reject columns), which
//     are then released;
//   - the hand-written loop of precept-eval-bench (w1_bench.hpp) over the same
//     values as int64 columns in batches of 1024.
//
// Both must give the same outputs for every row (rejected rows, per-capita
// income, poverty, category, cause, measures and total), or it exits 1.
//
//   precept-columnar-bench --data FILE [--repeat N] [--batch N] [--policy FILE]
//
// The last line of the output is a Markdown table row for bench/RESULTS.md.
#include "arrow_test.h"
#include "w1_bench.hpp"

#include <precept/precept.hpp>

#include <deque>

#ifndef W1_POLICY
#error "W1_POLICY (path of policies/xijiang_2015.pol) must be defined"
#endif

namespace {

using namespace precept_bench;

// The register as whole columns (the batches' rows end to end), and as the
// Arrow record batch made of them by the independent producer.
struct Columns {
  std::deque<std::vector<std::int64_t>> ints;
  std::deque<std::vector<std::string>> strings;
  std::deque<std::vector<const char*>> texts;
};

// The text cells of field `field` of the rows loaded into `reg`, read again from
// the register (the batches' views of them did not outlive the loading).
std::vector<std::string> text_column(const char* path, const Program& program, std::uint32_t field,
                                     const Register& reg) {
  std::vector<std::string> cells;
  std::FILE* file = std::fopen(path, "rb");
  if (!file) return cells;
  precept::CsvReader reader(file);
  precept::CsvRecord record;
  std::size_t column = 0;
  if (reader.next(record))
    for (std::size_t c = 0; c < record.fields.size(); ++c)
      if (record.fields[c] == program.fields[field].name) column = c;
  std::vector<std::uint64_t> lines;
  for (const auto& b : reg.batches) lines.insert(lines.end(), b->lines.begin(), b->lines.begin() + static_cast<std::ptrdiff_t>(b->rows));
  std::size_t next = 0;
  while (next < lines.size() && reader.next(record))
    if (record.line == lines[next]) {
      cells.emplace_back(record.fields[column]);
      ++next;
    }
  std::fclose(file);
  return cells;
}

void make_batch(const char* path, const Program& program, const Register& reg, Columns& keep, ArrowSchema* schema,
                ArrowArray* array) {
  const auto rows = static_cast<std::int64_t>(reg.rows);
  ptest_batch* batch = ptest_batch_new(rows, 0, 0);
  for (std::uint32_t f = 0; f < program.fields.size(); ++f) {
    const precept::FieldDef& def = program.fields[f];
    const char* name = def.name.c_str();
    if (def.type.kind == precept::Kind::Text) {
      auto& strings = keep.strings.emplace_back(text_column(path, program, f, reg));
      if (strings.size() != reg.rows) strings.resize(reg.rows);
      auto& texts = keep.texts.emplace_back();
      for (const std::string& s : strings) texts.push_back(s.c_str());
      ptest_add_text(batch, name, "u", texts.data(), nullptr);
      continue;
    }
    auto& values = keep.ints.emplace_back();
    for (const auto& b : reg.batches) values.insert(values.end(), b->columns[f].scalars.begin(),
                                                    b->columns[f].scalars.begin() + static_cast<std::ptrdiff_t>(b->rows));
    switch (def.type.kind) {
      case precept::Kind::Bool: ptest_add_bool(batch, name, values.data(), nullptr); break;
      case precept::Kind::Enum: {
        auto& members = keep.texts.emplace_back();
        for (const std::string& m : program.enums[def.type.enum_id].members) members.push_back(m.c_str());
        ptest_add_dictionary(batch, name, "c", values.data(), nullptr, members.data(),
                             static_cast<std::int64_t>(members.size()));
        break;
      }
      default: ptest_add_int(batch, name, "l", values.data(), nullptr); break;
    }
  }
  ptest_batch_finish(batch, schema, array);
}

template <typename T>
T at(const ArrowArray& column, std::int64_t i) {
  T value;
  std::memcpy(&value, static_cast<const char*>(column.buffers[1]) + (column.offset + i) * sizeof(T), sizeof(T));
  return value;
}

bool valid(const ArrowArray& column, std::int64_t i) {
  const auto* bits = static_cast<const std::uint8_t*>(column.buffers[0]);
  return !bits || ((bits[(column.offset + i) >> 3] >> ((column.offset + i) & 7)) & 1);
}

// The columnar results against the hand-written loop's; returns the rows that differ.
std::size_t compare(const Program& program, const ArrowSchema& schema, const ArrowArray& result, const Register& reg,
                    const W1Columns& columns, std::uint64_t& checksum, std::size_t& rejected) {
  const auto child = [&](const char* name) -> const ArrowArray& {
    return *result.children[pconsume_column(&schema, name)];
  };
  const ArrowArray &per_capita = child("per_capita"), &poor = child("poor"), &category = child("category"),
                   &cause = child("main_cause"), &measures = child("measures"), &total = child("total_assistance"),
                   &kind = child("reject_kind");
  const ArrowArray& items = *measures.children[0];
  W1Outputs hand;
  hand.resize(1024);
  std::size_t differing = 0;
  std::int64_t i = 0;
  for (const auto& b : reg.batches) {
    hand_written_w1(*b, columns, hand);
    for (std::size_t r = 0; r < b->rows; ++r, ++i) {
      const bool failed = valid(kind, i);
      rejected += failed;
      bool same = failed == (hand.failed[r] != 0);
      if (same && !failed) {
        std::uint32_t mask = 0;
        const std::int32_t begin = at<std::int32_t>(measures, i), end = at<std::int32_t>(measures, i + 1);
        for (std::int32_t k = begin; k < end; ++k) mask |= 1u << at<std::int32_t>(items, k);
        const std::int64_t poor_value = (static_cast<const std::uint8_t*>(poor.buffers[1])[i >> 3] >> (i & 7)) & 1;
        same = at<std::int64_t>(per_capita, 2 * i) == hand.per_capita[r] && poor_value == hand.poor[r] &&
               at<std::int32_t>(category, i) == hand.category[r] && at<std::int32_t>(cause, i) == hand.cause[r] &&
               at<std::int64_t>(total, 2 * i) == hand.total[r] && mask == hand.measures[r] &&
               end - begin == __builtin_popcount(hand.measures[r]);
      }
      differing += !same;
      const std::uint64_t values[] = {hand.failed[r], static_cast<std::uint64_t>(hand.per_capita[r]),
                                      static_cast<std::uint64_t>(hand.total[r]), hand.measures[r]};
      for (const std::uint64_t v : values) checksum = (checksum ^ v) * 1099511628211ull;
    }
  }
  (void)program;
  return differing;
}

int usage() {
  std::fprintf(stderr,
               "usage: precept-columnar-bench --data FILE [--repeat N] [--batch N] [--policy FILE]\n"
               "  --data FILE    a W1 register (CSV), e.g. from precept-gen --rows 1000000\n"
               "  --repeat N     timed passes for each evaluator (default 5)\n"
               "  --batch N      rows per record batch given to Precept (default 65536)\n"
               "  --policy FILE  the W1 policy (default %s)\n",
               W1_POLICY);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  options.policy = W1_POLICY;
  options.batch = 65536;
  if (!parse_bench_options(argc, argv, options)) return usage();
  const char* data = options.data;
  const std::string& policy_path = options.policy;
  const std::size_t repeat = options.repeat, batch_rows = options.batch;
  const std::optional<precept::Policy> opened = open_bench_policy(policy_path);
  if (!opened) return 2;
  const precept::Policy& policy = *opened;
  const Program& program = program_of(policy);
  W1Columns columns{};
  std::string problem;
  if (!columns.locate(program, problem)) {
    std::fprintf(stderr, "precept-columnar-bench: %s is not W1: it has no `%s`\n", policy_path.c_str(),
                 problem.c_str());
    return 2;
  }
  constexpr std::size_t kHandBatch = 1024;
  Register reg;
  if (!load_register(program, data, kHandBatch, reg, problem)) {
    std::fprintf(stderr, "precept-columnar-bench: %s\n", problem.c_str());
    return 2;
  }
  Columns keep;
  ArrowSchema in_schema{};
  ArrowArray in_array{};
  make_batch(data, program, reg, keep, &in_schema, &in_array);
  precept::ColumnarEvaluator evaluator(policy);

  // Untimed: one pass, compared row by row.
  std::uint64_t checksum = 14695981039346656037ull;
  std::size_t rejected = 0, differing = 0;
  {
    ArrowSchema out_schema{};
    ArrowArray out_array{};
    evaluator.evaluate(in_schema, in_array, &out_schema, &out_array);
    if (const char* bad = pconsume_check(&out_schema, &out_array)) {
      std::fprintf(stderr, "precept-columnar-bench: the result is malformed: %s\n", bad);
      return 1;
    }
    differing = compare(program, out_schema, out_array, reg, columns, checksum, rejected);
    pconsume_release(&out_schema, &out_array);
  }
  if (differing) {
    std::fprintf(stderr, "precept-columnar-bench: %zu of %zu rows differ between Precept and the hand-written loop\n",
                 differing, reg.rows);
    return 1;
  }

  W1Outputs hand;
  hand.resize(kHandBatch);
  std::vector<double> columnar_seconds, hand_seconds, ratios;
  for (std::size_t r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < reg.rows; first += batch_rows) {
      // A slice of the register's batch: the same children, from row `first`.
      ArrowArray slice = in_array;
      slice.offset = static_cast<std::int64_t>(first);
      slice.length = static_cast<std::int64_t>(std::min(batch_rows, reg.rows - first));
      ArrowSchema out_schema{};
      ArrowArray out_array{};
      evaluator.evaluate(in_schema, slice, &out_schema, &out_array);
      out_array.release(&out_array);
      out_schema.release(&out_schema);
    }
    columnar_seconds.push_back(seconds_since(start));
    start = std::chrono::steady_clock::now();
    for (const auto& batch : reg.batches) hand_written_w1(*batch, columns, hand);
    hand_seconds.push_back(seconds_since(start));
    ratios.push_back(columnar_seconds.back() / hand_seconds.back());
  }
  in_array.release(&in_array);
  in_schema.release(&in_schema);
  const double columnar = median(columnar_seconds), baseline = median(hand_seconds), ratio = median(ratios);
  const double rows = static_cast<double>(reg.rows);
  std::fprintf(stderr, "== %zu rows (%zu rejected by both, %zu unreadable skipped), record batches of %zu rows, %zu "
               "passes each\n", reg.rows, rejected, reg.skipped, batch_rows, repeat);
  std::printf("| evaluator | median s | median households/s | best households/s | ns/household |\n"
              "|---|---:|---:|---:|---:|\n");
  std::printf("| Precept ColumnarEvaluator (Arrow batch in, Arrow results out) | %.4f | %.0f | %.0f | %.2f |\n",
              columnar, rows / columnar, rows / *std::min_element(columnar_seconds.begin(), columnar_seconds.end()),
              columnar / rows * 1e9);
  std::printf("| hand-written W1 loop | %.4f | %.0f | %.0f | %.2f |\n", baseline, rows / baseline,
              rows / *std::min_element(hand_seconds.begin(), hand_seconds.end()), baseline / rows * 1e9);
  std::printf("Precept takes %.2fx the hand-written loop's time (median of %zu paired passes); outputs identical on "
              "all %zu rows (checksum %016llx)\n",
              ratio, repeat, reg.rows, static_cast<unsigned long long>(checksum));
  std::printf("| columnar W1, %zu rows, record batches of %zu, one thread | Precept %.1fM households/s | "
              "hand-written %.1fM households/s | %.2fx |\n",
              reg.rows, batch_rows, rows / columnar / 1e6, rows / baseline / 1e6, ratio);
  return 0;
}
