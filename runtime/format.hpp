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
// JSON form: booleans, exact number literals, strings, arrays.
void append_value_json(std::string& out, const Program& program, const ValueType& type, const Machine& machine,
                       std::uint32_t reg, std::size_t row);
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
void append_json_string(std::string& out, std::string_view text);

}  // namespace precept
