// The printable report of a run (<precept/report.hpp>): what the page shows
// of a small register whose figures are worked out by hand here, that
// everything from the policy and the register stays inert text, that personal
// fields are masked, that its counts are the summary's, and that it is the
// same on any number of threads.
#include <precept/policy.hpp>
#include <precept/report.hpp>
#include <precept/run.hpp>

#include "run_capture.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <string>

namespace {

using precept::Language;

// Two villages of one township; `poor` when income per head is under 2000,
// a medical aid of 1000 yuan per ill member and a housing aid of 5000 for a
// bad house.
const char* const kPolicy = R"(policy "<b>Test & \"town\"</b>" place "测试县 <i>镇</i>" year 2016

enum cause { none, illness, lack_funds }
enum measure { medical_aid, housing }
enum category { none, ordinary }

record household {
  township:     text
  household_id: text key
  head:         text personal
  id_card:      optional text personal
  phone:        optional text personal
  village:      text
  members:      int where >= 1
  income:       money
  ill:          int
  bad_house:    bool
}

param line: money = 2000 yuan "the poverty line per head" source "County document <No. 7> & annex"

rule poor "below the line": income / members < line

decide category: category
  when poor -> ordinary
  otherwise -> none

decide main_cause: cause
  when not poor -> none
  when ill > 0  -> illness
  otherwise     -> lack_funds

table measures "aid" collect when poor
  | measure     | when          | amount            |
  | medical_aid | ill > 0       | 1000 yuan * ill   |
  | housing     | bad_house     | 5000 yuan         |

output household_id, poor, category, main_cause, measures = measures.measure,
       total_assistance = sum(measures.amount)

summary
  population = members
  poor       = poor
  cause      = main_cause
  assistance = total_assistance
  group village = township, village
)";

// 上村: 2 of 4 people poor (50%); the hostile village: 4 of 4 (100%); 下村: 1
// of 4 (25%). Main causes: illness 2 households, lack of funds 2. Medical aid:
// 2 households, 1000 + 2000 yuan; housing: 1 household, 5000 yuan. A hostile
// village name, a formula-looking key, a terminal escape and a bidi override;
// one bad row (0 members, line 7).
const char* const kRegister =
    "township,household_id,head,id_card,phone,village,members,income,ill,bad_house\n"
    "镇,h1,张三丰,36073319900307123X,13812345678,上村,2,1000,1,1\n"
    "镇,h2,李四,360733199003071234,,上村,2,9000,0,0\n"
    "镇,\"=HYPERLINK(\"\"http://x\"\")\",<b>王</b>,,0797-5623456,<script>alert(1)</script>,1,100,2,0\n"
    "镇,h4,Li,,,下村,1,500,0,0\n"
    "镇,h5,赵六,,,下村,3,90000,0,1\n"
    "镇,h6,钱七,,,<script>alert(1)</script>,0,1,0,0\n"
    "镇,\"h7\x1b[31m\xe2\x80\xae & 'q'\",孙八,,,<script>alert(1)</script>,3,1,0,0\n";

precept::Policy compiled() {
  auto result = precept::compile(kPolicy, "test.pol");
  if (!result.ok()) {
    for (const auto& d : result.diagnostics) ADD_FAILURE() << d.message;
    std::abort();
  }
  return *result.policy;
}

struct Page {
  precept::RunReport run;
  precept::ReportData data;
  std::string html;
};

Page run_page(Language language = Language::English, std::size_t threads = 1, std::size_t batch_size = 1024) {
  static const precept::Policy policy = compiled();
  Page page;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> input(
      ::fmemopen(const_cast<char*>(kRegister), std::string(kRegister).size(), "rb"), &std::fclose);
  precept::RunOptions options;
  options.group_by = {"village"};
  options.report = &page.data;
  options.threads = threads;
  options.batch_size = batch_size;
  page.run = precept::testing::run_captured(policy, input.get(), options).report;
  EXPECT_TRUE(page.run.ok()) << page.run.fatal_error;
  page.html = precept::format_report_html(policy, page.run, page.data, language);
  return page;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(ReportPage, ShowsThePolicyTheSummaryAndTheCitations) {
  const Page page = run_page();
  const std::string& html = page.html;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_NE(html.find("&lt;b&gt;Test &amp; &quot;town&quot;&lt;/b&gt;: the run's report"), std::string::npos)
      << "the policy's name, escaped\n" << html.substr(0, 3000);
  EXPECT_NE(html.find("Year: 2016"), std::string::npos);
  EXPECT_NE(html.find("测试县 &lt;i&gt;镇&lt;/i&gt;"), std::string::npos);
  EXPECT_NE(html.find("County document &lt;No. 7&gt; &amp; annex"), std::string::npos) << "the parameter's source";
  EXPECT_NE(html.find("<td class=\"n\">2,000.00</td>"), std::string::npos) << "the parameter's value";
  // The summary's figures, as the terminal table gives them.
  EXPECT_NE(html.find("<td class=\"n\">50.00%</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">25.00%</td>"), std::string::npos);
  EXPECT_NE(html.find("<p>rows read: 7 = results 6 + rejected 1</p>"), std::string::npos);
  // The rejects' account: the row of 0 members.
  EXPECT_NE(html.find("<td>`members`</td><td class=\"n\">1</td><td class=\"n\">7</td>"), std::string::npos);
}

TEST(ReportPage, TextFromThePolicyAndTheRegisterStaysInert) {
  const std::string html = run_page().html;
  EXPECT_EQ(html.find("<script"), std::string::npos) << "no markup from the register";
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("=HYPERLINK(&quot;http://x&quot;)"), std::string::npos) << "a formula is shown as text";
  EXPECT_EQ(html.find('\x1b'), std::string::npos) << "no terminal escape";
  EXPECT_EQ(html.find("\xe2\x80\xae"), std::string::npos) << "no bidi override";
}

TEST(ReportPage, SelfContainedNoNetwork) {
  const std::string html = run_page().html;
  for (const char* outside : {"<script", "<link", "<img", "<iframe", "url(", "@import", "https://", "src="})
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  // The one address is SVG's namespace name, which is never fetched.
  EXPECT_EQ(count(html, "http://"), count(html, "http://www.w3.org/2000/svg") + 1) << "and the register's formula";
}

TEST(ReportPage, BarsAreScaledToTheirValues) {
  const std::string html = run_page().html;
  // Incidence: the hostile village's 100% is the longest bar (300 px), 上村's
  // 50% half of it, 下村's 25% a quarter.
  const std::regex bar("<title>([^<]*)</title><text[^>]*>[^<]*</text><rect class=\"bar\" x=\"170\" y=\"\\d+\" "
                       "width=\"(\\d+)\" height=\"16\"/><text[^>]*>([^<]*)</text>");
  std::map<std::string, std::pair<std::string, std::string>> bars;
  for (std::sregex_iterator it(html.begin(), html.end(), bar), end; it != end; ++it)
    bars[(*it)[1]] = {(*it)[2], (*it)[3]};
  ASSERT_TRUE(bars.count("镇 上村")) << html;
  EXPECT_EQ(bars["镇 &lt;script&gt;alert(1)&lt;/script&gt;"], std::make_pair(std::string("300"), std::string("100.00%")));
  EXPECT_EQ(bars["镇 上村"], std::make_pair(std::string("150"), std::string("50.00%")));
  EXPECT_EQ(bars["镇 下村"], std::make_pair(std::string("75"), std::string("25.00%")));
  EXPECT_NE(html.find("<line class=\"mark\" x1=\"344\" y1=\"4\" x2=\"344\" y2=\"72\"/><text x=\"348\" y=\"84\">total 58.33%</text>"), std::string::npos)
      << "the whole's incidence (7 of 12) as a mark at 0.583333 of 300 px (174, rounded down) past the axis at 170";
  // Causes: illness 2 households, lack_funds 2.
  EXPECT_EQ(bars["illness"], std::make_pair(std::string("300"), std::string("2 households")));
  EXPECT_EQ(bars["lack_funds"], std::make_pair(std::string("300"), std::string("2 households")));
  // Measures: medical aid 1000 + 2000 yuan to 2 households, housing 5000 to 1.
  EXPECT_EQ(bars["housing"], std::make_pair(std::string("300"), std::string("5,000.00 yuan, 1 households")));
  EXPECT_EQ(bars["medical_aid"], std::make_pair(std::string("180"), std::string("3,000.00 yuan, 2 households")));
}

TEST(ReportPage, MeasureTotalsAreTheTableAmounts) {
  const Page page = run_page();
  EXPECT_EQ(page.data.measure_table, "measures");
  ASSERT_EQ(page.data.measures.size(), 2u);
  EXPECT_EQ(page.data.measures[0].measure, "medical_aid");
  EXPECT_EQ(page.data.measures[0].amount_fen, 300000);
  EXPECT_EQ(page.data.measures[0].households, 2u);
  EXPECT_EQ(page.data.measures[1].amount_fen, 500000);
  std::int64_t sum = 0;
  for (const auto& m : page.data.measures) sum += m.amount_fen;
  EXPECT_EQ(sum, page.run.summary.total.assistance_fen) << "the measures add up to the summary's assistance";
}

TEST(ReportPage, PublicityListsHoldEachPlacesPoorHouseholdsAsTheSummaryCountsThem) {
  const Page page = run_page();
  EXPECT_EQ(page.data.households.size(), static_cast<std::size_t>(page.run.summary.total.poor_households));
  for (const precept::SummaryRow& place : page.run.summary.groups) {
    std::int64_t listed = 0;
    for (const auto& household : page.data.households) listed += household.place == place.key;
    EXPECT_EQ(listed, place.poor_households) << place.key.back();
  }
  // One list per place with poor households, in register order, each a sheet of its own.
  const std::string& html = page.html;
  EXPECT_EQ(count(html, "<section class=\"sheet publicity\">"), 3u);
  EXPECT_NE(html.find("<td class=\"k\">h7\\x1b[31m\\u202e &amp; 'q'</td>"), std::string::npos) << "shown as escapes";
  const std::size_t upper = html.find("Publicity list of poor households: 镇 上村");
  const std::size_t hostile = html.find("Publicity list of poor households: 镇 &lt;script&gt;");
  const std::size_t lower = html.find("Publicity list of poor households: 镇 下村");
  ASSERT_NE(upper, std::string::npos);
  EXPECT_LT(upper, hostile);
  EXPECT_LT(hostile, lower);
  // h1 is poor by illness with both measures, items joined for people.
  EXPECT_NE(html.find("<td class=\"k\">h1</td><td>张*</td><td>360733********123X</td><td>138****5678</td>"
                      "<td class=\"n\">2</td><td>ordinary</td><td>illness</td><td>medical_aid, housing</td>"
                      "<td class=\"n\">6,000.00</td>"),
            std::string::npos)
      << html.substr(upper);
  EXPECT_EQ(html.find("<td class=\"k\">h2</td>"), std::string::npos) << "not poor: not posted";
  EXPECT_NE(html.find("Publicity period"), std::string::npos);
}

TEST(ReportPage, ChineseWordsForOfficers) {
  const std::string html = run_page(Language::Chinese).html;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"zh-CN\">", 0), 0u);
  for (const char* word : {"汇总表", "贫困发生率", "致贫原因", "帮扶措施", "贫困户公示名单：镇 上村", "公示期", "监督电话",
                           "各地贫困发生率", "政策参数及依据", "读入 7 行 = 结果 6 行 + 拒收 1 行", "medical_aid、housing"})
    EXPECT_NE(html.find(word), std::string::npos) << word;
  EXPECT_EQ(html.find("Publicity list"), std::string::npos);
}

TEST(ReportPage, SameBytesOnAnyNumberOfThreads) {
  const std::string one = run_page(Language::English, 1, 1024).html;
  EXPECT_EQ(run_page(Language::English, 3, 1).html, one);
  EXPECT_EQ(run_page(Language::English, 2, 2).html, one);
}

TEST(ReportPage, ARunWithoutAReportCollectsNothingAndWritesTheSame) {
  static const precept::Policy policy = compiled();
  const auto run = [&](precept::ReportData* data) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> input(
        ::fmemopen(const_cast<char*>(kRegister), std::string(kRegister).size(), "rb"), &std::fclose);
    precept::RunOptions options;
    options.group_by = {"village"};
    options.report = data;
    return precept::testing::run_captured(policy, input.get(), options);
  };
  precept::ReportData data;
  const auto with = run(&data);
  const auto without = run(nullptr);
  EXPECT_EQ(with.results, without.results);
  EXPECT_EQ(with.rejects, without.rejects);
  EXPECT_EQ(precept::format_summary_table(with.report.summary), precept::format_summary_table(without.report.summary));
  EXPECT_EQ(data.households.size(), 4u);
}

// Fields marked `personal` are posted masked, and only masked values are kept.
TEST(ReportPage, PersonalFieldsAreMasked) {
  const Page page = run_page();
  ASSERT_GE(page.data.columns.size(), 4u);
  EXPECT_EQ(page.data.columns[0].name, "household_id") << "the key first, wherever the record has it";
  EXPECT_EQ(page.data.columns[0].role, precept::PostedRole::Key);
  for (std::size_t c = 1; c <= 3; ++c) EXPECT_EQ(page.data.columns[c].role, precept::PostedRole::Personal);
  EXPECT_EQ(page.data.columns[4].role, precept::PostedRole::Population);
  for (const auto& household : page.data.households)
    for (const std::string& cell : household.cells)
      for (const char* secret : {"张三丰", "36073319900307123X", "13812345678", "5623456", "孙八"})
        EXPECT_EQ(cell.find(secret), std::string::npos) << secret;
  const std::string& html = page.html;
  for (const char* secret : {"张三丰", "0307123X", "13812345678", "5623456", "孙八", "&lt;b&gt;王"})
    EXPECT_EQ(html.find(secret), std::string::npos) << secret;
  EXPECT_NE(html.find("<td>&lt;*</td><td></td><td>079*-***3456</td><td class=\"n\">1</td>"), std::string::npos)
      << "masked, then escaped";
  EXPECT_NE(html.find("Personal details (ID card and phone numbers, names) are partly hidden."), std::string::npos);
}

TEST(MaskPersonal, IdCardsPhonesAndNames) {
  using precept::mask_personal_text;
  EXPECT_EQ(mask_personal_text("36073319900307123X"), "360733********123X");
  EXPECT_EQ(mask_personal_text("360733900307123"), "360733*****7123");
  EXPECT_EQ(mask_personal_text("13812345678"), "138****5678");
  EXPECT_EQ(mask_personal_text("0797-5623456"), "079*-***3456");
  EXPECT_EQ(mask_personal_text("张三丰"), "张*");
  EXPECT_EQ(mask_personal_text("欧阳娜娜"), "欧*");
  EXPECT_EQ(mask_personal_text("Li"), "L*");
  EXPECT_EQ(mask_personal_text("<b>"), "<*") << "masked first, escaped when shown";
  EXPECT_EQ(mask_personal_text(""), "");
  EXPECT_EQ(mask_personal_text("\xff\xfe"), "\xff*");
}

}  // namespace
