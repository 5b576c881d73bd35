// `precept run ... --report FILE`: the page written beside the results, grouped
// by the policy's first summary group when --by is not given, refused when it
// would overwrite another file, and never left half-written.
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using precept::testing::CliSandbox;

const std::string kRoot = PRECEPT_SOURCE_DIR;

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(ReportCli, WritesThePageByVillageAndInChinese) {
  CliSandbox box;
  const auto r = box.run({"run", kRoot + "/policies/xijiang_2015.pol", kRoot + "/examples/data/xijiang_sample.csv", "-o",
                          "results.csv", "--lang", "zh", "--report", "report.html"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Without --by the printed summary is by village too (the policy's first group).
  EXPECT_NE(r.out.find("county  township  village"), std::string::npos) << r.out;
  const std::string page = read(box / "report.html");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n<html lang=\"zh-CN\">", 0), 0u);
  // The five villages with poor households (README, examples/data), each a list.
  EXPECT_EQ(count(page, "<section class=\"sheet publicity\">"), 5u);
  EXPECT_EQ(count(page, "<tr><td class=\"n\">"), 455u) << "one line per poor household";
  EXPECT_NE(page.find("<p>读入 2000 行 = 结果 1989 行 + 拒收 11 行</p>"), std::string::npos);
}

TEST(ReportCli, ByTownshipMakesOneList) {
  CliSandbox box;
  const auto r = box.run({"run", kRoot + "/policies/xijiang_2015.pol", kRoot + "/examples/data/xijiang_sample.csv", "-o",
                          "results.csv", "--by", "township", "-q", "--report", "report.html"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string page = read(box / "report.html");
  EXPECT_EQ(count(page, "<section class=\"sheet publicity\">"), 1u);
  EXPECT_NE(page.find("Publicity list of poor households: 会昌县 西江镇</h2>"), std::string::npos);
}

TEST(ReportCli, ThePageMayNotOverwriteAnotherFile) {
  CliSandbox box;
  const auto r = box.run({"run", kRoot + "/policies/xijiang_2015.pol", kRoot + "/examples/data/xijiang_sample.csv", "-o",
                          "same.html", "--report", "same.html"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--report"), std::string::npos) << r.err;
  EXPECT_TRUE(box.files().empty());
}

TEST(ReportCli, APageThatCannotBeWrittenLeavesNoOutput) {
  CliSandbox box;
  const auto r = box.run({"run", kRoot + "/policies/xijiang_2015.pol", kRoot + "/examples/data/xijiang_sample.csv", "-o",
                          "results.csv", "--report", "no/such/folder/report.html"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(box.files().empty()) << "results are not published without the page";
}

}  // namespace
