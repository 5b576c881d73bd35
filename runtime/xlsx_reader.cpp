#include "xlsx_reader.hpp"
#include "messages.hpp"

#include <expat.h>
#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <optional>

namespace precept {

namespace {

// An element's or attribute's name without its prefix (`x:row`, `r:id`):
// parts are told apart by local names, so the parser need not resolve
// namespaces, which took half its time.
std::string_view local_name(const XML_Char* name) {
  const std::string_view full(name);
  const std::size_t colon = full.rfind(':');
  return colon == std::string_view::npos ? full : full.substr(colon + 1);
}

const XML_Char* attribute(const XML_Char** attributes, std::string_view name) {
  for (const XML_Char** a = attributes; *a; a += 2)
    if (local_name(a[0]) == name) return a[1];
  return nullptr;
}

// OOXML writes a character XML cannot hold (a control) as `_xHHHH_`, and a
// literal `_x` that looks like one as `_x005F_x...`.
std::string decode_escapes(std::string text) {
  if (text.find("_x") == std::string::npos) return text;
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    unsigned code = 0;
    if (i + 7 <= text.size() && text.compare(i, 2, "_x") == 0 && text[i + 6] == '_' &&
        std::from_chars(text.data() + i + 2, text.data() + i + 6, code, 16).ptr == text.data() + i + 6) {
      if (code < 0x80) out.push_back(static_cast<char>(code));
      else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
      i += 7;
      continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

// "ABC12" → column 731, row 12; false when it is not a cell reference.
bool parse_cell_ref(std::string_view ref, std::uint32_t& column, std::uint64_t& row) {
  std::size_t i = 0;
  column = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && i < 3) column = column * 26 + static_cast<std::uint32_t>(ref[i++] - 'A' + 1);
  if (column == 0 || i == ref.size()) return false;
  const auto [end, error] = std::from_chars(ref.data() + i, ref.data() + ref.size(), row);
  return error == std::errc() && end == ref.data() + ref.size() && row > 0;
}

// One cell as the sheet holds it.
struct Cell {
  std::uint32_t column = 0;  // 1-based
  char type = 'n';           // n, s (shared), i (inline), f (formula string), b, e, d; u: a formula never calculated
  bool formula = false;
  std::string text;
};

struct Row {
  std::uint64_t number = 0;
  std::vector<Cell> cells;
};

}  // namespace

std::string cell_name(std::uint32_t column, std::uint64_t row) {
  std::string letters;
  for (std::uint32_t c = column; c > 0; c = (c - 1) / 26) letters.insert(letters.begin(), static_cast<char>('A' + (c - 1) % 26));
  return letters + std::to_string(row);
}

std::string number_cell_text(double value) {
  char text[400];
  const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  std::string out(text, result.ptr);
  if (out == "-0") out = "0";
  return out;
}

std::string serial_date_text(double serial, bool date1904, std::string& problem) {
  if (!std::isfinite(serial) || serial != std::floor(serial)) {
    problem = "holds a time of day, not a date";
    return {};
  }
  if (serial < (date1904 ? 0 : 1) || serial > 2958465) {  // 9999-12-31 (1900 system)
    problem = "holds a date number outside the calendar";
    return {};
  }
  auto days = static_cast<std::int64_t>(serial);
  if (!date1904) {
    // Excel counts 1900 as a leap year (as Lotus 1-2-3 did): serial 60 is the
    // 29 February 1900 that never was; from 61 on, days count from 1899-12-30.
    if (days == 60) {
      problem = "holds 1900-02-29, a day that never was (a spreadsheet's 1900 date system counts it)";
      return {};
    }
    if (days < 60) days += 1;
  }
  // Days since 1970-01-01 of the system's day 0 (1899-12-30, or 1904-01-01).
  std::int64_t z = days + (date1904 ? -24107 : -25569);
  // Howard Hinnant's civil_from_days.
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04}-{:02}-{:02}", y + (m <= 2), m, d);
}

struct XlsxRegister::Impl {
  zip_t* archive = nullptr;
  const Program* program = nullptr;
  std::vector<std::string> shared;
  bool date1904 = false;
  std::string sheet_name, sheet_part;
  std::size_t sheet_count = 0;

  // The sheet, parsed as its bytes come.
  zip_file_t* sheet_file = nullptr;
  XML_Parser parser = nullptr;
  std::uint64_t sheet_bytes = 0, sheet_size = 0;
  std::uint64_t workbook_size = 0;
  bool sheet_done = false;
  std::string failure;
  std::deque<Row> rows;  // rows parsed, not yet handed out
  // Parser state.
  bool in_sheet_data = false, in_value = false, in_inline = false, in_phonetic = false, in_text = false;
  std::optional<Row> open_row;    // the row being parsed
  std::optional<Cell> open_cell;  // the cell being parsed
  std::uint64_t last_row = 0;
  // The columns: the header's width and each column's field kind.
  std::vector<std::optional<Kind>> column_kinds;
  std::vector<std::string> header;
  bool header_read = false;
  std::uint64_t header_row = 1;
  std::uint64_t next_line = 0;  // the sheet row that would continue the chunk

  ~Impl() {
    if (parser) XML_ParserFree(parser);
    if (sheet_file) zip_fclose(sheet_file);
    if (archive) zip_discard(archive);
  }

  // The part's index, with its inflated size checked against `limit` and
  // the bomb ratio; nullopt with `problem` when it is missing or refused.
  std::optional<zip_uint64_t> locate(const std::string& part, std::uint64_t limit, std::string& problem) {
    const zip_int64_t index = zip_name_locate(archive, part.c_str(), 0);
    if (index < 0) {
      problem = fmt::format("the workbook has no part `{}`, which every .xlsx has: it is damaged, or not an Excel "
                            "workbook; open and save it again in Excel or WPS",
                            part);
      return std::nullopt;
    }
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(index), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE) ||
        !(stat.valid & ZIP_STAT_COMP_SIZE)) {
      problem = fmt::format("the workbook's part `{}` cannot be read: the file is damaged", part);
      return std::nullopt;
    }
    const bool bomb = stat.size > (std::uint64_t{8} << 20) && stat.size / std::max<zip_uint64_t>(1, stat.comp_size) > kMaxInflateRatio;
    if (stat.size > limit || bomb) {
      problem = fmt::format("the workbook's part `{}` would inflate to {} MiB from {} KiB, which no register does: "
                            "the file is not a spreadsheet Precept reads (a zip bomb?)",
                            part, stat.size >> 20, stat.comp_size >> 10);
      return std::nullopt;
    }
    return static_cast<zip_uint64_t>(index);
  }

  // Parses a whole small part with `parser`, its bytes counted against its
  // stated size; "" or why not.
  std::string parse_part(const std::string& part, XML_Parser xml) {
    std::string problem;
    const auto index = locate(part, kMaxPartXmlBytes, problem);
    if (!index) return problem;
    zip_file_t* file = zip_fopen_index(archive, *index, 0);
    if (!file) return fmt::format("the workbook's part `{}` cannot be read: the file is damaged", part);
    char block[1 << 16];
    std::uint64_t total = 0;
    for (;;) {
      const zip_int64_t got = zip_fread(file, block, sizeof block);
      if (got < 0) {
        zip_fclose(file);
        return fmt::format("the workbook's part `{}` cannot be read: the file is damaged", part);
      }
      total += static_cast<std::uint64_t>(got);
      if (total > kMaxPartXmlBytes) {
        zip_fclose(file);
        return fmt::format("the workbook's part `{}` is larger than it says: the file is damaged", part);
      }
      if (XML_Parse(xml, block, static_cast<int>(got), got == 0) == XML_STATUS_ERROR) {
        zip_fclose(file);
        return xml_problem(part, xml);
      }
      if (got == 0) break;
    }
    zip_fclose(file);
    return {};
  }

  std::string xml_problem(const std::string& part, XML_Parser xml) const {
    if (!failure.empty()) return failure;
    return fmt::format("the workbook's part `{}` is not well-formed XML at line {}, column {} ({}): the file is damaged",
                       part, XML_GetCurrentLineNumber(xml), XML_GetCurrentColumnNumber(xml),
                       XML_ErrorString(XML_GetErrorCode(xml)));
  }

  // A parser whose DTD, should a part have one, stops it: spreadsheets
  // never write one, and only a DTD can declare entities to expand.
  XML_Parser make_parser() {
    XML_Parser xml = XML_ParserCreate(nullptr);
    XML_SetUserData(xml, this);
    XML_SetStartDoctypeDeclHandler(xml, [](void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
      Impl& impl = *static_cast<Impl*>(self);
      impl.failure = "a part of the workbook declares a DTD, which spreadsheets never write; it was not read";
      XML_StopParser(impl.current, XML_FALSE);
    });
    XML_SetEntityDeclHandler(xml, [](void* self, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                                     const XML_Char*, const XML_Char*, const XML_Char*) {
      Impl& impl = *static_cast<Impl*>(self);
      impl.failure = "a part of the workbook declares entities, which spreadsheets never write; it was not read";
      XML_StopParser(impl.current, XML_FALSE);
    });
    current = xml;
    return xml;
  }
  XML_Parser current = nullptr;  // the parser the handlers stop

  struct ParserOwner {
    XML_Parser xml;
    ~ParserOwner() { XML_ParserFree(xml); }
  };

  std::string open(std::string_view bytes, const std::string& wanted, const Program& of) {
    program = &of;
    workbook_size = bytes.size();
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (source) archive = zip_open_from_source(source, ZIP_RDONLY, &error);
    if (!archive) {
      if (source) zip_source_free(source);
      zip_error_fini(&error);
      return "the register looks like a zip archive but cannot be opened as one: the .xlsx file is damaged "
             "(or cut short)";
    }
    zip_error_fini(&error);
    if (std::string problem = read_workbook(wanted); !problem.empty()) return problem;
    if (std::string problem = read_shared_strings(); !problem.empty()) return problem;
    return start_sheet();
  }

  // workbook.xml: the sheets, in order, and the date system; its rels: where each sheet is.
  std::string read_workbook(const std::string& wanted) {
    struct Sheet {
      std::string name, id;
    };
    struct State {
      std::vector<Sheet> sheets;
      bool date1904 = false;
      std::map<std::string, std::string> targets;  // relationship id -> part
      std::string shared_strings;
    } state;
    {
      ParserOwner owner{make_parser()};
      current_state = &state;
      XML_SetElementHandler(owner.xml,
                            [](void* self, const XML_Char* name, const XML_Char** attributes) {
                              auto& s = *static_cast<State*>(static_cast<Impl*>(self)->current_state);
                              const std::string_view element = local_name(name);
                              if (element == "sheet") {
                                const XML_Char* named = attribute(attributes, "name");
                                const XML_Char* id = attribute(attributes, "id");
                                s.sheets.push_back({named ? named : "", id ? id : ""});
                              } else if (element == "workbookPr") {
                                const XML_Char* value = attribute(attributes, "date1904");
                                s.date1904 = value && (std::string_view(value) == "1" || std::string_view(value) == "true");
                              }
                            },
                            nullptr);
      if (std::string problem = parse_part("xl/workbook.xml", owner.xml); !problem.empty()) return problem;
    }
    {
      ParserOwner owner{make_parser()};
      XML_SetElementHandler(owner.xml,
                            [](void* self, const XML_Char* name, const XML_Char** attributes) {
                              auto& s = *static_cast<State*>(static_cast<Impl*>(self)->current_state);
                              if (local_name(name) != "Relationship") return;
                              const XML_Char* id = attribute(attributes, "Id");
                              const XML_Char* target = attribute(attributes, "Target");
                              const XML_Char* type = attribute(attributes, "Type");
                              if (!id || !target) return;
                              std::string part = target;
                              // Targets are relative to xl/, or absolute within the package.
                              part = part.starts_with('/') ? part.substr(1) : "xl/" + part;
                              s.targets[id] = part;
                              if (type && std::string_view(type).ends_with("/sharedStrings")) s.shared_strings = part;
                            },
                            nullptr);
      if (std::string problem = parse_part("xl/_rels/workbook.xml.rels", owner.xml); !problem.empty()) return problem;
    }
    current_state = nullptr;
    date1904 = state.date1904;
    shared_strings_part = state.shared_strings;
    sheet_count = state.sheets.size();
    if (state.sheets.empty()) return "the workbook has no sheet";
    const Sheet* chosen = &state.sheets.front();
    if (!wanted.empty()) {
      const auto it = std::find_if(state.sheets.begin(), state.sheets.end(), [&](const Sheet& s) { return s.name == wanted; });
      if (it == state.sheets.end()) {
        std::string names;
        for (const Sheet& s : state.sheets) names += (names.empty() ? "`" : ", `") + s.name + "`";
        return fmt::format("the workbook has no sheet `{}` (its sheets: {})", wanted, names);
      }
      chosen = &*it;
    }
    sheet_name = chosen->name;
    const auto target = state.targets.find(chosen->id);
    if (target == state.targets.end())
      return fmt::format("the workbook does not say where its sheet `{}` is: the file is damaged", sheet_name);
    sheet_part = target->second;
    return {};
  }
  void* current_state = nullptr;
  std::string shared_strings_part;

  // sharedStrings.xml: every <si>'s text (its runs, not their phonetic guides).
  std::string read_shared_strings() {
    if (shared_strings_part.empty()) {
      if (zip_name_locate(archive, "xl/sharedStrings.xml", 0) < 0) return {};
      shared_strings_part = "xl/sharedStrings.xml";
    }
    ParserOwner owner{make_parser()};
    XML_SetElementHandler(
        owner.xml,
        [](void* self, const XML_Char* name, const XML_Char**) {
          Impl& impl = *static_cast<Impl*>(self);
          const std::string_view element = local_name(name);
          if (element == "si") {
            if (impl.shared.size() >= kMaxSharedStrings) {
              impl.failure = fmt::format("the workbook's shared strings number more than {}, more than a register holds; "
                                         "it was not read",
                                         kMaxSharedStrings);
              XML_StopParser(impl.current, XML_FALSE);
              return;
            }
            impl.shared.emplace_back();
          } else if (element == "rPh") {
            impl.in_phonetic = true;
          } else if (element == "t" && !impl.in_phonetic) {
            impl.in_text = true;
          }
        },
        [](void* self, const XML_Char* name) {
          Impl& impl = *static_cast<Impl*>(self);
          const std::string_view element = local_name(name);
          if (element == "rPh") impl.in_phonetic = false;
          else if (element == "t") impl.in_text = false;
          else if (element == "si" && !impl.shared.empty()) impl.shared.back() = decode_escapes(std::move(impl.shared.back()));
        });
    XML_SetCharacterDataHandler(owner.xml, [](void* self, const XML_Char* text, int length) {
      Impl& impl = *static_cast<Impl*>(self);
      if (impl.in_text && !impl.shared.empty()) impl.shared.back().append(text, static_cast<std::size_t>(length));
    });
    std::string problem = parse_part(shared_strings_part, owner.xml);
    in_text = in_phonetic = false;
    return problem;
  }

  std::string start_sheet() {
    std::string problem;
    const auto index = locate(sheet_part, kMaxSheetXmlBytes, problem);
    if (!index) return problem;
    zip_stat_t stat;
    zip_stat_init(&stat);
    zip_stat_index(archive, *index, 0, &stat);
    sheet_size = stat.size;
    sheet_file = zip_fopen_index(archive, *index, 0);
    if (!sheet_file) return fmt::format("the workbook's sheet `{}` cannot be read: the file is damaged", sheet_name);
    parser = make_parser();
    XML_SetElementHandler(parser, &Impl::start_element, &Impl::end_element);
    XML_SetCharacterDataHandler(parser, &Impl::character_data);
    return {};
  }

  std::string where() const {
    return fmt::format("sheet `{}`, line {} of its XML", sheet_name, XML_GetCurrentLineNumber(parser));
  }

  void fail(std::string problem) {
    if (failure.empty()) failure = std::move(problem);
    XML_StopParser(parser, XML_FALSE);
  }

  static void start_element(void* self, const XML_Char* name, const XML_Char** attributes) {
    Impl& impl = *static_cast<Impl*>(self);
    const std::string_view element = local_name(name);
    if (element == "sheetData") {
      impl.in_sheet_data = true;
    } else if (!impl.in_sheet_data) {
      return;
    } else if (element == "row") {
      const XML_Char* r = attribute(attributes, "r");
      std::uint64_t number = impl.last_row + 1;
      if (r && (std::from_chars(r, r + std::strlen(r), number).ec != std::errc() || number == 0))
        return impl.fail(fmt::format("the sheet's row number `{}` is not a number ({}): the file is damaged", r, impl.where()));
      if (number <= impl.last_row)
        return impl.fail(fmt::format("the sheet's row {} comes after row {} ({}): rows out of order, which spreadsheets "
                                     "never write; open and save the workbook again in Excel or WPS",
                                     number, impl.last_row, impl.where()));
      impl.last_row = number;
      impl.open_row.emplace();
      impl.open_row->number = number;
    } else if (element == "c" && impl.open_row) {
      Cell cell;
      const std::uint32_t previous = impl.open_row->cells.empty() ? 0 : impl.open_row->cells.back().column;
      cell.column = previous + 1;
      if (const XML_Char* r = attribute(attributes, "r")) {
        std::uint64_t cell_row = 0;
        if (!parse_cell_ref(r, cell.column, cell_row) || cell_row != impl.open_row->number)
          return impl.fail(fmt::format("the sheet's cell `{}` is not a cell of row {} ({}): the file is damaged", r,
                                       impl.open_row->number, impl.where()));
        if (cell.column <= previous)
          return impl.fail(fmt::format("the sheet's cell {} comes after {} ({}): cells out of order, which spreadsheets "
                                       "never write; open and save the workbook again in Excel or WPS",
                                       r, cell_name(previous, impl.open_row->number), impl.where()));
      }
      // Excel's last column is XFD: a row wider than that is no sheet's.
      constexpr std::uint32_t kMaxColumns = 16384;
      if (cell.column > kMaxColumns)
        return impl.fail(fmt::format("the sheet's row {} has cells past column XFD, the last a sheet has ({}): the "
                                     "file is damaged",
                                     impl.open_row->number, impl.where()));
      const XML_Char* type = attribute(attributes, "t");
      const std::string_view t = type ? type : "n";
      cell.type = t == "s" ? 's' : t == "inlineStr" ? 'i' : t == "str" ? 'f' : t == "b" ? 'b' : t == "e" ? 'e' : t == "d" ? 'd' : 'n';
      impl.open_cell = std::move(cell);
    } else if (element == "v" && impl.open_cell) {
      impl.in_value = true;
    } else if (element == "f" && impl.open_cell) {
      impl.open_cell->formula = true;
    } else if (element == "is" && impl.open_cell) {
      impl.in_inline = true;
    } else if (element == "rPh") {
      impl.in_phonetic = true;
    } else if (element == "t" && impl.in_inline && !impl.in_phonetic) {
      impl.in_text = true;
    }
  }

  static void end_element(void* self, const XML_Char* name) {
    Impl& impl = *static_cast<Impl*>(self);
    const std::string_view element = local_name(name);
    if (element == "sheetData") {
      impl.in_sheet_data = false;
    } else if (element == "v") {
      impl.in_value = false;
    } else if (element == "is") {
      impl.in_inline = false;
    } else if (element == "rPh") {
      impl.in_phonetic = false;
    } else if (element == "t") {
      impl.in_text = false;
    } else if (element == "c" && impl.open_cell && impl.open_row) {
      // An inline string's value is its text; the others' is <v>.
      if (impl.open_cell->type == 'i' || impl.open_cell->type == 's' || impl.open_cell->type == 'f')
        impl.open_cell->text = decode_escapes(std::move(impl.open_cell->text));
      // A formula with no value saved (a writer that does not calculate, such
      // as a script) is not an empty cell: its row cannot be read.
      if (impl.open_cell->formula && impl.open_cell->text.empty()) impl.open_cell->type = 'u';
      if (!impl.open_cell->text.empty() || impl.open_cell->type == 'e' || impl.open_cell->type == 'u')
        impl.open_row->cells.push_back(std::move(*impl.open_cell));
      impl.open_cell.reset();
    } else if (element == "row" && impl.open_row) {
      if (!impl.open_row->cells.empty()) impl.rows.push_back(std::move(*impl.open_row));
      impl.open_row.reset();
    }
  }

  static void character_data(void* self, const XML_Char* text, int length) {
    Impl& impl = *static_cast<Impl*>(self);
    if (!impl.open_cell) return;
    if (impl.in_value || (impl.in_text && impl.open_cell->type == 'i')) {
      if (impl.open_cell->text.size() + static_cast<std::size_t>(length) > kMaxRecordBytes)
        return impl.fail(fmt::format("the sheet's cell {} holds more than {} MiB ({})",
                                     cell_name(impl.open_cell->column, impl.open_row->number), kMaxRecordBytes >> 20, impl.where()));
      impl.open_cell->text.append(text, static_cast<std::size_t>(length));
    }
  }

  // Parses on until a row is waiting or the sheet ends; false when none is left.
  bool pump() {
    char block[1 << 16];
    while (rows.empty()) {
      if (sheet_done || !failure.empty()) return false;
      const zip_int64_t got = zip_fread(sheet_file, block, sizeof block);
      if (got < 0) {
        failure = fmt::format("the workbook's sheet `{}` cannot be read on (the file is damaged or cut short) after "
                              "row {}",
                              sheet_name, last_row);
        return false;
      }
      sheet_bytes += static_cast<std::uint64_t>(got);
      if (sheet_bytes > sheet_size) {
        failure = fmt::format("the workbook's sheet `{}` is larger than it says: the file is damaged", sheet_name);
        return false;
      }
      if (got == 0) sheet_done = true;
      if (XML_Parse(parser, block, static_cast<int>(got), got == 0) == XML_STATUS_ERROR) {
        if (failure.empty())
          failure = fmt::format("the workbook's sheet `{}` is not well-formed XML at line {}, column {} ({}): the file "
                                "is damaged",
                                sheet_name, XML_GetCurrentLineNumber(parser), XML_GetCurrentColumnNumber(parser),
                                XML_ErrorString(XML_GetErrorCode(parser)));
        return !rows.empty();
      }
    }
    return true;
  }

  // A cell's text as a CSV would hold it for a column of `kind` (none: a
  // column the record does not have); "" with `problem` when its row must be rejected.
  std::string cell_text(const Cell& cell, std::optional<Kind> kind, std::string& problem) const {
    switch (cell.type) {
      case 's': {
        std::size_t index = 0;
        if (std::from_chars(cell.text.data(), cell.text.data() + cell.text.size(), index).ec != std::errc() ||
            index >= shared.size()) {
          problem = fmt::format("refers to shared string {}, which the workbook does not have (the file is damaged)", cell.text);
          return {};
        }
        return shared[index];
      }
      case 'b':
        if (kind == Kind::Bool) return cell.text == "1" ? "1" : "0";
        return cell.text == "1" ? "TRUE" : "FALSE";
      case 'e':
        problem = fmt::format("holds the spreadsheet error `{}`, not a value: correct the cell (or its formula) in the sheet",
                              cell.text);
        return {};
      case 'u':
        problem = "holds a formula whose value was never calculated: open the workbook in Excel or WPS and save it "
                  "again, so that its values are saved with it";
        return {};
      case 'd':
        if (kind == Kind::Date && cell.text.size() >= 10) return cell.text.substr(0, 10);
        return cell.text;
      case 'n': {
        double value = 0;
        const auto [end, error] = std::from_chars(cell.text.data(), cell.text.data() + cell.text.size(), value);
        if (error != std::errc() || end != cell.text.data() + cell.text.size()) return cell.text;
        if (kind == Kind::Date) return serial_date_text(value, date1904, problem);
        return number_cell_text(value);
      }
      default:
        return cell.text;
    }
  }

  std::optional<Kind> kind_of_column(std::uint32_t column) const {
    return column <= column_kinds.size() ? column_kinds[column - 1] : std::nullopt;
  }

  // The row as one CSV record (with its line end), or its problem.
  bool row_record(const Row& r, std::string& out, std::string& problem) const {
    const std::uint32_t width = std::max<std::uint32_t>(static_cast<std::uint32_t>(header.size()), r.cells.back().column);
    std::uint32_t column = 1;
    for (const Cell& cell : r.cells) {
      for (; column < cell.column; ++column) out.push_back(',');
      std::string why;
      const std::string text = cell_text(cell, kind_of_column(cell.column), why);
      if (!why.empty()) {
        const std::string named = cell.column <= header.size() && !header[cell.column - 1].empty()
                                      ? fmt::format("column `{}` (cell {})", header[cell.column - 1], cell_name(cell.column, r.number))
                                      : fmt::format("cell {}", cell_name(cell.column, r.number));
        problem = named + " " + why;
        return false;
      }
      append_csv_field(out, text);
      if (column < width) out.push_back(',');
      ++column;
    }
    for (; column < width; ++column) out.push_back(',');
    out.push_back('\n');
    return true;
  }
};

XlsxRegister::XlsxRegister() : impl_(std::make_unique<Impl>()) {}
XlsxRegister::~XlsxRegister() = default;

std::string XlsxRegister::open(std::string_view bytes, const std::string& sheet, const Program& program) {
  return impl_->open(bytes, sheet, program);
}

std::string XlsxRegister::read_header(std::vector<std::string>& names) {
  Impl& d = *impl_;
  if (!d.pump()) return d.failure.empty() ? fmt::format("the sheet `{}` is empty: no header row", d.sheet_name) : d.failure;
  const Row header = std::move(d.rows.front());
  d.rows.pop_front();
  names.assign(header.cells.back().column, std::string());
  for (const Cell& cell : header.cells) {
    std::string problem;
    names[cell.column - 1] = d.cell_text(cell, std::nullopt, problem);
    if (!problem.empty()) return fmt::format("the header's cell {} {}", cell_name(cell.column, header.number), problem);
  }
  d.header = names;
  d.header_row = header.number;
  std::map<std::string_view, Kind> kinds;
  for (const FieldDef& field : d.program->fields) kinds.emplace(field.name, field.type.kind);
  for (const std::string& name : names) {
    const auto it = kinds.find(name);
    d.column_kinds.push_back(it == kinds.end() ? std::nullopt : std::optional<Kind>(it->second));
  }
  d.header_read = true;
  return {};
}

bool XlsxRegister::next_chunk(CsvChunk& chunk, std::size_t max_records, std::size_t max_bytes) {
  Impl& d = *impl_;
  chunk.bytes.clear();
  chunk.records = 0;
  chunk.skipped = false;
  chunk.problem.clear();
  std::string problem;
  while (chunk.records < std::max<std::size_t>(1, max_records) && chunk.bytes.size() < max_bytes) {
    if (!d.pump()) break;
    const Row& row = d.rows.front();
    // A chunk's records are numbered one line each: a gap in the rows starts another.
    if (chunk.records > 0 && row.number != d.next_line) break;
    const std::size_t size = chunk.bytes.size();
    if (!d.row_record(row, chunk.bytes, problem)) {
      chunk.bytes.resize(size);
      if (chunk.records > 0) break;  // the row comes alone, next
      chunk.first_line = row.number;
      chunk.records = 1;
      chunk.skipped = true;
      chunk.problem = std::move(problem);
      d.rows.pop_front();
      return true;
    }
    if (chunk.records == 0) chunk.first_line = row.number;
    ++chunk.records;
    d.next_line = row.number + 1;
    d.rows.pop_front();
  }
  return chunk.records > 0;
}

std::uint64_t XlsxRegister::header_row() const { return impl_->header_row; }

std::uint64_t XlsxRegister::bytes_read() const {
  // In the workbook's own bytes, as a progress bar measures the file: the
  // share of the sheet's XML read so far.
  const Impl& d = *impl_;
  if (d.sheet_size == 0) return d.workbook_size;
  return static_cast<std::uint64_t>(static_cast<double>(d.sheet_bytes) / static_cast<double>(d.sheet_size) *
                                    static_cast<double>(d.workbook_size));
}

const std::string& XlsxRegister::failure() const { return impl_->failure; }

std::string XlsxRegister::note(Language language) const {
  if (impl_->sheet_count <= 1) return {};
  return say<MessageId::workbook_sheet_read>(language, impl_->sheet_count, impl_->sheet_name).text;
}

}  // namespace precept
