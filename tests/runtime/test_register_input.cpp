// Registers as spreadsheets save them (runtime/encoding_input, xlsx_reader,
// xlsx_writer): GB18030/GBK and UTF-16 CSV converted as they stream, .xlsx
// workbooks read sheet row by sheet row into the CSV records a CSV export
// holds, and hostile workbooks refused with where, never a crash. The
// workbooks here are made by real writers: libxlsxwriter in this file, and
// openpyxl for the checked-in examples/data/xijiang_sample.xlsx.
#include "encoding_input.hpp"
#include "files.hpp"
#include "register_test_support.hpp"
#include "run_capture.hpp"
#include "xlsx_reader.hpp"

#include <precept/explain.hpp>
#include <precept/policy.hpp>
#include <precept/run.hpp>

#include <gtest/gtest.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <iconv.h>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace precept {
namespace {

using testing::read_file;

std::string convert(const std::string& text, const char* to) {
  iconv_t cd = iconv_open(to, "UTF-8");
  std::string out(text.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size(), out_left = out.size();
  char* at = out.data();
  EXPECT_NE(iconv(cd, &in, &in_left, &at, &out_left), static_cast<std::size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

using Outcome = precept::testing::CapturedRun;
using testing::open_input;
using testing::run_over;

const Policy& xijiang() {
  static const CompileResult compiled = open_policy("policies/xijiang_2015.pol");
  EXPECT_TRUE(compiled.ok());
  return *compiled.policy;
}

// --- encodings -----------------------------------------------------------------

TEST(Encoding, GuessesFromTheRegistersStart) {
  EXPECT_EQ(guess_encoding("户编号,县\n1,会昌县\n", true).encoding, RegisterEncoding::Utf8);
  EXPECT_EQ(guess_encoding(convert("户编号,县\n1,会昌县\n", "GBK"), true).encoding, RegisterEncoding::Gb18030);
  const EncodingGuess utf16 = guess_encoding("\xFF\xFE" + convert("户,县\n", "UTF-16LE"), true);
  EXPECT_EQ(utf16.encoding, RegisterEncoding::Utf16);
  EXPECT_FALSE(utf16.utf16_big_endian);
  EXPECT_TRUE(guess_encoding("\xFE\xFF" + convert("户\n", "UTF-16BE"), true).utf16_big_endian);
  // UTF-8 with a stray byte is read as ever; GB18030 it is not (0xFF never is).
  EXPECT_EQ(guess_encoding("户编号,县,村\n1,会昌县,西\xFF村\n", true).encoding, RegisterEncoding::Utf8);
  // A character cut off by the prefix's end is forgiven, not at the end of the whole.
  EXPECT_EQ(guess_encoding(std::string("id\n") + "\xE4\xB8", false).encoding, RegisterEncoding::Utf8);
}

TEST(Encoding, RefusesARegisterNoEncodingFitsWithTheFirstBadBytesLine) {
  const EncodingGuess guess = guess_encoding("id,name\n1,ok\n2,\x80\x80\xFF\xFF\n", true);
  ASSERT_TRUE(guess.unreadable);
  EXPECT_NE(guess.problem.find("line 3 has the byte 0x80"), std::string::npos) << guess.problem;
  const Outcome outcome = run_over(xijiang(), "household_id\n\x80\x80\xFF\xFF\n", false);
  EXPECT_NE(outcome.report.fatal_error.find("line 2 has the byte 0x80"), std::string::npos)
      << outcome.report.fatal_error;
}

std::string read_decoded(const std::string& bytes, bool regular_file, RegisterEncoding encoding, std::string& failure) {
  std::FILE* in = open_input(bytes, regular_file);
  std::string text;
  {
    DecodedInput decoded;
    EXPECT_EQ(decoded.open(in, encoding), "");
    char block[4096];
    for (std::size_t got; (got = std::fread(block, 1, sizeof block, decoded.stream())) > 0;) text.append(block, got);
    failure = decoded.failure();
  }
  std::fclose(in);
  return text;
}

// Registers are converted in blocks; characters of 2 and 4 bytes that
// straddle every block boundary (the odd lead byte shifts them) come out whole.
TEST(Encoding, ConvertsGb18030CharactersSplitAcrossBlocks) {
  std::string gb = "a", utf8 = "a";
  // 中 (2 bytes), 𠀀 (4 bytes), a line end: 7 bytes, so cuts fall at every offset.
  while (gb.size() < (std::size_t{3} << 20)) {
    gb += "\xD6\xD0\x95\x32\x82\x36\n";
    utf8 += "\xE4\xB8\xAD\xF0\xA0\x80\x80\n";
  }
  for (const bool regular : {false, true}) {
    std::string failure;
    EXPECT_EQ(read_decoded(gb, regular, RegisterEncoding::Detect, failure), utf8);
    EXPECT_EQ(failure, "");
  }
}

TEST(Encoding, ABadByteFarIntoARegisterStopsItWithItsLine) {
  std::string gb;
  std::uint64_t lines = 0;
  while (gb.size() < (std::size_t{200} << 10)) {
    gb += "\xD6\xD0,1\n";
    ++lines;
  }
  gb += "\xD6\xD0,\x80\n";
  std::string failure;
  read_decoded(gb, false, RegisterEncoding::Detect, failure);
  EXPECT_NE(failure.find("line " + std::to_string(lines + 1) + " has the byte 0x80, which is not GB18030"),
            std::string::npos)
      << failure;
}

TEST(Encoding, ResultsOnAGbkOrUtf16CopyAreTheUtf8Ones) {
  const std::string utf8 = read_file("examples/data/xijiang_sample.csv");
  const Outcome expected = run_over(xijiang(), utf8, true);
  ASSERT_TRUE(expected.report.ok());
  for (const bool regular : {false, true}) {
    for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"GBK", convert(utf8, "GBK")},
                                      {"UTF-16", "\xFF\xFE" + convert(utf8, "UTF-16LE")}}) {
      SCOPED_TRACE(name);
      RunOptions options;
      options.threads = 2;
      const Outcome outcome = run_over(xijiang(), bytes, regular, options);
      ASSERT_TRUE(outcome.report.ok()) << outcome.report.fatal_error;
      EXPECT_EQ(outcome.results, expected.results);
      EXPECT_EQ(outcome.rejects, expected.rejects);
      EXPECT_EQ(outcome.report.rows_read, outcome.report.results + outcome.report.rejected);
      ASSERT_FALSE(outcome.report.notes.empty());
      EXPECT_NE(outcome.report.notes.front().find("converted to UTF-8"), std::string::npos);
    }
  }
  // A forced encoding is taken as said: GBK read as UTF-8 keeps its bytes, as ever.
  RunOptions utf8_forced;
  utf8_forced.encoding = RegisterEncoding::Utf8;
  const Outcome forced = run_over(xijiang(), convert(utf8, "GBK"), true, utf8_forced);
  ASSERT_TRUE(forced.report.ok());
  EXPECT_TRUE(forced.report.notes.empty());
  // And UTF-8 forced to be read as UTF-16 is not the register it was.
  RunOptions utf16_forced;
  utf16_forced.encoding = RegisterEncoding::Utf16;
  EXPECT_NE(run_over(xijiang(), utf8, true, utf16_forced).report.fatal_error.find("the register has no column"),
            std::string::npos);
}

// --- .xlsx cells ----------------------------------------------------------------

TEST(XlsxCells, NumbersAreTheShortestDecimalThatReadsBackTheSame) {
  EXPECT_EQ(number_cell_text(3000.5), "3000.5");
  EXPECT_EQ(number_cell_text(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(number_cell_text(1001), "1001");
  EXPECT_EQ(number_cell_text(13800001111.0), "13800001111");
  EXPECT_EQ(number_cell_text(1e21), "1000000000000000000000");
  EXPECT_EQ(number_cell_text(0.000001), "0.000001");
  EXPECT_EQ(number_cell_text(-0.0), "0");
}

TEST(XlsxCells, DateSerialsInBothDateSystems) {
  std::string problem;
  EXPECT_EQ(serial_date_text(1, false, problem), "1900-01-01");
  EXPECT_EQ(serial_date_text(59, false, problem), "1900-02-28");
  EXPECT_EQ(serial_date_text(61, false, problem), "1900-03-01");
  EXPECT_EQ(serial_date_text(45292, false, problem), "2024-01-01");
  EXPECT_EQ(serial_date_text(0, true, problem), "1904-01-01");
  EXPECT_EQ(serial_date_text(43830, true, problem), "2024-01-01");
  EXPECT_EQ(problem, "");
  EXPECT_EQ(serial_date_text(60, false, problem), "");
  EXPECT_NE(problem.find("1900-02-29"), std::string::npos);
  problem.clear();
  EXPECT_EQ(serial_date_text(45292.5, false, problem), "");
  EXPECT_NE(problem.find("time of day"), std::string::npos);
  EXPECT_EQ(cell_name(3, 7), "C7");
  EXPECT_EQ(cell_name(28, 1), "AB1");
}

// --- .xlsx registers ------------------------------------------------------------

// The sample register as a workbook made by libxlsxwriter, its numbers as numbers.
std::string sample_workbook_by_libxlsxwriter() {
  return testing::xlsx_of_csv(read_file("examples/data/xijiang_sample.csv"));
}

TEST(XlsxRegister, ResultsOnAWorkbookAreTheCsvOnes) {
  const Outcome expected = run_over(xijiang(), read_file("examples/data/xijiang_sample.csv"), true);
  for (const auto& [writer, bytes] :
       {std::pair<std::string, std::string>{"libxlsxwriter", sample_workbook_by_libxlsxwriter()},
        {"openpyxl", read_file("examples/data/xijiang_sample.xlsx")}}) {
    SCOPED_TRACE(writer);
    for (const bool regular : {false, true}) {
      RunOptions options;
      options.threads = 2;
      const Outcome outcome = run_over(xijiang(), bytes, regular, options);
      ASSERT_TRUE(outcome.report.ok()) << outcome.report.fatal_error;
      EXPECT_EQ(outcome.results, expected.results);
      EXPECT_EQ(outcome.report.rows_read, outcome.report.results + outcome.report.rejected);
    }
  }
}

// `explain` reads a register as `run` does: the same household, the same words.
TEST(XlsxRegister, ExplainReadsWorkbooksAndOtherEncodingsToo) {
  const auto explained = [](const std::string& bytes) {
    std::FILE* in = open_input(bytes, false);
    std::string json;
    const std::string problem = explain_csv(xijiang(), in, "", [&](const Explanation& e) {
      if (e.id != "360733-0000002") return true;
      json = e.json();
      return false;
    });
    std::fclose(in);
    EXPECT_EQ(problem, "");
    return json;
  };
  const std::string csv_text = read_file("examples/data/xijiang_sample.csv");
  const std::string expected = explained(csv_text);
  ASSERT_NE(expected, "");
  EXPECT_EQ(explained(read_file("examples/data/xijiang_sample.xlsx")), expected);
  EXPECT_EQ(explained(convert(csv_text, "GBK")), expected);
}

// A workbook put together part by part, as a hostile or damaged one may be.
std::string package(const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(target);
  zip_t* archive = zip_open_from_source(target, ZIP_TRUNCATE, &error);
  for (const auto& [name, text] : parts) {
    zip_source_t* part = zip_source_buffer(archive, text.data(), text.size(), 0);
    zip_file_add(archive, name.c_str(), part, ZIP_FL_OVERWRITE);
  }
  zip_close(archive);
  zip_source_open(target);
  zip_source_seek(target, 0, SEEK_END);
  const zip_int64_t size = zip_source_tell(target);
  zip_source_seek(target, 0, SEEK_SET);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  zip_source_read(target, bytes.data(), static_cast<zip_uint64_t>(size));
  zip_source_close(target);
  zip_source_free(target);
  return bytes;
}

constexpr const char* kWorkbook =
    R"(<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" )"
    R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)"
    R"(<sheet name="户" sheetId="1" r:id="rId1"/></sheets></workbook>)";
constexpr const char* kRels =
    R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
    R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" )"
    R"(Target="worksheets/sheet1.xml"/></Relationships>)";

std::string sheet_xml(const std::string& rows, const std::string& before = "") {
  return before + R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)" + rows +
         "</sheetData></worksheet>";
}

const Policy& small_policy() {
  static const CompileResult compiled = compile(R"(policy "cells" year 2015
record r {
  id: text
  income: money
  member: bool
}
output id, income, member
)",
                                                "cells.pol");
  EXPECT_TRUE(compiled.ok()) << render(compiled.diagnostics);
  return *compiled.policy;
}

std::string small_workbook(const std::string& rows, const std::string& before = "") {
  return package({{"xl/workbook.xml", kWorkbook},
                  {"xl/_rels/workbook.xml.rels", kRels},
                  {"xl/worksheets/sheet1.xml", sheet_xml(rows, before)}});
}

constexpr const char* kHeaderRow =
    R"(<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>income</t></is></c>)"
    R"(<c r="C1" t="inlineStr"><is><t>member</t></is></c></row>)";

TEST(XlsxRegister, CellsBecomeTheTextACsvWouldHoldAndRejectsNameTheCell) {
  const std::string rows = std::string(kHeaderRow) +
                           R"(<row r="2"><c r="A2" t="inlineStr"><is><t>h1</t></is></c><c r="B2"><v>3000.5</v></c><c r="C2" t="b"><v>1</v></c></row>)"
                           R"(<row r="3"><c r="A3" t="inlineStr"><is><t>h2</t></is></c><c r="B3"><v>0.30000000000000004</v></c><c r="C3" t="b"><v>0</v></c></row>)"
                           R"(<row r="5"><c r="A5" t="inlineStr"><is><t>h3</t></is></c><c r="B5" t="e"><v>#N/A</v></c><c r="C5" t="b"><v>0</v></c></row>)"
                           R"(<row r="6"><c r="A6" t="inlineStr"><is><t>=h4</t></is></c><c r="B6"><v>-12</v></c><c r="C6"><v>1</v></c></row>)"
                           R"(<row r="7"><c r="B7" t="inlineStr"><is><t></t></is></c></row>)"
                           R"(<row r="8"><c r="A8" t="inlineStr"><is><t>h5</t></is></c><c r="B8"><f>B2*2</f></c><c r="C8"><v>1</v></c></row>)";
  const Outcome outcome = run_over(small_policy(), small_workbook(rows), false);
  ASSERT_TRUE(outcome.report.ok()) << outcome.report.fatal_error;
  EXPECT_EQ(outcome.results, "id,income,member\nh1,3000.50,true\n'=h4,-12.00,true\n");
  EXPECT_EQ(outcome.rejects,
            "line,column,reason\n"
            "3,income,\"`income` must be an amount in yuan with at most 2 decimals, found `0.30000000000000004`\"\n"
            "5,,\"column `income` (cell B5) holds the spreadsheet error `#N/A`, not a value: correct the cell (or its "
            "formula) in the sheet\"\n"
            "8,,\"column `income` (cell B8) holds a formula whose value was never calculated: open the workbook in "
            "Excel or WPS and save it again, so that its values are saved with it\"\n");
  // Row 4 and the empty row 7 are not households; the others are all accounted for.
  EXPECT_EQ(outcome.report.rows_read, 5u);
  EXPECT_EQ(outcome.report.rows_read, outcome.report.results + outcome.report.rejected);
}

TEST(XlsxRegister, HostileOrDamagedWorkbooksAreRefusedWithWhere) {
  const auto refusal = [](const std::string& bytes) { return run_over(small_policy(), bytes, false).report.fatal_error; };
  // An entity declared in a DTD (the billion laughs) is never expanded.
  const std::string laughs = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>)";
  EXPECT_NE(refusal(small_workbook(std::string(kHeaderRow) + "<row r=\"2\"><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row>", laughs))
                .find("DTD"),
            std::string::npos);
  // A missing part.
  EXPECT_NE(refusal(package({{"xl/workbook.xml", kWorkbook}})).find("has no part `xl/_rels/workbook.xml.rels`"),
            std::string::npos);
  // Cells out of order: named, with the line of the sheet's XML.
  const std::string swapped = std::string(kHeaderRow) +
                              R"(<row r="2"><c r="C2"><v>1</v></c><c r="A2"><v>1</v></c></row>)";
  EXPECT_NE(refusal(small_workbook(swapped)).find("cell A2 comes after C2"), std::string::npos) << refusal(small_workbook(swapped));
  // A row past the last column a sheet has.
  EXPECT_NE(refusal(small_workbook(std::string(kHeaderRow) + R"(<row r="2"><c r="XFE2"><v>1</v></c></row>)"))
                .find("past column XFD"),
            std::string::npos);
  // A zip bomb: a part that inflates thousands of times over.
  const std::string bomb = sheet_xml(std::string(kHeaderRow) + std::string(std::size_t{64} << 20, ' '));
  EXPECT_NE(refusal(package({{"xl/workbook.xml", kWorkbook}, {"xl/_rels/workbook.xml.rels", kRels},
                             {"xl/worksheets/sheet1.xml", bomb}}))
                .find("zip bomb"),
            std::string::npos);
  // Not a workbook at all, only a zip's first bytes.
  EXPECT_NE(refusal(std::string("PK\x03\x04", 4) + "garbage").find("cannot be opened"), std::string::npos);
  // A title row above the header: the header is the first row with a value, and named by its row.
  const std::string titled = std::string(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>西江镇登记表</t></is></c></row>)") +
                             R"(<row r="3"><c r="A3" t="inlineStr"><is><t>id</t></is></c></row>)";
  EXPECT_NE(refusal(small_workbook(titled)).find("the register has no column `id`"), std::string::npos);
  const std::string header_below = R"(<row r="3"><c r="A3" t="inlineStr"><is><t>id</t></is></c></row>)";
  EXPECT_NE(refusal(small_workbook(header_below)).find("(header on line 3)"), std::string::npos)
      << refusal(small_workbook(header_below));
  // A sheet that is not there.
  RunOptions options;
  options.sheet = "村";
  EXPECT_NE(run_over(small_policy(), small_workbook(kHeaderRow), false, options).report.fatal_error.find(
                "no sheet `村` (its sheets: `户`)"),
            std::string::npos);
}

}  // namespace
}  // namespace precept
