// The one reading of a register (a CSV export with a header line) onto a
// program's record, shared by `run`, `explain`, the diff's impact pass and the
// embedding API, so that they agree on which columns a register needs, what
// a duplicate or extra column means, and how a record that cannot be read is
// worded.
//
// The rules (README, "CSV input"): columns are matched to the record's fields
// by exact header name, in any order; a header naming a column twice cannot be
// used; a field is required unless it is `optional` or has a `default`, and a
// missing required column stops the reading before any record; a column the
// record does not have is ignored, with a note; every record must have the
// header's number of fields.
#pragma once

#include <precept/evaluator.hpp>
#include <precept/language.hpp>

#include "csv.hpp"
#include "encoding_input.hpp"
#include "program.hpp"
#include "xlsx_reader.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <functional>
#include <utility>
#include <vector>

namespace precept {

// How a register's columns map onto a program's record.
struct RegisterColumns {
  std::vector<std::string> names;  // the header, in column order
  // (column, field) for the fields the register has, in column order, so that
  // the bad cell reported for a record is its leftmost.
  std::vector<std::pair<std::size_t, std::uint32_t>> cells;
  // Fields without a column that may lack one (optional, or with a default):
  // read as an empty cell on every record.
  std::vector<std::uint32_t> absent;
  // Required fields without a column; only with HeaderRules::allow_missing
  // (otherwise the header is refused). Read as an empty cell, which rejects
  // every record for them.
  std::vector<std::uint32_t> missing;
  // Header names the record does not have, in column order: ignored.
  std::vector<std::string> extra;

  std::size_t width() const { return names.size(); }
  // The column of a header name, if the header has it.
  std::optional<std::size_t> column_of(std::string_view name) const;
  // Fields in the order a record's cells are read: the register's columns
  // first (in column order), then the fields without one.
  std::vector<std::uint32_t> field_order() const;
};

struct HeaderRules {
  // Whose record the missing columns are named for, e.g. "the old version's"
  // ("": the policy's, in `language`).
  std::string_view whose;
  // Read a required field without a column as an empty cell instead of
  // refusing the header: for the diff's variants, programs that never existed
  // as a file, whose record may name fields the register was not made for.
  bool allow_missing = false;
  // The line (a sheet's row) the header is on, which messages name.
  std::uint64_t line = 1;
  // The language of the refusals.
  Language language = Language::English;
};

// Maps `header` onto `program`'s fields into `out`; "" or why the register
// cannot be used, e.g. "the register has no column `members`, which the
// policy's record needs (header on line 1)". A header the policy declares as
// a field's alias (`register { column 家庭纯收入 "家庭纯收入（元）" }`) is
// that field's column; a missing field that an unknown header looks like (its
// name and a unit) is named with the alias that would take it.
std::string map_register_header(const Program& program, std::vector<std::string> header, RegisterColumns& out,
                                const HeaderRules& rules = {});

// Reads the header's names (the first record) from `reader`; "" or why the
// register cannot be used (empty, or unreadable). For a caller that maps one
// header for several programs (the diff).
std::string read_register_header_names(CsvReader& reader, std::vector<std::string>& names,
                                       Language language = Language::English);

// Reads the header (the first record) from `reader` and maps it. "" or why the
// register cannot be used (empty, unreadable, or as map_register_header says).
std::string read_register_header(CsvReader& reader, const Program& program, RegisterColumns& out,
                                 const HeaderRules& rules = {});

// The note that the register's extra columns were ignored, naming the first
// ten; "" when there are none.
std::string extra_columns_note(const RegisterColumns& columns, Language language = Language::English);

// Why `record` cannot be read as a row of a register `width` columns wide
// (damaged quoting, or not the header's number of fields), without the lines
// it took up (see csv_record_problem); "" when it can be read.
std::string record_shape_problem(const CsvRecord& record, std::size_t width, Language language = Language::English);

// Its kind: RejectKind::RecordMalformed, FieldCount, or None when it can be read.
RejectKind record_shape_kind(const CsvRecord& record, std::size_t width);

// The same, worded with the lines the record took up, as a reject says it.
std::string record_reject_problem(const CsvRecord& record, std::size_t width, Language language = Language::English);

// The program's `key` field (`household_id: text key`), if it has one.
std::optional<std::uint32_t> declared_key_field(const Program& program);

// A key cell as registers are compared by it: an int key by its value (`007`
// is household 7), a text key as written.
std::string key_of_cell(const Program& program, std::uint32_t key_field, std::string_view cell);

// The keys of a register read so far, each with the line of its first record:
// what finds a duplicate household. Built for a million keys read one by one
// on the writer's thread: the key bytes in one buffer, an open-addressed table
// of 8-byte slots (a hash's high half and the key's index), so that a new key
// costs about one cache miss and no allocation of its own.
class KeyIndex {
 public:
  static std::uint64_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  // The line of the first record with `key` (whose hash() is `hash`); if
  // there is none, `key` is added as first read on `line`, and nullopt.
  std::optional<std::uint64_t> first_line_or_add(std::string_view key, std::uint64_t hash, std::uint64_t line);

 private:
  struct Key {
    std::uint64_t offset;  // in bytes_
    std::uint64_t line;
    std::uint64_t hash;    // kept, so that growing reads no key again
    std::uint32_t length;
  };
  void grow();
  std::string bytes_;
  std::vector<Key> keys_;
  std::vector<std::uint64_t> slots_;  // 0: empty; else (hash >> 32) << 32 | (index + 1)
};

// Why a record is rejected whose key `key` the record on `first_line` already
// had: "household_id `360733-0000001` already appears at line 12: ...".
std::string duplicate_key_reason(const Program& program, std::uint32_t key_field, std::string_view key,
                                 std::uint64_t first_line, Language language);

// A register opened as it was saved (README, "Registers from Excel and WPS"):
// CSV in any encoding DecodedInput reads, or a sheet of an .xlsx workbook
// (known by its first bytes). The one opening of `run` and `explain`.
class OpenedRegister {
 public:
  // Opens the register `input` (not owned) for `program`'s record; "" or why
  // it cannot be read.
  std::string open(std::FILE* input, const Program& program, RegisterEncoding encoding, const std::string& sheet);
  // The sheet of a workbook, or null for CSV.
  XlsxRegister* sheet() const { return sheet_.get(); }
  // A CSV register as UTF-8 (see DecodedInput::stream).
  std::FILE* csv() const { return decoded_.stream(); }
  // "" or what a run says of the register's reading (converted, which sheet).
  std::string note(Language language = Language::English) const;
  // "" or why reading it failed part way: what to report instead of "reading
  // the input failed".
  std::string failure() const;

 private:
  DecodedInput decoded_;
  std::string workbook_;
  std::unique_ptr<XlsxRegister> sheet_;
};

// A register read record by record, each record's cells handed out per field:
// the simple reader, for a caller that looks at one record at a time (an
// explanation, a binding). `run` and the diff read batches from the same
// RegisterColumns with their own pipelines.
class RegisterRecords {
 public:
  RegisterRecords(const Program& program, CsvReader& reader) : program_(program), reader_(&reader) {}
  // An .xlsx register's sheet (xlsx_reader.hpp): its rows as the CSV records
  // a CSV export holds, numbered by sheet row; a row with an error cell is a
  // record that cannot be read, its problem naming the cell.
  RegisterRecords(const Program& program, XlsxRegister& sheet) : program_(program), sheet_(&sheet) {}

  // The language of the problems next() words (English unless set).
  void set_language(Language language) { language_ = language; }

  // Reads and maps the header; "" or why the register cannot be used.
  std::string start(const HeaderRules& rules = {});
  const RegisterColumns& columns() const { return columns_; }

  // The next record: `cells` gets one cell per field of the program (empty for
  // a field without a column), valid until the next call; `line` the physical
  // line it starts on; `problem` why the record as a whole cannot be read, ""
  // when it can: with a `key` field, a record whose key an earlier record had
  // (RejectKind::DuplicateKey). False at the end of the input.
  bool next(std::vector<std::string_view>& cells, std::uint64_t& line, std::string& problem);
  // The kind of the last record's problem (RejectKind::None when it has none).
  RejectKind problem_kind() const {
    return duplicate_ ? RejectKind::DuplicateKey : record_shape_kind(record_, columns_.width());
  }

 private:
  // The next record of the register, into record_; false at its end.
  bool next_record();

  const Program& program_;
  CsvReader* reader_ = nullptr;    // a CSV register, or
  XlsxRegister* sheet_ = nullptr;  // a sheet, read a chunk of rows at a time:
  CsvChunk chunk_;
  std::unique_ptr<CsvReader> chunk_reader_;
  CsvRecord record_;
  RegisterColumns columns_;
  Language language_ = Language::English;
  // With a `key` field: its column, the first line of each key read, and
  // whether the last record was a duplicate.
  std::optional<std::size_t> key_column_;
  KeyIndex first_lines_;
  bool duplicate_ = false;
};

}  // namespace precept
