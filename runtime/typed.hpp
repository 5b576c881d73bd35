// The library's own way into the typed API of include/precept/ (schema.hpp,
// evaluator.hpp): building a program's Schema, and the storage behind
// TypedRecord and TypedResults that the evaluator reads and fills.
#pragma once

#include <precept/evaluator.hpp>
#include <precept/schema.hpp>

#include "program.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace precept {

// The schema of a verified program (Policy builds it once, when made).
std::shared_ptr<const Schema> build_schema(const Program& program);

// The kind a schema shows for a field's or output's type.
ValueKind value_kind_of(const ValueType& type);

struct TypedRecordAccess {
  static const std::vector<std::int64_t>& scalars(const TypedRecord& r) { return r.scalars_; }
  static const std::vector<std::uint8_t>& set(const TypedRecord& r) { return r.set_; }
  static const std::vector<std::string>& texts(const TypedRecord& r) { return r.texts_; }
  static const std::vector<std::vector<std::uint32_t>>& lists(const TypedRecord& r) { return r.lists_; }
};

// A rejected household of TypedResults: as Outcome has it.
struct TypedRejection {
  RejectKind kind = RejectKind::None;
  std::string column;
  std::string error;
  std::string declaration;
  std::string policy_file;
  std::uint32_t policy_line = 0;
};

// Row by row, output by output (cell = row * width + output): a scalar's value,
// or where a text's bytes or a list's items start in their arena and how many
// there are. Arenas and rejections keep their storage from batch to batch.
struct TypedResults::Store {
  std::optional<Policy> policy;  // keeps `schema` alive as long as the results
  const Schema* schema = nullptr;
  std::size_t rows = 0;
  std::size_t width = 0;  // outputs
  std::vector<std::int64_t> values;
  std::vector<std::uint64_t> sizes;
  std::string text_bytes;
  std::vector<std::uint32_t> enum_items;
  std::vector<std::int64_t> list_items;
  // Per row: 0 when accepted, else 1 + its index in rejections.
  std::vector<std::uint32_t> rejection_of;
  std::vector<TypedRejection> rejections;  // the first `rejected` are this batch's
  std::size_t rejected = 0;

  // Empty results for `rows` records of `policy`'s outputs.
  void reset(const Policy& policy, std::size_t rows);
  // Row `row` is rejected: the returned entry is to be filled in (its strings
  // keep their storage from earlier batches).
  TypedRejection& reject(std::size_t row);
};

struct TypedResultsAccess {
  using Store = TypedResults::Store;
  // A moved-from TypedResults gets new storage here.
  static TypedResults::Store& store(TypedResults& results) {
    if (!results.store_) results.store_ = std::make_unique<TypedResults::Store>();
    return *results.store_;
  }
};

}  // namespace precept
