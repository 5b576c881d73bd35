// Hostile registers: huge fields, very wide rows, long quoted records, broken
// quoting, NUL bytes, empty files, and numbers at the edges of what fits.
// Each ends with exit 0 or 3, a clear message, and every row accounted for.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using namespace precept::reliability;
using precept::testing::CliSandbox;
using precept::testing::parse_csv;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A valid W1 row without its household_id: the id is prepended.
const std::string kRest = ",会昌县,西江镇,西头村,4,1,38760.21,16915.66,0,0,0,safe,0,0,0,0,0,0.0,1,0";
std::string row(const std::string& id) { return id + kRest; }

struct EdgeRun {
  int exit_code = -1;
  std::string out, err, results, rejects;
  std::optional<Counts> counts;
};

EdgeRun run_register(CliSandbox& box, const std::string& data) {
  write_file(box / "register.csv", data);
  const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "rejects.csv", "-q"});
  EdgeRun out{r.exit_code, r.out, r.err, read_file(box / "results.csv"), read_file(box / "rejects.csv"),
              counts_in(r.out)};
  EXPECT_THAT(partial_files(box.work()), IsEmpty());
  return out;
}

// The counts line adds up and agrees with the files written.
void expect_accounted(const EdgeRun& r, std::uint64_t rows_read) {
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.counts.has_value()) << r.out << r.err;
  EXPECT_EQ(r.counts->read, rows_read);
  EXPECT_EQ(r.counts->read, r.counts->results + r.counts->rejected);
  EXPECT_EQ(data_rows(r.results), r.counts->results);
  EXPECT_EQ(data_rows(r.rejects), r.counts->rejected);
}

TEST(EdgeInput, TenMegabyteFieldIsCarriedWhole) {
  CliSandbox box;
  const std::string huge(10 * 1024 * 1024, 'x');
  const auto r = run_register(box, kW1Header + "\n\"" + huge + "\"" + kRest + "\n" + row("after") + "\n");
  expect_accounted(r, 2);
  // Either carried whole into the results or rejected with a reason, never cut short.
  const auto rows = parse_csv(r.results);
  bool found = false;
  for (const auto& cells : rows)
    if (!cells.empty() && cells[0].size() >= 1024 * 1024) {
      EXPECT_EQ(cells[0], huge);
      found = true;
    }
  EXPECT_TRUE(found || r.counts->rejected == 1);
  EXPECT_EQ(rows.back().at(0), "after");
}

TEST(EdgeInput, TwoThousandColumns) {
  CliSandbox box;
  std::string header = kW1Header, values = row("wide");
  for (int i = 0; i < 2000; ++i) {
    header += ",extra" + std::to_string(i);
    values += "," + std::to_string(i);
  }
  const auto r = run_register(box, header + "\n" + values + "\n" + values + "\n");
  expect_accounted(r, 2);
  EXPECT_EQ(r.counts->results, 2u);
  EXPECT_THAT(r.err, HasSubstr("columns not in the policy's record were ignored"));
}

TEST(EdgeInput, TwoThousandColumnsWithRowsOfWrongWidth) {
  CliSandbox box;
  std::string header = kW1Header, short_row = row("short");
  for (int i = 0; i < 2000; ++i) header += ",extra" + std::to_string(i);
  std::string long_row = row("long");
  for (int i = 0; i < 4000; ++i) long_row += ",0";
  const auto r = run_register(box, header + "\n" + short_row + "\n" + long_row + "\n");
  expect_accounted(r, 2);
}

TEST(EdgeInput, RecordSpanningTenThousandLinesKeepsLineNumbers) {
  CliSandbox box;
  std::string id = "\"multi";
  for (int i = 1; i < 10000; ++i) id += "\nline";
  id += "\"";
  // The record after it starts on physical line 2 + 10000 and is bad (members 0).
  const std::string bad = "bad,会昌县,西江镇,西头村,0,1,38760.21,16915.66,0,0,0,safe,0,0,0,0,0,0.0,1,0";
  const auto r = run_register(box, kW1Header + "\n" + id + kRest + "\n" + bad + "\n");
  expect_accounted(r, 2);
  ASSERT_EQ(r.counts->rejected, 1u);
  const auto rejects = parse_csv(r.rejects);
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[1].at(0), "10002") << "line numbers are physical lines";
  EXPECT_EQ(rejects[1].at(1), "members");
  const auto results = parse_csv(r.results);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(std::count(results[1][0].begin(), results[1][0].end(), '\n'), 9999);
}

TEST(EdgeInput, UnterminatedQuoteAtEndOfFile) {
  CliSandbox box;
  const auto r = run_register(box, kW1Header + "\n" + row("ok") + "\n\"open" + kRest + "\nmore text");
  expect_accounted(r, 2);
  EXPECT_EQ(r.counts->rejected, 1u);
  const auto rejects = parse_csv(r.rejects);
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[1].at(0), "3");
  EXPECT_THAT(rejects[1].at(2), HasSubstr("never closed"));
}

TEST(EdgeInput, UnterminatedQuoteInHeader) {
  CliSandbox box;
  write_file(box / "register.csv", "\"household_id,county\n");
  const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv", "-q"});
  EXPECT_TRUE(r.exit_code == 3 || r.exit_code == 0) << r.exit_code;
  EXPECT_EQ(r.exit_code, 3) << "a register whose header cannot be read cannot be used";
  EXPECT_FALSE(r.err.empty());
  EXPECT_FALSE(fs::exists(box / "results.csv"));
}

TEST(EdgeInput, NulByteInsideAField) {
  CliSandbox box;
  const std::string id("360733-x\0y", 10);
  const auto r = run_register(box, kW1Header + "\n" + row(id) + "\n" + row("plain") + "\n");
  expect_accounted(r, 2);
  // A NUL must not silently cut the value short: the whole id, or a reject.
  if (r.counts->rejected == 0) {
    EXPECT_NE(r.results.find(id + ","), std::string::npos) << "the id was truncated at the NUL";
  }
}

TEST(EdgeInput, NulByteInANumberIsRejected) {
  CliSandbox box;
  const std::string bad = std::string("n,会昌县,西江镇,西头村,4\0", 28) + "9,1,38760.21,16915.66,0,0,0,safe,0,0,0,0,0,0.0,1,0";
  const auto r = run_register(box, kW1Header + "\n" + bad + "\n");
  expect_accounted(r, 1);
  EXPECT_EQ(r.counts->rejected, 1u) << "`4\\0` `9` is not an int";
}

TEST(EdgeInput, OnlyAByteOrderMark) {
  CliSandbox box;
  write_file(box / "register.csv", "\xEF\xBB\xBF");
  const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "rejects.csv"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("no header line"));
  EXPECT_EQ(box.files(), (std::set<std::string>{"register.csv"}));
}

TEST(EdgeInput, EmptyFile) {
  CliSandbox box;
  write_file(box / "register.csv", "");
  const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("empty"));
  EXPECT_EQ(box.files(), (std::set<std::string>{"register.csv"}));
}

TEST(EdgeInput, OnlyAHeader) {
  CliSandbox box;
  const auto r = run_register(box, "\xEF\xBB\xBF" + kW1Header + "\r\n");
  expect_accounted(r, 0);
  EXPECT_EQ(parse_csv(r.results).size(), 1u) << "the results file has its header line";
}

// Values at the edges of what the CSV accepts (int 9 digits, money 12 digits)
// through W1: the answers are exact, computed by hand, never wrapped.
TEST(EdgeInput, W1AtTheLimitsOfIntAndMoneyIsExact) {
  CliSandbox box;
  const std::string data = kW1Header + "\n" +
                           "A1,会昌县,西江镇,西头村,1,1,999999999999.99,0,0,0,0,safe,0,0,999999999,999999999,999999999,0,1,0\n"
                           "A2,会昌县,西江镇,西头村,1,0,0,0,0,0,0,d,0,1,999999999,999999999,999999999,999999999999.99,1,1\n"
                           "A3,会昌县,西江镇,西头村,1,0,-999999999999.99,0,0,0,0,d,0,0,0,0,0,0,0,0\n"
                           "A4,会昌县,西江镇,西头村,999999999,0,0,0,0,0,0,d,0,0,0,999999999,999999999,0,0,1\n";
  const auto r = run_register(box, data);
  expect_accounted(r, 4);
  std::map<std::string, std::vector<std::string>> by_id;
  for (const auto& cells : parse_csv(r.results)) by_id[cells.at(0)] = cells;
  // A1: 999999999999.99 per person, not poor: nothing.
  ASSERT_TRUE(by_id.count("A1"));
  EXPECT_EQ(by_id["A1"], (std::vector<std::string>{"A1", "999999999999.99", "false", "none", "none", "", "0.00"}));
  // A2: wubao; 3000 + 600*999999999 + 1500*999999999 + 20000 + 6000*1.
  ASSERT_TRUE(by_id.count("A2"));
  EXPECT_EQ(by_id["A2"].at(6), "2100000026900.00");
  // A3: per capita -999999999999.99; income top-up (2736.00 + 999999999999.99) * 1,
  // + 20000 housing + 500 water.
  ASSERT_TRUE(by_id.count("A3"));
  EXPECT_EQ(by_id["A3"].at(6), "1000000023235.99");
  // A4: 999999999 members, relocation 6000 yuan each, top-up 2736.00 each,
  // disability 600 and rain-dew 1500 each, housing 20000, water 500:
  // (6000 + 2736 + 600 + 1500) * 999999999 + 20500.
  ASSERT_TRUE(by_id.count("A4"));
  EXPECT_EQ(by_id["A4"].at(6), "10836000009664.00");
}

// A policy whose arithmetic does not fit: the row goes to the rejects naming
// the rule, and the run goes on.
TEST(EdgeInput, OverflowGoesToRejectsNamingTheRule) {
  CliSandbox box;
  write_file(box / "big.pol",
             "policy \"overflow\"\n"
             "record r {\n  id: text\n  members: int\n  net_income: money\n}\n"
             "let scaled: money = net_income * members * members\n"
             "let total: money = net_income + scaled\n"
             "output id, scaled, total\n");
  write_file(box / "register.csv",
             "id,members,net_income\n"
             "fits,3,10.00\n"
             "big,999999999,999999999999.99\n"
             "edge303,303,999999999999.99\n"
             "edge304,304,999999999999.99\n"
             "neg,999999999,-999999999999.99\n"
             "after,1,1.00\n");
  const auto r = box.run({"run", "big.pol", "register.csv", "-o", "results.csv", "--rejects", "rejects.csv", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto counts = counts_in(r.out);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->read, 6u);
  EXPECT_EQ(counts->read, counts->results + counts->rejected);
  const auto results = parse_csv(read_file(box / "results.csv"));
  const auto rejects = parse_csv(read_file(box / "rejects.csv"));
  ASSERT_EQ(results.size(), 4u) << read_file(box / "results.csv");
  EXPECT_EQ(results[1], (std::vector<std::string>{"fits", "90.00", "100.00"}));
  // 99999999999999 fen * 303 * 303 still fits in int64; * 304 * 304 does not.
  EXPECT_EQ(results[2], (std::vector<std::string>{"edge303", "91808999999999081.91", "91809999999999081.90"}));
  EXPECT_EQ(results[3], (std::vector<std::string>{"after", "1.00", "2.00"}));
  ASSERT_EQ(rejects.size(), 4u);
  for (std::size_t i = 1; i < rejects.size(); ++i) {
    EXPECT_THAT(rejects[i].at(2), HasSubstr("`let scaled`")) << "line " << rejects[i].at(0);
    EXPECT_THAT(rejects[i].at(2), HasSubstr("policy line 7"));
  }
  EXPECT_EQ(rejects[1].at(0), "3");
  EXPECT_EQ(rejects[2].at(0), "5");
  EXPECT_EQ(rejects[3].at(0), "6");
}

// A register of extreme (but legal) households whose summary totals pass int64.
std::string summary_overflow_register() {
  // Each household: 10836000009664.00 yuan of assistance (see A4 above); 8512 of them pass 2^63 fen.
  std::string data = kW1Header + "\n";
  for (int i = 0; i < 9000; ++i)
    data += "W" + std::to_string(i) + ",会昌县,西江镇,西头村,999999999,0,0,0,0,0,0,d,0,0,0,999999999,999999999,0,0,1\n";
  return data;
}

// Summary totals that pass int64 are told about; the results stay exact.
TEST(EdgeInput, SummaryOverflowIsTold) {
  CliSandbox box;
  write_file(box / "register.csv", summary_overflow_register());
  const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv", "--summary-csv", "summary.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto counts = counts_in(r.out);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->results, 9000u);
  EXPECT_THAT(r.err, HasSubstr("those figures show `overflow`")) << "the overflow must be told";
  EXPECT_THAT(r.err, HasSubstr("from line 8513 on"));
  for (const auto& cells : parse_csv(read_file(box / "results.csv"))) {
    if (cells.at(0) != "household_id") {
      ASSERT_EQ(cells.at(6), "10836000009664.00");
    }
  }
}

// Regression (fixed): once the assistance total passes int64, the summary prints the
// wrapped (negative) value, and the short-circuit `fits && checked_add(...)`
// in Runner::add_to_summary skips adding poor_population on every row where
// assistance overflows, so population and incidence (which fit) come out wrong too.
TEST(EdgeInput, SummaryOverflowIsNotWrapped) {
  CliSandbox box;
  write_file(box / "register.csv", summary_overflow_register());
  const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv", "--summary-csv", "summary.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = read_file(box / "summary.csv");
  EXPECT_EQ(summary.find(",-"), std::string::npos) << "a wrapped, negative total:\n" << summary;
  const auto records = precept::testing::csv_records(summary);
  ASSERT_FALSE(records.empty());
  const auto& total = records.back();
  EXPECT_EQ(total.at("population"), "8999999991000");
  EXPECT_EQ(total.at("poor_population"), "8999999991000") << "every household is poor";
  EXPECT_EQ(total.at("incidence"), "1.000000");
}

}  // namespace
