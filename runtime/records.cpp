#include "batch.hpp"

#include "format.hpp"
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

const char* check_words(FieldCheck check) {
  switch (check) {
    case FieldCheck::Lt: return "less than";
    case FieldCheck::Le: return "at most";
    case FieldCheck::Gt: return "more than";
    case FieldCheck::Ge: return "at least";
    case FieldCheck::Eq: return "exactly";
    case FieldCheck::Ne: return "other than";
    case FieldCheck::None: break;
  }
  return "";
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

// The value was read; does it meet the field's `where` check?
bool meets_check(const Program& program, const FieldDef& field, std::string_view text, std::int64_t value,
                 std::string& reason) {
  if (field.check == FieldCheck::None || passes_field_check(field.check, value, field.check_value)) return true;
  std::string bound;
  append_scalar_text(bound, program, field.type, field.check_value);
  reason = fmt::format("`{}` must be {} {}, found `{}`", field.name, check_words(field.check), bound, shown(text));
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

std::string list_item_problem(const Program& program, std::uint32_t index, std::string_view item) {
  const FieldDef& field = program.fields[index];
  return fmt::format("`{}` must list values of {} separated by `;`, found `{}`", field.name,
                     enum_values(program.enums[field.type.enum_id]), shown(item));
}

bool parse_field_value(const Program& program, std::uint32_t index, std::string_view text,
                       FieldColumn& column, std::size_t row, std::string& reason) {
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
        reason = list_item_problem(program, index, item);
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
    reason = fmt::format("`{}` is empty, but every record needs it", field.name);
    return false;
  }
  switch (type.kind) {
    case Kind::Bool:
      if (parse_bool(text, out)) return true;
      reason = fmt::format("`{}` must be 0 or 1, found `{}`", field.name, shown(text));
      return false;
    case Kind::Int:
      if (parse_int(text, out)) return meets_check(program, field, text, out, reason);
      reason = fmt::format("`{}` must be a whole number of at most 9 digits, found `{}`", field.name, shown(text));
      return false;
    case Kind::Money:
      if (parse_money(text, out)) return meets_check(program, field, text, out, reason);
      reason = fmt::format("`{}` must be an amount in yuan with at most 2 decimals, found `{}`", field.name,
                           shown(text));
      return false;
    case Kind::Decimal:
      if (parse_decimal(text, out)) return meets_check(program, field, text, out, reason);
      reason = fmt::format("`{}` must be a number with at most 6 decimals, found `{}`", field.name, shown(text));
      return false;
    case Kind::Date:
      if (parse_date(text, out)) return meets_check(program, field, text, out, reason);
      reason = fmt::format("`{}` must be a date written YYYY-MM-DD, found `{}`", field.name, shown(text));
      return false;
    case Kind::Enum:
      if (parse_enum(program.enums[type.enum_id], text, out)) return true;
      reason = fmt::format("`{}` must be one of {}, found `{}`", field.name,
                           enum_values(program.enums[type.enum_id]), shown(text));
      return false;
    default:
      reason = fmt::format("`{}` has a type that cannot be read from text", field.name);
      return false;
  }
}

RejectKind cell_reject_kind(const Program& program, std::uint32_t index, std::string_view text) {
  const FieldDef& field = program.fields[index];
  const Kind kind = field.type.kind;
  if (kind == Kind::Text || kind == Kind::List) return RejectKind::ValueUnreadable;
  if (text.empty()) return RejectKind::ValueMissing;
  const EnumDef* enum_def = kind == Kind::Enum ? &program.enums[field.type.enum_id] : nullptr;
  std::int64_t value = 0;
  return parse_scalar_cell(kind, enum_def, text, value) ? RejectKind::BoundFailed : RejectKind::ValueUnreadable;
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
                        Batch& batch, std::size_t row, std::uint32_t& bad_field, std::string& reason) {
  for (const CellPlan& cell : plan) {
    const std::string_view text = fields[cell.column];
    if (read_cell_fast(cell, text, row)) continue;
    if (!parse_field_value(program, cell.field, text, batch.columns[cell.field], row, reason)) {
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
