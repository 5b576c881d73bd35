#include "format.hpp"

#include "numeric.hpp"
#include "text_width.hpp"

namespace precept {

void append_scalar_text(std::string& out, const Program& program, const ValueType& type, std::int64_t value) {
  switch (type.kind) {
    case Kind::Bool: out += value ? "true" : "false"; return;
    case Kind::Int: append_int(out, value); return;
    case Kind::Money: append_money(out, value); return;
    case Kind::Decimal: append_decimal(out, value); return;
    case Kind::Date: append_date(out, value); return;
    case Kind::Enum: out += program.enums[type.enum_id].members[static_cast<std::size_t>(value)]; return;
    default: return;
  }
}

void append_value_text(std::string& out, const Program& program, const ValueType& type, const Machine& machine,
                       std::uint32_t reg, std::size_t row) {
  if (type.kind == Kind::Text) {
    out += machine.text(reg, row);
    return;
  }
  if (type.kind == Kind::List) {
    const ValueType element = element_of(type);
    bool first = true;
    for (const std::int64_t item : machine.list(reg, row)) {
      if (!first) out.push_back(';');
      first = false;
      append_scalar_text(out, program, element, item);
    }
    return;
  }
  append_scalar_text(out, program, type, machine.scalar(reg, row));
}

void append_json_string(std::string& out, std::string_view text) {
  // JSON is UTF-8: a register saved as GBK must not make a line that is not JSON.
  std::string repaired;
  if (first_invalid_utf8(text) != std::string_view::npos) {
    append_valid_utf8(repaired, text);
    text = repaired;
  }
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

namespace {

void append_scalar_json(std::string& out, const Program& program, const ValueType& type, std::int64_t value) {
  if (type.kind == Kind::Date || type.kind == Kind::Enum) {
    std::string text;
    append_scalar_text(text, program, type, value);
    append_json_string(out, text);
    return;
  }
  // Money and decimals print as exact JSON number literals (2736.00).
  append_scalar_text(out, program, type, value);
}

}  // namespace

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
