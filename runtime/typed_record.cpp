// TypedRecord (include/precept/evaluator.hpp): one household's typed values,
// checked against the field's kind as they are set, so that the evaluator
// reads them without looking at the schema again.
#include "typed.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace precept {

TypedRecord::TypedRecord(const Policy& policy) : policy_(policy), schema_(&policy_.schema()) {
  for (const FieldInfo& field : schema_->fields) kinds_.push_back(field.kind);
  const std::size_t fields = schema_->fields.size();
  scalars_.assign(fields, 0);
  set_.assign(fields, 0);
  texts_.resize(fields);
  lists_.resize(fields);
}

namespace {

const FieldInfo& field_at(const Schema& schema, std::size_t field) {
  if (field >= schema.fields.size())
    throw std::invalid_argument(fmt::format("field index {} is out of range: the policy's record has {} fields",
                                            field, schema.fields.size()));
  return schema.fields[field];
}

// An enum member index of `field`, or the exception that says it is not one.
void expect_member(const FieldInfo& field, std::uint32_t member) {
  if (member >= field.members.size())
    throw std::invalid_argument(fmt::format("member index {} is out of range for field `{}`: {} has {} members",
                                            member, field.name, field.enum_name, field.members.size()));
}

}  // namespace

void TypedRecord::refuse(std::size_t field, ValueKind kind) const {
  const FieldInfo& info = field_at(*schema_, field);
  throw std::invalid_argument(fmt::format("field `{}` is {}, not {}: set it with set_{}", info.name,
                                          value_kind_name(info.kind), value_kind_name(kind), value_kind_name(info.kind)));
}

void TypedRecord::set_enum(std::size_t field, std::uint32_t member) {
  expect(field, ValueKind::Enum);
  expect_member(schema_->fields[field], member);
  scalars_[field] = member;
  set_[field] = 1;
}

void TypedRecord::set_text(std::size_t field, std::string_view text) {
  expect(field, ValueKind::Text);
  texts_[field].assign(text);
  set_[field] = 1;
}

void TypedRecord::set_enum_list(std::size_t field, std::span<const std::uint32_t> members) {
  expect(field, ValueKind::EnumList);
  for (const std::uint32_t member : members) expect_member(schema_->fields[field], member);
  lists_[field].assign(members.begin(), members.end());
  set_[field] = 1;
}

void TypedRecord::set_empty(std::size_t field) {
  field_at(*schema_, field);
  set_[field] = 0;
  texts_[field].clear();
  lists_[field].clear();
}

void TypedRecord::clear() {
  for (std::size_t field = 0; field < set_.size(); ++field) {
    set_[field] = 0;
    texts_[field].clear();
    lists_[field].clear();
  }
}

bool TypedRecord::has_value(std::size_t field) const {
  field_at(*schema_, field);
  return set_[field] != 0;
}

}  // namespace precept
