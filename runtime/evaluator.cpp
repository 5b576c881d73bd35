// The embedding API's evaluator: the same batch machine as `precept run`, fed
// from (name, text) pairs instead of a CSV file.
#include <precept/evaluator.hpp>
#include <precept/run.hpp>

#include "batch.hpp"
#include "format.hpp"
#include "program.hpp"
#include "vm.hpp"

#include <algorithm>

namespace precept {

namespace {
// Records evaluated together, at most: fewer when the policy's registers
// would not fit in a worker's memory budget at this size.
constexpr std::size_t kBatchCapacity = 256;
}

struct Evaluator::Impl {
  Policy policy;
  std::size_t capacity;
  Batch batch;
  Machine machine;

  explicit Impl(Policy p)
      : policy(std::move(p)),
        capacity(capacity_within_budget(policy.program(), kBatchCapacity, kWorkerMemoryBudget)),
        machine(policy.program(), capacity) {
    batch.reset(policy.program(), capacity);
  }

  // Parses one record into the next row; on failure the outcome says why.
  bool load(const std::vector<std::pair<std::string, std::string>>& record, Outcome& outcome) {
    const Program& program = policy.program();
    const std::size_t row = batch.rows;
    std::string reason;
    for (std::size_t f = 0; f < program.fields.size(); ++f) {
      const auto it = std::find_if(record.begin(), record.end(),
                                   [&](const auto& pair) { return pair.first == program.fields[f].name; });
      const std::string_view text = it == record.end() ? std::string_view() : std::string_view(it->second);
      if (!parse_field_value(program, static_cast<std::uint32_t>(f), text, batch.columns[f], row, reason)) {
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
    const Program& program = policy.program();
    if (machine.error(row) != RowError::None) {
      const std::uint32_t pc = machine.error_pc(row);
      outcome.error = machine.describe_error(row);
      outcome.policy_line = program.code_lines[pc];
      const std::string& origin = program.origins[program.code_origins[pc]];
      if (machine.error(row) == RowError::Require && origin.rfind("require ", 0) == 0) outcome.column = origin.substr(8);
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

Evaluator::Evaluator(Policy policy) : impl_(std::make_unique<Impl>(std::move(policy))) {}
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
