#include "lower.hpp"

#include <precept/run.hpp>

#include "expr_printer.hpp"
#include "messages.hpp"
#include "serialize.hpp"
#include "numeric.hpp"
#include "verifier.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

namespace precept {

namespace {

using M = MessageId;

using ast::Expr;
using ast::ExprTag;

struct Operand {
  RegisterFile file = RegisterFile::Scalar;
  std::uint32_t reg = 0;
  ValueType type;
};

ValueType scalar(Kind kind, std::uint16_t enum_id = 0) {
  ValueType t;
  t.kind = kind;
  t.enum_id = enum_id;
  return t;
}

class Lowerer {
 public:
  Lowerer(const ast::PolicyFile& file, const CheckedPolicy& checked) : file_(file), checked_(checked) {}
  void use_layers(const DiagnosticSink* sink) { sink_ = sink; }

  Program run(std::string_view source, const std::string& file_name) {
    p_.policy_name = file_.name;
    p_.place = file_.place;
    p_.year = file_.year;
    p_.source_text = std::string(source);
    p_.source_file = file_name;
    p_.source_hash = fnv1a64(source);
    for (std::size_t at = 0; at <= p_.source_text.size();) {
      const std::size_t end = std::min(p_.source_text.find('\n', at), p_.source_text.size());
      std::string_view line(p_.source_text.data() + at, end - at);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      source_lines_.push_back(line);
      at = end + 1;
    }
    p_.enums = checked_.enums;
    p_.fields = checked_.fields;
    p_.spellings = checked_.spellings;
    p_.params = checked_.params;
    field_regs_.resize(p_.fields.size());
    present_regs_.resize(p_.fields.size());
    let_regs_.resize(file_.lets.size());
    rule_regs_.resize(file_.rules.size());
    decide_regs_.resize(file_.decides.size());
    table_columns_.resize(file_.tables.size());
    std::size_t require_index = 0;
    for (const auto& ref : file_.order) {
      switch (ref.kind) {
        case ast::DeclKind::Let: {
          const auto& d = file_.lets[ref.index];
          begin(fmt::format("let {}", d.name), d.location.line);
          let_regs_[ref.index] = name_register(lower(*d.value), d.name);
          note_value(d.name, let_regs_[ref.index], d.location, *d.value);
          break;
        }
        case ast::DeclKind::Rule: {
          const auto& d = file_.rules[ref.index];
          begin(fmt::format("rule {}", d.name), d.location.line);
          rule_regs_[ref.index] = name_register(lower(*d.condition), d.name);
          note_value(d.name, rule_regs_[ref.index], d.location, *d.condition);
          break;
        }
        case ast::DeclKind::Decide: lower_decide(file_.decides[ref.index], ref.index); break;
        case ast::DeclKind::Table: lower_table(file_.tables[ref.index], ref.index); break;
        case ast::DeclKind::Require: {
          const auto& d = file_.requires_[ref.index];
          const std::string& field = checked_.require_fields[require_index++];
          begin(field.empty() ? std::string("require") : "require " + field, d.location.line);
          const Operand ok = lower(*d.condition);
          const std::string message =
              d.message.empty() ? say<M::reject_require_unmet>(Language::English, d.location.line).text : d.message;
          emit(Opcode::REQUIRE, ok.reg, string_index(message));
          break;
        }
        default: break;
      }
    }
    for (const auto& out : checked_.outputs) {
      begin("output " + out.name, out.value->location.line);
      const Operand value = lower(*out.value);
      DebugNote& n = note(DebugNote::What::Output, out.name, value, out.value->location);
      n.text = source_of(out.value->location);
      collect_uses(*out.value, n.uses);
      output_regs_.push_back(value);
      p_.outputs.push_back({out.name, value.type, value.reg});
    }
    lower_summary();
    // The prologue (field loads and constants, valid for every row) runs first.
    Program result = std::move(p_);
    const auto prologue_size = static_cast<std::uint32_t>(prologue_.code.size());
    std::vector<Instruction> code = std::move(prologue_.code);
    std::vector<std::uint32_t> lines = std::move(prologue_.lines), origins = std::move(prologue_.origins);
    code.insert(code.end(), body_.code.begin(), body_.code.end());
    lines.insert(lines.end(), body_.lines.begin(), body_.lines.end());
    origins.insert(origins.end(), body_.origins.begin(), body_.origins.end());
    result.code = std::move(code);
    for (DebugNote& note : result.notes)
      if (note.pc != kNoPc) note.pc += prologue_size;
    result.examples = checked_.examples;
    result.code_lines = std::move(lines);
    result.code_origins = std::move(origins);
    return result;
  }

 private:
  struct CodeList {
    std::vector<Instruction> code;
    std::vector<std::uint32_t> lines;
    std::vector<std::uint32_t> origins;
  };

  // --- debug notes (runtime/program.hpp, DebugNote): what explanations read ---
  static constexpr std::uint32_t kNoPc = 0xFFFFFFFF;

  // The source of an expression as written, when it lies on one line.
  std::string source_of(const ast::Location& where) const {
    if (where.line == 0) return {};
    std::string_view line;
    if (where.file != 0) {
      if (sink_ == nullptr) return {};
      line = sink_->line_text(where);
    } else {
      if (where.line > source_lines_.size()) return {};
      line = source_lines_[where.line - 1];
    }
    std::size_t at = 0, column = 1;
    const auto advance = [&] {
      ++at;
      while (at < line.size() && (static_cast<unsigned char>(line[at]) & 0xC0) == 0x80) ++at;
      ++column;
    };
    while (at < line.size() && column < where.column) advance();
    const std::size_t begin_at = at;
    while (at < line.size() && column < where.column + where.length) advance();
    return std::string(line.substr(begin_at, at - begin_at));
  }

  DebugNote& note(DebugNote::What what, const std::string& name, const Operand& value, const ast::Location& where) {
    DebugNote& n = p_.notes.emplace_back();
    n.what = what;
    n.origin = p_.origins[origin_];
    n.name = name;
    n.line = where.line;
    // In a layered policy a line may be in any of its files.
    if (where.file != 0 && sink_ != nullptr) n.file = sink_->file_name(where.file);
    n.type = value.type;
    n.reg = value.reg;
    return n;
  }

  void note_value(const std::string& name, const Operand& value, const ast::Location& where, const Expr& e) {
    DebugNote& n = note(DebugNote::What::Value, name, value, where);
    n.text = source_of(e.location);
    collect_uses(e, n.uses);
  }

  void collect_uses(const Expr& e, std::vector<std::string>& uses) const {
    std::string name;
    if (e.tag == ExprTag::Name || e.tag == ExprTag::Member) switch (e.checked.symbol) {
        case ast::SymbolKind::Field: name = p_.fields[e.checked.index].name; break;
        case ast::SymbolKind::Param: name = p_.params[e.checked.index].name; break;
        case ast::SymbolKind::Let: name = file_.lets[e.checked.index].name; break;
        case ast::SymbolKind::Rule: name = file_.rules[e.checked.index].name; break;
        case ast::SymbolKind::Decide: name = file_.decides[e.checked.index].name; break;
        case ast::SymbolKind::Table:
        case ast::SymbolKind::TableColumn: name = file_.tables[e.checked.index].name; break;
        case ast::SymbolKind::Output: name = checked_.outputs[e.checked.index].name; break;
        default: break;
      }
    if (e.tag == ExprTag::IsMissing || e.tag == ExprTag::Default) name = p_.fields[e.args[0]->checked.index].name;
    if (!name.empty() && std::find(uses.begin(), uses.end(), name) == uses.end()) uses.push_back(name);
    for (const auto& arg : e.args) collect_uses(*arg, uses);
  }

  // The comparison lower_compare just emitted, with the operands as written.
  void note_compare(const Operand& result, const Expr& whole, const std::string& left_text,
                    const std::string& right_text, ast::CompareOp op) {
    static const char* const kOps[] = {"<", "<=", ">", ">=", "=", "!="};
    DebugNote& n = note(DebugNote::What::Compare, "", result, whole.location);
    n.text = source_of(whole.location);
    n.left_type = last_compare_left_.type;
    n.right_type = last_compare_right_.type;
    n.left = last_compare_left_.reg;
    n.right = last_compare_right_.reg;
    n.left_text = left_text;
    n.right_text = right_text;
    n.op = kOps[static_cast<int>(op)];
    n.pc = static_cast<std::uint32_t>(body_.code.size() - 1);
  }

  void begin(const std::string& origin, std::uint32_t line) {
    origin_ = origin_index(origin);
    line_ = line;
  }

  std::uint32_t origin_index(const std::string& origin) {
    auto it = origin_ids_.find(origin);
    if (it != origin_ids_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(p_.origins.size());
    p_.origins.push_back(origin);
    origin_ids_[origin] = id;
    return id;
  }

  void emit_to(CodeList& list, Opcode op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0,
               std::uint8_t x = 0, std::uint8_t y = 0, std::uint32_t line = 0, std::uint32_t origin = 0) {
    list.code.push_back(make_instruction(op, a, b, c, x, y));
    list.lines.push_back(line);
    list.origins.push_back(origin);
  }

  void emit(Opcode op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0, std::uint8_t x = 0,
            std::uint8_t y = 0) {
    // A selection with nothing in it (a table row whose outputs are all loaded in
    // the prologue) changes nothing: drop it rather than narrow rows for nothing.
    if (op == Opcode::SELECT_POP && !body_.code.empty() &&
        (body_.code.back().op == Opcode::SELECT_IF || body_.code.back().op == Opcode::SELECT_UNLESS)) {
      body_.code.pop_back();
      body_.lines.pop_back();
      body_.origins.pop_back();
      return;
    }
    emit_to(body_, op, a, b, c, x, y, line_, origin_);
  }

  Operand new_register(const ValueType& type) {
    Operand o;
    o.type = type;
    o.file = register_file_of(type);
    switch (o.file) {
      case RegisterFile::Scalar:
        o.reg = static_cast<std::uint32_t>(p_.scalar_types.size());
        p_.scalar_types.push_back(type);
        p_.scalar_names.emplace_back();
        break;
      case RegisterFile::Text: o.reg = p_.text_count++; break;
      case RegisterFile::List:
        o.reg = static_cast<std::uint32_t>(p_.list_types.size());
        p_.list_types.push_back(type);
        break;
      case RegisterFile::Quotient:
        o.reg = static_cast<std::uint32_t>(p_.quotient_units.size());
        p_.quotient_units.push_back(type.element);
        break;
    }
    return o;
  }

  Operand name_register(Operand o, const std::string& name) {
    if (o.file == RegisterFile::Scalar && p_.scalar_names[o.reg].empty()) p_.scalar_names[o.reg] = name;
    return o;
  }

  std::uint32_t string_index(const std::string& s) {
    auto it = string_ids_.find(s);
    if (it != string_ids_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(p_.strings.size());
    p_.strings.push_back(s);
    string_ids_[s] = id;
    return id;
  }

  // A register holding a constant for every row, loaded once in the prologue.
  Operand constant(const ValueType& type, std::int64_t value) {
    const auto key = std::make_tuple(static_cast<int>(type.kind), type.enum_id, value);
    if (auto it = constant_regs_.find(key); it != constant_regs_.end()) return it->second;
    Operand o = new_register(type);
    const auto index = static_cast<std::uint32_t>(p_.constants.size());
    p_.constants.push_back(value);
    emit_to(prologue_, Opcode::LOAD_CONST, o.reg, index, 0, 0, 0, line_, origin_);
    constant_regs_[key] = o;
    return o;
  }

  Operand text_constant(const std::string& s) {
    if (auto it = text_regs_.find(s); it != text_regs_.end()) return it->second;
    Operand o = new_register(scalar(Kind::Text));
    emit_to(prologue_, Opcode::LOAD_STRING, o.reg, string_index(s), 0, 0, 0, line_, origin_);
    text_regs_[s] = o;
    return o;
  }

  // Fields are loaded once, in the prologue, and only the ones the policy reads.
  Operand field(std::uint32_t index) {
    if (field_regs_[index]) return *field_regs_[index];
    const FieldDef& f = p_.fields[index];
    Operand o = new_register(f.type);
    const std::uint32_t origin = origin_index("field " + f.name);
    const Opcode op = o.file == RegisterFile::Text ? Opcode::LOAD_TEXT
                      : o.file == RegisterFile::List ? Opcode::LOAD_LIST
                                                     : Opcode::LOAD_FIELD;
    emit_to(prologue_, op, o.reg, index, 0, 0, 0, f.line, origin);
    name_register(o, f.name);
    field_regs_[index] = o;
    return o;
  }

  Operand presence(std::uint32_t index) {
    if (present_regs_[index]) return *present_regs_[index];
    const FieldDef& f = p_.fields[index];
    Operand o = new_register(scalar(Kind::Bool));
    emit_to(prologue_, Opcode::LOAD_PRESENT, o.reg, index, 0, 0, 0, f.line, origin_index("field " + f.name));
    name_register(o, f.name + " is present");
    present_regs_[index] = o;
    return o;
  }

  Operand widen(Operand o, Kind to) {
    if (o.type.kind == to) return o;
    const int shift = kind_scale(to) - kind_scale(o.type.kind);
    Operand r = new_register(scalar(to));
    emit(Opcode::WIDEN, r.reg, o.reg, 0, static_cast<std::uint8_t>(shift));
    return r;
  }

  Operand to_quotient(Operand o, Kind units) {
    if (o.file == RegisterFile::Quotient) return o;
    ValueType t;
    t.kind = Kind::Quotient;
    t.element = units;
    Operand q = new_register(t);
    emit(Opcode::QUOTIENT_OF, q.reg, o.reg, 0, static_cast<std::uint8_t>(kind_scale(units) - kind_scale(o.type.kind)));
    return q;
  }

  // `a and b` / `a or b`: when b can fail a row (a division, an overflow), it is
  // evaluated only on the rows where a leaves the answer open.
  Operand lower_logic(bool is_and, const std::function<Operand()>& left, const std::function<Operand()>& right,
                      bool right_fallible) {
    const Operand a = left();
    if (!right_fallible) {
      const Operand b = right();
      Operand r = new_register(scalar(Kind::Bool));
      emit(is_and ? Opcode::AND : Opcode::OR, r.reg, a.reg, b.reg);
      return r;
    }
    Operand r = new_register(scalar(Kind::Bool));
    emit(Opcode::MOVE, r.reg, a.reg);
    emit(is_and ? Opcode::SELECT_IF : Opcode::SELECT_UNLESS, a.reg);
    const Operand b = right();
    emit(Opcode::MOVE, r.reg, b.reg);
    emit(Opcode::SELECT_POP, 0);
    return r;
  }

  Operand lower_compare(Operand a, Operand b, ast::CompareOp op) {
    Operand r = new_register(scalar(Kind::Bool));
    if (a.file == RegisterFile::Text) {
      emit(op == ast::CompareOp::Ne ? Opcode::NE_TEXT : Opcode::EQ_TEXT, r.reg, a.reg, b.reg);
      return r;
    }
    const bool quotient = a.file == RegisterFile::Quotient || b.file == RegisterFile::Quotient;
    last_compare_left_ = a;
    last_compare_right_ = b;
    if (quotient) {
      const Kind units = a.file == RegisterFile::Quotient ? a.type.element : b.type.element;
      a = to_quotient(a, units);
      b = to_quotient(b, units);
    } else if (a.type.kind != b.type.kind && a.type.is_number() && b.type.is_number()) {
      const Kind wide = kind_scale(a.type.kind) >= kind_scale(b.type.kind) ? a.type.kind : b.type.kind;
      a = widen(a, wide);
      b = widen(b, wide);
      last_compare_left_ = a;
      last_compare_right_ = b;
    }
    Opcode lt = quotient ? Opcode::LT_QUOTIENT : Opcode::LT;
    Opcode le = quotient ? Opcode::LE_QUOTIENT : Opcode::LE;
    Opcode eq = quotient ? Opcode::EQ_QUOTIENT : Opcode::EQ;
    Opcode ne = quotient ? Opcode::NE_QUOTIENT : Opcode::NE;
    switch (op) {
      case ast::CompareOp::Lt: emit(lt, r.reg, a.reg, b.reg); break;
      case ast::CompareOp::Le: emit(le, r.reg, a.reg, b.reg); break;
      case ast::CompareOp::Gt: emit(lt, r.reg, b.reg, a.reg); break;
      case ast::CompareOp::Ge: emit(le, r.reg, b.reg, a.reg); break;
      case ast::CompareOp::Eq: emit(eq, r.reg, a.reg, b.reg); break;
      case ast::CompareOp::Ne: emit(ne, r.reg, a.reg, b.reg); break;
    }
    return r;
  }

  Operand lower_binary(const Expr& e) {
    const Operand a = lower(*e.args[0]);
    const Operand b = lower(*e.args[1]);
    const Kind ka = a.type.kind, kb = b.type.kind;
    const ValueType& result = e.checked.type;
    if (e.op == '/') {
      Operand q = new_register(result);
      const int shift = kind_scale(kb) - kind_scale(ka) + kind_scale(result.element);
      emit(Opcode::DIVIDE, q.reg, a.reg, b.reg, static_cast<std::uint8_t>(shift));
      return q;
    }
    if (result.kind == Kind::Quotient) {  // money * decimal, decimal * decimal
      Operand q = new_register(result);
      const int shift = kind_scale(ka) + kind_scale(kb) - kind_scale(result.element);
      emit(Opcode::MULTIPLY_EXACT, q.reg, a.reg, b.reg, static_cast<std::uint8_t>(shift));
      return q;
    }
    Operand r = new_register(result);
    if (e.op == '*') {
      if (result.kind == Kind::Int) emit(Opcode::MUL_INT, r.reg, a.reg, b.reg);
      else {
        // The count goes last: r = amount * count.
        const bool a_is_count = ka == Kind::Int;
        const Operand amount = a_is_count ? b : a, count = a_is_count ? a : b;
        emit(result.kind == Kind::Money ? Opcode::MUL_MONEY_INT : Opcode::MUL_DECIMAL_INT, r.reg, amount.reg, count.reg);
      }
      return r;
    }
    const Operand x = widen(a, result.kind), y = widen(b, result.kind);
    const bool add = e.op == '+';
    const Opcode op = result.kind == Kind::Int     ? (add ? Opcode::ADD_INT : Opcode::SUB_INT)
                      : result.kind == Kind::Money ? (add ? Opcode::ADD_MONEY : Opcode::SUB_MONEY)
                                                   : (add ? Opcode::ADD_DECIMAL : Opcode::SUB_DECIMAL);
    emit(op, r.reg, x.reg, y.reg);
    return r;
  }

  Operand lower_call(const Expr& e) {
    const std::string& f = e.text;
    if (f == "min" || f == "max") {
      Operand acc = lower(*e.args[0]);
      for (std::size_t i = 1; i < e.args.size(); ++i) {
        const Operand next = lower(*e.args[i]);
        Operand r = new_register(e.checked.type);
        emit(f == "min" ? Opcode::MIN : Opcode::MAX, r.reg, acc.reg, next.reg);
        acc = r;
      }
      return acc;
    }
    if (f == "abs") {
      const Operand a = lower(*e.args[0]);
      Operand r = new_register(e.checked.type);
      emit(Opcode::ABS, r.reg, a.reg);
      return r;
    }
    if (f == "round") {
      const Kind units = e.checked.type.kind;
      const int drop = kind_scale(units) - static_cast<int>(*e.args[1]->checked.constant);
      const auto mode = static_cast<std::uint8_t>(e.args.size() == 3 ? e.args[2]->checked.index : 0);
      const Expr& x = *e.args[0];
      Operand r = new_register(e.checked.type);
      // round(amount / count, all digits): one instruction, no 128-bit quotient.
      if (x.tag == ExprTag::Binary && x.op == '/' && drop == 0 && x.args[1]->checked.type.kind == Kind::Int &&
          x.args[0]->checked.type.kind == units) {
        const Operand a = lower(*x.args[0]);
        const Operand b = lower(*x.args[1]);
        emit(Opcode::DIVIDE_ROUND, r.reg, a.reg, b.reg, 0, mode);
        return r;
      }
      const Operand a = lower(x);
      emit(a.file == RegisterFile::Quotient ? Opcode::ROUND_QUOTIENT : Opcode::ROUND_NUMBER, r.reg, a.reg, 0,
           static_cast<std::uint8_t>(drop), mode);
      return r;
    }
    if (f == "count" || f == "sum") {
      const Operand list = lower(*e.args[0]);
      Operand r = new_register(e.checked.type);
      emit(f == "count" ? Opcode::LIST_COUNT : Opcode::LIST_SUM, r.reg, list.reg);
      return r;
    }
    // contains
    const Operand list = lower(*e.args[0]);
    const Operand value = lower(*e.args[1]);
    Operand r = new_register(e.checked.type);
    emit(Opcode::LIST_CONTAINS, r.reg, list.reg, value.reg);
    return r;
  }

  Operand lower(const Expr& e) {
    const std::uint32_t saved_line = line_;
    if (e.location.line) line_ = e.location.line;
    Operand result = lower_inner(e);
    line_ = saved_line;
    return result;
  }

  Operand lower_inner(const Expr& e) {
    const auto& c = e.checked;
    if (c.constant && c.type.is_scalar()) return constant(c.type, *c.constant);
    switch (e.tag) {
      case ExprTag::String: return text_constant(e.text);
      case ExprTag::Name:
      case ExprTag::Member:
        switch (c.symbol) {
          case ast::SymbolKind::Field: return field(c.index);
          case ast::SymbolKind::Param: return text_constant(p_.params[c.index].text_value);
          case ast::SymbolKind::Let: return let_regs_[c.index];
          case ast::SymbolKind::Rule: return rule_regs_[c.index];
          case ast::SymbolKind::Decide: return decide_regs_[c.index];
          case ast::SymbolKind::TableColumn: return table_columns_[c.index].at(c.column);
          case ast::SymbolKind::Output: return output_regs_[c.index];
          default: break;
        }
        break;
      case ExprTag::Negate: {
        const Operand a = lower(*e.args[0]);
        Operand r = new_register(c.type);
        emit(Opcode::NEGATE, r.reg, a.reg);
        return r;
      }
      case ExprTag::Not: {
        const Operand a = lower(*e.args[0]);
        Operand r = new_register(c.type);
        emit(Opcode::NOT, r.reg, a.reg);
        return r;
      }
      case ExprTag::And:
      case ExprTag::Or:
        return lower_logic(e.tag == ExprTag::And, [&] { return lower(*e.args[0]); },
                           [&] { return lower(*e.args[1]); }, e.args[1]->checked.fallible);
      case ExprTag::Binary: return lower_binary(e);
      case ExprTag::Compare: {
        const Operand a = lower(*e.args[0]);
        const Operand b = lower(*e.args[1]);
        const Operand r = lower_compare(a, b, e.compare);
        note_compare(r, e, source_of(e.args[0]->location), source_of(e.args[1]->location), e.compare);
        return r;
      }
      case ExprTag::IsMissing: {
        const Operand present = presence(e.args[0]->checked.index);
        if (e.negated) return present;
        Operand r = new_register(c.type);
        emit(Opcode::NOT, r.reg, present.reg);
        return r;
      }
      case ExprTag::IsMember: {
        const Operand a = lower(*e.args[0]);
        const Operand member = constant(a.type, e.checked.index);
        const auto op = e.negated ? ast::CompareOp::Ne : ast::CompareOp::Eq;
        const Operand r = lower_compare(a, member, op);
        note_compare(r, e, source_of(e.args[0]->location), e.text, op);
        p_.notes.back().op = e.negated ? "is not" : "is";
        return r;
      }
      case ExprTag::Default: {
        const std::uint32_t index = e.args[0]->checked.index;
        const Operand present = presence(index);
        const Operand value = field(index);
        Operand r = new_register(c.type);
        const Opcode move = r.file == RegisterFile::Text ? Opcode::MOVE_TEXT : Opcode::MOVE;
        emit(Opcode::SELECT_UNLESS, present.reg);
        const Operand fallback = lower(*e.args[1]);
        emit(move, r.reg, fallback.reg);
        emit(Opcode::SELECT_POP, 0);
        emit(Opcode::SELECT_IF, present.reg);
        emit(move, r.reg, value.reg);
        emit(Opcode::SELECT_POP, 0);
        return r;
      }
      case ExprTag::Call: return lower_call(e);
      default: break;
    }
    throw std::logic_error("lowering met an expression the checker did not type");
  }

  void move(const Operand& to, const Operand& from) {
    emit(to.file == RegisterFile::Text ? Opcode::MOVE_TEXT : Opcode::MOVE, to.reg, from.reg);
  }

  // A register that the code after it writes only on some rows (a decide's
  // result, a table's column) is first written on every row, so that the
  // verifier can prove nothing reads it unwritten (verifier.cpp,
  // check_assignment). Rows that keep this value are rejected.
  void write_every_row(const Operand& o) {
    if (o.file == RegisterFile::Scalar) move(o, constant(o.type, 0));
    if (o.file == RegisterFile::Text) move(o, text_constant(""));
  }

  // decide: each `when` is tested only on rows no earlier `when` took.
  void lower_decide(const ast::DecideDecl& d, std::size_t index) {
    begin(fmt::format("decide {}", d.name), d.location.line);
    Operand result = name_register(new_register(checked_.decide_types[index]), d.name);
    decide_regs_[index] = result;
    {
      DebugNote& n = note(DebugNote::What::Value, d.name, result, d.location);
      for (const auto& branch : d.branches) collect_uses(*branch.condition, n.uses);
    }
    const auto note_branch = [&](std::size_t k, const Operand& holds) {
      const auto& branch = d.branches[k];
      note(DebugNote::What::Branch, d.name, holds, branch.condition->location).index =
          static_cast<std::uint32_t>(k + 1);
      p_.notes.back().text = source_of(branch.condition->location);
      collect_uses(*branch.condition, p_.notes.back().uses);
      collect_uses(*branch.outcome, p_.notes.back().uses);
    };
    const bool infallible =
        !d.otherwise->checked.fallible && std::none_of(d.branches.begin(), d.branches.end(), [](const auto& b) {
          return b.condition->checked.fallible || b.outcome->checked.fallible;
        });
    if (infallible && result.file == RegisterFile::Scalar) {
      // Nothing here can fail a row, so every branch may be worked out for every
      // row: the last branch first, each later-written one taking precedence.
      // That is straight-line code over all rows, with no selections to narrow.
      line_ = d.otherwise->location.line;
      move(result, lower(*d.otherwise));
      for (auto branch = d.branches.rbegin(); branch != d.branches.rend(); ++branch) {
        line_ = branch->condition->location.line;
        const Operand holds = lower(*branch->condition);
        note_branch(static_cast<std::size_t>(d.branches.rend() - branch) - 1, holds);
        const Operand value = lower(*branch->outcome);
        emit(Opcode::MOVE_IF, result.reg, holds.reg, value.reg);
      }
      return;
    }
    write_every_row(result);
    Operand open = new_register(scalar(Kind::Bool));
    const Operand yes = constant(scalar(Kind::Bool), 1);
    const Operand no = constant(scalar(Kind::Bool), 0);
    emit(Opcode::MOVE, open.reg, yes.reg);
    for (const auto& branch : d.branches) {
      line_ = branch.condition->location.line;
      emit(Opcode::SELECT_IF, open.reg);
      const Operand holds = lower(*branch.condition);
      note_branch(static_cast<std::size_t>(&branch - d.branches.data()), holds);
      emit(Opcode::SELECT_IF, holds.reg);
      move(result, lower(*branch.outcome));
      emit(Opcode::MOVE, open.reg, no.reg);
      emit(Opcode::SELECT_POP, 0);
      emit(Opcode::SELECT_POP, 0);
    }
    line_ = d.otherwise->location.line;
    emit(Opcode::SELECT_IF, open.reg);
    move(result, lower(*d.otherwise));
    emit(Opcode::SELECT_POP, 0);
  }

  // The test of one cell, or nullopt for `-`.
  std::optional<Operand> lower_cell(const ast::TableDecl& t, const ast::TableCell& cell, std::size_t column,
                                    const std::vector<std::optional<Operand>>& inputs) {
    if (cell.kind == ast::CellKind::Any) return std::nullopt;
    line_ = cell.location.line;
    if (t.columns[column].kind == ast::ColumnKind::Condition) return lower(*cell.values[0]);
    const Operand input = *inputs[column];
    if (cell.kind == ast::CellKind::Compare) return lower_compare(input, lower(*cell.values[0]), cell.compare);
    std::optional<Operand> any;
    for (const auto& value : cell.values) {
      const Operand hit = lower_compare(input, lower(*value), ast::CompareOp::Eq);
      if (!any) { any = hit; continue; }
      Operand r = new_register(scalar(Kind::Bool));
      emit(Opcode::OR, r.reg, any->reg, hit.reg);
      any = r;
    }
    return any;
  }

  // A row matches when all its cells do; a later cell is tested only where the
  // earlier ones hold when it may fail a row (a division, an overflow).
  Operand lower_row_condition(const ast::TableDecl& t, const ast::TableRow& row,
                              const std::vector<std::optional<Operand>>& inputs) {
    std::optional<Operand> all;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      const ast::TableCell& cell = row.cells[c];
      if (t.columns[c].kind == ast::ColumnKind::Output || cell.kind == ast::CellKind::Any) continue;
      if (!all) {
        all = lower_cell(t, cell, c, inputs);
        continue;
      }
      const bool fallible = std::any_of(cell.values.begin(), cell.values.end(),
                                        [](const ast::ExprPtr& v) { return v->checked.fallible; });
      all = lower_logic(true, [&] { return *all; }, [&] { return *lower_cell(t, cell, c, inputs); }, fallible);
    }
    return all ? *all : constant(scalar(Kind::Bool), 1);
  }

  // What an input column tests, as the table's header says it: a name, or
  // "key 2" for an expression.
  static std::string column_label(const Expr& e, std::size_t position) {
    if (e.tag == ExprTag::Name || e.tag == ExprTag::Member) return print_expr(e);
    return fmt::format("key {}", position);
  }

  // An output cell's value when it is known now: a scalar, or a text.
  struct OutputValue {
    std::int64_t scalar = 0;
    const std::string* text = nullptr;
  };
  std::optional<OutputValue> constant_output(const Expr& e, const ValueType& type) const {
    if (type.is_scalar()) {
      if (e.checked.constant && e.checked.type == type) return OutputValue{*e.checked.constant, nullptr};
      return std::nullopt;
    }
    if (type.kind != Kind::Text) return std::nullopt;
    if (e.tag == ExprTag::String) return OutputValue{0, &e.text};
    if ((e.tag == ExprTag::Name || e.tag == ExprTag::Member) && e.checked.symbol == ast::SymbolKind::Param)
      return OutputValue{0, &p_.params[e.checked.index].text_value};
    return std::nullopt;
  }

  // A table whose tested cells are all plain literals (and `-`), and whose
  // outputs are all constants, becomes an index: the matching rows are found by
  // hashing the household's values, whatever the number of rows, and the outputs
  // are picked from per-row arrays. Exactly as the row-by-row code: `first`
  // takes the lowest matching row and fails a household no row matches;
  // `collect` takes every matching row in order. Returns false, emitting
  // nothing, for a table that does not qualify.
  bool lower_indexed_table(const ast::TableDecl& t, const CheckedTable& info,
                           std::map<std::uint32_t, Operand>& columns,
                           const std::vector<std::optional<Operand>>& inputs) {
    if (t.rows.size() < kIndexedTableMinRows) return false;
    LookupTable lookup;
    lookup.name = "table " + t.name;
    lookup.rows = static_cast<std::uint32_t>(t.rows.size());
    std::vector<std::size_t> tested;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      switch (t.columns[c].kind) {
        case ast::ColumnKind::Input:
          if (!inputs[c] || !info.column_types[c].is_scalar()) return false;
          tested.push_back(c);
          lookup.key_types.push_back(info.column_types[c]);
          lookup.key_names.push_back(column_label(*t.columns[c].input, tested.size()));
          break;
        case ast::ColumnKind::Condition:
          // Only a column that restricts nothing: `-` or `true` in every row.
          for (const auto& row : t.rows) {
            const ast::TableCell& cell = row.cells[c];
            if (cell.kind == ast::CellKind::Any) continue;
            if (cell.values.size() != 1 || !cell.values[0]->checked.constant || *cell.values[0]->checked.constant != 1)
              return false;
          }
          break;
        case ast::ColumnKind::Output: break;
      }
    }
    if (tested.empty() || tested.size() > kMaxLookupKeys) return false;
    std::size_t entries = 0;
    for (const auto& row : t.rows) {
      std::size_t combinations = 1;
      for (std::size_t k = 0; k < tested.size(); ++k) {
        const ast::TableCell& cell = row.cells[tested[k]];
        if (cell.kind == ast::CellKind::Compare) return false;
        if (cell.kind == ast::CellKind::Values) {
          for (const auto& value : cell.values) {
            if (!value->checked.constant || value->checked.type != lookup.key_types[k]) return false;
            lookup.values.push_back(*value->checked.constant);
          }
          combinations *= cell.values.size();
        }
        lookup.cell_ends.push_back(static_cast<std::uint32_t>(lookup.values.size()));
        if (combinations > kMaxLookupEntries) return false;
      }
      entries += combinations;
      if (entries > kMaxLookupEntries) return false;
    }
    // The program's indexes together must fit the memory budget, which the
    // verifier holds them to; a table past it is lowered row by row instead.
    std::size_t index_bytes = lookup_index_size(lookup).bytes;
    for (const LookupTable& other : p_.lookups) index_bytes += lookup_index_size(other).bytes;
    if (index_bytes > kWorkerMemoryBudget) return false;
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      if (t.columns[c].kind == ast::ColumnKind::Output)
        for (const auto& row : t.rows)
          if (!constant_output(*row.cells[c].values[0], info.column_types[c])) return false;

    // It qualifies. Outputs: element 0 stands for "no row"; any value of the type does.
    std::vector<std::pair<std::uint32_t, ConstantArray>> arrays;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].kind != ast::ColumnKind::Output) continue;
      ConstantArray array;
      array.name = t.name + "." + t.columns[c].name;
      array.type = info.column_types[c];
      const bool text = array.type.kind == Kind::Text;
      array.values.push_back(text ? string_index("") : 0);
      for (const auto& row : t.rows) {
        const OutputValue value = *constant_output(*row.cells[c].values[0], array.type);
        array.values.push_back(text ? string_index(*value.text) : value.scalar);
      }
      arrays.emplace_back(static_cast<std::uint32_t>(c), std::move(array));
    }

    line_ = t.location.line;  // where a household no row matches is reported, as row by row
    // The tested values go to consecutive registers, as LOOKUP_* reads them.
    std::uint32_t first_key = inputs[tested[0]]->reg;
    if (tested.size() > 1) {
      std::vector<Operand> keys;
      for (std::size_t k = 0; k < tested.size(); ++k) keys.push_back(new_register(lookup.key_types[k]));
      first_key = keys[0].reg;
      for (std::size_t k = 0; k < tested.size(); ++k) emit(Opcode::MOVE, keys[k].reg, inputs[tested[k]]->reg);
    }
    const auto lookup_index = static_cast<std::uint32_t>(p_.lookups.size());
    p_.lookups.push_back(std::move(lookup));
    const auto array_index = [&](ConstantArray array) {
      p_.arrays.push_back(std::move(array));
      return static_cast<std::uint32_t>(p_.arrays.size() - 1);
    };
    if (info.collect) {
      const Operand rows = new_register(list_of(scalar(Kind::Int)));
      emit(Opcode::LOOKUP_ALL, rows.reg, lookup_index, first_key);
      note(DebugNote::What::LookupAll, t.name, rows, t.location);
      for (const auto& row : t.rows) row_uses(t, row, p_.notes.back().uses);
      for (auto& [c, array] : arrays)
        emit(Opcode::PICK_LIST, columns[c].reg, array_index(std::move(array)), rows.reg);
      return true;
    }
    const Operand row = name_register(new_register(scalar(Kind::Int)), t.name + " row");
    emit(Opcode::LOOKUP_FIRST, row.reg, lookup_index, first_key);
    note(DebugNote::What::LookupFirst, t.name, row, t.location);
    for (const auto& r : t.rows) row_uses(t, r, p_.notes.back().uses);
    for (auto& [c, array] : arrays) {
      const Operand& out = columns[c];
      emit(out.file == RegisterFile::Text ? Opcode::PICK_TEXT : Opcode::PICK, out.reg, array_index(std::move(array)),
           row.reg);
    }
    const Operand none = new_register(scalar(Kind::Bool));
    emit(Opcode::EQ, none.reg, row.reg, constant(scalar(Kind::Int), 0).reg);
    emit(Opcode::SELECT_IF, none.reg);
    emit(Opcode::FAIL, string_index(say<M::reject_no_table_row>(Language::English, t.name).text));
    emit(Opcode::SELECT_POP, 0);
    return true;
  }

  // Whether row r (0-based) matches, noted for explanations and coverage.
  Operand row_matches(const ast::TableDecl& t, std::size_t r, const std::vector<std::optional<Operand>>& inputs) {
    const auto& row = t.rows[r];
    const Operand matches = lower_row_condition(t, row, inputs);
    note(DebugNote::What::Row, t.name, matches, row.location).index = static_cast<std::uint32_t>(r + 1);
    row_uses(t, row, p_.notes.back().uses);
    return matches;
  }

  // What a row's tests read: its input columns and the values in its cells.
  void row_uses(const ast::TableDecl& t, const ast::TableRow& row, std::vector<std::string>& uses) const {
    for (std::size_t c = 0; c < row.cells.size() && c < t.columns.size(); ++c) {
      if (t.columns[c].kind == ast::ColumnKind::Output || row.cells[c].kind == ast::CellKind::Any) continue;
      if (t.columns[c].input) collect_uses(*t.columns[c].input, uses);
      for (const auto& v : row.cells[c].values) collect_uses(*v, uses);
    }
  }

  void lower_table(const ast::TableDecl& t, std::size_t index) {
    begin(fmt::format("table {}", t.name), t.location.line);
    const CheckedTable& info = checked_.tables[index];
    auto& columns = table_columns_[index];
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].kind != ast::ColumnKind::Output) continue;
      Operand o = new_register(info.collect ? list_of(info.column_types[c]) : info.column_types[c]);
      if (o.file == RegisterFile::List) emit(Opcode::LIST_CLEAR, o.reg);
      columns[static_cast<std::uint32_t>(c)] = name_register(o, t.name + "." + t.columns[c].name);
      note(DebugNote::What::Value, t.name + "." + t.columns[c].name, o, t.columns[c].location);
    }
    if (t.guard) {
      line_ = t.guard->location.line;
      const Operand guard = lower(*t.guard);
      note(DebugNote::What::Guard, t.name, guard, t.guard->location).text = source_of(t.guard->location);
      collect_uses(*t.guard, p_.notes.back().uses);
      emit(Opcode::SELECT_IF, guard.reg);
    }
    std::vector<std::optional<Operand>> inputs(t.columns.size());
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      if (t.columns[c].kind == ast::ColumnKind::Input) {
        line_ = t.columns[c].location.line;
        inputs[c] = lower(*t.columns[c].input);
      }
    const bool as_first = info.hit == HitPolicy::First || info.runs_as_first;
    if ((info.collect || as_first) && lower_indexed_table(t, info, columns, inputs)) {
      if (t.guard) emit(Opcode::SELECT_POP, 0);
      lower_aggregate(t, info, columns);
      return;
    }
    if (!info.collect)
      for (const auto& [c, column] : columns) write_every_row(column);
    if (info.collect || as_first) lower_rows_in_order(t, info, columns, inputs);
    else if (info.hit == HitPolicy::Priority) lower_priority_rows(t, info, columns, inputs);
    else lower_checked_rows(t, info, columns, inputs);
    if (t.guard) emit(Opcode::SELECT_POP, 0);
    lower_aggregate(t, info, columns);
  }

  // `first` (and `unique`/`any` shown to behave like it): each row is tested
  // only where no earlier row matched. `collect`, `rule order`: every row.
  void lower_rows_in_order(const ast::TableDecl& t, const CheckedTable& info, std::map<std::uint32_t, Operand>& columns,
                           const std::vector<std::optional<Operand>>& inputs) {
    std::optional<Operand> open;
    if (!info.collect) {
      open = new_register(scalar(Kind::Bool));
      emit(Opcode::MOVE, open->reg, constant(scalar(Kind::Bool), 1).reg);
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      begin(fmt::format("table {} row {}", t.name, r + 1), row.location.line);
      if (open) emit(Opcode::SELECT_IF, open->reg);
      const Operand matches = row_matches(t, r, inputs);
      emit(Opcode::SELECT_IF, matches.reg);
      std::map<std::size_t, Operand> values;
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        if (t.columns[c].kind != ast::ColumnKind::Output) continue;
        line_ = row.cells[c].location.line;
        const Operand value = lower(*row.cells[c].values[0]);
        if (info.collect) values[c] = value;
        else move(columns[static_cast<std::uint32_t>(c)], value);
      }
      if (open) emit(Opcode::MOVE, open->reg, constant(scalar(Kind::Bool), 0).reg);
      emit(Opcode::SELECT_POP, 0);
      for (const auto& [c, value] : values)
        emit(Opcode::LIST_APPEND_IF, columns[static_cast<std::uint32_t>(c)].reg, matches.reg, value.reg);
      if (open) emit(Opcode::SELECT_POP, 0);
    }
    if (open) fail_unmatched(t, *open);
  }

  void fail_unmatched(const ast::TableDecl& t, const Operand& unmatched) {
    begin(fmt::format("table {}", t.name), t.location.line);
    emit(Opcode::SELECT_IF, unmatched.reg);
    emit(Opcode::FAIL, string_index(say<M::reject_no_table_row>(Language::English, t.name).text));
    emit(Opcode::SELECT_POP, 0);
  }

  std::map<std::size_t, Operand> lower_outputs(const ast::TableDecl& t, const ast::TableRow& row) {
    std::map<std::size_t, Operand> values;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].kind != ast::ColumnKind::Output) continue;
      line_ = row.cells[c].location.line;
      values[c] = lower(*row.cells[c].values[0]);
    }
    return values;
  }

  // `unique` and `any`: every row is tested; `chosen` holds the number of the
  // first matching row (0: none yet), so that a second match can name both.
  // Under `unique` any second match rejects the household; under `any` only one
  // whose outputs differ from the first's.
  void lower_checked_rows(const ast::TableDecl& t, const CheckedTable& info, std::map<std::uint32_t, Operand>& columns,
                          const std::vector<std::optional<Operand>>& inputs) {
    const bool any = info.hit == HitPolicy::Any;
    const Operand chosen = name_register(new_register(scalar(Kind::Int)), t.name + " row");
    const Operand zero = constant(scalar(Kind::Int), 0);
    const std::uint32_t name = string_index(t.name);
    emit(Opcode::MOVE, chosen.reg, zero.reg);
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      begin(fmt::format("table {} row {}", t.name, r + 1), row.location.line);
      const Operand matches = row_matches(t, r, inputs);
      emit(Opcode::SELECT_IF, matches.reg);
      const Operand number = constant(scalar(Kind::Int), static_cast<std::int64_t>(r + 1));
      const Operand seen = new_register(scalar(Kind::Bool));
      emit(Opcode::NE, seen.reg, chosen.reg, zero.reg);
      const std::map<std::size_t, Operand> values = lower_outputs(t, row);
      line_ = row.location.line;
      emit(Opcode::SELECT_IF, seen.reg);
      if (any) {
        std::optional<Operand> differ;
        for (const auto& [c, value] : values) {
          const Operand d = lower_compare(columns[static_cast<std::uint32_t>(c)], value, ast::CompareOp::Ne);
          if (!differ) { differ = d; continue; }
          Operand both = new_register(scalar(Kind::Bool));
          emit(Opcode::OR, both.reg, differ->reg, d.reg);
          differ = both;
        }
        if (differ) {
          emit(Opcode::SELECT_IF, differ->reg);
          emit(Opcode::TABLE_CONFLICT, name, chosen.reg, number.reg, 1);
          emit(Opcode::SELECT_POP, 0);
        }
      } else {
        emit(Opcode::TABLE_CONFLICT, name, chosen.reg, number.reg, 0);
      }
      emit(Opcode::SELECT_POP, 0);
      emit(Opcode::SELECT_UNLESS, seen.reg);
      for (const auto& [c, value] : values) move(columns[static_cast<std::uint32_t>(c)], value);
      emit(Opcode::MOVE, chosen.reg, number.reg);
      emit(Opcode::SELECT_POP, 0);
      emit(Opcode::SELECT_POP, 0);
    }
    const Operand none = new_register(scalar(Kind::Bool));
    emit(Opcode::EQ, none.reg, chosen.reg, zero.reg);
    fail_unmatched(t, none);
  }

  // `priority`: of the matching rows, the one whose rank column's value comes
  // first in its enum; among equals, the earliest row.
  void lower_priority_rows(const ast::TableDecl& t, const CheckedTable& info, std::map<std::uint32_t, Operand>& columns,
                           const std::vector<std::optional<Operand>>& inputs) {
    const Operand found = name_register(new_register(scalar(Kind::Bool)), t.name + " found");
    emit(Opcode::MOVE, found.reg, constant(scalar(Kind::Bool), 0).reg);
    const Operand& best = columns[static_cast<std::uint32_t>(info.rank_column)];
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      begin(fmt::format("table {} row {}", t.name, r + 1), row.location.line);
      const Operand matches = row_matches(t, r, inputs);
      emit(Opcode::SELECT_IF, matches.reg);
      const std::map<std::size_t, Operand> values = lower_outputs(t, row);
      line_ = row.location.line;
      const Operand better = lower_compare(values.at(info.rank_column), best, ast::CompareOp::Lt);
      const Operand first = new_register(scalar(Kind::Bool));
      emit(Opcode::NOT, first.reg, found.reg);
      const Operand take = new_register(scalar(Kind::Bool));
      emit(Opcode::OR, take.reg, first.reg, better.reg);
      emit(Opcode::SELECT_IF, take.reg);
      for (const auto& [c, value] : values) move(columns[static_cast<std::uint32_t>(c)], value);
      emit(Opcode::MOVE, found.reg, constant(scalar(Kind::Bool), 1).reg);
      emit(Opcode::SELECT_POP, 0);
      emit(Opcode::SELECT_POP, 0);
    }
    const Operand none = new_register(scalar(Kind::Bool));
    emit(Opcode::NOT, none.reg, found.reg);
    fail_unmatched(t, none);
  }

  // `collect sum|min|max|count`: the list the rows made, reduced to the table's value.
  void lower_aggregate(const ast::TableDecl& t, const CheckedTable& info, std::map<std::uint32_t, Operand>& columns) {
    if (info.aggregate == TableAggregate::None) return;
    std::uint32_t column = 0;
    while (t.columns[column].kind != ast::ColumnKind::Output) ++column;
    const Operand list = columns[column];
    begin(fmt::format("table {}", t.name), t.location.line);
    Operand value = name_register(new_register(info.value_type), t.name);
    switch (info.aggregate) {
      case TableAggregate::Sum: emit(Opcode::LIST_SUM, value.reg, list.reg); break;
      case TableAggregate::Count: emit(Opcode::LIST_COUNT, value.reg, list.reg); break;
      case TableAggregate::Min:
      case TableAggregate::Max: {
        const bool min = info.aggregate == TableAggregate::Min;
        const Operand count = new_register(scalar(Kind::Int));
        emit(Opcode::LIST_COUNT, count.reg, list.reg);
        const Operand none = new_register(scalar(Kind::Bool));
        emit(Opcode::EQ, none.reg, count.reg, constant(scalar(Kind::Int), 0).reg);
        emit(Opcode::SELECT_IF, none.reg);
        emit(Opcode::FAIL, string_index(min ? say<M::reject_no_table_row_smallest>(Language::English, t.name).text
                                : say<M::reject_no_table_row_largest>(Language::English, t.name).text));
        emit(Opcode::SELECT_POP, 0);
        emit(min ? Opcode::LIST_MIN : Opcode::LIST_MAX, value.reg, list.reg);
        break;
      }
      case TableAggregate::None: break;
    }
    columns[column] = value;
    // The table's own value, so that an explanation or an example can name it.
    note(DebugNote::What::Value, t.name, value, t.location);
  }

  void lower_summary() {
    auto reg_of = [&](const char* key) -> std::uint32_t {
      auto it = checked_.summary_measures.find(key);
      if (it == checked_.summary_measures.end()) return SummarySpec::kNone;
      begin(std::string("summary ") + key, it->second->location.line);
      return lower(*it->second).reg;
    };
    p_.summary.population_reg = reg_of("population");
    p_.summary.poor_reg = reg_of("poor");
    p_.summary.cause_reg = reg_of("cause");
    p_.summary.assistance_reg = reg_of("assistance");
    p_.summary.groups = checked_.summary_groups;
  }

  const ast::PolicyFile& file_;
  const CheckedPolicy& checked_;
  Program p_;
  CodeList prologue_, body_;
  std::uint32_t line_ = 0, origin_ = 0;
  std::map<std::string, std::uint32_t> origin_ids_, string_ids_;
  std::map<std::tuple<int, std::uint16_t, std::int64_t>, Operand> constant_regs_;
  std::map<std::string, Operand> text_regs_;
  std::vector<std::optional<Operand>> field_regs_, present_regs_;
  std::vector<Operand> let_regs_, rule_regs_, decide_regs_, output_regs_;
  std::vector<std::map<std::uint32_t, Operand>> table_columns_;
  std::vector<std::string_view> source_lines_;
  // The files of a layered policy, for notes about their lines (null: one file).
  const DiagnosticSink* sink_ = nullptr;
  Operand last_compare_left_, last_compare_right_;
};

}  // namespace

Program lower_policy(const ast::PolicyFile& file, const CheckedPolicy& checked, std::string_view source,
                     const std::string& file_name, const DiagnosticSink* layers) {
  Lowerer lowerer(file, checked);
  lowerer.use_layers(layers);
  return lowerer.run(source, file_name);
}

}  // namespace precept
