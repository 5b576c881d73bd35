// Evaluating a compiled policy over records.
//
// An Evaluator holds the scratch space for one batch; create one per thread from a
// shared Policy. Records are given as text values, exactly as they appear in a CSV
// export, and parsed with the same rules as `precept run`.
//
// Memory: an evaluator takes at most kWorkerMemoryBudget (precept/run.hpp) for
// its batch, evaluating a large policy's records fewer at a time; lookup
// indexes are shared by every evaluator of a policy. When memory runs out the
// call throws std::bad_alloc (nothing else is thrown for it); the evaluator
// stays usable.
#pragma once

#include <precept/policy.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace precept {

// One household's result, or the reason it was rejected.
struct Outcome {
  bool ok = false;
  std::vector<std::string> values;  // formatted outputs, in the policy's output order
  std::string column;               // when rejected: the input column at fault, if any
  std::string error;                // when rejected: what went wrong, in plain words
  std::uint32_t policy_line = 0;    // when a rule failed: the policy line
};

class Evaluator {
 public:
  explicit Evaluator(Policy policy);
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;

  const Policy& policy() const;

  // Evaluates one record given as (field name, text value) pairs. Fields not
  // named are empty.
  Outcome evaluate(const std::vector<std::pair<std::string, std::string>>& record);
  // Evaluates many records at once (the fast path): one Outcome per record, in order.
  std::vector<Outcome> evaluate_batch(
      const std::vector<std::vector<std::pair<std::string, std::string>>>& records);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace precept
