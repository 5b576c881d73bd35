// Registers for the reading tests: bytes as a pipe-like stream or a regular
// file, run through run_csv, and a CSV register saved as an .xlsx workbook by
// libxlsxwriter (a real spreadsheet writer), its numbers as numbers.
#pragma once

#include "csv.hpp"
#include "files.hpp"
#include "run_capture.hpp"

#include <precept/run.hpp>

#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace precept::testing {

// `bytes` as a register stream: from memory (read as a pipe is) or a regular file.
inline std::FILE* open_input(const std::string& bytes, bool regular_file) {
  if (!regular_file) return ::fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  std::FILE* in = std::tmpfile();
  std::fwrite(bytes.data(), 1, bytes.size(), in);
  std::rewind(in);
  return in;
}

// Runs `policy` over `input` bytes, from a pipe-like stream or from a regular file.
inline CapturedRun run_over(const Policy& policy, const std::string& input, bool regular_file,
                            const RunOptions& options = {}) {
  std::FILE* in = open_input(input, regular_file);
  CapturedRun outcome = run_captured(policy, in, options);
  if (in) std::fclose(in);
  return outcome;
}

// The CSV register `csv_text` as a workbook made by libxlsxwriter: a cell that
// reads as a number (not an id with a leading zero) as a number, the rest as
// text, an empty cell left out, as a spreadsheet keeps them.
inline std::string xlsx_of_csv(const std::string& csv_text, const char* sheet_name = "登记表") {
  char path[] = "/tmp/precept-test-XXXXXX.xlsx";
  const int fd = ::mkstemps(path, 5);
  ::close(fd);
  lxw_workbook* workbook = workbook_new(path);
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, sheet_name);
  CsvReader reader(csv_text);
  CsvRecord record;
  lxw_row_t row = 0;
  while (reader.next(record)) {
    for (std::size_t c = 0; c < record.fields.size(); ++c) {
      const std::string cell(record.fields[c]);
      char* end = nullptr;
      const double value = std::strtod(cell.c_str(), &end);
      const bool number = row > 0 && !cell.empty() && *end == '\0' && cell[0] != '0' && cell.find(',') == std::string::npos;
      if (number) worksheet_write_number(sheet, row, static_cast<lxw_col_t>(c), value, nullptr);
      else if (!cell.empty()) worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c), cell.c_str(), nullptr);
    }
    ++row;
  }
  EXPECT_EQ(workbook_close(workbook), LXW_NO_ERROR);
  std::string bytes = read_file(path);
  ::unlink(path);
  return bytes;
}

}  // namespace precept::testing
