// Policy::schema(): a program's fields and outputs described for programs
// (include/precept/schema.hpp), built once from the verified program.
#include "typed.hpp"

#include "format.hpp"

namespace precept {

const char* value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::Bool: return "bool";
    case ValueKind::Int: return "int";
    case ValueKind::Money: return "money";
    case ValueKind::Decimal: return "decimal";
    case ValueKind::Date: return "date";
    case ValueKind::Enum: return "enum";
    case ValueKind::Text: return "text";
    case ValueKind::EnumList: return "enum_list";
    case ValueKind::List: return "list";
  }
  return "invalid kind";
}

namespace {

ValueKind scalar_value_kind(Kind kind) {
  switch (kind) {
    case Kind::Bool: return ValueKind::Bool;
    case Kind::Int: return ValueKind::Int;
    case Kind::Money: return ValueKind::Money;
    case Kind::Decimal: return ValueKind::Decimal;
    case Kind::Date: return ValueKind::Date;
    case Kind::Enum: return ValueKind::Enum;
    default: return ValueKind::Text;
  }
}

BoundOp bound_op_of(FieldCheck check) {
  switch (check) {
    case FieldCheck::None: return BoundOp::None;
    case FieldCheck::Lt: return BoundOp::Less;
    case FieldCheck::Le: return BoundOp::LessOrEqual;
    case FieldCheck::Gt: return BoundOp::Greater;
    case FieldCheck::Ge: return BoundOp::GreaterOrEqual;
    case FieldCheck::Eq: return BoundOp::Equal;
    case FieldCheck::Ne: return BoundOp::NotEqual;
  }
  return BoundOp::None;
}

// The operator as a policy writes it in `where`.
const char* bound_op_text(FieldCheck check) {
  switch (check) {
    case FieldCheck::Lt: return "<";
    case FieldCheck::Le: return "<=";
    case FieldCheck::Gt: return ">";
    case FieldCheck::Ge: return ">=";
    case FieldCheck::Eq: return "=";
    case FieldCheck::Ne: return "!=";
    case FieldCheck::None: break;
  }
  return "";
}

// A scalar as a register's cell writes it: as the results CSV prints it, but
// a bool as the 0 or 1 a register holds.
std::string cell_text(const Program& program, const ValueType& type, std::int64_t value) {
  if (type.kind == Kind::Bool) return value ? "1" : "0";
  std::string text;
  append_scalar_text(text, program, type, value);
  return text;
}

void describe_enum(const Program& program, const ValueType& type, std::string& name, std::vector<std::string>& members) {
  const bool enum_valued = type.kind == Kind::Enum || (type.kind == Kind::List && type.element == Kind::Enum);
  if (!enum_valued || type.enum_id >= program.enums.size()) return;
  name = program.enums[type.enum_id].name;
  members = program.enums[type.enum_id].members;
}

template <class Info>
std::optional<std::size_t> index_of(const std::vector<Info>& infos, std::string_view name) {
  for (std::size_t i = 0; i < infos.size(); ++i)
    if (infos[i].name == name) return i;
  return std::nullopt;
}

}  // namespace

ValueKind value_kind_of(const ValueType& type) {
  if (type.kind == Kind::Text) return ValueKind::Text;
  if (type.kind == Kind::List) return type.element == Kind::Enum ? ValueKind::EnumList : ValueKind::List;
  return scalar_value_kind(type.kind);
}

std::shared_ptr<const Schema> build_schema(const Program& program) {
  auto schema = std::make_shared<Schema>();
  for (const FieldDef& def : program.fields) {
    FieldInfo& field = schema->fields.emplace_back();
    field.name = def.name;
    field.kind = value_kind_of(def.type);
    describe_enum(program, def.type, field.enum_name, field.members);
    field.optional = def.optional;
    field.has_default = def.has_default;
    if (def.has_default) {
      if (def.type.kind == Kind::Text) {
        field.default_text = def.default_text;
      } else if (def.type.is_scalar()) {
        field.default_value = def.default_scalar;
        field.default_text = cell_text(program, def.type, def.default_scalar);
      }
    }
    if (def.check != FieldCheck::None) {
      field.bound_op = bound_op_of(def.check);
      field.bound_value = def.check_value;
      field.bound = std::string(bound_op_text(def.check)) + " " + cell_text(program, def.type, def.check_value);
    }
    field.key = def.key;
    field.personal = def.personal;
    field.description = def.description;
    field.line = def.line;
  }
  for (const OutputDef& def : program.outputs) {
    OutputInfo& output = schema->outputs.emplace_back();
    output.name = def.name;
    output.kind = value_kind_of(def.type);
    output.element = def.type.kind == Kind::List ? scalar_value_kind(def.type.element) : output.kind;
    describe_enum(program, def.type, output.enum_name, output.members);
    for (const DebugNote& note : program.notes)
      if (note.what == DebugNote::What::Output && note.name == def.name) {
        output.expression = note.text;
        output.line = note.line;
        output.file = note.file;
        break;
      }
  }
  for (const ParamDef& def : program.params) {
    ParamInfo& param = schema->params.emplace_back();
    param.name = def.name;
    param.kind = value_kind_of(def.type);
    describe_enum(program, def.type, param.enum_name, param.members);
    if (def.type.kind == Kind::Text) {
      param.text = def.text_value;
    } else {
      param.value = def.value;
      append_scalar_text(param.text, program, def.type, def.value);
    }
    param.description = def.description;
    param.source = def.source;
    param.line = def.line;
    param.layer = def.layer;
    param.year = def.year;
  }
  return schema;
}

std::optional<std::size_t> Schema::field_index(std::string_view name) const { return index_of(fields, name); }
std::optional<std::size_t> Schema::output_index(std::string_view name) const { return index_of(outputs, name); }
std::optional<std::size_t> Schema::param_index(std::string_view name) const { return index_of(params, name); }

}  // namespace precept
