// `run`'s writers: a results line (CSV or JSON Lines) for an evaluated row,
// and a rejects line for a row that was not. Batches are formatted by the
// worker that evaluated them and written in input order (run.cpp).
#pragma once

#include <precept/evaluator.hpp>
#include <precept/run.hpp>

#include "csv.hpp"
#include "program.hpp"
#include "vm.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace precept {

// A rejected row, as the rejects file gives it.
struct Reject {
  Reject(RejectKind what, std::uint64_t at, std::string in_column, std::string why,
         std::optional<std::uint64_t> quote_line = std::nullopt, CsvSpan lines = {})
      : kind(what), line(at), column(std::move(in_column)), reason(std::move(why)), unclosed_quote_line(quote_line),
        span(lines) {}
  RejectKind kind;  // counted in RunReport::rejected_by_kind; not a column of the file
  std::uint64_t line;
  std::string column;
  std::string reason;
  // A quote never closed: the line it opened on, which the reason names. Kept
  // as a number because the lines a worker counts are its batch's own (from
  // 0), and only the writer knows where the batch starts.
  std::optional<std::uint64_t> unclosed_quote_line;
  CsvSpan span;  // the lines a record with a quoted line end took up
};

// The rejects file's header line.
inline constexpr std::string_view kRejectsHeader = "line,column,reason\n";

// Appends `reject`'s line of the rejects file; its lines count from `first_line`.
// Text that reads as a formula is guarded unless `guard_formulas` is false
// (RunOptions::formula_escape).
void append_reject(std::string& out, std::uint64_t first_line, const Reject& reject, bool guard_formulas = true);
// Its reason, as that line gives it (and `run --explain` too): worded with
// the lines it took up, counted from `first_line`.
std::string reject_reason(std::uint64_t first_line, const Reject& reject);

// Formats results lines of one program.
class ResultWriter {
 public:
  ResultWriter(const Program& program, ResultFormat format, bool guard_formulas = true);
  // The results file's header line: the outputs' names for CSV, "" for JSON Lines.
  std::string header() const;
  // Appends the results line of row `row` of `machine`.
  void append(std::string& out, const Machine& machine, std::size_t row) const;

 private:
  void append_csv(std::string& line, const Machine& machine, std::size_t row) const;
  std::size_t fixed_line_bound() const;

  const Program& program_;
  ResultFormat format_;
  bool guard_formulas_;  // RunOptions::formula_escape
  std::size_t fixed_line_bound_;
};

}  // namespace precept
