#include "vm.hpp"

#include "verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace precept {

struct Machine::Context {
  Machine& m;
  const Batch& batch;
  const Instruction* ins = nullptr;
  std::uint32_t pc = 0;
  std::size_t depth = 0;  // selections_[depth] is the current selection

  const Program& program() const { return m.program_; }
  const std::vector<std::uint32_t>& selection() const { return m.selections_[depth]; }
  std::int64_t* reg(std::uint32_t r) { return &m.scalars_[r * m.capacity_]; }
  std::string_view* text(std::uint32_t r) { return &m.texts_[r * m.capacity_]; }
  std::vector<std::int64_t>* list(std::uint32_t r) { return &m.lists_[r * m.capacity_]; }
  Quotient* quotient(std::uint32_t r) { return &m.quotients_[r * m.capacity_]; }

  void fail(std::uint32_t row, RowError kind) {
    if (m.error_kind_[row] != 0) return;  // the first error is the one reported
    m.error_kind_[row] = static_cast<std::uint8_t>(kind);
    m.error_pc_[row] = pc;
  }

  template <typename F>
  void each(F&& f) {
    for (const std::uint32_t row : selection()) f(row);
  }

  void push(const std::int64_t* keep, bool when) {
    const auto& current = selection();
    auto& next = m.selections_[depth + 1];
    next.clear();
    for (const std::uint32_t row : current)
      if ((keep[row] != 0) == when) next.push_back(row);
    ++depth;
  }
};

namespace {

using Ctx = Machine::Context;

// Applies a checked binary operation on scalar registers; overflow fails the row.
template <typename Op>
void checked_binary(Ctx& c, Op op) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const std::int64_t* d = c.reg(c.ins->c);
  c.each([&](std::uint32_t i) {
    if (!op(b[i], d[i], a[i])) {
      a[i] = 0;
      c.fail(i, RowError::Overflow);
    }
  });
}

template <typename Op>
void compare(Ctx& c, Op op) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const std::int64_t* d = c.reg(c.ins->c);
  c.each([&](std::uint32_t i) { a[i] = op(b[i], d[i]) ? 1 : 0; });
}

template <typename Op>
void compare_quotients_with(Ctx& c, Op op) {
  std::int64_t* a = c.reg(c.ins->a);
  const Quotient* b = c.quotient(c.ins->b);
  const Quotient* d = c.quotient(c.ins->c);
  c.each([&](std::uint32_t i) { a[i] = op(compare_quotients(b[i], d[i])) ? 1 : 0; });
}

void report(Ctx& c, std::uint32_t row, ArithStatus status) {
  if (status == ArithStatus::Overflow) c.fail(row, RowError::Overflow);
  if (status == ArithStatus::DivisionByZero) c.fail(row, RowError::DivisionByZero);
}

// One handler per opcode, named after it; the dispatch table below is generated
// from opcodes.def, so a missing handler is a compile error.
#define HANDLER(name) void exec_##name([[maybe_unused]] Ctx& c)

HANDLER(LOAD_FIELD) {
  std::int64_t* a = c.reg(c.ins->a);
  const auto& column = c.batch.columns[c.ins->b].scalars;
  c.each([&](std::uint32_t i) { a[i] = column[i]; });
}
HANDLER(LOAD_PRESENT) {
  std::int64_t* a = c.reg(c.ins->a);
  const auto& present = c.batch.columns[c.ins->b].present;
  c.each([&](std::uint32_t i) { a[i] = present[i]; });
}
HANDLER(LOAD_TEXT) {
  std::string_view* a = c.text(c.ins->a);
  const auto& column = c.batch.columns[c.ins->b].texts;
  c.each([&](std::uint32_t i) { a[i] = column[i]; });
}
HANDLER(LOAD_LIST) {
  std::vector<std::int64_t>* a = c.list(c.ins->a);
  const auto& column = c.batch.columns[c.ins->b].lists;
  c.each([&](std::uint32_t i) { a[i] = column[i]; });
}
HANDLER(LOAD_CONST) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t value = c.program().constants[c.ins->b];
  c.each([&](std::uint32_t i) { a[i] = value; });
}
HANDLER(LOAD_STRING) {
  std::string_view* a = c.text(c.ins->a);
  const std::string_view value = c.program().strings[c.ins->b];
  c.each([&](std::uint32_t i) { a[i] = value; });
}
HANDLER(MOVE) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  c.each([&](std::uint32_t i) { a[i] = b[i]; });
}
HANDLER(MOVE_IF) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* when = c.reg(c.ins->b);
  const std::int64_t* value = c.reg(c.ins->c);
  c.each([&](std::uint32_t i) {
    if (when[i]) a[i] = value[i];
  });
}
HANDLER(MOVE_TEXT) {
  std::string_view* a = c.text(c.ins->a);
  const std::string_view* b = c.text(c.ins->b);
  c.each([&](std::uint32_t i) { a[i] = b[i]; });
}

HANDLER(ADD_INT) { checked_binary(c, checked_add); }
HANDLER(SUB_INT) { checked_binary(c, checked_sub); }
HANDLER(MUL_INT) { checked_binary(c, checked_mul); }
HANDLER(ADD_MONEY) { checked_binary(c, checked_add); }
HANDLER(SUB_MONEY) { checked_binary(c, checked_sub); }
HANDLER(MUL_MONEY_INT) { checked_binary(c, checked_mul); }
HANDLER(ADD_DECIMAL) { checked_binary(c, checked_add); }
HANDLER(SUB_DECIMAL) { checked_binary(c, checked_sub); }
HANDLER(MUL_DECIMAL_INT) { checked_binary(c, checked_mul); }

HANDLER(NEGATE) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  c.each([&](std::uint32_t i) {
    if (!checked_neg(b[i], a[i])) c.fail(i, RowError::Overflow);
  });
}
HANDLER(ABS) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  c.each([&](std::uint32_t i) {
    if (!checked_abs(b[i], a[i])) c.fail(i, RowError::Overflow);
  });
}
HANDLER(MIN) {
  checked_binary(c, [](std::int64_t x, std::int64_t y, std::int64_t& out) { out = std::min(x, y); return true; });
}
HANDLER(MAX) {
  checked_binary(c, [](std::int64_t x, std::int64_t y, std::int64_t& out) { out = std::max(x, y); return true; });
}
HANDLER(WIDEN) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const int shift = c.ins->x;
  c.each([&](std::uint32_t i) {
    if (!checked_scale_up(b[i], shift, a[i])) c.fail(i, RowError::Overflow);
  });
}

HANDLER(DIVIDE) {
  Quotient* a = c.quotient(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const std::int64_t* d = c.reg(c.ins->c);
  const int shift = c.ins->x;
  c.each([&](std::uint32_t i) { report(c, i, make_quotient(b[i], shift, d[i], a[i])); });
}
HANDLER(MULTIPLY_EXACT) {
  Quotient* a = c.quotient(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const std::int64_t* d = c.reg(c.ins->c);
  const int shift = c.ins->x;
  c.each([&](std::uint32_t i) { report(c, i, make_product_quotient(b[i], d[i], shift, a[i])); });
}
HANDLER(QUOTIENT_OF) {
  Quotient* a = c.quotient(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const int shift = c.ins->x;
  c.each([&](std::uint32_t i) { report(c, i, make_quotient(b[i], shift, 1, a[i])); });
}
HANDLER(ROUND_QUOTIENT) {
  std::int64_t* a = c.reg(c.ins->a);
  const Quotient* b = c.quotient(c.ins->b);
  const int drop = c.ins->x;
  const auto mode = static_cast<RoundingMode>(c.ins->y);
  c.each([&](std::uint32_t i) { report(c, i, round_quotient(b[i], drop, mode, a[i])); });
}
HANDLER(ROUND_NUMBER) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const int drop = c.ins->x;
  const auto mode = static_cast<RoundingMode>(c.ins->y);
  c.each([&](std::uint32_t i) { report(c, i, round_scaled(b[i], drop, mode, a[i])); });
}
HANDLER(DIVIDE_ROUND) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  const std::int64_t* d = c.reg(c.ins->c);
  const auto mode = static_cast<RoundingMode>(c.ins->y);
  c.each([&](std::uint32_t i) {
    const std::int64_t numerator = b[i], denominator = d[i];
    if (denominator == 0) {
      a[i] = 0;
      return c.fail(i, RowError::DivisionByZero);
    }
    // The common case fits int64 exactly; INT64_MIN / -1 is the one overflow.
    if (numerator == INT64_MIN && denominator == -1) {
      a[i] = 0;
      return c.fail(i, RowError::Overflow);
    }
    if (mode == RoundingMode::HalfEven) {
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
      a[i] = q;
      return;
    }
    Quotient quotient;
    report(c, i, make_quotient(numerator, 0, denominator, quotient));
    report(c, i, round_quotient(quotient, 0, mode, a[i]));
  });
}
HANDLER(LT_QUOTIENT) { compare_quotients_with(c, [](int r) { return r < 0; }); }
HANDLER(LE_QUOTIENT) { compare_quotients_with(c, [](int r) { return r <= 0; }); }
HANDLER(EQ_QUOTIENT) { compare_quotients_with(c, [](int r) { return r == 0; }); }
HANDLER(NE_QUOTIENT) { compare_quotients_with(c, [](int r) { return r != 0; }); }

HANDLER(LT) { compare(c, [](std::int64_t x, std::int64_t y) { return x < y; }); }
HANDLER(LE) { compare(c, [](std::int64_t x, std::int64_t y) { return x <= y; }); }
HANDLER(EQ) { compare(c, [](std::int64_t x, std::int64_t y) { return x == y; }); }
HANDLER(NE) { compare(c, [](std::int64_t x, std::int64_t y) { return x != y; }); }
HANDLER(EQ_TEXT) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::string_view* b = c.text(c.ins->b);
  const std::string_view* d = c.text(c.ins->c);
  c.each([&](std::uint32_t i) { a[i] = b[i] == d[i]; });
}
HANDLER(NE_TEXT) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::string_view* b = c.text(c.ins->b);
  const std::string_view* d = c.text(c.ins->c);
  c.each([&](std::uint32_t i) { a[i] = b[i] != d[i]; });
}

HANDLER(AND) { compare(c, [](std::int64_t x, std::int64_t y) { return x != 0 && y != 0; }); }
HANDLER(OR) { compare(c, [](std::int64_t x, std::int64_t y) { return x != 0 || y != 0; }); }
HANDLER(NOT) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::int64_t* b = c.reg(c.ins->b);
  c.each([&](std::uint32_t i) { a[i] = b[i] == 0; });
}

HANDLER(LIST_CLEAR) {
  std::vector<std::int64_t>* a = c.list(c.ins->a);
  c.each([&](std::uint32_t i) { a[i].clear(); });
}
HANDLER(LIST_APPEND_IF) {
  std::vector<std::int64_t>* a = c.list(c.ins->a);
  const std::int64_t* when = c.reg(c.ins->b);
  const std::int64_t* value = c.reg(c.ins->c);
  c.each([&](std::uint32_t i) {
    if (when[i]) a[i].push_back(value[i]);
  });
}
HANDLER(LIST_CONTAINS) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::vector<std::int64_t>* b = c.list(c.ins->b);
  const std::int64_t* value = c.reg(c.ins->c);
  c.each([&](std::uint32_t i) { a[i] = std::find(b[i].begin(), b[i].end(), value[i]) != b[i].end(); });
}
HANDLER(LIST_COUNT) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::vector<std::int64_t>* b = c.list(c.ins->b);
  c.each([&](std::uint32_t i) { a[i] = static_cast<std::int64_t>(b[i].size()); });
}
HANDLER(LIST_SUM) {
  std::int64_t* a = c.reg(c.ins->a);
  const std::vector<std::int64_t>* b = c.list(c.ins->b);
  c.each([&](std::uint32_t i) {
    std::int64_t total = 0;
    for (const std::int64_t v : b[i])
      if (!checked_add(total, v, total)) {
        c.fail(i, RowError::Overflow);
        break;
      }
    a[i] = total;
  });
}

HANDLER(SELECT_IF) { c.push(c.reg(c.ins->a), true); }
HANDLER(SELECT_UNLESS) { c.push(c.reg(c.ins->a), false); }
HANDLER(SELECT_POP) { --c.depth; }

HANDLER(REQUIRE) {
  const std::int64_t* a = c.reg(c.ins->a);
  c.each([&](std::uint32_t i) {
    if (!a[i]) c.fail(i, RowError::Require);
  });
}
HANDLER(FAIL) {
  c.each([&](std::uint32_t i) { c.fail(i, RowError::NoRowMatched); });
}

#undef HANDLER

using Handler = void (*)(Ctx&);
constexpr Handler kDispatch[] = {
#define OP(name, operands, synopsis) &exec_##name,
#include "opcodes.def"
#undef OP
};
static_assert(sizeof(kDispatch) / sizeof(kDispatch[0]) == kOpcodeCount);

}  // namespace

Machine::Machine(const Program& program, std::size_t capacity)
    : program_(program),
      capacity_(capacity),
      scalars_(program.scalar_types.size() * capacity),
      texts_(program.text_count * capacity),
      lists_(program.list_types.size() * capacity),
      quotients_(program.quotient_units.size() * capacity),
      error_kind_(capacity),
      error_pc_(capacity),
      selections_(kMaxSelectionDepth + 2) {
  for (auto& s : selections_) s.reserve(capacity);
}

void Machine::run(const Batch& batch) {
  if (batch.rows > capacity_) throw std::invalid_argument("batch larger than the machine's capacity");
  std::fill(error_kind_.begin(), error_kind_.begin() + static_cast<std::ptrdiff_t>(batch.rows), 0);
  auto& all = selections_[0];
  all.resize(batch.rows);
  for (std::uint32_t i = 0; i < batch.rows; ++i) all[i] = i;
  Context context{*this, batch};
  const auto& code = program_.code;
  for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
    context.ins = &code[pc];
    context.pc = pc;
    kDispatch[static_cast<std::size_t>(code[pc].op)](context);
  }
}

std::string Machine::describe_error(std::size_t row) const {
  const std::uint32_t pc = error_pc_[row];
  const std::uint32_t line = pc < program_.code_lines.size() ? program_.code_lines[pc] : 0;
  const std::string origin =
      pc < program_.code_origins.size() && program_.code_origins[pc] < program_.origins.size()
          ? program_.origins[program_.code_origins[pc]]
          : std::string("the policy");
  switch (static_cast<RowError>(error_kind_[row])) {
    case RowError::None: return {};
    case RowError::Overflow:
      return fmt::format("a calculation in `{}` (policy line {}) is too large to hold exactly", origin, line);
    case RowError::DivisionByZero:
      return fmt::format("division by zero in `{}` (policy line {})", origin, line);
    case RowError::Require:
    case RowError::NoRowMatched: {
      const Instruction& ins = program_.code[pc];
      const std::uint32_t message = ins.op == Opcode::REQUIRE ? ins.b : ins.a;
      return fmt::format("{} (policy line {})", program_.strings[message], line);
    }
  }
  return {};
}

}  // namespace precept
