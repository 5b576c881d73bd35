// what_if_source() (precept/policy.hpp): a what-if as the source of a layer
// that overrides parameters, so that it compiles, explains and diffs as any
// layer an officer writes.
#include <precept/policy.hpp>

#include "expr_printer.hpp"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

namespace precept {

std::string what_if_source(const Policy& policy, const std::string& parent_path,
                           const std::vector<ParamOverride>& overrides) {
  const Schema& schema = policy.schema();
  std::string out = fmt::format("policy {} place {} year {} extends {}\n", quoted_text(policy.name()),
                                quoted_text(policy.place()), policy.year(), quoted_text(parent_path));
  std::set<std::string_view> seen;
  for (const ParamOverride& o : overrides) {
    const auto index = schema.param_index(o.name);
    if (!index) throw std::invalid_argument(fmt::format("the policy has no parameter `{}`", o.name));
    if (!seen.insert(o.name).second)
      throw std::invalid_argument(fmt::format("parameter `{}` is given two values", o.name));
    const ValueKind kind = schema.params[*index].kind;
    // A value that would run into the next line, a comment or a text is not
    // a value of its type: written as a text, the compiler refuses it there.
    const bool plain = o.value.find_first_of("\n\r#\"") == std::string::npos;
    std::string literal;
    if (kind == ValueKind::Text || !plain) literal = quoted_text(o.value);
    else if (kind == ValueKind::Money) literal = o.value + " yuan";
    else literal = o.value;
    out += fmt::format("override param {} = {}\n", o.name, literal);
  }
  return out;
}

}  // namespace precept
