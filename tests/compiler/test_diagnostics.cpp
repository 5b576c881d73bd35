// The broken-policy corpus: tests/compiler/diagnostics/NN_name.pol, each a mistake
// a county officer is likely to make, next to NN_name.expected holding exactly what
// `precept check` prints for it (without colour). The goldens are the review copy of
// our error messages: read them as an officer would when changing any wording.
//
// After an intended change to the messages, rewrite the goldens and review the diff:
//
//   PRECEPT_UPDATE_GOLDEN=1 ./build/tests/compiler/compiler_tests --gtest_filter='*Diagnostic*'
//   git diff tests/compiler/diagnostics/
//
// Files named w_*.pol hold mistakes that are only warnings: they must compile.
#include <precept/policy.hpp>

#include <gtest/gtest.h>

#include "files.hpp"
#include "golden.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() { return fs::path(PRECEPT_SOURCE_DIR) / "tests" / "compiler" / "diagnostics"; }

std::vector<std::string> corpus_files() { return precept::testing::file_names(corpus_dir(), ".pol"); }

using precept::testing::read_file;

// Words from the parser generator that mean nothing to an officer.
const char* const kJargon[] = {"mismatched input", "extraneous", "no viable alternative", "<EOF>",
                               "IDENT",            "ROW_END",    "NUMBER",                "STRING",
                               "UNKNOWN_CHAR",     "missing '",  "expecting"};

class DiagnosticCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(DiagnosticCorpus, MatchesGolden) {
  const std::string name = GetParam();
  const fs::path policy = corpus_dir() / name;
  const fs::path golden = fs::path(policy).replace_extension(".expected");

  const auto result = precept::compile(read_file(policy), name);
  const std::string rendered = precept::render(result.diagnostics, /*color=*/false);

  precept::testing::expect_matches_golden(golden, rendered);

  const bool warnings_only = name.rfind("w_", 0) == 0;
  if (warnings_only) {
    EXPECT_TRUE(result.ok()) << name << " is meant to compile with warnings only";
    EXPECT_TRUE(std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                            [](const auto& d) { return d.severity == precept::Severity::Warning; }))
        << name << " is meant to produce a warning";
  } else {
    EXPECT_FALSE(result.ok()) << name << " is a broken policy but compiled";
    EXPECT_TRUE(precept::has_errors(result.diagnostics)) << name << " reported no error";
  }

  for (const auto& d : result.diagnostics) {
    for (const char* word : kJargon) {
      EXPECT_EQ(d.message.find(word), std::string::npos) << name << ": parser jargon in: " << d.message;
      EXPECT_EQ(d.hint.find(word), std::string::npos) << name << ": parser jargon in hint: " << d.hint;
    }
    if (d.severity == precept::Severity::Error) {
      EXPECT_GT(d.line, 0u) << name << ": error without a place: " << d.message;
      EXPECT_FALSE(d.source_line.empty()) << name << ": error without its source line: " << d.message;
    }
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string id = fs::path(info.param).stem().string();
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return id;
}

INSTANTIATE_TEST_SUITE_P(BrokenPolicies, DiagnosticCorpus, ::testing::ValuesIn(corpus_files()), test_name);

// An empty corpus would make the suite above vanish silently.
TEST(DiagnosticCorpusFiles, AreThere) {
  EXPECT_GE(corpus_files().size(), 30u) << "expected the broken-policy corpus in " << corpus_dir();
}

}  // namespace
