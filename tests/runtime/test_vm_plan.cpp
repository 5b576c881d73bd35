// The machine plans a program before running it: constants loaded once, fields
// read in place, temporaries sharing storage, constant operands as immediates,
// collect lists in slots, appends fused, empty selections skipped. None of that
// may change a result. Here a plain interpreter, written the obvious way (every
// instruction over the listed rows of its selection, a register file of its
// own per register), is the oracle, and thousands of random programs over
// random batches must give the same errors and outputs on both.
#include "batch.hpp"
#include "disasm.hpp"
#include "numeric.hpp"
#include "program.hpp"
#include "verifier.hpp"
#include "vm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace precept {
namespace {

// ---------------------------------------------------------------- the oracle

class Interpreter {
 public:
  Interpreter(const Program& p, std::size_t capacity)
      : p_(p),
        cap_(capacity),
        scalars_(p.scalar_types.size() * capacity),
        texts_(p.text_count * capacity),
        lists_(p.list_types.size() * capacity),
        quotients_(p.quotient_units.size() * capacity),
        error_(capacity),
        error_pc_(capacity) {}

  void run(const Batch& batch) {
    std::fill(error_.begin(), error_.end(), RowError::None);
    std::vector<std::vector<std::uint32_t>> stack(1);
    for (std::uint32_t i = 0; i < batch.rows; ++i) stack[0].push_back(i);
    for (std::uint32_t pc = 0; pc < p_.code.size(); ++pc) {
      const Instruction& ins = p_.code[pc];
      const std::vector<std::uint32_t> rows = stack.back();
      if (ins.op == Opcode::SELECT_IF || ins.op == Opcode::SELECT_UNLESS) {
        std::vector<std::uint32_t> next;
        for (const std::uint32_t i : rows)
          if ((r(ins.a)[i] != 0) == (ins.op == Opcode::SELECT_IF)) next.push_back(i);
        stack.push_back(std::move(next));
        continue;
      }
      if (ins.op == Opcode::SELECT_POP) {
        stack.pop_back();
        continue;
      }
      for (const std::uint32_t i : rows) step(batch, ins, pc, i);
    }
  }

  std::int64_t scalar(std::uint32_t reg, std::size_t row) const { return scalars_[reg * cap_ + row]; }
  std::string_view text(std::uint32_t reg, std::size_t row) const { return texts_[reg * cap_ + row]; }
  const std::vector<std::int64_t>& list(std::uint32_t reg, std::size_t row) const { return lists_[reg * cap_ + row]; }
  RowError error(std::size_t row) const { return error_[row]; }
  std::uint32_t error_pc(std::size_t row) const { return error_pc_[row]; }

 private:
  std::int64_t* r(std::uint32_t reg) { return &scalars_[reg * cap_]; }

  void fail(std::uint32_t row, std::uint32_t pc, RowError kind) {
    if (error_[row] != RowError::None) return;
    error_[row] = kind;
    error_pc_[row] = pc;
  }
  void report(std::uint32_t row, std::uint32_t pc, ArithStatus status) {
    if (status == ArithStatus::Overflow) fail(row, pc, RowError::Overflow);
    if (status == ArithStatus::DivisionByZero) fail(row, pc, RowError::DivisionByZero);
  }

  void step(const Batch& batch, const Instruction& ins, std::uint32_t pc, std::uint32_t i) {
    std::int64_t* a = r(ins.a);
    const std::int64_t b = ins.b < p_.scalar_types.size() ? r(ins.b)[i] : 0;
    const std::int64_t c = ins.c < p_.scalar_types.size() ? r(ins.c)[i] : 0;
    std::int64_t out = 0;
    const auto checked = [&](bool ok) {
      a[i] = ok ? out : 0;
      if (!ok) fail(i, pc, RowError::Overflow);
    };
    switch (ins.op) {
      case Opcode::LOAD_FIELD: a[i] = batch.columns[ins.b].scalars[i]; break;
      case Opcode::LOAD_PRESENT: a[i] = batch.columns[ins.b].present[i]; break;
      case Opcode::LOAD_TEXT: texts_[ins.a * cap_ + i] = batch.columns[ins.b].texts[i]; break;
      case Opcode::LOAD_LIST: lists_[ins.a * cap_ + i] = batch.columns[ins.b].lists[i]; break;
      case Opcode::LOAD_CONST: a[i] = p_.constants[ins.b]; break;
      case Opcode::LOAD_STRING: texts_[ins.a * cap_ + i] = p_.strings[ins.b]; break;
      case Opcode::MOVE: a[i] = b; break;
      case Opcode::MOVE_IF:
        if (b) a[i] = c;
        break;
      case Opcode::MOVE_TEXT: texts_[ins.a * cap_ + i] = texts_[ins.b * cap_ + i]; break;
      case Opcode::ADD_INT:
      case Opcode::ADD_MONEY:
      case Opcode::ADD_DECIMAL: checked(checked_add(b, c, out)); break;
      case Opcode::SUB_INT:
      case Opcode::SUB_MONEY:
      case Opcode::SUB_DECIMAL: checked(checked_sub(b, c, out)); break;
      case Opcode::MUL_INT:
      case Opcode::MUL_MONEY_INT:
      case Opcode::MUL_DECIMAL_INT: checked(checked_mul(b, c, out)); break;
      case Opcode::NEGATE:
        if (!checked_neg(b, a[i])) fail(i, pc, RowError::Overflow);
        break;
      case Opcode::ABS:
        if (!checked_abs(b, a[i])) fail(i, pc, RowError::Overflow);
        break;
      case Opcode::MIN: a[i] = std::min(b, c); break;
      case Opcode::MAX: a[i] = std::max(b, c); break;
      case Opcode::WIDEN:
        if (!checked_scale_up(b, ins.x, a[i])) fail(i, pc, RowError::Overflow);
        break;
      case Opcode::DIVIDE: report(i, pc, make_quotient(b, ins.x, c, quotients_[ins.a * cap_ + i])); break;
      case Opcode::MULTIPLY_EXACT:
        report(i, pc, make_product_quotient(b, c, ins.x, quotients_[ins.a * cap_ + i]));
        break;
      case Opcode::QUOTIENT_OF: report(i, pc, make_quotient(b, ins.x, 1, quotients_[ins.a * cap_ + i])); break;
      case Opcode::ROUND_QUOTIENT:
        report(i, pc, round_quotient(quotients_[ins.b * cap_ + i], ins.x, static_cast<RoundingMode>(ins.y), a[i]));
        break;
      case Opcode::ROUND_NUMBER: report(i, pc, round_scaled(b, ins.x, static_cast<RoundingMode>(ins.y), a[i])); break;
      case Opcode::DIVIDE_ROUND: {
        if (c == 0) {
          a[i] = 0;
          return fail(i, pc, RowError::DivisionByZero);
        }
        if (b == INT64_MIN && c == -1) {
          a[i] = 0;
          return fail(i, pc, RowError::Overflow);
        }
        if (static_cast<RoundingMode>(ins.y) == RoundingMode::HalfEven) {
          std::int64_t q = b / c;
          const std::int64_t rest = b % c;
          const auto magnitude = [](std::int64_t v) {
            return v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
          };
          if (rest != 0 && (2 * magnitude(rest) > magnitude(c) || (2 * magnitude(rest) == magnitude(c) && q % 2 != 0)))
            q += (rest < 0) != (c < 0) ? -1 : 1;
          a[i] = q;
          break;
        }
        Quotient q;
        report(i, pc, make_quotient(b, 0, c, q));
        report(i, pc, round_quotient(q, 0, static_cast<RoundingMode>(ins.y), a[i]));
        break;
      }
      case Opcode::LT_QUOTIENT:
      case Opcode::LE_QUOTIENT:
      case Opcode::EQ_QUOTIENT:
      case Opcode::NE_QUOTIENT: {
        const int order = compare_quotients(quotients_[ins.b * cap_ + i], quotients_[ins.c * cap_ + i]);
        a[i] = ins.op == Opcode::LT_QUOTIENT   ? order < 0
               : ins.op == Opcode::LE_QUOTIENT ? order <= 0
               : ins.op == Opcode::EQ_QUOTIENT ? order == 0
                                               : order != 0;
        break;
      }
      case Opcode::LT: a[i] = b < c; break;
      case Opcode::LE: a[i] = b <= c; break;
      case Opcode::EQ: a[i] = b == c; break;
      case Opcode::NE: a[i] = b != c; break;
      case Opcode::EQ_TEXT: a[i] = texts_[ins.b * cap_ + i] == texts_[ins.c * cap_ + i]; break;
      case Opcode::NE_TEXT: a[i] = texts_[ins.b * cap_ + i] != texts_[ins.c * cap_ + i]; break;
      case Opcode::AND: a[i] = b != 0 && c != 0; break;
      case Opcode::OR: a[i] = b != 0 || c != 0; break;
      case Opcode::NOT: a[i] = b == 0; break;
      case Opcode::LIST_CLEAR: lists_[ins.a * cap_ + i].clear(); break;
      case Opcode::LIST_APPEND_IF:
        if (b) lists_[ins.a * cap_ + i].push_back(c);
        break;
      case Opcode::LIST_CONTAINS: {
        const auto& items = lists_[ins.b * cap_ + i];
        a[i] = std::find(items.begin(), items.end(), c) != items.end();
        break;
      }
      case Opcode::LIST_COUNT: a[i] = static_cast<std::int64_t>(lists_[ins.b * cap_ + i].size()); break;
      case Opcode::LIST_SUM: {
        std::int64_t total = 0;
        for (const std::int64_t v : lists_[ins.b * cap_ + i])
          if (!checked_add(total, v, total)) {
            fail(i, pc, RowError::Overflow);
            break;
          }
        a[i] = total;
        break;
      }
      case Opcode::REQUIRE:
        if (!a[i]) fail(i, pc, RowError::Require);
        break;
      case Opcode::FAIL: fail(i, pc, RowError::NoRowMatched); break;
      default: ADD_FAILURE() << "the oracle does not know " << opcode_info(ins.op).name;
    }
  }

  const Program& p_;
  std::size_t cap_;
  std::vector<std::int64_t> scalars_;
  std::vector<std::string_view> texts_;
  std::vector<std::vector<std::int64_t>> lists_;
  std::vector<Quotient> quotients_;
  std::vector<RowError> error_;
  std::vector<std::uint32_t> error_pc_;
};

// ---------------------------------------------------------------- random programs

ValueType type_of(Kind kind, std::uint16_t enum_id = 0) { return {kind, Kind::Bool, enum_id}; }
const ValueType kBool = type_of(Kind::Bool), kInt = type_of(Kind::Int), kMoney = type_of(Kind::Money),
                kEnum = type_of(Kind::Enum), kText = type_of(Kind::Text);
const ValueType kEnumList{Kind::List, Kind::Enum, 0}, kMoneyList{Kind::List, Kind::Money, 0};

// Programs as the compiler makes them: a register is written for every row of a
// selection before that selection reads it, and is read only there and deeper
// (a register written inside a selection is dead once it closes), so no
// instruction ever reads a row of a register this run has not written.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  Program make() {
    p_.enums.push_back({"grade", {"safe", "c", "d", "e"}});
    field("i0", kInt);
    field("i1", kInt);
    field("m0", kMoney);
    field("m1", kMoney);
    field("b0", kBool);
    field("b1", kBool);
    field("e0", kEnum);
    field("t0", kText);
    p_.origins.push_back("test");
    p_.strings = {"no", "rule failed", "xijiang", "safe"};
    scopes_.emplace_back();
    for (std::uint32_t f = 0; f < 7; ++f) define(p_.fields[f].type, [&](std::uint32_t r) { emit(Opcode::LOAD_FIELD, r, f); });
    const std::uint32_t t = text_reg();
    emit(Opcode::LOAD_TEXT, t, 7);
    texts_.push_back(t);
    // Two collect-style lists, cleared first; one cleared in two halves, where
    // a bool field holds and where it does not, which makes it a vector per row.
    enum_list_ = list_reg(kEnumList);
    money_list_ = list_reg(kMoneyList);
    loose_list_ = list_reg(kMoneyList);
    emit(Opcode::LIST_CLEAR, enum_list_);
    emit(Opcode::LIST_CLEAR, money_list_);
    const std::uint32_t b0 = 4;  // the register LOAD_FIELD filled from field b0
    for (const Opcode half : {Opcode::SELECT_IF, Opcode::SELECT_UNLESS}) {
      emit(half, b0);
      emit(Opcode::LIST_CLEAR, loose_list_);
      emit(Opcode::SELECT_POP, 0);
    }
    const int length = 10 + static_cast<int>(rng_() % 80);
    for (int k = 0; k < length; ++k) instruction();
    while (scopes_.size() > 1) pop();
    // Outputs: about a third of the registers written outside any selection, the lists and a text.
    for (const auto& [reg, type] : scopes_[0])
      if (rng_() % 3 == 0) p_.outputs.push_back({"r" + std::to_string(reg), type, reg});
    p_.outputs.push_back({"enums", kEnumList, enum_list_});
    p_.outputs.push_back({"amounts", kMoneyList, money_list_});
    p_.outputs.push_back({"loose", kMoneyList, loose_list_});
    p_.outputs.push_back({"text", kText, texts_.back()});
    return p_;
  }

 private:
  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }

  void field(const char* name, ValueType type) {
    FieldDef f;
    f.name = name;
    f.type = type;
    p_.fields.push_back(f);
  }
  void emit(Opcode op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0, std::uint8_t x = 0,
            std::uint8_t y = 0) {
    p_.code.push_back(make_instruction(op, a, b, c, x, y));
    p_.code_lines.push_back(static_cast<std::uint32_t>(p_.code.size()));
    p_.code_origins.push_back(0);
  }
  std::uint32_t text_reg() { return p_.text_count++; }
  std::uint32_t list_reg(ValueType type) {
    p_.list_types.push_back(type);
    return static_cast<std::uint32_t>(p_.list_types.size() - 1);
  }
  // A fresh register of `type`, written by `write`, visible in the current selection.
  template <typename Write>
  std::uint32_t define(ValueType type, Write write) {
    const auto reg = static_cast<std::uint32_t>(p_.scalar_types.size());
    p_.scalar_types.push_back(type);
    p_.scalar_names.emplace_back();
    write(reg);
    scopes_.back().emplace_back(reg, type);
    return reg;
  }
  // A visible register of `type`, or a fresh constant when there is none.
  std::uint32_t any(ValueType type) {
    std::vector<std::uint32_t> found;
    for (const auto& scope : scopes_)
      for (const auto& [reg, t] : scope)
        if (t == type) found.push_back(reg);
    if (found.empty() || pick(5) == 0) return constant(type);
    return found[pick(found.size())];
  }
  std::uint32_t constant(ValueType type) {
    std::int64_t value = 0;
    switch (type.kind) {
      case Kind::Bool: value = static_cast<std::int64_t>(pick(2)); break;
      case Kind::Enum: value = static_cast<std::int64_t>(pick(4)); break;
      default: {
        const std::int64_t values[] = {0, 1, -1, 2, 3, 7, 100, 273600, -50000, INT64_MAX / 3, INT64_MAX, INT64_MIN};
        value = values[pick(std::size(values))];
      }
    }
    const auto index = static_cast<std::uint32_t>(p_.constants.size());
    p_.constants.push_back(value);
    return define(type, [&](std::uint32_t r) { emit(Opcode::LOAD_CONST, r, index); });
  }
  ValueType number() { return pick(2) ? kInt : kMoney; }
  // Where a result goes: usually a fresh register, sometimes over a visible one.
  template <typename Write>
  void result(ValueType type, Write write) {
    if (pick(4) == 0) {
      std::vector<std::uint32_t> found;
      for (const auto& scope : scopes_)
        for (const auto& [reg, t] : scope)
          if (t == type && reg >= 7) found.push_back(reg);
      if (!found.empty()) return write(found[pick(found.size())]);
    }
    define(type, write);
  }
  void pop() {
    scopes_.pop_back();
    emit(Opcode::SELECT_POP, 0);
  }

  void instruction() {
    switch (pick(20)) {
      case 0: constant(pick(2) ? number() : kBool); break;
      case 1:
      case 2: {
        const ValueType t = number();
        const bool add = pick(2);
        const Opcode op = t == kInt ? (add ? Opcode::ADD_INT : Opcode::SUB_INT) : (add ? Opcode::ADD_MONEY : Opcode::SUB_MONEY);
        const auto x = any(t), y = any(t);
        result(t, [&](std::uint32_t r) { emit(op, r, x, y); });
        break;
      }
      case 3: {
        const bool money = pick(2);
        const auto x = any(money ? kMoney : kInt), y = any(kInt);
        result(money ? kMoney : kInt, [&](std::uint32_t r) { emit(money ? Opcode::MUL_MONEY_INT : Opcode::MUL_INT, r, x, y); });
        break;
      }
      case 4:
      case 5: {
        const ValueType t = pick(3) ? number() : kEnum;
        const Opcode ops[] = {Opcode::LT, Opcode::LE, Opcode::EQ, Opcode::NE};
        const auto x = any(t), y = any(t);
        result(kBool, [&](std::uint32_t r) { emit(ops[pick(4)], r, x, y); });
        break;
      }
      case 6: {
        const auto x = any(kBool), y = any(kBool);
        const Opcode op = pick(3) == 0 ? Opcode::NOT : pick(2) ? Opcode::AND : Opcode::OR;
        result(kBool, [&](std::uint32_t r) { emit(op, r, x, op == Opcode::NOT ? 0 : y); });
        break;
      }
      case 7: {
        const ValueType t = pick(2) ? number() : kEnum;
        const auto cond = any(kBool), value = any(t);
        const auto target = any(t);
        if (target >= 7) emit(Opcode::MOVE_IF, target, cond, value);  // never over a field register
        break;
      }
      case 8: {
        if (pick(2)) {
          const ValueType t = pick(2) ? number() : kEnum;
          const auto x = any(t);
          result(t, [&](std::uint32_t r) { emit(Opcode::MOVE, r, x); });
          break;
        }
        // A decide branch: a condition used once, by the MOVE_IF right after it.
        const ValueType t = pick(2) ? number() : kEnum;
        const auto x = any(t), y = any(t), value = any(t), target = any(t);
        if (target < 7) break;
        const auto condition = static_cast<std::uint32_t>(p_.scalar_types.size());
        p_.scalar_types.push_back(kBool);
        p_.scalar_names.emplace_back();
        const Opcode ops[] = {Opcode::LT, Opcode::LE, Opcode::EQ, Opcode::NE, Opcode::NOT};
        const Opcode op = ops[pick(5)];
        if (op == Opcode::NOT) emit(op, condition, any(kBool));
        else emit(op, condition, x, y);
        emit(Opcode::MOVE_IF, target, condition, value);
        break;
      }
      case 9: {
        const ValueType t = number();
        const auto x = any(t), y = any(t);
        const Opcode ops[] = {Opcode::MIN, Opcode::MAX, Opcode::NEGATE, Opcode::ABS};
        const Opcode op = ops[pick(4)];
        const bool unary = op == Opcode::NEGATE || op == Opcode::ABS;
        result(t, [&](std::uint32_t r) { emit(op, r, x, unary ? 0 : y); });
        break;
      }
      case 10: {
        const ValueType t = number();
        const auto x = any(t), y = any(kInt);
        const auto mode = static_cast<std::uint8_t>(pick(4) ? 0 : pick(kRoundingModeCount));
        result(t, [&](std::uint32_t r) { emit(Opcode::DIVIDE_ROUND, r, x, y, 0, mode); });
        break;
      }
      case 11:
      case 12:
        if (scopes_.size() < 6) {
          emit(pick(2) ? Opcode::SELECT_IF : Opcode::SELECT_UNLESS, any(kBool));
          scopes_.emplace_back();
        }
        break;
      case 13:
        if (scopes_.size() > 1) pop();
        break;
      case 14:
        if (pick(3) == 0) emit(Opcode::REQUIRE, any(kBool), 1);
        else if (scopes_.size() > 1 && pick(2) == 0) emit(Opcode::FAIL, 0);
        break;
      case 15:
      case 16: {
        // A collect row: its output columns on one condition, as the compiler
        // emits them; sometimes one column alone, so the lists' slots differ.
        const auto cond = any(kBool), item = any(kEnum), amount = any(kMoney);
        if (pick(4) != 0) emit(Opcode::LIST_APPEND_IF, enum_list_, cond, item);
        if (pick(4) != 0) emit(Opcode::LIST_APPEND_IF, money_list_, cond, amount);
        if (pick(4) == 0) emit(Opcode::LIST_APPEND_IF, enum_list_, cond, any(kEnum));
        if (pick(3) == 0) emit(Opcode::LIST_APPEND_IF, loose_list_, any(kBool), any(kMoney));
        break;
      }
      case 17: {
        const std::uint32_t list = pick(2) ? money_list_ : loose_list_;
        switch (pick(3)) {
          case 0: result(kMoney, [&](std::uint32_t r) { emit(Opcode::LIST_SUM, r, list); }); break;
          case 1: result(kInt, [&](std::uint32_t r) { emit(Opcode::LIST_COUNT, r, enum_list_); }); break;
          default: {
            const auto x = any(kEnum);
            result(kBool, [&](std::uint32_t r) { emit(Opcode::LIST_CONTAINS, r, enum_list_, x); });
          }
        }
        break;
      }
      case 18: {
        // A field loaded inside a selection, or a text compared.
        if (pick(2)) {
          const std::uint32_t f = static_cast<std::uint32_t>(pick(7));
          result(p_.fields[f].type, [&](std::uint32_t r) { emit(Opcode::LOAD_FIELD, r, f); });
        } else {
          const std::uint32_t s = text_reg();
          emit(Opcode::LOAD_STRING, s, 2 + static_cast<std::uint32_t>(pick(2)));
          const std::uint32_t other = texts_[pick(texts_.size())];
          result(kBool, [&](std::uint32_t r) { emit(pick(2) ? Opcode::EQ_TEXT : Opcode::NE_TEXT, r, other, s); });
        }
        break;
      }
      default: {
        const auto x = any(kBool);
        result(kBool, [&](std::uint32_t r) { emit(Opcode::NOT, r, x); });
      }
    }
  }

  std::mt19937_64 rng_;
  Program p_;
  std::vector<std::vector<std::pair<std::uint32_t, ValueType>>> scopes_;
  std::vector<std::uint32_t> texts_;
  std::uint32_t enum_list_ = 0, money_list_ = 0, loose_list_ = 0;
};

void fill(const Program& p, Batch& batch, std::size_t rows, std::mt19937_64& rng) {
  batch.reset(p, batch.capacity);
  batch.rows = rows;
  const std::int64_t numbers[] = {0, 1, -1, 2, 3, 4, 5, 9, 10, 256, 257, -7, 273600, 273599, INT64_MAX, INT64_MIN,
                                  INT64_MAX / 2, 1000000007};
  const char* texts[] = {"xijiang", "safe", "", "西江"};
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t f = 0; f < 4; ++f)
      batch.columns[f].scalars[i] = rng() % 4 ? static_cast<std::int64_t>(rng() % 2000) - 500 : numbers[rng() % std::size(numbers)];
    batch.columns[4].scalars[i] = static_cast<std::int64_t>(rng() % 2);
    batch.columns[5].scalars[i] = static_cast<std::int64_t>(rng() % 2);
    batch.columns[6].scalars[i] = static_cast<std::int64_t>(rng() % 4);
    batch.columns[7].texts[i] = texts[rng() % std::size(texts)];
  }
}

// A slotted list's size is counted inline, not through std::popcount: the
// two must agree on every mask, the extremes included.
TEST(VmPlan, ListItemsCountsSlotsLikePopcount) {
  std::mt19937_64 random(7);
  std::vector<std::uint64_t> masks = {0, 1, ~0ull, 0x8000000000000000ull, 0x5555555555555555ull};
  for (int i = 0; i < 1000; ++i) masks.push_back(random() & random());
  const std::vector<std::int64_t> slots(64, 3);
  for (const std::uint64_t mask : masks) {
    const ListItems items(slots.data(), 1, mask);
    EXPECT_EQ(items.size(), static_cast<std::size_t>(std::popcount(mask))) << mask;
    EXPECT_EQ(static_cast<std::size_t>(std::distance(items.begin(), items.end())), items.size()) << mask;
  }
}

TEST(VmPlan, RandomProgramsAgreeWithAPlainInterpreter) {
  int compared_rows = 0, rejected_rows = 0;
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    const Program p = Generator(seed).make();
    std::string error;
    ASSERT_TRUE(verify_program(p, error)) << "seed " << seed << ": " << error;
    std::mt19937_64 rng(seed * 7919);
    // One row (Machine::run's one-household path), a few rows (sums item by
    // item), and batches long enough for the slot-by-slot sums.
    constexpr std::size_t kCapacities[] = {1, 37, 300, 5};
    const std::size_t capacity = kCapacities[seed % std::size(kCapacities)];
    Machine machine(p, capacity);
    Interpreter oracle(p, capacity);
    Batch batch;
    batch.capacity = capacity;
    // Several batches through the same machines: nothing may leak between runs
    // that the plain interpreter would not also carry.
    for (int run = 0; run < 3; ++run) {
      fill(p, batch, run == 1 ? capacity / 2 + 1 : capacity, rng);
      machine.run(batch);
      oracle.run(batch);
      for (std::size_t i = 0; i < batch.rows; ++i) {
        SCOPED_TRACE("seed " + std::to_string(seed) + ", run " + std::to_string(run) + ", row " + std::to_string(i));
        ASSERT_EQ(machine.error(i), oracle.error(i)) << disassemble(p) << "\nmachine pc " << machine.error_pc(i)
                                                     << ", oracle pc " << oracle.error_pc(i);
        if (machine.error(i) != RowError::None) {
          ASSERT_EQ(machine.error_pc(i), oracle.error_pc(i));
          ++rejected_rows;
          continue;
        }
        ++compared_rows;
        for (const OutputDef& out : p.outputs) {
          if (out.type.kind == Kind::List) {
            const ListItems items = machine.list(out.reg, i);
            const std::vector<std::int64_t> got(items.begin(), items.end());
            ASSERT_EQ(got, oracle.list(out.reg, i)) << out.name;
            ASSERT_EQ(items.size(), got.size());
          } else if (out.type.kind == Kind::Text) {
            ASSERT_EQ(machine.text(out.reg, i), oracle.text(out.reg, i)) << out.name;
          } else {
            ASSERT_EQ(machine.scalar(out.reg, i), oracle.scalar(out.reg, i)) << out.name;
          }
        }
      }
    }
  }
  // The programs must exercise both outcomes, or the comparison means little.
  EXPECT_GT(compared_rows, 10000);
  EXPECT_GT(rejected_rows, 1000);
}

}  // namespace
}  // namespace precept
