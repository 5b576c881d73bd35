// Indexed decision tables at scale. A generated table of 2,000 rows of plain
// literals (enum members, ints, bools, `-`, lists) is compiled twice: as it is,
// which indexes it, and with a `when` column whose cells name a rule that always
// holds, which keeps the row-by-row lowering. For thousands of households the two
// must agree exactly (values, rejects and their reasons), and both must agree
// with the hit policy worked out here directly from the rows.
#include "lower.hpp"
#include "program.hpp"

#include <precept/precept.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using Record = std::vector<std::pair<std::string, std::string>>;

constexpr int kZones = 40;
const char* const kGrades[] = {"safe", "c", "d"};

// One row's cells: the values it accepts per tested column, empty for `-`.
struct Row {
  std::vector<int> zone, village, house, members, remote;
};

struct Household {
  int zone, village, house, members, remote;
};

bool accepts(const std::vector<int>& cell, int value) {
  return cell.empty() || std::find(cell.begin(), cell.end(), value) != cell.end();
}
bool matches(const Row& r, const Household& h) {
  return accepts(r.zone, h.zone) && accepts(r.village, h.village) && accepts(r.house, h.house) &&
         accepts(r.members, h.members) && accepts(r.remote, h.remote);
}

std::vector<Row> make_rows(int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  // A cell: usually one value, sometimes `-`, sometimes a list.
  const auto cell = [&](int range, int any_in_ten) {
    std::vector<int> values;
    const int roll = pick(10);
    if (roll < any_in_ten) return values;
    values.push_back(pick(range));
    if (roll == 9) values.push_back(pick(range));
    return values;
  };
  std::vector<Row> rows;
  for (int r = 0; r < count; ++r)
    rows.push_back({cell(kZones, 0), cell(50, 1), cell(3, 4), cell(8, 5), cell(2, 6)});
  return rows;
}

std::string cell_text(const std::vector<int>& values, const auto& spell) {
  if (values.empty()) return "-";
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + spell(values[i]);
  return text;
}

// The policy; row r's amount is r yuan and its label "row r", so outputs name rows.
std::string policy(const std::vector<Row>& rows, bool collect, bool indexed) {
  std::string out = "policy \"generated table\" year 2016\n";
  out += "enum zone {";
  for (int z = 0; z < kZones; ++z) out += (z ? ", z" : " z") + std::to_string(z);
  out += " }\nenum grade { safe, c, d }\n";
  out += "record r {\n  zone: zone\n  village: int\n  house: grade\n  members: int\n  remote: bool\n}\n";
  out += "rule always: members = members\n";
  out += std::string("table t ") + (collect ? "collect" : "first") + "\n";
  out += "  | when zone | when village | when house | when members | when remote |";
  out += indexed ? "" : " when |";
  out += collect ? " amount: money | code: int |\n" : " amount: money | label: text |\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    out += "  | " + cell_text(row.zone, [](int z) { return "z" + std::to_string(z); });
    out += " | " + cell_text(row.village, [](int v) { return std::to_string(v); });
    out += " | " + cell_text(row.house, [](int g) { return std::string(kGrades[g]); });
    out += " | " + cell_text(row.members, [](int m) { return std::to_string(m + 1); });
    out += " | " + cell_text(row.remote, [](int b) { return std::string(b ? "true" : "false"); });
    out += indexed ? "" : " | always";
    out += " | " + std::to_string(r + 1) + " yuan | ";
    out += collect ? std::to_string(r + 1) + " |\n" : "\"row " + std::to_string(r + 1) + "\" |\n";
  }
  out += collect ? "output amounts = t.amount, codes = t.code, n = count(t), total = sum(t.amount)\n"
                 : "output amount = t.amount, label = t.label\n";
  return out;
}

precept::Policy compile_ok(const std::string& source) {
  precept::CompileResult compiled = precept::compile(source, "generated.pol");
  EXPECT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  return *compiled.policy;
}

bool uses(const precept::Policy& policy, precept::Opcode op) {
  const auto& code = program_of(policy).code;
  return std::any_of(code.begin(), code.end(), [&](const precept::Instruction& i) { return i.op == op; });
}

std::vector<Household> households(const std::vector<Row>& rows, int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  std::vector<Household> out;
  for (int i = 0; i < count; ++i) {
    // Half copy a row's values (so most rows are hit), half are random (so
    // misses and villages no row names happen too).
    const Row& r = rows[static_cast<std::size_t>(pick(static_cast<int>(rows.size())))];
    const auto from = [&](const std::vector<int>& cell, int range) {
      return !cell.empty() && pick(2) ? cell[static_cast<std::size_t>(pick(static_cast<int>(cell.size())))] : pick(range);
    };
    out.push_back({from(r.zone, kZones), from(r.village, 60), from(r.house, 3), from(r.members, 9), from(r.remote, 2)});
  }
  return out;
}

Record record(const Household& h) {
  return {{"zone", "z" + std::to_string(h.zone)}, {"village", std::to_string(h.village)},
          {"house", kGrades[h.house]}, {"members", std::to_string(h.members + 1)},
          {"remote", h.remote ? "1" : "0"}};
}

class IndexedTable : public ::testing::TestWithParam<bool> {};

TEST_P(IndexedTable, TwoThousandRowsAgreeWithRowByRowAndTheHitPolicy) {
  const bool collect = GetParam();
  const std::vector<Row> rows = make_rows(2000, collect ? 11 : 7);
  const precept::Policy indexed = compile_ok(policy(rows, collect, true));
  const precept::Policy row_by_row = compile_ok(policy(rows, collect, false));
  const precept::Opcode lookup = collect ? precept::Opcode::LOOKUP_ALL : precept::Opcode::LOOKUP_FIRST;
  ASSERT_TRUE(uses(indexed, lookup)) << "the plain literal table was not indexed";
  ASSERT_FALSE(uses(row_by_row, lookup)) << "a table with a rule in a `when` column was indexed";

  const std::vector<Household> people = households(rows, 4000, collect ? 5 : 3);
  std::vector<Record> records;
  for (const Household& h : people) records.push_back(record(h));
  precept::Evaluator fast(indexed), slow(row_by_row);
  const std::vector<precept::Outcome> got = fast.evaluate_batch(records);
  const std::vector<precept::Outcome> expected = slow.evaluate_batch(records);
  int matched = 0, unmatched = 0;
  for (std::size_t i = 0; i < people.size(); ++i) {
    SCOPED_TRACE("household " + std::to_string(i));
    ASSERT_EQ(got[i].ok, expected[i].ok);
    ASSERT_EQ(got[i].values, expected[i].values);
    ASSERT_EQ(got[i].error, expected[i].error);
    // The hit policy, straight from the rows.
    std::vector<std::size_t> hits;
    for (std::size_t r = 0; r < rows.size(); ++r)
      if (matches(rows[r], people[i])) hits.push_back(r + 1);
    hits.empty() ? ++unmatched : ++matched;
    if (collect) {
      ASSERT_TRUE(got[i].ok) << got[i].error;
      std::string amounts, codes;
      for (const std::size_t r : hits) {
        amounts += (amounts.empty() ? "" : ";") + std::to_string(r) + ".00";
        codes += (codes.empty() ? "" : ";") + std::to_string(r);
      }
      ASSERT_EQ(got[i].values[0], amounts);
      ASSERT_EQ(got[i].values[1], codes);
      ASSERT_EQ(got[i].values[2], std::to_string(hits.size()));
    } else if (hits.empty()) {
      ASSERT_FALSE(got[i].ok);
      ASSERT_NE(got[i].error.find("no row of table `t` applies to this household"), std::string::npos) << got[i].error;
    } else {
      ASSERT_TRUE(got[i].ok) << got[i].error;
      ASSERT_EQ(got[i].values[0], std::to_string(hits[0]) + ".00");
      ASSERT_EQ(got[i].values[1], "row " + std::to_string(hits[0]));
    }
  }
  // Both outcomes must be common, or the comparison proves little.
  EXPECT_GT(matched, 1000);
  EXPECT_GT(unmatched, 100);
}

INSTANTIATE_TEST_SUITE_P(HitPolicies, IndexedTable, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param) { return std::string(param.param ? "collect" : "first"); });

// Small tables stay row by row; the index starts at kIndexedTableMinRows.
TEST(IndexedTable, StartsAtTheMinimumRowCount) {
  for (const std::size_t count : {precept::kIndexedTableMinRows - 1, precept::kIndexedTableMinRows}) {
    const std::vector<Row> rows = make_rows(static_cast<int>(count), 1);
    const precept::Policy policy = compile_ok(::policy(rows, false, true));
    EXPECT_EQ(uses(policy, precept::Opcode::LOOKUP_FIRST), count >= precept::kIndexedTableMinRows) << count;
  }
}

}  // namespace
