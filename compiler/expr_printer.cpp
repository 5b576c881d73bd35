#include "expr_printer.hpp"

#include <fmt/format.h>

namespace precept {

namespace {

using ast::Expr;
using ast::ExprTag;

// Binding strength, as grammar/Precept.g4 orders rule `expr` (an earlier
// alternative binds tighter): `-` > `* /` > `+ -` > `if missing` > `is missing`
// > `is NAME` > comparisons > `not` > `and` > `or`.
int strength(const Expr& e) {
  switch (e.tag) {
    case ExprTag::Or: return 0;
    case ExprTag::And: return 1;
    case ExprTag::Not: return 2;
    case ExprTag::Compare: return 3;
    case ExprTag::IsMember: return 4;
    case ExprTag::IsMissing: return 5;
    case ExprTag::Default: return 6;
    case ExprTag::Binary: return e.op == '*' || e.op == '/' ? 8 : 7;
    case ExprTag::Negate: return 9;
    default: return 10;
  }
}

std::string number_text(const Expr& e, ExprSpelling spelling) {
  std::string digits = e.text;
  if (spelling == ExprSpelling::Canonical && digits.find('.') != std::string::npos) {
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (!digits.empty() && digits.back() == '.') digits.pop_back();
  }
  if (e.is_percent) digits += '%';
  if (!e.unit.empty()) digits.append(" ").append(e.unit);
  return digits;
}

class Printer {
 public:
  explicit Printer(ExprSpelling spelling) : spelling_(spelling) {}

  // `e`, parenthesised when it binds less tightly than `at_least`. Binary
  // operators are left-associative: the right operand needs one more.
  std::string print(const Expr& e, int at_least) const {
    const std::string text = inner(e);
    return strength(e) < at_least ? fmt::format("({})", text) : text;
  }

 private:
  std::string inner(const Expr& e) const {
    auto arg = [&](std::size_t i, int at_least) { return i < e.args.size() ? print(*e.args[i], at_least) : std::string(); };
    const int own = strength(e);
    switch (e.tag) {
      case ExprTag::Number: return number_text(e, spelling_);
      case ExprTag::String: return quoted_text(e.text);
      case ExprTag::Date: return e.text;
      case ExprTag::Bool: return e.bool_value ? "true" : "false";
      case ExprTag::Name: return e.text;
      case ExprTag::Member: return fmt::format("{}.{}", e.text, e.member);
      case ExprTag::Call: {
        std::string out = e.text;
        for (std::size_t i = 0; i < e.args.size(); ++i) out.append(i ? ", " : "(").append(print(*e.args[i], 0));
        return out.append(e.args.empty() ? "()" : ")");
      }
      case ExprTag::Negate: return fmt::format("-{}", arg(0, own));
      case ExprTag::Not: return fmt::format("not {}", arg(0, own));
      case ExprTag::Binary: return fmt::format("{} {} {}", arg(0, own), e.op, arg(1, own + 1));
      case ExprTag::Compare: return fmt::format("{} {} {}", arg(0, own), ast::compare_text(e.compare), arg(1, own + 1));
      case ExprTag::And: return fmt::format("{} and {}", arg(0, own), arg(1, own + 1));
      case ExprTag::Or: return fmt::format("{} or {}", arg(0, own), arg(1, own + 1));
      case ExprTag::IsMissing: return fmt::format("{} is {}", arg(0, own), e.negated ? "present" : "missing");
      case ExprTag::IsMember: return fmt::format("{} is {}{}", arg(0, own), e.negated ? "not " : "", e.text);
      case ExprTag::Default: return fmt::format("{} if missing {}", arg(0, own), arg(1, own + 1));
    }
    return {};
  }

  ExprSpelling spelling_;
};

}  // namespace

std::string print_expr(const Expr& expr, ExprSpelling spelling) { return Printer(spelling).print(expr, 0); }

std::string quoted_text(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\t') {
      out += "\\t";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace precept
