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

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A line-by-line diff by longest common subsequence: goldens are a few dozen lines,
// and a reviewer needs to see which message changed, not just that one did.
std::string line_diff(const std::string& expected, const std::string& actual) {
  const auto a = split_lines(expected), b = split_lines(actual);
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out = "--- expected\n+++ actual\n";
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

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

  const char* update = std::getenv("PRECEPT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(golden, std::ios::binary) << rendered;
  } else {
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with PRECEPT_UPDATE_GOLDEN=1 to create it";
    const std::string expected = read_file(golden);
    // Not EXPECT_EQ: its escaped one-line strings are unreadable for a page of messages.
    EXPECT_TRUE(expected == rendered) << "diagnostics for " << name << " changed:\n" << line_diff(expected, rendered);
  }

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
