// Diagnostics in Chinese: goldens (tests/compiler/diagnostics_zh/NAME.expected)
// of what `precept check --lang zh` prints for a selection of the broken-policy
// corpus (tests/compiler/diagnostics/), the policy's own `language zh`
// declaration, and the code every diagnostic carries whatever its language.
//
//   PRECEPT_UPDATE_GOLDEN=1 ./build/tests/compiler/compiler_tests --gtest_filter='*Chinese*'
#include <precept/policy.hpp>

#include <gtest/gtest.h>

#include "files.hpp"
#include "golden.hpp"

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

using precept::Language;
using precept::testing::read_file;

const fs::path kCorpus = fs::path(PRECEPT_SOURCE_DIR) / "tests" / "compiler" / "diagnostics";
const fs::path kGoldens = fs::path(PRECEPT_SOURCE_DIR) / "tests" / "compiler" / "diagnostics_zh";

precept::CompileResult compile_in(const fs::path& policy, std::optional<Language> language) {
  precept::CompileOptions options;
  options.language = language;
  return precept::compile(read_file(policy), policy.filename().string(), options);
}

class ChineseDiagnostics : public ::testing::TestWithParam<std::string> {};

TEST_P(ChineseDiagnostics, MatchGolden) {
  const auto result = compile_in(kCorpus / (GetParam() + ".pol"), Language::Chinese);
  EXPECT_EQ(result.language, Language::Chinese);
  precept::testing::expect_matches_golden(kGoldens / (GetParam() + ".expected"),
                                          precept::render(result.diagnostics, false, Language::Chinese));
}

TEST_P(ChineseDiagnostics, SameCodesAndPlacesAsInEnglish) {
  const auto chinese = compile_in(kCorpus / (GetParam() + ".pol"), Language::Chinese);
  const auto english = compile_in(kCorpus / (GetParam() + ".pol"), std::nullopt);
  ASSERT_EQ(chinese.diagnostics.size(), english.diagnostics.size());
  for (std::size_t i = 0; i < chinese.diagnostics.size(); ++i) {
    const auto& zh = chinese.diagnostics[i];
    const auto& en = english.diagnostics[i];
    EXPECT_FALSE(zh.code.empty()) << en.message;
    EXPECT_EQ(zh.code, en.code);
    EXPECT_EQ(zh.line, en.line);
    EXPECT_EQ(zh.column, en.column);
    EXPECT_NE(zh.message, en.message) << zh.code;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, ChineseDiagnostics,
                         ::testing::Values("01_missing_otherwise", "07_fullwidth_paren", "18_field_typo",
                                           "24_unknown_hit_policy", "32_money_plus_int_field", "43_several_errors",
                                           "44_chinese_name_typo", "56_thousands_separator", "w_02_unreachable_row"));

TEST(ChineseDiagnosticsDeclared, ThePolicysLanguageIsTheDefault) {
  const fs::path policy = kGoldens / "declared_language.pol";
  const auto declared = compile_in(policy, std::nullopt);
  EXPECT_EQ(declared.language, Language::Chinese);
  precept::testing::expect_matches_golden(kGoldens / "declared_language.expected",
                                          precept::render(declared.diagnostics, false, declared.language));
  // `--lang en` overrides the declaration.
  const auto english = compile_in(policy, Language::English);
  EXPECT_EQ(english.language, Language::English);
  ASSERT_FALSE(english.diagnostics.empty());
  EXPECT_EQ(english.diagnostics[0].message, "unknown name `povrty_line`");
  EXPECT_EQ(english.diagnostics[0].code, "unknown_name");
}

TEST(ChineseDiagnosticsDeclared, AnUnknownLanguageIsAnError) {
  const auto result = precept::compile("policy \"p\" language fr\nrecord household { members: int }\noutput members\n");
  ASSERT_FALSE(result.ok());
  ASSERT_FALSE(result.diagnostics.empty());
  EXPECT_EQ(result.diagnostics[0].code, "unknown_language");
  EXPECT_EQ(result.diagnostics[0].line, 1u);
}

TEST(ChineseDiagnosticsDeclared, ACountInTheRightLanguage) {
  const auto result = compile_in(kCorpus / "43_several_errors.pol", Language::Chinese);
  EXPECT_NE(precept::count_errors(result.diagnostics, Language::Chinese).find("个错误"), std::string::npos);
  EXPECT_EQ(precept::count_errors({}, Language::English), "0 errors");
}

}  // namespace
