#include "format.hpp"

#include "csv.hpp"
#include "json.hpp"
#include "numeric.hpp"

#include <algorithm>
#include <cstring>

namespace precept {

std::size_t scalar_text_bound(const Program& program, const ValueType& type) {
  if (type.kind != Kind::Enum) return kMaxNumberTextBytes;  // also covers true/false and dates
  std::size_t longest = 0;
  for (const auto& member : program.enums[type.enum_id].members) longest = std::max(longest, member.size());
  return longest;
}

char* write_scalar_text(char* out, const Program& program, const ValueType& type, std::int64_t value) {
  auto put = [&](std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  };
  switch (type.kind) {
    case Kind::Bool: return put(value ? "true" : "false");
    case Kind::Int: return write_int(out, value);
    case Kind::Money: return write_money(out, value);
    case Kind::Decimal: return write_decimal(out, value);
    case Kind::Date: {
      std::string date;
      append_date(date, value);
      return put(date);
    }
    case Kind::Enum: return put(program.enums[type.enum_id].members[static_cast<std::size_t>(value)]);
    default: return out;
  }
}

void append_scalar_text(std::string& out, const Program& program, const ValueType& type, std::int64_t value) {
  const std::size_t size = out.size();
  out.resize(size + scalar_text_bound(program, type));
  out.resize(static_cast<std::size_t>(write_scalar_text(out.data() + size, program, type, value) - out.data()));
}

void append_value_text(std::string& out, const Program& program, const ValueType& type, const Machine& machine,
                       std::uint32_t reg, std::size_t row) {
  if (type.kind == Kind::Text) {
    out += machine.text(reg, row);
    return;
  }
  if (type.kind == Kind::List) {
    const ListItems items = machine.list(reg, row);
    const std::size_t size = out.size();
    out.resize(size + list_text_bound(program, type, items.size()));
    char* const end = write_list_text(out.data() + size, program, type, items);
    out.resize(static_cast<std::size_t>(end - out.data()));
    return;
  }
  append_scalar_text(out, program, type, machine.scalar(reg, row));
}

char* write_list_text(char* out, const Program& program, const ValueType& list_type, const ListItems& items) {
  const ValueType element = element_of(list_type);
  bool first = true;
  for (const std::int64_t item : items) {
    if (!first) *out++ = ';';
    first = false;
    out = write_scalar_text(out, program, element, item);
  }
  return out;
}

std::size_t list_text_bound(const Program& program, const ValueType& list_type, std::size_t items) {
  return items * (scalar_text_bound(program, element_of(list_type)) + 1);
}

bool reads_as_formula(std::string_view cell) {
  if (cell.empty()) return false;
  const char lead = cell.front();
  if (lead == '=' || lead == '@' || lead == '\t' || lead == '\r') return true;
  if (lead != '+' && lead != '-') return false;
  // A signed plain number (digits, at most one point between digits) is read as
  // that number; anything else after the sign (`-1+2`, `+cmd|' /C calc'!A0`) as a formula.
  const std::string_view rest = cell.substr(1);
  const std::size_t point = rest.find('.');
  const std::string_view whole = rest.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view() : rest.substr(point + 1);
  const auto digits = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return !(digits(whole) && (point == std::string_view::npos || digits(fraction)));
}

char* write_csv_text(char* out, std::string_view text, bool guard_formulas) {
  if (!guard_formulas || !reads_as_formula(text)) return write_csv_field(out, text);
  std::string guarded = "'";
  guarded += text;
  return write_csv_field(out, guarded);
}

std::size_t csv_text_bound(std::string_view text) { return csv_field_bound(text) + 2; }  // csv_field_bound of "'" + text

void append_csv_text(std::string& out, std::string_view text, bool guard_formulas) {
  const std::size_t size = out.size();
  out.resize(size + csv_text_bound(text));
  out.resize(static_cast<std::size_t>(write_csv_text(out.data() + size, text, guard_formulas) - out.data()));
}

void append_json_string(std::string& out, std::string_view text) { json::append_string(out, text); }

void append_scalar_json(std::string& out, const Program& program, const ValueType& type, std::int64_t value) {
  if (type.kind == Kind::Bool || type.kind == Kind::Int) {
    append_scalar_text(out, program, type, value);  // true, 12
    return;
  }
  // An enum member's name, from a .pcb that may have been made by anyone, goes
  // through the one writer.
  if (type.kind == Kind::Enum) {
    std::string name;
    append_scalar_text(name, program, type, value);
    append_json_string(out, name);
    return;
  }
  // Dates as their text; money and decimals (and a quotient of them) as the
  // exact decimal's text, "2736.00": never a number a reader would parse into a
  // float (runtime/json.hpp). Digits, signs, points and dashes need no escape,
  // so they go between the quotes as they are, as append_json_string would put them.
  out.push_back('"');
  append_scalar_text(out, program, type, value);
  out.push_back('"');
}

void append_value_json(std::string& out, const Program& program, const ValueType& type, const Machine& machine,
                       std::uint32_t reg, std::size_t row) {
  if (type.kind == Kind::Text) {
    append_json_string(out, machine.text(reg, row));
    return;
  }
  if (type.kind == Kind::List) {
    const ValueType element = element_of(type);
    out.push_back('[');
    bool first = true;
    for (const std::int64_t item : machine.list(reg, row)) {
      if (!first) out.push_back(',');
      first = false;
      append_scalar_json(out, program, element, item);
    }
    out.push_back(']');
    return;
  }
  append_scalar_json(out, program, type, machine.scalar(reg, row));
}

}  // namespace precept
