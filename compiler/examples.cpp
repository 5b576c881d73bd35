#include "examples.hpp"

#include "numeric.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace precept {

namespace {

using ast::Expr;
using ast::ExprTag;

// A value written in an example, as a scaled integer of `type` (a scalar) or a
// text. Examples hold literals only: a household is data, not a formula.
struct Literal {
  std::int64_t scalar = 0;
  std::string text;
};

class ExampleChecker {
 public:
  ExampleChecker(const ast::PolicyFile& file, const CheckedPolicy& checked, DiagnosticSink& sink)
      : file_(file), checked_(checked), sink_(sink) {}

  void run(std::vector<ExampleDef>& out) {
    for (const auto& example : file_.examples) {
      ExampleDef def;
      def.label = example.label;
      def.line = example.location.line;
      def.cells.assign(checked_.fields.size(), std::string());
      for (std::size_t f = 0; f < checked_.fields.size(); ++f) def.cells[f] = zero_cell(checked_.fields[f]);
      std::vector<bool> given(checked_.fields.size(), false);
      for (const auto& binding : example.given) {
        const auto field = field_index(binding.name);
        if (!field) {
          sink_.error(binding.location, sink_.say<MessageId::not_a_field>(binding.name),
                      hint_for(binding.name, field_names(), sink_.say<MessageId::given_names_fields_hint>()));
          continue;
        }
        if (given[*field]) {
          sink_.error(binding.location, sink_.say<MessageId::given_twice>(binding.name),
                      sink_.say<MessageId::given_twice_hint>());
          continue;
        }
        given[*field] = true;
        if (auto text = value_text(binding, checked_.fields[*field].type, /*csv=*/true)) def.cells[*field] = *text;
      }
      def.expect_rejected = example.expect_rejected;
      def.rejected_reason = example.rejected_reason;
      for (const auto& binding : example.expect) {
        const auto type = expected_type(binding.name);
        if (!type) {
          sink_.error(binding.location, sink_.say<MessageId::not_expectable>(binding.name),
                      hint_for(binding.name, value_names(), sink_.say<MessageId::expect_names_values_hint>()));
          continue;
        }
        if (auto text = value_text(binding, *type, /*csv=*/false))
          def.expect.push_back({binding.name, binding.location.line, *text});
      }
      out.push_back(std::move(def));
    }
  }

 private:
  // A field the example does not give: empty when the CSV reader fills it in (a
  // default, or missing for an optional field), else the type's zero.
  std::string zero_cell(const FieldDef& field) const {
    if (field.has_default || field.optional) return "";
    switch (field.type.kind) {
      case Kind::Bool: return "0";
      case Kind::Int: return "0";
      case Kind::Money: return "0.00";
      case Kind::Decimal: return "0";
      case Kind::Date: return "1970-01-01";
      case Kind::Enum: return checked_.enums[field.type.enum_id].members.front();
      default: return "";
    }
  }

  std::optional<std::size_t> field_index(const std::string& name) const {
    for (std::size_t f = 0; f < checked_.fields.size(); ++f)
      if (checked_.fields[f].name == name) return f;
    return std::nullopt;
  }

  std::vector<std::string> field_names() const {
    std::vector<std::string> names;
    for (const auto& f : checked_.fields) names.push_back(f.name);
    return names;
  }

  std::vector<std::string> value_names() const {
    std::vector<std::string> names;
    for (const auto& o : checked_.outputs) names.push_back(o.name);
    for (const auto& d : file_.rules) names.push_back(d.name);
    for (const auto& d : file_.lets) names.push_back(d.name);
    for (const auto& d : file_.decides) names.push_back(d.name);
    for (const auto& d : file_.tables) names.push_back(d.name);
    return names;
  }

  Message hint_for(const std::string& name, const std::vector<std::string>& candidates, Message otherwise) const {
    Message close = did_you_mean(sink_.language(), name, candidates);
    return close.empty() ? otherwise : close;
  }

  // The type an expected name has: an output first (what the results show),
  // then a rule, let or decide; a table stands for its first output column.
  std::optional<ValueType> expected_type(const std::string& name) const {
    for (const auto& o : checked_.outputs)
      if (o.name == name) return o.type;
    for (const auto& d : file_.rules)
      if (d.name == name) return ValueType{};
    for (std::size_t i = 0; i < file_.lets.size(); ++i)
      if (file_.lets[i].name == name) return checked_.let_types[i];
    for (std::size_t i = 0; i < file_.decides.size(); ++i)
      if (file_.decides[i].name == name) return checked_.decide_types[i];
    for (std::size_t i = 0; i < file_.tables.size(); ++i) {
      if (file_.tables[i].name != name) continue;
      for (std::size_t c = 0; c < file_.tables[i].columns.size(); ++c)
        if (file_.tables[i].columns[c].kind == ast::ColumnKind::Output) {
          const ValueType& column = checked_.tables[i].column_types[c];
          return checked_.tables[i].collect ? list_of(column) : column;
        }
    }
    return std::nullopt;
  }

  std::string type_words(const ValueType& type) const { return type_name(type, checked_.enums, sink_.language()); }

  // The value as a CSV cell (csv: bools 0/1) or as the results print it.
  std::optional<std::string> value_text(const ast::ExampleBinding& binding, const ValueType& type, bool csv) {
    if (type.kind == Kind::List) {
      if (!binding.is_list) {
        sink_.error(binding.location, sink_.say<MessageId::example_list_brackets>(binding.name, type_words(type)),
                    sink_.say<MessageId::example_list_brackets_hint>(binding.name));
        return std::nullopt;
      }
      std::string out;
      const ValueType element = element_of(type);
      for (std::size_t i = 0; i < binding.values.size(); ++i) {
        auto item = literal(*binding.values[i], element, binding.name);
        if (!item) return std::nullopt;
        if (i) out += ';';
        out += format(*item, element, csv);
      }
      return out;
    }
    if (binding.is_list) {
      sink_.error(binding.location, sink_.say<MessageId::example_not_list>(binding.name, type_words(type)),
                  sink_.say<MessageId::example_not_list_hint>());
      return std::nullopt;
    }
    auto value = literal(*binding.values[0], type, binding.name);
    if (!value) return std::nullopt;
    return format(*value, type, csv);
  }

  std::string format(const Literal& value, const ValueType& type, bool csv) const {
    std::string out;
    switch (type.kind) {
      case Kind::Bool: out = csv ? (value.scalar ? "1" : "0") : (value.scalar ? "true" : "false"); break;
      case Kind::Int: append_int(out, value.scalar); break;
      case Kind::Money: append_money(out, value.scalar); break;
      case Kind::Decimal: append_decimal(out, value.scalar); break;
      case Kind::Date: append_date(out, value.scalar); break;
      case Kind::Enum: out = checked_.enums[type.enum_id].members[static_cast<std::size_t>(value.scalar)]; break;
      case Kind::Text: out = value.text; break;
      default: break;
    }
    return out;
  }

  std::optional<Literal> literal(const Expr& e, const ValueType& type, const std::string& name) {
    const Message this_value = sink_.say<MessageId::this_one>();
    const auto wrong = [&](const Message& what) -> std::optional<Literal> {
      sink_.error(e.location, sink_.say<MessageId::example_wrong_value>(name, type_words(type), what), example_hint(type));
      return std::nullopt;
    };
    switch (type.kind) {
      case Kind::Bool:
        if (e.tag != ExprTag::Bool) return wrong(this_value);
        return Literal{e.bool_value ? 1 : 0, {}};
      case Kind::Text:
        if (e.tag != ExprTag::String) return wrong(this_value);
        return Literal{0, e.text};
      case Kind::Date: {
        std::int64_t days = 0;
        if (e.tag != ExprTag::Date || !parse_date(e.text, days)) return wrong(this_value);
        return Literal{days, {}};
      }
      case Kind::Enum: {
        const auto& members = checked_.enums[type.enum_id].members;
        if (e.tag != ExprTag::Name) return wrong(this_value);
        const auto it = std::find(members.begin(), members.end(), e.text);
        if (it == members.end()) {
          sink_.error(e.location, sink_.say<MessageId::not_a_member_of>(e.text, checked_.enums[type.enum_id].name),
                      hint_for(e.text, members, sink_.say<MessageId::members_are_hint>(fmt::format("{}", fmt::join(members, ", ")))));
          return std::nullopt;
        }
        return Literal{it - members.begin(), {}};
      }
      case Kind::Int:
      case Kind::Money:
      case Kind::Decimal: {
        const bool negative = e.tag == ExprTag::Negate;
        const Expr& number = negative ? *e.args[0] : e;
        if (number.tag != ExprTag::Number || number.is_percent) return wrong(this_value);
        if (!number.unit.empty() && type.kind != Kind::Money) return wrong(sink_.say<MessageId::an_amount_in_yuan>());
        std::int64_t v = 0;
        const bool ok = type.kind == Kind::Int     ? parse_int(number.text, v)
                        : type.kind == Kind::Money ? parse_money(number.text, v)
                                                   : parse_decimal(number.text, v);
        if (!ok) return wrong(sink_.say<MessageId::too_many_digits>(number.text));
        return Literal{negative ? -v : v, {}};
      }
      default: return wrong(this_value);
    }
  }

  Message example_hint(const ValueType& type) const {
    switch (type.kind) {
      case Kind::Bool: return sink_.say<MessageId::example_bool_hint>();
      case Kind::Text: return sink_.say<MessageId::example_text_hint>();
      case Kind::Date: return sink_.say<MessageId::example_date_hint>();
      case Kind::Enum: return sink_.say<MessageId::example_enum_hint>();
      case Kind::Int: return sink_.say<MessageId::example_int_hint>();
      case Kind::Money: return sink_.say<MessageId::example_money_hint>();
      case Kind::Decimal: return sink_.say<MessageId::example_decimal_hint>();
      default: return {};
    }
  }

  const ast::PolicyFile& file_;
  const CheckedPolicy& checked_;
  DiagnosticSink& sink_;
};

}  // namespace

void check_examples(const ast::PolicyFile& file, const CheckedPolicy& checked, DiagnosticSink& sink,
                    std::vector<ExampleDef>& out) {
  ExampleChecker(file, checked, sink).run(out);
}

}  // namespace precept
