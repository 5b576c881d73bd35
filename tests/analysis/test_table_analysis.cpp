// The table analysis corpus: tests/analysis/tables/NN_name.pol, each a table
// with planted gaps, overlaps, masked, outranked or contradictory rows (or none),
// stating its findings inline:
//
//   # expect: warning 13: table `housing` has no row      (severity, line, words)
//
// Every expectation must be met by a diagnostic of that severity on that line
// whose message or hint holds the words, and every diagnostic must be expected:
// a finding nobody planted is a false finding. NN_name.expected holds exactly
// what `precept check` prints (the review copy of the wording); after an
// intended change:
//
//   PRECEPT_UPDATE_GOLDEN=1 ./build/tests/compiler/compiler_tests --gtest_filter='*TableAnalysis*'
//
// Then: the bundled policies give no finding at all, and the checks on the
// hit policies themselves.
#include "lower.hpp"
#include "program.hpp"

#include <precept/precept.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "files.hpp"
#include "golden.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() { return fs::path(PRECEPT_SOURCE_DIR) / "tests" / "analysis" / "tables"; }

std::vector<std::string> corpus_files() { return precept::testing::file_names(corpus_dir(), ".pol"); }

using precept::testing::read_file;

struct Expectation {
  precept::Severity severity;
  std::uint32_t line;
  std::string words;
};

std::vector<Expectation> parse_expectations(const std::string& source) {
  std::vector<Expectation> out;
  std::istringstream in(source);
  for (std::string line; std::getline(in, line);) {
    const std::string prefix = "# expect: ";
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream rest(line.substr(prefix.size()));
    std::string severity, where;
    rest >> severity >> where;
    Expectation e;
    e.severity = severity == "error" ? precept::Severity::Error
                 : severity == "warning" ? precept::Severity::Warning
                                         : precept::Severity::Note;
    e.line = static_cast<std::uint32_t>(std::stoul(where));  // "13:"
    std::getline(rest, e.words);
    e.words.erase(0, e.words.find_first_not_of(' '));
    out.push_back(e);
  }
  return out;
}

bool meets(const precept::Diagnostic& d, const Expectation& e) {
  return d.severity == e.severity && d.line == e.line &&
         (d.message.find(e.words) != std::string::npos || d.hint.find(e.words) != std::string::npos);
}

class TableAnalysisCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(TableAnalysisCorpus, FindsWhatWasPlantedAndNothingElse) {
  const std::string name = GetParam();
  const fs::path policy = corpus_dir() / name;
  const std::string source = read_file(policy);
  const auto result = precept::compile(source, name);
  const auto expectations = parse_expectations(source);

  for (const auto& e : expectations) {
    const bool met = std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                                 [&](const auto& d) { return meets(d, e); });
    EXPECT_TRUE(met) << name << ":" << e.line << ": expected a finding with `" << e.words << "`\n"
                     << precept::render(result.diagnostics);
  }
  for (const auto& d : result.diagnostics) {
    const bool planted =
        std::any_of(expectations.begin(), expectations.end(), [&](const auto& e) { return meets(d, e); });
    EXPECT_TRUE(planted) << name << ": a finding nobody planted:\n" << precept::render(d);
    EXPECT_GT(d.line, 0u) << d.message;
    EXPECT_FALSE(d.source_line.empty()) << d.message;
  }

  const fs::path golden = fs::path(policy).replace_extension(".expected");
  const std::string rendered = precept::render(result.diagnostics, /*color=*/false);
  precept::testing::expect_matches_golden(golden, rendered);
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string id = fs::path(info.param).stem().string();
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "f" + id;
}

INSTANTIATE_TEST_SUITE_P(Tables, TableAnalysisCorpus, ::testing::ValuesIn(corpus_files()), test_name);

TEST(TableAnalysisCorpusFiles, AreThere) { EXPECT_GE(corpus_files().size(), 8u) << corpus_dir(); }

TEST(TableAnalysis, BundledPoliciesHaveNoFindings) {
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(PRECEPT_SOURCE_DIR) / "policies")) {
    if (entry.path().extension() != ".pol") continue;
    ++seen;
    // From the file, so that a layered policy finds its parents.
    const auto result = precept::open_policy(entry.path().string());
    EXPECT_TRUE(result.ok()) << entry.path();
    EXPECT_TRUE(result.diagnostics.empty()) << entry.path() << ":\n" << precept::render(result.diagnostics);
  }
  EXPECT_GE(seen, 2u);
}

// A policy around one table, for the checks on hit policies.
std::string with_table(const std::string& table, const std::string& output) {
  return "policy \"t\" year 2016\n"
         "enum grade { safe, c, d }\n"
         "record r {\n  house: grade\n  members: int\n  income: money\n}\n" +
         table + "\noutput " + output + "\n";
}

std::string first_error(const std::string& source) {
  const auto result = precept::compile(source, "t.pol");
  for (const auto& d : result.diagnostics)
    if (d.severity == precept::Severity::Error) return d.message + " | " + d.hint;
  return "";
}

TEST(HitPolicies, PriorityNeedsAnEnumFirstOutput) {
  const std::string error = first_error(with_table("table t priority\n"
                                                   "  | when house | amount: money |\n"
                                                   "  | d          | 1 yuan        |\n"
                                                   "  | -          | 2 yuan        |\n",
                                                   "t"));
  EXPECT_NE(error.find("a `priority` table ranks its rows by its first output column, but `amount` is not an enum"),
            std::string::npos)
      << error;
}

TEST(HitPolicies, AggregatesTakeOneNumberColumn) {
  std::string error = first_error(with_table("table t collect sum\n"
                                             "  | when house | a: money | b: money |\n"
                                             "  | d          | 1 yuan   | 2 yuan   |\n",
                                             "t"));
  EXPECT_NE(error.find("a `collect sum` table has one output column, but `t` has 2"), std::string::npos) << error;
  error = first_error(with_table("table t collect max\n"
                                 "  | when house | g     |\n"
                                 "  | d          | safe  |\n",
                                 "t"));
  EXPECT_NE(error.find("`collect max` needs numbers, but column `g` is"), std::string::npos) << error;
  error = first_error(with_table("table t collect sum\n"
                                 "  | when house | a: money |\n"
                                 "  | d          | 1 yuan   |\n",
                                 "t.a"));
  EXPECT_NE(error.find("table `t` is `collect sum`: its value is one number, named `t`"), std::string::npos) << error;
}

TEST(HitPolicies, UnknownNamesGetAHint) {
  std::string error = first_error(with_table("table t rule orders\n"
                                             "  | when house | a: money |\n"
                                             "  | d          | 1 yuan   |\n",
                                             "t"));
  EXPECT_NE(error.find("unknown hit policy `rule orders` | did you mean `rule order`?"), std::string::npos) << error;
  error = first_error(with_table("table t collect summ\n"
                                 "  | when house | a: money |\n"
                                 "  | d          | 1 yuan   |\n",
                                 "t"));
  EXPECT_NE(error.find("unknown hit policy `collect summ` | did you mean `sum`?"), std::string::npos) << error;
  error = first_error(with_table("table t uniqe\n"
                                 "  | when house | a: money |\n"
                                 "  | d          | 1 yuan   |\n",
                                 "t"));
  EXPECT_NE(error.find("did you mean `unique`?"), std::string::npos) << error;
}

TEST(HitPolicies, OnlyCollectingTablesTakeAGuard) {
  const std::string error = first_error(with_table("table t unique when members > 1\n"
                                                   "  | when house | a: money |\n"
                                                   "  | d          | 1 yuan   |\n",
                                                   "t"));
  EXPECT_NE(error.find("a `unique` table cannot have a `when` condition"), std::string::npos) << error;
}

TEST(HitPolicies, DefaultIsUnique) {
  const auto result = precept::compile(with_table("table t\n"
                                                  "  | when house | a: money |\n"
                                                  "  | d, c       | 1 yuan   |\n"
                                                  "  | d, safe    | 2 yuan   |\n",
                                                  "t"),
                                       "t.pol");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(precept::render(result.diagnostics).find("but the table is `unique`"), std::string::npos)
      << precept::render(result.diagnostics);
}

bool uses(const precept::Policy& policy, precept::Opcode op) {
  const auto& code = program_of(policy).code;
  return std::any_of(code.begin(), code.end(), [&](const precept::Instruction& i) { return i.op == op; });
}

// A `unique` table of literal rows shown never to overlap runs as `first`, so it
// is indexed like one; one whose rows test expressions checks each household.
TEST(HitPolicies, ProvenUniqueTablesAreIndexed) {
  // Every (house, zone) pair once: 3 x 4 rows, no gap, no overlap.
  std::string source =
      "policy \"t\" year 2016\nenum grade { safe, c, d }\nenum zone { n, e, s, w }\n"
      "record r {\n  house: grade\n  area: zone\n}\ntable t\n  | when house | when area | v: int |\n";
  int value = 0;
  for (const char* house : {"safe", "c", "d"})
    for (const char* area : {"n", "e", "s", "w"})
      source += fmt::format("  | {} | {} | {} |\n", house, area, ++value);
  source += "output t\n";
  ASSERT_GE(12u, precept::kIndexedTableMinRows);
  auto compiled = precept::compile(source, "t.pol");
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  EXPECT_TRUE(compiled.diagnostics.empty()) << precept::render(compiled.diagnostics);
  EXPECT_TRUE(uses(*compiled.policy, precept::Opcode::LOOKUP_FIRST));
  EXPECT_FALSE(uses(*compiled.policy, precept::Opcode::TABLE_CONFLICT));
  precept::Evaluator evaluator(*compiled.policy);
  const auto outcome = evaluator.evaluate({{"house", "c"}, {"area", "s"}});
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.values.at(0), "7");

  auto checked = precept::compile(with_table("table t\n  | when             | v: int |\n"
                                             "  | members * 2 > 4  | 1      |\n"
                                             "  | members * 3 > 12 | 2      |\n",
                                             "t"),
                                  "t.pol");
  ASSERT_TRUE(checked.ok()) << precept::render(checked.diagnostics);
  EXPECT_TRUE(uses(*checked.policy, precept::Opcode::TABLE_CONFLICT));
}

}  // namespace
