// Evaluating a compiled policy over records.
//
// An Evaluator holds the scratch space for one batch; create one per thread from a
// shared Policy. Records are given either as text values, exactly as they appear
// in a CSV export, and parsed with the same rules as `precept run`; or as typed
// values (TypedRecord, below; the kinds and their representations are in
// precept/schema.hpp), which give the same outputs and the same rejections as
// the text of the same values, without reading or writing any text.
//
// Memory: an evaluator takes at most kWorkerMemoryBudget (precept/run.hpp) for
// its batch, evaluating a large policy's records fewer at a time; lookup
// indexes are shared by every evaluator of a policy. When memory runs out the
// call throws std::bad_alloc (nothing else is thrown for it); the evaluator
// stays usable.
#pragma once

#include <precept/language.hpp>
#include <precept/policy.hpp>
#include <precept/schema.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
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
  DuplicateKey,        // a register row has the `key` of an earlier row (the first one is read)
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
  // The language of a rejected household's Outcome::error (and
  // TypedOutcome::error): English by default; Chinese for officers. The kind,
  // column, declaration and line are the same in any language.
  Language language = Language::English;
};

// One household as typed values, set by field index (Schema::fields; look an
// index up once with Schema::field_index). Made for one policy and usable
// with any Evaluator of it; reuse one record for household after household
// (set every field, or clear() it first): once its texts and lists have grown
// to their largest, setting values allocates nothing.
//
//   precept::TypedRecord record(policy);
//   record.set_int(members, 4);
//   record.set_money(net_income, 615778);            // 6157.78 yuan, in fen
//   record.set_enum(house, 2);                       // schema.fields[house].members[2] == "d"
//   precept::TypedOutcome outcome = evaluator.evaluate(record);
//
// A field never set (or set_empty) is empty, as an empty CSV cell: it takes
// its default, or is absent if optional, or rejects the record
// (RejectKind::ValueMissing). A value set is checked as the same value read
// from a CSV cell: against the field's `where` bound (RejectKind::BoundFailed)
// and the range a cell can hold (an int of at most 9 digits, money and
// decimals of at most 12 digits before the point, dates from 1900-01-01 to
// 9999-12-31; RejectKind::ValueUnreadable), with the same message as the CSV
// cell that writes the value in its usual form ("1000.00", "2015-06-30").
//
// Misuse is a programming error, not a household's: a setter of another kind
// than the field's (set_int on a money field), a field index out of range, or
// an enum member index out of range throws std::invalid_argument naming the
// field, and leaves the record unchanged.
class TypedRecord {
 public:
  explicit TypedRecord(const Policy& policy);

  const Policy& policy() const { return policy_; }
  const Schema& schema() const { return *schema_; }

  void set_bool(std::size_t field, bool value) { set_scalar(field, ValueKind::Bool, value ? 1 : 0); }
  void set_int(std::size_t field, std::int64_t value) { set_scalar(field, ValueKind::Int, value); }
  void set_money(std::size_t field, std::int64_t fen) { set_scalar(field, ValueKind::Money, fen); }
  void set_decimal(std::size_t field, std::int64_t millionths) {
    set_scalar(field, ValueKind::Decimal, millionths);
  }
  void set_date(std::size_t field, std::int32_t days_since_1970) {
    set_scalar(field, ValueKind::Date, days_since_1970);
  }
  void set_enum(std::size_t field, std::uint32_t member);
  // The text is copied: the caller's buffer may change as soon as this returns.
  // An empty text is an empty value (as an empty CSV cell).
  void set_text(std::size_t field, std::string_view text);
  // Member indices, in order (copied). An empty list is the empty list.
  void set_enum_list(std::size_t field, std::span<const std::uint32_t> members);
  // Any kind: the field is empty (see above).
  void set_empty(std::size_t field);
  // Every field empty.
  void clear();
  // Whether a value is set (false after set_empty, clear, or when never set).
  bool has_value(std::size_t field) const;

 private:
  friend struct TypedRecordAccess;  // the evaluator's way in (runtime/)
  // The field at `field`, checked to be of `kind`; throws as documented above.
  void expect(std::size_t field, ValueKind kind) const {
    if (field >= kinds_.size() || kinds_[field] != kind) [[unlikely]] refuse(field, kind);
  }
  [[noreturn]] void refuse(std::size_t field, ValueKind kind) const;
  // Inline, so that setting a number costs a household a few instructions.
  void set_scalar(std::size_t field, ValueKind kind, std::int64_t value) {
    expect(field, kind);
    scalars_[field] = value;
    set_[field] = 1;
  }

  Policy policy_;
  const Schema* schema_;
  // Per field: its kind, the scalar value (bool .. enum), whether set, the
  // text (text fields), the members (list fields).
  std::vector<ValueKind> kinds_;
  std::vector<std::int64_t> scalars_;
  std::vector<std::uint8_t> set_;
  std::vector<std::string> texts_;
  std::vector<std::vector<std::uint32_t>> lists_;
};

class TypedResults;

// One household's typed result: whether it was accepted, and why not (the
// same kind, column, message, declaration, file and line as Outcome has for
// the same household given as text), or its outputs by index
// (Schema::outputs), in the representations of precept/schema.hpp.
//
// A view: it reads the TypedResults (or the Evaluator, for a single typed
// evaluate()) it came from, and is valid as long as that is unchanged: until
// the next evaluation into those results, or the next call on that evaluator.
// Reading an output of the wrong kind (text() of a money output), an index out
// of range, or any output of a rejected household throws std::invalid_argument
// naming the output.
class TypedOutcome {
 public:
  bool ok() const;
  RejectKind kind() const;              // RejectKind::None when accepted
  std::string_view column() const;      // as Outcome::column ... Outcome::policy_line
  std::string_view error() const;
  std::string_view declaration() const;
  std::string_view policy_file() const;
  std::uint32_t policy_line() const;

  // A Bool output.
  bool boolean(std::size_t output) const;
  // An Int, Money (fen), Decimal (millionths), Date (days since 1970-01-01),
  // Enum (member index) or Bool (0/1) output.
  std::int64_t scalar(std::size_t output) const;
  // A Text output (UTF-8).
  std::string_view text(std::size_t output) const;
  // An EnumList output: member indices, in order.
  std::span<const std::uint32_t> enum_list(std::size_t output) const;
  // A List output: its items, each in the representation of OutputInfo::element.
  std::span<const std::int64_t> list(std::size_t output) const;

 private:
  friend class TypedResults;
  TypedOutcome(const TypedResults* results, std::size_t row) : results_(results), row_(row) {}
  const TypedResults* results_;
  std::size_t row_;
};

// The typed results of a batch (Evaluator::evaluate_batch of TypedRecords):
// one TypedOutcome per record, in order. Reuse one object for batch after
// batch: its storage is kept, so a batch no larger than an earlier one
// allocates nothing but the messages of rejected households.
class TypedResults {
 public:
  TypedResults();
  ~TypedResults();
  TypedResults(TypedResults&&) noexcept;
  TypedResults& operator=(TypedResults&&) noexcept;
  TypedResults(const TypedResults&) = delete;
  TypedResults& operator=(const TypedResults&) = delete;

  std::size_t size() const;
  // The record at `index` (std::out_of_range when there is none).
  TypedOutcome operator[](std::size_t index) const;
  // The number of records rejected.
  std::size_t rejected() const;

 private:
  friend class TypedOutcome;
  friend struct TypedResultsAccess;  // the evaluator's way in (runtime/)
  struct Store;
  std::unique_ptr<Store> store_;
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

  // Evaluates one typed household (the fast path for one at a time: no text is
  // read or written, and once warmed up nothing is allocated but the messages
  // of a rejected household). The outcome is a view into this evaluator,
  // valid until the next call on it. A record made for another policy throws
  // std::invalid_argument.
  TypedOutcome evaluate(const TypedRecord& record);
  // Evaluates typed households in batches (as evaluate_batch of text records),
  // into `results` (replacing what it held). A record made for another policy
  // throws std::invalid_argument, before any is evaluated.
  void evaluate_batch(std::span<const TypedRecord> records, TypedResults& results);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace precept
