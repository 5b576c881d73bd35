// Spellings a register really uses, declared in the policy (`register { ... }`)
// and never guessed: booleans as 是/否 or TRUE/FALSE, full-width digits, a
// thousands separator, header aliases; a layer's declarations added to its
// parent's; undeclared spellings rejected with the declaration that would
// accept them; the same results on CSV and on a workbook.
#include "register_test_support.hpp"

#include <precept/policy.hpp>
#include <precept/run.hpp>

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace precept {
namespace {

using testing::run_over;
using testing::xlsx_of_csv;

constexpr const char* kRecord = R"(
record household {
  household_id: text key
  家庭纯收入: money
  members: int where >= 1
  wubao: bool
  registered: date
}
let per_capita = round(家庭纯收入 / members, 2)
rule poor: wubao or per_capita < 3000 yuan
output household_id, per_capita, poor
)";

const Policy& compiled(const std::string& source) {
  static std::map<std::string, CompileResult> cache;
  auto [it, added] = cache.try_emplace(source);
  if (added) it->second = compile(source, "spell.pol");
  EXPECT_TRUE(it->second.ok()) << render(it->second.diagnostics);
  return *it->second.policy;
}

const Policy& declared() {
  return compiled(std::string("policy \"spell\" year 2016\n") + kRecord + R"(
register {
  booleans "是" / "否", "TRUE" / "FALSE"
  digits fullwidth
  thousands ","
  column 家庭纯收入 "家庭纯收入（元）"
}
)");
}

const Policy& undeclared() { return compiled(std::string("policy \"spell\" year 2016\n") + kRecord); }

// The register as an officer's spreadsheet writes it, and its expected results.
const std::string kOfficersRegister =
    "household_id,家庭纯收入（元）,members,wubao,registered\n"
    "h1,\"3,000.50\",1,否,2015-03-01\n"
    "h2,８０００,２,是,２０１５－０３－０２\n"
    "h3,12000.00,4,FALSE,2015-03-03\n"
    "h4,\"1,234,567.00\",3,TRUE,2015-03-04\n"
    "h5,\"30,00\",1,0,2015-03-05\n"
    "h6,100,1,真,2015-03-06\n";

TEST(RegisterSpellings, DeclaredSpellingsAreReadAndOthersRejected) {
  const testing::CapturedRun run = run_over(declared(), kOfficersRegister, false);
  ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;
  EXPECT_EQ(run.results,
            "household_id,per_capita,poor\n"
            "h1,3000.50,false\n"
            "h2,4000.00,true\n"
            "h3,3000.00,false\n"
            "h4,411522.33,true\n");
  EXPECT_EQ(run.rejects,
            "line,column,reason\n"
            "6,家庭纯收入,\"`家庭纯收入` must be an amount in yuan with at most 2 decimals, found `30,00`\"\n"
            "7,wubao,\"`wubao` must be 0 or 1, found `真`\"\n");
  EXPECT_EQ(run.report.rows_read, run.report.results + run.report.rejected);
}

TEST(RegisterSpellings, AWorkbookReadsAsTheCsv) {
  const testing::CapturedRun csv = run_over(declared(), kOfficersRegister, false);
  const testing::CapturedRun xlsx = run_over(declared(), xlsx_of_csv(kOfficersRegister), true);
  ASSERT_TRUE(xlsx.report.ok()) << xlsx.report.fatal_error;
  EXPECT_EQ(xlsx.results, csv.results);
  EXPECT_EQ(xlsx.rejects, csv.rejects);
}

TEST(RegisterSpellings, UndeclaredSpellingsSayWhichDeclarationWouldAcceptThem) {
  const std::string header = "household_id,家庭纯收入,members,wubao,registered\n";
  const testing::CapturedRun run = run_over(undeclared(),
                                            header + "h1,1000,1,是,2015-03-01\n"
                                                     "h2,８０００,1,0,2015-03-01\n"
                                                     "h3,\"3,000.50\",1,0,2015-03-01\n"
                                                     "h4,1000,1,x,2015-03-01\n",
                                            false);
  EXPECT_EQ(run.rejects,
            "line,column,reason\n"
            "2,wubao,\"`wubao` must be 0 or 1, found `是`; write `register { booleans \"\"是\"\" / \"\"否\"\" }` in the "
            "policy to accept it\"\n"
            "3,家庭纯收入,\"`家庭纯收入` must be an amount in yuan with at most 2 decimals, found `８０００`; write "
            "`register { digits fullwidth }` in the policy to accept full-width digits\"\n"
            "4,家庭纯收入,\"`家庭纯收入` must be an amount in yuan with at most 2 decimals, found `3,000.50`; write "
            "`register { thousands \"\",\"\" }` in the policy to accept it\"\n"
            "5,wubao,\"`wubao` must be 0 or 1, found `x`\"\n");
  // The header the register uses for a field: never taken without the alias.
  const testing::CapturedRun aliased = run_over(undeclared(), kOfficersRegister, false);
  EXPECT_EQ(aliased.report.fatal_error,
            "the register has no column `家庭纯收入`, which the policy's record needs (header on line 1); the register "
            "has `家庭纯收入（元）`: if that is `家庭纯收入`, write `register { column 家庭纯收入 \"家庭纯收入（元）\" }` "
            "in the policy");
}

TEST(RegisterSpellings, ReasonsInChinese) {
  RunOptions chinese;
  chinese.language = Language::Chinese;
  const testing::CapturedRun run = run_over(
      undeclared(), "household_id,家庭纯收入,members,wubao,registered\nh1,1000,0,0,2015-03-01\nh2,1000,1,是,2015-03-01\n",
      false, chinese);
  EXPECT_EQ(run.rejects,
            "line,column,reason\n"
            "2,members,`members` 至少要是 1，这里是 `0`\n"
            "3,wubao,\"`wubao` 只能填 0 或 1，这里是 `是`；如果登记表就是这样写的，在政策里写上 `register { booleans "
            "\"\"是\"\" / \"\"否\"\" }` 就能读\"\n");
}

TEST(RegisterSpellings, ACountyAddsToItsProvincesDeclaration) {
  CompileOptions options;
  options.loader = [](const std::string& path) -> std::optional<std::string> {
    if (path == "province.pol")
      return std::string("policy \"province\" year 2016\n") + kRecord + "register { booleans \"是\" / \"否\" }\n";
    return std::nullopt;
  };
  options.base_directory = "";
  const CompileResult county = compile(
      "policy \"county\" extends \"province.pol\"\nregister { column 家庭纯收入 \"家庭纯收入（元）\"  thousands \",\" }\n",
      "county.pol", options);
  ASSERT_TRUE(county.ok()) << render(county.diagnostics);
  const testing::CapturedRun run =
      run_over(*county.policy,
               "household_id,家庭纯收入（元）,members,wubao,registered\nh1,\"3,000.50\",1,否,2015-03-01\n", false);
  ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;
  EXPECT_EQ(run.results, "household_id,per_capita,poor\nh1,3000.50,false\n");
  // A county may not give a spelling its province gave the other meaning.
  const CompileResult clash = compile("policy \"county\" extends \"province.pol\"\nregister { booleans \"否\" / \"是\" }\n",
                                      "county.pol", options);
  EXPECT_FALSE(clash.ok());
}

TEST(RegisterSpellings, AFieldUnderItsNameAndItsAliasIsUnclear) {
  const testing::CapturedRun run = run_over(
      declared(), "household_id,家庭纯收入,家庭纯收入（元）,members,wubao,registered\nh1,1,1,1,0,2015-03-01\n", false);
  EXPECT_EQ(run.report.fatal_error,
            "the header gives the field `家庭纯收入` twice, as `家庭纯收入` (column 2) and `家庭纯收入（元）` (column "
            "3), so which one holds it is unclear (header on line 1)");
}

}  // namespace
}  // namespace precept
