// `--year` and `check --resolved` on a layered policy, through the real binary:
// tests/compiler/layers/national.pol <- province.pol <- county.pol, copied into
// the sandbox so `extends` paths resolve there as they would in an office.
#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;

namespace {

void copy_chain(const CliSandbox& box) {
  const fs::path from = fs::path(PRECEPT_SOURCE_DIR) / "tests/compiler/layers";
  fs::create_directories(box / "layers");
  for (const char* name : {"national.pol", "province.pol", "county.pol", "households.csv"})
    fs::copy_file(from / name, box / "layers" / name);
}

TEST(LayersCli, YearPicksTheDatedValueOnRun) {
  CliSandbox box;
  copy_chain(box);
  // h2: per capita 2900, poor only under the province's 2016 line (3000).
  const auto y2015 = box.run({"run", "layers/county.pol", "layers/households.csv", "--year", "2015", "-q"});
  const auto y2016 = box.run({"run", "layers/county.pol", "layers/households.csv", "--year", "2016", "-q"});
  const auto own = box.run({"run", "layers/county.pol", "layers/households.csv", "-q"});
  ASSERT_EQ(y2015.exit_code, 0) << y2015.err;
  ASSERT_EQ(y2016.exit_code, 0) << y2016.err;
  EXPECT_THAT(y2015.out, HasSubstr("h2,2900.00,false,none,0.00"));
  EXPECT_THAT(y2016.out, HasSubstr("h2,2900.00,true,ordinary,500.00"));
  EXPECT_EQ(own.out, y2016.out);  // county.pol says `year 2016`
}

TEST(LayersCli, YearBeforeTheFirstEntryIsAPolicyError) {
  CliSandbox box;
  copy_chain(box);
  const auto run = box.run({"check", "layers/county.pol", "--year", "2013"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("layers/national.pol:"));
  EXPECT_THAT(run.err, HasSubstr("`poverty_line` has no value for 2013: its first year is 2014"));
}

TEST(LayersCli, CheckResolvedSaysWhereEachValueCameFrom) {
  CliSandbox box;
  copy_chain(box);
  const auto run = box.run({"check", "layers/county.pol", "--resolved", "--year", "2015"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("year: 2015"));
  EXPECT_THAT(run.out, HasSubstr("poverty_line = 2855 yuan    from layers/national.pol:"));
  EXPECT_THAT(run.out, HasSubstr("(entry 2015)"));
  EXPECT_THAT(run.out, HasSubstr("source \"国开办发〔2015〕\""));
  EXPECT_THAT(run.out, HasSubstr("exception `disability` at layers/county.pol:3"));
}

TEST(LayersCli, DiffComparesTheResolvedPolicies) {
  CliSandbox box;
  copy_chain(box);
  const auto run = box.run({"diff", "layers/province.pol", "layers/county.pol", "--no-witness"});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // changes
  EXPECT_THAT(run.out, HasSubstr("value 2855 yuan -> 3000 yuan"));
  EXPECT_THAT(run.out, HasSubstr("changed rule excluded"));
  // --year applies to both sides: a policy against itself is unchanged.
  const auto years = box.run({"diff", "layers/county.pol", "layers/county.pol", "--year", "2014", "--no-witness"});
  EXPECT_EQ(years.exit_code, 0) << years.out << years.err;
}

TEST(LayersCli, HelpMentionsYearAndResolved) {
  CliSandbox box;
  const auto help = box.run({"check", "--help"});
  EXPECT_THAT(help.out, HasSubstr("--year"));
  EXPECT_THAT(help.out, HasSubstr("--resolved"));
  EXPECT_THAT(box.run({"run", "--help"}).out, HasSubstr("--year"));
  EXPECT_THAT(box.run({"diff", "--help"}).out, HasSubstr("--year"));
}

}  // namespace
