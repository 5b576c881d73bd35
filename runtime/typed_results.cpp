// TypedResults and TypedOutcome (include/precept/evaluator.hpp): typed outputs
// and rejections, held row by row in storage that outlives a batch, so that
// evaluating household after household allocates nothing once warmed up.
#include "typed.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace precept {

void TypedResults::Store::reset(const Policy& new_policy, std::size_t new_rows) {
  if (schema != &new_policy.schema()) {
    policy = new_policy;
    schema = &policy->schema();
  }
  rows = new_rows;
  width = schema->outputs.size();
  // Every cell of an accepted row is written when it is collected; a
  // rejected row's are never read. So no clearing, only room.
  values.resize(rows * width);
  sizes.resize(rows * width);
  text_bytes.clear();
  enum_items.clear();
  list_items.clear();
  rejection_of.assign(rows, 0);
  rejected = 0;
}

TypedRejection& TypedResults::Store::reject(std::size_t row) {
  if (rejected == rejections.size()) rejections.emplace_back();
  rejection_of[row] = static_cast<std::uint32_t>(++rejected);
  return rejections[rejected - 1];
}

TypedResults::TypedResults() : store_(std::make_unique<Store>()) {}
TypedResults::~TypedResults() = default;
TypedResults::TypedResults(TypedResults&&) noexcept = default;
TypedResults& TypedResults::operator=(TypedResults&&) noexcept = default;

std::size_t TypedResults::size() const { return store_ ? store_->rows : 0; }
std::size_t TypedResults::rejected() const { return store_ ? store_->rejected : 0; }

TypedOutcome TypedResults::operator[](std::size_t index) const {
  if (index >= size())
    throw std::out_of_range(fmt::format("record {} is out of range: the results hold {}", index, size()));
  return TypedOutcome(this, index);
}

namespace {

using Store = TypedResultsAccess::Store;

// The getter that reads an output of this kind.
const char* getter_for(ValueKind kind) {
  switch (kind) {
    case ValueKind::Bool: return "boolean()";
    case ValueKind::Text: return "text()";
    case ValueKind::EnumList: return "enum_list()";
    case ValueKind::List: return "list()";
    default: return "scalar()";
  }
}

const TypedRejection* rejection_at(const Store& store, std::size_t row) {
  const std::uint32_t index = store.rejection_of[row];
  return index ? &store.rejections[index - 1] : nullptr;
}

// The cell of `output` in `row`, after checking that the caller may read it
// as `wanted`: an output of that kind (or a scalar, for scalar()) of an
// accepted household.
std::size_t cell_of(const Store& store, std::size_t row, std::size_t output, ValueKind wanted) {
  if (output >= store.width)
    throw std::invalid_argument(
        fmt::format("output index {} is out of range: the policy has {} outputs", output, store.width));
  const OutputInfo& info = store.schema->outputs[output];
  const bool scalar = info.kind != ValueKind::Text && info.kind != ValueKind::EnumList && info.kind != ValueKind::List;
  const bool reads = info.kind == wanted || (wanted == ValueKind::Int && scalar);
  if (!reads)
    throw std::invalid_argument(fmt::format("output `{}` is {}: read it with {}, not {}", info.name,
                                            value_kind_name(info.kind), getter_for(info.kind), getter_for(wanted)));
  if (const TypedRejection* rejection = rejection_at(store, row))
    throw std::invalid_argument(fmt::format("the household was rejected ({}), so it has no output `{}`",
                                            reject_kind_name(rejection->kind), info.name));
  return row * store.width + output;
}

// The rejection of an accepted household: no kind, and every text empty.
const TypedRejection kAccepted;

const TypedRejection& rejection_or_accepted(const Store& store, std::size_t row) {
  const TypedRejection* rejection = rejection_at(store, row);
  return rejection ? *rejection : kAccepted;
}

}  // namespace

bool TypedOutcome::ok() const { return rejection_at(*results_->store_, row_) == nullptr; }
RejectKind TypedOutcome::kind() const { return rejection_or_accepted(*results_->store_, row_).kind; }
std::string_view TypedOutcome::column() const { return rejection_or_accepted(*results_->store_, row_).column; }
std::string_view TypedOutcome::error() const { return rejection_or_accepted(*results_->store_, row_).error; }
std::string_view TypedOutcome::declaration() const {
  return rejection_or_accepted(*results_->store_, row_).declaration;
}
std::string_view TypedOutcome::policy_file() const {
  return rejection_or_accepted(*results_->store_, row_).policy_file;
}
std::uint32_t TypedOutcome::policy_line() const { return rejection_or_accepted(*results_->store_, row_).policy_line; }

bool TypedOutcome::boolean(std::size_t output) const {
  const Store& store = *results_->store_;
  return store.values[cell_of(store, row_, output, ValueKind::Bool)] != 0;
}

std::int64_t TypedOutcome::scalar(std::size_t output) const {
  const Store& store = *results_->store_;
  return store.values[cell_of(store, row_, output, ValueKind::Int)];
}

std::string_view TypedOutcome::text(std::size_t output) const {
  const Store& store = *results_->store_;
  const std::size_t cell = cell_of(store, row_, output, ValueKind::Text);
  return std::string_view(store.text_bytes).substr(static_cast<std::size_t>(store.values[cell]), store.sizes[cell]);
}

std::span<const std::uint32_t> TypedOutcome::enum_list(std::size_t output) const {
  const Store& store = *results_->store_;
  const std::size_t cell = cell_of(store, row_, output, ValueKind::EnumList);
  return std::span(store.enum_items).subspan(static_cast<std::size_t>(store.values[cell]), store.sizes[cell]);
}

std::span<const std::int64_t> TypedOutcome::list(std::size_t output) const {
  const Store& store = *results_->store_;
  const std::size_t cell = cell_of(store, row_, output, ValueKind::List);
  return std::span(store.list_items).subspan(static_cast<std::size_t>(store.values[cell]), store.sizes[cell]);
}

}  // namespace precept
