// Policies built to exhaust the compiler: deep nesting, long operator chains,
// files larger than any real policy. Each must end in exit 1 with a message
// that says what is wrong, never a crash.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using namespace precept::reliability;
using precept::testing::CliSandbox;
using precept::testing::write_file;
using ::testing::HasSubstr;

const std::string kHead = "policy \"deep\"\nrecord r {\n  id: text\n  x: int\n  b: bool\n}\n";

std::string repeat(const std::string& piece, std::size_t n) {
  std::string out;
  out.reserve(piece.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

// `term op term op ... term`, n terms: a flat chain that nests one level per operator.
std::string chain(const std::string& term, const std::string& op, std::size_t n) {
  return term + repeat(" " + op + " " + term, n - 1);
}

precept::testing::CliRun check_and_run(CliSandbox& box, const std::string& policy) {
  write_file(box / "p.pol", policy);
  write_file(box / "d.csv", "id,x,b\na,1,0\n");
  const auto checked = box.run({"check", "p.pol"});
  const auto ran = box.run({"run", "p.pol", "d.csv", "-o", "out.csv"});
  EXPECT_EQ(checked.exit_code, ran.exit_code) << "check and run disagree";
  EXPECT_EQ(ran.exit_code == 1, !std::filesystem::exists(box / "out.csv"));
  return ran;
}

TEST(DeepPolicy, HundredThousandNestedParentheses) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "rule deep \"deep\": " + repeat("(", 100000) + "x > 0" + repeat(")", 100000) +
                                        "\noutput id, deep\n");
  EXPECT_EQ(r.exit_code, 1) << r.err.substr(0, 2000);
  EXPECT_THAT(r.err, HasSubstr("nested more than"));
  EXPECT_THAT(r.err, HasSubstr("p.pol:7:"));
}

TEST(DeepPolicy, HundredThousandNots) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "rule deep \"deep\": " + repeat("not ", 100000) + "b\noutput id, deep\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nested more than"));
}

TEST(DeepPolicy, HundredThousandMinusSigns) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "let deep: int = " + repeat("- ", 100000) + "x\noutput id, deep\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nested more than"));
}

TEST(DeepPolicy, NestedCallsAndParenthesesMixed) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "let deep: int = " + repeat("min(x, (", 50000) + "x" + repeat("))", 50000) +
                                        "\noutput id, deep\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nested more than"));
}

TEST(DeepPolicy, NestingJustUnderTheLimitCompilesAndRuns) {
  CliSandbox box;
  const auto r =
      check_and_run(box, kHead + "let v: int = " + repeat("(", 150) + "x + 1" + repeat(")", 150) + "\noutput id, v\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(precept::testing::read_file(box / "out.csv"), "id,v\na,2\n");
}

TEST(DeepPolicy, PolicyOverFourMegabytes) {
  CliSandbox box;
  std::string body;
  for (int i = 0; body.size() < 4 * 1024 * 1024 + 1024; ++i) body += "let v" + std::to_string(i) + ": int = x + 1\n";
  const auto r = check_and_run(box, kHead + body + "output id\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("at most 4194304 are accepted"));
}

TEST(DeepPolicy, FourMegabyteComment) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "# " + std::string(5 * 1024 * 1024, 'c') + "\noutput id\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("at most 4194304 are accepted"));
}

TEST(DeepPolicy, OperatorChainOfAThousandTerms) {
  // Long but flat, longer than any real policy writes: it must compile and run.
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "let v: int = " + chain("x", "+", 1000) + "\noutput id, v\n");
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  EXPECT_EQ(precept::testing::read_file(box / "out.csv"), "id,v\na,1000\n");
}

// Regression (fixed): the diagnostic quoted the whole 200,000-character source
// line and padded the caret line to match: 200 KB of stderr for one error.
TEST(DeepPolicy, MessageForAHugeLineIsShort) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "rule deep \"deep\": " + repeat("(", 100000) + "x > 0" + repeat(")", 100000) +
                                        "\noutput id, deep\n");
  EXPECT_LT(r.err.size(), 64u * 1024) << "the message should quote a window of the line, not 200 KB of it";
}

// Regression (fixed): a left-associative chain `x + x + ... + x` builds a left-deep
// tree, one level per operator, which nesting_within_limit() does not count
// (it counts parentheses and prefix not/-). About 30,000 terms (120 KB of
// policy) overflow the stack in AstBuilder::build_expr: SIGSEGV, exit 139.
TEST(DeepPolicy, OperatorChainOfHundredThousandTerms) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "let v: int = " + chain("x", "+", 100000) + "\noutput id, v\n");
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << "crashed with exit " << r.exit_code;
  if (r.exit_code == 1) {
    EXPECT_THAT(r.err, HasSubstr("p.pol:7:"));
  }
}

TEST(DeepPolicy, AndChainOfHundredThousandTerms) {
  CliSandbox box;
  const auto r = check_and_run(box, kHead + "rule all_b \"all\": " + chain("b", "and", 100000) + "\noutput id, all_b\n");
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << "crashed with exit " << r.exit_code;
}

}  // namespace
