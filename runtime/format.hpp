// Values as people and programs read them: the text of a results CSV cell and
// the JSON of a JSON Lines field. One place, so that `run`, the embedding API and
// `explain` can never print the same value two ways.
#pragma once

#include "program.hpp"
#include "vm.hpp"

#include <string>

namespace precept {

// CSV form (unquoted): true/false, 12, 2736.00, 0.216000, 2015-06-30, an enum
// member's name, the text itself; a list's items joined by ';'.
void append_value_text(std::string& out, const Program& program, const ValueType& type, const Machine& machine,
                       std::uint32_t reg, std::size_t row);
// JSON form (runtime/json.hpp's rules): true/false, whole numbers, strings
// (money and decimals as the exact decimal's text, "2736.00"), arrays.
void append_value_json(std::string& out, const Program& program, const ValueType& type, const Machine& machine,
                       std::uint32_t reg, std::size_t row);
// A scalar (not text or list) in JSON form, as above.
void append_scalar_json(std::string& out, const Program& program, const ValueType& type, std::int64_t value);
// A scalar (not text or list) in CSV form.
void append_scalar_text(std::string& out, const Program& program, const ValueType& type, std::int64_t value);
// The same written at `out`, which has room for scalar_text_bound(type) bytes;
// returns the end. For writers that lay down a whole line at once.
char* write_scalar_text(char* out, const Program& program, const ValueType& type, std::int64_t value);
std::size_t scalar_text_bound(const Program& program, const ValueType& type);
// A list's items in CSV form, joined by ';', written at `out`, which has room
// for list_text_bound(list_type, items.size()) bytes; returns the end.
char* write_list_text(char* out, const Program& program, const ValueType& list_type, const ListItems& items);
std::size_t list_text_bound(const Program& program, const ValueType& list_type, std::size_t items);
// The text as a JSON string, under the one UTF-8 rule of every JSON Precept
// writes (runtime/json.hpp, json::append_string).
void append_json_string(std::string& out, std::string_view text);

// A text cell that a spreadsheet opening the CSV would run as a formula: it
// starts with `=`, `+`, `-`, `@`, a tab or a carriage return, and is not a plain
// number (`-12.50`, `+5`), which a spreadsheet reads as the number it is.
bool reads_as_formula(std::string_view cell);
// A text cell of a CSV that Precept writes for people (results, rejects,
// summary): quoted as RFC 4180 asks, and a cell that reads as a formula is
// written with a leading `'`, which spreadsheets show as text and do not run.
// Only text goes through here: numbers, money, dates and enum members are
// written as they are (`-12.50` is the amount it says). Without
// `guard_formulas` (`run --no-formula-escape`, for programs reading the CSV)
// text is written as it is.
char* write_csv_text(char* out, std::string_view text, bool guard_formulas = true);
// Room write_csv_text needs for `text`.
std::size_t csv_text_bound(std::string_view text);
void append_csv_text(std::string& out, std::string_view text, bool guard_formulas = true);

}  // namespace precept
