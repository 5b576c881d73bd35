#include "batch.hpp"

#include "format.hpp"
#include "messages.hpp"
#include "numeric.hpp"
#include "rejection.hpp"

#include <fmt/format.h>

namespace precept {

void Batch::reset(const Program& program, std::size_t new_capacity) {
  capacity = new_capacity;
  rows = 0;
  columns.assign(program.fields.size(), {});
  for (std::size_t f = 0; f < program.fields.size(); ++f) {
    FieldColumn& column = columns[f];
    const RegisterFile file = register_file_of(program.fields[f].type);
    column.present.assign(capacity, 1);
    if (file == RegisterFile::Scalar) column.scalars.assign(capacity, 0);
    if (file == RegisterFile::Text) column.texts.assign(capacity, {});
    if (file == RegisterFile::List) column.lists.assign(capacity, {});
  }
  lines.assign(capacity, 0);
}

namespace {

std::string shown(std::string_view text) {
  // Keep the message readable when a cell is long or holds line breaks.
  std::string s(text.substr(0, 40));
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (text.size() > 40) s += "...";
  return s;
}

std::string enum_values(const EnumDef& def) {
  std::string out;
  for (std::size_t i = 0; i < def.members.size(); ++i) out += (i ? ", " : "") + def.members[i];
  return out;
}

bool parse_enum(const EnumDef& def, std::string_view text, std::int64_t& out) {
  for (std::size_t i = 0; i < def.members.size(); ++i)
    if (def.members[i] == text) {
      out = static_cast<std::int64_t>(i);
      return true;
    }
  return false;
}

// A scalar cell (not empty) as a value of its kind; false when it is not one.
inline bool parse_scalar_cell(Kind kind, const EnumDef* enum_def, std::string_view text, std::int64_t& value) {
  switch (kind) {
    case Kind::Bool: return parse_bool(text, value);
    case Kind::Int: return parse_int(text, value);
    case Kind::Money: return parse_money(text, value);
    case Kind::Decimal: return parse_decimal(text, value);
    case Kind::Date: return parse_date(text, value);
    case Kind::Enum: return parse_enum(*enum_def, text, value);
    default: return false;
  }
}

// The full-width forms (U+FF10-FF19 digits, U+FF0E `．`, U+FF0D `－`) are
// EF BC 90-99, 8E, 8D in UTF-8.
bool is_fullwidth_number_char(std::string_view text, std::size_t at) {
  if (at + 2 >= text.size() + 0 || static_cast<unsigned char>(text[at]) != 0xEF ||
      static_cast<unsigned char>(text[at + 1]) != 0xBC)
    return false;
  const unsigned char c = static_cast<unsigned char>(text[at + 2]);
  return (c >= 0x90 && c <= 0x99) || c == 0x8E || c == 0x8D;
}

bool has_fullwidth_digits(std::string_view text) {
  for (std::size_t i = 0; i + 2 < text.size(); ++i)
    if (is_fullwidth_number_char(text, i)) return true;
  return false;
}

// `text` as ASCII digits, with `fullwidth` its full-width digits turned to
// ASCII and with `thousands` ("" for none) taken out where it separates
// groups of three digits of the whole part (3,000.50; 12,345,678), and only
// there; false when it is written otherwise or nothing changed.
bool plain_number(std::string_view text, bool fullwidth, std::string_view thousands, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (fullwidth && i + 2 < text.size() + 0 && is_fullwidth_number_char(text, i)) {
      const unsigned char c = static_cast<unsigned char>(text[i + 2]);
      out.push_back(c == 0x8E ? '.' : c == 0x8D ? '-' : static_cast<char>('0' + (c - 0x90)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  if (!thousands.empty() && out.find(thousands) != std::string::npos) {
    const std::size_t sign = !out.empty() && (out[0] == '-' || out[0] == '+') ? 1 : 0;
    const std::size_t point = std::min(out.find('.'), out.size());
    if (out.find(thousands, point) != std::string::npos) return false;  // only in the whole part
    std::string whole;
    std::size_t group = 0, groups = 0;
    for (std::size_t i = sign; i < point;) {
      if (out.compare(i, thousands.size(), thousands) == 0) {
        if (group == 0 || (groups > 0 && group != 3) || group > 3) return false;
        group = 0;
        ++groups;
        i += thousands.size();
        continue;
      }
      whole.push_back(out[i++]);
      ++group;
    }
    if (group != 3) return false;
    out = out.substr(0, sign) + whole + out.substr(point);
  }
  return out != text;
}

// A scalar cell read the W1 way, else in a spelling the policy declares
// (`register { ... }`): the one reading of a cell, for every path.
bool parse_spelled_cell(const Program& program, Kind kind, const EnumDef* enum_def, std::string_view text,
                        std::int64_t& value) {
  if (parse_scalar_cell(kind, enum_def, text, value)) return true;
  const RegisterSpellings& spellings = program.spellings;
  if (!spellings.declared()) return false;
  if (kind == Kind::Bool) {
    for (std::size_t i = 0; i < spellings.true_words.size(); ++i)
      if (spellings.true_words[i] == text) return value = 1, true;
    for (std::size_t i = 0; i < spellings.false_words.size(); ++i)
      if (spellings.false_words[i] == text) return value = 0, true;
    return false;
  }
  if (kind != Kind::Int && kind != Kind::Money && kind != Kind::Decimal && kind != Kind::Date) return false;
  std::string plain;
  const std::string_view thousands = kind == Kind::Date ? std::string_view() : std::string_view(spellings.thousands);
  return plain_number(text, spellings.fullwidth_digits, thousands, plain) &&
         parse_scalar_cell(kind, enum_def, plain, value);
}

// Spellings registers often use for true and false, each with its pair: a
// bool cell holding one is named with the declaration that would accept it.
constexpr std::pair<std::string_view, std::string_view> kKnownBooleans[] = {
    {"是", "否"}, {"有", "无"}, {"TRUE", "FALSE"}, {"True", "False"}, {"true", "false"},
    {"Y", "N"},   {"y", "n"},   {"YES", "NO"},     {"Yes", "No"},     {"yes", "no"},
    {"√", "×"},   {"T", "F"}};

// `problem` with the declaration that would accept `text`, if one would.
std::string with_declaration_hint(const Program& program, Kind kind, std::string_view text, Message problem,
                                  Language language) {
  if (kind == Kind::Bool) {
    for (const auto& [yes, no] : kKnownBooleans)
      if (text == yes || text == no) return say<MessageId::declare_booleans>(language, problem, yes, no).text;
    return std::move(problem.text);
  }
  if (kind != Kind::Int && kind != Kind::Money && kind != Kind::Decimal && kind != Kind::Date) return std::move(problem.text);
  const RegisterSpellings& spellings = program.spellings;
  std::string plain;
  std::int64_t value = 0;
  if (!spellings.fullwidth_digits && has_fullwidth_digits(text) &&
      plain_number(text, true, kind == Kind::Date ? "" : spellings.thousands, plain) &&
      parse_scalar_cell(kind, nullptr, plain, value))
    return say<MessageId::declare_digits>(language, problem).text;
  if (kind != Kind::Date && spellings.thousands.empty())
    for (const std::string_view separator : {",", "，", " "})
      if (plain_number(text, spellings.fullwidth_digits, separator, plain) && parse_scalar_cell(kind, nullptr, plain, value))
        return say<MessageId::declare_thousands>(language, problem, separator).text;
  return std::move(problem.text);
}

// The value was read; does it meet the field's `where` check?
bool meets_check(const Program& program, const FieldDef& field, std::string_view text, std::int64_t value,
                 std::string& reason, Language language) {
  if (field.check == FieldCheck::None || passes_field_check(field.check, value, field.check_value)) return true;
  std::string bound;
  append_scalar_text(bound, program, field.type, field.check_value);
  const std::string found = shown(text);
  switch (field.check) {
    case FieldCheck::Lt: reason = say<MessageId::bound_lt>(language, field.name, bound, found).text; break;
    case FieldCheck::Le: reason = say<MessageId::bound_le>(language, field.name, bound, found).text; break;
    case FieldCheck::Gt: reason = say<MessageId::bound_gt>(language, field.name, bound, found).text; break;
    case FieldCheck::Ge: reason = say<MessageId::bound_ge>(language, field.name, bound, found).text; break;
    case FieldCheck::Eq: reason = say<MessageId::bound_eq>(language, field.name, bound, found).text; break;
    case FieldCheck::Ne: reason = say<MessageId::bound_ne>(language, field.name, bound, found).text; break;
    case FieldCheck::None: break;
  }
  return false;
}

}  // namespace

bool passes_field_check(FieldCheck check, std::int64_t value, std::int64_t bound) {
  switch (check) {
    case FieldCheck::Lt: return value < bound;
    case FieldCheck::Le: return value <= bound;
    case FieldCheck::Gt: return value > bound;
    case FieldCheck::Ge: return value >= bound;
    case FieldCheck::Eq: return value == bound;
    case FieldCheck::Ne: return value != bound;
    case FieldCheck::None: break;
  }
  return true;
}

namespace {
std::int64_t parsed(bool (*parse)(std::string_view, std::int64_t&), std::string_view text) {
  std::int64_t value = 0;
  parse(text, value);
  return value;
}
}  // namespace

CellValueRange cell_value_range(Kind kind) {
  static const CellValueRange int_range{parsed(parse_int, "-999999999"), parsed(parse_int, "999999999")};
  static const CellValueRange money_range{parsed(parse_money, "-999999999999.99"),
                                          parsed(parse_money, "999999999999.99")};
  static const CellValueRange decimal_range{parsed(parse_decimal, "-999999999999.999999"),
                                            parsed(parse_decimal, "999999999999.999999")};
  static const CellValueRange date_range{parsed(parse_date, "1900-01-01"), parsed(parse_date, "9999-12-31")};
  switch (kind) {
    case Kind::Bool: return {0, 1};
    case Kind::Int: return int_range;
    case Kind::Money: return money_range;
    case Kind::Decimal: return decimal_range;
    case Kind::Date: return date_range;
    default: return {};
  }
}

std::string list_item_problem(const Program& program, std::uint32_t index, std::string_view item, Language language) {
  const FieldDef& field = program.fields[index];
  return say<MessageId::cell_not_members>(language, field.name, enum_values(program.enums[field.type.enum_id]),
                                          shown(item))
      .text;
}

bool parse_field_value(const Program& program, std::uint32_t index, std::string_view text,
                       FieldColumn& column, std::size_t row, std::string& reason, Language language) {
  const FieldDef& field = program.fields[index];
  const ValueType& type = field.type;
  column.present[row] = 1;
  if (type.kind == Kind::Text) {
    column.texts[row] = text;
    if (text.empty() && field.has_default) column.texts[row] = field.default_text;
    else if (text.empty() && field.optional) column.present[row] = 0;
    return true;
  }
  if (type.kind == Kind::List) {
    auto& items = column.lists[row];
    items.clear();
    const EnumDef& def = program.enums[type.enum_id];
    std::size_t start = 0;
    while (!text.empty() && start <= text.size()) {
      std::size_t end = text.find(';', start);
      if (end == std::string_view::npos) end = text.size();
      std::int64_t value = 0;
      const std::string_view item = text.substr(start, end - start);
      if (!parse_enum(def, item, value)) {
        reason = list_item_problem(program, index, item, language);
        return false;
      }
      items.push_back(value);
      start = end + 1;
    }
    return true;
  }
  std::int64_t& out = column.scalars[row];
  if (text.empty()) {
    if (field.has_default) {
      out = field.default_scalar;
      return true;
    }
    if (field.optional) {
      out = 0;
      column.present[row] = 0;
      return true;
    }
    reason = say<MessageId::cell_empty>(language, field.name).text;
    return false;
  }
  const EnumDef* enum_def = type.kind == Kind::Enum ? &program.enums[type.enum_id] : nullptr;
  if (parse_spelled_cell(program, type.kind, enum_def, text, out)) {
    if (type.kind == Kind::Bool || type.kind == Kind::Enum) return true;
    return meets_check(program, field, text, out, reason, language);
  }
  const std::string found = shown(text);
  Message problem;
  switch (type.kind) {
    case Kind::Bool: problem = say<MessageId::cell_not_bool>(language, field.name, found); break;
    case Kind::Int: problem = say<MessageId::cell_not_int>(language, field.name, found); break;
    case Kind::Money: problem = say<MessageId::cell_not_money>(language, field.name, found); break;
    case Kind::Decimal: problem = say<MessageId::cell_not_decimal>(language, field.name, found); break;
    case Kind::Date: problem = say<MessageId::cell_not_date>(language, field.name, found); break;
    case Kind::Enum:
      problem = say<MessageId::cell_not_member>(language, field.name, enum_values(*enum_def), found);
      break;
    default: problem = say<MessageId::cell_unreadable_type>(language, field.name); break;
  }
  reason = with_declaration_hint(program, type.kind, text, std::move(problem), language);
  return false;
}

RejectKind cell_reject_kind(const Program& program, std::uint32_t index, std::string_view text) {
  const FieldDef& field = program.fields[index];
  const Kind kind = field.type.kind;
  if (kind == Kind::Text || kind == Kind::List) return RejectKind::ValueUnreadable;
  if (text.empty()) return RejectKind::ValueMissing;
  const EnumDef* enum_def = kind == Kind::Enum ? &program.enums[field.type.enum_id] : nullptr;
  std::int64_t value = 0;
  return parse_spelled_cell(program, kind, enum_def, text, value) ? RejectKind::BoundFailed
                                                                  : RejectKind::ValueUnreadable;
}

namespace {

CellPlan plan_cell(const Program& program, std::size_t column, std::uint32_t field, FieldColumn& out) {
  const FieldDef& def = program.fields[field];
  CellPlan cell;
  cell.column = column;
  cell.field = field;
  cell.kind = def.type.kind;
  cell.check = def.check;
  cell.check_value = def.check_value;
  if (def.type.kind == Kind::Enum) cell.enum_def = &program.enums[def.type.enum_id];
  cell.scalars = out.scalars.empty() ? nullptr : out.scalars.data();
  cell.present = out.present.data();
  cell.texts = out.texts.empty() ? nullptr : out.texts.data();
  return cell;
}

// The common case of reading a cell (not empty, well formed, meeting its
// `where` check): true when read. Anything else goes to parse_field_value,
// which handles the rest and says what is wrong, so both paths always agree.
inline bool read_cell_fast(const CellPlan& cell, std::string_view text, std::size_t row) {
  if (text.empty()) return false;
  if (cell.kind == Kind::Text) {
    cell.texts[row] = text;
    cell.present[row] = 1;
    return true;
  }
  std::int64_t value = 0;
  if (!parse_scalar_cell(cell.kind, cell.enum_def, text, value) ||
      (cell.check != FieldCheck::None && !passes_field_check(cell.check, value, cell.check_value)))
    return false;
  cell.scalars[row] = value;
  cell.present[row] = 1;
  return true;
}

}  // namespace

std::vector<CellPlan> plan_record_cells(const Program& program,
                                        const std::vector<std::pair<std::size_t, std::uint32_t>>& cells, Batch& batch) {
  std::vector<CellPlan> plan;
  for (const auto& [column, field] : cells) plan.push_back(plan_cell(program, column, field, batch.columns[field]));
  return plan;
}

bool parse_record_cells(const Program& program, const std::vector<CellPlan>& plan, const std::string_view* fields,
                        Batch& batch, std::size_t row, std::uint32_t& bad_field, std::string& reason,
                        Language language) {
  for (const CellPlan& cell : plan) {
    const std::string_view text = fields[cell.column];
    if (read_cell_fast(cell, text, row)) continue;
    if (!parse_field_value(program, cell.field, text, batch.columns[cell.field], row, reason, language)) {
      bad_field = cell.field;
      return false;
    }
  }
  return true;
}

void parse_field_column(const Program& program, std::uint32_t field, const CellGrid& cells, std::size_t column,
                        std::size_t rows, FieldColumn& out, std::vector<std::uint8_t>& failed,
                        const std::function<void(std::size_t row, std::string reason)>& on_bad) {
  const CellPlan cell = plan_cell(program, column, field, out);
  std::string reason;
  for (std::size_t row = 0; row < rows; ++row) {
    if (failed[row]) continue;
    const std::string_view text = cells.cell(row, column);
    if (read_cell_fast(cell, text, row)) continue;
    if (!parse_field_value(program, field, text, out, row, reason)) {
      failed[row] = 1;
      on_bad(row, std::move(reason));
    }
  }
}

}  // namespace precept
