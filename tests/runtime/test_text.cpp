// Text from policies and registers made safe for where it goes: a terminal or
// a text report (escape_for_terminal), a spreadsheet (write_csv_text) and JSON
// (the one UTF-8 repair rule).
#include "csv.hpp"
#include "format.hpp"
#include "text_width.hpp"

#include <gtest/gtest.h>

#include <string>

namespace precept {
namespace {

TEST(EscapeForTerminal, KeepsPrintableTextChineseAndBackslashes) {
  for (const std::string text : {"plain text, 1,234.50 yuan", "会昌县 / 西江镇 / 龙塘村(上,下屋)", "a\\b", "",
                                 "emoji \xF0\x9F\x98\x80 and é"})
    EXPECT_EQ(escape_for_terminal(text), text);
}

TEST(EscapeForTerminal, ShowsControlCharactersAsEscapes) {
  // An OSC title, a clear screen, an OSC 52 clipboard write, a bell, DEL.
  EXPECT_EQ(escape_for_terminal("\x1b]0;owned\x07"), "\\x1b]0;owned\\x07");
  EXPECT_EQ(escape_for_terminal("x\x1b[2Jy"), "x\\x1b[2Jy");
  EXPECT_EQ(escape_for_terminal("\x1b]52;c;ZWNobyBoaQ==\x1b\\"), "\\x1b]52;c;ZWNobyBoaQ==\\x1b\\");
  EXPECT_EQ(escape_for_terminal(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape_for_terminal("\x7f"), "\\x7f");
  EXPECT_EQ(escape_for_terminal("a\tb\r\nc"), "a\\tb\\r\\nc");
}

TEST(EscapeForTerminal, KeepsLineBreaksOnlyWhenAsked) {
  EXPECT_EQ(escape_for_terminal("one\ntwo\x1b", LineBreaks::Keep), "one\ntwo\\x1b");
  EXPECT_EQ(escape_for_terminal("one\r\ntwo", LineBreaks::Keep), "one\\r\ntwo");
}

TEST(EscapeForTerminal, ShowsC1ControlsBidiControlsAndLineSeparators) {
  EXPECT_EQ(escape_for_terminal("\xC2\x9B" "2J"), "\\u009b2J");      // C1 CSI
  EXPECT_EQ(escape_for_terminal("\xC2\x85"), "\\u0085");             // NEL
  EXPECT_EQ(escape_for_terminal("a\xE2\x80\xAE" "cba"), "a\\u202ecba");  // RIGHT-TO-LEFT OVERRIDE
  for (const char32_t cp : {0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066,
                            0x2067, 0x2068, 0x2069}) {
    std::string utf8;
    if (cp < 0x800) {
      utf8 += static_cast<char>(0xC0 | (cp >> 6));
    } else {
      utf8 += static_cast<char>(0xE0 | (cp >> 12));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    }
    utf8 += static_cast<char>(0x80 | (cp & 0x3F));
    char expected[8];
    std::snprintf(expected, sizeof expected, "\\u%04x", static_cast<unsigned>(cp));
    EXPECT_EQ(escape_for_terminal(utf8), expected);
  }
  // Neighbours that only look alike stay: a zero-width joiner, an en dash, an ellipsis.
  EXPECT_EQ(escape_for_terminal("\xE2\x80\x8D\xE2\x80\x93\xE2\x80\xA6"), "\xE2\x80\x8D\xE2\x80\x93\xE2\x80\xA6");
}

TEST(EscapeForTerminal, ShowsBytesThatAreNotUtf8) {
  EXPECT_EQ(escape_for_terminal("\xff"), "\\xff");
  EXPECT_EQ(escape_for_terminal("\xC4\xE3\xBA\xC3"), "\\xc4\\xe3\\xba\\xc3");  // 你好 in GBK
  EXPECT_EQ(escape_for_terminal("\xE4\xB8"), "\\xe4\\xb8");                    // a truncated 中
  EXPECT_EQ(escape_for_terminal("\xC0\xAF"), "\\xc0\\xaf");                    // an overlong '/'
  EXPECT_EQ(escape_for_terminal("\xED\xA0\x80"), "\\xed\\xa0\\x80");           // a surrogate
}

TEST(EscapeForTerminal, EscapesCharacterByCharacter) {
  // What diagnostics rely on to line up the caret: cut anywhere between
  // characters, the escapes of the parts make the escape of the whole.
  const std::string text = "村\x1b[2J\xE2\x80\xAE\xff\xE4\xB8x\t";
  for (std::size_t cut = 0; cut <= utf8_length(text); ++cut) {
    const std::size_t at = utf8_offset(text, cut);
    EXPECT_EQ(escape_for_terminal(text.substr(0, at)) + escape_for_terminal(text.substr(at)), escape_for_terminal(text))
        << cut;
  }
}

TEST(CsvText, FormulaLeadingCellsAreNeutralised) {
  for (const std::string cell : {"=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "+cmd|' /C calc'!A0", "-1+2",
                                 "\tx", "\rx", "-", "+", "--5", "-1-"})
    EXPECT_TRUE(reads_as_formula(cell)) << cell;
  std::string out;
  append_csv_text(out, "=1+2");
  EXPECT_EQ(out, "'=1+2");
  out.clear();
  append_csv_text(out, "=A1,B1");  // quoted too: the comma
  EXPECT_EQ(out, "\"'=A1,B1\"");
  out.clear();
  append_csv_text(out, "\r=1");  // quoted for the CR, after the '
  EXPECT_EQ(out, "\"'\r=1\"");
}

TEST(CsvText, NumbersAndOrdinaryTextAreWrittenAsTheyAre) {
  for (const std::string cell : {"-12.50", "+5", "-0", "12", "", "a=b", "会昌县", " =x", "360733-0000001"}) {
    EXPECT_FALSE(reads_as_formula(cell)) << cell;
    std::string out, plain;
    append_csv_text(out, cell);
    append_csv_field(plain, cell);
    EXPECT_EQ(out, plain) << cell;
  }
}

TEST(CsvText, BoundCoversTheWorstCase) {
  for (const std::string& cell : {std::string("=\"\"\"\""), std::string("-\"\n"), std::string("@")}) {
    std::string out(csv_text_bound(cell), '\0');
    const std::size_t written = static_cast<std::size_t>(write_csv_text(out.data(), cell) - out.data());
    EXPECT_LE(written, csv_text_bound(cell)) << cell;
  }
}

}  // namespace
}  // namespace precept
