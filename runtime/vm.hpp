// The virtual machine: runs a verified program over a batch, column by column.
//
// Every instruction runs once per batch over the rows of the current selection;
// SELECT_* instructions narrow and restore that selection, so there are no jumps
// and every program terminates. A row that fails (overflow, division by zero, a
// `require`) keeps its first error and is reported by the caller as a reject.
//
// The machine does not interpret the bytecode as it stands: its constructor
// turns the program into a plan once, so that a batch pays only for work that
// depends on its rows. Constants are loaded once per machine, fields the program
// only reads are read in place from the batch, temporaries share storage,
// collect-table lists live in fixed slots, lookups are hashed, and the selection
// of all rows is a plain loop, not a list of row numbers (vm.cpp, plan()).
#pragma once

#include <precept/language.hpp>

#include "batch.hpp"
#include "numeric.hpp"
#include "program.hpp"

#include <bit>
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

enum class RowError : std::uint8_t { None = 0, Overflow, DivisionByZero, Require, NoRowMatched, TableConflict };

// The items of one row's list, in order, for a range-for. A list is either a
// run of items, or slots of which a bit mask says which hold one.
class ListItems {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::int64_t;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::int64_t;
    iterator() = default;
    iterator(const std::int64_t* at, std::size_t step, std::uint64_t mask) : at_(at), step_(step), mask_(mask) {}
    std::int64_t operator*() const { return step_ ? at_[std::countr_zero(mask_) * step_] : *at_; }
    iterator& operator++() {
      if (step_) mask_ &= mask_ - 1;
      else ++at_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const { return step_ ? mask_ == other.mask_ : at_ == other.at_; }

   private:
    const std::int64_t* at_ = nullptr;
    std::size_t step_ = 0;  // 0: a run of items from at_; else slot j is at_[j * step_]
    std::uint64_t mask_ = 0;
  };

  // std::popcount is a call into libgcc when the build may not assume the
  // POPCNT instruction (plain x86-64), and results lines count every list's
  // items: the same count, inline.
  static constexpr std::size_t bit_count(std::uint64_t x) {
#if defined(__POPCNT__)
    return static_cast<std::size_t>(std::popcount(x));
#else
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<std::size_t>((x * 0x0101010101010101ull) >> 56);
#endif
  }

  // A run of items.
  ListItems(const std::int64_t* begin, std::size_t count) : begin_(begin, 0, 0), end_(begin + count, 0, 0), size_(count) {}
  // Slots: item j at slots[j * step], present where bit j of mask is set.
  ListItems(const std::int64_t* slots, std::size_t step, std::uint64_t mask)
      : begin_(slots, step, mask), end_(slots, step, 0), size_(bit_count(mask)) {}

  iterator begin() const { return begin_; }
  iterator end() const { return end_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Same items in the same order, however each list is held.
  friend bool operator==(const ListItems& a, const ListItems& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  iterator begin_, end_;
  std::size_t size_;
};

// A list register's rows as a result column: row i's items, read inline (the
// writers and the columnar results read every row of every list output).
class ListColumn {
 public:
  ListItems operator[](std::size_t row) const {
    if (masks_) return {slots_ + row, capacity_, masks_[row]};
    const std::vector<std::int64_t>& items = (*rows_)[row];
    return {items.data(), items.size()};
  }

 private:
  friend class Machine;
  // Slotted (masks_ set): slot j of row i at slots_[j * capacity_ + i]. Else
  // one vector per row: the register's own, or the batch's column it reads in place.
  const std::int64_t* slots_ = nullptr;
  const std::uint64_t* masks_ = nullptr;
  std::size_t capacity_ = 0;
  const std::vector<std::vector<std::int64_t>>* rows_ = nullptr;
};

// Traced: the same steps, planned so that every register keeps its own storage
// and no two instructions are fused into one step, so that after a run every
// register holds what the program left in it; run_traced() also says which
// instructions ran. What explanations are built on (explain/explain.cpp). The
// fast mode's loop is untouched by it.
enum class MachineMode : std::uint8_t { Fast, Traced };

// What running a program costs in memory. A worker holds one machine and one
// batch; both grow with the batch's capacity (rows), so run, the evaluator
// and diff size their batches from these figures to stay within a budget
// (kWorkerMemoryBudget, include/precept/run.hpp). Lookup indexes do not grow
// with rows and are built once per table and shared (see Machine), so they
// are counted once per program. Upper bounds, worked out from the program
// alone, so that the verifier can use them too.
struct MemoryNeeds {
  std::size_t bytes_per_row = 0;   // one row of a machine's registers and of a batch's columns
  std::size_t lookup_bytes = 0;    // building and holding every lookup index (at its peak)
  std::size_t lookup_entries = 0;  // combinations of values the indexes hold
};
MemoryNeeds memory_needs(const Program& program);
// What one table's index takes at most, while built (entries: combinations of values).
struct LookupIndexSize {
  std::size_t entries = 0, bytes = 0;
};
LookupIndexSize lookup_index_size(const LookupTable& table);
// The largest capacity, at most `requested` and at least 1, whose rows fit in
// `budget` bytes.
std::size_t capacity_within_budget(const Program& program, std::size_t requested, std::size_t budget);
// The same for machines that share one budget, needing `bytes_per_row` together.
std::size_t capacity_within_budget(std::size_t bytes_per_row, std::size_t requested, std::size_t budget);
// Empty when the program can run within `budget` at a batch of one row (its
// indexes included); else why not, in words naming the figures.
std::string memory_budget_problem(const Program& program, std::size_t budget);

class Machine {
 public:
  // `program` must have passed verify_program(); it must outlive the machine.
  Machine(const Program& program, std::size_t capacity, MachineMode mode = MachineMode::Fast);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  void run(const Batch& batch);
  // For a caller that runs every batch in one Batch object whose columns it
  // never resets or resizes, and that outlives the binding (the evaluator's
  // lanes): the registers that read fields in place are pointed at its
  // columns here, once, instead of at the start of every run, which for one
  // household is a tenth of the run. Runs of any other batch are prepared as
  // usual; bind() again to move the binding.
  void bind(const Batch& batch);
  // Traced mode only: runs like run(), and sets executed[pc] to 1 for every
  // instruction that ran on a non-empty selection (resized to the code's size).
  void run_traced(const Batch& batch, std::vector<std::uint8_t>& executed);
  // Traced mode: any register's value after the run.
  const Quotient& quotient(std::uint32_t reg, std::size_t row) const { return quotients_[reg * capacity_ + row]; }

  // Results of the last run: the registers of outputs and of the summary, and
  // any other register no instruction reads (a register that later instructions
  // read is working storage, which other registers may reuse). Registers the
  // program loads from a field are read in place, like texts, so read results
  // before changing or destroying the batch.
  std::size_t capacity() const { return capacity_; }
  std::int64_t scalar(std::uint32_t reg, std::size_t row) const { return scalar_regs_[reg][row]; }
  // The rows of scalar register `reg` (row i at [i]), for reading a result
  // column in one loop.
  const std::int64_t* scalar_column(std::uint32_t reg) const { return scalar_regs_[reg]; }
  std::string_view text(std::uint32_t reg, std::size_t row) const {
    if (const TextColumn* column = text_columns_[reg]) return (*column)[row];
    return texts_[reg * capacity_ + row];
  }
  ListItems list(std::uint32_t reg, std::size_t row) const { return list_columns_[reg][row]; }
  const ListColumn& list_column(std::uint32_t reg) const { return list_columns_[reg]; }
  RowError error(std::size_t row) const { return static_cast<RowError>(error_kind_[row]); }
  // The instruction that failed the row (valid when error(row) != None).
  std::uint32_t error_pc(std::size_t row) const { return error_pc_[row]; }

  // Plain words for a row's error, in `language`: what failed, in which
  // declaration, on which line. Only on the rejecting path.
  std::string describe_error(std::size_t row, Language language = Language::English) const;

  // Internal to vm.cpp.
  struct Context;
  struct RowContext;
  struct Step;
  struct Level;
  struct ListRegister;
  struct LookupIndex;

 private:
  void plan();
  void prepare(const Batch& batch);
  void point_at(const Batch& batch);  // the in-place registers at the batch's columns

  const Batch* bound_ = nullptr;  // see bind()

  const Program& program_;
  std::size_t capacity_;
  MachineMode mode_;
  std::vector<std::int64_t> scalars_;
  // Where each scalar register's rows are: in scalars_, or in the batch's column
  // for a field register (set at the start of each run).
  std::vector<std::int64_t*> scalar_regs_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> field_aliases_;  // (register, field)
  std::vector<std::string_view> texts_;
  // A text register that only carries a field to the outputs is the field's
  // column, read in place (set at the start of each run); null for the others.
  using TextColumn = decltype(FieldColumn::texts);
  std::vector<const TextColumn*> text_columns_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> text_aliases_;  // (register, field)
  std::vector<ListRegister> lists_;
  std::vector<ListColumn> list_columns_;  // lists_ as result columns (plan(), point_at())
  std::vector<Quotient> quotients_;
  // Shared with every other machine whose program has the same table.
  std::vector<std::shared_ptr<const LookupIndex>> lookups_;
  std::vector<std::uint8_t> error_kind_;
  std::vector<std::uint32_t> error_pc_;
  // For a TableConflict: the two table rows that both matched.
  std::vector<std::pair<std::int64_t, std::int64_t>> error_rows_;
  std::vector<Level> levels_;
  std::vector<Step> steps_;
};

}  // namespace precept
