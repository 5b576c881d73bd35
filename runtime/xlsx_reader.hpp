// A register saved as an Excel or WPS workbook (.xlsx), read sheet row by
// sheet row into the CSV records a CSV export of it would hold, so that `run`
// reads it by the one register reader (register_reader.hpp): every row rule,
// reject and message is the CSV one, and line numbers are sheet row numbers.
//
// Why libzip and expat (Debian's): libzip opens the package from memory and
// says each part's sizes before a byte is inflated (a zip bomb is refused
// from them, and the bytes are counted as they come); expat parses as the
// bytes come, so a sheet of millions of rows is never held whole (pugixml
// would build it as a tree), and its handlers refuse any DTD, so no entity is
// ever declared, let alone expanded.
//
// Cells become text as a CSV export would hold them, but exactly: a number is
// the shortest decimal that reads back as the same double (3000.5, never
// 3000.4999999), so the money rules then take it or reject it, never round
// it; a date field's serial number is its day (1900 system with its
// 1900-02-29, or the 1904 system, as workbook.xml says); a boolean is 1 or 0
// for a bool field; an error cell (#N/A) rejects its row, naming the cell.
// A row with no value at all is skipped, as a blank row of a sheet is not a
// household; the header is the first row with a value.
#pragma once

#include <precept/language.hpp>

#include "csv.hpp"
#include "program.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// The largest workbook read, and the most its parts may inflate to: far
// above any register, far below what a zip bomb would take.
inline constexpr std::size_t kMaxWorkbookBytes = std::size_t{1} << 30;
inline constexpr std::uint64_t kMaxSheetXmlBytes = std::uint64_t{16} << 30;
inline constexpr std::uint64_t kMaxPartXmlBytes = std::uint64_t{512} << 20;
// A part inflating more than this many times its packed size (beyond a few
// MiB) is a zip bomb, not a spreadsheet (sheets inflate 5-50 times).
inline constexpr std::uint64_t kMaxInflateRatio = 1000;
inline constexpr std::size_t kMaxSharedStrings = std::size_t{1} << 24;

// "C7" for column 3 (1-based), row 7.
std::string cell_name(std::uint32_t column, std::uint64_t row);

// The text of a sheet's number cell as a CSV would hold it: the shortest
// decimal that reads back as the same double, never in exponent form.
std::string number_cell_text(double value);
// The day of a date serial number, "YYYY-MM-DD"; "" with `problem` when it is
// not a whole day the date system has (1900-02-29, a time of day, before 1900).
std::string serial_date_text(double serial, bool date1904, std::string& problem);

class XlsxRegister {
 public:
  XlsxRegister();
  ~XlsxRegister();
  XlsxRegister(const XlsxRegister&) = delete;
  XlsxRegister& operator=(const XlsxRegister&) = delete;

  // Opens the workbook in `bytes` (kept, not copied: it must outlive this)
  // at `sheet` ("": the first), reading its cells for `program`'s fields; ""
  // or why it cannot be used.
  std::string open(std::string_view bytes, const std::string& sheet, const Program& program);
  // The header's names: the first row with a value. "" or why not.
  std::string read_header(std::vector<std::string>& names);
  // The sheet row the header was read from.
  std::uint64_t header_row() const;
  // The next records as CsvReader::next_chunk gives them (whole CSV records,
  // numbered from the sheet row of the first); a row with an error cell comes
  // alone, `skipped`, its problem naming the cell. False at the end, or when
  // the sheet cannot be read on (failure()).
  bool next_chunk(CsvChunk& chunk, std::size_t max_records, std::size_t max_bytes);
  // How far the reading is, in bytes of the workbook (for progress): its
  // size times the share of the sheet's XML read so far.
  std::uint64_t bytes_read() const;
  // "" or why the sheet could not be read to its end (with where).
  const std::string& failure() const;
  // The note a run gives: which sheet of how many was read.
  std::string note(Language language = Language::English) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace precept
