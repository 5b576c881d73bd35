// The virtual machine: runs a verified program over a batch, column by column.
//
// Every instruction runs once per batch over the rows of the current selection;
// SELECT_* instructions narrow and restore that selection, so there are no jumps
// and every program terminates. A row that fails (overflow, division by zero, a
// `require`) keeps its first error and is reported by the caller as a reject.
#pragma once

#include "batch.hpp"
#include "numeric.hpp"
#include "program.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

enum class RowError : std::uint8_t { None = 0, Overflow, DivisionByZero, Require, NoRowMatched };

class Machine {
 public:
  // `program` must have passed verify_program(); it must outlive the machine.
  Machine(const Program& program, std::size_t capacity);

  void run(const Batch& batch);

  std::size_t capacity() const { return capacity_; }
  std::int64_t scalar(std::uint32_t reg, std::size_t row) const { return scalars_[reg * capacity_ + row]; }
  std::string_view text(std::uint32_t reg, std::size_t row) const { return texts_[reg * capacity_ + row]; }
  const std::vector<std::int64_t>& list(std::uint32_t reg, std::size_t row) const {
    return lists_[reg * capacity_ + row];
  }
  RowError error(std::size_t row) const { return static_cast<RowError>(error_kind_[row]); }
  // The instruction that failed the row (valid when error(row) != None).
  std::uint32_t error_pc(std::size_t row) const { return error_pc_[row]; }

  // Plain words for a row's error: what failed, in which declaration, on which line.
  std::string describe_error(std::size_t row) const;

  struct Context;

 private:
  const Program& program_;
  std::size_t capacity_;
  std::vector<std::int64_t> scalars_;
  std::vector<std::string_view> texts_;
  std::vector<std::vector<std::int64_t>> lists_;
  std::vector<Quotient> quotients_;
  std::vector<std::uint8_t> error_kind_;
  std::vector<std::uint32_t> error_pc_;
  std::vector<std::vector<std::uint32_t>> selections_;
};

}  // namespace precept
