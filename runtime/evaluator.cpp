// The embedding API's evaluator: the same batch machine as `precept run`, fed
// from (name, text) pairs or from typed records instead of a CSV file.
#include <precept/evaluator.hpp>
#include <precept/run.hpp>

#include "batch.hpp"
#include "format.hpp"
#include "messages.hpp"
#include "numeric.hpp"
#include "program.hpp"
#include "rejection.hpp"
#include "typed.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace precept {

namespace {
// Records evaluated together, at most: fewer when the policy's registers
// would not fit in a worker's memory budget at this size.
constexpr std::size_t kBatchCapacity = 256;

using NamedRecord = std::vector<std::pair<std::string, std::string>>;

// How a typed record's scalar field goes into a batch. A value that holds()
// is one a register's cell can hold that meets the field's `where` check: it
// is stored as it is. Any other value goes through its text, as a CSV cell
// writing it would (parse_field_value), which rejects it with the CSV path's
// kind and message; so the range only decides what is fast, never what is
// accepted.
struct TypedField {
  RegisterFile file = RegisterFile::Scalar;
  // The values held, as one unsigned comparison (value - low <= span), less
  // `excluded` (the `where field != x`, else a value outside the range). A
  // range that cannot be written so (empty, or every int64 with no value left
  // out) holds nothing: the range {1} less 1, as it starts.
  std::int64_t low = 1;
  std::uint64_t span = 0;
  std::int64_t excluded = 1;
  // The field's column in the evaluator's batch (whose arrays never move).
  std::int64_t* scalars = nullptr;
  std::uint8_t* present = nullptr;
  std::string_view* texts = nullptr;

  bool holds(std::int64_t value) const {
    return (static_cast<std::uint64_t>(value) - static_cast<std::uint64_t>(low) <= span) & (value != excluded);
  }
};

TypedField typed_field(const Program& program, const FieldDef& field, FieldColumn& column) {
  TypedField plan;
  plan.file = register_file_of(field.type);
  plan.scalars = column.scalars.data();
  plan.present = column.present.data();
  plan.texts = column.texts.data();
  if (plan.file != RegisterFile::Scalar) return plan;
  // The values the cell parsers of numeric.hpp read (their largest texts).
  std::int64_t low, high;
  if (field.type.kind == Kind::Enum) {
    low = 0, high = static_cast<std::int64_t>(program.enums[field.type.enum_id].members.size()) - 1;
  } else {
    const CellValueRange range = cell_value_range(field.type.kind);
    low = range.low, high = range.high;
  }
  const std::int64_t bound = field.check_value;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min(), kMax = std::numeric_limits<std::int64_t>::max();
  std::optional<std::int64_t> excluded;
  switch (field.check) {
    case FieldCheck::Lt: high = bound == kMin ? low - 1 : std::min(high, bound - 1); break;
    case FieldCheck::Le: high = std::min(high, bound); break;
    case FieldCheck::Gt: low = bound == kMax ? high + 1 : std::max(low, bound + 1); break;
    case FieldCheck::Ge: low = std::max(low, bound); break;
    case FieldCheck::Eq: low = std::max(low, bound), high = std::min(high, bound); break;
    case FieldCheck::Ne: excluded = bound; break;
    case FieldCheck::None: break;
  }
  if (high < low) return plan;  // nothing held as it is
  if (!excluded && low > kMin) excluded = low - 1;
  if (!excluded && high < kMax) excluded = high + 1;
  if (!excluded) return plan;
  plan.low = low;
  plan.span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  plan.excluded = *excluded;
  return plan;
}

// A batch, the machine that runs it, and each field's plan for typed records.
// An evaluator has two: one of its batch capacity, and one of a single row for
// one household at a time, whose registers then lie together in a few cache
// lines rather than a line each.
struct Lane {
  Batch batch;
  Machine machine;
  std::vector<TypedField> fields;
  // The fields in the order of load()'s first pass: the scalar ones (the first
  // `scalar_fields`), then the others.
  std::vector<std::uint32_t> fast_order;
  std::size_t scalar_fields = 0;

  Lane(const Program& program, std::size_t capacity) : machine(program, capacity) {
    batch.reset(program, capacity);
    for (std::uint32_t f = 0; f < program.fields.size(); ++f)
      fields.push_back(typed_field(program, program.fields[f], batch.columns[f]));
    for (std::uint32_t f = 0; f < fields.size(); ++f)
      if (fields[f].file == RegisterFile::Scalar) fast_order.push_back(f);
    scalar_fields = fast_order.size();
    for (std::uint32_t f = 0; f < fields.size(); ++f)
      if (fields[f].file != RegisterFile::Scalar) fast_order.push_back(f);
    // The batch is filled in place and never reset again: `fields` keeps
    // pointers into its columns, and so may the machine.
    machine.bind(batch);
  }
};

// Why the machine rejected row `row`, into `out`: an Outcome, or a
// TypedRejection (the same members).
template <class Reason>
void machine_reason(const Program& program, const Machine& machine, std::size_t row, Language language, Reason& out) {
  Rejection rejection = machine_rejection(program, machine, row, language);
  out.kind = rejection.kind;
  out.column = std::move(rejection.column);
  out.error = std::move(rejection.message);
  out.policy_file = declaration_file(program, rejection.declaration);
  out.declaration = std::move(rejection.declaration);
  out.policy_line = rejection.line;
}

// How an output is copied into TypedResults.
struct TypedOutput {
  RegisterFile file = RegisterFile::Scalar;
  bool enum_items = false;  // a list of enum members (else of int64 items)
  std::uint32_t reg = 0;
};

}  // namespace

struct Evaluator::Impl {
  Policy policy;
  EvaluatorOptions options;
  std::size_t capacity;
  Lane wide;  // batches
  Lane one;   // one household at a time
  // Field index by name, and per field the cell a record gives it (scratch).
  std::unordered_map<std::string_view, std::uint32_t> field_of;
  std::vector<const std::string*> cell_of;
  // The records of the current batch that were loaded, and their rows (scratch).
  std::vector<std::pair<std::size_t, std::size_t>> loaded;
  // Typed records: per output, planned once.
  std::vector<TypedOutput> typed_outputs;
  std::string value_text;     // a typed value written as a cell's text (scratch)
  std::string reason;         // why a value did not read (scratch)
  TypedResults single;        // what the last evaluate(TypedRecord) gave

  Impl(Policy p, EvaluatorOptions o)
      : policy(std::move(p)),
        options(o),
        capacity(capacity_within_budget(program_of(policy), kBatchCapacity, kWorkerMemoryBudget)),
        wide(program_of(policy), capacity),
        one(program_of(policy), 1) {
    const Program& program = program_of(policy);
    loaded.reserve(capacity);
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) field_of.emplace(program.fields[f].name, f);
    for (const OutputDef& out : program.outputs)
      typed_outputs.push_back({register_file_of(out.type), out.type.kind == Kind::List && out.type.element == Kind::Enum,
                               out.reg});
  }

  // Evaluates `count` records in batches of the lane's capacity:
  // load(record, row) puts one into row `row` of the lane's batch (false when
  // it is rejected as read, having said why), collect(record, row) takes its
  // results after the run.
  template <class Load, class Collect>
  void in_batches(Lane& lane, std::size_t count, Load&& load, Collect&& collect) {
    Batch& batch = lane.batch;
    for (std::size_t start = 0; start < count; start += batch.capacity) {
      const std::size_t end = std::min(count, start + batch.capacity);
      batch.rows = 0;
      loaded.clear();
      for (std::size_t r = start; r < end; ++r) {
        const std::size_t row = batch.rows;
        if (!load(r, row)) continue;
        batch.lines[row] = row + 1;
        ++batch.rows;
        loaded.emplace_back(r, row);
      }
      lane.machine.run(batch);
      for (const auto& [record, row] : loaded) collect(record, row);
    }
  }

  // ------------------------------------------------------------ named records

  // Matches the record's names to the fields (into cell_of); false, saying
  // why, when a name is unknown (unless allowed) or given twice.
  bool match_names(const NamedRecord& record, Outcome& outcome) {
    cell_of.assign(program_of(policy).fields.size(), nullptr);
    for (const auto& [name, text] : record) {
      const auto field = field_of.find(name);
      if (field == field_of.end()) {
        if (options.allow_unknown_fields) continue;
        outcome.kind = RejectKind::UnknownField;
        outcome.column = name;
        outcome.error = say<MessageId::reject_unknown_field>(options.language, name).text;
        return false;
      }
      if (cell_of[field->second]) {
        outcome.kind = RejectKind::DuplicateField;
        outcome.column = name;
        outcome.error = say<MessageId::reject_field_twice>(options.language, name).text;
        return false;
      }
      cell_of[field->second] = &text;
    }
    return true;
  }

  // Parses one record into row `row`; on failure the outcome says why.
  bool load(const NamedRecord& record, Lane& lane, std::size_t row, Outcome& outcome) {
    if (!match_names(record, outcome)) return false;
    const Program& program = program_of(policy);
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) {
      const std::string_view text = cell_of[f] ? std::string_view(*cell_of[f]) : std::string_view();
      if (!parse_field_value(program, f, text, lane.batch.columns[f], row, reason, options.language)) {
        outcome.kind = cell_reject_kind(program, f, text);
        outcome.column = program.fields[f].name;
        outcome.error = reason;
        return false;
      }
    }
    return true;
  }

  void collect(const Lane& lane, std::size_t row, Outcome& outcome) {
    const Program& program = program_of(policy);
    const Machine& machine = lane.machine;
    if (machine.error(row) != RowError::None) {
      machine_reason(program, machine, row, options.language, outcome);
      return;
    }
    outcome.ok = true;
    for (const OutputDef& out : program.outputs) {
      std::string value;
      append_value_text(value, program, out.type, machine, out.reg, row);
      outcome.values.push_back(std::move(value));
    }
  }

  // Evaluates named records in place (no copy of any record).
  void evaluate_named(Lane& lane, const NamedRecord* records, std::size_t count, Outcome* outcomes) {
    in_batches(
        lane, count, [&](std::size_t r, std::size_t row) { return load(records[r], lane, row, outcomes[r]); },
        [&](std::size_t r, std::size_t row) { collect(lane, row, outcomes[r]); });
  }

  // ------------------------------------------------------------ typed records

  void check_policy(const TypedRecord& record) const {
    if (&record.schema() != &policy.schema())
      throw std::invalid_argument(fmt::format("the record was made for the policy \"{}\" ({}), not for this "
                                              "evaluator's \"{}\" ({})",
                                              record.policy().name(), record.policy().source_file(), policy.name(),
                                              policy.source_file()));
  }

  // Puts a typed record into row `row`: its values as they are where a CSV
  // cell could hold them (TypedField), the rest as a cell writing them would
  // be read. On failure, result `result` of `store` says why.
  //
  // First a pass for the usual record, every field given and within its
  // checks (a fifth of one typed household's time went into the general
  // loop's tests); at the first field that is not, the general loop below,
  // in field order, decides, so a record is read the same either way.
  bool load(const TypedRecord& record, Lane& lane, std::size_t row, TypedResultsAccess::Store& store,
            std::size_t result) {
    const std::int64_t* scalars = TypedRecordAccess::scalars(record).data();
    const std::uint8_t* set = TypedRecordAccess::set(record).data();
    const std::string* texts = TypedRecordAccess::texts(record).data();
    const std::size_t count = lane.fields.size();
    // Locals: a byte store (present) may alias anything, so members would be
    // read again every field.
    const TypedField* const plans = lane.fields.data();
    const std::uint32_t* const order = lane.fast_order.data();
    const std::size_t scalar_count = lane.scalar_fields;
    // Every field given; then no early exit: the stores are harmless when the
    // record is not usual (the general loop writes the row again), and without
    // one the loop is a few instructions a field.
    bool usual = std::memchr(set, 0, count) == nullptr;
    if (usual) {
      for (std::size_t k = 0; k < scalar_count; ++k) {
        const std::uint32_t f = order[k];
        const TypedField& plan = plans[f];
        const std::int64_t value = scalars[f];
        usual &= plan.holds(value);
        plan.scalars[row] = value;
        plan.present[row] = 1;
      }
      for (std::size_t k = scalar_count; k < count; ++k) {
        const std::uint32_t f = order[k];
        const TypedField& plan = plans[f];
        if (plan.file == RegisterFile::Text) {
          usual &= !texts[f].empty();
          plan.texts[row] = texts[f];
        } else {
          const std::vector<std::uint32_t>& members = TypedRecordAccess::lists(record)[f];
          lane.batch.columns[f].lists[row].assign(members.begin(), members.end());
        }
        plan.present[row] = 1;
      }
    }
    return usual || load_in_order(record, lane, row, store, result);
  }

  bool load_in_order(const TypedRecord& record, Lane& lane, std::size_t row, TypedResultsAccess::Store& store,
                     std::size_t result) {
    const Program& program = program_of(policy);
    const std::int64_t* scalars = TypedRecordAccess::scalars(record).data();
    const std::uint8_t* set = TypedRecordAccess::set(record).data();
    const std::string* texts = TypedRecordAccess::texts(record).data();
    // Locals, so that the stores into the batch (a byte store may alias
    // anything) do not make the compiler read them again per field.
    const TypedField* const plans = lane.fields.data();
    const auto fields = static_cast<std::uint32_t>(lane.fields.size());
    for (std::uint32_t f = 0; f < fields; ++f) {
      const TypedField& plan = plans[f];
      std::string_view text;
      if (set[f] && plan.file == RegisterFile::Scalar) {
        const std::int64_t value = scalars[f];
        if (plan.holds(value)) {
          plan.scalars[row] = value;
          plan.present[row] = 1;
          continue;
        }
        value_text.clear();
        append_scalar_text(value_text, program, program.fields[f].type, value);
        text = value_text;
      } else if (set[f] && plan.file == RegisterFile::Text) {
        text = texts[f];
        if (!text.empty()) {  // as parse_field_value would take it, without the call
          plan.texts[row] = text;
          plan.present[row] = 1;
          continue;
        }
      } else if (set[f]) {
        const std::vector<std::uint32_t>& members = TypedRecordAccess::lists(record)[f];
        lane.batch.columns[f].lists[row].assign(members.begin(), members.end());
        plan.present[row] = 1;
        continue;
      }
      // An empty field (of any kind), or a value a cell cannot hold as it is.
      if (!parse_field_value(program, f, text, lane.batch.columns[f], row, reason, options.language)) {
        TypedRejection& rejection = store.reject(result);
        rejection.kind = cell_reject_kind(program, f, text);
        rejection.column = program.fields[f].name;
        rejection.error = reason;
        rejection.declaration.clear();
        rejection.policy_file.clear();
        rejection.policy_line = 0;
        return false;
      }
    }
    return true;
  }

  void collect(const Lane& lane, std::size_t row, TypedResultsAccess::Store& store, std::size_t result) {
    const Program& program = program_of(policy);
    const Machine& machine = lane.machine;
    if (machine.error(row) != RowError::None) {
      machine_reason(program, machine, row, options.language, store.reject(result));
      return;
    }
    store.rejection_of[result] = 0;
    std::int64_t* values = store.values.data() + result * store.width;
    std::uint64_t* sizes = store.sizes.data() + result * store.width;
    for (std::size_t o = 0; o < typed_outputs.size(); ++o) {
      const TypedOutput& out = typed_outputs[o];
      if (out.file == RegisterFile::Scalar) {
        values[o] = machine.scalar(out.reg, row);
      } else if (out.file == RegisterFile::Text) {
        const std::string_view text = machine.text(out.reg, row);
        values[o] = static_cast<std::int64_t>(store.text_bytes.size());
        sizes[o] = text.size();
        store.text_bytes += text;
      } else if (out.enum_items) {
        const ListItems items = machine.list(out.reg, row);
        values[o] = static_cast<std::int64_t>(store.enum_items.size());
        sizes[o] = items.size();
        for (const std::int64_t item : items) store.enum_items.push_back(static_cast<std::uint32_t>(item));
      } else {
        const ListItems items = machine.list(out.reg, row);
        values[o] = static_cast<std::int64_t>(store.list_items.size());
        sizes[o] = items.size();
        store.list_items.insert(store.list_items.end(), items.begin(), items.end());
      }
    }
  }
};

Evaluator::Evaluator(Policy policy, EvaluatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(policy), options)) {}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

const Policy& Evaluator::policy() const { return impl_->policy; }

Outcome Evaluator::evaluate(const std::vector<std::pair<std::string, std::string>>& record) {
  Outcome outcome;
  impl_->evaluate_named(impl_->one, &record, 1, &outcome);
  return outcome;
}

std::vector<Outcome> Evaluator::evaluate_batch(
    const std::vector<std::vector<std::pair<std::string, std::string>>>& records) {
  std::vector<Outcome> outcomes(records.size());
  impl_->evaluate_named(impl_->wide, records.data(), records.size(), outcomes.data());
  return outcomes;
}

TypedOutcome Evaluator::evaluate(const TypedRecord& record) {
  Impl& impl = *impl_;
  impl.check_policy(record);
  TypedResultsAccess::Store& store = TypedResultsAccess::store(impl.single);
  store.reset(impl.policy, 1);
  impl.in_batches(
      impl.one, 1, [&](std::size_t, std::size_t row) { return impl.load(record, impl.one, row, store, 0); },
      [&](std::size_t, std::size_t row) { impl.collect(impl.one, row, store, 0); });
  return impl.single[0];
}

void Evaluator::evaluate_batch(std::span<const TypedRecord> records, TypedResults& results) {
  Impl& impl = *impl_;
  for (const TypedRecord& record : records) impl.check_policy(record);
  TypedResultsAccess::Store& store = TypedResultsAccess::store(results);
  store.reset(impl.policy, records.size());
  impl.in_batches(
      impl.wide, records.size(),
      [&](std::size_t r, std::size_t row) { return impl.load(records[r], impl.wide, row, store, r); },
      [&](std::size_t r, std::size_t row) { impl.collect(impl.wide, row, store, r); });
}

}  // namespace precept
