// Regression tests for bugs found by testing the CLI from outside: each failed
// before its fix, and the comment above it says what the bug was.
#include "cli_runner.hpp"
#include "files.hpp"

#include <precept/precept.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace {

using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

std::string w1_policy() {
  return read_file(std::filesystem::path(PRECEPT_SOURCE_DIR) / "policies/xijiang_2015.pol");
}

// Bug 1: compile() lets std::range_error escape from the ANTLR 4.9 runtime's
// UTF-8 conversion, so any policy that is not valid UTF-8 aborts the CLI
// (exit 134). Expected: an error diagnostic at the first bad byte.
TEST(Regression, PolicyThatIsNotUtf8IsAnErrorNotAnException) {
  precept::CompileResult result;
  ASSERT_NO_THROW(result = precept::compile("policy \"\xff\"\n", "latin1.pol"));
  EXPECT_FALSE(result.ok());
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_EQ(result.diagnostics[0].line, 1u);
}

TEST(Regression, CliReportsAPolicyThatIsNotUtf8) {
  CliSandbox box;
  write_file(box / "latin1.pol", "policy \"\xb7\xf6\xc6\xb6\"\n");  // GBK, as old county files are
  const CliRun r = box.run({"check", "latin1.pol"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("latin1.pol:1:"));
}

// Bug 1 again, the way users will meet it: a .pcb whose magic number is damaged
// is not recognised as a program, is compiled as policy text, and aborts.
TEST(Regression, ProgramWithDamagedMagicNumberIsAPolicyError) {
  CliSandbox box;
  write_file(box / "w1.pol", w1_policy());
  ASSERT_EQ(box.run({"compile", "w1.pol"}).exit_code, 0);
  std::string program = read_file(box / "w1.pcb");
  program[0] ^= 0x01;
  write_file(box / "damaged.pcb", program);
  const CliRun r = box.run({"check", "damaged.pcb"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("damaged.pcb"));
}

// Bug 2: serialize.cpp has a message for a .pcb copied in text mode ("was the
// file copied as text?"), but open_policy() only treats a file as a program
// when the whole 8-byte magic matches, so that message is unreachable and the
// file is compiled as source (and hits bug 1). Checking for "PCPT" would do.
TEST(Regression, TextModeCopyOfAProgramIsRecognised) {
  CliSandbox box;
  write_file(box / "w1.pol", w1_policy());
  ASSERT_EQ(box.run({"compile", "w1.pol"}).exit_code, 0);
  std::string program = read_file(box / "w1.pcb");
  program.erase(4, 1);  // "PCPT\r\n" -> "PCPT\n"
  write_file(box / "copied.pcb", program);
  const CliRun r = box.run({"check", "copied.pcb"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("copied as text"));
}

// Bug 3: the summary table prints group names raw, so a village name with a
// line break (valid quoted CSV, and in the sample register) splits its row in
// two and the second half looks like a group of its own.
TEST(Regression, SummaryTableKeepsEachGroupOnOneLine) {
  CliSandbox box;
  write_file(box / "w1.pol", w1_policy());
  write_file(box / "register.csv",
             "household_id,county,township,village,members,labor_count,net_income,deposits,owns_car,"
             "owns_town_house,public_employee,house,dibao,wubao,ill_members,disabled_members,students,"
             "disaster_loss,safe_water,remote\n"
             "1,会昌县,西江镇,\"西头村\n二组\",4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0\n");
  const CliRun r = box.run({"run", "w1.pol", "register.csv", "-o", "results.csv", "--by", "village"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("\n二组")));
}

// Bug 4 (minor): an empty policy file is reported at line 2, which it does not have.
TEST(Regression, EmptyPolicyIsReportedAtLineOne) {
  const precept::CompileResult result = precept::compile("", "empty.pol");
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_EQ(result.diagnostics[0].line, 1u) << precept::render(result.diagnostics);
}

constexpr const char* kHeader =
    "household_id,county,township,village,members,labor_count,net_income,deposits,owns_car,owns_town_house,"
    "public_employee,house,dibao,wubao,ill_members,disabled_members,students,disaster_loss,safe_water,remote\n";

// Bug 5: text values are copied into JSON strings byte for byte, so a register
// that is not UTF-8 (GBK, as Excel saves Chinese text on Windows) gives lines
// that are not JSON. Expected: the row is rejected naming the column, or the
// bytes are replaced; either way every line stays valid JSON.
TEST(Regression, JsonLinesStayJsonWhenTheRegisterIsNotUtf8) {
  CliSandbox box;
  write_file(box / "w1.pol", w1_policy());
  write_file(box / "gbk.csv",
             std::string(kHeader) + "\xb7\xf6\xc6\xb6,\xbb\xe1,x,y,4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0\n");
  const CliRun r = box.run({"run", "w1.pol", "gbk.csv", "--format", "jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out, nullptr, false).is_discarded()) << "not JSON:\n" << r.out;
}

// Bug 6: outputs that name the same file. Each output is written to
// "<path>.partial-<pid>", so two outputs with one path share one temporary
// file: -o and --rejects scribble over each other, and the run exits 4 saying
// "no results file was left behind" while leaving the mixed file. -o or
// --summary-csv naming the register replaces the register itself, with exit 0.
// Expected: exit 2 before anything is read or written.
TEST(Regression, OutputsThatNameTheSameFileAreAUsageError) {
  CliSandbox box;
  write_file(box / "w1.pol", w1_policy());
  const std::string data = std::string(kHeader) + "1,会昌县,西江镇,西头村,4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0\n";
  write_file(box / "register.csv", data);

  const CliRun same = box.run({"run", "w1.pol", "register.csv", "-o", "out.csv", "--rejects", "out.csv"});
  EXPECT_EQ(same.exit_code, 2) << same.err;
  EXPECT_FALSE(std::filesystem::exists(box / "out.csv"));

  const CliRun summary = box.run({"run", "w1.pol", "register.csv", "-o", "out.csv", "--summary-csv", "out.csv"});
  EXPECT_EQ(summary.exit_code, 2) << summary.err;

  const CliRun input = box.run({"run", "w1.pol", "register.csv", "-o", "register.csv"});
  EXPECT_EQ(input.exit_code, 2) << input.err;
  EXPECT_EQ(read_file(box / "register.csv"), data) << "the register was overwritten";
}

// `--by` naming neither a summary group nor a field was reported as an input
// problem (exit 3) after the register was opened; it is a command-line mistake.
TEST(Regression, UnknownSummaryGroupIsAUsageError) {
  CliSandbox box;
  write_file(box / "w1.pol", w1_policy());
  write_file(box / "register.csv", std::string(kHeader) + "1,会昌县,西江镇,西头村,4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0\n");
  const CliRun r = box.run({"run", "w1.pol", "register.csv", "-o", "out.csv", "--by", "vilage"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("vilage"));
  EXPECT_THAT(r.err, HasSubstr("village"));
  EXPECT_FALSE(std::filesystem::exists(box / "out.csv"));
}

}  // namespace
