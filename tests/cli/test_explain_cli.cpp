// `precept test`, `precept explain` and `run --explain` as officers and CI run
// them: the real binary in a fresh directory, judged by exit code and output.
// What explanations say is tested in tests/explain/.
#include "cli_runner.hpp"
#include "files.hpp"
#include "golden.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const fs::path kSource = PRECEPT_SOURCE_DIR;

class ExplainCli : public ::testing::Test {
 protected:
  CliRun precept(const std::vector<std::string>& args) { return box_.run(args); }
  void put(const std::string& name, const std::string& text) const { write_file(box_ / name, text); }
  CliSandbox box_;
};

TEST_F(ExplainCli, TestPassesOnTheBundledPoliciesWithFullCoverage) {
  const CliRun r = precept({"test", (kSource / "policies").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  五保户收入高也算贫困户 (xijiang_2015.pol:97)"));
  EXPECT_THAT(r.out, HasSubstr("coverage: 25 of 25 (100.0%)"));
  EXPECT_THAT(r.out, HasSubstr("coverage: 28 of 28 (100.0%)"));
  // Every policy of the library, layered ones included, passes with every rule,
  // branch and row exercised.
  std::smatch total;
  ASSERT_TRUE(std::regex_search(r.out, total,
                                std::regex(R"(examples: (\d+) passed, 0 failed; coverage (\d+) of (\d+) \(100\.0%\))")))
      << r.out;
  EXPECT_EQ(total[2], total[3]);
  EXPECT_GE(std::stoi(total[1]), 150) << "the library's examples";
  for (const char* policy : {"national.pol", "jiangxi.pol", "sichuan.pol", "guizhou.pol", "xijiang_town_2015.pol",
                             "xijiang_town_2016.pol", "nanling_2015.pol", "suxing_2015.pol", "enyang_2016.pol"})
    EXPECT_THAT(r.out, HasSubstr(std::string("policies/") + policy + "\n")) << policy;
}

// A deliberately broken example: the report says what was expected, what came
// out, and explains the result (golden: tests/cli/golden/test_broken_example.txt).
TEST_F(ExplainCli, ABrokenExampleFailsWithAReadableReport) {
  std::string policy = read_file(kSource / "policies/xijiang_2015.pol");
  const std::string right = "total_assistance = 3500 yuan";
  ASSERT_NE(policy.find(right), std::string::npos);
  policy.replace(policy.find(right), right.size(), "total_assistance = 3000 yuan");
  // Drop the examples that exercise disasters: coverage must say so.
  const std::string disaster = "example \"受灾户\"";
  const auto at = policy.find(disaster);
  ASSERT_NE(at, std::string::npos);
  policy.erase(at, policy.find("example", at + disaster.size()) - at);
  put("broken.pol", policy);
  const CliRun r = precept({"test", "broken.pol"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const fs::path golden = kSource / "tests/cli/golden/test_broken_example.txt";
  precept::testing::expect_matches_golden(golden, r.out);
  EXPECT_THAT(r.out, HasSubstr("total_assistance (line 123): expected 3000.00, got 3500.00"));
  EXPECT_THAT(r.out, HasSubstr("not exercised: decide main_cause branch 4"));

  const CliRun json = precept({"test", "--json", "broken.pol"});
  EXPECT_EQ(json.exit_code, 1);
  const auto report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["coverage"]["total"], 25);
  EXPECT_EQ(report["coverage"]["covered"], 24);
  bool found = false;
  for (const auto& e : report["examples"])
    if (!e["passed"]) {
      found = true;
      EXPECT_EQ(e["actual"]["outputs"]["total_assistance"], "3500.00") << "money as its exact decimal";
    }
  EXPECT_TRUE(found);
}

TEST_F(ExplainCli, TestExitCodes) {
  EXPECT_EQ(precept({"test"}).exit_code, 2);
  EXPECT_EQ(precept({"test", "nowhere.pol"}).exit_code, 2);
  put("bad.pol", "policy \"x\"\nrecord r { a: int }\noutput b\n");
  const CliRun r = precept({"test", "bad.pol"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("unknown name"));
  put("plain.pol", "policy \"x\"\nrecord r { a: int }\noutput a\n");
  const CliRun plain = precept({"test", "plain.pol"});
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_THAT(plain.out, HasSubstr("plain.pol: no examples"));
}

TEST_F(ExplainCli, ExplainOneHouseholdAsTextAndJson) {
  const std::string policy = (kSource / "policies/xijiang_2015.pol").string();
  const std::string data = (kSource / "examples/data/xijiang_sample.csv").string();
  const CliRun text = precept({"explain", policy, data, "--id", "360733-0000001"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("household 360733-0000001 (line 2)"));
  EXPECT_THAT(text.out, HasSubstr("per_capita 1539.44 < poverty_line 2736.00"));
  const CliRun json = precept({"explain", policy, data, "--id", "360733-0000001", "--format", "json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(json.out)["outputs"]["main_cause"], "illness");
  const CliRun by_key = precept({"explain", policy, data, "--key", "village", "--id", "西头村"});
  EXPECT_EQ(by_key.exit_code, 0);
  EXPECT_THAT(by_key.out, HasSubstr("(line 2)"));
  EXPECT_EQ(precept({"explain", policy, data, "--id", "nobody"}).exit_code, 3);
  EXPECT_EQ(precept({"explain", policy, data, "--key", "nothing", "--id", "x"}).exit_code, 2);
  EXPECT_EQ(precept({"explain", policy, data}).exit_code, 2);
}

// `run --explain`: one line per record, in input order, whatever -j; the
// outputs of each line are the results line for line. A .pcb explains too.
// A layered policy: each line is named with the file it is in, the county's
// own by its name, the parent's by its path, and a param with its year.
// The notes travel in the .pcb: the compiled policy explains as its source
// does (a layered .pcb has no one source to compile again), and its examples
// run from the file.
TEST_F(ExplainCli, ExplainOfALayeredPolicyNamesEachLinesFile) {
  put("base.pol", R"(policy "base" year 2015
record r { id: text  income: money  members: int where >= 1 }
param line: money "line"
  2014 -> 2800 yuan source "a"
  2016 -> 3000 yuan source "b"
rule poor: income < line * members
output id, poor
)");
  put("county.pol", R"(policy "county" year 2016 extends "base.pol"
rule low_income: income < 1000 yuan
output low_income
example "low"
  given id = "x", income = 900 yuan, members = 1
  expect low_income = true, poor = true
)");
  put("data.csv", "id,income,members\nh1,2900,1\n");
  const CliRun r = precept({"explain", "county.pol", "data.csv", "--id", "h1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("rule low_income (county.pol:2)"));
  EXPECT_THAT(r.out, HasSubstr("base.pol:6)"));
  EXPECT_THAT(r.out, HasSubstr("(value for 2016)"));
  EXPECT_THAT(r.out, Not(HasSubstr("extends"))) << "the chain's name is not a file";

  ASSERT_EQ(precept({"compile", "county.pol", "-o", "county.pcb"}).exit_code, 0);
  for (const char* format : {"text", "json"}) {
    const CliRun source = precept({"explain", "county.pol", "data.csv", "--id", "h1", "--format", format});
    const CliRun compiled = precept({"explain", "county.pcb", "data.csv", "--id", "h1", "--format", format});
    ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
    EXPECT_EQ(compiled.out, source.out);
  }
  const CliRun tested = precept({"test", "county.pcb"});
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
  EXPECT_THAT(tested.out, HasSubstr("PASS  low"));
}


TEST_F(ExplainCli, RunExplainWritesOneLinePerRecordInOrder) {
  const std::string policy = (kSource / "policies/xijiang_2015.pol").string();
  const std::string data = (kSource / "examples/data/xijiang_sample.csv").string();
  ASSERT_EQ(precept({"compile", policy, "-o", "w1.pcb"}).exit_code, 0);
  for (const std::string& source : {policy, std::string("w1.pcb")}) {
    const CliRun r = precept({"run", source, data, "--format", "jsonl", "-o", "results.jsonl", "--explain",
                              "explained.jsonl", "-j", "3", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream explained(read_file(box_ / "explained.jsonl")), results(read_file(box_ / "results.jsonl"));
    std::string line, result;
    std::uint64_t previous = 0, lines = 0, rejected = 0;
    while (std::getline(explained, line)) {
      const auto e = nlohmann::json::parse(line);
      EXPECT_GT(e["line"].get<std::uint64_t>(), previous);
      previous = e["line"];
      ++lines;
      if (e["rejected"]) {
        ++rejected;
        continue;
      }
      ASSERT_TRUE(std::getline(results, result));
      EXPECT_EQ(e["outputs"], nlohmann::json::parse(result)) << line;
    }
    EXPECT_EQ(lines, 2000u);
    EXPECT_EQ(rejected, 11u);
  }
  // A key the record does not have is a usage error, said before the run writes anything.
  const CliRun bad_key = precept({"run", policy, data, "--explain", "x.jsonl", "--key", "nothing", "-o", "r.csv"});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_THAT(bad_key.err, HasSubstr("--key nothing: the record has no field called `nothing`"));
  EXPECT_FALSE(std::filesystem::exists(box_ / "r.csv"));
  EXPECT_FALSE(std::filesystem::exists(box_ / "x.jsonl"));
}

}  // namespace
