// The VM on the compiled W1 program: a batch of 1024 households (the CLI's batch
// size) is loaded once and evaluated repeatedly, so rows/s is evaluation alone,
// without reading or writing CSV. BM_LoadBatch measures the step before it:
// turning CSV cells into a batch's typed columns.
#include "w1_data.hpp"

#include "batch.hpp"
#include "csv.hpp"
#include "program.hpp"
#include "vm.hpp"

#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kBatchRows = 1024;

// The first kBatchRows records of a generated register, as owned strings, and
// for each program field the CSV column it comes from (by header name).
struct Records {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::optional<std::size_t>> column_of_field;
};

const Records& w1_records() {
  static const Records records = [] {
    const precept::Program& program = program_of(precept_bench::w1_policy());
    Records out;
    precept::CsvReader reader{std::string_view(precept_bench::w1_register(kBatchRows))};
    precept::CsvRecord record;
    reader.next(record);  // header
    out.column_of_field.assign(program.fields.size(), std::nullopt);
    for (std::size_t c = 0; c < record.fields.size(); ++c)
      for (std::size_t f = 0; f < program.fields.size(); ++f)
        if (program.fields[f].name == record.fields[c]) out.column_of_field[f] = c;
    while (reader.next(record)) out.rows.emplace_back(record.fields.begin(), record.fields.end());
    return out;
  }();
  return records;
}

// Loads every record into `batch`; returns false (with the reason) on a bad row,
// which the generator does not write without --bad-rows.
bool load(const precept::Program& program, const Records& records, precept::Batch& batch, std::string& reason) {
  batch.rows = 0;
  for (const std::vector<std::string>& cells : records.rows) {
    const std::size_t row = batch.rows;
    for (std::size_t f = 0; f < program.fields.size(); ++f) {
      const std::string_view text = records.column_of_field[f] ? std::string_view(cells[*records.column_of_field[f]])
                                                               : std::string_view();
      if (!precept::parse_field_value(program, static_cast<std::uint32_t>(f), text, batch.columns[f], row, reason))
        return false;
    }
    batch.lines[row] = row + 2;
    ++batch.rows;
  }
  return true;
}

void BM_LoadBatch(benchmark::State& state) {
  const precept::Program& program = program_of(precept_bench::w1_policy());
  const Records& records = w1_records();
  precept::Batch batch;
  batch.reset(program, kBatchRows);
  std::string reason;
  for (auto _ : state) {
    if (!load(program, records, batch, reason)) {
      state.SkipWithError(("bad row in the generated register: " + reason).c_str());
      return;
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch.rows));
}
BENCHMARK(BM_LoadBatch);

void BM_VmW1Batch(benchmark::State& state) {
  const precept::Program& program = program_of(precept_bench::w1_policy());
  const Records& records = w1_records();
  precept::Batch batch;
  batch.reset(program, kBatchRows);
  std::string reason;
  if (!load(program, records, batch, reason)) {
    state.SkipWithError(("bad row in the generated register: " + reason).c_str());
    return;
  }
  precept::Machine machine(program, kBatchRows);
  // A row error would take the row out of most of the program and flatter the
  // figure; the generator's rows are all good, so there must be none.
  machine.run(batch);
  for (std::size_t row = 0; row < batch.rows; ++row)
    if (machine.error(row) != precept::RowError::None) {
      state.SkipWithError(("row failed in the VM: " + machine.describe_error(row)).c_str());
      return;
    }
  for (auto _ : state) {
    machine.run(batch);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch.rows));
  state.counters["rows"] = static_cast<double>(batch.rows);
}
BENCHMARK(BM_VmW1Batch);

}  // namespace
