// A batch of records held column by column: the unit the VM works on. A single
// record is a batch of one.
#pragma once

#include "program.hpp"

#include <precept/language.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace precept {

struct FieldColumn {
  std::vector<std::int64_t> scalars;               // bool, int, money, decimal, date, enum
  // For this batch, the column's values are read in place from memory the
  // caller owns (an int64 column of a columnar batch, runtime/columnar.cpp)
  // instead of from `scalars`; null (always, on the CSV path) to read `scalars`.
  // The VM reads a scalar column only through scalar_data().
  const std::int64_t* borrowed_scalars = nullptr;
  std::vector<std::uint8_t> present;               // 0 where an optional field was empty
  // Text fields, as views: into the caller's record (a CSV batch, an embedding
  // call's strings), which must outlive the evaluation, or into the program's
  // default texts. Views, so that reading a register copies no text per row.
  std::vector<std::string_view> texts;
  std::vector<std::vector<std::int64_t>> lists;    // list-of-enum fields

  const std::int64_t* scalar_data() const { return borrowed_scalars ? borrowed_scalars : scalars.data(); }
};

struct Batch {
  std::size_t rows = 0;
  std::size_t capacity = 0;
  std::vector<FieldColumn> columns;   // one per Program::fields entry
  std::vector<std::uint64_t> lines;   // input line of each row

  void reset(const Program& program, std::size_t capacity);
  bool full() const { return rows == capacity; }
};

// Parses `text` (a CSV cell) as field `field` into row `row` of `column`. A
// text field keeps a view of `text`, which must outlive the batch's evaluation.
// On failure returns false and says why in plain words, naming the field, in
// `language`. A cell not written the W1 way is read in the spellings the
// policy declares (Program::spellings); one that no declaration accepts but a
// declaration would is named with it ("... write `register { booleans "是" /
// "否" }` in the policy to accept it").
bool parse_field_value(const Program& program, std::uint32_t field, std::string_view text,
                       FieldColumn& column, std::size_t row, std::string& reason,
                       Language language = Language::English);

// The smallest and largest value a register's cell of a scalar kind can carry
// (bool, int, money, decimal, date: the limits of numeric.hpp's parsers, read
// from their extreme texts); an empty range (high < low) for other kinds. A
// typed or columnar value inside it, and passing its field's check, is one a
// CSV cell could have given, so it may be taken as it is.
struct CellValueRange {
  std::int64_t low = 0, high = -1;
};
CellValueRange cell_value_range(Kind kind);

// Whether `value` passes a field's `where` check (FieldCheck::None: always):
// the one comparison of every path that reads a record (CSV cells, typed and
// columnar values).
bool passes_field_check(FieldCheck check, std::int64_t value, std::int64_t bound);

// Why `item`, an item of list field `field`, is not one of its enum's members:
// the words parse_field_value gives for it in a list cell ("a;b"), for a list
// given item by item (a columnar batch's list column).
std::string list_item_problem(const Program& program, std::uint32_t field, std::string_view item,
                              Language language = Language::English);

// How one cell of a record is read into a batch: worked out once per run and
// worker (the column arrays of a batch never move), so that reading a cell
// looks up neither the field's definition nor its column.
struct CellPlan {
  std::size_t column = 0;  // in the record
  std::uint32_t field = 0;
  Kind kind = Kind::Text;
  FieldCheck check = FieldCheck::None;
  std::int64_t check_value = 0;
  const EnumDef* enum_def = nullptr;
  std::int64_t* scalars = nullptr;
  std::uint8_t* present = nullptr;
  std::string_view* texts = nullptr;
};
// `cells` lists (input column, field) in column order.
std::vector<CellPlan> plan_record_cells(const Program& program,
                                        const std::vector<std::pair<std::size_t, std::uint32_t>>& cells, Batch& batch);

// Reads one record's cells into row `row` of `batch` (the batch `plan` was
// made for); `fields` is the record. Text cells are kept as views of `fields`,
// which must outlive the evaluation. Stops at the first (leftmost) bad cell:
// returns false with its field and the reason.
bool parse_record_cells(const Program& program, const std::vector<CellPlan>& plan, const std::string_view* fields,
                        Batch& batch, std::size_t row, std::uint32_t& bad_field, std::string& reason,
                        Language language = Language::English);

// The cells of a batch of records laid out as the CSV reader hands them on:
// row r's cell for column c is at span (r * width + c), a (begin, size) pair of
// offsets into `bytes`.
struct CellGrid {
  const char* bytes = nullptr;
  const std::uint32_t* spans = nullptr;  // begin, size, begin, size, ...
  std::size_t width = 0;

  std::string_view cell(std::size_t row, std::size_t column) const {
    const std::uint32_t* span = spans + 2 * (row * width + column);
    return {bytes + span[0], span[1]};
  }
};

// Parses column `column` of `cells` as field `field` into rows [0, rows) of
// `out`, skipping rows already marked in `failed`. A bad cell marks its row and
// calls on_bad(row, reason). Column by column, so that the field's type is
// looked at once per column rather than once per cell; the message for a bad
// cell is parse_field_value's, so both paths say the same.
void parse_field_column(const Program& program, std::uint32_t field, const CellGrid& cells, std::size_t column,
                        std::size_t rows, FieldColumn& out, std::vector<std::uint8_t>& failed,
                        const std::function<void(std::size_t row, std::string reason)>& on_bad);

}  // namespace precept
