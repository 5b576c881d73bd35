#include "checker.hpp"

#include "examples.hpp"

#include "numeric.hpp"
#include "table_analysis.hpp"
#include "text_width.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

namespace precept {

std::string kind_words(Kind kind, Language language) {
  using M = MessageId;
  switch (kind) {
    case Kind::Bool: return say<M::type_bool>(language).text;
    case Kind::Int: return say<M::type_int>(language).text;
    case Kind::Money: return say<M::type_money>(language).text;
    case Kind::Decimal: return say<M::type_decimal>(language).text;
    case Kind::Date: return say<M::type_date>(language).text;
    case Kind::Enum: return say<M::type_any_enum>(language).text;
    case Kind::Text: return say<M::type_text>(language).text;
    case Kind::List: return say<M::type_any_list>(language).text;
    case Kind::Quotient: return say<M::type_any_quotient>(language).text;
  }
  return kind_name(kind);
}

std::string type_name(const ValueType& type, const std::vector<EnumDef>& enums, Language language) {
  auto scalar = [&](Kind kind, std::uint16_t enum_id) -> std::string {
    if (kind == Kind::Enum && enum_id < enums.size()) return say<MessageId::type_enum>(language, enums[enum_id].name).text;
    return kind_words(kind, language);
  };
  if (type.kind == Kind::List) return say<MessageId::type_list_of>(language, scalar(type.element, type.enum_id)).text;
  if (type.kind == Kind::Quotient) return say<MessageId::type_quotient>(language, kind_words(type.element, language)).text;
  return scalar(type.kind, type.enum_id);
}

namespace {

using M = MessageId;

using ast::Expr;
using ast::ExprTag;
using ast::Location;

ValueType scalar_type(Kind kind, std::uint16_t enum_id = 0) {
  ValueType t;
  t.kind = kind;
  t.enum_id = enum_id;
  return t;
}

ValueType quotient_type(Kind units) {
  ValueType t;
  t.kind = Kind::Quotient;
  t.element = units;
  return t;
}

const std::vector<std::string> kFunctions = {"min", "max", "abs", "round", "count", "sum", "contains"};
const std::vector<std::string> kRoundingModes = {"half_even", "half_up", "half_down", "up",
                                                 "down",      "ceiling", "floor"};

struct Symbol {
  ast::SymbolKind kind = ast::SymbolKind::None;
  std::uint32_t index = 0;
  ValueType type;
  Location where;
  bool maybe_missing = false;
  std::optional<std::int64_t> constant;
};

class Checker {
 public:
  Checker(ast::PolicyFile& file, DiagnosticSink& sink, CheckedPolicy& out)
      : file_(file), sink_(sink), out_(out) {}

  // A catalogue message in the language of this compile.
  template <MessageId id, class... Args>
  Message say(const Args&... args) const {
    return sink_.say<id>(args...);
  }
  Message did_you_mean(std::string_view name, const std::vector<std::string>& candidates) const {
    return precept::did_you_mean(sink_.language(), name, candidates);
  }

  bool run() {
    collect_declared_names();
    // Types first, wherever they are written, so that a record can use an enum
    // declared below it: types are not values and cannot form cycles.
    for (auto& decl : file_.enums) check_enum(decl);
    if (file_.records.empty()) {
      sink_.error(file_.location, say<M::no_record>(), say<M::no_record_hint>());
    }
    for (std::size_t i = 0; i < file_.records.size(); ++i) {
      if (i > 0) {
        sink_.error(file_.records[i].location, say<M::second_record>(), say<M::second_record_hint>());
        continue;
      }
      check_record(file_.records[i]);
    }
    check_registers();
    for (const auto& ref : file_.order) {
      switch (ref.kind) {
        case ast::DeclKind::Enum:
        case ast::DeclKind::Record: break;
        case ast::DeclKind::Param: check_param(file_.params[ref.index], ref.index); break;
        case ast::DeclKind::Let: check_let(file_.lets[ref.index], ref.index); break;
        case ast::DeclKind::Rule: check_rule(file_.rules[ref.index], ref.index); break;
        case ast::DeclKind::Decide: check_decide(file_.decides[ref.index], ref.index); break;
        case ast::DeclKind::Table: check_table(file_.tables[ref.index], ref.index); break;
        case ast::DeclKind::Require: check_require(file_.requires_[ref.index]); break;
        case ast::DeclKind::Output: check_output(file_.outputs[ref.index], ref.index); break;
        case ast::DeclKind::Summary: check_summary(file_.summaries[ref.index], ref.index); break;
        case ast::DeclKind::Example: break;  // after everything they name (check_examples)
      }
      if (sink_.too_many_errors()) break;
    }
    if (file_.outputs.empty())
      sink_.error(file_.location, say<M::no_output>(), say<M::no_output_hint>());
    if (sink_.error_count() == 0) check_examples(file_, out_, sink_, out_.examples);
    for (std::size_t i = 0; i < file_.params.size(); ++i)
      if (!param_used_[i])
        sink_.warning(file_.params[i].location, say<M::param_never_used>(file_.params[i].name),
                      say<M::param_never_used_hint>());
    return sink_.error_count() == 0;
  }

 private:
  // --- names ---

  void collect_declared_names() {
    auto note = [&](const std::string& name, const Location& where) {
      if (!declared_at_.count(name)) declared_at_[name] = where;
    };
    for (const auto& d : file_.params) note(d.name, d.location);
    for (const auto& d : file_.lets) note(d.name, d.location);
    for (const auto& d : file_.rules) note(d.name, d.location);
    for (const auto& d : file_.decides) note(d.name, d.location);
    for (const auto& d : file_.tables) note(d.name, d.location);
    param_used_.assign(file_.params.size(), false);
    out_.let_types.resize(file_.lets.size());
    out_.decide_types.resize(file_.decides.size());
    out_.tables.resize(file_.tables.size());
  }

  bool define(const std::string& name, Symbol symbol) {
    if (name.empty()) return false;
    auto it = values_.find(name);
    if (it != values_.end()) {
      const bool both_fields = it->second.kind == ast::SymbolKind::Field && symbol.kind == ast::SymbolKind::Field;
      sink_.error(symbol.where, say<M::already_defined>(name, it->second.where.line),
                  both_fields ? say<M::already_defined_field_hint>() : say<M::already_defined_hint>());
      return false;
    }
    values_.emplace(name, std::move(symbol));
    return true;
  }

  // A declaration whose own check failed still names something: later uses are
  // quietly failed instead of each being reported as an unknown name.
  void define_failed(const std::string& name, const Location& where) {
    Symbol symbol;
    symbol.where = where;
    define(name, symbol);
  }

  std::vector<std::string> value_names() const {
    std::vector<std::string> names;
    for (const auto& [name, symbol] : values_) names.push_back(name);
    return names;
  }

  std::optional<std::uint32_t> member_index(std::uint16_t enum_id, const std::string& name) const {
    const auto& members = out_.enums[enum_id].members;
    for (std::size_t i = 0; i < members.size(); ++i)
      if (members[i] == name) return static_cast<std::uint32_t>(i);
    return std::nullopt;
  }

  // Enums that have a member called `name`.
  std::vector<std::uint16_t> enums_with_member(const std::string& name) const {
    std::vector<std::uint16_t> ids;
    for (std::size_t e = 0; e < out_.enums.size(); ++e)
      if (member_index(static_cast<std::uint16_t>(e), name)) ids.push_back(static_cast<std::uint16_t>(e));
    return ids;
  }

  std::string describe(const ValueType& type) const { return type_name(type, out_.enums, sink_.language()); }

  // --- types ---

  std::optional<ValueType> resolve_type(const ast::TypeRef& ref) {
    static const std::map<std::string, Kind> builtins = {
        {"bool", Kind::Bool}, {"int", Kind::Int},   {"money", Kind::Money},
        {"decimal", Kind::Decimal}, {"text", Kind::Text}, {"date", Kind::Date}};
    ValueType element;
    if (auto it = builtins.find(ref.name); it != builtins.end()) {
      element = scalar_type(it->second);
    } else if (auto e = enum_ids_.find(ref.name); e != enum_ids_.end()) {
      element = scalar_type(Kind::Enum, e->second);
    } else {
      std::vector<std::string> candidates = {"bool", "int", "money", "decimal", "text", "date"};
      for (const auto& [name, id] : enum_ids_) candidates.push_back(name);
      Message hint = did_you_mean(ref.name, candidates);
      if (hint.empty()) hint = say<M::unknown_type_hint>();
      sink_.error(ref.location, say<M::unknown_type>(ref.name), hint);
      return std::nullopt;
    }
    if (!ref.is_list) return element;
    if (element.kind != Kind::Enum) {
      sink_.error(ref.location, say<M::list_of_non_enum>(describe(element)), say<M::list_of_non_enum_hint>());
      return std::nullopt;
    }
    return list_of(element);
  }

  // enumDecl
  void check_enum(ast::EnumDecl& decl) {
    if (enum_ids_.count(decl.name) ||
        std::set<std::string>{"bool", "int", "money", "decimal", "text", "date"}.count(decl.name)) {
      sink_.error(decl.location, say<M::type_already_defined>(decl.name), say<M::type_already_defined_hint>());
      return;
    }
    EnumDef def;
    def.name = decl.name;
    std::map<std::string, Location> seen;
    for (const auto& [member, where] : decl.members) {
      if (auto it = seen.find(member); it != seen.end()) {
        sink_.error(where, say<M::enum_member_twice>(member, decl.name), say<M::enum_member_twice_hint>(member));
        continue;
      }
      seen[member] = where;
      def.members.push_back(member);
    }
    if (def.members.size() > 64) {
      sink_.error(decl.location, say<M::enum_too_many_values>(decl.name, def.members.size()));
    }
    enum_ids_[decl.name] = static_cast<std::uint16_t>(out_.enums.size());
    out_.enums.push_back(std::move(def));
  }

  // recordDecl
  void check_record(ast::RecordDecl& decl) {
    const ast::FieldDecl* key = nullptr;
    for (auto& field : decl.fields) {
      auto type = resolve_type(field.type);
      if (!type) {
        define_failed(field.name, field.location);
        continue;
      }
      FieldDef def;
      def.name = field.name;
      def.type = *type;
      def.optional = field.optional || field.default_value != nullptr;
      def.line = field.location.line;
      def.description = field.description;
      def.personal = field.personal;
      if (field.key) def.key = check_key(field, *type, key);
      if (field.default_value) {
        check_expr(*field.default_value, *type);
        const auto& c = field.default_value->checked;
        if (c.ok) {
          if (type->kind == Kind::Text && field.default_value->tag == ExprTag::String) {
            def.default_text = field.default_value->text;
            def.has_default = true;
          } else if (!c.constant || !(c.type == *type)) {
            sink_.error(field.default_value->location, say<M::default_not_fixed>(field.name, describe(*type)));
          } else {
            def.default_scalar = *c.constant;
            def.has_default = true;
          }
        }
      }
      if (field.check) check_field_condition(field, *type, def);
      Symbol symbol;
      symbol.kind = ast::SymbolKind::Field;
      symbol.index = static_cast<std::uint32_t>(out_.fields.size());
      symbol.type = *type;
      symbol.where = field.location;
      symbol.maybe_missing = def.optional && !def.has_default;
      if (define(field.name, symbol)) out_.fields.push_back(std::move(def));
    }
  }

  // register { ... }, every one of the policy and its layers, in one set of
  // spellings: a clash between a province's and a county's is an error too.
  void check_registers() {
    RegisterSpellings& out = out_.spellings;
    std::map<std::string, std::pair<bool, Location>> meaning;  // spelling -> (true?, where)
    const std::map<std::string, bool> built_in = {{"1", true}, {"0", false}};
    auto spell = [&](const std::string& word, bool value, const Location& where) {
      const char* const name[] = {"false", "true"};
      if (word.empty()) return sink_.error(where, say<M::spelling_empty>()), false;
      std::optional<bool> before;
      if (const auto b = built_in.find(word); b != built_in.end()) before = b->second;
      if (const auto m = meaning.find(word); m != meaning.end()) before = m->second.first;
      if (before && *before != value) {
        sink_.error(where, say<M::spelling_means_other>(word, name[*before], name[value]), say<M::spelling_pair_hint>());
        return false;
      }
      meaning.try_emplace(word, value, where);
      return !before;  // the same meaning twice: nothing new
    };
    std::optional<Location> thousands_at;
    std::map<std::string, std::pair<std::string, Location>> alias_of;  // header -> (field, where)
    for (const ast::RegisterDecl& decl : file_.registers) {
      for (const auto& b : decl.booleans) {
        if (b.when_true == b.when_false && !b.when_true.empty()) {
          sink_.error(b.location, say<M::spelling_both>(b.when_true), say<M::spelling_pair_hint>());
          continue;
        }
        const bool t = spell(b.when_true, true, b.location), f = spell(b.when_false, false, b.location);
        if (t) out.true_words.push_back(b.when_true);
        if (f) out.false_words.push_back(b.when_false);
      }
      for (std::size_t i = 0; i < decl.digits_words.size(); ++i) {
        if (decl.digits_words[i] == "fullwidth") out.fullwidth_digits = true;
        else sink_.error(decl.fullwidth_digits[i], say<M::digits_unknown>(decl.digits_words[i]), say<M::digits_unknown_hint>());
      }
      for (const auto& t : decl.thousands) {
        const std::string& sep = t.separator;
        if (sep.empty() || sep.find_first_of("0123456789.-+") != std::string::npos) {
          sink_.error(t.location, say<M::thousands_bad>(sep));
        } else if (thousands_at && out.thousands != sep) {
          sink_.error(t.location, say<M::thousands_twice>(out.thousands, thousands_at->line));
        } else {
          out.thousands = sep;
          thousands_at = t.location;
        }
      }
      for (const auto& a : decl.aliases) {
        const auto field = std::find_if(out_.fields.begin(), out_.fields.end(),
                                        [&](const FieldDef& f) { return f.name == a.field; });
        if (field == out_.fields.end()) {
          std::vector<std::string> names;
          for (const auto& f : out_.fields) names.push_back(f.name);
          sink_.error(a.location, say<M::alias_no_field>(a.field), did_you_mean(a.field, names));
          continue;
        }
        if (std::any_of(out_.fields.begin(), out_.fields.end(), [&](const FieldDef& f) { return f.name == a.header; })) {
          sink_.error(a.location, say<M::alias_is_a_field>(a.header), say<M::alias_is_a_field_hint>());
          continue;
        }
        const auto [seen, added] = alias_of.try_emplace(a.header, a.field, a.location);
        if (!added) {
          if (seen->second.first != a.field)
            sink_.error(a.location, say<M::alias_twice>(a.header, seen->second.first, seen->second.second.line),
                        say<M::alias_twice_hint>());
          continue;
        }
        out.alias_headers.push_back(a.header);
        out.alias_fields.push_back(static_cast<std::uint32_t>(field - out_.fields.begin()));
      }
    }
  }

  // `household_id: text key`: at most one per record, text or int (a value
  // compared as written), never optional: a row without its key could not be
  // told apart from another, nor joined to last year's register.
  bool check_key(const ast::FieldDecl& field, const ValueType& type, const ast::FieldDecl*& first) {
    if (first) {
      sink_.error(field.key_location, say<M::key_twice>(field.name, first->name, first->key_location.line),
                  say<M::key_twice_hint>());
      return false;
    }
    first = &field;
    if (type.kind != Kind::Text && type.kind != Kind::Int) {
      sink_.error(field.key_location, say<M::key_type>(field.name, describe(type)), say<M::key_type_hint>(field.name));
      return false;
    }
    if (field.optional || field.default_value) {
      sink_.error(field.key_location, say<M::key_optional>(field.name), say<M::key_optional_hint>(field.name));
      return false;
    }
    return true;
  }

  // `members: int where >= 1`: a fixed bound, checked as the record is read.
  void check_field_condition(ast::FieldDecl& field, const ValueType& type, FieldDef& def) {
    if (!type.is_number() && type.kind != Kind::Date) {
      static const char* const ops[] = {"<", "<=", ">", ">=", "=", "!="};
      const std::string bound = source_of(field.check_value->location);
      sink_.error(field.check_value->location, say<M::where_on_non_number>(field.name, describe(type)),
                  bound.empty() ? say<M::where_on_non_number_hint>()
                                : say<M::where_on_non_number_require_hint>(field.name,
                                                                           ops[static_cast<int>(*field.check)], bound));
      return;
    }
    check_expr(*field.check_value, type);
    const auto& c = field.check_value->checked;
    if (!c.ok) return;
    if (!(c.type == type) || !c.constant) {
      sink_.error(field.check_value->location, say<M::where_bound_not_fixed>(describe(type)),
                  c.type.kind == Kind::Money && type.kind != Kind::Money ? say<M::where_bound_not_money_hint>(field.name)
                                                                         : Message{});
      return;
    }
    static const FieldCheck checks[] = {FieldCheck::Lt, FieldCheck::Le, FieldCheck::Gt,
                                        FieldCheck::Ge, FieldCheck::Eq, FieldCheck::Ne};
    def.check = checks[static_cast<int>(*field.check)];
    def.check_value = *c.constant;
  }

  // paramDecl
  void check_param(ast::ParamDecl& decl, std::size_t index) {
    // Its error is reported; "never used" on top would only distract.
    auto failed = [&] {
      param_used_[index] = true;
      define_failed(decl.name, decl.location);
    };
    auto type = resolve_type(decl.type);
    if (!type || !decl.value) return failed();
    check_expr(*decl.value, *type);
    const auto& c = decl.value->checked;
    if (!c.ok) return failed();
    ParamDef def;
    def.name = decl.name;
    def.type = *type;
    def.description = decl.metadata.description;
    def.source = decl.metadata.source;
    def.line = decl.location.line;
    def.layer = decl.layer;
    def.year = decl.year_in_force;
    if (!expect_type(*decl.value, *type, say<M::what_parameter>(decl.name).text)) return failed();
    if (type->kind == Kind::Text && decl.value->tag == ExprTag::String) {
      def.text_value = decl.value->text;
    } else if (!c.constant) {
      sink_.error(decl.value->location, say<M::param_not_fixed>(decl.name), say<M::param_not_fixed_hint>());
      return failed();
    } else {
      def.value = *c.constant;
    }
    Symbol symbol;
    symbol.kind = ast::SymbolKind::Param;
    symbol.index = static_cast<std::uint32_t>(index);
    symbol.type = *type;
    symbol.where = decl.location;
    if (type->kind != Kind::Text) symbol.constant = def.value;
    if (define(decl.name, symbol)) {
      if (out_.params.size() <= index) out_.params.resize(index + 1);
      out_.params[index] = std::move(def);
    }
  }

  // letDecl
  void check_let(ast::LetDecl& decl, std::size_t index) {
    auto failed = [&] { define_failed(decl.name, decl.location); };
    std::optional<ValueType> declared;
    if (decl.type) {
      declared = resolve_type(*decl.type);
      if (!declared) return failed();
    }
    check_expr(*decl.value, declared);
    const auto& c = decl.value->checked;
    if (!c.ok) return failed();
    if (!usable_value(*decl.value)) return failed();
    if (declared && !expect_type(*decl.value, *declared, say<M::what_name>(decl.name).text)) return failed();
    out_.let_types[index] = c.type;
    Symbol symbol;
    symbol.kind = ast::SymbolKind::Let;
    symbol.index = static_cast<std::uint32_t>(index);
    symbol.type = c.type;
    symbol.where = decl.location;
    symbol.constant = c.constant;
    define(decl.name, symbol);
  }

  // ruleDecl
  void check_rule(ast::RuleDecl& decl, std::size_t index) {
    check_expr(*decl.condition, scalar_type(Kind::Bool));
    if (decl.condition->checked.ok && usable_value(*decl.condition))
      expect_type(*decl.condition, scalar_type(Kind::Bool), say<M::what_rule>(decl.name).text);
    Symbol symbol;
    symbol.kind = ast::SymbolKind::Rule;
    symbol.index = static_cast<std::uint32_t>(index);
    symbol.type = scalar_type(Kind::Bool);
    symbol.where = decl.location;
    define(decl.name, symbol);
  }

  // For enum outcomes written as bare member names, the enum they all belong to.
  std::optional<ValueType> infer_enum(const std::vector<const Expr*>& outcomes) {
    std::optional<std::set<std::uint16_t>> candidates;
    for (const Expr* e : outcomes) {
      if (e->tag != ExprTag::Name || values_.count(e->text)) continue;
      auto ids = enums_with_member(e->text);
      std::set<std::uint16_t> set(ids.begin(), ids.end());
      if (!candidates) {
        candidates = set;
      } else {
        std::set<std::uint16_t> both;
        std::set_intersection(candidates->begin(), candidates->end(), set.begin(), set.end(),
                              std::inserter(both, both.begin()));
        candidates = both;
      }
    }
    if (candidates && candidates->size() == 1) return scalar_type(Kind::Enum, *candidates->begin());
    return std::nullopt;
  }

  // decideDecl
  void check_decide(ast::DecideDecl& decl, std::size_t index) {
    std::optional<ValueType> type;
    if (decl.type) {
      type = resolve_type(*decl.type);
      if (!type) return define_failed(decl.name, decl.location);
    } else if (!decl.branches.empty() && decl.branches[0].outcome->tag == ExprTag::Name) {
      // Bare enum values (`-> wubao`) name their enum only together; anything
      // else takes its kind from the first outcome, so that `-> 3000 yuan` then
      // `otherwise -> none` is reported at `none`, not at every amount.
      std::vector<const Expr*> outcomes;
      for (const auto& b : decl.branches) outcomes.push_back(b.outcome.get());
      if (decl.otherwise) outcomes.push_back(decl.otherwise.get());
      type = infer_enum(outcomes);
    }
    const bool declared = decl.type.has_value();
    auto expect_outcome = [&](const Expr& outcome, const Message& which) {
      if (declared || outcome.checked.type == *type) return expect_type(outcome, *type, which.text);
      sink_.error(outcome.location, say<M::outcomes_of_two_kinds>(decl.name, describe(*type), describe(outcome.checked.type)),
                  type->kind == Kind::Int && outcome.checked.type.kind == Kind::Money
                      ? say<M::outcomes_of_two_kinds_yuan_hint>()
                      : conversion_hint(outcome.checked.type, *type));
      return false;
    };
    bool ok = true;
    for (auto& branch : decl.branches) {
      check_expr(*branch.condition, scalar_type(Kind::Bool));
      if (branch.condition->checked.ok && usable_value(*branch.condition))
        ok &= expect_type(*branch.condition, scalar_type(Kind::Bool), say<M::what_when_condition>().text);
      check_expr(*branch.outcome, type);
      if (!branch.outcome->checked.ok || !usable_value(*branch.outcome)) { ok = false; continue; }
      if (!type) type = branch.outcome->checked.type;
      ok &= expect_outcome(*branch.outcome, say<M::what_outcome>(decl.name));
    }
    if (decl.otherwise) {
      check_expr(*decl.otherwise, type);
      if (decl.otherwise->checked.ok && usable_value(*decl.otherwise) && type)
        ok &= expect_outcome(*decl.otherwise, say<M::what_otherwise_outcome>(decl.name));
    }
    if (type && type->kind == Kind::List) {
      sink_.error(decl.location, say<M::decide_gives_list>());
      ok = false;
    }
    if (!type || !ok) return define_failed(decl.name, decl.location);
    out_.decide_types[index] = *type;
    Symbol symbol;
    symbol.kind = ast::SymbolKind::Decide;
    symbol.index = static_cast<std::uint32_t>(index);
    symbol.type = *type;
    symbol.where = decl.location;
    define(decl.name, symbol);
  }

  // tableDecl
  void check_table(ast::TableDecl& decl, std::size_t index) {
    CheckedTable& table = out_.tables[index];
    bool ok = true;
    // A table drawn by hand has tens of rows; this bound keeps a generated one
    // from making a program the verifier would refuse.
    constexpr std::size_t kMaxTableRows = 10000;
    if (decl.rows.size() > kMaxTableRows) {
      sink_.error(decl.location, say<M::table_too_many_rows>(decl.name, decl.rows.size(), kMaxTableRows),
                  say<M::table_too_many_rows_hint>());
      ok = false;
    }
    ok &= resolve_hit_policy(decl, table);
    if (decl.guard) {
      const bool guard_allowed = table.collect && table.aggregate != TableAggregate::Min &&
                                 table.aggregate != TableAggregate::Max;
      if (!guard_allowed) {
        sink_.error(decl.guard->location, say<M::table_when_not_allowed>(hit_policy_name(table)),
                    say<M::table_when_not_allowed_hint>());
        ok = false;
      }
      check_expr(*decl.guard, scalar_type(Kind::Bool));
      if (decl.guard->checked.ok && usable_value(*decl.guard))
        ok &= expect_type(*decl.guard, scalar_type(Kind::Bool), say<M::what_table_when>().text);
    }
    // Columns
    table.column_types.resize(decl.columns.size());
    std::set<std::string> output_names;
    std::size_t output_count = 0;
    for (std::size_t c = 0; c < decl.columns.size(); ++c) {
      auto& column = decl.columns[c];
      if (column.kind == ast::ColumnKind::Input) {
        check_expr(*column.input, std::nullopt);
        if (column.input->checked.ok && usable_value(*column.input)) {
          table.column_types[c] = column.input->checked.type;
          if (!column.input->checked.type.is_scalar() && column.input->checked.type.kind != Kind::Text) {
            sink_.error(column.input->location, say<M::table_column_tests_list>());
            ok = false;
          }
        } else {
          ok = false;
        }
      } else if (column.kind == ast::ColumnKind::Output) {
        ++output_count;
        if (!output_names.insert(column.name).second) {
          sink_.error(column.location, say<M::table_column_twice>(column.name));
          ok = false;
        }
        std::optional<ValueType> type;
        if (column.type) type = resolve_type(*column.type);
        if (!type) {
          std::vector<const Expr*> cells;
          for (const auto& row : decl.rows)
            if (c < row.cells.size() && !row.cells[c].values.empty()) cells.push_back(row.cells[c].values[0].get());
          type = infer_enum(cells);
        }
        if (type) table.column_types[c] = *type;
      }
    }
    if (output_count == 0) {
      sink_.error(decl.location, say<M::table_no_output>(decl.name), say<M::table_no_output_hint>());
      ok = false;
    }
    // Rows
    std::optional<std::size_t> catch_all_row;
    // Each distinct condition, with the position of its first row among those seen
    // (a map, so that a generated table of thousands of rows is not quadratic).
    std::map<std::string, std::size_t> seen_conditions;
    std::size_t seen_count = 0;
    std::set<std::size_t> first_warned;  // rows already reported as never matching
    for (std::size_t r = 0; r < decl.rows.size(); ++r) {
      auto& row = decl.rows[r];
      if (row.cells.size() != decl.columns.size()) {
        sink_.error(row.location, say<M::row_cell_count>(row.cells.size(), decl.columns.size()),
                    say<M::row_cell_count_hint>());
        ok = false;
        continue;
      }
      bool row_matches_all = true;
      bool row_never_matches = false;
      std::string condition_text;
      for (std::size_t c = 0; c < row.cells.size(); ++c) {
        auto& cell = row.cells[c];
        auto& column = decl.columns[c];
        if (column.kind == ast::ColumnKind::Output) {
          if (cell.kind != ast::CellKind::Values || cell.values.size() != 1) {
            sink_.error(cell.location, say<M::output_cell_one_value>(column.name), say<M::output_cell_one_value_hint>());
            ok = false;
            continue;
          }
          auto& value = *cell.values[0];
          const bool known = column.type || decl.columns[c].kind != ast::ColumnKind::Output ||
                             known_output_type(decl, c);
          check_expr(value, known ? std::optional<ValueType>(table.column_types[c]) : std::nullopt);
          if (!value.checked.ok || !usable_value(value)) { ok = false; continue; }
          if (!known) {
            table.column_types[c] = value.checked.type;
            mark_output_type_known(decl, c);
          }
          if (table.column_types[c].kind == Kind::Quotient) continue;  // usable_value reported it
          if (!table.column_types[c].is_scalar() && needs_single_values(table) &&
              (table.collect || table.column_types[c].kind != Kind::Text)) {
            sink_.error(value.location, say<M::table_outputs_single>(hit_policy_name(table)));
            ok = false;
            continue;
          }
          ok &= expect_type(value, table.column_types[c], say<M::what_column>(column.name).text);
          continue;
        }
        condition_text += '|';
        condition_text += cell_source(cell);
        if (cell.kind == ast::CellKind::Any) continue;
        // A cell that is `true` restricts nothing, like `-`; any other cell may.
        const bool restricts = !(column.kind == ast::ColumnKind::Condition && cell.values.size() == 1 &&
                                 cell.values[0]->tag == ExprTag::Bool && cell.values[0]->bool_value);
        if (restricts) row_matches_all = false;
        if (column.kind == ast::ColumnKind::Condition) {
          if (cell.kind != ast::CellKind::Values || cell.values.size() != 1) {
            sink_.error(cell.location, say<M::when_cell_one_condition>(), say<M::when_cell_one_condition_hint>());
            ok = false;
            continue;
          }
          auto& condition = *cell.values[0];
          check_expr(condition, scalar_type(Kind::Bool));
          if (!condition.checked.ok || !usable_value(condition)) { ok = false; continue; }
          ok &= expect_type(condition, scalar_type(Kind::Bool), say<M::what_when_cell>().text);
          if (condition.checked.constant && *condition.checked.constant == 0) row_never_matches = true;
        } else {
          // An input column: each value is compared with the column's value.
          if (!decl.columns[c].input || !decl.columns[c].input->checked.ok) continue;
          const ValueType input_type = table.column_types[c];
          for (auto& value : cell.values) {
            check_expr(*value, input_type);
            if (!value->checked.ok || !usable_value(*value)) { ok = false; continue; }
            ok &= check_comparable(*decl.columns[c].input, *value,
                                   cell.kind == ast::CellKind::Compare ? cell.compare : ast::CompareOp::Eq,
                                   value->location);
          }
        }
      }
      if (table.hit == HitPolicy::First) {
        if (catch_all_row) {
          sink_.warning(row.location, say<M::row_after_catch_all>(r + 1, decl.name, *catch_all_row + 1),
                        say<M::row_after_catch_all_hint>());
        } else if (row_never_matches) {
          sink_.warning(row.location, say<M::row_always_false>(r + 1, decl.name));
        } else if (const auto seen = seen_conditions.find(condition_text); seen != seen_conditions.end()) {
          const std::size_t earlier = seen->second;
          sink_.warning(row.location, say<M::row_same_as_earlier>(r + 1, decl.name, earlier + 1));
        }
        if (catch_all_row || row_never_matches || seen_conditions.count(condition_text)) first_warned.insert(r);
        if (row_matches_all && !catch_all_row) catch_all_row = r;
      }
      seen_conditions.emplace(std::move(condition_text), seen_count++);
    }
    ok &= check_hit_policy_columns(decl, table);
    if (ok) analyse_table(decl, table, first_warned);
    Symbol symbol;
    symbol.kind = ast::SymbolKind::Table;
    symbol.index = static_cast<std::uint32_t>(index);
    symbol.where = decl.location;
    if (ok) define(decl.name, symbol);
    else define(decl.name, Symbol{ast::SymbolKind::None, 0, {}, decl.location, false, std::nullopt});
  }

  Message hit_policy_hint(const std::string& written) const {
    Message guess = did_you_mean(written, {"unique", "first", "priority", "any", "collect"});
    return guess.empty() ? say<M::unknown_hit_policy_hint>() : guess;
  }

  // hitPolicy : RULE name | name name?
  bool resolve_hit_policy(const ast::TableDecl& decl, CheckedTable& table) {
    static const std::map<std::string, HitPolicy> policies = {
        {"unique", HitPolicy::Unique},   {"first", HitPolicy::First}, {"priority", HitPolicy::Priority},
        {"any", HitPolicy::Any},         {"collect", HitPolicy::Collect}, {"rule order", HitPolicy::RuleOrder}};
    const auto found = policies.find(decl.hit_policy);
    if (found == policies.end()) {
      if (decl.hit_policy.rfind("rule ", 0) == 0)
        sink_.error(decl.hit_location, say<M::unknown_hit_policy>(decl.hit_policy), say<M::did_you_mean>("rule order"));
      else
        sink_.error(decl.hit_location, say<M::unknown_hit_policy>(decl.hit_policy), hit_policy_hint(decl.hit_policy));
      return false;
    }
    table.hit = found->second;
    table.collect = table.hit == HitPolicy::Collect || table.hit == HitPolicy::RuleOrder;
    if (decl.aggregator.empty()) return true;
    static const std::map<std::string, TableAggregate> aggregates = {
        {"sum", TableAggregate::Sum}, {"min", TableAggregate::Min}, {"max", TableAggregate::Max},
        {"count", TableAggregate::Count}};
    const auto aggregate = aggregates.find(decl.aggregator);
    if (table.hit != HitPolicy::Collect || aggregate == aggregates.end()) {
      Message hint = table.hit == HitPolicy::Collect ? did_you_mean(decl.aggregator, {"sum", "min", "max", "count"})
                                                     : Message{};
      if (hint.empty()) hint = say<M::unknown_aggregate_hint>();
      sink_.error(decl.hit_location, say<M::unknown_hit_policy>(decl.hit_policy + " " + decl.aggregator), hint);
      return false;
    }
    table.aggregate = aggregate->second;
    return true;
  }

  static bool needs_single_values(const CheckedTable& table) {
    // Lists of texts do not exist; the others compare or keep one row's values.
    return table.hit != HitPolicy::First;
  }

  // What each hit policy asks of the output columns, once their types are known.
  bool check_hit_policy_columns(const ast::TableDecl& decl, CheckedTable& table) {
    std::vector<std::size_t> outputs;
    for (std::size_t c = 0; c < decl.columns.size(); ++c)
      if (decl.columns[c].kind == ast::ColumnKind::Output) outputs.push_back(c);
    if (outputs.empty()) return true;  // reported already
    if (table.hit == HitPolicy::Priority) {
      table.rank_column = outputs[0];
      if (table.column_types[outputs[0]].kind != Kind::Enum) {
        sink_.error(decl.hit_location, say<M::priority_not_enum>(decl.columns[outputs[0]].name),
                    say<M::priority_not_enum_hint>());
        return false;
      }
    }
    if (table.aggregate == TableAggregate::None) return true;
    if (table.aggregate == TableAggregate::Count) {
      table.value_type = scalar_type(Kind::Int);
      return true;
    }
    if (outputs.size() != 1) {
      sink_.error(decl.hit_location, say<M::collect_aggregate_columns>(decl.aggregator, decl.name, outputs.size()),
                  say<M::collect_aggregate_columns_hint>());
      return false;
    }
    const ValueType& type = table.column_types[outputs[0]];
    if (!type.is_number()) {
      sink_.error(decl.columns[outputs[0]].location,
                  say<M::collect_aggregate_not_number>(decl.aggregator, decl.columns[outputs[0]].name, describe(type)),
                  say<M::collect_aggregate_not_number_hint>());
      return false;
    }
    table.value_type = type;
    return true;
  }

  void analyse_table(const ast::TableDecl& decl, CheckedTable& table, const std::set<std::size_t>& first_warned) {
    TableAnalysisInput input{decl, table, out_.fields, out_.enums, first_warned};
    const TableAnalysisResult result = analyse_table_rows(input, sink_);
    table.runs_as_first = (table.hit == HitPolicy::Unique || table.hit == HitPolicy::Any) && result.never_disagrees;
  }

  // Output columns without a declared or inferred type take the type of their
  // first checked cell; these two helpers remember which columns are settled.
  bool known_output_type(const ast::TableDecl& decl, std::size_t column) {
    const auto key = std::make_pair(&decl, column);
    if (settled_columns_.count(key)) return true;
    // Inferred enum types are settled before any row is read.
    return inferred_enum_column(decl, column);
  }
  void mark_output_type_known(const ast::TableDecl& decl, std::size_t column) {
    settled_columns_.insert({&decl, column});
  }
  bool inferred_enum_column(const ast::TableDecl& decl, std::size_t column) {
    // Asked for every cell of the column: worked out once, or a table of
    // thousands of rows would take seconds.
    const auto key = std::make_pair(&decl, column);
    if (const auto known = inferred_enum_columns_.find(key); known != inferred_enum_columns_.end()) return known->second;
    std::vector<const Expr*> cells;
    for (const auto& row : decl.rows)
      if (column < row.cells.size() && !row.cells[column].values.empty()) cells.push_back(row.cells[column].values[0].get());
    const bool inferred = infer_enum(cells).has_value();
    inferred_enum_columns_.emplace(key, inferred);
    return inferred;
  }

  std::string cell_source(const ast::TableCell& cell) {
    const std::string_view line = sink_.line_text(cell.location);
    std::string text = fmt::format("{}:", static_cast<int>(cell.kind));
    if (cell.kind == ast::CellKind::Any) return text;
    // The cell's own source text identifies identical conditions.
    std::size_t start = 0, count = 0;
    for (std::size_t i = 0, cp = 0; i < line.size(); ++cp) {
      if (cp + 1 == cell.location.column) start = i;
      if (cp + 1 == cell.location.column + cell.location.length) { count = i - start; break; }
      const unsigned char b = static_cast<unsigned char>(line[i]);
      i += b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
      if (i >= line.size()) count = line.size() - start;
    }
    return text + std::string(line.substr(start, count));
  }

  // requireDecl
  void check_require(ast::RequireDecl& decl) {
    check_expr(*decl.condition, scalar_type(Kind::Bool));
    std::string field;
    if (decl.condition->checked.ok && usable_value(*decl.condition)) {
      expect_type(*decl.condition, scalar_type(Kind::Bool), "`require`");
      std::set<std::uint32_t> fields;
      collect_fields(*decl.condition, fields);
      if (fields.size() == 1) field = out_.fields[*fields.begin()].name;
    }
    out_.require_fields.push_back(field);
  }

  void collect_fields(const Expr& e, std::set<std::uint32_t>& fields) {
    if (e.checked.symbol == ast::SymbolKind::Field) fields.insert(e.checked.index);
    for (const auto& arg : e.args) collect_fields(*arg, fields);
  }

  // outputDecl
  void check_output(ast::OutputDecl& decl, std::size_t index) {
    if (index > 0) {
      sink_.error(decl.location, say<M::second_output>(), say<M::second_output_hint>());
      return;
    }
    std::set<std::string> names;
    for (auto& item : decl.items) {
      check_expr(*item.value, std::nullopt);
      std::string name = item.name;
      if (name.empty() && item.value->tag == ExprTag::Name) name = item.value->text;
      if (name.empty()) {
        sink_.error(item.location, say<M::output_needs_name>(), say<M::output_needs_name_hint>());
        continue;
      }
      if (!names.insert(name).second) {
        sink_.error(item.location, say<M::output_twice>(name));
        continue;
      }
      if (!item.value->checked.ok || !usable_value(*item.value)) continue;
      // A named output (`total = sum(...)`) can be used by the summary below.
      if (!values_.count(name)) {
        Symbol symbol;
        symbol.kind = ast::SymbolKind::Output;
        symbol.index = static_cast<std::uint32_t>(out_.outputs.size());
        symbol.type = item.value->checked.type;
        symbol.where = item.location;
        symbol.constant = item.value->checked.constant;
        define(name, symbol);
      }
      out_.outputs.push_back({name, item.value->checked.type, item.value.get()});
    }
  }

  // summaryDecl
  void check_summary(ast::SummaryDecl& decl, std::size_t index) {
    if (index > 0) {
      sink_.error(decl.location, say<M::second_summary>());
      return;
    }
    static const std::map<std::string, ValueType> keys = {
        {"population", scalar_type(Kind::Int)},
        {"poor", scalar_type(Kind::Bool)},
        {"cause", scalar_type(Kind::Enum)},
        {"assistance", scalar_type(Kind::Money)}};
    for (auto& measure : decl.measures) {
      auto key = keys.find(measure.key);
      if (key == keys.end()) {
        Message hint = did_you_mean(measure.key, {"population", "poor", "cause", "assistance", "group"});
        if (hint.empty()) hint = say<M::unknown_summary_item_hint>();
        sink_.error(measure.location, say<M::unknown_summary_item>(measure.key), hint);
        continue;
      }
      if (out_.summary_measures.count(measure.key)) {
        sink_.error(measure.location, say<M::summary_item_twice>(measure.key));
        continue;
      }
      check_expr(*measure.value, std::nullopt);
      if (!measure.value->checked.ok || !usable_value(*measure.value)) continue;
      const ValueType& t = measure.value->checked.type;
      if (t.kind != key->second.kind) {
        sink_.error(measure.value->location,
                    say<M::summary_item_type>(measure.key,
                                              key->second.kind == Kind::Enum ? say<M::an_enum>().text
                                                                             : kind_words(key->second.kind, sink_.language()),
                                              describe(t)));
        continue;
      }
      out_.summary_measures[measure.key] = measure.value.get();
    }
    for (auto& group : decl.groups) {
      SummarySpec::Group g;
      g.name = group.name;
      for (const auto& [field, where] : group.fields) {
        auto it = values_.find(field);
        if (it == values_.end() || it->second.kind != ast::SymbolKind::Field) {
          std::vector<std::string> names;
          for (const auto& f : out_.fields) names.push_back(f.name);
          sink_.error(where, say<M::not_a_field>(field), did_you_mean(field, names));
          continue;
        }
        g.fields.push_back(it->second.index);
      }
      out_.summary_groups.push_back(std::move(g));
    }
  }

  // --- expression checks ---

  // A value that can be stored or output: not an unrounded quotient, not maybe-missing.
  bool usable_value(const Expr& e) {
    if (e.checked.maybe_missing) {
      report_maybe_missing(e);
      return false;
    }
    if (e.checked.type.kind == Kind::Quotient) {
      report_unrounded(e);
      return false;
    }
    return true;
  }

  // Nothing is rounded without being asked; show the officer the exact words to write.
  void report_unrounded(const Expr& e) {
    const Kind units = e.checked.type.element;
    const bool division = e.tag == ExprTag::Binary && e.op == '/';
    Message message = division ? say<M::unrounded_division>()
                      : units == Kind::Money ? say<M::unrounded_money>()
                                             : say<M::unrounded_decimal>();
    const std::string written = source_of(e.location);
    const std::string round = written.empty() ? fmt::format("round(..., {})", kind_scale(units))
                                              : fmt::format("round({}, {})", written, kind_scale(units));
    sink_.error(e.location, std::move(message),
                units == Kind::Money ? say<M::unrounded_money_hint>(round) : say<M::unrounded_decimal_hint>(round));
  }

  // The expression as the officer wrote it, when it is on one line and short
  // enough to quote in a hint; "" otherwise.
  std::string source_of(const Location& where) const {
    const std::string_view line = sink_.line_text(where.line);
    if (where.column == 0 || where.length > 60) return {};
    const std::size_t start = utf8_offset(line, where.column - 1);
    const std::size_t end = utf8_offset(line, where.column - 1 + where.length);
    if (start >= end || end > line.size()) return {};
    return std::string(line.substr(start, end - start));
  }

  // `name` for a plain name, else the quoted source, else "this value".
  std::string quoted(const Expr& e) const {
    const std::string written = e.tag == ExprTag::Name ? e.text : source_of(e.location);
    return written.empty() ? say<M::this_value>().text : "`" + written + "`";
  }

  // Why a value is not a number, in words, for arithmetic and comparison errors.
  Message not_a_number_hint(const Expr& e) const {
    const ValueType& t = e.checked.type;
    if (t.kind == Kind::Bool) return say<M::bool_not_number_hint>(quoted(e));
    if (t.kind == Kind::Enum) return say<M::enum_not_number_hint>(quoted(e), join_members(out_.enums[t.enum_id]));
    if (t.kind == Kind::Text) return say<M::text_not_number_hint>(quoted(e));
    return {};
  }

  // A count where money is needed: the officer means "so much per person".
  Message count_as_money_hint(const Expr& count) const {
    if (count.tag == ExprTag::Name) return say<M::count_not_money_hint>(count.text);
    return say<M::count_not_money_generic_hint>();
  }

  void report_maybe_missing(const Expr& e) {
    const ValueType& t = e.checked.type;
    const std::string example = t.kind == Kind::Money ? "0 yuan"
                                : t.kind == Kind::Bool ? "false"
                                : t.kind == Kind::Text ? "\"\""
                                : t.kind == Kind::Enum && !out_.enums[t.enum_id].members.empty()
                                    ? out_.enums[t.enum_id].members.front()
                                    : "0";
    sink_.error(e.location, say<M::may_be_missing>(e.text.empty() ? say<M::this_value>().text : "`" + e.text + "`"),
                say<M::may_be_missing_hint>(e.text.empty() ? "..." : e.text, example));
  }

  bool expect_type(const Expr& e, const ValueType& expected, const std::string& what) {
    if (e.checked.type == expected) return true;
    // "must be bool" reads like jargon where a condition is meant.
    const std::string wanted = expected.kind == Kind::Bool ? say<M::true_or_false>().text : describe(expected);
    Message hint = conversion_hint(e.checked.type, expected);
    if (e.checked.type.kind == Kind::Int && expected.kind == Kind::Money && e.tag == ExprTag::Name)
      hint = count_as_money_hint(e);
    if (expected.kind == Kind::Bool) hint = condition_hint(e);
    sink_.error(e.location, say<M::type_mismatch>(what, wanted, describe(e.checked.type)), hint);
    return false;
  }

  // How to turn a value into the condition the officer meant.
  Message condition_hint(const Expr& e) const {
    const std::string written = e.tag == ExprTag::Name ? e.text : source_of(e.location);
    const ValueType& t = e.checked.type;
    if (!written.empty() && t.is_number()) return say<M::compare_number_hint>(written);
    if (!written.empty() && t.kind == Kind::Enum && !out_.enums[t.enum_id].members.empty())
      return say<M::test_enum_hint>(written, out_.enums[t.enum_id].members.back());
    return say<M::condition_compares_hint>();
  }

  Message conversion_hint(const ValueType& from, const ValueType& to) const {
    if (from.kind == Kind::Int && to.kind == Kind::Money) return say<M::int_to_money_hint>();
    if (from.kind == Kind::Money && to.kind == Kind::Int) return say<M::money_to_int_hint>();
    if (from.kind == Kind::Enum && to.kind == Kind::Money) return say<M::enum_to_money_hint>();
    if (to.kind == Kind::Bool) return say<M::to_condition_hint>();
    return {};
  }

  void fail(Expr& e) { e.checked.ok = false; }

  void ok(Expr& e, ValueType type) {
    e.checked.ok = true;
    e.checked.type = type;
  }

  // Turns an adaptable number literal into money or decimal, exactly.
  bool adapt_literal(Expr& e, Kind target) {
    if (!e.checked.adaptable_literal || !e.checked.constant) return false;
    const Kind from = e.checked.type.kind;
    if (from == target) return true;
    const int from_scale = kind_scale(from);
    const int to_scale = kind_scale(target);
    std::int64_t value = *e.checked.constant;
    if (to_scale >= from_scale) {
      if (!checked_scale_up(value, to_scale - from_scale, value)) return false;
    } else {
      const std::int64_t unit = pow10_i64(from_scale - to_scale);
      if (value % unit != 0) return false;  // e.g. 0.005 cannot be money
      value /= unit;
    }
    e.checked.constant = value;
    e.checked.type = scalar_type(target);
    return true;
  }

  void check_expr(Expr& e, const std::optional<ValueType>& hint) {
    e.checked = {};
    switch (e.tag) {
      case ExprTag::Number: return check_number(e, hint);
      case ExprTag::String:
        ok(e, scalar_type(Kind::Text));
        return;
      case ExprTag::Date: {
        std::int64_t days = 0;
        if (!parse_date(e.text, days)) {
          sink_.error(e.location, say<M::not_a_real_date>(e.text), say<M::not_a_real_date_hint>());
          return fail(e);
        }
        ok(e, scalar_type(Kind::Date));
        e.checked.constant = days;
        return;
      }
      case ExprTag::Bool:
        ok(e, scalar_type(Kind::Bool));
        e.checked.constant = e.bool_value ? 1 : 0;
        return;
      case ExprTag::Name: return check_name(e, hint);
      case ExprTag::Member: return check_member(e);
      case ExprTag::Call: return check_call(e, hint);
      case ExprTag::Negate: return check_negate(e);
      case ExprTag::Not: return check_logic(e);
      case ExprTag::And:
      case ExprTag::Or: return check_logic(e);
      case ExprTag::Binary: return check_binary(e);
      case ExprTag::Compare: return check_compare(e);
      case ExprTag::IsMissing: return check_is_missing(e);
      case ExprTag::IsMember: return check_is_member(e);
      case ExprTag::Default: return check_default(e);
    }
  }

  void check_number(Expr& e, const std::optional<ValueType>& hint) {
    // Digits with an optional fraction; exact, so read them as a scaled integer.
    std::int64_t mantissa = 0;
    int decimals = 0;
    bool seen_point = false;
    for (char ch : e.text) {
      if (ch == '.') { seen_point = true; continue; }
      if (!checked_mul(mantissa, 10, mantissa) || !checked_add(mantissa, ch - '0', mantissa)) {
        sink_.error(e.location, say<M::number_too_large>());
        return fail(e);
      }
      if (seen_point) ++decimals;
    }
    Kind kind;
    int scale;
    if (e.is_percent) {
      kind = Kind::Decimal;
      scale = decimals + 2;
    } else if (!e.unit.empty()) {
      kind = Kind::Money;
      scale = decimals;
    } else {
      kind = seen_point ? Kind::Decimal : Kind::Int;
      scale = decimals;
    }
    if (scale > kind_scale(kind)) {
      sink_.error(e.location,
                  kind == Kind::Money ? say<M::money_decimals>() : say<M::decimal_decimals>(kDecimalScale));
      return fail(e);
    }
    if (!checked_scale_up(mantissa, kind_scale(kind) - scale, mantissa)) {
      sink_.error(e.location, say<M::number_too_large>());
      return fail(e);
    }
    ok(e, scalar_type(kind));
    e.checked.constant = mantissa;
    e.checked.adaptable_literal = e.unit.empty() && !e.is_percent;
    if (hint && (hint->kind == Kind::Money || hint->kind == Kind::Decimal)) adapt_literal(e, hint->kind);
  }

  void check_name(Expr& e, const std::optional<ValueType>& hint) {
    // 1. A member of the enum the context expects (`-> wubao` in a decision on categories).
    if (hint && hint->kind == Kind::Enum) {
      if (auto member = member_index(hint->enum_id, e.text)) {
        ok(e, *hint);
        e.checked.symbol = ast::SymbolKind::EnumMember;
        e.checked.index = *member;
        e.checked.constant = *member;
        return;
      }
    }
    // 2. A value declared above.
    if (auto it = values_.find(e.text); it != values_.end()) {
      const Symbol& s = it->second;
      if (s.kind == ast::SymbolKind::None) return fail(e);  // its declaration had errors
      if (s.kind == ast::SymbolKind::Table) return check_table_reference(e, s);
      ok(e, s.type);
      e.checked.symbol = s.kind;
      e.checked.index = s.index;
      e.checked.maybe_missing = s.maybe_missing;
      e.checked.constant = s.constant;
      if (s.kind == ast::SymbolKind::Param) param_used_[s.index] = true;
      if (s.kind == ast::SymbolKind::Rule || s.kind == ast::SymbolKind::Decide ||
          s.kind == ast::SymbolKind::Let || s.kind == ast::SymbolKind::Field)
        e.checked.fallible = false;
      return;
    }
    // 3. A member of exactly one enum.
    auto ids = enums_with_member(e.text);
    if (ids.size() == 1) {
      ok(e, scalar_type(Kind::Enum, ids[0]));
      e.checked.symbol = ast::SymbolKind::EnumMember;
      e.checked.index = *member_index(ids[0], e.text);
      e.checked.constant = e.checked.index;
      return;
    }
    if (ids.size() > 1) {
      sink_.error(e.location, say<M::member_of_several_enums>(e.text, out_.enums[ids[0]].name, out_.enums[ids[1]].name),
                  say<M::member_of_several_enums_hint>());
      return fail(e);
    }
    if (auto later = declared_at_.find(e.text); later != declared_at_.end() && later->second.line >= e.location.line) {
      sink_.error(e.location, say<M::used_before_defined>(e.text, later->second.line),
                  say<M::used_before_defined_hint>(e.text));
      return fail(e);
    }
    std::vector<std::string> candidates = value_names();
    if (hint && hint->kind == Kind::Enum) {
      for (const auto& m : out_.enums[hint->enum_id].members) candidates.push_back(m);
    }
    Message suggestion = did_you_mean(e.text, candidates);
    // The misspelt parameter is in use, just not under its name: no "never used" too.
    if (auto meant = values_.find(closest_name(e.text, candidates));
        meant != values_.end() && meant->second.kind == ast::SymbolKind::Param)
      param_used_[meant->second.index] = true;
    if (suggestion.empty() && hint && hint->kind == Kind::Enum)
      suggestion = say<M::enum_values_hint>(out_.enums[hint->enum_id].name, join_members(out_.enums[hint->enum_id]));
    if (suggestion.empty()) suggestion = say<M::unknown_name_hint>();
    sink_.error(e.location, say<M::unknown_name>(e.text), suggestion);
    fail(e);
  }

  std::string join_members(const EnumDef& def) const {
    std::string out;
    for (std::size_t i = 0; i < def.members.size() && i < 12; ++i) out += (i ? ", " : "") + def.members[i];
    return out;
  }

  // `count(measures)`: how many rows of a `collect` table matched, whatever its columns.
  bool count_table_rows(Expr& arg) {
    if (arg.tag != ExprTag::Name) return false;
    auto it = values_.find(arg.text);
    if (it == values_.end() || it->second.kind != ast::SymbolKind::Table || !out_.tables[it->second.index].collect ||
        out_.tables[it->second.index].aggregate != TableAggregate::None)
      return false;
    const auto& decl = file_.tables[it->second.index];
    for (std::size_t c = 0; c < decl.columns.size(); ++c)
      if (decl.columns[c].kind == ast::ColumnKind::Output) {
        bind_table_column(arg, it->second.index, c);
        return true;
      }
    return false;
  }

  // A table used by name: a `first` table with one output column is that value; a
  // `collect` table with one output column is the list of that column.
  void check_table_reference(Expr& e, const Symbol& s) {
    const auto& decl = file_.tables[s.index];
    if (out_.tables[s.index].aggregate != TableAggregate::None) {
      for (std::size_t c = 0; c < decl.columns.size(); ++c)
        if (decl.columns[c].kind == ast::ColumnKind::Output) return bind_table_column(e, s.index, c);
    }
    std::vector<std::size_t> outputs;
    for (std::size_t c = 0; c < decl.columns.size(); ++c)
      if (decl.columns[c].kind == ast::ColumnKind::Output) outputs.push_back(c);
    if (outputs.size() != 1) {
      sink_.error(e.location, say<M::table_name_a_column>(e.text, outputs.size()),
                  say<M::table_name_a_column_hint>(e.text, decl.columns[outputs.empty() ? 0 : outputs[0]].name));
      return fail(e);
    }
    bind_table_column(e, s.index, outputs[0]);
  }

  void bind_table_column(Expr& e, std::uint32_t table, std::size_t column) {
    const CheckedTable& t = out_.tables[table];
    if (t.aggregate != TableAggregate::None) ok(e, t.value_type);
    else ok(e, t.collect ? list_of(t.column_types[column]) : t.column_types[column]);
    e.checked.symbol = ast::SymbolKind::TableColumn;
    e.checked.index = table;
    e.checked.column = static_cast<std::uint32_t>(column);
  }

  void check_member(Expr& e) {
    auto it = values_.find(e.text);
    if (it == values_.end() || it->second.kind != ast::SymbolKind::Table) {
      if (it != values_.end() && it->second.kind == ast::SymbolKind::None) return fail(e);
      std::vector<std::string> tables;
      for (const auto& t : file_.tables) tables.push_back(t.name);
      sink_.error(e.location, say<M::not_a_table>(e.text), did_you_mean(e.text, tables));
      return fail(e);
    }
    const auto& decl = file_.tables[it->second.index];
    if (out_.tables[it->second.index].aggregate != TableAggregate::None) {
      sink_.error(e.location,
                  say<M::collect_aggregate_value>(e.text, decl.aggregator),
                  say<M::write_this_hint>(e.text));
      return fail(e);
    }
    std::vector<std::string> names;
    for (std::size_t c = 0; c < decl.columns.size(); ++c) {
      if (decl.columns[c].kind != ast::ColumnKind::Output) continue;
      if (decl.columns[c].name == e.member) return bind_table_column(e, it->second.index, c);
      names.push_back(decl.columns[c].name);
    }
    Message hint = did_you_mean(e.member, names);
    if (hint.empty()) {
      std::string columns;
      for (const auto& n : names) columns += " `" + n + "`";
      hint = say<M::table_columns_hint>(columns);
    }
    sink_.error(e.location, say<M::table_no_column>(e.text, e.member), hint);
    fail(e);
  }

  // Checks the arguments and stops at the first that failed or may be missing.
  bool check_args(Expr& e, const std::vector<std::optional<ValueType>>& hints = {}) {
    bool all = true;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      check_expr(*e.args[i], i < hints.size() ? hints[i] : std::nullopt);
      if (!e.args[i]->checked.ok) { all = false; continue; }
      if (e.args[i]->checked.maybe_missing) {
        report_maybe_missing(*e.args[i]);
        all = false;
      }
      e.checked.fallible |= e.args[i]->checked.fallible;
    }
    return all;
  }

  void check_negate(Expr& e) {
    if (!check_args(e)) return fail(e);
    Expr& a = *e.args[0];
    if (!a.checked.type.is_number()) {
      sink_.error(e.location, say<M::negate_non_number>(describe(a.checked.type)));
      return fail(e);
    }
    ok(e, a.checked.type);
    e.checked.adaptable_literal = a.checked.adaptable_literal;
    if (a.checked.constant) {
      std::int64_t v;
      if (!checked_neg(*a.checked.constant, v)) { sink_.error(e.location, say<M::number_too_large>()); return fail(e); }
      e.checked.constant = v;
    } else {
      e.checked.fallible = true;
    }
  }

  void check_logic(Expr& e) {
    if (!check_args(e, {scalar_type(Kind::Bool), scalar_type(Kind::Bool)})) return fail(e);
    const char* word = e.tag == ExprTag::Not ? "not" : e.tag == ExprTag::And ? "and" : "or";
    for (auto& arg : e.args) {
      if (arg->checked.type.kind != Kind::Bool) {
        Message hint = condition_hint(*arg);
        if (arg->checked.type.kind == Kind::Money && e.tag != ExprTag::Not) hint = say<M::add_amounts_hint>(hint);
        sink_.error(arg->location, say<M::logic_needs_condition>(word, describe(arg->checked.type)), hint);
        return fail(e);
      }
    }
    ok(e, scalar_type(Kind::Bool));
    const auto& a = e.args[0]->checked.constant;
    if (e.tag == ExprTag::Not) {
      if (a) e.checked.constant = *a ? 0 : 1;
      return;
    }
    const auto& b = e.args[1]->checked.constant;
    if (a && b) e.checked.constant = e.tag == ExprTag::And ? (*a && *b) : (*a || *b);
  }

  // Makes literals on either side take the other side's unit (money or decimal).
  void adapt_pair(Expr& a, Expr& b) {
    const Kind ka = a.checked.type.kind, kb = b.checked.type.kind;
    const Kind qa = ka == Kind::Quotient ? a.checked.type.element : ka;
    const Kind qb = kb == Kind::Quotient ? b.checked.type.element : kb;
    if (b.checked.adaptable_literal && (qa == Kind::Money || qa == Kind::Decimal)) adapt_literal(b, qa);
    if (a.checked.adaptable_literal && (qb == Kind::Money || qb == Kind::Decimal)) adapt_literal(a, qb);
  }

  void check_binary(Expr& e) {
    if (!check_args(e)) return fail(e);
    Expr& a = *e.args[0];
    Expr& b = *e.args[1];
    const char op = e.op;
    if (a.checked.type.kind == Kind::Quotient || b.checked.type.kind == Kind::Quotient) {
      const Expr& q = a.checked.type.kind == Kind::Quotient ? a : b;
      const std::string written = source_of(q.location);
      sink_.error(q.location, say<M::round_division_first>(),
                  say<M::round_division_first_hint>(written.empty() ? "..." : written, kind_scale(q.checked.type.element)));
      return fail(e);
    }
    if (op == '+' || op == '-') adapt_pair(a, b);
    if (op == '*' && a.checked.adaptable_literal && b.checked.type.kind == Kind::Decimal) adapt_literal(a, Kind::Decimal);
    if (op == '*' && b.checked.adaptable_literal && a.checked.type.kind == Kind::Decimal) adapt_literal(b, Kind::Decimal);
    const Kind ka = a.checked.type.kind, kb = b.checked.type.kind;
    auto unit_error = [&](Message hint = {}) {
      const std::string ta = describe(a.checked.type), tb = describe(b.checked.type);
      sink_.error(e.location,
                  op == '+'   ? say<M::cannot_add>(ta, tb)
                  : op == '-' ? say<M::cannot_subtract>(ta, tb)
                  : op == '*' ? say<M::cannot_multiply>(ta, tb)
                              : say<M::cannot_divide>(ta, tb),
                  hint);
      fail(e);
    };
    if (!a.checked.type.is_number() || !b.checked.type.is_number())
      return unit_error(not_a_number_hint(a.checked.type.is_number() ? b : a));
    std::optional<ValueType> result;
    e.checked.fallible = true;
    if (op == '+' || op == '-') {
      if (ka == kb) result = a.checked.type;
      else if ((ka == Kind::Decimal && kb == Kind::Int) || (ka == Kind::Int && kb == Kind::Decimal)) result = scalar_type(Kind::Decimal);
      else if ((ka == Kind::Money && kb == Kind::Int) || (ka == Kind::Int && kb == Kind::Money))
        return unit_error(count_as_money_hint(ka == Kind::Int ? a : b));
      else return unit_error(ka == Kind::Money || kb == Kind::Money ? say<M::money_adds_to_money_hint>() : Message{});
    } else if (op == '*') {
      if (ka == Kind::Int && kb == Kind::Int) result = scalar_type(Kind::Int);
      else if ((ka == Kind::Money && kb == Kind::Int) || (ka == Kind::Int && kb == Kind::Money)) result = scalar_type(Kind::Money);
      else if ((ka == Kind::Decimal && kb == Kind::Int) || (ka == Kind::Int && kb == Kind::Decimal)) result = scalar_type(Kind::Decimal);
      else if ((ka == Kind::Money && kb == Kind::Decimal) || (ka == Kind::Decimal && kb == Kind::Money)) result = quotient_type(Kind::Money);
      else if (ka == Kind::Decimal && kb == Kind::Decimal) result = quotient_type(Kind::Decimal);
      else return unit_error(say<M::money_times_money_hint>());
    } else {
      if (ka == Kind::Money && (kb == Kind::Int || kb == Kind::Decimal)) result = quotient_type(Kind::Money);
      else if (ka == Kind::Money && kb == Kind::Money) result = quotient_type(Kind::Decimal);
      else if ((ka == Kind::Int || ka == Kind::Decimal) && (kb == Kind::Int || kb == Kind::Decimal)) result = quotient_type(Kind::Decimal);
      else return unit_error(say<M::divided_by_money_hint>());
    }
    ok(e, *result);
    // Constant folding, where it is free: + - * of two constants of the same scale story.
    if (a.checked.constant && b.checked.constant && result->kind != Kind::Quotient) {
      std::int64_t x = *a.checked.constant, y = *b.checked.constant, v = 0;
      const int target = kind_scale(result->kind);
      bool fits = true;
      if (op == '*') {
        fits = checked_mul(x, y, v);  // one side is an int, so the scale is already right
      } else {
        fits = checked_scale_up(x, target - kind_scale(ka), x) && checked_scale_up(y, target - kind_scale(kb), y) &&
               (op == '+' ? checked_add(x, y, v) : checked_sub(x, y, v));
      }
      if (!fits) {
        sink_.error(e.location, say<M::calculation_overflows>());
        return fail(e);
      }
      e.checked.constant = v;
      e.checked.fallible = false;
      e.checked.adaptable_literal = a.checked.adaptable_literal && b.checked.adaptable_literal;
    }
  }

  // Whether `a op b` can be evaluated; literals already adapted. Reports if not.
  bool check_comparable(Expr& a, Expr& b, ast::CompareOp op, const Location& where) {
    adapt_pair(a, b);
    const ValueType& ta = a.checked.type;
    const ValueType& tb = b.checked.type;
    const bool ordered = op != ast::CompareOp::Eq && op != ast::CompareOp::Ne;
    auto numeric_units = [](const ValueType& t) { return t.kind == Kind::Quotient ? t.element : t.kind; };
    const bool a_num = ta.is_number() || ta.kind == Kind::Quotient;
    const bool b_num = tb.is_number() || tb.kind == Kind::Quotient;
    if (a_num && b_num) {
      const Kind ua = numeric_units(ta), ub = numeric_units(tb);
      if (ua == ub) return true;
      if ((ua == Kind::Int && ub == Kind::Decimal) || (ua == Kind::Decimal && ub == Kind::Int)) return true;
      Message hint = ua == Kind::Money || ub == Kind::Money ? say<M::money_compares_with_money_hint>() : Message{};
      const Expr& count = ua == Kind::Int ? a : b;
      if ((ua == Kind::Money || ub == Kind::Money) && count.checked.type.kind == Kind::Int && count.tag == ExprTag::Name)
        hint = say<M::count_compared_with_money_hint>(quoted(count));
      sink_.error(where, say<M::cannot_compare>(describe(ta), describe(tb)), hint);
      return false;
    }
    if (ta.kind == Kind::List || tb.kind == Kind::List) {
      sink_.error(where, say<M::list_compared>(), say<M::list_compared_hint>());
      return false;
    }
    if (!(ta == tb)) {
      Message hint;
      const Expr& choice = ta.kind == Kind::Enum ? a : b;
      if (choice.checked.type.kind == Kind::Enum && !out_.enums[choice.checked.type.enum_id].members.empty()) {
        const EnumDef& def = out_.enums[choice.checked.type.enum_id];
        hint = say<M::enum_compared_hint>(quoted(choice), join_members(def), choice.tag == ExprTag::Name ? choice.text : "...",
                                          def.members.back());
      }
      sink_.error(where, say<M::cannot_compare>(describe(ta), describe(tb)), hint);
      return false;
    }
    if (ordered && (ta.kind == Kind::Bool || ta.kind == Kind::Enum || ta.kind == Kind::Text)) {
      sink_.error(where, say<M::no_order>(describe(ta)),
                  ta.kind == Kind::Enum && a.tag == ExprTag::Name
                      ? say<M::no_order_enum_hint>(a.text, out_.enums[ta.enum_id].members.back())
                      : Message{});
      return false;
    }
    return true;
  }

  void check_compare(Expr& e) {
    // The left side first, so that `house = d` can read `d` as a house grade.
    check_expr(*e.args[0], std::nullopt);
    Expr& a = *e.args[0];
    std::optional<ValueType> hint;
    if (a.checked.ok) hint = a.checked.type;
    check_expr(*e.args[1], hint);
    Expr& b = *e.args[1];
    if (!a.checked.ok || !b.checked.ok) return fail(e);
    for (Expr* side : {&a, &b})
      if (side->checked.maybe_missing) { report_maybe_missing(*side); return fail(e); }
    e.checked.fallible = a.checked.fallible || b.checked.fallible;
    if (!check_comparable(a, b, e.compare, e.location)) return fail(e);
    ok(e, scalar_type(Kind::Bool));
    e.checked.fallible = a.checked.fallible || b.checked.fallible;
    if (a.checked.constant && b.checked.constant && a.checked.type == b.checked.type) {
      const std::int64_t x = *a.checked.constant, y = *b.checked.constant;
      bool v = false;
      switch (e.compare) {
        case ast::CompareOp::Lt: v = x < y; break;
        case ast::CompareOp::Le: v = x <= y; break;
        case ast::CompareOp::Gt: v = x > y; break;
        case ast::CompareOp::Ge: v = x >= y; break;
        case ast::CompareOp::Eq: v = x == y; break;
        case ast::CompareOp::Ne: v = x != y; break;
      }
      e.checked.constant = v ? 1 : 0;
    }
  }

  void check_is_missing(Expr& e) {
    check_expr(*e.args[0], std::nullopt);
    Expr& a = *e.args[0];
    if (!a.checked.ok) return fail(e);
    if (!a.checked.maybe_missing) {
      sink_.error(e.location,
                  a.checked.symbol == ast::SymbolKind::Field ? say<M::field_never_missing>(a.text)
                  : a.text.empty()                           ? say<M::value_never_missing>(say<M::this_value>())
                                                             : say<M::value_never_missing>("`" + a.text + "`"),
                  say<M::never_missing_test_hint>());
      return fail(e);
    }
    ok(e, scalar_type(Kind::Bool));
  }

  void check_is_member(Expr& e) {
    if (!check_args(e)) return fail(e);
    const ValueType& t = e.args[0]->checked.type;
    if (t.kind != Kind::Enum) {
      sink_.error(e.location, say<M::is_needs_enum>(e.text, describe(t)), say<M::is_needs_enum_hint>());
      return fail(e);
    }
    auto member = member_index(t.enum_id, e.text);
    if (!member) {
      // Enum values are often one letter (`c`, `d`), where a guess alone says little.
      const Message guess = did_you_mean(e.text, out_.enums[t.enum_id].members);
      const Message values = say<M::enum_values_hint>(out_.enums[t.enum_id].name, join_members(out_.enums[t.enum_id]));
      sink_.error(e.location, say<M::not_a_value_of>(e.text, out_.enums[t.enum_id].name),
                  guess.empty() ? values : say<M::guess_and_values_hint>(guess, values));
      return fail(e);
    }
    e.checked.index = *member;
    ok(e, scalar_type(Kind::Bool));
  }

  void check_default(Expr& e) {
    check_expr(*e.args[0], std::nullopt);
    Expr& a = *e.args[0];
    if (!a.checked.ok) return fail(e);
    check_expr(*e.args[1], a.checked.type);
    Expr& b = *e.args[1];
    if (!b.checked.ok) return fail(e);
    if (!a.checked.maybe_missing) {
      sink_.error(e.location, say<M::if_missing_never_missing>(a.text), say<M::if_missing_never_missing_hint>());
      return fail(e);
    }
    if (b.checked.maybe_missing) { report_maybe_missing(b); return fail(e); }
    if (!(a.checked.type == b.checked.type)) {
      sink_.error(b.location, say<M::if_missing_type>(a.text, describe(a.checked.type), describe(b.checked.type)));
      return fail(e);
    }
    ok(e, a.checked.type);
    e.checked.fallible = b.checked.fallible;
  }

  void check_call(Expr& e, const std::optional<ValueType>& /*expected*/) {
    const std::string& f = e.text;
    auto arity = [&](std::size_t lo, std::size_t hi, const Message& usage) {
      if (e.args.size() >= lo && e.args.size() <= hi) return true;
      sink_.error(e.location, say<M::function_takes>(f, usage));
      return false;
    };
    if (f == "min" || f == "max") {
      if (!arity(2, 16, say<M::usage_min_max>())) return fail(e);
      if (!check_args(e)) return fail(e);
      // Literals take the unit of the other values.
      for (auto& arg : e.args)
        for (auto& other : e.args) if (arg != other) adapt_pair(*arg, *other);
      const ValueType t = e.args[0]->checked.type;
      for (auto& arg : e.args) {
        if (!(arg->checked.type == t) || !(t.is_number() || t.kind == Kind::Date)) {
          sink_.error(arg->location, say<M::min_max_one_kind>(f, describe(arg->checked.type), describe(t)),
                      t.kind == Kind::Quotient || arg->checked.type.kind == Kind::Quotient ? say<M::round_divisions_first_hint>()
                                                                                           : Message{});
          return fail(e);
        }
      }
      ok(e, t);
      if (std::all_of(e.args.begin(), e.args.end(), [](auto& a) { return a->checked.constant.has_value(); })) {
        std::int64_t v = *e.args[0]->checked.constant;
        for (auto& arg : e.args) v = f == "min" ? std::min(v, *arg->checked.constant) : std::max(v, *arg->checked.constant);
        e.checked.constant = v;
      }
      return;
    }
    if (f == "abs") {
      if (!arity(1, 1, say<M::usage_abs>())) return fail(e);
      if (!check_args(e)) return fail(e);
      if (!e.args[0]->checked.type.is_number()) {
        sink_.error(e.args[0]->location, say<M::abs_needs_number>(describe(e.args[0]->checked.type)));
        return fail(e);
      }
      ok(e, e.args[0]->checked.type);
      e.checked.fallible = true;
      return;
    }
    if (f == "round") {
      if (!arity(2, 3, say<M::usage_round>()))
        return fail(e);
      check_expr(*e.args[0], std::nullopt);
      check_expr(*e.args[1], scalar_type(Kind::Int));
      Expr& x = *e.args[0];
      Expr& digits = *e.args[1];
      if (!x.checked.ok || !digits.checked.ok) return fail(e);
      if (x.checked.maybe_missing) { report_maybe_missing(x); return fail(e); }
      Kind units;
      if (x.checked.type.kind == Kind::Quotient) units = x.checked.type.element;
      else if (x.checked.type.kind == Kind::Money || x.checked.type.kind == Kind::Decimal) units = x.checked.type.kind;
      else {
        sink_.error(x.location, say<M::round_needs_number>(describe(x.checked.type)));
        return fail(e);
      }
      if (digits.checked.type.kind != Kind::Int || !digits.checked.constant || *digits.checked.constant < 0 ||
          *digits.checked.constant > kind_scale(units)) {
        sink_.error(digits.location,
                    say<M::round_digits>(kind_scale(units), kind_words(units, sink_.language())),
                    units == Kind::Money ? say<M::round_digits_money_hint>() : Message{});
        return fail(e);
      }
      if (e.args.size() == 3) {
        Expr& mode = *e.args[2];
        const auto found = std::find(kRoundingModes.begin(), kRoundingModes.end(), mode.text);
        if (mode.tag != ExprTag::Name || found == kRoundingModes.end()) {
          Message hint = did_you_mean(mode.text, kRoundingModes);
          if (hint.empty()) hint = say<M::unknown_rounding_mode_hint>();
          sink_.error(mode.location, say<M::unknown_rounding_mode>(mode.text), hint);
          return fail(e);
        }
        mode.checked.ok = true;
        mode.checked.index = static_cast<std::uint32_t>(found - kRoundingModes.begin());
      }
      ok(e, scalar_type(units));
      e.checked.fallible = true;
      return;
    }
    if (f == "count" || f == "sum") {
      if (!arity(1, 1, say<M::usage_count_sum>())) return fail(e);
      if (f == "count" && count_table_rows(*e.args[0])) {
        ok(e, scalar_type(Kind::Int));
        return;
      }
      if (!check_args(e)) return fail(e);
      const ValueType& t = e.args[0]->checked.type;
      if (t.kind != Kind::List) {
        sink_.error(e.args[0]->location, say<M::needs_list>(f, describe(t)), say<M::needs_list_hint>());
        return fail(e);
      }
      if (f == "count") {
        ok(e, scalar_type(Kind::Int));
        return;
      }
      if (t.element != Kind::Int && t.element != Kind::Money && t.element != Kind::Decimal) {
        sink_.error(e.args[0]->location, say<M::sum_needs_numbers>(describe(t)));
        return fail(e);
      }
      ok(e, scalar_type(t.element));
      e.checked.fallible = true;
      return;
    }
    if (f == "contains") {
      if (!arity(2, 2, say<M::usage_contains>())) return fail(e);
      check_expr(*e.args[0], std::nullopt);
      if (!e.args[0]->checked.ok) return fail(e);
      const ValueType list = e.args[0]->checked.type;
      if (list.kind != Kind::List) {
        sink_.error(e.args[0]->location, say<M::contains_needs_list>(describe(list)));
        return fail(e);
      }
      ValueType element = scalar_type(list.element, list.enum_id);
      check_expr(*e.args[1], element);
      if (!e.args[1]->checked.ok) return fail(e);
      if (e.args[1]->checked.maybe_missing) { report_maybe_missing(*e.args[1]); return fail(e); }
      if (!expect_type(*e.args[1], element, say<M::what_value_to_look_for>().text)) return fail(e);
      ok(e, scalar_type(Kind::Bool));
      return;
    }
    Message suggestion = did_you_mean(f, kFunctions);
    if (f == "total") suggestion = say<M::did_you_mean>("sum");
    if (suggestion.empty()) suggestion = say<M::unknown_function_hint>();
    sink_.error(e.location, say<M::unknown_function>(f), suggestion);
    fail(e);
  }

  ast::PolicyFile& file_;
  DiagnosticSink& sink_;
  CheckedPolicy& out_;
  std::map<std::string, Symbol> values_;
  std::map<std::string, std::uint16_t> enum_ids_;
  std::map<std::string, Location> declared_at_;
  std::vector<bool> param_used_;
  std::set<std::pair<const ast::TableDecl*, std::size_t>> settled_columns_;
  std::map<std::pair<const ast::TableDecl*, std::size_t>, bool> inferred_enum_columns_;
};

}  // namespace

bool check_policy(ast::PolicyFile& file, DiagnosticSink& sink, CheckedPolicy& out) {
  Checker checker(file, sink, out);
  return checker.run();
}

std::string hit_policy_name(const CheckedTable& table) {
  switch (table.aggregate) {
    case TableAggregate::Sum: return "collect sum";
    case TableAggregate::Min: return "collect min";
    case TableAggregate::Max: return "collect max";
    case TableAggregate::Count: return "collect count";
    case TableAggregate::None: break;
  }
  switch (table.hit) {
    case HitPolicy::Unique: return "unique";
    case HitPolicy::First: return "first";
    case HitPolicy::Priority: return "priority";
    case HitPolicy::Any: return "any";
    case HitPolicy::Collect: return "collect";
    case HitPolicy::RuleOrder: return "rule order";
  }
  return "unique";
}

}  // namespace precept
