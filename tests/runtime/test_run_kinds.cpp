// `run` counts its rejected rows by kind (RunReport::rejected_by_kind), the
// kinds the Evaluator gives (tests/library/test_evaluator.cpp), while the
// rejects file keeps its three columns.
#include <precept/precept.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

namespace precept {
namespace {

using ::testing::StartsWith;

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

std::string contents(std::FILE* f) {
  std::string text;
  std::rewind(f);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  return text;
}

TEST(RunKinds, RejectedRowsAreCountedByKind) {
  auto compiled = compile(kKinds, "kinds.pol");
  ASSERT_TRUE(compiled.ok()) << render(compiled.diagnostics);
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
  const RunReport report = run_csv(*compiled.policy, input, nullptr, rejects);
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

}  // namespace
}  // namespace precept
