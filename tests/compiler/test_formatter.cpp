// The formatter (`precept fmt`). Three promises, each tested over every policy the
// project has:
//
//   - it changes only the layout: the formatted policy compiles to the same program,
//     and keeps every comment, in the same order;
//   - the layout is canonical: formatting twice changes nothing, and however the
//     spaces, tabs, blank lines and line ends of a policy are changed, it formats
//     to the same text;
//   - a policy with syntax errors is not formatted; the errors are the ones
//     `precept check` reports.
//
// tests/compiler/fmt/NAME.pol is a messy policy, NAME.expected.pol its canonical
// layout. After an intended change to the layout, rewrite them and review the diff:
//
//   PRECEPT_UPDATE_GOLDEN=1 ./build/tests/compiler/compiler_tests --gtest_filter='*Format*'
//   git diff tests/compiler/fmt/
#include "files.hpp"
#include "golden.hpp"
#include "formatter.hpp"
#include "program.hpp"
#include "serialize.hpp"

#include <precept/policy.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using precept::testing::read_file;

namespace {

const fs::path kSource = PRECEPT_SOURCE_DIR;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<fs::path> pol_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".pol") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The golden inputs: tests/compiler/fmt/*.pol without their .expected.pol.
std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  for (const auto& path : pol_files(kSource / "tests/compiler/fmt"))
    if (!ends_with(path.string(), ".expected.pol")) names.push_back(path.stem().string());
  return names;
}

// Every policy the project ships or tests that compiles: the library, the test
// policies, the golden inputs and the warnings-only corpus files.
std::vector<fs::path> compiling_policies() {
  std::vector<fs::path> all;
  for (const char* dir : {"policies", "tests/compiler/policies", "tests/compiler/fmt"})
    for (const auto& path : pol_files(kSource / dir)) all.push_back(path);
  for (const auto& path : pol_files(kSource / "tests/compiler/diagnostics"))
    if (path.filename().string().rfind("w_", 0) == 0) all.push_back(path);
  return all;
}

std::string formatted(const std::string& source, const std::string& name, const precept::FormatOptions& options = {}) {
  const precept::FormatResult result = precept::format_policy(source, name, options);
  if (!result.ok()) {
    ADD_FAILURE() << name << " was not formatted:\n" << precept::render(result.diagnostics);
    return {};
  }
  return *result.text;
}

// The compiled program with everything that only says where things were in the
// source taken out: the source itself, its hash and the line numbers (also in the
// message of a `require` without one of its own).
std::string meaning(const std::string& source, const std::string& name, const fs::path& folder = {}) {
  // A layered policy reads its parents from its folder.
  precept::CompileOptions options;
  if (!folder.empty()) options.base_directory = folder.string();
  const precept::CompileResult compiled = precept::compile(source, name, options);
  if (!compiled.ok()) {
    ADD_FAILURE() << name << " does not compile:\n" << precept::render(compiled.diagnostics);
    return {};
  }
  precept::Program program = program_of(*compiled.policy);
  program.source_text.clear();
  program.source_file.clear();
  program.source_hash = 0;
  std::fill(program.code_lines.begin(), program.code_lines.end(), 0);
  for (auto& field : program.fields) field.line = 0;
  for (auto& param : program.params) param.line = 0;
  static const std::regex line_number(R"(at line \d+)");
  static const std::regex file_line(R"(\.pol:\d+)");  // a layered policy's messages name file:line
  for (auto& text : program.strings)
    text = std::regex_replace(std::regex_replace(text, line_number, "at line N"), file_line, ".pol:N");
  // The .pcb carries the explanation notes and the examples (format 4): the
  // notes quote expressions as written and say where, so they are not part
  // of what a policy means; the examples are, but for their lines.
  program.notes.clear();
  for (auto& param : program.params) param.layer = std::regex_replace(param.layer, file_line, ".pol:N");
  for (auto& example : program.examples) {
    example.line = 0;
    for (auto& expect : example.expect) expect.line = 0;
  }
  return precept::serialize_program(program);
}

// The comments of a policy, in order: a `#` outside a text runs to the line's end.
std::vector<std::string> comments(const std::string& source) {
  std::vector<std::string> found;
  bool in_text = false, in_quotes = false;  // "..." and “...”
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\n') in_text = in_quotes = false;
    if (in_text) {
      if (c == '\\') ++i;
      else if (c == '"') in_text = false;
    } else if (in_quotes) {
      if (source.compare(i, 3, "”") == 0) in_quotes = false;
    } else if (c == '"') {
      in_text = true;
    } else if (source.compare(i, 3, "“") == 0) {
      in_quotes = true;
    } else if (c == '#') {
      std::size_t end = source.find('\n', i);
      if (end == std::string::npos) end = source.size();
      std::string comment = source.substr(i, end - i);
      while (!comment.empty() && (comment.back() == ' ' || comment.back() == '\t' || comment.back() == '\r'))
        comment.pop_back();
      found.push_back(comment);
      i = end - 1;
    }
  }
  return found;
}

// The same policy typed differently: every run of spaces between words becomes
// one to three spaces or tabs, some lines get trailing blanks or CR LF ends, and
// blank lines double. Texts and comments are left alone, and so is whether a line
// is indented at all (an indented comment belongs to the declaration above it).
std::string retyped(const std::string& text, unsigned seed) {
  std::mt19937 random(seed);
  std::string out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    std::string typed;
    bool in_text = false, in_quotes = false;
    for (std::size_t i = 0; i < line.size();) {
      const char c = line[i];
      if (!in_text && !in_quotes && c == '#') {
        typed += line.substr(i);
        break;
      }
      if (in_text) {
        typed += c;
        if (c == '\\' && i + 1 < line.size()) typed += line[++i];
        else if (c == '"') in_text = false;
        ++i;
      } else if (in_quotes) {
        if (line.compare(i, 3, "”") == 0) in_quotes = false;
        typed += c;
        ++i;
      } else if (c == '"' || line.compare(i, 3, "“") == 0) {
        (c == '"' ? in_text : in_quotes) = true;
        typed += c;
        ++i;
      } else if (c == ' ') {
        while (i < line.size() && line[i] == ' ') ++i;
        for (unsigned n = 1 + random() % 3; n > 0; --n) typed += random() % 4 == 0 ? '\t' : ' ';
      } else {
        typed += c;
        ++i;
      }
    }
    if (random() % 3 == 0) typed += " \t ";
    out += typed + (random() % 2 ? "\r\n" : "\n");
    if (line.empty()) out += "\n";
  }
  return out;
}

// The same policy with comments and line breaks where an officer might put them:
// a line break or a comment in place of a space between two words, a comment at
// the end of a line, a comment on a line of its own before a line (at the margin
// or indented). Table rows are one line each, so they are only commented.
std::string commented(const std::string& text, unsigned seed) {
  std::mt19937 random(seed);
  std::string out;
  int n = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    if (random() % 4 == 0) out += std::string(random() % 2 ? 2 : 0, ' ') + "# own " + std::to_string(++n) + "\n";
    const std::size_t first = line.find_first_not_of(' ');
    const bool row = first != std::string::npos && line[first] == '|';
    bool in_text = false, in_quotes = false, has_comment = false;
    std::string typed;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (!in_text && !in_quotes && c == '#') {
        typed += line.substr(i);
        has_comment = true;
        break;
      }
      if (in_text) {
        if (c == '\\' && i + 1 < line.size()) typed += line[i++];
        else if (c == '"') in_text = false;
      } else if (in_quotes) {
        if (line.compare(i, 3, "”") == 0) in_quotes = false;
      } else if (c == '"' || line.compare(i, 3, "“") == 0) {
        (c == '"' ? in_text : in_quotes) = true;
      } else if (c == ' ' && !row && first != std::string::npos && i > first) {
        const unsigned roll = random() % 16;
        if (roll == 0) {
          typed += "\n    ";
          continue;
        }
        if (roll == 1) {
          typed += "  # inside " + std::to_string(++n) + "\n  ";
          continue;
        }
      }
      typed += c;
    }
    if (!has_comment && !line.empty() && random() % 3 == 0) typed += "  # end " + std::to_string(++n);
    out += typed + "\n";
  }
  return out;
}

// ---- golden pairs ----

class FormatGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(FormatGolden, MatchesExpectedLayout) {
  const fs::path input = kSource / "tests/compiler/fmt" / (GetParam() + ".pol");
  const fs::path golden = kSource / "tests/compiler/fmt" / (GetParam() + ".expected.pol");
  const std::string source = read_file(input);
  const std::string actual = formatted(source, input.filename().string());
  ASSERT_FALSE(actual.empty());

  precept::testing::expect_matches_golden(golden, actual);
  const std::string expected = read_file(golden);
  EXPECT_EQ(formatted(expected, golden.filename().string()), expected) << "the expected layout is not canonical";
  EXPECT_EQ(meaning(expected, golden.filename().string()), meaning(source, input.filename().string()))
      << "formatting changed what " << input.filename() << " means";
  EXPECT_EQ(comments(expected), comments(source));
  EXPECT_NE(source, expected) << input.filename() << " is meant to be messy";
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string id = info.param;
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return id;
}

INSTANTIATE_TEST_SUITE_P(Layouts, FormatGolden, ::testing::ValuesIn(golden_names()), test_name);

TEST(FormatGoldenFiles, CoverEveryKindOfLayout) {
  const auto names = golden_names();
  for (const char* name : {"comments", "tables_chinese", "long_enums", "decide", "params", "layout"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << "missing golden pair " << name;
}

// ---- every policy the project has ----

class FormatPolicy : public ::testing::TestWithParam<fs::path> {};

TEST_P(FormatPolicy, SameProgramSameCommentsAndStable) {
  const std::string name = GetParam().filename().string();
  const std::string source = read_file(GetParam());
  const std::string once = formatted(source, name);
  ASSERT_FALSE(once.empty());
  EXPECT_EQ(formatted(once, name), once) << "formatting " << name << " twice changes it";
  EXPECT_EQ(meaning(once, name, GetParam().parent_path()), meaning(source, name, GetParam().parent_path())) << "formatting changed what " << name << " means";
  EXPECT_EQ(comments(once), comments(source)) << "formatting " << name << " lost or moved a comment";
}

TEST_P(FormatPolicy, HowItIsTypedDoesNotMatter) {
  const std::string name = GetParam().filename().string();
  const std::string canonical = formatted(read_file(GetParam()), name);
  ASSERT_FALSE(canonical.empty());
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const std::string messy = retyped(canonical, seed);
    ASSERT_NE(messy, canonical);
    EXPECT_EQ(formatted(messy, name), canonical) << name << " retyped with seed " << seed << ":\n" << messy;
  }
}

TEST_P(FormatPolicy, CommentsAndLineBreaksAnywhere) {
  const std::string name = GetParam().filename().string();
  const std::string source = read_file(GetParam());
  const std::string expected_meaning = meaning(source, name, GetParam().parent_path());
  for (unsigned seed = 1; seed <= 8; ++seed) {
    const std::string messy = commented(formatted(source, name), seed);
    const std::string once = formatted(messy, name);
    ASSERT_FALSE(once.empty()) << messy;
    EXPECT_EQ(formatted(once, name), once) << name << " with comments, seed " << seed << ":\n" << messy;
    EXPECT_EQ(meaning(once, name, GetParam().parent_path()), expected_meaning) << name << " with comments, seed " << seed;
    EXPECT_EQ(comments(once), comments(messy)) << name << " with comments, seed " << seed;
  }
}

TEST_P(FormatPolicy, NarrowWidthsAreStableAndKeepTheMeaning) {
  const std::string name = GetParam().filename().string();
  const std::string source = read_file(GetParam());
  for (const std::size_t width : {20, 40, 60}) {
    precept::FormatOptions options;
    options.width = width;
    const std::string once = formatted(source, name, options);
    ASSERT_FALSE(once.empty());
    EXPECT_EQ(formatted(once, name, options), once) << name << " at width " << width;
    EXPECT_EQ(meaning(once, name, GetParam().parent_path()), meaning(source, name, GetParam().parent_path())) << name << " at width " << width;
  }
}

std::string path_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string id = fs::relative(info.param, kSource).replace_extension().string();
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return id;
}

INSTANTIATE_TEST_SUITE_P(Bundled, FormatPolicy, ::testing::ValuesIn(compiling_policies()), path_name);

// The library is kept formatted (also checked with the real command, ctest
// fmt_check_policies).
TEST(Format, TheLibraryIsFormatted) {
  const auto library = pol_files(kSource / "policies");
  ASSERT_FALSE(library.empty());
  for (const auto& path : library) EXPECT_EQ(formatted(read_file(path), path.string()), read_file(path)) << path;
}

// ---- what is kept as written, and what is canonical ----

TEST(Format, KeepsNumbersTextsUnitsAndNamesAsWritten) {
  const std::string source =
      "policy \"西江镇\" year 2015\n"
      "record 农户 { 人均: money 备注: text }\n"
      "param 贫困线: money = 2736.00 元\n"
      "param line: money = 2736.00 yuan\n"
      "rule 贫困户: 人均 < 贫困线 and 人均 < line and 备注 = “全角引号” and 备注 != \"a \\\"b\\\"\"\n"
      "output 贫困户\n";
  const std::string out = formatted(source, "kept.pol");
  for (const char* kept : {"2736.00 元", "2736.00 yuan", "“全角引号”", "\"a \\\"b\\\"\"", "人均 < 贫困线", "record 农户 {"})
    EXPECT_NE(out.find(kept), std::string::npos) << kept << " not in:\n" << out;
}

TEST(Format, OperatorsTakeTheirAsciiSpelling) {
  const std::string out = formatted(
      "policy \"x\"\nrecord r { a: int }\n"
      "decide d: int\n  when a ≥ 1 → 1\n  when a ≤ 2 → 2\n  when a ≠ 3 → 3\n  when a <> 4 → 4\n  when a == 5 → 5\n"
      "  otherwise → 0\n"
      "output d\n",
      "ops.pol");
  EXPECT_NE(out.find("when a >= 1 -> 1\n  when a <= 2 -> 2\n  when a != 3 -> 3\n  when a != 4 -> 4\n  when a = 5  -> 5\n"
                     "  otherwise   -> 0\n"),
            std::string::npos)
      << out;
}

TEST(Format, OneNewlineAtTheEndAndNoTrailingBlanks) {
  const std::string out = formatted("\n\n  policy \"x\"   \n\n\n\nrecord r { a: int }   \noutput a", "ends.pol");
  EXPECT_EQ(out, "policy \"x\"\n\nrecord r {\n  a: int\n}\n\noutput a\n");
}

TEST(Format, ATableAtTheEndWithoutANewline) {
  const std::string source = "policy \"x\"\nrecord r { a: int }\ntable t first\n| when a | b: int |\n| 1 | 2 |";
  const std::string out = formatted(source, "table_end.pol");
  EXPECT_TRUE(ends_with(out, "  | when a | b: int |\n  | 1      | 2      |\n")) << out;
}

// A chain of thousands of operators is formatted without exhausting the stack,
// and a long `and` chain puts one term on a line.
TEST(Format, LongOperatorChains) {
  std::string sum = "a";
  for (int i = 0; i < 2000; ++i) sum += " + a";
  std::string all = "a > 0";
  for (int i = 1; i < 40; ++i) all += " and a > " + std::to_string(i);
  const std::string source = "policy \"x\"\nrecord r { a: int }\nlet s: int = " + sum + "\nrule r1: " + all +
                             "\noutput s, r1\n";
  const std::string out = formatted(source, "chains.pol");
  EXPECT_EQ(formatted(out, "chains.pol"), out);
  EXPECT_EQ(meaning(out, "chains.pol"), meaning(source, "chains.pol"));
  EXPECT_NE(out.find("rule r1:\n  a > 0\n    and a > 1\n    and a > 2\n"), std::string::npos) << out.substr(0, 400);
}

// ---- what is not formatted ----

// Each broken policy of the diagnostics corpus that fails to parse is refused with
// exactly what `precept check` says about it.
TEST(Format, SyntaxErrorsAreReportedAsCheckReportsThem) {
  std::size_t refused = 0;
  for (const auto& path : pol_files(kSource / "tests/compiler/diagnostics")) {
    const std::string source = read_file(path);
    const std::string name = path.filename().string();
    const precept::FormatResult result = precept::format_policy(source, name);
    if (result.ok()) continue;
    ++refused;
    EXPECT_FALSE(result.text.has_value());
    EXPECT_TRUE(precept::has_errors(result.diagnostics)) << name;
    EXPECT_EQ(precept::render(result.diagnostics), precept::render(precept::compile(source, name).diagnostics)) << name;
  }
  EXPECT_GE(refused, 20u) << "the corpus's syntax errors should all be refused";
}

TEST(Format, ABrokenPolicyGivesItsErrorAndNoText) {
  const precept::FormatResult result =
      precept::format_policy("policy \"x\"\nrecord r { a: int }\nrule r: a >\noutput r\n", "broken.pol");
  EXPECT_FALSE(result.ok());
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_EQ(result.diagnostics[0].file, "broken.pol");
  EXPECT_EQ(result.diagnostics[0].line, 4u);
}

// A policy that parses but does not check (an unknown name) is still formatted:
// the officer may be halfway through writing it.
TEST(Format, APolicyWithCheckErrorsIsStillFormatted) {
  const precept::FormatResult result =
      precept::format_policy("policy \"x\"\nrecord r {a:int}\nrule r: povrty_line>a\noutput r\n", "unchecked.pol");
  ASSERT_TRUE(result.ok()) << precept::render(result.diagnostics);
  EXPECT_EQ(*result.text, "policy \"x\"\n\nrecord r {\n  a: int\n}\n\nrule r: povrty_line > a\n\noutput r\n");
}

TEST(Format, TextThatIsNotUtf8IsRefused) {
  const precept::FormatResult result = precept::format_policy("policy \"\xce\xf7\xbd\xad\"\n", "gbk.pol");
  EXPECT_FALSE(result.ok());
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_NE(result.diagnostics[0].message.find("UTF-8"), std::string::npos);
}

}  // namespace
