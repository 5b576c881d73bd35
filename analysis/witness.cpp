// Witness search: both versions' checked decision logic becomes Z3 terms over one
// shared set of field variables, and for each common output the solver is asked
// for a household on which the two values differ.
//
// Encoding, and the choices behind it:
// - A scalar field is one Int in the unit the VM keeps it in (fen, millionths,
//   days since 1970, enum index), bounded by what the CSV reader accepts, so a
//   proof covers exactly the households a register can hold. Bools are Bools,
//   text is a Z3 string, a list field is one Bool per enum member (only
//   `contains` reads it; anything else is reported as unsupported because order
//   and repeats would matter).
// - An exact quotient is a pair (numerator, positive denominator), as in the VM,
//   so rounding is integer division and stays linear whenever the divisor is a
//   constant; dividing by a field is non-linear and may be undecidable for Z3.
// - Values are computed as exact integers with no overflow. Instead, every way a
//   row can fail (overflow, division by zero, a failed `where` or `require`, no
//   row of a `first` table) is collected, guarded by the path on which the VM
//   would evaluate it. Households either version rejects are excluded from the
//   comparison: on an accepted household the exact values are the VM's values, so
//   a proof of equality is sound even for errors the encoding might not know.
// - Every household the solver proposes is re-run through both compiled
//   policies, and only a difference the evaluator really shows is reported.
#include "witness.hpp"

#include "checker.hpp"
#include "diagnostics.hpp"
#include "numeric.hpp"
#include "program.hpp"

#include <precept/diagnostic.hpp>
#include <precept/evaluator.hpp>
#include <precept/policy.hpp>

#include <fmt/format.h>
#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

namespace precept::analysis {

namespace {

using ast::Expr;
using ast::ExprTag;

// A construct the encoding does not cover: the comparison says so instead of guessing.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// Days since 1970-01-01 of 1900-01-01 and 9999-12-31, the dates the reader accepts.
constexpr std::int64_t kFirstDay = -25567;
constexpr std::int64_t kLastDay = 2932896;

// A value of the policy as Z3 terms.
struct Val {
  ValueType type;
  std::optional<z3::expr> e;    // scalar or text value; quotient numerator
  std::optional<z3::expr> den;  // quotient: denominator, always > 0
  std::vector<std::pair<z3::expr, z3::expr>> items;  // list: (included, element) in order
  int list_field = -1;                               // a list field: shared field index
};

// One field of the record, shared by both versions by name.
struct SharedField {
  std::string name;
  ValueType type;
  const std::vector<std::string>* members = nullptr;  // enum / list of enum
  z3::expr value;
  z3::expr present;
  std::vector<z3::expr> has;  // list of enum: one Bool per member
  bool may_be_empty = false;  // some version accepts an empty cell
};

struct Shared {
  z3::context& z;
  std::vector<SharedField> fields;
  std::map<std::string, std::size_t> by_name;
  z3::expr_vector assumptions;  // what every readable household satisfies
  explicit Shared(z3::context& context) : z(context), assumptions(context) {}

  // Once every field is known: fields no version may leave empty are present;
  // an absent field's value is pinned, so that the household printed is the
  // one the solver meant; an empty cell of a field that may be empty is the
  // missing (or default) value.
  void assume_readable_cells() {
    for (const auto& f : fields) {
      if (!f.may_be_empty) assumptions.push_back(f.present);
      if (f.type.kind != Kind::Text && f.type.kind != Kind::List && f.type.kind != Kind::Bool)
        assumptions.push_back(f.present || f.value == 0);
      if (f.type.kind == Kind::Text && f.may_be_empty)
        assumptions.push_back(z3::implies(f.present, f.value != z.string_val("")));
    }
  }

  // A solver over the readable households; Meter::check sets its work limit.
  z3::solver solver() const {
    z3::solver solver(z);
    for (unsigned i = 0; i < assumptions.size(); ++i) solver.add(assumptions[i]);
    return solver;
  }
};

// Z3's count of the work its context has done ("rlimit count"): it only grows,
// across every solver of the context, and it is what the "rlimit" of a check
// limits (a check may do `rlimit` units more than the count it starts at).
std::uint64_t work_count(const z3::solver& solver) {
  const z3::stats stats = solver.statistics();
  for (unsigned i = 0; i < stats.size(); ++i)
    if (stats.key(i) == "rlimit count")
      return stats.is_uint(i) ? stats.uint_value(i) : static_cast<std::uint64_t>(stats.double_value(i));
  return 0;
}

// Asks the questions of one context within a command's budget: each check may
// take its own limit or what is left, and everything the context counted since
// the last check (models evaluated, too) is charged.
class Meter {
 public:
  explicit Meter(SolverBudget& budget) : budget_(budget) {}

  struct Answer {
    z3::check_result result = z3::unknown;
    bool out_of_budget = false;  // unknown because the budget, not `own_limit`, ran out
  };
  Answer check(z3::solver& solver, unsigned own_limit, const z3::expr_vector* assuming = nullptr) {
    charge(solver);
    const unsigned limit = budget_.limit_for(own_limit);
    if (limit == 0) return {z3::unknown, true};
    solver.set("rlimit", limit);
    const z3::check_result result = assuming ? solver.check(*assuming) : solver.check();
    const std::uint64_t spent = charge(solver);
    return {result, result == z3::unknown && limit < own_limit && spent >= limit};
  }

 private:
  std::uint64_t charge(const z3::solver& solver) {
    const std::uint64_t count = work_count(solver);
    const std::uint64_t spent = count - seen_;
    seen_ = count;
    budget_.spend(spent);
    return spent;
  }

  SolverBudget& budget_;
  std::uint64_t seen_ = 0;
};

// A question's assertions on a solver shared by many questions: removed when it
// ends, however it ends (with any scopes pushed inside it).
class Scope {
 public:
  explicit Scope(z3::solver& solver) : solver_(solver), base_(Z3_solver_get_num_scopes(solver.ctx(), solver)) {
    solver_.push();
  }
  ~Scope() {
    try {
      solver_.pop(Z3_solver_get_num_scopes(solver_.ctx(), solver_) - base_);
    } catch (const z3::exception&) {
    }
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  z3::solver& solver_;
  unsigned base_;
};

std::string out_of_budget_reason(const SolverBudget& budget) {
  return fmt::format("not decided: the solver budget ({} units, `--solver-budget`) was spent before this was decided",
                     budget.total());
}

z3::expr int_val(z3::context& z, std::int64_t v) { return z.int_val(static_cast<int64_t>(v)); }

z3::expr pow10(z3::context& z, int k) { return int_val(z, pow10_i64(k)); }

z3::expr fits_int64(z3::context& z, const z3::expr& e) {
  return e >= int_val(z, kInt64Min) && e <= int_val(z, kInt64Max);
}

// The text a location covers, for reasons: columns and lengths count characters.
std::string source_text(std::string_view source, const ast::Location& where) {
  std::size_t pos = 0;
  for (std::uint32_t line = 1; line < where.line && pos < source.size(); ++line) {
    const std::size_t nl = source.find('\n', pos);
    if (nl == std::string_view::npos) return {};
    pos = nl + 1;
  }
  auto advance = [&](std::size_t p, std::uint32_t chars) {
    while (chars > 0 && p < source.size()) {
      ++p;
      while (p < source.size() && (static_cast<unsigned char>(source[p]) & 0xC0) == 0x80) ++p;
      --chars;
    }
    return p;
  };
  const std::size_t start = advance(pos, where.column > 0 ? where.column - 1 : 0);
  const std::size_t end = advance(start, where.length);
  return std::string(source.substr(start, end - start));
}

bool is_constant_term(const z3::expr& e) { return e.is_numeral(); }

class Translator {
 public:
  Translator(Shared& shared, const ast::PolicyFile& file, const CheckedPolicy& checked, std::string_view source)
      : z_(shared.z), shared_(shared), file_(file), checked_(checked), source_(source), errors_(shared.z) {}

  // Binds the version's fields to the shared ones; throws Unsupported when a field
  // changed its type, which would make one household mean two different things.
  void bind_fields() {
    for (const FieldDef& f : checked_.fields) {
      auto it = shared_.by_name.find(f.name);
      const std::vector<std::string>* members =
          (f.type.kind == Kind::Enum || f.type.kind == Kind::List) ? &checked_.enums[f.type.enum_id].members : nullptr;
      if (it == shared_.by_name.end()) {
        const std::size_t index = shared_.fields.size();
        const Kind k = f.type.kind;
        z3::expr value = k == Kind::Bool   ? z_.bool_const(("f:" + f.name).c_str())
                         : k == Kind::Text ? z_.string_const(("f:" + f.name).c_str())
                                           : z_.int_const(("f:" + f.name).c_str());
        SharedField sf{f.name, f.type, members, value, z_.bool_const(("p:" + f.name).c_str()), {}, false};
        if (k == Kind::List)
          for (const auto& m : *members) sf.has.push_back(z_.bool_const(("f:" + f.name + ":" + m).c_str()));
        shared_.fields.push_back(std::move(sf));
        shared_.by_name[f.name] = index;
        add_range(shared_.fields.back());
        it = shared_.by_name.find(f.name);
      } else {
        const SharedField& sf = shared_.fields[it->second];
        const bool same = sf.type.kind == f.type.kind && sf.type.element == f.type.element &&
                          (members == nullptr || *members == *sf.members);
        if (!same)
          throw Unsupported(fmt::format("field `{}` has a different type in the two versions, so the same CSV cell "
                                        "means different values; this is not compared",
                                        f.name));
      }
      field_map_.push_back(it->second);
      SharedField& sf = shared_.fields[it->second];
      // The reader turns an empty list cell into an empty list, never a missing one.
      if ((f.optional || f.has_default) && f.type.kind != Kind::List) sf.may_be_empty = true;
    }
  }

  // Presence can be false only if some version accepts an empty cell; each version
  // rejects an empty required cell and a value failing its `where`.
  void field_errors() {
    for (std::size_t i = 0; i < checked_.fields.size(); ++i) {
      const FieldDef& f = checked_.fields[i];
      const SharedField& sf = shared_.fields[field_map_[i]];
      if (!f.optional && !f.has_default && f.type.kind != Kind::Text && f.type.kind != Kind::List)
        errors_.push_back(!sf.present);
      if (f.check != FieldCheck::None) {
        const z3::expr v = sf.value, c = int_val(z_, f.check_value);
        const z3::expr ok = f.check == FieldCheck::Lt   ? v < c
                            : f.check == FieldCheck::Le ? v <= c
                            : f.check == FieldCheck::Gt ? v > c
                            : f.check == FieldCheck::Ge ? v >= c
                            : f.check == FieldCheck::Eq ? v == c
                                                        : v != c;
        errors_.push_back(sf.present && !ok);
      }
    }
  }

  void run() {
    bind_fields();
    field_errors();
    lets_.resize(file_.lets.size());
    rules_.resize(file_.rules.size());
    decides_.resize(file_.decides.size());
    tables_.resize(file_.tables.size());
    const z3::expr all = z_.bool_val(true);
    // A declaration the encoding cannot express poisons only what reads it: those
    // outputs are Unknown, the others are still decided. Leaving out the row errors
    // it would add is sound, since only households both versions accept are compared.
    for (const auto& ref : file_.order) {
      const std::string key = fmt::format("{}:{}", static_cast<int>(ref.kind), ref.index);
      try {
        switch (ref.kind) {
          case ast::DeclKind::Let: lets_[ref.index] = eval(*file_.lets[ref.index].value, all); break;
          case ast::DeclKind::Rule: rules_[ref.index] = eval(*file_.rules[ref.index].condition, all); break;
          case ast::DeclKind::Decide: decide(file_.decides[ref.index], ref.index); break;
          case ast::DeclKind::Table: table(file_.tables[ref.index], ref.index); break;
          case ast::DeclKind::Require: {
            const Val ok = eval(*file_.requires_[ref.index].condition, all);
            require_error_at_[ref.index] = errors_.size();
            errors_.push_back(!*ok.e);
            break;
          }
          default: break;
        }
      } catch (const Unsupported& e) {
        poison_[key] = e.what();
      }
    }
    for (const auto& out : checked_.outputs) {
      try {
        outputs_.push_back(eval(*out.value, all));
      } catch (const Unsupported& e) {
        outputs_.emplace_back();
        output_poison_.push_back(e.what());
        continue;
      }
      output_poison_.emplace_back();
    }
  }

  // The output's value, or throws Unsupported saying why it has none.
  const Val& output(std::size_t i) const {
    if (!outputs_.at(i)) throw Unsupported(output_poison_.at(i));
    return *outputs_[i];
  }
  z3::expr accepted() const {
    z3::expr_vector v(z_);
    for (unsigned i = 0; i < errors_.size(); ++i) v.push_back(errors_[i]);
    return v.empty() ? z_.bool_val(true) : !z3::mk_or(v);
  }
  const std::vector<std::string>& nonlinear() const { return nonlinear_; }
  const std::set<std::size_t>& nonlinear_fields() const { return nonlinear_fields_; }

  // For the overlap of two exceptions (compiler/layers.cpp): every way a row can
  // fail, and which of them is require `index` failing. Throws Unsupported when
  // the require could not be encoded.
  const z3::expr_vector& errors() const { return errors_; }
  unsigned require_error(std::size_t index) const {
    const auto at = require_error_at_.find(index);
    if (at == require_error_at_.end()) {
      const auto poisoned = poison_.find(fmt::format("{}:{}", static_cast<int>(ast::DeclKind::Require), index));
      throw Unsupported(poisoned != poison_.end() ? poisoned->second : std::string("the exceptions' conditions"));
    }
    return static_cast<unsigned>(at->second);
  }

 private:
  Val scalar(Kind kind, z3::expr e, std::uint16_t enum_id = 0) {
    Val v;
    v.type.kind = kind;
    v.type.enum_id = enum_id;
    v.e = e;
    return v;
  }

  void add_range(SharedField& sf) {
    auto between = [&](std::int64_t lo, std::int64_t hi) {
      shared_.assumptions.push_back(sf.value >= int_val(z_, lo) && sf.value <= int_val(z_, hi));
    };
    switch (sf.type.kind) {
      case Kind::Int: between(-999999999, 999999999); break;
      case Kind::Money: between(-99999999999999, 99999999999999); break;
      case Kind::Decimal: between(-999999999999999999, 999999999999999999); break;
      case Kind::Date: between(kFirstDay, kLastDay); break;
      case Kind::Enum: between(0, static_cast<std::int64_t>(sf.members->size()) - 1); break;
      default: break;
    }
  }

  void fail_if(const z3::expr& guard, const z3::expr& condition) { errors_.push_back(guard && condition); }
  z3::expr checked_result(const z3::expr& guard, const z3::expr& value) {
    fail_if(guard, !fits_int64(z_, value));
    return value;
  }

  void note_nonlinear(const Expr& e, const z3::expr& by) {
    nonlinear_.push_back(source_text(source_, e.location));
    collect_fields(by);
  }

  // The shared fields a term depends on, so a search can try small values for them.
  void collect_fields(const z3::expr& term) {
    std::vector<z3::expr> todo{term};
    std::set<unsigned> seen;
    while (!todo.empty()) {
      z3::expr t = todo.back();
      todo.pop_back();
      if (!seen.insert(t.id()).second) continue;
      if (t.is_const() && !t.is_numeral()) {
        for (std::size_t i = 0; i < shared_.fields.size(); ++i)
          if (z3::eq(shared_.fields[i].value, t)) nonlinear_fields_.insert(i);
        continue;
      }
      if (t.is_app())
        for (unsigned i = 0; i < t.num_args(); ++i) todo.push_back(t.arg(i));
    }
  }

  z3::expr widen(const Val& v, Kind to, const z3::expr& guard) {
    const int shift = kind_scale(to) - kind_scale(v.type.kind);
    if (shift == 0) return *v.e;
    return checked_result(guard, *v.e * pow10(z_, shift));
  }

  // A number or quotient as a quotient in `units`.
  std::pair<z3::expr, z3::expr> as_quotient(const Val& v, Kind units) {
    if (v.type.kind == Kind::Quotient) return {*v.e, *v.den};
    const int shift = kind_scale(units) - kind_scale(v.type.kind);
    return {*v.e * pow10(z_, shift), z_.int_val(1)};
  }

  z3::expr compare(const Val& a, const Val& b, ast::CompareOp op, const z3::expr& guard) {
    auto apply = [&](const z3::expr& x, const z3::expr& y) -> z3::expr {
      switch (op) {
        case ast::CompareOp::Lt: return x < y;
        case ast::CompareOp::Le: return x <= y;
        case ast::CompareOp::Gt: return x > y;
        case ast::CompareOp::Ge: return x >= y;
        case ast::CompareOp::Eq: return x == y;
        case ast::CompareOp::Ne: return x != y;
      }
      return x == y;
    };
    if (a.type.kind == Kind::Text || a.type.kind == Kind::Bool) return apply(*a.e, *b.e);
    if (a.type.kind == Kind::Quotient || b.type.kind == Kind::Quotient) {
      const Kind units = a.type.kind == Kind::Quotient ? a.type.element : b.type.element;
      const auto [an, ad] = as_quotient(a, units);
      const auto [bn, bd] = as_quotient(b, units);
      return apply(an * bd, bn * ad);
    }
    if (a.type.kind != b.type.kind && a.type.is_number() && b.type.is_number()) {
      const Kind wide = kind_scale(a.type.kind) >= kind_scale(b.type.kind) ? a.type.kind : b.type.kind;
      return apply(widen(a, wide, guard), widen(b, wide, guard));
    }
    return apply(*a.e, *b.e);
  }

  // round(n / d) to an integer with `mode`, d > 0; the VM's divide_rounded.
  z3::expr divide_rounded(const z3::expr& n, const z3::expr& d, RoundingMode mode) {
    // Z3's div/mod are Euclidean: for d > 0, f = floor(n / d) and 0 <= r < d.
    const z3::expr f = n / d;
    const z3::expr r = z3::mod(n, d);
    const z3::expr exact = r == 0;
    const z3::expr up = f + 1;
    const z3::expr twice = 2 * r;
    switch (mode) {
      case RoundingMode::Floor: return f;
      case RoundingMode::Ceiling: return z3::ite(exact, f, up);
      case RoundingMode::Down: return z3::ite(exact || n >= 0, f, up);
      case RoundingMode::Up: return z3::ite(exact || n < 0, f, up);
      case RoundingMode::HalfUp: return z3::ite(twice > d, up, z3::ite(twice < d, f, z3::ite(n > 0, up, f)));
      case RoundingMode::HalfDown: return z3::ite(twice > d, up, z3::ite(twice < d, f, z3::ite(n > 0, f, up)));
      case RoundingMode::HalfEven:
        return z3::ite(twice > d, up, z3::ite(twice < d, f, z3::ite(z3::mod(f, 2) == 0, f, up)));
    }
    return f;
  }

  Val binary(const Expr& e, const z3::expr& guard) {
    const Val a = eval(*e.args[0], guard);
    const Val b = eval(*e.args[1], guard);
    if (a.type.kind == Kind::Quotient || b.type.kind == Kind::Quotient)
      throw Unsupported(fmt::format("arithmetic on an unrounded division (`{}`)", source_text(source_, e.location)));
    const Kind ka = a.type.kind, kb = b.type.kind;
    const ValueType& result = e.checked.type;
    if (e.op == '/') {
      const int shift = kind_scale(kb) - kind_scale(ka) + kind_scale(result.element);
      if (!is_constant_term(*b.e)) note_nonlinear(e, *b.e);
      fail_if(guard, *b.e == 0);
      z3::expr num = shift >= 0 ? *a.e * pow10(z_, shift) : *a.e;
      z3::expr den = shift >= 0 ? *b.e : *b.e * pow10(z_, -shift);
      Val q;
      q.type = result;
      q.e = z3::ite(*b.e < 0, -num, num).simplify();
      q.den = z3::ite(*b.e < 0, -den, den).simplify();
      return q;
    }
    // A product of two unknowns is non-linear; the count side is what a search
    // can fix to small values.
    if (e.op == '*' && !is_constant_term(*a.e) && !is_constant_term(*b.e)) note_nonlinear(e, ka == Kind::Int ? *a.e : *b.e);
    if (result.kind == Kind::Quotient) {  // money * decimal, decimal * decimal
      const int shift = kind_scale(ka) + kind_scale(kb) - kind_scale(result.element);
      Val q;
      q.type = result;
      q.e = *a.e * *b.e;
      q.den = pow10(z_, shift);
      return q;
    }
    if (e.op == '*') return scalar(result.kind, checked_result(guard, *a.e * *b.e));
    const z3::expr x = widen(a, result.kind, guard), y = widen(b, result.kind, guard);
    return scalar(result.kind, checked_result(guard, e.op == '+' ? x + y : x - y));
  }

  Val call(const Expr& e, const z3::expr& guard) {
    const std::string& f = e.text;
    const ValueType& type = e.checked.type;
    if (f == "min" || f == "max") {
      z3::expr acc = *eval(*e.args[0], guard).e;
      for (std::size_t i = 1; i < e.args.size(); ++i) {
        const z3::expr next = *eval(*e.args[i], guard).e;
        acc = f == "min" ? z3::ite(next < acc, next, acc) : z3::ite(next > acc, next, acc);
      }
      Val v = scalar(type.kind, acc);
      v.type = type;
      return v;
    }
    if (f == "abs") {
      const Val a = eval(*e.args[0], guard);
      return scalar(type.kind, checked_result(guard, z3::ite(*a.e < 0, -*a.e, *a.e)));
    }
    if (f == "round") {
      const Kind units = type.kind;
      const int drop = kind_scale(units) - static_cast<int>(*e.args[1]->checked.constant);
      const auto mode = static_cast<RoundingMode>(e.args.size() == 3 ? e.args[2]->checked.index : 0);
      const Val x = eval(*e.args[0], guard);
      const auto [n, d] = as_quotient(x, units);
      const z3::expr unit = pow10(z_, drop);
      return scalar(units, checked_result(guard, divide_rounded(n, d * unit, mode) * unit));
    }
    if (f == "count" || f == "sum") {
      const Val list = eval(*e.args[0], guard);
      if (list.list_field >= 0)
        throw Unsupported(fmt::format("`{}` of a list field (`{}`): repeats and order in the cell would matter", f,
                                      source_text(source_, e.location)));
      z3::expr acc = z_.int_val(0);
      for (const auto& [included, value] : list.items) {
        acc = acc + z3::ite(included, f == "count" ? z_.int_val(1) : value, z_.int_val(0));
        if (f == "sum") fail_if(guard, !fits_int64(z_, acc));
      }
      return scalar(type.kind, acc);
    }
    if (f == "contains") {
      const Val list = eval(*e.args[0], guard);
      const Val value = eval(*e.args[1], guard);
      if (list.list_field >= 0) {
        const SharedField& sf = shared_.fields[static_cast<std::size_t>(list.list_field)];
        z3::expr any = z_.bool_val(false);
        for (std::size_t m = 0; m < sf.has.size(); ++m)
          any = any || (sf.has[m] && *value.e == z_.int_val(static_cast<int>(m)));
        return scalar(Kind::Bool, sf.present && any);
      }
      z3::expr any = z_.bool_val(false);
      for (const auto& [included, item] : list.items) any = any || (included && item == *value.e);
      return scalar(Kind::Bool, any);
    }
    throw Unsupported(fmt::format("the function `{}`", f));
  }

  Val slot(const std::optional<Val>& value, ast::DeclKind kind, std::size_t index) {
    if (!value) throw Unsupported(poison_[fmt::format("{}:{}", static_cast<int>(kind), index)]);
    return *value;
  }

  Val field(std::uint32_t index) {
    const FieldDef& f = checked_.fields[index];
    const std::size_t shared_index = field_map_[index];
    const SharedField& sf = shared_.fields[shared_index];
    Val v;
    v.type = f.type;
    if (f.type.kind == Kind::List) {
      v.list_field = static_cast<int>(shared_index);
      return v;
    }
    if (f.has_default) {
      const z3::expr fallback = f.type.kind == Kind::Text   ? z_.string_val(f.default_text)
                                : f.type.kind == Kind::Bool ? z_.bool_val(f.default_scalar != 0)
                                                            : int_val(z_, f.default_scalar);
      v.e = z3::ite(sf.present, sf.value, fallback);
    } else {
      v.e = sf.value;
    }
    return v;
  }

  Val constant(const Expr& e) {
    const ValueType& t = e.checked.type;
    if (t.kind == Kind::Bool) return scalar(Kind::Bool, z_.bool_val(*e.checked.constant != 0));
    return scalar(t.kind, int_val(z_, *e.checked.constant), t.enum_id);
  }

  Val eval(const Expr& e, const z3::expr& guard) {
    Val v = eval_inner(e, guard);
    if (v.type.kind != Kind::List && v.type.kind != Kind::Quotient) {
      v.type.kind = e.checked.type.kind;
      v.type.enum_id = e.checked.type.enum_id;
    }
    return v;
  }

  Val eval_inner(const Expr& e, const z3::expr& guard) {
    const auto& c = e.checked;
    if (c.constant && c.type.is_scalar()) return constant(e);
    switch (e.tag) {
      case ExprTag::String: return scalar(Kind::Text, z_.string_val(e.text));
      case ExprTag::Name:
      case ExprTag::Member:
        switch (c.symbol) {
          case ast::SymbolKind::Field: return field(c.index);
          case ast::SymbolKind::Param: return scalar(Kind::Text, z_.string_val(checked_.params[c.index].text_value));
          case ast::SymbolKind::Let: return slot(lets_.at(c.index), ast::DeclKind::Let, c.index);
          case ast::SymbolKind::Rule: return slot(rules_.at(c.index), ast::DeclKind::Rule, c.index);
          case ast::SymbolKind::Decide: return slot(decides_.at(c.index), ast::DeclKind::Decide, c.index);
          case ast::SymbolKind::TableColumn: {
            const auto& columns = tables_.at(c.index);
            if (columns.empty()) throw Unsupported(poison_[fmt::format("{}:{}", static_cast<int>(ast::DeclKind::Table), c.index)]);
            return columns.at(c.column);
          }
          case ast::SymbolKind::Output: return output(c.index);
          default: break;
        }
        break;
      case ExprTag::Negate: {
        const Val a = eval(*e.args[0], guard);
        return scalar(c.type.kind, checked_result(guard, -*a.e));
      }
      case ExprTag::Not: return scalar(Kind::Bool, !*eval(*e.args[0], guard).e);
      case ExprTag::And:
      case ExprTag::Or: {
        const bool is_and = e.tag == ExprTag::And;
        const z3::expr a = *eval(*e.args[0], guard).e;
        // The right side runs only where the left leaves the answer open (when it can fail).
        const z3::expr b = *eval(*e.args[1], guard && (is_and ? a : !a)).e;
        return scalar(Kind::Bool, is_and ? (a && b) : (a || b));
      }
      case ExprTag::Binary: return binary(e, guard);
      case ExprTag::Compare: {
        const Val a = eval(*e.args[0], guard);
        const Val b = eval(*e.args[1], guard);
        return scalar(Kind::Bool, compare(a, b, e.compare, guard));
      }
      case ExprTag::IsMissing: {
        const SharedField& sf = shared_.fields[field_map_[e.args[0]->checked.index]];
        return scalar(Kind::Bool, e.negated ? sf.present : !sf.present);
      }
      case ExprTag::IsMember: {
        const Val a = eval(*e.args[0], guard);
        const z3::expr member = z_.int_val(static_cast<int>(c.index));
        return scalar(Kind::Bool, e.negated ? *a.e != member : *a.e == member);
      }
      case ExprTag::Default: {
        const std::uint32_t index = e.args[0]->checked.index;
        const SharedField& sf = shared_.fields[field_map_[index]];
        const Val value = field(index);
        const Val fallback = eval(*e.args[1], guard && !sf.present);
        Val v = value;
        v.e = z3::ite(sf.present, *value.e, *fallback.e);
        return v;
      }
      case ExprTag::Call: return call(e, guard);
      default: break;
    }
    throw Unsupported(fmt::format("the expression `{}`", source_text(source_, e.location)));
  }

  z3::expr fresh(const ValueType& type, const std::string& hint) {
    const std::string name = fmt::format("stale:{}:{}:{}", static_cast<const void*>(this), hint, fresh_++);
    if (type.kind == Kind::Bool) return z_.bool_const(name.c_str());
    if (type.kind == Kind::Text) return z_.string_const(name.c_str());
    return z_.int_const(name.c_str());
  }

  void decide(const ast::DecideDecl& d, std::size_t index) {
    // Built back to front: the first `when` that holds decides.
    std::vector<std::pair<z3::expr, Val>> branches;
    z3::expr open = z_.bool_val(true);
    for (const auto& branch : d.branches) {
      const z3::expr holds = *eval(*branch.condition, open).e;
      branches.emplace_back(holds, eval(*branch.outcome, open && holds));
      open = open && !holds;
    }
    Val result = eval(*d.otherwise, open);
    for (auto it = branches.rbegin(); it != branches.rend(); ++it) result.e = z3::ite(it->first, *it->second.e, *result.e);
    result.type = checked_.decide_types[index];
    decides_[index] = result;
  }

  z3::expr cell_test(const ast::TableDecl& t, const ast::TableCell& cell, std::size_t column,
                     const std::vector<std::optional<Val>>& inputs, const z3::expr& guard) {
    if (t.columns[column].kind == ast::ColumnKind::Condition) return *eval(*cell.values[0], guard).e;
    const Val& input = *inputs[column];
    if (cell.kind == ast::CellKind::Compare) return compare(input, eval(*cell.values[0], guard), cell.compare, guard);
    z3::expr any = z_.bool_val(false);
    for (const auto& value : cell.values) any = any || compare(input, eval(*value, guard), ast::CompareOp::Eq, guard);
    return any;
  }

  void table(const ast::TableDecl& t, std::size_t index) {
    const CheckedTable& info = checked_.tables[index];
    if (info.aggregate != TableAggregate::None || info.hit == HitPolicy::Priority)
      throw Unsupported(fmt::format("table `{}` is `{}`, which the witness search does not model yet", t.name,
                                    hit_policy_name(info)));
    // unique and any: every row is tested, the first matching row gives the
    // values, and a second match (any: one that disagrees) fails the household.
    const bool checked_rows = info.hit == HitPolicy::Unique || info.hit == HitPolicy::Any;
    constexpr std::size_t kMaxCheckedRows = 200;  // the pairs grow as the square
    if (checked_rows && t.rows.size() > kMaxCheckedRows)
      throw Unsupported(fmt::format("table `{}` is `{}` with {} rows, more than the witness search compares pairwise",
                                    t.name, hit_policy_name(info), t.rows.size()));
    std::vector<z3::expr> matched;
    std::vector<std::map<std::uint32_t, Val>> row_values;
    const z3::expr on = t.guard ? *eval(*t.guard, z_.bool_val(true)).e : z_.bool_val(true);
    std::vector<std::optional<Val>> inputs(t.columns.size());
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      if (t.columns[c].kind == ast::ColumnKind::Input) inputs[c] = eval(*t.columns[c].input, on);
    std::map<std::uint32_t, Val> columns;
    std::map<std::uint32_t, std::vector<std::pair<z3::expr, Val>>> hits;  // first: (matched here, value)
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].kind != ast::ColumnKind::Output) continue;
      Val v;
      v.type = info.collect ? list_of(info.column_types[c]) : info.column_types[c];
      columns[static_cast<std::uint32_t>(c)] = v;
    }
    z3::expr open = on;
    for (const auto& row : t.rows) {
      const z3::expr row_guard = info.collect || checked_rows ? on : open;
      z3::expr all = z_.bool_val(true);
      for (std::size_t c = 0; c < row.cells.size(); ++c) {
        const ast::TableCell& cell = row.cells[c];
        if (t.columns[c].kind == ast::ColumnKind::Output || cell.kind == ast::CellKind::Any) continue;
        all = all && cell_test(t, cell, c, inputs, row_guard && all);
      }
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        if (t.columns[c].kind != ast::ColumnKind::Output) continue;
        const Val value = eval(*row.cells[c].values[0], row_guard && all);
        if (info.collect) columns[static_cast<std::uint32_t>(c)].items.emplace_back(on && all, *value.e);
        else hits[static_cast<std::uint32_t>(c)].emplace_back(all, value);
        if (checked_rows) {
          if (row_values.size() < matched.size() + 1) row_values.resize(matched.size() + 1);
          row_values[matched.size()][static_cast<std::uint32_t>(c)] = value;
        }
      }
      if (checked_rows) {
        if (row_values.size() < matched.size() + 1) row_values.resize(matched.size() + 1);
        for (std::size_t i = 0; i < matched.size(); ++i) {
          z3::expr conflict = matched[i] && all;
          if (info.hit == HitPolicy::Any) {
            z3::expr differ = z_.bool_val(false);
            for (const auto& [c, v] : row_values.back()) differ = differ || (*v.e != *row_values[i].at(c).e);
            conflict = conflict && differ;
          }
          fail_if(on, conflict);
        }
        matched.push_back(all);
      }
      if (!info.collect) open = open && !all;
    }
    if (!info.collect) {
      fail_if(open, z_.bool_val(true));  // no row applies
      for (auto& [c, v] : columns) {
        // Off the guard the VM leaves the register as an earlier row left it: unknown here.
        z3::expr value = fresh(v.type, t.name);
        const auto& rows = hits[c];
        for (auto it = rows.rbegin(); it != rows.rend(); ++it) value = z3::ite(it->first, *it->second.e, value);
        v.e = value;
      }
    }
    tables_[index] = std::move(columns);
  }

  z3::context& z_;
  Shared& shared_;
  const ast::PolicyFile& file_;
  const CheckedPolicy& checked_;
  std::string_view source_;
  z3::expr_vector errors_;
  std::vector<std::size_t> field_map_;
  std::vector<std::optional<Val>> lets_, rules_, decides_;
  std::vector<std::map<std::uint32_t, Val>> tables_;
  std::vector<std::optional<Val>> outputs_;
  std::vector<std::string> output_poison_;
  std::map<std::string, std::string> poison_;
  std::vector<std::string> nonlinear_;
  std::set<std::size_t> nonlinear_fields_;
  std::map<std::size_t, std::size_t> require_error_at_;  // require index -> errors_ position
  int fresh_ = 0;
};

// A version as the caller compiled and checked it.
using Version = WitnessVersion;

// An enum value as an index into `to`'s members: members `to` lacks map to
// distinct negative numbers so they never equal anything of `to`.
z3::expr reindex(z3::context& z, const z3::expr& value, const std::vector<std::string>& from,
                 const std::vector<std::string>& to) {
  if (from == to) return value;
  z3::expr result = z.int_val(-1);
  for (std::size_t i = 0; i < from.size(); ++i) {
    const auto found = std::find(to.begin(), to.end(), from[i]);
    const int target = found == to.end() ? -2 - static_cast<int>(i) : static_cast<int>(found - to.begin());
    result = z3::ite(value == z.int_val(static_cast<int>(i)), z.int_val(target), result);
  }
  return result;
}

z3::expr as_sequence(z3::context& z, const Val& list, const std::function<z3::expr(const z3::expr&)>& map) {
  const z3::sort int_sort = z.int_sort();
  z3::sort seq = z.seq_sort(const_cast<z3::sort&>(int_sort));
  z3::expr empty(z, Z3_mk_seq_empty(z, seq));
  z3::expr result = empty;
  for (const auto& [included, item] : list.items) result = z3::concat(result, z3::ite(included, map(item).unit(), empty));
  return result;
}

// old == new for one output, comparing enums by member name.
z3::expr same_value(z3::context& z, const Val& a, const Version& va, const Val& b, const Version& vb,
                    const std::string& output) {
  if (a.type.kind != b.type.kind || (a.type.kind == Kind::List && a.type.element != b.type.element))
    throw Unsupported(fmt::format("output `{}` changed its type ({} to {}), so its values print differently",
                                  output, type_name(a.type, va.checked.enums), type_name(b.type, vb.checked.enums)));
  const bool is_enum = a.type.kind == Kind::Enum || (a.type.kind == Kind::List && a.type.element == Kind::Enum);
  auto map = [&](const z3::expr& x) {
    return is_enum ? reindex(z, x, va.checked.enums[a.type.enum_id].members, vb.checked.enums[b.type.enum_id].members) : x;
  };
  switch (a.type.kind) {
    case Kind::List: {
      if (a.list_field >= 0 || b.list_field >= 0)
        throw Unsupported(fmt::format("output `{}` is a list field", output));
      return as_sequence(z, a, map) == as_sequence(z, b, [](const z3::expr& x) { return x; });
    }
    case Kind::Quotient: throw Unsupported(fmt::format("output `{}` is an unrounded division", output));
    default: return map(*a.e) == *b.e;
  }
}

std::string cell_text(const SharedField& f, const z3::model& m) {
  if (f.may_be_empty && !m.eval(f.present, true).is_true()) return {};
  std::string out;
  if (f.type.kind == Kind::List) {
    for (std::size_t i = 0; i < f.has.size(); ++i)
      if (m.eval(f.has[i], true).is_true()) out += (out.empty() ? "" : ";") + (*f.members)[i];
    return out;
  }
  const z3::expr v = m.eval(f.value, true);
  if (f.type.kind == Kind::Bool) return v.is_true() ? "1" : "0";
  if (f.type.kind == Kind::Text) return v.get_string();
  std::int64_t n = 0;
  if (!v.is_numeral_i64(n)) return {};
  switch (f.type.kind) {
    case Kind::Int: append_int(out, n); break;
    case Kind::Money: append_money(out, n); break;
    case Kind::Decimal: append_decimal(out, n); break;
    case Kind::Date: append_date(out, n); break;
    case Kind::Enum:
      if (n >= 0 && static_cast<std::size_t>(n) < f.members->size()) out = (*f.members)[static_cast<std::size_t>(n)];
      break;
    default: break;
  }
  return out;
}

std::string shown_result(const Outcome& outcome, std::size_t index) {
  if (!outcome.ok) return "rejected: " + outcome.error + (outcome.column.empty() ? "" : " (column `" + outcome.column + "`)");
  return outcome.values.at(index);
}

std::string ranges_note() {
  return "fields range over what the CSV reader accepts (int: 9 digits, money: 12 digits and 2 decimals, decimal: "
         "12 digits and 6 decimals, dates 1900-01-01 to 9999-12-31) and their `where` checks; households either version "
         "rejects (a failed check or `require`, no table row, overflow, division by zero) are not compared";
}

}  // namespace

std::vector<OutputWitness> find_witnesses(const WitnessVersion& old_version, const WitnessVersion& new_version,
                                          const WitnessOptions& options) {
  std::vector<OutputWitness> results;
  SolverBudget own_budget;
  SolverBudget& budget = options.budget ? *options.budget : own_budget;

  // Common outputs, in the new version's order.
  std::vector<std::pair<std::size_t, std::size_t>> common;  // (old index, new index)
  for (std::size_t n = 0; n < new_version.checked.outputs.size(); ++n)
    for (std::size_t o = 0; o < old_version.checked.outputs.size(); ++o)
      if (old_version.checked.outputs[o].name == new_version.checked.outputs[n].name) common.emplace_back(o, n);

  auto all_unknown = [&](const std::string& reason) {
    for (const auto& [o, n] : common) {
      OutputWitness w;
      w.output = new_version.checked.outputs[n].name;
      w.reason = reason;
      results.push_back(std::move(w));
    }
    return results;
  };

  z3::context z;
  Shared shared(z);
  Meter meter(budget);
  Translator old_t(shared, old_version.file, old_version.checked, old_version.source);
  Translator new_t(shared, new_version.file, new_version.checked, new_version.source);
  // Translation is all or nothing: an unsupported construct anywhere may feed any output.
  std::string unsupported;
  try {
    new_t.run();
    old_t.run();
  } catch (const Unsupported& e) {
    unsupported = e.what();
  } catch (const z3::exception& e) {
    unsupported = std::string("the solver rejected the encoding: ") + e.msg();
  }
  if (!unsupported.empty()) return all_unknown("not decided: the witness search does not support " + unsupported);

  shared.assume_readable_cells();

  Evaluator old_eval(old_version.policy), new_eval(new_version.policy);
  const auto old_names = old_version.policy.output_names(), new_names = new_version.policy.output_names();
  std::vector<std::string> nonlinear = old_t.nonlinear();
  nonlinear.insert(nonlinear.end(), new_t.nonlinear().begin(), new_t.nonlinear().end());
  std::set<std::size_t> nonlinear_fields = old_t.nonlinear_fields();
  nonlinear_fields.insert(new_t.nonlinear_fields().begin(), new_t.nonlinear_fields().end());

  // A household exactly one version rejects, asked once for all outputs. Only a
  // household the evaluators confirm counts; otherwise the comparison stays over
  // the households both accept, as the SameForAll note says.
  struct Rejection {
    std::vector<std::pair<std::string, std::string>> household;
    Outcome before, after;
  };
  std::optional<std::optional<Rejection>> rejection;
  auto rejection_witness = [&]() -> const std::optional<Rejection>& {
    if (rejection) return *rejection;
    rejection.emplace();
    try {
      z3::solver solver = shared.solver();
      solver.add(old_t.accepted() != new_t.accepted());
      if (meter.check(solver, options.resource_limit).result == z3::sat) {
        const z3::model model = solver.get_model();
        Rejection r;
        for (const auto& f : shared.fields) r.household.emplace_back(f.name, cell_text(f, model));
        r.before = old_eval.evaluate(r.household);
        r.after = new_eval.evaluate(r.household);
        if (r.before.ok != r.after.ok) *rejection = std::move(r);
      }
    } catch (const z3::exception&) {
    }
    return *rejection;
  };

  // One solver for every output, each question pushed and popped: asserting both
  // versions again per output is work Z3 barely counts (and its one-shot
  // solving of non-linear questions counts work differently from run to run).
  z3::solver solver = shared.solver();
  solver.add(old_t.accepted());
  solver.add(new_t.accepted());
  for (const auto& [o, n] : common) {
    OutputWitness w;
    w.output = new_version.checked.outputs[n].name;
    if (budget.left() == 0) {
      w.out_of_budget = true;
      w.reason = out_of_budget_reason(budget);
      results.push_back(std::move(w));
      continue;
    }
    try {
      const z3::expr differ =
          !same_value(z, old_t.output(o), old_version, new_t.output(n), new_version, w.output);
      const Scope question(solver);
      solver.add(differ);
      const Meter::Answer asked = meter.check(solver, options.resource_limit);
      z3::check_result answer = asked.result;
      w.out_of_budget = asked.out_of_budget;
      std::string why_unknown = answer == z3::unknown && !asked.out_of_budget ? solver.reason_unknown() : "";
      // Non-linear questions are often undecided in general but easy once the
      // divisors are fixed; a household found that way is still a real one.
      if (answer == z3::unknown && !w.out_of_budget && !nonlinear_fields.empty()) {
        for (int value : {1, 2, 3, 4, 5, 7}) {
          solver.push();
          for (std::size_t f : nonlinear_fields)
            if (shared.fields[f].type.kind == Kind::Int) solver.add(shared.fields[f].value == value);
          const Meter::Answer fixed = meter.check(solver, options.resource_limit / 4 + 1);
          if (fixed.result == z3::sat) {
            answer = z3::sat;
            break;  // the question's scope pops this one too, after the model is read
          }
          solver.pop();
          // A value left unsearched might have shown a difference.
          if (fixed.out_of_budget) {
            w.out_of_budget = true;
            break;
          }
        }
      }
      if (answer == z3::unsat) {
        const auto& rejected = rejection_witness();
        if (rejected) {
          // Equal wherever both accept, but one version rejects a household the other
          // takes: that is a different result too, and it has been run to show it.
          w.verdict = Verdict::Differs;
          w.household = rejected->household;
          w.old_value = shown_result(rejected->before, static_cast<std::size_t>(std::find(old_names.begin(), old_names.end(), w.output) - old_names.begin()));
          w.new_value = shown_result(rejected->after, static_cast<std::size_t>(std::find(new_names.begin(), new_names.end(), w.output) - new_names.begin()));
          w.reason = "equal on every household both versions accept; this household is rejected by only one of them";
        } else {
          w.verdict = Verdict::SameForAll;
          w.reason = "the same for every household: " + ranges_note();
        }
      } else if (answer == z3::sat) {
        const z3::model model = solver.get_model();
        for (const auto& f : shared.fields) w.household.emplace_back(f.name, cell_text(f, model));
        const Outcome before = old_eval.evaluate(w.household);
        const Outcome after = new_eval.evaluate(w.household);
        const std::size_t oi = static_cast<std::size_t>(std::find(old_names.begin(), old_names.end(), w.output) - old_names.begin());
        const std::size_t ni = static_cast<std::size_t>(std::find(new_names.begin(), new_names.end(), w.output) - new_names.begin());
        w.old_value = shown_result(before, oi);
        w.new_value = shown_result(after, ni);
        if (w.old_value != w.new_value) {
          w.verdict = Verdict::Differs;
        } else {
          w.verdict = Verdict::Unknown;
          w.reason = fmt::format("the solver's household did not reproduce the difference when run (both give `{}`); "
                                 "the encoding is wrong somewhere, so nothing is claimed",
                                 w.old_value);
          w.household.clear();
        }
      } else if (w.out_of_budget) {
        w.verdict = Verdict::Unknown;
        w.reason = out_of_budget_reason(budget);
      } else {
        w.verdict = Verdict::Unknown;
        if (!nonlinear.empty()) {
          std::string list;
          for (const auto& text : nonlinear) list += (list.empty() ? "`" : ", `") + text + "`";
          w.reason = fmt::format("the solver could not decide within its work limit ({} steps): the logic is "
                                 "non-linear ({}), which it does not always decide ({})",
                                 options.resource_limit, list, why_unknown);
        } else {
          w.reason = fmt::format("the solver could not decide within its work limit ({} steps) ({})",
                                 options.resource_limit, why_unknown);
        }
      }
    } catch (const Unsupported& e) {
      w.verdict = Verdict::Unknown;
      w.reason = std::string("not decided: ") + e.what();
    } catch (const z3::exception& e) {
      w.verdict = Verdict::Unknown;
      w.reason = std::string("not decided: the solver failed: ") + e.msg();
    }
    results.push_back(std::move(w));
  }
  return results;
}

std::vector<Overlap> find_overlaps(const ast::PolicyFile& file, const CheckedPolicy& checked,
                                   std::string_view source, const std::vector<std::size_t>& requires_broken,
                                   SolverBudget& budget, unsigned resource_limit) {
  std::vector<Overlap> answers(requires_broken.size());
  try {
    z3::context z;
    Shared shared(z);
    Meter meter(budget);
    Translator translator(shared, file, checked, source);
    translator.run();
    shared.assume_readable_cells();
    // One solver for every pair: each question assumes that one require fails and
    // every other check passes. Asserting the whole policy again for each pair
    // made the work grow with the square of the pairs, and Z3 counts little of it.
    const z3::expr_vector& errors = translator.errors();
    z3::solver solver = shared.solver();
    std::vector<z3::expr> fails;
    for (unsigned k = 0; k < errors.size(); ++k) {
      fails.push_back(z.bool_const(fmt::format("error:{}", k).c_str()));
      solver.add(fails.back() == errors[k]);
    }
    for (std::size_t i = 0; i < requires_broken.size(); ++i) {
      Overlap& answer = answers[i];
      // Setting a question up is work too: none once nothing is left.
      if (budget.left() == 0) {
        answer.out_of_budget = true;
        answer.reason = out_of_budget_reason(budget);
        continue;
      }
      try {
        const unsigned broken = translator.require_error(requires_broken[i]);
        z3::expr_vector only_it(z);
        for (unsigned k = 0; k < fails.size(); ++k) only_it.push_back(k == broken ? fails[k] : !fails[k]);
        const Meter::Answer asked = meter.check(solver, resource_limit, &only_it);
        const z3::check_result result = asked.result;
        if (asked.out_of_budget) {
          answer.out_of_budget = true;
          answer.reason = out_of_budget_reason(budget);
        } else if (result == z3::sat) {
          const z3::model model = solver.get_model();
          answer.verdict = Verdict::Differs;
          for (const auto& f : shared.fields) answer.household.emplace_back(f.name, cell_text(f, model));
        } else if (result == z3::unsat) {
          answer.verdict = Verdict::SameForAll;
        } else {
          answer.reason = solver.reason_unknown();
        }
      } catch (const Unsupported& e) {
        answer.reason = e.what();
      }
    }
  } catch (const Unsupported& e) {
    for (auto& answer : answers) answer.reason = e.what();
  } catch (const z3::exception& e) {
    for (auto& answer : answers) answer.reason = std::string("the solver failed: ") + e.msg();
  }
  return answers;
}

std::string out_of_budget_note(const std::vector<OutputWitness>& witnesses, const SolverBudget& budget) {
  std::string names;
  for (const auto& w : witnesses)
    if (w.out_of_budget) names += (names.empty() ? "`" : ", `") + w.output + "`";
  if (names.empty()) return {};
  return fmt::format("the solver budget ({} units) was spent before {} could be decided; raise it with "
                     "`--solver-budget` (e.g. {}) to decide them",
                     budget.total(), names, budget.raised());
}

}  // namespace precept::analysis
