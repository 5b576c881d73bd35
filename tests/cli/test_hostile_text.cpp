// Text from a hostile policy or register, as each command shows or writes it:
// escape sequences and bidi overrides shown escaped on the terminal and in text
// reports, Markdown escaped, JSON valid whatever the register's encoding, and
// no live formula in a CSV a spreadsheet opens. The real binary, end to end.
#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
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

// An OSC title change, a clear screen, an OSC 52 clipboard write and a
// right-to-left override: each would act on an officer's terminal.
const std::string kTitle = "\x1b]0;owned\x07";
const std::string kClear = "\x1b[2J";
const std::string kClipboard = "\x1b]52;c;ZWNobyBoaQ==\x07";
const std::string kOverride = "\xE2\x80\xAE";  // U+202E

// Something a terminal would act on: a control character other than a line
// break, or a bidi control.
bool acts_on_a_terminal(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) >= 0xAA && static_cast<unsigned char>(text[i + 2]) <= 0xAE)
      return true;
  }
  return false;
}

std::string source_file(const std::string& relative) { return read_file(fs::path(PRECEPT_SOURCE_DIR) / relative); }

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The W1 policy with a hostile name, place, description and citation.
std::string hostile_policy() {
  std::string text = source_file("policies/xijiang_2015.pol");
  text = replaced(text, "policy \"西江镇精准识别与帮扶\" place \"江西省赣州市会昌县西江镇\"",
                  "policy \"西江" + kTitle + "镇" + kClear + "\" place \"会昌" + kOverride + "县\"");
  text = replaced(text, "\"national poverty line at 2013 prices\"", "\"line " + kClipboard + "\"");
  return text;
}

// The first household of the sample register, made to change between the 2015
// and 2016 policies (per capita 2800 yuan: above the 2015 line, under 2016's).
std::string changing_household(const std::string& key, const std::string& village) {
  return key + ",会昌县,西江镇," + village + ",4,1,11200.00,7848.2,0,0,0,safe,0,0,0,0,0,0,1,0\n";
}

std::string header_line() {
  const std::string sample = source_file("examples/data/xijiang_sample.csv");
  return sample.substr(0, sample.find('\n') + 1);
}

class HostileText : public ::testing::Test {
 protected:
  CliRun precept(const std::vector<std::string>& args) { return box_.run(args); }
  std::string file(const std::string& name) const { return read_file(box_ / name); }
  CliSandbox box_;
};

TEST_F(HostileText, CheckShowsThePolicysNameAndPlaceEscaped) {
  write_file(box_ / "p.pol", hostile_policy());
  const CliRun r = precept({"check", "p.pol"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"西江\\x1b]0;owned\\x07镇\\x1b[2J\", 会昌\\u202e县, 2015"));
}

TEST_F(HostileText, CheckResolvedShowsDescriptionsEscaped) {
  write_file(box_ / "p.pol", hostile_policy());
  const CliRun r = precept({"check", "--resolved", "p.pol"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("line \\x1b]52;c;ZWNobyBoaQ==\\x07"));
}

TEST_F(HostileText, DisasmQuotesThePolicyEscaped) {
  write_file(box_ / "p.pol", hostile_policy());
  const CliRun r = precept({"disasm", "p.pol"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out));
  EXPECT_THAT(r.out, HasSubstr("会昌\\u202e县"));
}

TEST_F(HostileText, DiagnosticQuotesTheLineEscapedWithTheCaretUnderTheName) {
  write_file(box_ / "p.pol", hostile_policy() + "\nrule oops \"" + kClipboard + "村" + kOverride + "\": nonexistent_thing\n");
  const CliRun r = precept({"check", "p.pol"});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.err)) << r.err;
  // The quoted line, then the caret line: the caret sits under the name, counted
  // in columns of the escaped line (村 takes two).
  const std::string quoted = "| rule oops \"\\x1b]52;c;ZWNobyBoaQ==\\x07村\\u202e\": nonexistent_thing\n";
  const auto at = r.err.find(quoted);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::size_t line_start = r.err.rfind('\n', at) + 1;
  const std::size_t caret_line = at + quoted.size();
  // Both lines have the gutter up to `|`; then 村, 3 bytes, takes 2 columns.
  const std::size_t name_column = (at - line_start) + quoted.find("nonexistent_thing") - 1;
  EXPECT_EQ(r.err.substr(caret_line, name_column), std::string(at - line_start, ' ') + "|" +
                                                        std::string(name_column - (at - line_start) - 1, ' '))
      << r.err;
  EXPECT_EQ(r.err.substr(caret_line + name_column, 18), "^" + std::string(16, '~') + "\n") << r.err;
}

TEST_F(HostileText, RunShowsTheSummaryAndNotesEscaped) {
  write_file(box_ / "p.pol", hostile_policy());
  // A village holding a title change, and a column the policy does not read
  // whose name clears the screen (run notes the columns it ignored).
  std::string data = replaced(header_line(), "\n", "," + kClear + "junk\n");
  data += replaced(changing_household("h1", "西头村" + kTitle), "\n", ",x\n");
  write_file(box_ / "data.csv", data);
  const CliRun r = precept({"run", "p.pol", "data.csv", "-o", "results.csv", "--by", "village"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_FALSE(acts_on_a_terminal(r.err)) << r.err;
  EXPECT_THAT(r.out, HasSubstr("西头村\\x1b]0;owned\\x07"));
  EXPECT_THAT(r.out, HasSubstr("西江\\x1b]0;owned\\x07镇\\x1b[2J — 会昌\\u202e县"));
  EXPECT_THAT(r.err, HasSubstr("note: columns not in the policy's record were ignored: `\\x1b[2Jjunk`"));
}

TEST_F(HostileText, CsvOutputsCarryNoLiveFormula) {
  write_file(box_ / "p.pol", source_file("policies/xijiang_2015.pol"));
  std::string data = header_line();
  data += changing_household("\"=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\"", "@SUM(1+1)");
  data += changing_household("-12.50", "西头村");  // a key that is a plain number stays as it is
  write_file(box_ / "data.csv", data);
  const CliRun r = precept({"run", "p.pol", "data.csv", "-o", "results.csv", "--by", "village", "--summary-csv",
                            "summary.csv", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string results = file("results.csv");
  EXPECT_THAT(results, HasSubstr("\n\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\","));
  EXPECT_THAT(results, HasSubstr("\n-12.50,"));
  const std::string summary = file("summary.csv");
  EXPECT_THAT(summary, HasSubstr(",'@SUM(1+1),"));
  EXPECT_THAT(summary, Not(HasSubstr(",@SUM")));
}

TEST_F(HostileText, ExplainShowsTheHouseholdEscaped) {
  write_file(box_ / "p.pol", source_file("policies/xijiang_2015.pol"));
  const std::string id = "h" + kClear + kOverride;
  write_file(box_ / "data.csv", header_line() + changing_household(id, "西头村"));
  const CliRun r = precept({"explain", "p.pol", "data.csv", "--id", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("household h\\x1b[2J\\u202e (line 2)"));
}

TEST_F(HostileText, TestShowsExampleLabelsEscaped) {
  write_file(box_ / "p.pol", source_file("policies/xijiang_2015.pol") + "\nexample \"bad" + kTitle +
                                 "\"\n  given members = 2, net_income = 2000 yuan, safe_water = true\n"
                                 "  expect main_cause = disability\n");
  const CliRun r = precept({"test", "p.pol"});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("FAIL  bad\\x1b]0;owned\\x07 (p.pol:"));
}

// A register saved as GBK, as some county systems export it.
const std::string kGbkKey = "\xC4\xE3\xBA\xC3-1";         // 你好-1
const std::string kGbkVillage = "\xD6\xD0";                // 中
const std::string kReplaced = "\xEF\xBF\xBD";               // U+FFFD

class HostileDiff : public HostileText {
 protected:
  void SetUp() override {
    write_file(box_ / "old.pol", source_file("policies/xijiang_2015.pol"));
    write_file(box_ / "new.pol", source_file("policies/xijiang_2016.pol"));
    write_file(box_ / "data.csv", header_line() + changing_household(kGbkKey, kGbkVillage) +
                                      changing_household("h" + kTitle, "<script>alert(1)</script>*x*|" + kOverride));
  }
  CliRun diff(const std::string& format) {
    return precept({"diff", "old.pol", "new.pol", "data.csv", "--by", "village", "--no-witness", "--format", format});
  }
};

TEST_F(HostileDiff, JsonRepairsTextThatIsNotUtf8) {
  const CliRun r = diff("json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& changed = j["impact"]["changed_households"];
  ASSERT_EQ(changed.size(), 2u) << r.out;
  // The repair rule of `run --format jsonl`: each byte that is not UTF-8 becomes U+FFFD.
  EXPECT_EQ(changed[0]["key"], kReplaced + kReplaced + kReplaced + kReplaced + "-1");
  EXPECT_EQ(changed[0]["group"].back(), kReplaced + kReplaced);
  EXPECT_EQ(changed[1]["key"], "h" + kTitle);  // valid UTF-8: kept, JSON escapes the controls
}

TEST_F(HostileDiff, JsonLinesOfRunRepairTheSameWay) {
  write_file(box_ / "one.csv", header_line() + changing_household(kGbkKey, kGbkVillage));
  const CliRun r = precept({"run", "old.pol", "one.csv", "--format", "jsonl", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(j["household_id"], kReplaced + kReplaced + kReplaced + kReplaced + "-1");
}

TEST_F(HostileDiff, TextShowsRegisterTextEscaped) {
  const CliRun r = diff("text");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("h\\x1b]0;owned\\x07 (line 3)"));
  EXPECT_THAT(r.out, HasSubstr("\\xc4\\xe3\\xba\\xc3-1 (line 2)"));
  // Coloured, our own escapes stay and the data's are still shown escaped.
  const CliRun colored = precept({"--color", "always", "diff", "old.pol", "new.pol", "data.csv", "--no-witness"});
  EXPECT_THAT(colored.out, HasSubstr("\x1b[1m"));
  EXPECT_THAT(colored.out, HasSubstr("h\\x1b]0;owned\\x07 (line 3)"));
  EXPECT_THAT(colored.out, Not(HasSubstr(kTitle)));
}

TEST_F(HostileDiff, TextReportWrittenToAFileIsEscapedToo) {
  const CliRun r = precept({"diff", "old.pol", "new.pol", "data.csv", "--no-witness", "-o", "report.txt"});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const std::string report = file("report.txt");
  EXPECT_FALSE(acts_on_a_terminal(report)) << report;
  EXPECT_THAT(report, HasSubstr("h\\x1b]0;owned\\x07 (line 3)"));
}

TEST_F(HostileDiff, MarkdownEscapesHtmlMarkupAndCells) {
  const CliRun r = diff("markdown");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(acts_on_a_terminal(r.out)) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("<script>")));
  // The village's row of the table by village: one cell, markup shown as text.
  EXPECT_THAT(r.out, HasSubstr("/ &lt;script&gt;alert(1)&lt;/script&gt;\\*x\\*\\|\\\\u202e | 1 |"));
}

TEST_F(HostileDiff, HtmlEscapesMarkup) {
  const CliRun r = diff("html");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("<script>")));
  EXPECT_THAT(r.out, Not(HasSubstr("</script>")));
  EXPECT_THAT(r.out, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_FALSE(acts_on_a_terminal(r.out));
}

}  // namespace
