// The summary as the town reports print it (format_summary_table): headers in
// the language, incidence as a percentage, thousands separators, places in
// register order, grouped by their whole path; and the CSV summary unchanged
// for programs (no separators, places by key, incidence as a fraction).
#include <precept/policy.hpp>
#include <precept/run.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

using precept::Language;

precept::Summary two_villages() {
  precept::Summary s;
  s.key_names = {"village"};
  s.has_population = s.has_poor = s.has_assistance = true;
  precept::SummaryRow later;  // sorts first, but the register names it second
  later.key = {"A村"};
  later.first_line = 5;
  later.households = 1200;
  later.population = 4000;
  later.poor_households = 300;
  later.poor_population = 789;
  later.assistance_fen = 123456789;
  precept::SummaryRow first;
  first.key = {"B村"};
  first.first_line = 2;
  first.households = 3;
  first.population = 8;
  first.poor_households = 1;
  first.poor_population = 1;  // 12.5% exactly: rounds half up to 12.50
  first.assistance_fen = 50000;
  s.groups = {later, first};
  s.total.households = 1203;
  s.total.population = 4008;
  s.total.poor_households = 301;
  s.total.poor_population = 790;
  s.total.assistance_fen = 123506789;
  return s;
}

TEST(SummaryTable, ChineseHeadersPercentagesSeparatorsAndRegisterOrder) {
  const std::string table = precept::format_summary_table(two_villages(), Language::Chinese);
  for (const char* header : {"户数", "人口", "贫困户", "贫困人口", "贫困发生率", "合计"})
    EXPECT_NE(table.find(header), std::string::npos) << header << " missing in:\n" << table;
  EXPECT_NE(table.find("1,200"), std::string::npos) << table;
  EXPECT_NE(table.find("1,234,567.89"), std::string::npos) << table;
  EXPECT_NE(table.find("19.73%"), std::string::npos) << "789 / 4000 = 19.725% rounds half up\n" << table;
  EXPECT_NE(table.find("12.50%"), std::string::npos) << table;
  EXPECT_LT(table.find("B村"), table.find("A村")) << "places in the order the register names them\n" << table;
  EXPECT_LT(table.find("A村"), table.find("合计")) << "the total last\n" << table;
}

TEST(SummaryTable, EnglishHeadersWithTheSameFigures) {
  const std::string table = precept::format_summary_table(two_villages());
  EXPECT_NE(table.find("poor households"), std::string::npos) << table;
  EXPECT_NE(table.find("19.73%"), std::string::npos) << table;
  EXPECT_NE(table.find("1,200"), std::string::npos) << table;
  EXPECT_EQ(table.find("户数"), std::string::npos) << table;
}

TEST(SummaryTable, TheCsvStaysForPrograms) {
  const std::string csv = precept::format_summary_csv(two_villages());
  EXPECT_EQ(csv.rfind("village,households,", 0), 0u) << csv;
  EXPECT_NE(csv.find("A村,1200,4000,300,789,0.197250,1234567.89"), std::string::npos) << csv;
  EXPECT_LT(csv.find("A村"), csv.find("B村")) << "the CSV lists places by key\n" << csv;
  EXPECT_EQ(csv.find('%'), std::string::npos) << csv;
}

// Two villages called 新村 in different townships: grouping by the village
// field keeps them apart, because the policy's summary puts villages under
// townships.
TEST(SummaryTable, AVillageIsGroupedByItsWholePath) {
  const char* const policy_text = R"(policy "同名村" place "县" year 2015
record household {
  id:       text
  township: text
  village:  text
  members:  int
  poor:     bool
}
output id
summary
  population = members
  poor       = poor
  group 村 = township, village
)";
  const auto compiled = precept::compile(policy_text, "same_names.pol");
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  const std::string data = "id,township,village,members,poor\n1,东镇,新村,3,1\n2,西镇,新村,4,0\n3,东镇,新村,2,0\n";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> input(fmemopen(const_cast<char*>(data.data()), data.size(), "r"),
                                                        &std::fclose);
  precept::RunOptions options;
  options.group_by = {"village"};
  const auto report = precept::run_csv(*compiled.policy, input.get(), nullptr, nullptr, options);
  ASSERT_TRUE(report.ok()) << report.fatal_error;
  ASSERT_EQ(report.summary.key_names, (std::vector<std::string>{"township", "village"}));
  ASSERT_EQ(report.summary.groups.size(), 2u) << "two villages, not one";
  EXPECT_EQ(report.summary.groups[0].key, (std::vector<std::string>{"东镇", "新村"}));
  EXPECT_EQ(report.summary.groups[0].households, 2);
  EXPECT_EQ(report.summary.groups[0].first_line, 2u);
  EXPECT_EQ(report.summary.groups[1].first_line, 3u);
}

}  // namespace
