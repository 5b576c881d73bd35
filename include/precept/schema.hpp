// What a policy reads and what it gives back, described for programs: the
// fields of its record, its outputs and its parameters, each with its kind of
// value, so that a caller can build records and read results as typed values
// (no text, and no name looked up per value) through precept::TypedRecord and
// precept::TypedOutcome (precept/evaluator.hpp).
//
//   const precept::Schema& schema = policy.schema();
//   const std::size_t members = *schema.field_index("members");   // once, not per household
//   for (const precept::FieldInfo& field : schema.fields)
//     std::cout << field.name << ": " << precept::value_kind_name(field.kind) << '\n';
//
// How each kind of value is held (the same in the C++ typed API, the Arrow
// columns and the C API; never a double):
//   Bool     0 or 1
//   Int      int64 (a record's int reads at most 9 digits, as in a CSV cell)
//   Money    int64 fen: 2736.00 yuan is 273600 (scale 2)
//   Decimal  int64 millionths: 0.216 is 216000 (scale 6)
//   Date     days since 1970-01-01 (Arrow's date32): 2015-06-30 is 16616
//   Enum     the member's index in FieldInfo::members / OutputInfo::members
//            (the enum's declaration order)
//   Text     UTF-8 bytes
//   EnumList member indices, in order
//   List     (outputs only) items of OutputInfo::element, each held as above
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// The kind of a field's or an output's value. A record's fields are one of
// Bool .. EnumList (a policy's `list of` holds an enum); an output may also be
// a List of numbers, dates or booleans, such as a `collect` table's amount
// column (`amounts = measures.amount`).
enum class ValueKind : std::uint8_t { Bool, Int, Money, Decimal, Date, Enum, Text, EnumList, List };

// The kind's name as a policy writes its type ("bool", "int", "money",
// "decimal", "date", "enum", "text"), "enum_list" and "list" for the lists.
const char* value_kind_name(ValueKind kind);

// A field's `where` check (`members: int where >= 1`): the value must compare
// so with FieldInfo::bound_value, or the record is rejected with
// RejectKind::BoundFailed.
enum class BoundOp : std::uint8_t { None, Less, LessOrEqual, Greater, GreaterOrEqual, Equal, NotEqual };

// One field of the policy's record, in the record's order (FieldInfo's index in
// Schema::fields is the index TypedRecord's setters take).
struct FieldInfo {
  std::string name;
  ValueKind kind = ValueKind::Text;
  // Enum and EnumList: the enum's name and its members, in declaration order
  // (a member's index is its typed value); empty for other kinds.
  std::string enum_name;
  std::vector<std::string> members;
  // May be empty: `optional` (the policy reads it as absent), or with a
  // default (an empty value takes it). Any other empty scalar field rejects
  // the record (RejectKind::ValueMissing). An empty text is the empty text and
  // an empty list the empty list, as in a CSV cell.
  bool optional = false;
  bool has_default = false;
  // With has_default: the default as a CSV cell writes it ("1", "0.00", a
  // member's name, the text), and for the scalar kinds its typed value.
  std::string default_text;
  std::int64_t default_value = 0;
  // The `where` check: its operator and bound as a policy writes the operator
  // and a CSV cell the value (">= 1", "< 100000.00"), empty when there is none;
  // and the same as typed values.
  std::string bound;
  BoundOp bound_op = BoundOp::None;
  std::int64_t bound_value = 0;
  // `key` (`household_id: text key`): the field that tells households apart.
  // A register holds one row per key: a later row with a key already read is
  // rejected (RejectKind::DuplicateKey), and registers of different years are
  // matched by it. At most one field of a schema; always Text or Int, never
  // optional.
  bool key = false;
  // `personal` (`id_card: optional text personal`): a value about a person
  // that is not to be posted; a publicity list masks it. Reading and deciding
  // are unchanged.
  bool personal = false;
  std::string description;  // the field's description in the policy, if any
  std::uint32_t line = 0;   // the policy line that declares it
};

// One output of the policy, in the `output` list's order (OutputInfo's index in
// Schema::outputs is the index TypedOutcome's getters take).
struct OutputInfo {
  std::string name;
  ValueKind kind = ValueKind::Text;
  // The kind of one item, for EnumList (Enum) and List (Bool .. Date); for
  // the other kinds, kind itself.
  ValueKind element = ValueKind::Text;
  // Enum and EnumList: the enum's name and its members, as in FieldInfo.
  std::string enum_name;
  std::vector<std::string> members;
  // What the output is, as written in the policy's `output` list
  // ("sum(measures.amount)", or the name it shows, "poor"), and the line and
  // file (a layer's, for a layered policy; "" for the policy's own) it is
  // written in. Known when the program carries its notes (compiled from
  // source, or a .pcb of this version); else empty and 0.
  std::string expression;
  std::uint32_t line = 0;
  std::string file;
};

// One parameter of the policy (`param poverty_line: money = 2736.00 yuan`),
// with the value in force for the year the policy was compiled for (a dated
// parameter's entry for CompileOptions::year, a layer's `override` applied):
// what an analyst reads before asking "what if the line were 3000 yuan", and
// what a what-if layer overrides (`override param poverty_line = 3000 yuan`).
struct ParamInfo {
  std::string name;
  ValueKind kind = ValueKind::Text;  // Bool .. Text
  // Enum: the enum's name and its members, as in FieldInfo.
  std::string enum_name;
  std::vector<std::string> members;
  // The value: for the scalar kinds in the representation above (fen,
  // millionths, days, member index); and for every kind as the results CSV
  // writes it ("2736.00", "true", a member's name, the text itself).
  std::int64_t value = 0;
  std::string text;
  std::string description;  // the parameter's description in the policy, if any
  std::string source;       // its citation (`source "..."`), if any
  std::uint32_t line = 0;   // the line that declares it (0 when the program does not say)
  // A layered or dated value: the layer that wrote it ("national.pol:12"; ""
  // for the policy's own file) and the year of its entry (0: not dated).
  std::string layer;
  std::int32_t year = 0;
};

// The fields and outputs of a policy (Policy::schema()): built once per
// compiled program and shared by every copy of its Policy; immutable, so any
// thread may read it.
struct Schema {
  std::vector<FieldInfo> fields;
  std::vector<OutputInfo> outputs;
  std::vector<ParamInfo> params;  // in declaration order (a parent layer's first)

  // The index of the field, output or parameter of that name; std::nullopt
  // when the policy has none (a misspelt name is found here, once, not per
  // household).
  std::optional<std::size_t> field_index(std::string_view name) const;
  std::optional<std::size_t> output_index(std::string_view name) const;
  std::optional<std::size_t> param_index(std::string_view name) const;
};

}  // namespace precept
