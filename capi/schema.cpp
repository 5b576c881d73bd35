// The C views of a policy's schema (precept/schema.hpp): built once per
// policy handle, borrowed by every precept_field_info / precept_output_info.
#include "handles.hpp"

namespace precept::capi {
namespace {

precept_kind kind_of(ValueKind kind) {
  switch (kind) {
    case ValueKind::Bool: return PRECEPT_KIND_BOOL;
    case ValueKind::Int: return PRECEPT_KIND_INT;
    case ValueKind::Money: return PRECEPT_KIND_MONEY;
    case ValueKind::Decimal: return PRECEPT_KIND_DECIMAL;
    case ValueKind::Date: return PRECEPT_KIND_DATE;
    case ValueKind::Enum: return PRECEPT_KIND_ENUM;
    case ValueKind::Text: return PRECEPT_KIND_TEXT;
    case ValueKind::EnumList: return PRECEPT_KIND_ENUM_LIST;
    case ValueKind::List: return PRECEPT_KIND_LIST;
  }
  fail(PRECEPT_INTERNAL_ERROR, "a value kind the C API does not know");
}

std::vector<const char*> c_strings(const std::vector<std::string>& texts) {
  std::vector<const char*> pointers;
  pointers.reserve(texts.size());
  for (const std::string& text : texts) pointers.push_back(text.c_str());
  return pointers;
}

}  // namespace

void describe_schema(PolicyData& data) {
  // The schema lives as long as the Policy (shared by its copies): its strings
  // are what the C views point to.
  const Schema& schema = data.policy.schema();
  for (const FieldInfo& field : schema.fields) data.field_members.push_back(c_strings(field.members));
  for (const OutputInfo& output : schema.outputs) data.output_members.push_back(c_strings(output.members));
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const FieldInfo& field = schema.fields[i];
    precept_field_info info{};
    info.name = field.name.c_str();
    info.kind = kind_of(field.kind);
    info.members = field.members.empty() ? nullptr : data.field_members[i].data();
    info.member_count = field.members.size();
    info.optional = field.optional ? 1 : 0;
    info.has_default = field.has_default ? 1 : 0;
    info.default_value = field.default_text.c_str();
    info.default_scalar = field.default_value;
    info.bound = field.bound.c_str();
    info.description = field.description.c_str();
    info.line = field.line;
    data.fields.push_back(info);
  }
  for (std::size_t i = 0; i < schema.outputs.size(); ++i) {
    const OutputInfo& output = schema.outputs[i];
    precept_output_info info{};
    info.name = output.name.c_str();
    info.kind = kind_of(output.kind);
    info.element = kind_of(output.element);
    info.members = output.members.empty() ? nullptr : data.output_members[i].data();
    info.member_count = output.members.size();
    info.expression = output.expression.c_str();
    info.file = output.file.c_str();
    info.line = output.line;
    data.outputs.push_back(info);
  }
}

}  // namespace precept::capi

extern "C" const char* precept_kind_name(precept_kind kind) {
  switch (kind) {
    case PRECEPT_KIND_BOOL: return precept::value_kind_name(precept::ValueKind::Bool);
    case PRECEPT_KIND_INT: return precept::value_kind_name(precept::ValueKind::Int);
    case PRECEPT_KIND_MONEY: return precept::value_kind_name(precept::ValueKind::Money);
    case PRECEPT_KIND_DECIMAL: return precept::value_kind_name(precept::ValueKind::Decimal);
    case PRECEPT_KIND_DATE: return precept::value_kind_name(precept::ValueKind::Date);
    case PRECEPT_KIND_ENUM: return precept::value_kind_name(precept::ValueKind::Enum);
    case PRECEPT_KIND_TEXT: return precept::value_kind_name(precept::ValueKind::Text);
    case PRECEPT_KIND_ENUM_LIST: return precept::value_kind_name(precept::ValueKind::EnumList);
    case PRECEPT_KIND_LIST: return precept::value_kind_name(precept::ValueKind::List);
  }
  return "unknown";
}
