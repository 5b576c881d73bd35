// A batch of records held column by column: the unit the VM works on. A single
// record is a batch of one.
#pragma once

#include "program.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

struct FieldColumn {
  std::vector<std::int64_t> scalars;               // bool, int, money, decimal, date, enum
  std::vector<std::uint8_t> present;               // 0 where an optional field was empty
  std::vector<std::string> texts;                  // text fields
  std::vector<std::vector<std::int64_t>> lists;    // list-of-enum fields
};

struct Batch {
  std::size_t rows = 0;
  std::size_t capacity = 0;
  std::vector<FieldColumn> columns;   // one per Program::fields entry
  std::vector<std::uint64_t> lines;   // input line of each row

  void reset(const Program& program, std::size_t capacity);
  bool full() const { return rows == capacity; }
};

// Parses `text` (a CSV cell) as field `field` into row `row` of `column`.
// On failure returns false and says why in plain words, naming the field.
bool parse_field_value(const Program& program, std::uint32_t field, std::string_view text,
                       FieldColumn& column, std::size_t row, std::string& reason);

}  // namespace precept
