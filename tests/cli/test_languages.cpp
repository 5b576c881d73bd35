// `--lang zh` (and a policy's own `language zh`) for every command that talks
// to officers: the real binary, its own lines, the rejects' reasons, the
// explanation as a letter, the examples' report and the diff, in Chinese; and
// no English sentence of the catalogue left in them. English stays the
// default (the golden tests of each command keep its bytes).
#include "cli_runner.hpp"
#include "files.hpp"
#include "messages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

const fs::path kSource = PRECEPT_SOURCE_DIR;

// A policy whose table has no `else`: a household no row matches is rejected
// by the machine (not by reading a cell), with a reason from the catalogue.
const char* const kPolicy = R"(policy "语言测试" place "西江镇" year 2015

record household {
  id: text
  members: int
  income: money
}

param line: money = 2736 yuan "贫困线" source "会昌县识别文件，2015"

let per_capita: money = round(income / members, 2)

rule poor "人均收入低于贫困线": per_capita < line

decide level: text "帮扶等级"
  when not poor -> "无"
  when per_capita < 1000 yuan -> "重点"
  otherwise -> "一般"

table grant "补助" first
  | amount    | when         |
  | 1500 yuan | members > 3  |
  | 800 yuan  | members >= 2 |

output id, poor, level, amount = grant.amount
)";

const char* const kRegister =
    "id,members,income\n"
    "h1,4,6000\n"
    "h2,1,900\n"
    "h3,2,1000\n";

// The longest run of words in the English of each catalogue entry with prose
// (its placeholders taken out): none of them may appear in a Chinese report.
std::vector<std::string> english_sentences() {
  std::vector<std::string> out;
  for (const auto& entry : precept::kCatalogue) {
    std::string longest, piece;
    for (std::size_t i = 0; i <= entry.english.size(); ++i) {
      const bool end = i == entry.english.size() || entry.english[i] == '{' || entry.english[i] == '`';
      if (!end) {
        piece += entry.english[i];
        continue;
      }
      if (piece.size() > longest.size()) longest = piece;
      piece.clear();
      // Skip the placeholder or the quoted name.
      const char close = i < entry.english.size() && entry.english[i] == '{' ? '}' : '`';
      if (i < entry.english.size()) i = entry.english.find(close, i + 1);
      if (i == std::string::npos) break;
    }
    // Words, not a label: at least three of them.
    if (std::count(longest.begin(), longest.end(), ' ') >= 3 && longest.find_first_not_of(' ') != std::string::npos)
      out.push_back(longest.substr(longest.find_first_not_of(' ')));
  }
  return out;
}

void expect_no_english(const std::string& text, const std::string& what) {
  for (const auto& sentence : english_sentences())
    EXPECT_EQ(text.find(sentence), std::string::npos) << what << " says in English: \"" << sentence << "\"\n" << text;
}

class Languages : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(box_ / "p.pol", kPolicy);
    write_file(box_ / "r.csv", kRegister);
  }
  CliRun precept(const std::vector<std::string>& args) const { return box_.run(args); }
  CliSandbox box_;
};

TEST_F(Languages, TheCatalogueHasEnglishSentencesToLookFor) {
  EXPECT_GT(english_sentences().size(), 100u);
}

TEST_F(Languages, RunSaysItsLinesAndTheRejectsReasonsInChinese) {
  const CliRun r = precept({"run", "p.pol", "r.csv", "-o", "out.csv", "--rejects", "rej.csv", "--lang", "zh"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string rejects = read_file(box_ / "rej.csv");
  // h2: one member, no row of `grant` matches.
  EXPECT_THAT(rejects, HasSubstr("表 `grant` 中没有一行适用于这户（政策第 20 行）")) << rejects;
  EXPECT_THAT(r.out, HasSubstr("读入 3 行 = 结果 2 行 + 拒收 1 行"));
  expect_no_english(r.out + r.err + rejects, "run --lang zh");
  // The same run in English: the reason as the program carries it.
  const CliRun en = precept({"run", "p.pol", "r.csv", "-o", "out_en.csv", "--rejects", "rej_en.csv"});
  EXPECT_EQ(en.exit_code, 0) << en.err;
  EXPECT_THAT(read_file(box_ / "rej_en.csv"),
              HasSubstr("no row of table `grant` applies to this household (policy line 20)"));
  EXPECT_EQ(read_file(box_ / "out.csv"), read_file(box_ / "out_en.csv")) << "results are the same in any language";
}

TEST_F(Languages, CheckAndCompileSayTheirLinesInChinese) {
  const CliRun check = precept({"check", "p.pol", "--lang", "zh"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("p.pol：检查通过 —“语言测试”，西江镇，2015 年，3 个字段，4 项输出"));
  const CliRun compile = precept({"compile", "p.pol", "--lang", "zh"});
  EXPECT_EQ(compile.exit_code, 0) << compile.err;
  EXPECT_THAT(compile.err, HasSubstr("已写出 p.pcb（"));
  write_file(box_ / "bad.pol", "policy \"x\"\nrecord household { a: int }\noutput b\n");
  const CliRun bad = precept({"run", "bad.pol", "r.csv", "--lang", "zh"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("bad.pol：1 个错误，没有运行"));
  expect_no_english(check.out + compile.err + bad.err, "check/compile --lang zh");
}

TEST_F(Languages, ExplainInChineseIsALetter) {
  const CliRun r = precept({"explain", "p.pol", "r.csv", "--id", "h1", "--lang", "zh"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("户 h1（登记表第 2 行）：按 p.pol 的认定结果"));
  EXPECT_THAT(r.out, HasSubstr("认定结果\n"));
  EXPECT_THAT(r.out, HasSubstr("  amount：1500.00 元"));
  // The earlier branch of `level` that did not apply, and why.
  EXPECT_THAT(r.out, HasSubstr("level 定为“一般”：帮扶等级；前面的条件都不成立"));
  EXPECT_THAT(r.out, HasSubstr("不按条件 `not poor`，因为 poor 为 是"));
  EXPECT_THAT(r.out, HasSubstr("line 为 2736.00 元：贫困线；出处：会昌县识别文件，2015"));
  expect_no_english(r.out + r.err, "explain --lang zh");
  // The rejected household: why, and what to do.
  const CliRun rejected = precept({"explain", "p.pol", "r.csv", "--id", "h2", "--lang", "zh"});
  EXPECT_EQ(rejected.exit_code, 0) << rejected.err;
  EXPECT_THAT(rejected.out, HasSubstr("未能认定"));
  EXPECT_THAT(rejected.out, HasSubstr("表 `grant` 中没有一行适用于这户"));
  EXPECT_THAT(rejected.out, HasSubstr("怎么办"));
  expect_no_english(rejected.out, "explain --lang zh of a rejected household");
  // In English the text stays the trace; --letter gives the letter.
  const CliRun trace = precept({"explain", "p.pol", "r.csv", "--id", "h1"});
  EXPECT_THAT(trace.out, HasSubstr("household h1 (line 2)\n"));
  const CliRun letter = precept({"explain", "p.pol", "r.csv", "--id", "h1", "--letter"});
  EXPECT_THAT(letter.out, HasSubstr("Household h1 (register line 2): what p.pol decided"));
  EXPECT_THAT(letter.out, HasSubstr("Not `not poor`, since poor = yes."));
  const CliRun missing = precept({"explain", "p.pol", "r.csv", "--id", "nobody", "--lang", "zh"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("r.csv：找不到 id 为 `nobody` 的户"));
}

TEST_F(Languages, APolicyThatDeclaresChineseIsExplainedInChineseWithoutLang) {
  std::string policy = kPolicy;
  policy.replace(policy.find(" year 2015"), 10, " language zh year 2015");
  write_file(box_ / "zh.pol", policy);
  const CliRun r = precept({"explain", "zh.pol", "r.csv", "--id", "h1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("认定结果"));
  const CliRun en = precept({"explain", "zh.pol", "r.csv", "--id", "h1", "--lang", "en"});
  EXPECT_THAT(en.out, HasSubstr("household h1 (line 2)"));
}

TEST_F(Languages, TestReportsInChinese) {
  const CliRun r = precept({"test", (kSource / "policies" / "xijiang_2015.pol").string(), "--lang", "zh"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  通过  五保户收入高也算贫困户（xijiang_2015.pol 第 97 行）"));
  EXPECT_THAT(r.out, HasSubstr("  覆盖：25 项中 25 项（100.0%）"));
  EXPECT_THAT(r.out, HasSubstr("示例：")) << r.out;
  expect_no_english(r.out + r.err, "test --lang zh");
  // A failing example: expected and got, and the letter of what came out.
  write_file(box_ / "ex.pol", std::string(kPolicy) +
                                  "\nexample \"一口之家\"\n  given id = \"x\", members = 2, income = 1000 yuan\n"
                                  "  expect poor = false\n");
  const CliRun failing = precept({"test", "ex.pol", "--lang", "zh"});
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  EXPECT_THAT(failing.out, HasSubstr("  不通过  一口之家（ex.pol 第"));
  EXPECT_THAT(failing.out, HasSubstr("poor（第 "));
  EXPECT_THAT(failing.out, HasSubstr("）：应为 false，实际为 true"));
  EXPECT_THAT(failing.out, HasSubstr("实际结果及其依据："));
  EXPECT_THAT(failing.out, HasSubstr("没有示例用到："));
  expect_no_english(failing.out, "a failing test --lang zh");
}

TEST_F(Languages, DiffReportsInChinese) {
  std::string revised = kPolicy;
  revised.replace(revised.find("2736 yuan"), 9, "3000 yuan");
  write_file(box_ / "new.pol", revised);
  const CliRun text = precept({"diff", "p.pol", "new.pol", "r.csv", "--lang", "zh", "--no-witness"});
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_THAT(text.out, HasSubstr("1 处修改"));
  EXPECT_THAT(text.out, HasSubstr("对 r.csv 的影响"));
  EXPECT_THAT(text.out, HasSubstr("比较的户（两版都接收）"));
  EXPECT_THAT(text.out, HasSubstr("结论：有变化"));
  expect_no_english(text.out + text.err, "diff --lang zh");
  const CliRun html = precept({"diff", "p.pol", "new.pol", "r.csv", "--lang", "zh", "--no-witness", "--format", "html"});
  EXPECT_THAT(html.out, HasSubstr("<html lang=\"zh\">"));
  EXPECT_THAT(html.out, HasSubstr("<h1>政策比较："));
  EXPECT_THAT(html.out, HasSubstr("结论：有变化。"));
  expect_no_english(html.out, "diff --format html --lang zh");
  const CliRun english = precept({"diff", "p.pol", "new.pol", "r.csv", "--no-witness"});
  EXPECT_THAT(english.out, HasSubstr("result: changes"));
}

// A register as Chinese Excel saves it (GBK), with a bad cell: `run` notes the
// conversion in Chinese, and the reject and its explanation say the cell's
// problem in Chinese too.
TEST_F(Languages, AGbkRegisterAndABadCellAreSpokenOfInChinese) {
  // "id,members,income" and a household whose income is not money; 西头 in GBK.
  write_file(box_ / "gbk.csv", std::string("id,members,income\n") + "\xCE\xF7\xCD\xB7,2,abc\n" + "h2,1,900\n");
  const CliRun r = precept({"run", "p.pol", "gbk.csv", "-o", "out.csv", "--rejects", "rej.csv", "--lang", "zh"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err + r.out, HasSubstr("登记表是 GB18030 (GBK) 编码")) << r.err;
  const std::string rejects = read_file(box_ / "rej.csv");
  EXPECT_THAT(rejects, HasSubstr("`abc`")) << rejects;
  expect_no_english(r.out + r.err + rejects, "run --lang zh of a GBK register");
  const CliRun explained = precept({"explain", "p.pol", "gbk.csv", "--id", "西头", "--lang", "zh"});
  EXPECT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_THAT(explained.out, HasSubstr("未能认定"));
  EXPECT_THAT(explained.out, HasSubstr("`abc`"));
  expect_no_english(explained.out + explained.err, "explain --lang zh of a bad cell");
}

}  // namespace
