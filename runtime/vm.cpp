#include "vm.hpp"

#include "messages.hpp"
#include "rejection.hpp"
#include "verifier.hpp"
#include "vm_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace precept {

// A selection: every row of the batch (a plain loop, which the compiler can
// vectorise), or the listed rows.
struct Machine::Level {
  bool dense = true;
  std::uint32_t count = 0;
  std::vector<std::uint32_t> rows;
};

// A list register. The code has no loops, so each LIST_APPEND_IF adds at most
// one item per row per run. A register that is cleared before anything else
// touches it therefore lives in slots: one per LIST_APPEND_IF naming it, in code
// order, with a bit per row saying which are filled. Appending is then a store
// to a known place, never an allocation, and the slots read in order are the
// list in the order it was built. Any other list (a list field, which may be any
// length) is a vector per row, or the batch's own column when the program only
// ever loads it.
struct Machine::ListRegister {
  bool slotted = false;
  std::uint32_t slot_count = 0;
  std::vector<std::int64_t> slots;  // slot j of row i at slots[j * capacity + i]
  std::vector<std::uint64_t> masks;
  std::vector<std::vector<std::int64_t>> rows;
  std::uint32_t alias_field = 0;
  bool aliased = false;  // read through Machine::list_columns_, pointed at the batch's column
};

// The index of one lookup table, built once per machine. Rows are grouped by
// which columns they test (a `-` tests nothing); within a group, a hash table
// maps the tested values to the rows accepting them, ascending. A household is
// looked up once per group, so the cost follows the number of patterns of `-`
// in the table, not its number of rows.
struct Machine::LookupIndex {
  struct Group {
    std::vector<std::uint32_t> columns;  // the tested columns, ascending
    std::uint32_t first_row = 0;         // the smallest row of the group
    std::vector<std::uint32_t> slots;    // open addressing, a power of two: entry + 1, or 0
    std::vector<std::int64_t> keys;      // entry e's values at keys[e * columns.size()]
    std::vector<std::uint32_t> row_begin;  // entry e's rows: rows[row_begin[e] .. row_begin[e + 1])
    std::vector<std::uint32_t> rows;
  };
  std::vector<Group> groups;  // by first row
  std::size_t keys = 0;

  static std::uint64_t hash(const std::int64_t* values, const std::uint32_t* columns, std::size_t count) {
    std::uint64_t h = 0x243F6A8885A308D3ull;
    for (std::size_t j = 0; j < count; ++j) {
      h = (h ^ static_cast<std::uint64_t>(values[columns ? columns[j] : j])) * 0x9E3779B97F4A7C15ull;
      h ^= h >> 29;
    }
    return h;
  }

  // The rows of `group` accepting `key` (one value per column of the table).
  std::pair<const std::uint32_t*, const std::uint32_t*> find(const Group& group, const std::int64_t* key) const {
    const std::size_t width = group.columns.size();
    const std::size_t mask = group.slots.size() - 1;
    for (std::size_t at = hash(key, group.columns.data(), width) & mask;; at = (at + 1) & mask) {
      const std::uint32_t entry = group.slots[at];
      if (entry == 0) return {nullptr, nullptr};
      // data() + offset, not &v[offset]: a group testing no column has no keys,
      // and the rows of the last entry end at the end of `rows`.
      const std::int64_t* stored = group.keys.data() + (entry - 1) * width;
      bool same = true;
      for (std::size_t j = 0; j < width && same; ++j) same = stored[j] == key[group.columns[j]];
      if (same) return {group.rows.data() + group.row_begin[entry - 1], group.rows.data() + group.row_begin[entry]};
    }
  }

  std::uint32_t first(const std::int64_t* key) const {
    std::uint32_t best = 0;
    for (const Group& group : groups) {
      if (best != 0 && group.first_row > best) break;  // no row of this group or later ones comes first
      const auto [begin, end] = find(group, key);
      if (begin != end && (best == 0 || *begin < best)) best = *begin;
    }
    return best;
  }

  void all(const std::int64_t* key, std::vector<std::int64_t>& out) const {
    out.clear();
    for (const Group& group : groups) {
      const auto [begin, end] = find(group, key);
      out.insert(out.end(), begin, end);
    }
    // Each group's rows ascend; groups interleave.
    if (groups.size() > 1) std::sort(out.begin(), out.end());
  }

  // The table it was built from, to tell tables apart in the cache below.
  std::uint32_t table_rows = 0;
  std::vector<std::uint32_t> cell_ends;
  std::vector<std::int64_t> values;
  bool built_from(const LookupTable& table) const {
    return table.key_types.size() == keys && table.rows == table_rows && table.cell_ends == cell_ends &&
           table.values == values;
  }

  explicit LookupIndex(const LookupTable& table)
      : keys(table.key_types.size()), table_rows(table.rows), cell_ends(table.cell_ends), values(table.values) {
    // Every combination a row's cells accept, as (group, values, row).
    struct Building {
      std::vector<std::uint32_t> columns;
      std::vector<std::int64_t> tuples;
      std::vector<std::uint32_t> rows;
    };
    std::vector<Building> building;
    std::vector<std::pair<std::uint64_t, std::size_t>> group_of;  // tested-column mask -> group
    std::vector<std::pair<std::uint32_t, std::uint32_t>> cells(keys);
    // Two passes: the first counts each group's combinations, so that the
    // second lays them down in vectors of their final size. Grown by doubling
    // they could take twice that, beyond what lookup_index_size() allows for.
    std::vector<std::size_t> counts;
    for (int pass = 0; pass < 2; ++pass) {
      std::uint32_t begin = 0;
      for (std::uint32_t row = 1; row <= table.rows; ++row) {
        std::uint64_t tested = 0;
        for (std::size_t k = 0; k < keys; ++k) {
          const std::uint32_t end = table.cell_ends[(row - 1) * keys + k];
          cells[k] = {begin, end};
          if (end > begin) tested |= std::uint64_t{1} << k;
          begin = end;
        }
        auto found = std::find_if(group_of.begin(), group_of.end(), [&](const auto& g) { return g.first == tested; });
        if (found == group_of.end()) {
          group_of.emplace_back(tested, building.size());
          Building& b = building.emplace_back();
          for (std::uint32_t k = 0; k < keys; ++k)
            if (tested >> k & 1) b.columns.push_back(k);
          found = group_of.end() - 1;
        }
        Building& b = building[found->second];
        if (pass == 0) {
          std::size_t combinations = 1;
          for (const std::uint32_t k : b.columns) combinations *= cells[k].second - cells[k].first;
          counts.resize(building.size(), 0);
          counts[found->second] += combinations;
          continue;
        }
        // An odometer over the row's cells: one tuple per combination.
        std::vector<std::uint32_t> at(b.columns.size());
        for (std::size_t j = 0; j < at.size(); ++j) at[j] = cells[b.columns[j]].first;
        for (;;) {
          for (std::size_t j = 0; j < at.size(); ++j) b.tuples.push_back(table.values[at[j]]);
          b.rows.push_back(row);
          std::size_t j = 0;
          for (; j < at.size(); ++j) {
            if (++at[j] < cells[b.columns[j]].second) break;
            at[j] = cells[b.columns[j]].first;
          }
          if (j == at.size()) break;
        }
      }
      if (pass == 0)
        for (std::size_t g = 0; g < building.size(); ++g) {
          building[g].tuples.reserve(counts[g] * building[g].columns.size());
          building[g].rows.reserve(counts[g]);
        }
    }
    for (Building& b : building) {
      const std::size_t width = b.columns.size();
      std::vector<std::uint32_t> order(b.rows.size());
      for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
      const auto tuple = [&](std::uint32_t i) { return b.tuples.data() + std::size_t{i} * width; };
      std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
        if (!std::equal(tuple(x), tuple(x) + width, tuple(y)))
          return std::lexicographical_compare(tuple(x), tuple(x) + width, tuple(y), tuple(y) + width);
        return b.rows[x] < b.rows[y];
      });
      Group& g = groups.emplace_back();
      g.columns = b.columns;
      g.first_row = b.rows.empty() ? 0 : *std::min_element(b.rows.begin(), b.rows.end());
      g.keys.reserve(order.size() * width);
      g.row_begin.reserve(order.size() + 1);
      g.rows.reserve(order.size());
      for (std::size_t n = 0; n < order.size(); ++n) {
        const std::uint32_t i = order[n];
        const bool new_entry = n == 0 || !std::equal(tuple(i), tuple(i) + width, tuple(order[n - 1]));
        if (new_entry) {
          g.row_begin.push_back(static_cast<std::uint32_t>(g.rows.size()));
          g.keys.insert(g.keys.end(), tuple(i), tuple(i) + width);
        } else if (g.rows.back() == b.rows[i]) {
          continue;  // a cell listing a value twice
        }
        g.rows.push_back(b.rows[i]);
      }
      const std::size_t entries = g.row_begin.size();
      g.row_begin.push_back(static_cast<std::uint32_t>(g.rows.size()));
      g.slots.assign(std::bit_ceil(std::max<std::size_t>(2 * entries, 2)), 0);
      const std::size_t mask = g.slots.size() - 1;
      for (std::size_t e = 0; e < entries; ++e) {
        std::size_t at = hash(g.keys.data() + e * width, nullptr, width) & mask;
        while (g.slots[at] != 0) at = (at + 1) & mask;
        g.slots[at] = static_cast<std::uint32_t>(e + 1);
      }
      b = Building();  // in the group now
    }
    std::sort(groups.begin(), groups.end(), [](const Group& x, const Group& y) { return x.first_row < y.first_row; });
  }
};

namespace {

// Lookup indexes by table content. A table's index is built once, by the
// first machine that needs it, and shared by every machine alive whose
// program has the same table: the workers of a run, the evaluators of one
// policy, a diff's versions and variants. Each worker building its own made a
// program's tables cost their index once per thread. An index is immutable
// once built, so sharing it across threads needs no lock; the cache holds it
// weakly, so it lives as long as some machine uses it.
class LookupIndexCache {
 public:
  std::shared_ptr<const Machine::LookupIndex> get(const LookupTable& table) {
    const std::uint64_t key = fingerprint(table);
    // Built under the lock, so that threads starting together build it once.
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [](const Entry& e) { return e.index.expired(); });
    for (const Entry& e : entries_)
      if (e.fingerprint == key)
        if (auto index = e.index.lock(); index && index->built_from(table)) return index;
    auto index = std::make_shared<const Machine::LookupIndex>(table);
    entries_.push_back({key, index});
    return index;
  }

 private:
  static std::uint64_t fingerprint(const LookupTable& table) {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (std::uint64_t{table.rows} << 8) ^ table.key_types.size();
    const auto mix = [&](std::uint64_t v) {
      h = (h ^ v) * 0x100000001B3ull;
      h ^= h >> 31;
    };
    for (const std::uint32_t end : table.cell_ends) mix(end);
    for (const std::int64_t value : table.values) mix(static_cast<std::uint64_t>(value));
    return h;
  }

  struct Entry {
    std::uint64_t fingerprint;
    std::weak_ptr<const Machine::LookupIndex> index;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;
};

LookupIndexCache& lookup_index_cache() {
  static LookupIndexCache cache;
  return cache;
}

// How deep the program's selections nest (verified: at most kMaxSelectionDepth).
std::size_t selection_depth(const Program& program) {
  std::size_t depth = 0, deepest = 0;
  for (const Instruction& ins : program.code) {
    if (ins.op == Opcode::SELECT_IF || ins.op == Opcode::SELECT_UNLESS) deepest = std::max(deepest, ++depth);
    if (ins.op == Opcode::SELECT_POP && depth > 0) --depth;
  }
  return deepest;
}

}  // namespace

struct Machine::Step {
  void (*fn)(Context&, const Step&) = nullptr;
  void (*row_fn)(Context&, const Step&) = nullptr;  // the same over a RowContext
  // What the step runs. Handler addresses are not compared: with one clone per
  // target, the same handler may be reached through different addresses.
  Opcode op = Opcode::SELECT_POP;
  bool fused = false;
  std::uint32_t pc = 0;
  std::uint32_t a = 0, b = 0, c = 0;
  std::uint8_t x = 0, y = 0;
  // LIST_APPEND_IF on a slotted list: the slot it fills.
  std::uint32_t slot = 0;
  // Operand B (1) or C (2) is a constant register, whose value is `value`; 0: none.
  std::uint8_t immediate = 0;
  std::int64_t value = 0;
  // A second LIST_APPEND_IF fused into this one (exec_list_append_pair).
  std::uint32_t a2 = 0, c2 = 0, slot2 = 0;
  std::uint8_t immediate2 = 0;
  std::int64_t value2 = 0;
  // SELECT_IF / SELECT_UNLESS: the step of the matching SELECT_POP, run next
  // when the selection is empty, skipping the instructions that would touch no row.
  std::uint32_t pop = 0;
};

struct Machine::Context {
  Machine& m;
  const Batch& batch;
  std::uint32_t pc = 0;
  std::size_t depth = 0;
  std::size_t next = 0;

  const Program& program() const { return m.program_; }
  const Level& selection() const { return m.levels_[depth]; }
  std::size_t capacity() const { return m.capacity_; }
  std::int64_t* reg(std::uint32_t r) { return m.scalar_regs_[r]; }
  std::string_view* text(std::uint32_t r) { return &m.texts_[r * m.capacity_]; }
  ListRegister& list(std::uint32_t r) { return m.lists_[r]; }
  // A list register's rows as items, however it is held (ListColumn).
  const ListColumn& items(std::uint32_t r) const { return m.list_columns_[r]; }
  const LookupIndex& lookup(std::uint32_t index) const { return *m.lookups_[index]; }
  Quotient* quotient(std::uint32_t r) { return &m.quotients_[r * m.capacity_]; }

  void fail_conflict(std::uint32_t row, std::int64_t first, std::int64_t second) {
    if (m.error_kind_[row] != 0) return;
    m.error_rows_[row] = {first, second};
    fail(row, RowError::TableConflict);
  }
  void fail(std::uint32_t row, RowError kind) {
    if (m.error_kind_[row] != 0) return;  // the first error is the one reported
    m.error_kind_[row] = static_cast<std::uint8_t>(kind);
    m.error_pc_[row] = pc;
  }

  // Calls f(row) for every selected row. Inlined into each handler, so that over
  // all rows it is a loop the compiler vectorises where the body allows.
  template <typename F>
  [[gnu::always_inline]] void each(F&& f) {
    const Level& s = selection();
    if (s.dense) {
      for (std::uint32_t i = 0, n = s.count; i < n; ++i) f(i);
    } else {
      const std::uint32_t* rows = s.rows.data();
      for (std::uint32_t k = 0, n = s.count; k < n; ++k) f(rows[k]);
    }
  }

  void push(const std::int64_t* keep, bool when, const Step& step) {
    const Level& current = m.levels_[depth];
    Level& next_level = m.levels_[depth + 1];
    std::uint32_t* out = next_level.rows.data();
    std::uint32_t count = 0;
    // Branch-free: the row number is always written, and kept by counting it.
    if (current.dense) {
      for (std::uint32_t i = 0, n = current.count; i < n; ++i) {
        out[count] = i;
        count += (keep[i] != 0) == when;
      }
    } else {
      const std::uint32_t* rows = current.rows.data();
      for (std::uint32_t k = 0, n = current.count; k < n; ++k) {
        const std::uint32_t i = rows[k];
        out[count] = i;
        count += (keep[i] != 0) == when;
      }
    }
    next_level.dense = current.dense && count == current.count;
    next_level.count = count;
    ++depth;
    if (count == 0) next = step.pop;
  }
};

// A batch of one row (one household evaluated on its own). A step that runs
// at all runs on row 0, because a selection that keeps no row skips to its
// SELECT_POP; so each() calls its body once, without the loop and the
// selection's bookkeeping. Every handler is also built over this context
// (row_*, below): small functions without the vector loops, whose registers
// and stack frames the one-row call would otherwise pay for at every step.
struct Machine::RowContext : Machine::Context {
  // The scalar registers' rows, read once per run rather than through the
  // machine at every operand (a one-row step is a handful of instructions:
  // the indirection was a fifth of them).
  std::int64_t* const* const regs = m.scalar_regs_.data();
  std::int64_t* reg(std::uint32_t r) const { return regs[r]; }
  template <typename F>
  [[gnu::always_inline]] void each(F&& f) {
    f(0);
  }
  void push(const std::int64_t* keep, bool when, const Step& step) {
    const bool kept = (keep[0] != 0) == when;
    Level& next_level = m.levels_[depth + 1];
    next_level.dense = true;  // row 0, or no row
    next_level.count = kept;
    ++depth;
    if (!kept) next = step.pop;
  }
};

namespace {

using Ctx = Machine::Context;
using Step = Machine::Step;

// The helpers below, and the lambdas handlers pass them, are always inlined
// into the handler, so that they are built for the handler's target (see
// PRECEPT_VECTOR_CLONES) and the row loop is one loop the compiler can see whole.
#define PRECEPT_INLINE [[gnu::always_inline]] inline
#define PRECEPT_LAMBDA_INLINE __attribute__((always_inline))

// Calls f(b, c) with operands B and C as arrays, or one of them as a plain
// value when the step carries it as an immediate: f indexes both with [i].
struct Immediate {
  std::int64_t value;
  std::int64_t operator[](std::uint32_t) const { return value; }
};
template <typename F>
PRECEPT_INLINE void with_operands(auto& c, const Step& s, F&& f) {
  if (s.immediate == 2) return f(c.reg(s.b), Immediate{s.value});
  if (s.immediate == 1) return f(Immediate{s.value}, c.reg(s.c));
  f(c.reg(s.b), c.reg(s.c));
}

// Applies a checked binary operation on scalar registers; overflow fails the row.
template <typename Op>
PRECEPT_INLINE void checked_binary(auto& c, const Step& s, Op op) {
  std::int64_t* a = c.reg(s.a);
  with_operands(c, s, [&](const auto& b, const auto& d) PRECEPT_LAMBDA_INLINE {
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
      std::int64_t out;
      if (op(b[i], d[i], out)) [[likely]] {
        a[i] = out;
      } else {
        a[i] = 0;
        c.fail(i, RowError::Overflow);
      }
    });
  });
}

template <typename Op>
PRECEPT_INLINE void binary(auto& c, const Step& s, Op op) {
  std::int64_t* a = c.reg(s.a);
  with_operands(c, s, [&](const auto& b, const auto& d) PRECEPT_LAMBDA_INLINE {
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = op(b[i], d[i]); });
  });
}

template <typename Op>
PRECEPT_INLINE void compare_quotients_with(auto& c, const Step& s, Op op) {
  std::int64_t* a = c.reg(s.a);
  const Quotient* b = c.quotient(s.b);
  const Quotient* d = c.quotient(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = op(compare_quotients(b[i], d[i])) ? 1 : 0; });
}

void report(Ctx& c, std::uint32_t row, ArithStatus status) {
  if (status == ArithStatus::Overflow) c.fail(row, RowError::Overflow);
  if (status == ArithStatus::DivisionByZero) c.fail(row, RowError::DivisionByZero);
}

struct AddChecked {
  PRECEPT_INLINE bool operator()(std::int64_t x, std::int64_t y, std::int64_t& out) const {
    return !__builtin_add_overflow(x, y, &out);
  }
};
struct SubChecked {
  PRECEPT_INLINE bool operator()(std::int64_t x, std::int64_t y, std::int64_t& out) const {
    return !__builtin_sub_overflow(x, y, &out);
  }
};
struct MulChecked {
  PRECEPT_INLINE bool operator()(std::int64_t x, std::int64_t y, std::int64_t& out) const {
    return !__builtin_mul_overflow(x, y, &out);
  }
};

// Handlers are built twice where the compiler can: for the x86-64 baseline,
// whose SSE2 has no 64-bit compare, and for x86-64-v3 (AVX2, 2013 on), chosen
// once when the program starts. Over all rows a comparison or a blend is then
// four rows per instruction; nothing else changes, so results are identical.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(PRECEPT_NO_TARGET_CLONES)
#define PRECEPT_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define PRECEPT_VECTOR_CLONES
#endif

// One handler per opcode, named after it: its body, over either context
// (Context: a batch; RowContext: one row). The functions the steps call and
// the dispatch tables below are generated from opcodes.def, so a missing
// handler is a compile error.
#define HANDLER(name) \
  template <class C>  \
  PRECEPT_INLINE void body_##name([[maybe_unused]] C& c, [[maybe_unused]] const Step& s)
// The two functions a step may call for one body: exec_* over a batch (with
// its vector clones), row_* over one row.
#define STEP_FUNCTIONS(name)                                                                \
  PRECEPT_VECTOR_CLONES void exec_##name(Ctx& c, const Step& s) { body_##name(c, s); } \
  void row_##name(Ctx& c, const Step& s) { body_##name(static_cast<Machine::RowContext&>(c), s); }

HANDLER(LOAD_FIELD) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* column = c.batch.columns[s.b].scalar_data();
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = column[i]; });
}
HANDLER(LOAD_PRESENT) {
  std::int64_t* a = c.reg(s.a);
  const std::uint8_t* present = c.batch.columns[s.b].present.data();
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = present[i]; });
}
HANDLER(LOAD_TEXT) {
  std::string_view* a = c.text(s.a);
  // Whatever the column holds (strings or views), each row becomes a view of it.
  const auto& column = c.batch.columns[s.b].texts;
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = column[i]; });
}
HANDLER(LOAD_LIST) {
  Machine::ListRegister& a = c.list(s.a);
  if (a.aliased) return;  // read in place; run() pointed the register at the column
  const auto& column = c.batch.columns[s.b].lists;
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a.rows[i].assign(column[i].begin(), column[i].end()); });
}
HANDLER(LOAD_CONST) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t value = c.program().constants[s.b];
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = value; });
}
HANDLER(LOAD_STRING) {
  std::string_view* a = c.text(s.a);
  const std::string_view value = c.program().strings[s.b];
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = value; });
}
HANDLER(MOVE) {
  std::int64_t* a = c.reg(s.a);
  if (s.immediate == 1) {
    const std::int64_t value = s.value;
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = value; });
    return;
  }
  const std::int64_t* b = c.reg(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = b[i]; });
}
HANDLER(MOVE_IF) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* when = c.reg(s.b);
  const auto blend = [&](const auto& value) PRECEPT_LAMBDA_INLINE {
    // A blend, not a branch: which rows take the value is data, and unpredictable.
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
      const std::int64_t take = -static_cast<std::int64_t>(when[i] != 0);
      a[i] = (value[i] & take) | (a[i] & ~take);
    });
  };
  if (s.immediate == 2) blend(Immediate{s.value});
  else blend(c.reg(s.c));
}
// A comparison whose only use is the MOVE_IF right after it (how a decide's
// branches lower): one pass instead of two, and no bool column in between.
template <typename Compare>
PRECEPT_INLINE void move_if_compare(auto& c, const Step& s, Compare compare) {
  std::int64_t* a = c.reg(s.a);
  with_operands(c, s, [&](const auto& x, const auto& y) PRECEPT_LAMBDA_INLINE {
    const auto blend = [&](const auto& value) PRECEPT_LAMBDA_INLINE {
      c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
        const std::int64_t take = -static_cast<std::int64_t>(compare(x[i], y[i]));
        a[i] = (value[i] & take) | (a[i] & ~take);
      });
    };
    if (s.immediate2 == 2) blend(Immediate{s.value2});
    else blend(c.reg(s.c2));
  });
}
HANDLER(move_if_lt) {
  move_if_compare(c, s, [](std::int64_t x, std::int64_t y) PRECEPT_LAMBDA_INLINE { return x < y; });
}
HANDLER(move_if_le) {
  move_if_compare(c, s, [](std::int64_t x, std::int64_t y) PRECEPT_LAMBDA_INLINE { return x <= y; });
}
HANDLER(move_if_eq) {
  move_if_compare(c, s, [](std::int64_t x, std::int64_t y) PRECEPT_LAMBDA_INLINE { return x == y; });
}
HANDLER(move_if_ne) {
  move_if_compare(c, s, [](std::int64_t x, std::int64_t y) PRECEPT_LAMBDA_INLINE { return x != y; });
}

HANDLER(MOVE_TEXT) {
  std::string_view* a = c.text(s.a);
  const std::string_view* b = c.text(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = b[i]; });
}

HANDLER(ADD_INT) { checked_binary(c, s, AddChecked{}); }
HANDLER(SUB_INT) { checked_binary(c, s, SubChecked{}); }
HANDLER(MUL_INT) { checked_binary(c, s, MulChecked{}); }
HANDLER(ADD_MONEY) { checked_binary(c, s, AddChecked{}); }
HANDLER(SUB_MONEY) { checked_binary(c, s, SubChecked{}); }
HANDLER(MUL_MONEY_INT) { checked_binary(c, s, MulChecked{}); }
HANDLER(ADD_DECIMAL) { checked_binary(c, s, AddChecked{}); }
HANDLER(SUB_DECIMAL) { checked_binary(c, s, SubChecked{}); }
HANDLER(MUL_DECIMAL_INT) { checked_binary(c, s, MulChecked{}); }

HANDLER(NEGATE) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* b = c.reg(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    if (!checked_neg(b[i], a[i])) c.fail(i, RowError::Overflow);
  });
}
HANDLER(ABS) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* b = c.reg(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    if (!checked_abs(b[i], a[i])) c.fail(i, RowError::Overflow);
  });
}
HANDLER(MIN) { binary(c, s, [](std::int64_t x, std::int64_t y) { return x < y ? x : y; }); }
HANDLER(MAX) { binary(c, s, [](std::int64_t x, std::int64_t y) { return x < y ? y : x; }); }
HANDLER(WIDEN) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* b = c.reg(s.b);
  const int shift = s.x;
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    if (!checked_scale_up(b[i], shift, a[i])) c.fail(i, RowError::Overflow);
  });
}

HANDLER(DIVIDE) {
  Quotient* a = c.quotient(s.a);
  const std::int64_t* b = c.reg(s.b);
  const std::int64_t* d = c.reg(s.c);
  const int shift = s.x;
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { report(c, i, make_quotient(b[i], shift, d[i], a[i])); });
}
HANDLER(MULTIPLY_EXACT) {
  Quotient* a = c.quotient(s.a);
  const std::int64_t* b = c.reg(s.b);
  const std::int64_t* d = c.reg(s.c);
  const int shift = s.x;
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { report(c, i, make_product_quotient(b[i], d[i], shift, a[i])); });
}
HANDLER(QUOTIENT_OF) {
  Quotient* a = c.quotient(s.a);
  const std::int64_t* b = c.reg(s.b);
  const int shift = s.x;
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { report(c, i, make_quotient(b[i], shift, 1, a[i])); });
}
HANDLER(ROUND_QUOTIENT) {
  std::int64_t* a = c.reg(s.a);
  const Quotient* b = c.quotient(s.b);
  const int drop = s.x;
  const auto mode = static_cast<RoundingMode>(s.y);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { report(c, i, round_quotient(b[i], drop, mode, a[i])); });
}
HANDLER(ROUND_NUMBER) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* b = c.reg(s.b);
  const int drop = s.x;
  const auto mode = static_cast<RoundingMode>(s.y);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { report(c, i, round_scaled(b[i], drop, mode, a[i])); });
}

// round(n / d) half-to-even in int64 alone: the common case of round(money / int, 2).
inline std::int64_t divide_half_even(std::int64_t numerator, std::int64_t denominator) {
  std::int64_t q = numerator / denominator;
  const std::int64_t r = numerator % denominator;
  if (r != 0) {
    // Compare 2|r| with |d| without overflow: |r| < |d| <= 2^63.
    // Unsigned negation is defined for every value, INT64_MIN included.
    const auto magnitude = [](std::int64_t v) {
      return v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    };
    const std::uint64_t twice_r = 2 * magnitude(r);
    const std::uint64_t abs_d = magnitude(denominator);
    const bool negative = (r < 0) != (denominator < 0);
    if (twice_r > abs_d || (twice_r == abs_d && (q % 2 != 0))) q += negative ? -1 : 1;
  }
  return q;
}

// Dividing by a household's size (a small count) is W1's per-capita income and
// the one division most policies have. A hardware division takes tens of
// cycles; multiplying by a reciprocal prepared once takes a few. For divisors
// 2..kSmallDivisors, m = floor(2^(63+l) / d) + 1 with l = ceil(log2 d) gives
// floor(u / d) = floor(u * m / 2^(63+l)) exactly for every 0 <= u < 2^63
// (Granlund and Montgomery, "Division by invariant integers using
// multiplication", 1994, theorem 4.2: 2^(63+l) <= m*d <= 2^(63+l) + 2^l).
// Divisor 1 uses m = 2^64 - 1, one short; the remainder check corrects it.
__extension__ typedef unsigned __int128 UInt128;
constexpr int kSmallDivisors = 256;
struct Reciprocals {
  std::uint64_t multiplier[kSmallDivisors + 1] = {};
  std::uint8_t shift[kSmallDivisors + 1] = {};
};
constexpr Reciprocals make_reciprocals() {
  Reciprocals r;
  r.multiplier[1] = ~std::uint64_t{0};
  for (int d = 2; d <= kSmallDivisors; ++d) {
    const int l = std::bit_width(static_cast<unsigned>(d - 1));
    r.multiplier[d] = static_cast<std::uint64_t>((UInt128{1} << (63 + l)) / static_cast<unsigned>(d) + 1);
    r.shift[d] = static_cast<std::uint8_t>(l - 1);
  }
  return r;
}
constexpr Reciprocals kReciprocals = make_reciprocals();

// round(n / d) half-to-even for 1 <= d <= kSmallDivisors and n > INT64_MIN.
PRECEPT_INLINE std::int64_t divide_half_even_small(std::int64_t n, std::int64_t d) {
  const auto u = n < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  const auto divisor = static_cast<std::uint64_t>(d);
  std::uint64_t q = static_cast<std::uint64_t>((UInt128{u} * kReciprocals.multiplier[d]) >> 64) >> kReciprocals.shift[d];
  std::uint64_t r = u - q * divisor;
  const std::uint64_t short_by_one = r >= divisor;
  q += short_by_one;
  r -= short_by_one * divisor;
  // Half to even on the magnitude, which is the same as on the signed value.
  q += (2 * r > divisor) | ((2 * r == divisor) & q);
  return n < 0 ? -static_cast<std::int64_t>(q) : static_cast<std::int64_t>(q);
}

HANDLER(DIVIDE_ROUND) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* b = c.reg(s.b);
  const std::int64_t* d = c.reg(s.c);
  const auto mode = static_cast<RoundingMode>(s.y);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    if (mode == RoundingMode::HalfEven && static_cast<std::uint64_t>(d[i]) - 1 < kSmallDivisors &&
        b[i] != INT64_MIN) [[likely]] {
      a[i] = divide_half_even_small(b[i], d[i]);
      return;
    }
    const std::int64_t numerator = b[i], denominator = d[i];
    if (denominator == 0) [[unlikely]] {
      a[i] = 0;
      return c.fail(i, RowError::DivisionByZero);
    }
    // The common case fits int64 exactly; INT64_MIN / -1 is the one overflow.
    if (numerator == INT64_MIN && denominator == -1) [[unlikely]] {
      a[i] = 0;
      return c.fail(i, RowError::Overflow);
    }
    if (mode == RoundingMode::HalfEven) [[likely]] {
      a[i] = divide_half_even(numerator, denominator);
      return;
    }
    Quotient quotient;
    report(c, i, make_quotient(numerator, 0, denominator, quotient));
    report(c, i, round_quotient(quotient, 0, mode, a[i]));
  });
}
HANDLER(LT_QUOTIENT) { compare_quotients_with(c, s, [](int r) { return r < 0; }); }
HANDLER(LE_QUOTIENT) { compare_quotients_with(c, s, [](int r) { return r <= 0; }); }
HANDLER(EQ_QUOTIENT) { compare_quotients_with(c, s, [](int r) { return r == 0; }); }
HANDLER(NE_QUOTIENT) { compare_quotients_with(c, s, [](int r) { return r != 0; }); }

HANDLER(LT) { binary(c, s, [](std::int64_t x, std::int64_t y) -> std::int64_t { return x < y; }); }
HANDLER(LE) { binary(c, s, [](std::int64_t x, std::int64_t y) -> std::int64_t { return x <= y; }); }
HANDLER(EQ) { binary(c, s, [](std::int64_t x, std::int64_t y) -> std::int64_t { return x == y; }); }
HANDLER(NE) { binary(c, s, [](std::int64_t x, std::int64_t y) -> std::int64_t { return x != y; }); }
HANDLER(EQ_TEXT) {
  std::int64_t* a = c.reg(s.a);
  const std::string_view* b = c.text(s.b);
  const std::string_view* d = c.text(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = b[i] == d[i]; });
}
HANDLER(NE_TEXT) {
  std::int64_t* a = c.reg(s.a);
  const std::string_view* b = c.text(s.b);
  const std::string_view* d = c.text(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = b[i] != d[i]; });
}

HANDLER(AND) { binary(c, s, [](std::int64_t x, std::int64_t y) -> std::int64_t { return (x != 0) & (y != 0); }); }
HANDLER(OR) { binary(c, s, [](std::int64_t x, std::int64_t y) -> std::int64_t { return (x | y) != 0; }); }
HANDLER(NOT) {
  std::int64_t* a = c.reg(s.a);
  const std::int64_t* b = c.reg(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = b[i] == 0; });
}

HANDLER(LIST_CLEAR) {
  Machine::ListRegister& a = c.list(s.a);
  if (a.slotted) {
    std::uint64_t* masks = a.masks.data();
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { masks[i] = 0; });
  } else {
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a.rows[i].clear(); });
  }
}
HANDLER(LIST_APPEND_IF) {
  Machine::ListRegister& a = c.list(s.a);
  const std::int64_t* when = c.reg(s.b);
  const std::int64_t* value = c.reg(s.c);
  if (a.slotted) {
    // Branch-free: the slot is this instruction's alone, so it may be written
    // whether or not the item is added; the mask bit says whether it was.
    std::int64_t* slot = a.slots.data() + s.slot * c.capacity();
    std::uint64_t* masks = a.masks.data();
    const unsigned bit = s.slot;
    const auto append = [&](const auto& item) PRECEPT_LAMBDA_INLINE {
      c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
        slot[i] = item[i];
        masks[i] |= static_cast<std::uint64_t>(when[i] != 0) << bit;
      });
    };
    if (s.immediate == 2) append(Immediate{s.value});
    else append(value);
  } else {
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
      if (when[i]) a.rows[i].push_back(value[i]);
    });
  }
}
// Two LIST_APPEND_IFs in a row with the same condition, on slotted lists: a
// collect table's row adds to every output column at once. One pass reads the
// selection and the condition once for both.
HANDLER(list_append_pair) {
  Machine::ListRegister& first = c.list(s.a);
  Machine::ListRegister& second = c.list(s.a2);
  const std::int64_t* when = c.reg(s.b);
  std::int64_t* slot1 = first.slots.data() + s.slot * c.capacity();
  std::int64_t* slot2 = second.slots.data() + s.slot2 * c.capacity();
  std::uint64_t* masks1 = first.masks.data();
  std::uint64_t* masks2 = second.masks.data();
  const unsigned bit1 = s.slot, bit2 = s.slot2;
  const auto append = [&](const auto& item1, const auto& item2) PRECEPT_LAMBDA_INLINE {
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
      const auto added = static_cast<std::uint64_t>(when[i] != 0);
      slot1[i] = item1[i];
      slot2[i] = item2[i];
      masks1[i] |= added << bit1;
      masks2[i] |= added << bit2;
    });
  };
  const auto second_item = [&](const auto& item1) PRECEPT_LAMBDA_INLINE {
    if (s.immediate2 == 2) append(item1, Immediate{s.value2});
    else append(item1, c.reg(s.c2));
  };
  if (s.immediate == 2) second_item(Immediate{s.value});
  else second_item(c.reg(s.c));
}

HANDLER(LIST_CONTAINS) {
  std::int64_t* a = c.reg(s.a);
  const ListColumn& b = c.items(s.b);
  const std::int64_t* value = c.reg(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    const ListItems items = b[i];
    a[i] = std::find(items.begin(), items.end(), value[i]) != items.end();
  });
}
HANDLER(LIST_COUNT) {
  std::int64_t* a = c.reg(s.a);
  const Machine::ListRegister& b = c.list(s.b);
  if (b.slotted) {
    const std::uint64_t* masks = b.masks.data();
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = std::popcount(masks[i]); });
  } else {
    const ListColumn& items = c.items(s.b);
    c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = static_cast<std::int64_t>(items[i].size()); });
  }
}
constexpr std::uint32_t kSlotwiseSumRows = 8;
HANDLER(LIST_SUM) {
  std::int64_t* a = c.reg(s.a);
  const Machine::ListRegister& b = c.list(s.b);
  // Slot by slot over all rows, adding zero where a slot is empty: the same
  // additions in the same order as item by item, so a row overflows exactly
  // when the item-by-item sum would; wrapping sums are flagged, then replaced.
  // It visits every slot, filled or not, so it pays only over many rows: a
  // household evaluated on its own adds just its filled slots, item by item.
  if (b.slotted && c.selection().dense && c.selection().count >= kSlotwiseSumRows) {
    const std::uint32_t n = c.selection().count;
    const std::uint64_t* masks = b.masks.data();
    std::fill_n(a, n, 0);
    std::int64_t overflowed = 0;
    for (std::uint32_t j = 0; j < b.slot_count; ++j) {
      const std::int64_t* slot = b.slots.data() + j * c.capacity();
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::int64_t item = (masks[i] >> j & 1) ? slot[i] : 0;
        const std::int64_t sum = static_cast<std::int64_t>(static_cast<std::uint64_t>(a[i]) + static_cast<std::uint64_t>(item));
        overflowed |= (a[i] ^ sum) & (item ^ sum);
        a[i] = sum;
      }
    }
    if (overflowed >= 0) [[likely]] return;
  }
  const ListColumn& items = c.items(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    std::int64_t total = 0;
    for (const std::int64_t v : items[i])
      if (__builtin_add_overflow(total, v, &total)) [[unlikely]] {
        c.fail(i, RowError::Overflow);
        break;
      }
    a[i] = total;
  });
}

// The household's value for each tested column: r[C] and the registers after it.
template <typename F>
PRECEPT_INLINE void each_key(auto& c, const Step& s, F&& f) {
  const Machine::LookupIndex& index = c.lookup(s.b);
  std::int64_t key[kMaxLookupKeys];
  const std::int64_t* columns[kMaxLookupKeys];
  for (std::size_t k = 0; k < index.keys; ++k) columns[k] = c.reg(s.c + static_cast<std::uint32_t>(k));
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    for (std::size_t k = 0; k < index.keys; ++k) key[k] = columns[k][i];
    f(i, index, key);
  });
}
HANDLER(LOOKUP_FIRST) {
  std::int64_t* a = c.reg(s.a);
  each_key(c, s, [&](std::uint32_t i, const Machine::LookupIndex& index, const std::int64_t* key) {
    a[i] = index.first(key);
  });
}
HANDLER(LOOKUP_ALL) {
  Machine::ListRegister& a = c.list(s.a);
  each_key(c, s, [&](std::uint32_t i, const Machine::LookupIndex& index, const std::int64_t* key) {
    index.all(key, a.rows[i]);
  });
}
// A row number out of the array's range (none for a hand-made program's
// register) picks element 0, as "no row" does.
PRECEPT_INLINE std::int64_t element(const std::vector<std::int64_t>& values, std::int64_t row) {
  return values[static_cast<std::uint64_t>(row) < values.size() ? static_cast<std::size_t>(row) : 0];
}
HANDLER(PICK) {
  std::int64_t* a = c.reg(s.a);
  const std::vector<std::int64_t>& values = c.program().arrays[s.b].values;
  const std::int64_t* row = c.reg(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = element(values, row[i]); });
}
HANDLER(PICK_TEXT) {
  std::string_view* a = c.text(s.a);
  const std::vector<std::int64_t>& values = c.program().arrays[s.b].values;
  const std::vector<std::string>& strings = c.program().strings;
  const std::int64_t* row = c.reg(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { a[i] = strings[static_cast<std::size_t>(element(values, row[i]))]; });
}
HANDLER(PICK_LIST) {
  Machine::ListRegister& a = c.list(s.a);
  const std::vector<std::int64_t>& values = c.program().arrays[s.b].values;
  const ListColumn& rows = c.items(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    std::vector<std::int64_t>& out = a.rows[i];
    out.clear();
    for (const std::int64_t row : rows[i]) out.push_back(element(values, row));
  });
}

// The smallest or largest item; 0 for an empty list (the compiler rejects such
// a household before it reads the value).
template <bool kMin>
PRECEPT_INLINE void list_extreme(auto& c, const Step& s) {
  std::int64_t* a = c.reg(s.a);
  const ListColumn& b = c.items(s.b);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    bool any = false;
    std::int64_t best = 0;
    for (const std::int64_t v : b[i]) {
      if (!any || (kMin ? v < best : v > best)) best = v;
      any = true;
    }
    a[i] = best;
  });
}
HANDLER(LIST_MIN) { list_extreme<true>(c, s); }
HANDLER(LIST_MAX) { list_extreme<false>(c, s); }

HANDLER(SELECT_IF) { c.push(c.reg(s.a), true, s); }
HANDLER(SELECT_UNLESS) { c.push(c.reg(s.a), false, s); }
HANDLER(SELECT_POP) { --c.depth; }

HANDLER(REQUIRE) {
  const std::int64_t* a = c.reg(s.a);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE {
    if (!a[i]) c.fail(i, RowError::Require);
  });
}
HANDLER(FAIL) {
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { c.fail(i, RowError::NoRowMatched); });
}
HANDLER(TABLE_CONFLICT) {
  const std::int64_t* first = c.reg(s.b);
  const std::int64_t* second = c.reg(s.c);
  c.each([&](std::uint32_t i) PRECEPT_LAMBDA_INLINE { c.fail_conflict(i, first[i], second[i]); });
}

#undef HANDLER

#define OP(name, operands, synopsis) STEP_FUNCTIONS(name)
#include "opcodes.def"
#undef OP
// The fused steps (plan()).
STEP_FUNCTIONS(move_if_lt)
STEP_FUNCTIONS(move_if_le)
STEP_FUNCTIONS(move_if_eq)
STEP_FUNCTIONS(move_if_ne)
STEP_FUNCTIONS(list_append_pair)
#undef STEP_FUNCTIONS

using Handler = void (*)(Ctx&, const Step&);
struct StepFunctions {
  Handler batch, one_row;
};
constexpr StepFunctions kDispatch[] = {
#define OP(name, operands, synopsis) {&exec_##name, &row_##name},
#include "opcodes.def"
#undef OP
};
static_assert(sizeof(kDispatch) / sizeof(kDispatch[0]) == kOpcodeCount);

}  // namespace

Machine::Machine(const Program& program, std::size_t capacity, MachineMode mode)
    : program_(program),
      capacity_(capacity),
      mode_(mode),
      scalar_regs_(program.scalar_types.size(), nullptr),
      texts_(program.text_count * capacity),
      text_columns_(program.text_count, nullptr),
      lists_(program.list_types.size()),
      quotients_(program.quotient_units.size() * capacity),
      error_kind_(capacity),
      error_pc_(capacity),
      error_rows_(capacity),
      // Level 0 is every row, always dense; level d + 1 holds the rows a
      // selection at depth d keeps. Only the depths the program reaches.
      levels_(selection_depth(program) + 2) {
  for (std::size_t d = 1; d + 1 < levels_.size(); ++d) levels_[d].rows.resize(capacity);
  lookups_.reserve(program.lookups.size());
  for (const LookupTable& table : program.lookups) lookups_.push_back(lookup_index_cache().get(table));
  plan();
}

Machine::~Machine() = default;

// Turns the code into steps, and decides where registers live.
//
// Instructions whose effect is the same for every batch are done here, once:
// LOAD_CONST of a register nothing else writes (its value then also becomes an
// immediate operand of the instructions that read it), and LOAD_FIELD of a
// register nothing else writes, which becomes a pointer to the batch's column,
// set at the start of each run. Both must be outside any selection and before
// any instruction reads the register, so that no instruction can tell. Where
// registers live is decided by plan_registers (vm_plan.hpp).
void Machine::plan() {
  const std::vector<Instruction>& code = program_.code;
  const RegisterPlan registers = plan_registers(program_, mode_ == MachineMode::Fast);
  const std::vector<RegisterUse>& use = registers.use;
  const std::vector<RegisterHome>& home = registers.home;
  const std::vector<bool>& external = registers.external;
  const std::vector<std::uint32_t>& reads = registers.reads;
  using Home = RegisterHome;

  scalars_.assign(std::size_t{registers.slots} * capacity_, 0);
  for (std::size_t r = 0; r < home.size(); ++r)
    if (registers.slot_of[r] != RegisterPlan::kNoSlot)
      scalar_regs_[r] = scalars_.data() + std::size_t{registers.slot_of[r]} * capacity_;

  const std::size_t nlists = program_.list_types.size();
  for (std::size_t l = 0; l < nlists; ++l) {
    ListRegister& list = lists_[l];
    switch (registers.lists[l]) {
      case ListStorage::Slotted:
        list.slotted = true;
        list.slot_count = registers.list_appends[l];
        list.slots.assign(capacity_ * registers.list_appends[l], 0);
        list.masks.assign(capacity_, 0);
        break;
      case ListStorage::Aliased: list.aliased = true; break;
      case ListStorage::Rows: list.rows.resize(capacity_); break;
    }
  }
  list_columns_.assign(nlists, ListColumn{});
  for (std::size_t l = 0; l < nlists; ++l) {
    const ListRegister& list = lists_[l];
    ListColumn& column = list_columns_[l];
    if (list.slotted) {
      column.slots_ = list.slots.data();
      column.masks_ = list.masks.data();
      column.capacity_ = capacity_;
    } else if (!list.aliased) {
      column.rows_ = &list.rows;
    }  // an aliased list reads the batch's column: point_at() sets it
  }
  std::vector<std::uint32_t> next_slot(nlists, 0);

  // MOVE_IF a, t, v right after the comparison or NOT that alone writes t, when
  // nothing else reads t: the comparison's step takes the move in (t is never
  // written, as nothing would read it).
  const auto fuse_condition = [&](std::vector<Step>& steps, std::uint32_t pc, const Instruction& ins, const Step& move) {
    if (steps.empty()) return false;
    Step& test = steps.back();
    const std::uint32_t t = ins.b;
    if (test.pc + 1 != pc || test.fused || test.a != t || use[t].writers != 1 || reads[t] != 1 || external[t])
      return false;
    StepFunctions fused{};
    switch (test.op) {
      case Opcode::LT: fused = {exec_move_if_lt, row_move_if_lt}; break;
      case Opcode::LE: fused = {exec_move_if_le, row_move_if_le}; break;
      case Opcode::EQ: fused = {exec_move_if_eq, row_move_if_eq}; break;
      case Opcode::NE: fused = {exec_move_if_ne, row_move_if_ne}; break;
      case Opcode::NOT:
        // not x is x == 0; one operand may be an immediate, so x may not be one.
        if (test.immediate != 0) return false;
        fused = {exec_move_if_eq, row_move_if_eq};
        test.immediate = 2;
        test.value = 0;
        break;
      default: return false;
    }
    test.fn = fused.batch;
    test.row_fn = fused.one_row;
    test.fused = true;
    test.a = ins.a;
    test.c2 = ins.c;
    test.immediate2 = move.immediate == 2 ? 2 : 0;
    test.value2 = move.value;
    return true;
  };

  std::vector<std::uint32_t> open;  // steps of the open SELECT_IFs
  int depth = 0;
  for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
    const Instruction& ins = code[pc];
    if (ins.op == Opcode::LOAD_CONST && home[ins.a] == Home::Constant) {
      std::fill_n(scalar_regs_[ins.a], capacity_, program_.constants[ins.b]);
      continue;
    }
    if (ins.op == Opcode::LOAD_FIELD && home[ins.a] == Home::Field) {
      field_aliases_.emplace_back(ins.a, ins.b);
      continue;
    }
    if (depth == 0 && ins.op == Opcode::LOAD_TEXT && registers.text_writers[ins.a] == 1 &&
        registers.text_reads[ins.a] == 0) {
      // Only an output: text() reads the column itself, so nothing is copied.
      text_aliases_.emplace_back(ins.a, ins.b);
      continue;
    }
    if (ins.op == Opcode::LOAD_LIST && lists_[ins.a].aliased) {
      lists_[ins.a].alias_field = ins.b;
      continue;
    }
    Step step;
    step.fn = kDispatch[static_cast<std::size_t>(ins.op)].batch;
    step.row_fn = kDispatch[static_cast<std::size_t>(ins.op)].one_row;
    step.op = ins.op;
    step.pc = pc;
    step.a = ins.a;
    step.b = ins.b;
    step.c = ins.c;
    step.x = ins.x;
    step.y = ins.y;
    // A constant operand is passed as a value, so the loop reads no column for it.
    const char* operands = opcode_info(ins.op).operands;
    for (const int k : {2, 1})
      if (is_scalar_operand(operands[k]) && home[operand(ins, k)] == Home::Constant) {
        step.immediate = static_cast<std::uint8_t>(k);
        step.value = scalar_regs_[operand(ins, k)][0];
        break;
      }
    const bool fuse = mode_ == MachineMode::Fast;
    if (fuse && ins.op == Opcode::MOVE_IF && fuse_condition(steps_, pc, ins, step)) continue;
    if (ins.op == Opcode::LIST_APPEND_IF) {
      step.slot = next_slot[ins.a]++;
      Step* previous = steps_.empty() ? nullptr : &steps_.back();
      if (fuse && previous && previous->op == Opcode::LIST_APPEND_IF && !previous->fused && previous->pc + 1 == pc &&
          previous->b == ins.b && lists_[previous->a].slotted && lists_[ins.a].slotted) {
        previous->fn = exec_list_append_pair;
        previous->row_fn = row_list_append_pair;
        previous->fused = true;
        previous->a2 = ins.a;
        previous->c2 = ins.c;
        previous->slot2 = step.slot;
        previous->immediate2 = step.immediate;
        previous->value2 = step.value;
        continue;
      }
    }
    if (ins.op == Opcode::SELECT_IF || ins.op == Opcode::SELECT_UNLESS) {
      open.push_back(static_cast<std::uint32_t>(steps_.size()));
      ++depth;
    } else if (ins.op == Opcode::SELECT_POP) {
      steps_[open.back()].pop = static_cast<std::uint32_t>(steps_.size());
      open.pop_back();
      --depth;
    }
    steps_.push_back(step);
  }
}

void Machine::run_traced(const Batch& batch, std::vector<std::uint8_t>& executed) {
  if (mode_ != MachineMode::Traced) throw std::logic_error("run_traced needs a machine in traced mode");
  prepare(batch);
  executed.assign(program_.code.size(), 0);
  Context context{*this, batch};
  const std::size_t n = steps_.size();
  for (std::size_t i = 0; i < n;) {
    const Step& step = steps_[i];
    context.pc = step.pc;
    context.next = i + 1;
    step.fn(context, step);
    executed[step.pc] = 1;
    i = context.next;
  }
}

namespace {
// Runs the steps in order, each through its function `fn` (Step::fn or
// Step::row_fn); a step may send the run on to a later one (context.next).
template <class StepContext>
void run_steps(const std::vector<Step>& steps, StepContext& context, Handler Step::*fn) {
  const std::size_t n = steps.size();
  for (std::size_t i = 0; i < n;) {
    const Step& step = steps[i];
    context.pc = step.pc;
    context.next = i + 1;
    (step.*fn)(context, step);
    i = context.next;
  }
}
}  // namespace

void Machine::run(const Batch& batch) {
  prepare(batch);
  if (batch.rows == 1) {  // one household: the steps' one-row functions (RowContext)
    RowContext context{{*this, batch}};
    run_steps(steps_, context, &Step::row_fn);
    return;
  }
  Context context{*this, batch};
  run_steps(steps_, context, &Step::fn);
}

constexpr std::uint32_t kPrefetchRows = 64;

void Machine::bind(const Batch& batch) {
  point_at(batch);
  bound_ = &batch;
}

void Machine::point_at(const Batch& batch) {
  for (const auto& [reg, field] : field_aliases_)
    scalar_regs_[reg] = const_cast<std::int64_t*>(batch.columns[field].scalar_data());
  for (std::size_t l = 0; l < lists_.size(); ++l)
    if (const ListRegister& list = lists_[l]; list.aliased)
      list_columns_[l].rows_ = &batch.columns[list.alias_field].lists;
  for (const auto& [reg, field] : text_aliases_) text_columns_[reg] = &batch.columns[field].texts;
}

void Machine::prepare(const Batch& batch) {
  if (batch.rows > capacity_) throw std::invalid_argument("batch larger than the machine's capacity");
  const auto rows = static_cast<std::uint32_t>(batch.rows);
  if (rows == 1) error_kind_[0] = 0;  // not a call to memset for one byte
  else std::fill_n(error_kind_.begin(), rows, 0);
  if (&batch != bound_) point_at(batch);
  // The program reads its fields one column at a time, and a fresh batch is in
  // main memory: asking for all of them now overlaps the waits, where column
  // after column would each wait its turn. A small batch was just written and
  // is still in cache (one household at a time: the loop would be a tenth of the run).
  if (rows >= kPrefetchRows)
    for (const auto& [reg, field] : field_aliases_)
      for (std::uint32_t i = 0; i < rows; i += 8) __builtin_prefetch(scalar_regs_[reg] + i, 0, 2);
  Level& all = levels_[0];
  all.dense = true;
  all.count = rows;
}

std::string Machine::describe_error(std::size_t row, Language language) const {
  using M = MessageId;
  const std::uint32_t pc = error_pc_[row];
  const std::uint32_t line = pc < program_.code_lines.size() ? program_.code_lines[pc] : 0;
  const std::string origin =
      pc < program_.code_origins.size() && program_.code_origins[pc] < program_.origins.size()
          ? program_.origins[program_.code_origins[pc]]
          : std::string(catalogue_text(M::reject_the_policy, language));
  switch (static_cast<RowError>(error_kind_[row])) {
    case RowError::None: return {};
    case RowError::Overflow: return say<M::reject_overflow>(language, origin, line).text;
    case RowError::DivisionByZero: return say<M::reject_division_by_zero>(language, origin, line).text;
    case RowError::Require:
    case RowError::NoRowMatched: {
      const Instruction& ins = program_.code[pc];
      const std::uint32_t message = ins.op == Opcode::REQUIRE ? ins.b : ins.a;
      return say<M::reject_policy_line>(language, program_reason_in(program_.strings[message], language), line).text;
    }
    case RowError::TableConflict: {
      const Instruction& ins = program_.code[pc];
      const auto [first, second] = error_rows_[row];
      const std::string& table = program_.strings[ins.a];
      return ins.x ? say<M::reject_any_rows_differ>(language, first, second, table, line).text
                   : say<M::reject_unique_rows>(language, first, second, table, line).text;
    }
  }
  return {};
}

namespace {
// Far beyond any budget, and far from overflowing the sums below.
constexpr std::size_t kLookupSizeCap = std::size_t{1} << 40;
}  // namespace

// An index entry per combination of values a row accepts: while building, the
// combinations (values and row) and their order; once built, the keys, rows,
// row ranges and hash slots (at most four per entry); both at once at the
// peak. Then the copy of the table the index keeps. Saturating.
LookupIndexSize lookup_index_size(const LookupTable& table) {
  const std::size_t keys = std::min<std::size_t>(table.key_types.size(), 64);
  std::size_t entries = 0;
  std::uint32_t begin = 0;
  for (std::size_t r = 0; r < table.rows && (r + 1) * keys <= table.cell_ends.size(); ++r) {
    std::size_t combinations = 1;
    for (std::size_t k = 0; k < keys; ++k) {
      const std::uint32_t end = table.cell_ends[r * keys + k];
      const std::size_t values = end > begin ? end - begin : 1;
      if (__builtin_mul_overflow(combinations, values, &combinations) || combinations > kLookupSizeCap)
        combinations = kLookupSizeCap;
      begin = end;
    }
    entries = std::min(entries + combinations, kLookupSizeCap);
  }
  const std::size_t per_entry = 2 * keys * sizeof(std::int64_t) + 10 * sizeof(std::uint32_t);
  return {entries, entries * per_entry + table.cell_ends.size() * sizeof(std::uint32_t) +
                       table.values.size() * sizeof(std::int64_t)};
}

MemoryNeeds memory_needs(const Program& program) {
  MemoryNeeds needs;
  // The machine's registers, each before temporaries share storage.
  std::size_t row = program.scalar_types.size() * sizeof(std::int64_t) +
                    std::size_t{program.text_count} * sizeof(std::string_view) +
                    program.quotient_units.size() * sizeof(Quotient);
  // A list is slots (one per LIST_APPEND_IF naming it, up to 64) and a mask,
  // or a vector per row; the items of a list field are the batch's.
  std::vector<std::size_t> appends(program.list_types.size(), 0);
  for (const Instruction& ins : program.code)
    if (ins.op == Opcode::LIST_APPEND_IF && ins.a < appends.size()) ++appends[ins.a];
  for (const std::size_t n : appends)
    row += std::max(sizeof(std::vector<std::int64_t>), sizeof(std::uint64_t) + std::min<std::size_t>(n, 64) * 8);
  // Errors (kind, instruction, conflicting rows) and the selection levels.
  row += sizeof(std::uint8_t) + sizeof(std::uint32_t) + sizeof(std::pair<std::int64_t, std::int64_t>) +
         selection_depth(program) * sizeof(std::uint32_t);
  // The batch: the line of each row, and each field's column.
  row += sizeof(std::uint64_t);
  for (const FieldDef& field : program.fields) {
    row += sizeof(std::uint8_t);
    switch (register_file_of(field.type)) {
      case RegisterFile::Scalar: row += sizeof(std::int64_t); break;
      case RegisterFile::Text: row += sizeof(std::string_view); break;
      case RegisterFile::List: row += sizeof(std::vector<std::int64_t>); break;
      default: break;
    }
  }
  needs.bytes_per_row = row;

  for (const LookupTable& table : program.lookups) {
    const LookupIndexSize size = lookup_index_size(table);
    needs.lookup_entries = std::min(needs.lookup_entries + size.entries, kLookupSizeCap);
    needs.lookup_bytes = std::min(needs.lookup_bytes + size.bytes, kLookupSizeCap << 20);
  }
  return needs;
}

std::size_t capacity_within_budget(std::size_t bytes_per_row, std::size_t requested, std::size_t budget) {
  return std::clamp<std::size_t>(budget / std::max<std::size_t>(1, bytes_per_row), 1, std::max<std::size_t>(1, requested));
}

std::size_t capacity_within_budget(const Program& program, std::size_t requested, std::size_t budget) {
  return capacity_within_budget(memory_needs(program).bytes_per_row, requested, budget);
}

namespace {
std::string mebibytes(std::size_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }
}  // namespace

std::string memory_budget_problem(const Program& program, std::size_t budget) {
  const MemoryNeeds needs = memory_needs(program);
  if (needs.bytes_per_row > budget)
    return fmt::format(
        "one household alone needs {} of working memory ({} scalar, {} text, {} list and {} quotient registers, "
        "{} fields), more than the {} a worker may use",
        mebibytes(needs.bytes_per_row), program.scalar_types.size(), program.text_count, program.list_types.size(),
        program.quotient_units.size(), program.fields.size(), mebibytes(budget));
  if (needs.lookup_bytes > budget)
    return fmt::format(
        "the indexes of its {} lookup tables need {} ({} combinations of values, each row standing for every "
        "combination of the values its cells list), more than the {} they may use",
        program.lookups.size(), mebibytes(needs.lookup_bytes), needs.lookup_entries, mebibytes(budget));
  return {};
}

}  // namespace precept
