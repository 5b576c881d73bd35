// The VM on hand-built programs: selections, first-error-wins, and the fused
// DIVIDE_ROUND agreeing with the general exact-quotient path.
#include "batch.hpp"
#include "numeric.hpp"
#include "program.hpp"
#include "verifier.hpp"
#include "vm.hpp"

#include <precept/policy.hpp>
#include <precept/run.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace precept {
namespace {

ValueType scalar(Kind kind) {
  ValueType t;
  t.kind = kind;
  return t;
}

// A program over two int-or-money fields, built instruction by instruction.
struct Builder {
  Program p;
  Builder(Kind a_kind, Kind b_kind) {
    FieldDef a, b;
    a.name = "a";
    a.type = scalar(a_kind);
    b.name = "b";
    b.type = scalar(b_kind);
    p.fields = {a, b};
  }
  std::uint32_t reg(Kind kind) {
    p.scalar_types.push_back(scalar(kind));
    p.scalar_names.emplace_back();
    return static_cast<std::uint32_t>(p.scalar_types.size() - 1);
  }
  std::uint32_t quotient(Kind units) {
    p.quotient_units.push_back(units);
    return static_cast<std::uint32_t>(p.quotient_units.size() - 1);
  }
  void emit(Opcode op, std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t c = 0, std::uint8_t x = 0,
            std::uint8_t y = 0) {
    p.code.push_back(make_instruction(op, a, b, c, x, y));
    p.code_lines.push_back(static_cast<std::uint32_t>(p.code.size()));
    p.code_origins.push_back(0);
  }
  const Program& done() {
    if (p.origins.empty()) p.origins.push_back("test");
    std::string error;
    EXPECT_TRUE(verify_program(p, error)) << error;
    return p;
  }
};

void fill(const Program& p, Batch& batch, const std::vector<std::pair<std::int64_t, std::int64_t>>& rows) {
  batch.reset(p, rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    batch.columns[0].scalars[i] = rows[i].first;
    batch.columns[1].scalars[i] = rows[i].second;
  }
  batch.rows = rows.size();
}

TEST(Vm, FusedDivideRoundAgreesWithTheExactQuotientPath) {
  Builder b(Kind::Money, Kind::Int);
  const auto a = b.reg(Kind::Money), n = b.reg(Kind::Int), fused = b.reg(Kind::Money), general = b.reg(Kind::Money);
  const auto q = b.quotient(Kind::Money);
  b.emit(Opcode::LOAD_FIELD, a, 0);
  b.emit(Opcode::LOAD_FIELD, n, 1);
  b.emit(Opcode::DIVIDE_ROUND, fused, a, n);
  b.emit(Opcode::DIVIDE, q, a, n);
  b.emit(Opcode::ROUND_QUOTIENT, general, q);
  const Program& p = b.done();
  std::mt19937_64 rng(42);
  std::vector<std::pair<std::int64_t, std::int64_t>> rows;
  const std::int64_t edges[] = {INT64_MAX, INT64_MIN + 1, 1, -1, 0, 5, -5, 15, -15, 25};
  for (auto x : edges)
    for (std::int64_t y : {std::int64_t{1}, std::int64_t{-1}, std::int64_t{2}, std::int64_t{-2}, std::int64_t{3},
                            std::int64_t{7}, std::int64_t{1000000000}, INT64_MAX, -INT64_MAX})
      rows.emplace_back(x, y);
  while (rows.size() < 4096) {
    const std::int64_t x = static_cast<std::int64_t>(rng()) >> (rng() % 60);
    std::int64_t y = static_cast<std::int64_t>(rng()) >> (rng() % 62 + 1);
    if (y == 0) y = 3;
    rows.emplace_back(x, y);
  }
  Batch batch;
  fill(p, batch, rows);
  Machine m(p, rows.size());
  m.run(batch);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(m.error(i), RowError::None) << rows[i].first << " / " << rows[i].second;
    ASSERT_EQ(m.scalar(fused, i), m.scalar(general, i)) << rows[i].first << " / " << rows[i].second;
  }
}

// Small divisors take a multiply-by-reciprocal path: every one of them, with
// ties, neighbours of ties and the ends of int64, must round as the exact path.
TEST(Vm, SmallDivisorsAgreeWithTheExactQuotientPath) {
  Builder b(Kind::Money, Kind::Int);
  const auto a = b.reg(Kind::Money), n = b.reg(Kind::Int), fused = b.reg(Kind::Money), general = b.reg(Kind::Money);
  const auto q = b.quotient(Kind::Money);
  b.emit(Opcode::LOAD_FIELD, a, 0);
  b.emit(Opcode::LOAD_FIELD, n, 1);
  b.emit(Opcode::DIVIDE_ROUND, fused, a, n);
  b.emit(Opcode::DIVIDE, q, a, n);
  b.emit(Opcode::ROUND_QUOTIENT, general, q);
  const Program& p = b.done();
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::int64_t, std::int64_t>> rows;
  for (std::int64_t d = -3; d <= 300; ++d) {
    if (d == 0) continue;
    std::vector<std::int64_t> numerators = {0, 1, -1, d, -d, d / 2, -(d / 2), INT64_MAX, INT64_MIN + 1,
                                            INT64_MAX - 1, INT64_MIN + 2, 273600, -273600};
    for (std::int64_t k : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{1000001},
                           INT64_MAX / 301}) {
      const std::int64_t tie = k * d + d / 2;  // an exact tie when d is even
      for (std::int64_t delta = -1; delta <= 1; ++delta) {
        numerators.push_back(tie + delta);
        numerators.push_back(-(tie + delta));
      }
    }
    for (int r = 0; r < 20; ++r) numerators.push_back(static_cast<std::int64_t>(rng()) >> (rng() % 63));
    for (const std::int64_t x : numerators) rows.emplace_back(x, d);
  }
  Batch batch;
  fill(p, batch, rows);
  Machine m(p, rows.size());
  m.run(batch);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(m.error(i), RowError::None) << rows[i].first << " / " << rows[i].second;
    ASSERT_EQ(m.scalar(fused, i), m.scalar(general, i)) << rows[i].first << " / " << rows[i].second;
  }
}

TEST(Vm, SelectionKeepsUntakenBranchesFromFailing) {
  // r = b != 0 ? a / b : 0, as the compiler lowers a guarded division.
  Builder b(Kind::Money, Kind::Int);
  const auto a = b.reg(Kind::Money), n = b.reg(Kind::Int), zero = b.reg(Kind::Int), nonzero = b.reg(Kind::Bool),
             result = b.reg(Kind::Money), zero_money = b.reg(Kind::Money);
  b.p.constants = {0};
  b.emit(Opcode::LOAD_FIELD, a, 0);
  b.emit(Opcode::LOAD_FIELD, n, 1);
  b.emit(Opcode::LOAD_CONST, zero, 0);
  b.emit(Opcode::LOAD_CONST, zero_money, 0);
  b.emit(Opcode::NE, nonzero, n, zero);
  b.emit(Opcode::MOVE, result, zero_money);
  b.emit(Opcode::SELECT_IF, nonzero);
  b.emit(Opcode::DIVIDE_ROUND, result, a, n);
  b.emit(Opcode::SELECT_POP);
  const Program& p = b.done();
  Batch batch;
  fill(p, batch, {{1000, 0}, {1000, 3}, {-7, 0}});
  Machine m(p, 3);
  m.run(batch);
  EXPECT_EQ(m.error(0), RowError::None);
  EXPECT_EQ(m.scalar(result, 0), 0);
  EXPECT_EQ(m.scalar(result, 1), 333);
  EXPECT_EQ(m.error(2), RowError::None);
}

TEST(Vm, TheFirstErrorOfARowIsTheOneReported) {
  Builder b(Kind::Money, Kind::Int);
  const auto a = b.reg(Kind::Money), n = b.reg(Kind::Int), q = b.reg(Kind::Money), sum = b.reg(Kind::Money);
  b.emit(Opcode::LOAD_FIELD, a, 0);
  b.emit(Opcode::LOAD_FIELD, n, 1);
  b.emit(Opcode::DIVIDE_ROUND, q, a, n);  // pc 2: division by zero when n == 0
  b.emit(Opcode::ADD_MONEY, sum, a, a);   // pc 3: overflow when a is huge
  const Program& p = b.done();
  Batch batch;
  fill(p, batch, {{INT64_MAX, 0}, {INT64_MAX, 1}, {10, 2}});
  Machine m(p, 3);
  m.run(batch);
  EXPECT_EQ(m.error(0), RowError::DivisionByZero);
  EXPECT_EQ(m.error_pc(0), 2u);
  EXPECT_EQ(m.error(1), RowError::Overflow);
  EXPECT_EQ(m.error_pc(1), 3u);
  EXPECT_EQ(m.error(2), RowError::None);
  EXPECT_EQ(m.scalar(sum, 2), 20);
  // Errors do not leak into the next batch.
  fill(p, batch, {{10, 2}});
  m.run(batch);
  EXPECT_EQ(m.error(0), RowError::None);
}

TEST(Vm, OverflowAtTheEdgesOfInt64IsARowError) {
  Builder b(Kind::Int, Kind::Int);
  const auto x = b.reg(Kind::Int), y = b.reg(Kind::Int), product = b.reg(Kind::Int), negated = b.reg(Kind::Int),
             absolute = b.reg(Kind::Int);
  b.emit(Opcode::LOAD_FIELD, x, 0);
  b.emit(Opcode::LOAD_FIELD, y, 1);
  b.emit(Opcode::MUL_INT, product, x, y);
  b.emit(Opcode::NEGATE, negated, x);
  b.emit(Opcode::ABS, absolute, x);
  const Program& p = b.done();
  Batch batch;
  fill(p, batch, {{INT64_MIN, 1}, {INT64_MAX, 2}, {3037000499, 3037000499}, {3037000500, 3037000500}});
  Machine m(p, 4);
  m.run(batch);
  EXPECT_EQ(m.error(0), RowError::Overflow);  // -INT64_MIN
  EXPECT_EQ(m.error_pc(0), 3u);
  EXPECT_EQ(m.error(1), RowError::Overflow);  // INT64_MAX * 2
  EXPECT_EQ(m.error(2), RowError::None);      // just fits
  EXPECT_EQ(m.scalar(product, 2), 3037000499LL * 3037000499LL);
  EXPECT_EQ(m.error(3), RowError::Overflow);  // just does not
}

}  // namespace
}  // namespace precept

// --- the memory budget (issue 12) ------------------------------------------------

namespace precept {
namespace {

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) out.append(buffer, n);
  return out;
}

// W1's results over the register `data`, with `options`.
RunReport run_w1(const std::string& data, const RunOptions& options, std::string& results) {
  const CompileResult w1 = open_policy(std::string(PRECEPT_SOURCE_DIR) + "/policies/xijiang_2015.pol");
  EXPECT_TRUE(w1.ok());
  std::FILE* in = fmemopen(const_cast<char*>(data.data()), data.size(), "rb");
  std::FILE* out = std::tmpfile();
  RunReport report = run_csv(*w1.policy, in, out, nullptr, options);
  results = read_all(out);
  std::fclose(in);
  std::fclose(out);
  return report;
}

std::string w1_register(int rows) {
  std::string data =
      "household_id,county,township,village,members,labor_count,net_income,deposits,owns_car,owns_town_house,"
      "public_employee,house,dibao,wubao,ill_members,disabled_members,students,disaster_loss,safe_water,remote\n";
  for (int r = 0; r < rows; ++r)
    data += fmt::format("h{},c,t,v{},{},{},{}.{:02},0,0,0,0,{},{},{},{},0,{},0,{},{}\n", r, r % 7, 1 + r % 6, r % 3,
                        (r * 977) % 40000, r % 100, r % 3 == 0 ? "safe" : r % 3 == 1 ? "c" : "d", int{r % 11 == 0},
                        int{r % 13 == 0}, r % 4, int{r % 5 == 0}, r % 2, int{r % 17 == 0});
  return data;
}

TEST(VmMemory, BatchesShrinkToTheBudgetDownToOneRow) {
  Program wide;
  wide.text_count = 65536;
  const std::size_t per_row = memory_needs(wide).bytes_per_row;
  EXPECT_GE(per_row, 65536 * sizeof(std::string_view));
  const std::size_t capacity = capacity_within_budget(wide, 1024, kWorkerMemoryBudget);
  EXPECT_LT(capacity, 1024u);
  EXPECT_GE(capacity, 1u);
  EXPECT_LE(capacity * per_row, kWorkerMemoryBudget);
  EXPECT_EQ(capacity_within_budget(wide, 1024, per_row / 2), 1u);
  EXPECT_EQ(memory_budget_problem(wide, kWorkerMemoryBudget), "");
  EXPECT_NE(memory_budget_problem(wide, per_row / 2).find("one household alone needs"), std::string::npos);
  // W1 keeps its batch of 1,024.
  const CompileResult w1 = open_policy(std::string(PRECEPT_SOURCE_DIR) + "/policies/xijiang_2015.pol");
  ASSERT_TRUE(w1.ok());
  EXPECT_EQ(capacity_within_budget(program_of(*w1.policy), 1024, kWorkerMemoryBudget), 1024u);
}

TEST(VmMemory, ABudgetThatForcesSmallBatchesGivesTheSameResults) {
  const std::string data = w1_register(3000);
  std::string expected, got;
  RunOptions options;
  ASSERT_TRUE(run_w1(data, options, expected).ok());
  const CompileResult w1 = open_policy(std::string(PRECEPT_SOURCE_DIR) + "/policies/xijiang_2015.pol");
  options.memory_budget = 5 * memory_needs(program_of(*w1.policy)).bytes_per_row;  // batches of 5
  options.threads = 3;
  const RunReport report = run_w1(data, options, got);
  ASSERT_TRUE(report.ok()) << report.fatal_error;
  EXPECT_EQ(report.results, 3000u);
  EXPECT_GT(report.summary.total.poor_households, 0);
  EXPECT_EQ(got, expected);
}

TEST(VmMemory, ABudgetTooSmallForOneHouseholdStopsTheRunAsOutOfMemory) {
  std::string results;
  RunOptions options;
  options.memory_budget = 100;
  const RunReport report = run_w1(w1_register(10), options, results);
  EXPECT_TRUE(report.out_of_memory);
  EXPECT_NE(report.fatal_error.find("cannot run within the memory budget"), std::string::npos) << report.fatal_error;
  EXPECT_NE(report.fatal_error.find("one household alone needs"), std::string::npos) << report.fatal_error;
  EXPECT_EQ(report.results, 0u);
}

}  // namespace
}  // namespace precept
