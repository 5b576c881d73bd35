// `run`, `explain` and `diff` read a register by the one register reader
// (runtime/register_reader): the same register is accepted or refused by all
// three, with the same words. They used to disagree: a duplicate column was an
// error for `run`, the last column for `explain` and the first for `diff`; a
// field with a default needed its column for `run` and `diff` but not for
// `explain`; an empty register and a missing column were worded three ways.
#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;

namespace {

const char* const kOld = R"(policy "old" year 2020
record household {
  id:      text
  members: int where >= 1
  income:  money
  pension: money default 0 yuan
  note:    optional text
}
let total: money = income + pension
output id, total
)";

// The same record; `total` counts only half the pension.
const char* const kNew = R"(policy "new" year 2020
record household {
  id:      text
  members: int where >= 1
  income:  money
  pension: money default 0 yuan
  note:    optional text
}
let total: money = income + round(pension / 2, 2)
output id, total
)";

class RegisterReading : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(box_ / "old.pol", kOld);
    write_file(box_ / "new.pol", kNew);
  }
  void data(const std::string& text) const { write_file(box_ / "data.csv", text); }
  CliRun run() { return box_.run({"run", "old.pol", "data.csv", "-o", "results.csv", "--rejects", "rejects.csv"}); }
  CliRun explain(const std::string& id) { return box_.run({"explain", "old.pol", "data.csv", "--id", id}); }
  CliRun diff() { return box_.run({"diff", "old.pol", "new.pol", "data.csv", "--no-witness"}); }
  // run, explain and diff all refuse the register (exit 3), saying `words`.
  void expect_refused_alike(const std::string& words) {
    for (const CliRun& r : {run(), explain("h1"), diff()}) {
      EXPECT_EQ(r.exit_code, 3) << r.err;
      EXPECT_THAT(r.err, HasSubstr(words));
    }
  }
  CliSandbox box_;
};

TEST_F(RegisterReading, AFieldsColumnGivenTwiceIsRefusedByEveryCommandAlike) {
  data("id,members,income,id\nh1,2,100,h2\n");
  expect_refused_alike("the header names column `id` twice (columns 1 and 4)");
}

TEST_F(RegisterReading, AColumnNotInTheRecordMayRepeat) {
  data("remark,id,members,income,remark\nx,h1,2,100,y\n");
  const CliRun r = run();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("columns not in the policy's record were ignored: `remark`"));
  EXPECT_EQ(read_file(box_ / "results.csv"), "id,total\nh1,100.00\n");
  EXPECT_EQ(explain("h1").exit_code, 0);
  const CliRun d = diff();
  EXPECT_EQ(d.exit_code, 1) << d.err;  // the versions differ; the register was read
  EXPECT_THAT(d.out, HasSubstr("compared (accepted by both)                 1"));
}

// README: "A field is required unless it is `optional` or has a `default`".
TEST_F(RegisterReading, AFieldWithADefaultNeedsNoColumnInAnyCommand) {
  data("id,members,income\nh1,2,100\n");
  const CliRun r = run();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(box_ / "results.csv"), "id,total\nh1,100.00\n");
  const CliRun e = explain("h1");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  const CliRun d = diff();
  EXPECT_EQ(d.exit_code, 1) << d.err;  // the versions differ; the register was read
  EXPECT_THAT(d.out, HasSubstr("compared (accepted by both)                 1"));
}

TEST_F(RegisterReading, AMissingRequiredColumnIsWordedAlikeNamingEveryOne) {
  data("id,pension\nh1,5\n");
  const std::string words = "the register has no column `members`, `income`, which ";
  const CliRun r = run();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(words + "the policy's record needs (header on line 1)"));
  const CliRun e = explain("h1");
  EXPECT_EQ(e.exit_code, 3) << e.err;
  EXPECT_THAT(e.err, HasSubstr(words + "the policy's record needs (header on line 1)"));
  const CliRun d = diff();
  EXPECT_EQ(d.exit_code, 3) << d.err;
  EXPECT_THAT(d.err, HasSubstr(words + "the old version's record needs (header on line 1)"));
}

TEST_F(RegisterReading, AnEmptyRegisterIsWordedAlike) {
  data("");
  expect_refused_alike("the register is empty: no header line");
}

// A record of the wrong shape: `run`'s reject and `explain`'s reason say the same.
TEST_F(RegisterReading, ARecordOfTheWrongShapeIsRejectedInTheSameWords) {
  data("id,members,income\nh1,2\nh2,1,50\n");
  const CliRun r = run();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(box_ / "rejects.csv"),
            "line,column,reason\n2,,\"expected 3 fields as in the header, found 2\"\n");
  const CliRun e = explain("h1");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_THAT(e.out, HasSubstr("expected 3 fields as in the header, found 2"));
}

}  // namespace
