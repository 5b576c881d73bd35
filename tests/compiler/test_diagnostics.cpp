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


// What a policy holds is shown, never acted on: a control character, an escape
// sequence or a bidi override in a message, a hint, a file name or the quoted
// line comes out escaped, and the caret still sits under the marked text.
precept::Diagnostic hostile_diagnostic() {
  precept::Diagnostic d;
  d.file = "p\x1b]0;t\x07.pol";
  d.line = 3;
  // The quoted line: a tab, an OSC 52 clipboard write, a wide character, a
  // right-to-left override, then the name the caret marks.
  d.source_line = "\trule r \"\x1b]52;c;aGk=\x07村\xE2\x80\xAE\": nme";
  d.column = 27;  // `nme`, counted in characters (the tab, ESC, 村 and U+202E one each)
  d.length = 3;
  d.message = "unknown name `n\x1b[2Jme`";
  d.hint = "did you mean `name`?\x1b[2J";
  return d;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(DiagnosticRendering, ShowsPolicyTextEscaped) {
  const precept::Diagnostic d = hostile_diagnostic();
  const auto lines = lines_of(precept::render(d));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "p\\x1b]0;t\\x07.pol:3:27: error: unknown name `n\\x1b[2Jme`");
  EXPECT_EQ(lines[1], " 3 |     rule r \"\\x1b]52;c;aGk=\\x07村\\u202e\": nme");
  // Under `nme`: the columns of the escaped text before it, 村 taking two.
  const std::size_t before = lines[1].find("nme") - 1;  // bytes before it; 村 is 3 bytes in 2 columns
  EXPECT_EQ(lines[2], "   | " + std::string(before - 5, ' ') + "^~~");
  EXPECT_EQ(lines[3], "   = hint: did you mean `name`?\\x1b[2J");
}

TEST(DiagnosticRendering, ColourStaysOursAndTheDataStaysEscaped) {
  const std::string coloured = precept::render(hostile_diagnostic(), /*color=*/true);
  EXPECT_NE(coloured.find("\x1b[1;31m"), std::string::npos) << coloured;  // our red
  EXPECT_EQ(coloured.find("\x1b]"), std::string::npos) << coloured;
  EXPECT_EQ(coloured.find("\x1b[2J"), std::string::npos) << coloured;
  EXPECT_EQ(coloured.find("\xE2\x80\xAE"), std::string::npos) << coloured;
}

TEST(DiagnosticRendering, LongLineWindowIsEscapedAndLinedUp) {
  precept::Diagnostic d;
  d.file = "p.pol";
  d.line = 7;
  d.source_line = std::string(200, 'a') + "\x1b[2J" + std::string(10, 'b') + "bad" + std::string(200, 'c');
  d.column = 200 + 4 + 10 + 1;
  d.length = 3;
  d.message = "m";
  const auto lines = lines_of(precept::render(d));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[1].find('\x1b'), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\\x1b[2Jbbbbbbbbbbbad"), std::string::npos) << lines[1];
  const std::size_t bad = lines[1].find("bad");
  // The window starts with `…` (3 bytes, 1 column).
  EXPECT_EQ(lines[2].find('^'), bad - 2) << lines[1] << "\n" << lines[2];
}

}  // namespace
