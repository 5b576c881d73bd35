// The embedding API's Evaluator: every kind of rejection (RejectKind) with its
// column or declaration, file and line; names a record must get right. And
// run_csv, which counts its rejected rows by the same kinds
// (RunReport::rejected_by_kind) while the rejects file keeps its three columns.
#include <precept/precept.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace precept {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Record = std::vector<std::pair<std::string, std::string>>;

// A policy with a rule of every kind that can reject a household.
const char* const kKinds = R"(policy "kinds" year 2020
record r {
  id: text
  members: int where >= 1
  income: money
  labor: int
  factor: int default 1
}
require labor <= members "no more workers than members"
let per_worker: money = round(income / labor, 2)
let big: int = factor * 999999999 * 999999999
table t
  | when members | a: money |
  | > labor + 4  | 1 yuan   |
  | > factor + 6 | 2 yuan   |
output id, per_worker, big, t
)";

Policy compiled(const std::string& source, const std::string& file = "kinds.pol", CompileOptions options = {}) {
  auto result = compile(source, file, options);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

// A household that every rule accepts, with `changes` applied.
Record household(const Record& changes = {}) {
  Record r = {{"id", "h"}, {"members", "6"}, {"income", "100"}, {"labor", "1"}, {"factor", "1"}};
  for (const auto& [name, value] : changes)
    for (auto& [n, v] : r)
      if (n == name) v = value;
  return r;
}

class Kinds : public ::testing::Test {
 protected:
  Outcome evaluate(const Record& record) { return evaluator_.evaluate(record); }
  Evaluator evaluator_{compiled(kKinds)};
};

TEST_F(Kinds, AnAcceptedHouseholdHasNoKind) {
  const Outcome o = evaluate(household());
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.kind, RejectKind::None);
  EXPECT_EQ(o.values, (std::vector<std::string>{"h", "100.00", "999999998000000001", "1.00"}));
}

TEST_F(Kinds, ValueMissing) {
  const Outcome o = evaluate(household({{"members", ""}}));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.kind, RejectKind::ValueMissing);
  EXPECT_EQ(o.column, "members");
  EXPECT_EQ(o.error, "`members` is empty, but every record needs it");
}

TEST_F(Kinds, AFieldNotNamedIsEmpty) {
  Record r = household();
  r.erase(r.begin() + 3);  // labor
  const Outcome o = evaluate(r);
  EXPECT_EQ(o.kind, RejectKind::ValueMissing);
  EXPECT_EQ(o.column, "labor");
  Record without_default = household();
  without_default.pop_back();  // factor has a default
  EXPECT_TRUE(evaluate(without_default).ok);
}

TEST_F(Kinds, ValueUnreadable) {
  const Outcome o = evaluate(household({{"income", "12.345"}}));
  EXPECT_EQ(o.kind, RejectKind::ValueUnreadable);
  EXPECT_EQ(o.column, "income");
  EXPECT_THAT(o.error, HasSubstr("at most 2 decimals"));
  EXPECT_EQ(o.policy_line, 0u);
}

TEST_F(Kinds, BoundFailed) {
  const Outcome o = evaluate(household({{"members", "0"}}));
  EXPECT_EQ(o.kind, RejectKind::BoundFailed);
  EXPECT_EQ(o.column, "members");
  EXPECT_EQ(o.error, "`members` must be at least 1, found `0`");
}

TEST_F(Kinds, RequireFailed) {
  const Outcome o = evaluate(household({{"labor", "7"}}));
  EXPECT_EQ(o.kind, RejectKind::RequireFailed);
  EXPECT_EQ(o.error, "no more workers than members (policy line 9)");
  EXPECT_EQ(o.declaration, "require");
  EXPECT_EQ(o.policy_file, "kinds.pol");
  EXPECT_EQ(o.policy_line, 9u);
}

TEST_F(Kinds, DivisionByZero) {
  const Outcome o = evaluate(household({{"labor", "0"}}));
  EXPECT_EQ(o.kind, RejectKind::DivisionByZero);
  EXPECT_EQ(o.declaration, "let per_worker");
  EXPECT_EQ(o.policy_line, 10u);
  EXPECT_EQ(o.column, "");
}

TEST_F(Kinds, Overflow) {
  const Outcome o = evaluate(household({{"factor", "10"}}));
  EXPECT_EQ(o.kind, RejectKind::Overflow);
  EXPECT_EQ(o.declaration, "let big");
  EXPECT_EQ(o.policy_line, 11u);
  EXPECT_THAT(o.error, HasSubstr("too large to hold exactly"));
}

TEST_F(Kinds, NoTableRow) {
  const Outcome o = evaluate(household({{"members", "2"}}));
  EXPECT_EQ(o.kind, RejectKind::NoTableRow);
  EXPECT_EQ(o.error, "no row of table `t` applies to this household (policy line 12)");
  EXPECT_EQ(o.policy_line, 12u);
}

// EvaluatorOptions::language: the same kinds, declarations and lines, the
// words in Chinese; the policy's own message stays as it wrote it.
TEST(KindsInChinese, TheReasonsAreInTheLanguageAskedFor) {
  EvaluatorOptions options;
  options.language = Language::Chinese;
  Evaluator evaluator(compiled(kKinds), options);
  const Outcome no_row = evaluator.evaluate(household({{"members", "2"}}));
  EXPECT_EQ(no_row.kind, RejectKind::NoTableRow);
  EXPECT_EQ(no_row.error, "表 `t` 中没有一行适用于这户（政策第 12 行）");
  const Outcome zero = evaluator.evaluate(household({{"labor", "0"}}));
  EXPECT_EQ(zero.error, "`let per_worker`（政策第 10 行）的计算除数为零");
  EXPECT_EQ(zero.policy_line, 10u);
  const Outcome required = evaluator.evaluate(household({{"labor", "7"}}));
  EXPECT_EQ(required.error, "no more workers than members（政策第 9 行）");
  const Outcome both = evaluator.evaluate(household({{"members", "8"}}));
  EXPECT_THAT(both.error, HasSubstr("表 `t` 的第 1 行和第 2 行都适用于这户"));
  const Outcome unknown = evaluator.evaluate({{"id", "h"}, {"nmbers", "3"}});
  EXPECT_EQ(unknown.kind, RejectKind::UnknownField);
  EXPECT_EQ(unknown.error, "这条记录写了 `nmbers`，但政策的户字段里没有这一项");
}

TEST_F(Kinds, SeveralUniqueRows) {
  const Outcome o = evaluate(household({{"members", "8"}}));
  EXPECT_EQ(o.kind, RejectKind::SeveralUniqueRows);
  EXPECT_THAT(o.error, HasSubstr("rows 1 and 2 of table `t` both match this household"));
  EXPECT_EQ(o.declaration, "table t row 2");
}

TEST_F(Kinds, AnUnknownNameIsAnErrorByDefault) {
  Record r = household();
  r.emplace_back("membres", "6");
  const Outcome o = evaluate(r);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.kind, RejectKind::UnknownField);
  EXPECT_EQ(o.column, "membres");
  EXPECT_EQ(o.error, "the record names `membres`, which is not a field of the policy's record");
}

TEST_F(Kinds, ANameGivenTwiceIsAnError) {
  Record r = household();
  r.emplace_back("members", "7");
  const Outcome o = evaluate(r);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.kind, RejectKind::DuplicateField);
  EXPECT_EQ(o.column, "members");
  EXPECT_EQ(o.error, "the record names `members` twice");
}

TEST(EvaluatorOptions, UnknownNamesMayBeAllowedButNotDuplicates) {
  EvaluatorOptions options;
  options.allow_unknown_fields = true;
  Evaluator evaluator(compiled(kKinds), options);
  Record r = household();
  r.emplace_back("phone", "12345");
  EXPECT_TRUE(evaluator.evaluate(r).ok);
  r.emplace_back("id", "again");
  EXPECT_EQ(evaluator.evaluate(r).kind, RejectKind::DuplicateField);
}

TEST(EvaluatorBatch, EachRecordGetsItsOwnKindInOrder) {
  Evaluator evaluator(compiled(kKinds));
  Record unknown = household();
  unknown.emplace_back("x", "1");
  const auto outcomes = evaluator.evaluate_batch(
      {household(), household({{"members", "0"}}), unknown, household({{"labor", "0"}}), household()});
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_EQ(outcomes[0].kind, RejectKind::None);
  EXPECT_EQ(outcomes[1].kind, RejectKind::BoundFailed);
  EXPECT_EQ(outcomes[2].kind, RejectKind::UnknownField);
  EXPECT_EQ(outcomes[3].kind, RejectKind::DivisionByZero);
  EXPECT_TRUE(outcomes[4].ok);
}

// A layered policy: a rule of the parent layer names the parent's file.
TEST(EvaluatorLayers, ARuleOfAParentLayerNamesThatLayersFileAndLine) {
  CompileOptions options;
  options.loader = [](const std::string& path) -> std::optional<std::string> {
    if (path.ends_with("parent.pol"))
      return "policy \"parent\" year 2020\nrecord r {\n  id: text\n  members: int\n  labor: int\n}\n"
             "require labor <= members \"no more workers than members\"\nlet workers: int = labor\n"
             "output id, workers\n";
    return std::nullopt;
  };
  options.base_directory = ".";
  Evaluator evaluator(compiled("policy \"child\" year 2020 extends \"parent.pol\"\n"
                               "require labor >= 0 \"workers are counted, not owed\"\n",
                               "child.pol", options));
  const Outcome parent = evaluator.evaluate({{"id", "a"}, {"members", "1"}, {"labor", "2"}});
  EXPECT_EQ(parent.kind, RejectKind::RequireFailed);
  EXPECT_THAT(parent.policy_file, HasSubstr("parent.pol"));
  EXPECT_EQ(parent.policy_line, 7u);
  const Outcome child = evaluator.evaluate({{"id", "b"}, {"members", "1"}, {"labor", "-1"}});
  EXPECT_EQ(child.kind, RejectKind::RequireFailed);
  EXPECT_EQ(child.policy_file, "child.pol");
  EXPECT_EQ(child.policy_line, 2u);
  EXPECT_EQ(child.column, "labor");
}

std::string contents(std::FILE* f) {
  std::string text;
  std::rewind(f);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  return text;
}

TEST(RunKinds, RejectedRowsAreCountedByKind) {
  const std::string data =
      "id,members,income,labor,factor\n"
      "ok,6,100,1,1\n"
      "bound,0,100,1,1\n"
      "unreadable,6,1.234,1,1\n"
      "missing,,100,1,1\n"
      "require,6,100,7,1\n"
      "division,6,100,0,1\n"
      "overflow,6,100,1,10\n"
      "norow,2,100,1,1\n"
      "both,8,100,1,1\n"
      "short,6\n"
      "ok2,6,100,1,1\n"
      "quote,6,\"100,1,1\n";
  std::FILE* input = std::tmpfile();
  std::FILE* rejects = std::tmpfile();
  ASSERT_TRUE(input && rejects);
  std::fwrite(data.data(), 1, data.size(), input);
  std::rewind(input);
  const RunReport report = run_csv(compiled(kKinds), input, nullptr, rejects);
  ASSERT_TRUE(report.ok()) << report.fatal_error;
  EXPECT_EQ(report.results, 2u);
  EXPECT_EQ(report.rejected, 10u);
  const std::map<RejectKind, std::uint64_t> expected = {
      {RejectKind::BoundFailed, 1},    {RejectKind::ValueUnreadable, 1}, {RejectKind::ValueMissing, 1},
      {RejectKind::RequireFailed, 1},  {RejectKind::DivisionByZero, 1},  {RejectKind::Overflow, 1},
      {RejectKind::NoTableRow, 1},     {RejectKind::SeveralUniqueRows, 1}, {RejectKind::FieldCount, 1},
      {RejectKind::RecordMalformed, 1}};
  EXPECT_EQ(report.rejected_by_kind, expected);
  const std::string text = contents(rejects);
  EXPECT_THAT(text, StartsWith("line,column,reason\n3,members,\"`members` must be at least 1, found `0`\"\n"));
  std::fclose(input);
  std::fclose(rejects);
}

TEST(RejectKindNames, AreStableSnakeCase) {
  EXPECT_STREQ(reject_kind_name(RejectKind::None), "none");
  EXPECT_STREQ(reject_kind_name(RejectKind::ValueUnreadable), "value_unreadable");
  EXPECT_STREQ(reject_kind_name(RejectKind::SeveralUniqueRows), "several_unique_rows");
  EXPECT_STREQ(reject_kind_name(RejectKind::DuplicateField), "duplicate_field");
}

}  // namespace
}  // namespace precept
