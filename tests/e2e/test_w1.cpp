// W1 end to end, checked against answers Precept did not compute:
// - hand-computed cases (tests/reference/cases, arithmetic in its README), and
// - the independent hand-written W1 program (tests/reference/w1_reference.cpp)
//   on generated registers with every kind of bad row, LF and CRLF, with a BOM.
#include "files.hpp"

#include <precept/precept.hpp>

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace {

using precept::testing::csv_records;
using precept::testing::parse_csv;
using precept::testing::read_file;
using precept::testing::run_command;
using precept::testing::TempDir;

const std::string kSource = PRECEPT_SOURCE_DIR;
const std::string kPolicy = kSource + "/policies/xijiang_2015.pol";
const std::string kCases = kSource + "/tests/reference/cases";

// (line, column) of each reject: the reason is free text and may differ.
std::vector<std::pair<std::string, std::string>> reject_keys(const std::string& csv) {
  std::vector<std::pair<std::string, std::string>> keys;
  const auto rows = parse_csv(csv);
  for (std::size_t r = 1; r < rows.size(); ++r) keys.emplace_back(rows[r].at(0), rows[r].size() > 1 ? rows[r][1] : "");
  return keys;
}

// Summary rows keyed by place, compared column by column on the columns both
// files have: the reference does not list the `none` cause, which no poor
// household can have.
void expect_same_summary(const std::string& expected_csv, const std::string& actual_csv) {
  const auto expected = csv_records(expected_csv);
  const auto actual = csv_records(actual_csv);
  ASSERT_EQ(expected.size(), actual.size());
  ASSERT_FALSE(expected.empty());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    for (const auto& [column, value] : expected[i]) {
      ASSERT_TRUE(actual[i].count(column)) << "summary lacks column " << column;
      EXPECT_EQ(value, actual[i].at(column)) << "row " << i << " column " << column;
    }
    if (actual[i].count("none")) {
      EXPECT_EQ(actual[i].at("none"), "0");
    }
  }
}

struct RunFiles {
  std::string results, rejects, summary, console;
  int exit_code = -1;
};

RunFiles run_precept(const TempDir& dir, const std::string& data, const std::string& extra = "") {
  RunFiles out;
  const auto r = dir / "p_results.csv", x = dir / "p_rejects.csv", s = dir / "p_summary.csv", c = dir / "p_console.txt";
  out.exit_code = run_command(fmt::format("'{}' run '{}' '{}' -o '{}' --rejects '{}' --by village --summary-csv '{}' {} > '{}' 2>&1",
                                          PRECEPT_CLI, kPolicy, data, r.string(), x.string(), s.string(), extra, c.string()));
  out.results = read_file(r);
  out.rejects = read_file(x);
  out.summary = read_file(s);
  out.console = read_file(c);
  return out;
}

TEST(W1, HandComputedCasesGiveTheHandComputedAnswers) {
  TempDir dir("w1-hand");
  const RunFiles run = run_precept(dir, kCases + "/hand_checked.csv");
  ASSERT_EQ(run.exit_code, 0) << run.console;
  EXPECT_EQ(run.results, read_file(kCases + "/hand_checked.expected.csv"));
  EXPECT_EQ(reject_keys(run.rejects), reject_keys(read_file(kCases + "/hand_checked.expected_rejects.csv")));
  expect_same_summary(read_file(kCases + "/hand_checked.expected_summary.csv"), run.summary);
}

class W1Generated : public ::testing::TestWithParam<const char*> {};

// Each generated register: the same answers as the reference, row for row, and
// every row accounted for.
TEST_P(W1Generated, AgreesWithTheIndependentReference) {
  TempDir dir("w1-gen");
  const std::string data = (dir / "register.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' --rows 30000 --seed 11 --bad-rows 120 {} -o '{}' 2>/dev/null", PRECEPT_GEN,
                                    GetParam(), data)),
            0);
  ASSERT_EQ(run_command(fmt::format("'{}' '{}' --results '{}' --rejects '{}' --summary '{}' 2>/dev/null", W1_REFERENCE,
                                    data, (dir / "ref_results.csv").string(), (dir / "ref_rejects.csv").string(),
                                    (dir / "ref_summary.csv").string())),
            0);
  const RunFiles run = run_precept(dir, data);
  ASSERT_EQ(run.exit_code, 0) << run.console;
  const std::string expected = read_file(dir / "ref_results.csv");
  ASSERT_GT(expected.size(), 1000u);
  EXPECT_TRUE(run.results == expected) << "results differ from the reference";
  const auto rejects = reject_keys(run.rejects);
  EXPECT_EQ(rejects, reject_keys(read_file(dir / "ref_rejects.csv")));
  EXPECT_GT(rejects.size(), 50u);
  expect_same_summary(read_file(dir / "ref_summary.csv"), run.summary);
  // rows read = results + rejected, as the console says and the files show.
  const std::size_t result_rows = parse_csv(run.results).size() - 1;
  EXPECT_NE(run.console.find(fmt::format("rows read: 30000 = results {} + rejected {}", result_rows, rejects.size())),
            std::string::npos)
      << run.console;
  EXPECT_EQ(result_rows + rejects.size(), 30000u);
}

INSTANTIATE_TEST_SUITE_P(Registers, W1Generated, ::testing::Values("", "--crlf", "--bom", "--crlf --bom"),
                         [](const auto& test_info) {
                           std::string name = test_info.param[0] ? test_info.param : "plain";
                           for (char& c : name)
                             if (c == '-' || c == ' ') c = '_';
                           return name;
                         });

// The embedding API (single records and batches) and `precept run` are the same
// machine: they must give the same answer for every household.
TEST(W1, EvaluatorAgreesWithRunOnEveryHousehold) {
  auto compiled = precept::open_policy(kPolicy);
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  TempDir dir("w1-api");
  const RunFiles run = run_precept(dir, kSource + "/examples/data/xijiang_sample.csv");
  ASSERT_EQ(run.exit_code, 0) << run.console;
  const auto input = parse_csv(read_file(kSource + "/examples/data/xijiang_sample.csv"));
  std::vector<std::vector<std::pair<std::string, std::string>>> records;
  for (std::size_t r = 1; r < input.size(); ++r) {
    if (input[r].size() != input[0].size()) continue;
    std::vector<std::pair<std::string, std::string>> record;
    for (std::size_t c = 0; c < input[0].size(); ++c) record.emplace_back(input[0][c], input[r][c]);
    records.push_back(std::move(record));
  }
  precept::Evaluator evaluator(*compiled.policy);
  const auto outcomes = evaluator.evaluate_batch(records);
  std::string results;
  for (const auto& name : compiled.policy->output_names()) results += (results.empty() ? "" : ",") + name;
  results += "\n";
  std::size_t ok = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].ok) continue;
    ++ok;
    std::string line;
    for (const auto& v : outcomes[i].values) {
      if (!line.empty()) line += ",";
      line += v.find_first_of(",\"\n") == std::string::npos ? v : "\"" + v + "\"";
    }
    results += line + "\n";
    // One record at a time gives the same as the batch.
    if (i % 97 == 0) {
      EXPECT_EQ(evaluator.evaluate(records[i]).values, outcomes[i].values);
    }
  }
  EXPECT_GT(ok, 1900u);
  EXPECT_EQ(results, run.results);
}

}  // namespace
