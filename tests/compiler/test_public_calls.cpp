// The public calls behind `precept test` and `precept fmt` (<precept/test.hpp>,
// <precept/source_format.hpp>, <precept/text.hpp>), used as an embedder would:
// through <precept/...> only.
#include <precept/precept.hpp>
#include <precept/source_format.hpp>
#include <precept/test.hpp>
#include <precept/text.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::string source_of(const std::string& relative) {
  std::ifstream in(fs::path(PRECEPT_SOURCE_DIR) / relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// W1 with one expectation made wrong: total_assistance 3500 becomes 3000.
std::string broken_w1() {
  std::string policy = source_of("policies/xijiang_2015.pol");
  const std::string right = "total_assistance = 3500 yuan";
  const auto at = policy.find(right);
  if (at != std::string::npos) policy.replace(at, right.size(), "total_assistance = 3000 yuan");
  return policy;
}

TEST(TestExamples, EveryExampleOfTheBundledPolicyPassesAndCoversAll) {
  const auto compiled = precept::open_policy(fs::path(PRECEPT_SOURCE_DIR) / "policies/xijiang_2015.pol");
  ASSERT_TRUE(compiled.ok());
  const precept::TestResults results = precept::test_examples(*compiled.policy, "xijiang_2015.pol");
  ASSERT_FALSE(results.examples.empty());
  EXPECT_TRUE(results.all_passed());
  EXPECT_EQ(results.passed(), results.examples.size());
  EXPECT_EQ(results.covered(), results.coverage.size());
  for (const auto& e : results.examples) {
    EXPECT_GT(e.line, 0u) << e.label;
    EXPECT_TRUE(e.explanation_text.empty()) << "a passing example is not explained";
  }
}

TEST(TestExamples, AFailureCarriesTheProblemAndTheExplanationAsTextAndJson) {
  const auto compiled = precept::compile(broken_w1(), "broken.pol");
  ASSERT_TRUE(compiled.ok());
  const precept::TestResults results = precept::test_examples(*compiled.policy, "broken.pol");
  ASSERT_FALSE(results.all_passed());
  const auto failed = std::find_if(results.examples.begin(), results.examples.end(), [](const auto& e) { return !e.passed; });
  ASSERT_NE(failed, results.examples.end());
  ASSERT_EQ(failed->problems.size(), 1u);
  EXPECT_NE(failed->problems[0].find("expected 3000.00, got 3500.00"), std::string::npos) << failed->problems[0];
  EXPECT_NE(failed->explanation_text.find("broken.pol:"), std::string::npos) << failed->explanation_text;
  const auto explanation = nlohmann::json::parse(failed->explanation_json);
  EXPECT_EQ(explanation["outputs"]["total_assistance"], "3500.00") << "money as its exact decimal";

  const auto report = nlohmann::ordered_json::parse(precept::to_json(results, "dir/broken.pol"));
  std::vector<std::string> keys;
  for (const auto& item : report.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"policy", "examples", "coverage"}));
  EXPECT_EQ(report["policy"], "dir/broken.pol");
  EXPECT_EQ(report["examples"].size(), results.examples.size());
  EXPECT_EQ(report["coverage"]["covered"], results.covered());
  EXPECT_EQ(report["coverage"]["total"], results.coverage.size());
}

TEST(TestExamples, ACompiledProgramIsTestedFromItsEmbeddedSource) {
  const auto compiled = precept::compile(broken_w1(), "broken.pol");
  ASSERT_TRUE(compiled.ok());
  const auto loaded = precept::load_policy(compiled.policy->serialize(), "broken.pcb");
  ASSERT_TRUE(loaded.ok());
  const precept::TestResults results = precept::test_examples(*loaded.policy, "broken.pol");
  const precept::TestResults direct = precept::test_examples(*compiled.policy, "broken.pol");
  ASSERT_EQ(results.examples.size(), direct.examples.size());
  for (std::size_t i = 0; i < direct.examples.size(); ++i) {
    EXPECT_EQ(results.examples[i].passed, direct.examples[i].passed);
    EXPECT_EQ(results.examples[i].explanation_json, direct.examples[i].explanation_json);
  }
}

TEST(SourceFormat, ReadsSourceAndRefusesWhatIsNot) {
  const auto policy = precept::read_policy_source((fs::path(PRECEPT_SOURCE_DIR) / "policies/xijiang_2015.pol").string());
  ASSERT_TRUE(policy.text.has_value()) << policy.problem;
  const precept::FormatResult formatted = precept::format_policy(*policy.text, "xijiang_2015.pol");
  ASSERT_TRUE(formatted.ok());
  EXPECT_EQ(*formatted.text, *policy.text) << "the bundled policies are formatted";

  const fs::path program = fs::temp_directory_path() / "precept_public_calls.pcb";
  {
    const auto compiled = precept::compile(*policy.text);
    ASSERT_TRUE(compiled.ok());
    std::ofstream(program, std::ios::binary) << compiled.policy->serialize();
  }
  const auto refused = precept::read_policy_source(program.string());
  EXPECT_TRUE(refused.compiled_program);
  EXPECT_FALSE(refused.text.has_value());
  fs::remove(program);

  const auto missing = precept::read_policy_source("no/such/policy.pol");
  EXPECT_FALSE(missing.text.has_value());
  EXPECT_FALSE(missing.compiled_program);
  EXPECT_NE(missing.problem, "");
}

TEST(PublicText, EscapesAndMeasures) {
  EXPECT_EQ(precept::escape_for_terminal("a\x1b[31m\xff"), "a\\x1b[31m\\xff");
  EXPECT_EQ(precept::display_width("西江镇 1"), 8u);
  EXPECT_EQ(precept::file_kind(S_IFDIR), "a directory");
}

TEST(PolicyAccessors, SummaryGroupsAreNamed) {
  const auto compiled = precept::open_policy(fs::path(PRECEPT_SOURCE_DIR) / "policies/xijiang_2015.pol");
  ASSERT_TRUE(compiled.ok());
  const auto groups = compiled.policy->summary_group_names();
  EXPECT_NE(std::find(groups.begin(), groups.end(), "village"), groups.end());
}

}  // namespace
