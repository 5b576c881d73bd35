// Evaluating a policy over a columnar record batch (the Arrow C Data Interface),
// reading the caller's columns in place and handing the results back as columns.
//
//   precept::ColumnarEvaluator evaluator(policy);            // one per thread
//   ArrowSchema out_schema; ArrowArray out_array;
//   precept::ColumnarReport report = evaluator.evaluate(in_schema, in_array, &out_schema, &out_array);
//   ... read out_array's children ...
//   out_array.release(&out_array); out_schema.release(&out_schema);
//
// Input: a struct array ("+s") whose children are the record's fields, matched
// by name (the order does not matter). Each field's column may be:
//   bool     "b"
//   int      "l" (or the narrower signed "i", "s", "c", widened)
//   money    "l" as int64 fen, or "d:P,2" (decimal128, scale 2)
//   decimal  "l" as int64 millionths, or "d:P,6" (decimal128, scale 6)
//   date     "tdD" (date32: days since 1970-01-01)
//   enum     "u" or "U" holding the member's name, or dictionary-encoded: indices
//            "c", "s" or "i" with a "u"/"U" dictionary of member names
//   text     "u" or "U" (UTF-8)
//   list of enum  "+l" of one of the enum layouts above
//   any field     "u" or "U" holding each value as a register's CSV cell holds
//                 it ("6157.78", "1", "2015-06-30", "medical_aid;rain_dew"),
//                 read by the same parser as `precept run`'s (for callers whose
//                 values are text, such as Python's Decimal or a form's input)
// A decimal128 of another scale is accepted only where every value rescales
// exactly (a scale 4 money column holding 1234.5600); otherwise refused. A null
// (validity bit 0) is an empty value, read exactly as an empty CSV cell: an
// optional field is empty, a field with a default takes it, a required field
// rejects the row (RejectKind::ValueMissing). Values are checked as CSV values
// are: an enum name that is not a member, a `where` bound that fails, reject
// the row with the same kind, column and message as `precept run` gives.
// ArrowArray.offset is honoured on the batch and on every child.
//
// Zero copy: int64 columns (int, money as fen, decimal as millionths) and texts
// are read in place from the caller's buffers, which must stay valid until
// evaluate() returns; the input is never released or modified (the caller
// keeps ownership and releases it as usual).
//
// Output: a struct array with one row per input row, in order: one child per
// output of the policy, in the policy's output order (Policy::output_names()),
// typed: bool "b", int "l", money and decimal "d:38,2" / "d:38,6" (or int64 fen
// and millionths, ColumnarOptions::numbers_as_int64), date "tdD", enum
// dictionary-encoded (int32 indices, the enum's members in declaration order as
// the utf8 dictionary), text "u", list of enum "+l" of dictionary-encoded enum.
// A rejected row's outputs are null (and so is a date beyond date32's range,
// which only absurd date arithmetic makes). Then three utf8 columns say why a row was
// rejected, null where it was not: "reject_kind" (reject_kind_name():
// "value_missing"), "reject_column" (the field at fault, null if none) and
// "reject_message" (the same words as the CSV path's reject file). The result
// owns its memory (nothing points into the input); the caller frees it with the
// release callbacks, as the specification says, from any thread.
//
// Memory: the evaluator works in chunks of at most kWorkerMemoryBudget
// (precept/run.hpp) of registers, whatever the batch's length.
#pragma once

#include <precept/arrow.h>
#include <precept/policy.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace precept {

// A batch that cannot be read at all: a required field's column missing, a
// column the policy's record does not have (unless allowed), a column named
// twice, a column whose type cannot carry its field's values, or a malformed
// array (a wrong buffer count, a missing required buffer, a negative length or
// offset, text or list offsets out of range, a child shorter than its parent).
// Nothing is evaluated and the outputs are left untouched. what() names the
// column ("column `members`: ...", or "the batch: ..." for the struct array
// itself); column() is its name ("" for the batch itself).
class ColumnarError : public std::invalid_argument {
 public:
  ColumnarError(std::string column, const std::string& message);
  const std::string& column() const noexcept { return column_; }

 private:
  std::string column_;
};

struct ColumnarOptions {
  // A column the policy's record does not have is a ColumnarError unless this
  // is set (then it is ignored), as EvaluatorOptions::allow_unknown_fields.
  bool allow_unknown_fields = false;
  // Money and decimal outputs as int64 fen and millionths ("l") instead of
  // decimal128 with scale 2 and 6.
  bool numbers_as_int64 = false;
};

// What one evaluate() did: rows == evaluated + rejected.
struct ColumnarReport {
  std::int64_t rows = 0;       // rows in the batch (and in the result)
  std::int64_t evaluated = 0;  // rows with results
  std::int64_t rejected = 0;   // rows rejected (their reject columns say why)
};

class ColumnarEvaluator {
 public:
  explicit ColumnarEvaluator(Policy policy, ColumnarOptions options = {});
  ~ColumnarEvaluator();
  ColumnarEvaluator(ColumnarEvaluator&&) noexcept;
  ColumnarEvaluator& operator=(ColumnarEvaluator&&) noexcept;

  const Policy& policy() const;

  // Evaluates every row of `batch` (of type `schema`, a struct), and moves the
  // results into *out_schema and *out_array (which must not hold live structs:
  // they are overwritten). Throws ColumnarError for a batch that cannot be
  // read, and std::bad_alloc when memory runs out; then *out_schema and
  // *out_array are not written, and the evaluator stays usable.
  ColumnarReport evaluate(const ArrowSchema& schema, const ArrowArray& batch, ArrowSchema* out_schema,
                          ArrowArray* out_array);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace precept
