#include "xlsx_writer.hpp"

#include "csv.hpp"
#include "format.hpp"
#include "numeric.hpp"

#include <fmt/format.h>
#include <xlsxwriter.h>

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <memory>

namespace precept {

namespace {

// The most rows a sheet holds (Excel's limit); a longer table goes on over
// further sheets, each with the header again.
constexpr std::uint32_t kMaxSheetRows = 1048576;

bool number_of(std::string_view text, double& value) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// A text cell the CSV guarded with a leading `'`: the text itself.
std::string_view unguarded(std::string_view text) {
  if (text.size() > 1 && text[0] == '\'' && reads_as_formula(text.substr(1))) return text.substr(1);
  return text;
}

struct TemporaryFile {
  std::string path;
  ~TemporaryFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

std::vector<CellKind> result_cell_kinds(const Program& program) {
  std::vector<CellKind> kinds;
  for (const OutputDef& out : program.outputs) {
    switch (out.type.kind) {
      case Kind::Int: kinds.push_back(CellKind::Integer); break;
      case Kind::Money: kinds.push_back(CellKind::Money); break;
      case Kind::Decimal: kinds.push_back(CellKind::Decimal); break;
      case Kind::Date: kinds.push_back(CellKind::Date); break;
      case Kind::Bool: kinds.push_back(CellKind::Boolean); break;
      default: kinds.push_back(CellKind::Text); break;
    }
  }
  return kinds;
}

std::string write_xlsx_table(std::FILE* csv, const std::vector<CellKind>& kinds, const std::string& sheet_name,
                             std::FILE* out) {
  // libxlsxwriter writes to a path: a temporary file, copied to `out` after.
  const char* tmpdir = std::getenv("TMPDIR");
  TemporaryFile file{std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/precept-xlsx-XXXXXX"};
  const int fd = ::mkstemp(file.path.data());
  if (fd < 0) {
    file.path.clear();
    return "could not make a temporary file for the workbook";
  }
  ::close(fd);
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows go to disk as written: memory stays flat
  options.use_zip64 = LXW_TRUE;
  lxw_workbook* workbook = workbook_new_opt(file.path.c_str(), &options);
  if (!workbook) return "could not start the workbook";
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  lxw_format* money = workbook_add_format(workbook);
  format_set_num_format(money, "0.00");
  lxw_format* decimal = workbook_add_format(workbook);
  format_set_num_format(decimal, "0.000000");
  lxw_format* date = workbook_add_format(workbook);
  format_set_num_format(date, "yyyy-mm-dd");

  CsvReader reader(csv);
  CsvRecord record;
  std::vector<std::string> header;
  lxw_worksheet* sheet = nullptr;
  std::uint32_t row = 0, sheets = 0;
  const auto start_sheet = [&] {
    ++sheets;
    const std::string name = sheets == 1 ? sheet_name : fmt::format("{} {}", sheet_name, sheets);
    sheet = workbook_add_worksheet(workbook, name.c_str());
    for (std::size_t c = 0; c < header.size(); ++c)
      worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), header[c].c_str(), bold);
    worksheet_freeze_panes(sheet, 1, 0);
    row = 1;
  };
  std::string text;
  while (reader.next(record)) {
    if (sheet == nullptr) {
      header.assign(record.fields.begin(), record.fields.end());
      start_sheet();
      continue;
    }
    if (row == kMaxSheetRows) start_sheet();
    for (std::size_t c = 0; c < record.fields.size(); ++c) {
      const std::string_view cell = record.fields[c];
      if (cell.empty()) continue;
      const auto column = static_cast<lxw_col_t>(c);
      const CellKind kind = c < kinds.size() ? kinds[c] : CellKind::Number;
      double value = 0;
      std::int64_t day = 0;
      if (kind == CellKind::Boolean && (cell == "true" || cell == "false")) {
        worksheet_write_boolean(sheet, row, column, cell == "true", nullptr);
      } else if (kind == CellKind::Date && parse_date(cell, day)) {
        lxw_datetime when{};
        std::from_chars(cell.data(), cell.data() + 4, when.year);
        std::from_chars(cell.data() + 5, cell.data() + 7, when.month);
        std::from_chars(cell.data() + 8, cell.data() + 10, when.day);
        worksheet_write_datetime(sheet, row, column, &when, date);
      } else if (kind != CellKind::Text && number_of(cell, value)) {
        // A column of no declared kind shows a number with the decimals it has.
        const std::size_t point = cell.find('.');
        const std::size_t decimals = point == std::string_view::npos ? 0 : cell.size() - point - 1;
        const bool as_money = kind == CellKind::Money || (kind == CellKind::Number && decimals == 2);
        const bool as_decimal = kind == CellKind::Decimal || (kind == CellKind::Number && decimals == 6);
        worksheet_write_number(sheet, row, column, value, as_money ? money : as_decimal ? decimal : nullptr);
      } else {
        text.assign(unguarded(cell));
        worksheet_write_string(sheet, row, column, text.c_str(), nullptr);
      }
    }
    ++row;
  }
  if (sheet == nullptr) start_sheet();  // an empty table still opens
  if (reader.io_error()) {
    workbook_close(workbook);
    return "could not read the table back to write the workbook";
  }
  if (const lxw_error error = workbook_close(workbook); error != LXW_NO_ERROR)
    return fmt::format("writing the workbook failed: {}", lxw_strerror(error));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> written(std::fopen(file.path.c_str(), "rb"), &std::fclose);
  if (!written) return "could not read the workbook written";
  char block[1 << 16];
  for (std::size_t got; (got = std::fread(block, 1, sizeof block, written.get())) > 0;)
    if (std::fwrite(block, 1, got, out) != got) return "writing the workbook failed";
  return std::ferror(written.get()) ? "could not read the workbook written" : "";
}

std::string write_run_table_xlsx(const Policy& policy, RunTable table, std::FILE* csv, std::FILE* out,
                                 const Summary* summary) {
  switch (table) {
    case RunTable::Results: return write_xlsx_table(csv, result_cell_kinds(program_of(policy)), "results", out);
    case RunTable::Rejects:
      return write_xlsx_table(csv, {CellKind::Integer, CellKind::Text, CellKind::Text}, "rejects", out);
    case RunTable::Summary: {
      // The group's keys are text (a village code `0012` stays as it is); the rest are counts and amounts.
      const std::vector<CellKind> keys(summary ? summary->key_names.size() : 0, CellKind::Text);
      return write_xlsx_table(csv, keys, "summary", out);
    }
  }
  return {};
}

}  // namespace precept
