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

// What rejected a household: for a program to act on a rejection (count it,
// send it back to the village clerk, retry with a corrected value) without
// reading the English message. The CSV reader, the reading of a record's cells
// and the policy's own checks each reject for their own kinds; a record given
// to Evaluator by name adds the last two.
enum class RejectKind : std::uint8_t {
  None = 0,            // not rejected
  RecordMalformed,     // a register record's quoting is damaged, or it is too long to read
  FieldCount,          // a register record has not the header's number of fields
  ValueMissing,        // a required field's cell is empty (and it has no default)
  ValueUnreadable,     // a cell is not a value of its field's type ("abc" for an int)
  BoundFailed,         // a value is read but fails its field's `where` check
  RequireFailed,       // a `require` of the policy does not hold
  Overflow,            // a calculation is too large to hold exactly
  DivisionByZero,      // a calculation divides by zero
  NoTableRow,          // no row of a table matches, and the table has no `else`
  SeveralUniqueRows,   // two rows of a `unique` (or `any`, with different outputs) table match
  UnknownField,        // a named record names a field the policy's record does not have
  DuplicateField,      // a named record names a field twice
};

// The kind's stable name in snake case ("value_unreadable"), for logs and
// machine-readable outputs; "none" for RejectKind::None.
const char* reject_kind_name(RejectKind kind);

// One household's result, or the reason it was rejected.
struct Outcome {
  bool ok = false;
  std::vector<std::string> values;  // formatted outputs, in the policy's output order
  RejectKind kind = RejectKind::None;  // when rejected: what rejected it
  std::string column;               // when rejected: the input column (field) at fault, if any
  std::string error;                // when rejected: what went wrong, in plain words
  // When a rule of the policy rejected it: the declaration ("require members",
  // "let per_capita", "table rates"), and the file and line it is written on.
  // For a layered policy the file is the layer's that holds the declaration
  // (known where the policy was compiled from source, or its program carries
  // its notes); otherwise the policy's own file.
  std::string declaration;
  std::string policy_file;
  std::uint32_t policy_line = 0;
};

// How an Evaluator reads the records it is given.
struct EvaluatorOptions {
  // A record that names a field the policy's record does not have is rejected
  // (RejectKind::UnknownField) unless this is set: a misspelt name would
  // otherwise leave its field empty without a word. Set it to pass records
  // that carry more than the policy reads, such as a registry's whole row; the
  // extra names are then ignored. A name given twice is always rejected.
  bool allow_unknown_fields = false;
};

class Evaluator {
 public:
  explicit Evaluator(Policy policy, EvaluatorOptions options = {});
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;

  const Policy& policy() const;

  // Evaluates one record given as (field name, text value) pairs. Fields not
  // named are empty (their default, if they have one); a name the record does
  // not have, or a name given twice, rejects the record (see EvaluatorOptions).
  Outcome evaluate(const std::vector<std::pair<std::string, std::string>>& record);
  // Evaluates many records at once (the fast path): one Outcome per record, in order.
  std::vector<Outcome> evaluate_batch(
      const std::vector<std::vector<std::pair<std::string, std::string>>>& records);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace precept
