// A decision table of plain literals, from 10 to 2,000 rows, evaluated for a
// batch of 1,024 households: indexed (the table as written) and row by row (the
// same table with a `when` column naming a rule that always holds, which keeps
// the straight-line lowering). Indexed, the cost per household should not grow
// with the rows; row by row, it grows with them.
#include "batch.hpp"
#include "program.hpp"
#include "vm.hpp"

#include <precept/precept.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

constexpr std::size_t kBatchRows = 1024;
constexpr int kZones = 50;

// Row r (from 0) tests zone r % 50 and village r / 50, a house grade or `-`, a
// member count, a list or `-`; the last row matches everyone, so no household
// is rejected and every one costs the whole lookup.
std::string policy(int rows, bool indexed) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(rows));
  std::string out = "policy \"lookup benchmark\" year 2016\nenum zone {";
  for (int z = 0; z < kZones; ++z) {
    out += z ? ", z" : " z";
    out += std::to_string(z);
  }
  out += " }\nenum grade { safe, c, d }\n";
  out += "record r {\n  zone: zone\n  village: int\n  house: grade\n  members: int\n}\n";
  out += "rule always: members = members\n";
  out += "table t first\n  | when zone | when village | when house | when members |";
  out += indexed ? " amount: money |\n" : " when | amount: money |\n";
  const char* houses[] = {"safe", "c", "d", "c, d", "-"};
  const char* members[] = {"1", "2", "3, 4", "-"};
  for (int r = 0; r + 1 < rows; ++r) {
    out += "  | z";
    out += std::to_string(r % kZones);
    out += " | ";
    out += std::to_string(r / kZones);
    out += " | ";
    out += houses[rng() % 5];
    out += " | ";
    out += members[rng() % 4];
    out += indexed ? " | " : " | always | ";
    out += std::to_string(r + 1);
    out += " yuan |\n";
  }
  out += indexed ? "  | - | - | - | - | 0 yuan |\n" : "  | - | - | - | - | - | 0 yuan |\n";
  out += "output amount = t.amount\n";
  return out;
}

void BM_TableLookup(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const bool indexed = state.range(1) != 0;
  const precept::CompileResult compiled = precept::compile(policy(rows, indexed), "lookup.pol");
  if (!compiled.ok()) {
    state.SkipWithError(precept::render(compiled.diagnostics).c_str());
    return;
  }
  const precept::Program& program = program_of(*compiled.policy);
  precept::Batch batch;
  batch.reset(program, kBatchRows);
  std::mt19937_64 rng(42);
  // Households spread over the keys the table names, and some it does not.
  for (std::size_t i = 0; i < kBatchRows; ++i) {
    batch.columns[0].scalars[i] = static_cast<std::int64_t>(rng() % kZones);
    batch.columns[1].scalars[i] = static_cast<std::int64_t>(rng() % (rows / kZones + 2));
    batch.columns[2].scalars[i] = static_cast<std::int64_t>(rng() % 3);
    batch.columns[3].scalars[i] = static_cast<std::int64_t>(1 + rng() % 5);
  }
  batch.rows = kBatchRows;
  precept::Machine machine(program, kBatchRows);
  for (auto _ : state) {
    machine.run(batch);
    benchmark::ClobberMemory();
  }
  for (std::size_t i = 0; i < kBatchRows; ++i)
    if (machine.error(i) != precept::RowError::None) {
      state.SkipWithError(("household rejected: " + machine.describe_error(i)).c_str());
      return;
    }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatchRows));
  state.counters["table_rows"] = rows;
}
BENCHMARK(BM_TableLookup)
    ->ArgNames({"rows", "indexed"})
    ->ArgsProduct({{10, 100, 1000, 2000}, {1, 0}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
