// The embedding API's evaluator: the same batch machine as `precept run`, fed
// from (name, text) pairs instead of a CSV file.
#include <precept/evaluator.hpp>
#include <precept/run.hpp>

#include "batch.hpp"
#include "format.hpp"
#include "program.hpp"
#include "rejection.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace precept {

namespace {
// Records evaluated together, at most: fewer when the policy's registers
// would not fit in a worker's memory budget at this size.
constexpr std::size_t kBatchCapacity = 256;
}

struct Evaluator::Impl {
  Policy policy;
  EvaluatorOptions options;
  std::size_t capacity;
  Batch batch;
  Machine machine;
  // Field index by name, and per field the cell a record gives it (scratch).
  std::unordered_map<std::string_view, std::uint32_t> field_of;
  std::vector<const std::string*> cell_of;

  Impl(Policy p, EvaluatorOptions o)
      : policy(std::move(p)),
        options(o),
        capacity(capacity_within_budget(program_of(policy), kBatchCapacity, kWorkerMemoryBudget)),
        machine(program_of(policy), capacity) {
    const Program& program = program_of(policy);
    batch.reset(program, capacity);
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) field_of.emplace(program.fields[f].name, f);
  }

  // Matches the record's names to the fields (into cell_of); false, saying
  // why, when a name is unknown (unless allowed) or given twice.
  bool match_names(const std::vector<std::pair<std::string, std::string>>& record, Outcome& outcome) {
    cell_of.assign(program_of(policy).fields.size(), nullptr);
    for (const auto& [name, text] : record) {
      const auto field = field_of.find(name);
      if (field == field_of.end()) {
        if (options.allow_unknown_fields) continue;
        outcome.kind = RejectKind::UnknownField;
        outcome.column = name;
        outcome.error = fmt::format("the record names `{}`, which is not a field of the policy's record", name);
        return false;
      }
      if (cell_of[field->second]) {
        outcome.kind = RejectKind::DuplicateField;
        outcome.column = name;
        outcome.error = fmt::format("the record names `{}` twice", name);
        return false;
      }
      cell_of[field->second] = &text;
    }
    return true;
  }

  // Parses one record into the next row; on failure the outcome says why.
  bool load(const std::vector<std::pair<std::string, std::string>>& record, Outcome& outcome) {
    if (!match_names(record, outcome)) return false;
    const Program& program = program_of(policy);
    const std::size_t row = batch.rows;
    std::string reason;
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) {
      const std::string_view text = cell_of[f] ? std::string_view(*cell_of[f]) : std::string_view();
      if (!parse_field_value(program, f, text, batch.columns[f], row, reason)) {
        outcome.kind = cell_reject_kind(program, f, text);
        outcome.column = program.fields[f].name;
        outcome.error = reason;
        return false;
      }
    }
    batch.lines[row] = row + 1;
    ++batch.rows;
    return true;
  }

  void collect(std::size_t row, Outcome& outcome) {
    const Program& program = program_of(policy);
    if (machine.error(row) != RowError::None) {
      Rejection rejection = machine_rejection(program, machine, row);
      outcome.kind = rejection.kind;
      outcome.column = std::move(rejection.column);
      outcome.error = std::move(rejection.message);
      outcome.policy_file = declaration_file(program, rejection.declaration);
      outcome.declaration = std::move(rejection.declaration);
      outcome.policy_line = rejection.line;
      return;
    }
    outcome.ok = true;
    for (const OutputDef& out : program.outputs) {
      std::string value;
      append_value_text(value, program, out.type, machine, out.reg, row);
      outcome.values.push_back(std::move(value));
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
  return evaluate_batch({record}).front();
}

std::vector<Outcome> Evaluator::evaluate_batch(
    const std::vector<std::vector<std::pair<std::string, std::string>>>& records) {
  std::vector<Outcome> outcomes(records.size());
  for (std::size_t start = 0; start < records.size(); start += impl_->capacity) {
    const std::size_t end = std::min(records.size(), start + impl_->capacity);
    impl_->batch.rows = 0;
    std::vector<std::pair<std::size_t, std::size_t>> loaded;  // (record, row)
    for (std::size_t r = start; r < end; ++r) {
      const std::size_t row = impl_->batch.rows;
      if (impl_->load(records[r], outcomes[r])) loaded.emplace_back(r, row);
    }
    impl_->machine.run(impl_->batch);
    for (const auto& [record, row] : loaded) impl_->collect(row, outcomes[record]);
  }
  return outcomes;
}

}  // namespace precept
