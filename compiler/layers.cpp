#include "layers.hpp"

#include "ast_builder.hpp"
#include "checker.hpp"
#include "policy_file.hpp"
#include "witness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace precept {

namespace {

using ast::DeclKind;
using ast::Expr;
using ast::ExprPtr;
using ast::Location;
using ast::PolicyFile;
using M = MessageId;

// A chain longer than this is surely a mistake (and bounds the work).
constexpr std::size_t kMaxLayers = 32;

// --- small tree helpers ---

ExprPtr clone(const Expr& e) {
  auto copy = std::make_unique<Expr>();
  copy->tag = e.tag;
  copy->location = e.location;
  copy->text = e.text;
  copy->member = e.member;
  copy->unit = e.unit;
  copy->is_percent = e.is_percent;
  copy->bool_value = e.bool_value;
  copy->op = e.op;
  copy->compare = e.compare;
  copy->negated = e.negated;
  for (const auto& arg : e.args) copy->args.push_back(clone(*arg));
  return copy;
}

// The same expression, written however: decides whether an `extend table` header
// tests the same values as the table's own.
bool same_expr(const Expr* a, const Expr* b) {
  if (!a || !b) return a == b;
  if (a->tag != b->tag || a->text != b->text || a->member != b->member || a->unit != b->unit ||
      a->is_percent != b->is_percent || a->bool_value != b->bool_value || a->op != b->op ||
      a->compare != b->compare || a->negated != b->negated || a->args.size() != b->args.size())
    return false;
  for (std::size_t i = 0; i < a->args.size(); ++i)
    if (!same_expr(a->args[i].get(), b->args[i].get())) return false;
  return true;
}

ExprPtr make_binary(ast::ExprTag tag, ExprPtr left, ExprPtr right, const Location& where) {
  auto e = std::make_unique<Expr>();
  e->tag = tag;
  e->location = where;
  e->args.push_back(std::move(left));
  e->args.push_back(std::move(right));
  return e;
}

ExprPtr make_not(ExprPtr inner, const Location& where) {
  auto e = std::make_unique<Expr>();
  e->tag = ast::ExprTag::Not;
  e->location = where;
  e->args.push_back(std::move(inner));
  return e;
}

// Every location in a parent's tree gets its file's number, so the checker's
// diagnostics about inherited declarations name the parent.
struct Retagger {
  std::uint16_t file;
  void at(Location& l) const { l.file = file; }
  void expr(ExprPtr& e) const {
    if (!e) return;
    at(e->location);
    for (auto& arg : e->args) expr(arg);
  }
  void meta_free_type(ast::TypeRef& t) const { at(t.location); }
  void run(PolicyFile& f) const {
    at(f.location);
    at(f.extends_location);
    for (auto& d : f.enums) {
      at(d.location);
      for (auto& m : d.members) at(m.second);
    }
    for (auto& d : f.records) {
      at(d.location);
      for (auto& field : d.fields) {
        at(field.location);
        meta_free_type(field.type);
        expr(field.check_value);
        expr(field.default_value);
      }
    }
    for (auto& d : f.params) {
      at(d.location);
      meta_free_type(d.type);
      expr(d.value);
      for (auto& v : d.dated) {
        at(v.location);
        expr(v.value);
      }
    }
    for (auto& d : f.lets) {
      at(d.location);
      if (d.type) meta_free_type(*d.type);
      expr(d.value);
    }
    for (auto& d : f.rules) {
      at(d.location);
      expr(d.condition);
    }
    for (auto& d : f.decides) {
      at(d.location);
      if (d.type) meta_free_type(*d.type);
      for (auto& b : d.branches) {
        expr(b.condition);
        expr(b.outcome);
      }
      expr(d.otherwise);
    }
    for (auto& d : f.tables) {
      at(d.location);
      at(d.hit_location);
      expr(d.guard);
      for (auto& c : d.columns) {
        at(c.location);
        if (c.type) meta_free_type(*c.type);
        expr(c.input);
      }
      for (auto& r : d.rows) {
        at(r.location);
        for (auto& cell : r.cells) {
          at(cell.location);
          for (auto& v : cell.values) expr(v);
        }
      }
    }
    for (auto& d : f.requires_) {
      at(d.location);
      expr(d.condition);
    }
    for (auto& d : f.outputs) {
      at(d.location);
      for (auto& item : d.items) {
        at(item.location);
        expr(item.value);
      }
    }
    for (auto& d : f.summaries) {
      at(d.location);
      for (auto& m : d.measures) {
        at(m.location);
        expr(m.value);
      }
      for (auto& g : d.groups) {
        at(g.location);
        for (auto& field : g.fields) at(field.second);
      }
    }
    for (auto& r : f.registers) {
      at(r.location);
      for (auto& b : r.booleans) at(b.location);
      for (auto& d : r.fullwidth_digits) at(d);
      for (auto& t : r.thousands) at(t.location);
      for (auto& a : r.aliases) at(a.location);
    }
    for (auto& x : f.exceptions) {
      at(x.location);
      at(x.target_location);
      expr(x.condition);
      expr(x.value);
    }
  }
};

const char* kind_word(DeclKind kind) {
  switch (kind) {
    case DeclKind::Enum: return "enum";
    case DeclKind::Record: return "record";
    case DeclKind::Param: return "param";
    case DeclKind::Let: return "let";
    case DeclKind::Rule: return "rule";
    case DeclKind::Decide: return "decide";
    case DeclKind::Table: return "table";
    case DeclKind::Require: return "require";
    case DeclKind::Output: return "output";
    case DeclKind::Summary: return "summary";
    case DeclKind::Example: return "example";
  }
  return "declaration";
}

// "a rule", "an enum" (in Chinese the keyword alone).
std::string with_article(const std::string& word, Language language) {
  return (word.empty() || std::string("aeiou").find(word[0]) == std::string::npos ? say<M::a_kind>(language, word)
                                                                                   : say<M::an_kind>(language, word)).text;
}

// What to write instead of declaring an inherited name again.
std::string instead(DeclKind kind, const std::string& name, Language language) {
  switch (kind) {
    case DeclKind::Param: return say<M::instead_override_param>(language, name).text;
    case DeclKind::Let: return say<M::instead_replace_let>(language, name).text;
    case DeclKind::Rule: return say<M::instead_replace_rule>(language, name).text;
    case DeclKind::Decide: return say<M::instead_replace_decide>(language, name).text;
    case DeclKind::Table: return say<M::instead_extend_table>(language, name).text;
    case DeclKind::Enum: return say<M::instead_extend_enum>(language, name).text;
    case DeclKind::Record: return say<M::instead_extend_record>(language, name).text;
    default: return say<M::already_defined_hint>(language).text;
  }
}

// --- the merge ---

class Merger {
 public:
  Merger(DiagnosticSink& sink, ResolvedPolicy* resolved) : sink_(sink), resolved_(resolved) {}

  std::string at(const Location& l) const { return fmt::format("{}:{}", sink_.file_name(l.file), l.line); }

  // Folds `child` into `base` (the already flat parents). Both are consumed into `base`.
  void merge(PolicyFile& base, PolicyFile& child) {
    if (!child.name.empty()) base.name = child.name;
    if (!child.place.empty()) base.place = child.place;
    if (child.year != 0) base.year = child.year;
    if (!child.language.empty()) base.language = child.language;
    base.location = child.location;
    // Examples are not inherited: a parent's examples say what the parent
    // decides, and a county that changes the line would fail the nation's. A
    // file of examples that extends a policy tests that policy with its own.
    std::erase_if(base.order, [](const ast::DeclRef& ref) { return ref.kind == DeclKind::Example; });
    base.examples.clear();
    for (auto& x : child.exceptions) base.exceptions.push_back(std::move(x));
    // A county's register declaration adds to its province's.
    for (auto& r : child.registers) base.registers.push_back(std::move(r));
    for (const auto& ref : child.order) {
      switch (ref.kind) {
        case DeclKind::Enum: merge_enum(base, child.enums[ref.index]); break;
        case DeclKind::Record: merge_record(base, child.records[ref.index]); break;
        case DeclKind::Param: merge_param(base, child.params[ref.index]); break;
        case DeclKind::Let: merge_named(base, base.lets, child.lets[ref.index], DeclKind::Let); break;
        case DeclKind::Rule: merge_named(base, base.rules, child.rules[ref.index], DeclKind::Rule); break;
        case DeclKind::Decide: merge_named(base, base.decides, child.decides[ref.index], DeclKind::Decide); break;
        case DeclKind::Table: merge_table(base, child.tables[ref.index]); break;
        case DeclKind::Require: add(base, base.requires_, std::move(child.requires_[ref.index]), DeclKind::Require); break;
        case DeclKind::Output: merge_output(base, child.outputs[ref.index]); break;
        case DeclKind::Summary: merge_summary(base, child.summaries[ref.index]); break;
        case DeclKind::Example: add(base, base.examples, std::move(child.examples[ref.index]), DeclKind::Example); break;
      }
    }
  }

  // A file with no parent may still not use layering words: there is nothing to change.
  void reject_layer_words(PolicyFile& file) {
    const Message hint = sink_.say<M::layer_word_without_parent_hint>();
    auto reject = [&](const Location& where, const char* words, const std::string& name) {
      sink_.error(where, sink_.say<M::layer_word_without_parent>(words, name), hint);
    };
    for (auto& d : file.params)
      if (d.is_override) reject(d.location, "override param", d.name);
    for (auto& d : file.lets)
      if (d.replaces) reject(d.location, "replace let", d.name);
    for (auto& d : file.rules)
      if (d.replaces) reject(d.location, "replace rule", d.name);
    for (auto& d : file.decides)
      if (d.replaces) reject(d.location, "replace decide", d.name);
    for (auto& d : file.enums)
      if (d.extends_existing) reject(d.location, "extend enum", d.name);
    for (auto& d : file.records)
      if (d.extends_existing) reject(d.location, "extend record", d.name);
    for (auto& d : file.tables)
      if (d.extends_existing) reject(d.location, "extend table", d.name);
  }

  // Where each named declaration of the flat policy is, by name.
  struct Found {
    DeclKind kind;
    std::size_t index;
    Location where;
  };
  static bool is_type(DeclKind kind) { return kind == DeclKind::Enum || kind == DeclKind::Record; }

  // The declaration `name` in the namespace of `kind` (types: enum and record;
  // values: the others), preferring one of that very kind.
  std::optional<Found> find(const PolicyFile& f, const std::string& name, DeclKind kind) const {
    std::optional<Found> same_space;
    for (const auto& ref : f.order) {
      auto found = find_at(f, name, ref);
      if (!found || is_type(found->kind) != is_type(kind)) continue;
      if (found->kind == kind) return found;
      if (!same_space) same_space = found;
    }
    return same_space;
  }

  std::optional<Found> find_at(const PolicyFile& f, const std::string& name, const ast::DeclRef& ref) const {
    switch (ref.kind) {
        case DeclKind::Enum: if (f.enums[ref.index].name == name) return Found{ref.kind, ref.index, f.enums[ref.index].location}; break;
        case DeclKind::Param: if (f.params[ref.index].name == name) return Found{ref.kind, ref.index, f.params[ref.index].location}; break;
        case DeclKind::Let: if (f.lets[ref.index].name == name) return Found{ref.kind, ref.index, f.lets[ref.index].location}; break;
        case DeclKind::Rule: if (f.rules[ref.index].name == name) return Found{ref.kind, ref.index, f.rules[ref.index].location}; break;
        case DeclKind::Decide: if (f.decides[ref.index].name == name) return Found{ref.kind, ref.index, f.decides[ref.index].location}; break;
        case DeclKind::Table: if (f.tables[ref.index].name == name) return Found{ref.kind, ref.index, f.tables[ref.index].location}; break;
        case DeclKind::Record: if (f.records[ref.index].name == name) return Found{ref.kind, ref.index, f.records[ref.index].location}; break;
        default: break;
    }
    return std::nullopt;
  }

  std::vector<std::string> names_of(const PolicyFile& f, std::initializer_list<DeclKind> kinds) const {
    std::vector<std::string> names;
    auto want = [&](DeclKind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); };
    for (const auto& ref : f.order) {
      if (!want(ref.kind)) continue;
      switch (ref.kind) {
        case DeclKind::Enum: names.push_back(f.enums[ref.index].name); break;
        case DeclKind::Record: names.push_back(f.records[ref.index].name); break;
        case DeclKind::Param: names.push_back(f.params[ref.index].name); break;
        case DeclKind::Let: names.push_back(f.lets[ref.index].name); break;
        case DeclKind::Rule: names.push_back(f.rules[ref.index].name); break;
        case DeclKind::Decide: names.push_back(f.decides[ref.index].name); break;
        case DeclKind::Table: names.push_back(f.tables[ref.index].name); break;
        default: break;
      }
    }
    return names;
  }

  // A new declaration whose name the parents already use.
  bool clashes(const PolicyFile& base, const std::string& name, const Location& where, DeclKind kind) {
    const auto found = find(base, name, kind);
    if (!found) return false;
    sink_.error(where, sink_.say<M::already_defined_in>(name, at(found->where), instead(found->kind, name, sink_.language())));
    return true;
  }

  template <typename T>
  void add(PolicyFile& base, std::vector<T>& list, T&& decl, DeclKind kind) {
    list.push_back(std::move(decl));
    base.order.push_back({kind, list.size() - 1});
  }

  void merge_enum(PolicyFile& base, ast::EnumDecl& decl) {
    if (!decl.extends_existing) {
      if (!clashes(base, decl.name, decl.location, DeclKind::Enum)) add(base, base.enums, std::move(decl), DeclKind::Enum);
      return;
    }
    auto found = find(base, decl.name, DeclKind::Enum);
    if (!found || found->kind != DeclKind::Enum) {
      unknown(decl.location, "enum", decl.name, names_of(base, {DeclKind::Enum}), found);
      return;
    }
    auto& target = base.enums[found->index];
    for (auto& member : decl.members) {
      const auto same = std::find_if(target.members.begin(), target.members.end(),
                                     [&](const auto& m) { return m.first == member.first; });
      if (same != target.members.end()) {
        sink_.error(member.second, sink_.say<M::already_a_member>(member.first, decl.name, at(same->second)),
                    sink_.say<M::remove_it_here_hint>());
        continue;
      }
      target.members.push_back(member);
    }
    note_change(decl.name, fmt::format("members added at {}", at(decl.location)));
  }

  void merge_record(PolicyFile& base, ast::RecordDecl& decl) {
    if (!decl.extends_existing) {
      if (!base.records.empty()) {
        sink_.error(decl.location, sink_.say<M::record_already_defined_in>(base.records[0].name, at(base.records[0].location),
                                                                            instead(DeclKind::Record, base.records[0].name,
                                                                                    sink_.language())));
        return;
      }
      if (!clashes(base, decl.name, decl.location, DeclKind::Record)) add(base, base.records, std::move(decl), DeclKind::Record);
      return;
    }
    auto found = find(base, decl.name, DeclKind::Record);
    if (!found || found->kind != DeclKind::Record) {
      unknown(decl.location, "record", decl.name, names_of(base, {DeclKind::Record}), found);
      return;
    }
    auto& target = base.records[found->index];
    for (auto& field : decl.fields) {
      const auto same = std::find_if(target.fields.begin(), target.fields.end(),
                                     [&](const auto& f) { return f.name == field.name; });
      if (same != target.fields.end()) {
        sink_.error(field.location, sink_.say<M::already_a_field>(field.name, decl.name, at(same->location)),
                    sink_.say<M::remove_it_here_hint>());
        continue;
      }
      target.fields.push_back(std::move(field));
    }
    note_change(decl.name, fmt::format("fields added at {}", at(decl.location)));
  }

  void merge_param(PolicyFile& base, ast::ParamDecl& decl) {
    check_years(decl);
    if (!decl.is_override) {
      if (!clashes(base, decl.name, decl.location, DeclKind::Param)) add(base, base.params, std::move(decl), DeclKind::Param);
      return;
    }
    auto found = find(base, decl.name, DeclKind::Param);
    if (!found || found->kind != DeclKind::Param) {
      unknown(decl.location, "param", decl.name, names_of(base, {DeclKind::Param}), found, "override");
      return;
    }
    auto& target = base.params[found->index];
    if (decl.value) {
      // A single value replaces every year's.
      target.value = std::move(decl.value);
      target.dated.clear();
      value_origin_[decl.name] = decl.location;
    }
    for (auto& entry : decl.dated) {
      auto same = std::find_if(target.dated.begin(), target.dated.end(),
                               [&](const auto& d) { return d.year == entry.year; });
      if (same != target.dated.end()) *same = std::move(entry);
      else target.dated.push_back(std::move(entry));
    }
    std::stable_sort(target.dated.begin(), target.dated.end(),
                     [](const auto& a, const auto& b) { return a.year < b.year; });
    if (!decl.metadata.description.empty()) target.metadata.description = decl.metadata.description;
    if (!decl.metadata.source.empty()) target.metadata.source = decl.metadata.source;
    note_change(decl.name, fmt::format("overridden at {}", at(decl.location)));
  }

  void check_years(const ast::ParamDecl& decl) {
    std::map<int, Location> seen;
    for (const auto& entry : decl.dated) {
      if (entry.year == 0) continue;
      auto [it, fresh] = seen.emplace(entry.year, entry.location);
      if (!fresh)
        sink_.error(entry.location, sink_.say<M::two_values_for_year>(decl.name, entry.year, it->second.line),
                    sink_.say<M::two_values_for_year_hint>());
    }
  }

  template <typename T>
  void merge_named(PolicyFile& base, std::vector<T>& list, T& decl, DeclKind kind) {
    if (!decl.replaces) {
      if (!clashes(base, decl.name, decl.location, kind)) add(base, list, std::move(decl), kind);
      return;
    }
    auto found = find(base, decl.name, kind);
    if (!found || found->kind != kind) {
      unknown(decl.location, kind_word(kind), decl.name, names_of(base, {kind}), found, "replace");
      return;
    }
    auto& target = list[found->index];
    if constexpr (!std::is_same_v<T, ast::RuleDecl>) {
      // The replacement has the type of what it replaces: written again it must
      // agree; left out, it is taken over so the checker holds the new value to it.
      if (decl.type && target.type &&
          (decl.type->name != target.type->name || decl.type->is_list != target.type->is_list)) {
        const std::string type = (target.type->is_list ? "list of " : "") + target.type->name;
        sink_.error(decl.type->location, sink_.say<M::replacement_type>(decl.name, type, at(target.location)),
                    sink_.say<M::write_this_hint>(type));
        return;
      }
      if (!decl.type && target.type) decl.type = target.type;
    }
    const Location original = target.location;
    target = std::move(decl);
    note_change(target.name, fmt::format("replaced at {} (first defined at {})", at(target.location), at(original)));
  }

  void merge_table(PolicyFile& base, ast::TableDecl& decl) {
    if (!decl.extends_existing) {
      if (!clashes(base, decl.name, decl.location, DeclKind::Table)) add(base, base.tables, std::move(decl), DeclKind::Table);
      return;
    }
    auto found = find(base, decl.name, DeclKind::Table);
    if (!found || found->kind != DeclKind::Table) {
      unknown(decl.location, "table", decl.name, names_of(base, {DeclKind::Table}), found);
      return;
    }
    auto& target = base.tables[found->index];
    if (!same_header(target, decl)) {
      sink_.error(decl.columns.empty() ? decl.location : decl.columns[0].location,
                  sink_.say<M::extend_table_header>(decl.name, at(target.location)), sink_.say<M::extend_table_header_hint>());
      return;
    }
    const std::size_t added = decl.rows.size();
    for (auto& row : decl.rows) target.rows.push_back(std::move(row));
    note_change(decl.name, fmt::format("{} row{} added at {}", added, added == 1 ? "" : "s", at(decl.location)));
  }

  static bool same_header(const ast::TableDecl& a, const ast::TableDecl& b) {
    if (a.columns.size() != b.columns.size()) return false;
    for (std::size_t i = 0; i < a.columns.size(); ++i) {
      const auto& x = a.columns[i];
      const auto& y = b.columns[i];
      if (x.kind != y.kind || x.name != y.name || !same_expr(x.input.get(), y.input.get())) return false;
      if (x.type && y.type && (x.type->name != y.type->name || x.type->is_list != y.type->is_list)) return false;
    }
    return true;
  }

  // The checker accepts one `output` and one `summary`: a child's are added to its parent's.
  void merge_output(PolicyFile& base, ast::OutputDecl& decl) {
    if (base.outputs.empty()) return add(base, base.outputs, std::move(decl), DeclKind::Output);
    for (auto& item : decl.items) base.outputs[0].items.push_back(std::move(item));
  }

  void merge_summary(PolicyFile& base, ast::SummaryDecl& decl) {
    if (base.summaries.empty()) return add(base, base.summaries, std::move(decl), DeclKind::Summary);
    for (auto& m : decl.measures) base.summaries[0].measures.push_back(std::move(m));
    for (auto& g : decl.groups) base.summaries[0].groups.push_back(std::move(g));
  }

  void unknown(const Location& where, const char* kind, const std::string& name,
               const std::vector<std::string>& candidates, const std::optional<Found>& other,
               const char* verb = "extend") {
    if (other) {
      const Language language = sink_.language();
      sink_.error(where,
                  sink_.say<M::layer_target_other_kind>(name, with_article(kind_word(other->kind), language), at(other->where),
                                                        with_article(kind, language)),
                  sink_.say<M::layer_word_changes>(verb, kind, with_article(kind, language)));
      return;
    }
    Message hint = did_you_mean(sink_.language(), name, candidates);
    if (hint.empty()) hint = sink_.say<M::layer_word_changes_new>(verb, kind, with_article(kind, sink_.language()));
    sink_.error(where, sink_.say<M::layer_no_target>(kind, name, verb), hint);
  }

  void note_change(const std::string& name, std::string change) { changes_[name].push_back(std::move(change)); }

  std::map<std::string, std::vector<std::string>> changes_;
  std::map<std::string, Location> value_origin_;

 private:
  DiagnosticSink& sink_;
  [[maybe_unused]] ResolvedPolicy* resolved_;
};

// Only the declarations `order` names, renumbered: replaced and converted ones
// leave no holes for the checker and lowering to trip on.
PolicyFile compact(PolicyFile& f) {
  PolicyFile out;
  out.name = std::move(f.name);
  out.place = std::move(f.place);
  out.year = f.year;
  out.language = std::move(f.language);
  out.location = f.location;
  out.extends = std::move(f.extends);
  out.extends_location = f.extends_location;
  out.registers = std::move(f.registers);
  auto move_into = [&](auto& to, auto& from, DeclKind kind, std::size_t index) {
    to.push_back(std::move(from[index]));
    out.order.push_back({kind, to.size() - 1});
  };
  for (const auto& ref : f.order) {
    switch (ref.kind) {
      case DeclKind::Enum: move_into(out.enums, f.enums, ref.kind, ref.index); break;
      case DeclKind::Record: move_into(out.records, f.records, ref.kind, ref.index); break;
      case DeclKind::Param: move_into(out.params, f.params, ref.kind, ref.index); break;
      case DeclKind::Let: move_into(out.lets, f.lets, ref.kind, ref.index); break;
      case DeclKind::Rule: move_into(out.rules, f.rules, ref.kind, ref.index); break;
      case DeclKind::Decide: move_into(out.decides, f.decides, ref.kind, ref.index); break;
      case DeclKind::Table: move_into(out.tables, f.tables, ref.kind, ref.index); break;
      case DeclKind::Require: move_into(out.requires_, f.requires_, ref.kind, ref.index); break;
      case DeclKind::Output: move_into(out.outputs, f.outputs, ref.kind, ref.index); break;
      case DeclKind::Summary: move_into(out.summaries, f.summaries, ref.kind, ref.index); break;
      case DeclKind::Example: move_into(out.examples, f.examples, ref.kind, ref.index); break;
    }
  }
  return out;
}

std::string quote_source(const DiagnosticSink& sink, const Expr* e) {
  if (!e) return {};
  const std::string_view line = sink.line_text(e->location);
  // Columns count characters; walk the UTF-8 to find the bytes.
  std::size_t start = line.size(), end = line.size();
  for (std::size_t i = 0, cp = 1; i <= line.size(); ++cp) {
    if (cp == e->location.column) start = i;
    if (cp == e->location.column + e->location.length) { end = i; break; }
    if (i == line.size()) break;
    const unsigned char b = static_cast<unsigned char>(line[i]);
    i += b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
  }
  if (start >= line.size()) return {};
  return std::string(line.substr(start, end - start));
}

void names_read(const Expr* e, std::set<std::string>& names) {
  if (!e) return;
  if (e->tag == ast::ExprTag::Name || e->tag == ast::ExprTag::Member) names.insert(e->text);
  for (const auto& arg : e->args) names_read(arg.get(), names);
}

// The names a declaration reads, and the name it defines ("" for none).
std::pair<std::string, std::set<std::string>> dependencies(const PolicyFile& f, const ast::DeclRef& ref) {
  std::set<std::string> reads;
  switch (ref.kind) {
    case DeclKind::Param: {
      const auto& d = f.params[ref.index];
      names_read(d.value.get(), reads);
      return {d.name, reads};
    }
    case DeclKind::Let: {
      const auto& d = f.lets[ref.index];
      names_read(d.value.get(), reads);
      return {d.name, reads};
    }
    case DeclKind::Rule: {
      const auto& d = f.rules[ref.index];
      names_read(d.condition.get(), reads);
      return {d.name, reads};
    }
    case DeclKind::Decide: {
      const auto& d = f.decides[ref.index];
      for (const auto& b : d.branches) {
        names_read(b.condition.get(), reads);
        names_read(b.outcome.get(), reads);
      }
      names_read(d.otherwise.get(), reads);
      return {d.name, reads};
    }
    case DeclKind::Table: {
      const auto& d = f.tables[ref.index];
      names_read(d.guard.get(), reads);
      for (const auto& c : d.columns) names_read(c.input.get(), reads);
      for (const auto& r : d.rows)
        for (const auto& cell : r.cells)
          for (const auto& v : cell.values) names_read(v.get(), reads);
      return {d.name, reads};
    }
    case DeclKind::Require: names_read(f.requires_[ref.index].condition.get(), reads); return {"", reads};
    case DeclKind::Output:
      for (const auto& item : f.outputs[ref.index].items) names_read(item.value.get(), reads);
      return {"", reads};
    case DeclKind::Summary:
      for (const auto& m : f.summaries[ref.index].measures) names_read(m.value.get(), reads);
      return {"", reads};
    default: return {"", reads};
  }
}

// Layers interleave: a county's exception to the nation's `poor` may read a
// parameter the county declares, below everything it inherits. The merged
// declarations are put in an order where each comes after what it reads,
// otherwise keeping the order they were written in. A true cycle (a child's
// replacement reading what reads it) is left as it is, for the checker to report.
void order_by_dependencies(PolicyFile& f) {
  std::map<std::string, std::size_t> defined_by;  // name -> position in f.order
  std::vector<std::pair<std::string, std::set<std::string>>> deps;
  // What each declaration defines: its name, and for `output` every item it
  // names (a summary may read `total_assistance = ...`).
  std::vector<std::vector<std::string>> defines(f.order.size());
  for (std::size_t i = 0; i < f.order.size(); ++i) {
    deps.push_back(dependencies(f, f.order[i]));
    if (!deps.back().first.empty()) defines[i].push_back(deps.back().first);
    if (f.order[i].kind == DeclKind::Output)
      for (const auto& item : f.outputs[f.order[i].index].items)
        if (!item.name.empty()) defines[i].push_back(item.name);
    for (const auto& name : defines[i]) defined_by.emplace(name, i);
  }
  std::vector<bool> placed(f.order.size(), false);
  std::vector<ast::DeclRef> order;
  std::set<std::string> available;
  while (order.size() < f.order.size()) {
    bool progress = false;
    for (std::size_t i = 0; i < f.order.size(); ++i) {
      if (placed[i]) continue;
      const bool ready = std::all_of(deps[i].second.begin(), deps[i].second.end(), [&](const std::string& name) {
        return std::find(defines[i].begin(), defines[i].end(), name) != defines[i].end() ||
               !defined_by.count(name) || available.count(name);
      });
      if (!ready) continue;
      placed[i] = true;
      order.push_back(f.order[i]);
      available.insert(defines[i].begin(), defines[i].end());
      progress = true;
      break;  // start again from the top: the earliest ready declaration goes next
    }
    if (!progress) {
      for (std::size_t i = 0; i < f.order.size(); ++i)
        if (!placed[i]) order.push_back(f.order[i]);
      break;
    }
  }
  f.order = std::move(order);
}

class Resolver {
 public:
  Resolver(DiagnosticSink& sink, const LayerOptions& options, LayerSources& sources)
      : sink_(sink), options_(options), sources_(sources) {}

  bool run(PolicyFile& root, ResolvedPolicy* resolved, std::vector<ExceptionPair>* pairs, std::string* all_sources) {
    const std::size_t errors_before = sink_.error_count();
    std::vector<std::unique_ptr<PolicyFile>> parents;
    ResolvedPolicy local;
    ResolvedPolicy& report = resolved ? *resolved : local;
    report.files.push_back(sink_.file_name(0));
    if (!load_parents(root, parents, report, all_sources)) return false;

    Merger merger(sink_, resolved);
    PolicyFile merged;
    if (parents.empty()) {
      merger.reject_layer_words(root);
      merged = std::move(root);
    } else {
      // The oldest ancestor first; each child is folded into what its parents make.
      merged = std::move(*parents.back());
      merger.reject_layer_words(merged);
      for (std::size_t i = parents.size() - 1; i-- > 0;) merger.merge(merged, *parents[i]);
      merger.merge(merged, root);
    }
    if (sink_.error_count() > errors_before) return false;

    // The run's year: asked for, else the policy's own (the child's, else inherited).
    const int year = options_.year ? *options_.year : merged.year;
    if (options_.year) merged.year = *options_.year;
    report.year = year;
    pick_years(merged, year, report);
    // A single file's params need no layer to say where they came from.
    if (parents.empty())
      for (auto& p : merged.params) p.layer.clear();
    const bool layered = !parents.empty() || !merged.exceptions.empty();
    const auto applied = apply_exceptions(merged, pairs);
    if (layered) order_by_dependencies(merged);
    record_decls(merged, merger, applied, report);
    for (auto& param : report.params)
      if (auto c = merger.changes_.find(param.name); c != merger.changes_.end()) param.changes = c->second;
    root = compact(merged);
    if (pairs) renumber_requires(root, *pairs);
    return sink_.error_count() == errors_before;
  }

 private:
  std::string at(const Location& l) const { return fmt::format("{}:{}", sink_.file_name(l.file), l.line); }

  bool load_parents(const PolicyFile& root, std::vector<std::unique_ptr<PolicyFile>>& parents,
                    ResolvedPolicy& report, std::string* all_sources) {
    namespace fs = std::filesystem;
    const PolicyFile* child = &root;
    std::optional<std::string> directory = options_.base_directory;
    std::set<std::string> seen{identity(sink_.file_name(0), directory)};
    while (!child->extends.empty()) {
      if (parents.size() + 1 >= kMaxLayers) {
        sink_.error(child->extends_location, sink_.say<M::too_many_layers>(kMaxLayers), sink_.say<M::too_many_layers_hint>());
        return false;
      }
      if (!directory && !options_.loader) {
        sink_.error(child->extends_location, sink_.say<M::extends_without_folder>(child->extends),
                    sink_.say<M::extends_without_folder_hint>());
        return false;
      }
      fs::path path = fs::path(child->extends);
      if (path.is_relative() && directory && !directory->empty()) path = fs::path(*directory) / path;
      path = path.lexically_normal();
      const std::string name = path.string();
      // Checked before anything is opened: `extends "/dev/stdin"` or
      // "../../etc/passwd" is not read at all, so no line of it can be quoted.
      if (path.extension() != ".pol") {
        sink_.error(child->extends_location, sink_.say<M::extends_not_pol>(child->extends), sink_.say<M::extends_not_pol_hint>());
        return false;
      }
      const std::string key = identity(name, std::nullopt);
      if (seen.count(key)) {
        sink_.error(child->extends_location, sink_.say<M::extends_cycle>(sink_.file_name(child->extends_location.file), name),
                    sink_.say<M::extends_cycle_hint>());
        return false;
      }
      seen.insert(key);
      PolicyFileText text = read(name);
      if (!text.text) {
        sink_.error(child->extends_location, sink_.say<M::cannot_read_parent>(name, text.problem),
                    text.hint.empty() ? sink_.say<M::cannot_read_parent_hint>() : Message{std::nullopt, text.hint});
        return false;
      }
      sources_.texts.push_back(std::move(*text.text));
      const std::string& source = sources_.texts.back();
      if (all_sources) *all_sources += source;
      const std::uint16_t number = sink_.add_file(name, source);
      report.files.push_back(name);
      const std::size_t errors_before = sink_.error_count();
      sink_.set_current_file(number);
      std::unique_ptr<PolicyFile> parsed = parse_policy(source, sink_);
      sink_.set_current_file(0);
      if (!parsed || sink_.error_count() > errors_before) return false;
      Retagger{number}.run(*parsed);
      parents.push_back(std::move(parsed));
      child = parents.back().get();
      directory = path.parent_path().string();
    }
    return true;
  }

  static std::string identity(const std::string& name, const std::optional<std::string>&) {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(name, ec);
    return ec ? std::filesystem::path(name).lexically_normal().string() : canonical.string();
  }

  PolicyFileText read(const std::string& path) const {
    if (!options_.loader) return read_policy_file(path, PolicyRead::Parent);
    PolicyFileText file;
    file.text = options_.loader(path);
    if (!file.text) file.problem = "no such policy";
    return file;
  }

  // The value in force in `year`: the latest dated entry not after it, else the
  // undated value an ancestor gave.
  void pick_years(PolicyFile& f, int year, ResolvedPolicy& report) {
    for (auto& p : f.params) {
      ResolvedParam r;
      r.name = p.name;
      r.description = p.metadata.description;
      r.source = p.metadata.source;
      if (!p.dated.empty()) {
        ast::DatedValue* chosen = nullptr;
        for (auto& entry : p.dated)
          if (year != 0 && entry.year <= year && (!chosen || entry.year >= chosen->year)) chosen = &entry;
        if (!chosen && !p.value) {
          int first = p.dated[0].year;
          for (const auto& entry : p.dated) first = std::min(first, entry.year);
          if (year == 0)
            sink_.error(p.location, sink_.say<M::dated_without_year>(p.name), sink_.say<M::dated_without_year_hint>(first));
          else
            sink_.error(p.location, sink_.say<M::dated_no_value_for_year>(p.name, year, first),
                        sink_.say<M::dated_no_value_for_year_hint>(first, year));
          continue;
        }
        if (chosen) {
          auto& entry = *chosen;
          r.year = entry.year;
          r.layer = at(entry.location);
          if (!entry.metadata.description.empty()) r.description = entry.metadata.description;
          if (!entry.metadata.source.empty()) {
            r.source = entry.metadata.source;
            p.metadata.source = entry.metadata.source;
          }
          r.value = quote_source(sink_, entry.value.get());
          p.value = std::move(entry.value);
        }
      }
      if (r.layer.empty() && p.value) {
        r.layer = at(p.value->location);
        r.value = quote_source(sink_, p.value.get());
      }
      p.dated.clear();
      p.layer = r.layer;
      p.year_in_force = r.year;
      report.params.push_back(std::move(r));
    }
  }

  // exception LABEL to TARGET when COND -> VALUE: the target takes VALUE when
  // exactly one exception's condition holds, its own definition when none does.
  // Two holding at once is caught at compile time when it can be shown
  // (analysis/witness) and otherwise rejects the household: a `require` placed just
  // before the target names both exceptions.
  std::map<std::string, std::vector<std::string>> apply_exceptions(PolicyFile& f, std::vector<ExceptionPair>* pairs) {
    std::map<std::string, std::vector<std::string>> applied;
    std::map<std::string, std::vector<ast::ExceptionDecl*>> by_target;
    std::vector<std::string> targets;
    for (const auto& ref : f.order) {
      if (ref.kind == DeclKind::Rule) targets.push_back(f.rules[ref.index].name);
      if (ref.kind == DeclKind::Let) targets.push_back(f.lets[ref.index].name);
      if (ref.kind == DeclKind::Decide) targets.push_back(f.decides[ref.index].name);
    }
    for (auto& x : f.exceptions) {
      auto& list = by_target[x.target];
      const auto same = std::find_if(list.begin(), list.end(), [&](auto* y) { return y->label == x.label; });
      if (same != list.end()) {
        sink_.error(x.location, sink_.say<M::exception_label_twice>(x.label, x.target, at((*same)->location)),
                    sink_.say<M::exception_label_twice_hint>());
        continue;
      }
      list.push_back(&x);
    }
    std::vector<ast::DeclRef> order;
    for (const auto& ref : f.order) {
      std::string name;
      if (ref.kind == DeclKind::Rule) name = f.rules[ref.index].name;
      else if (ref.kind == DeclKind::Let) name = f.lets[ref.index].name;
      else if (ref.kind == DeclKind::Decide) name = f.decides[ref.index].name;
      auto it = name.empty() ? by_target.end() : by_target.find(name);
      if (it == by_target.end()) {
        order.push_back(ref);
        continue;
      }
      auto& list = it->second;
      // The overlap checks go first, so a household two exceptions claim is
      // rejected for that, not for whatever the target's value would do.
      for (std::size_t i = 0; i < list.size(); ++i)
        for (std::size_t j = i + 1; j < list.size(); ++j) {
          ast::RequireDecl require;
          require.location = list[j]->location;
          require.condition = make_not(make_binary(ast::ExprTag::And, clone(*list[i]->condition),
                                                   clone(*list[j]->condition), list[j]->location),
                                       list[j]->location);
          // In the catalogue's English: the program carries it so, and a
          // rejection puts it into the run's language (program_reason_in).
          require.message = say<M::reject_exceptions_both_hold>(Language::English, list[i]->label,
                                                                at(list[i]->location), list[j]->label,
                                                                at(list[j]->location), name)
                                .text;
          f.requires_.push_back(std::move(require));
          order.push_back({DeclKind::Require, f.requires_.size() - 1});
          if (pairs)
            pairs->push_back({name, list[i]->label, list[j]->label, at(list[i]->location), at(list[j]->location),
                              list[j]->location, f.requires_.size() - 1});
        }
      for (auto* x : list)
        applied[name].push_back(fmt::format("exception `{}`{} at {}", x->label,
                                            x->description.empty() ? "" : " \"" + x->description + "\"",
                                            at(x->location)));
      if (ref.kind == DeclKind::Rule) {
        apply_to_rule(f.rules[ref.index], list);
        order.push_back(ref);
      } else if (ref.kind == DeclKind::Decide) {
        apply_to_decide(f.decides[ref.index], list);
        order.push_back(ref);
      } else {
        // A let has no branches: it becomes a decide of the same name and type.
        auto& let = f.lets[ref.index];
        ast::DecideDecl decide;
        decide.location = let.location;
        decide.name = let.name;
        decide.type = let.type;
        decide.otherwise = std::move(let.value);
        apply_to_decide(decide, list);
        f.decides.push_back(std::move(decide));
        order.push_back({DeclKind::Decide, f.decides.size() - 1});
      }
      by_target.erase(it);
    }
    f.order = std::move(order);
    for (auto& [target, list] : by_target)
      for (auto* x : list) {
        Message hint = did_you_mean(sink_.language(), target, targets);
        if (hint.empty()) hint = sink_.say<M::exception_no_target_hint>();
        sink_.error(x->target_location, sink_.say<M::exception_no_target>(x->label, target), hint);
      }
    return applied;
  }

  // rule R: BASE  becomes  (c1 and v1) or (c2 and v2) or (not c1 and not c2 and BASE).
  void apply_to_rule(ast::RuleDecl& rule, std::vector<ast::ExceptionDecl*>& list) {
    const Location where = rule.location;
    ExprPtr none_holds;
    for (auto* x : list) {
      auto negated = make_not(clone(*x->condition), x->condition->location);
      none_holds = none_holds ? make_binary(ast::ExprTag::And, std::move(none_holds), std::move(negated), where)
                              : std::move(negated);
    }
    ExprPtr result = make_binary(ast::ExprTag::And, std::move(none_holds), std::move(rule.condition), where);
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      auto* x = *it;
      auto branch = make_binary(ast::ExprTag::And, std::move(x->condition), std::move(x->value), x->location);
      result = make_binary(ast::ExprTag::Or, std::move(branch), std::move(result), where);
    }
    rule.condition = std::move(result);
  }

  // decide D ... : the exceptions' branches come first (at most one holds).
  void apply_to_decide(ast::DecideDecl& decide, std::vector<ast::ExceptionDecl*>& list) {
    std::vector<ast::DecideDecl::Branch> branches;
    for (auto* x : list) branches.push_back({std::move(x->condition), std::move(x->value)});
    for (auto& b : decide.branches) branches.push_back(std::move(b));
    decide.branches = std::move(branches);
  }

  void record_decls(const PolicyFile& f, Merger& merger, const std::map<std::string, std::vector<std::string>>& applied,
                    ResolvedPolicy& report) {
    for (const auto& ref : f.order) {
      ResolvedDecl d;
      d.kind = kind_word(ref.kind);
      Location where;
      switch (ref.kind) {
        case DeclKind::Enum: d.name = f.enums[ref.index].name; where = f.enums[ref.index].location; break;
        case DeclKind::Record: d.name = f.records[ref.index].name; where = f.records[ref.index].location; break;
        case DeclKind::Let: d.name = f.lets[ref.index].name; where = f.lets[ref.index].location; break;
        case DeclKind::Rule: d.name = f.rules[ref.index].name; where = f.rules[ref.index].location; break;
        case DeclKind::Decide: d.name = f.decides[ref.index].name; where = f.decides[ref.index].location; break;
        case DeclKind::Table: d.name = f.tables[ref.index].name; where = f.tables[ref.index].location; break;
        default: continue;  // params are listed with their values; requires, outputs, summary have no name
      }
      d.defined_at = at(where);
      if (auto c = merger.changes_.find(d.name); c != merger.changes_.end()) d.changes = c->second;
      if (auto a = applied.find(d.name); a != applied.end())
        for (const auto& x : a->second) d.changes.push_back(x);
      report.decls.push_back(std::move(d));
    }
  }

  void renumber_requires(const PolicyFile& compacted, std::vector<ExceptionPair>& pairs) {
    // compact() keeps requires in `order` order; find each pair's by its message.
    for (auto& pair : pairs)
      for (std::size_t i = 0; i < compacted.requires_.size(); ++i)
        if (compacted.requires_[i].message.find("`" + pair.first + "` (" + pair.first_at + ") and `" + pair.second) !=
            std::string::npos)
          pair.require_index = i;
  }

  DiagnosticSink& sink_;
  const LayerOptions& options_;
  LayerSources& sources_;
};

}  // namespace

bool resolve_layers(ast::PolicyFile& root, DiagnosticSink& sink, const LayerOptions& options,
                    LayerSources& sources, ResolvedPolicy* resolved, std::vector<ExceptionPair>* pairs,
                    std::string* all_sources) {
  Resolver resolver(sink, options, sources);
  return resolver.run(root, resolved, pairs, all_sources);
}

bool report_overlapping_exceptions(const ast::PolicyFile& file, const CheckedPolicy& checked,
                                   const std::vector<ExceptionPair>& pairs, std::string_view source,
                                   analysis::SolverBudget& budget, DiagnosticSink& sink) {
  std::vector<std::size_t> requires_broken;
  for (const auto& pair : pairs) requires_broken.push_back(pair.require_index);
  const auto answers = analysis::find_overlaps(file, checked, source, requires_broken, budget);
  // The pairs the budget left, by the declaration they change, in source order.
  std::vector<std::string> targets;
  std::map<std::string, std::vector<const ExceptionPair*>> undecided;
  for (std::size_t i = 0; i < pairs.size() && i < answers.size(); ++i)
    if (answers[i].out_of_budget) {
      auto& list = undecided[pairs[i].target];
      if (list.empty()) targets.push_back(pairs[i].target);
      list.push_back(&pairs[i]);
    }
  for (const auto& target : targets) {
    const auto& list = undecided[target];
    // Pairs come in order, so each exception's partners are listed once after it:
    // "`a` with `b`, `c`; `b` with `c`".
    std::string names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i == 0 || list[i]->first != list[i - 1]->first)
        names += fmt::format("{}`{}` with `{}`", i == 0 ? "" : "; ", list[i]->first, list[i]->second);
      else
        names += fmt::format(", `{}`", list[i]->second);
    }
    sink.warning(list.front()->location,
                 list.size() == 1 ? sink.say<M::solver_budget_spent_one>(budget.total(), target, names)
                                  : sink.say<M::solver_budget_spent>(budget.total(), list.size(), target, names),
                 sink.say<M::solver_budget_spent_hint>(budget.raised()));
  }
  bool ok = true;
  for (std::size_t i = 0; i < pairs.size() && i < answers.size(); ++i) {
    if (answers[i].verdict != analysis::Verdict::Differs) continue;
    const auto& pair = pairs[i];
    std::string household;
    for (const auto& [field, value] : answers[i].household)
      household += fmt::format("{}{} = {}", household.empty() ? "" : ", ", field,
                               value.empty() ? sink.say<M::empty_value>().text : value);
    sink.error(pair.location,
               sink.say<M::exceptions_overlap>(pair.first, pair.first_at, pair.second, pair.second_at, pair.target, household),
               sink.say<M::exceptions_overlap_hint>());
    ok = false;
  }
  return ok;
}

std::string render_resolved(const ResolvedPolicy& resolved) {
  std::string out;
  out += "layers:";
  for (std::size_t i = 0; i < resolved.files.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? " " : " extends ", resolved.files[i]);
  out += "\n";
  out += resolved.year ? fmt::format("year: {}\n", resolved.year) : std::string("year: none\n");
  if (!resolved.params.empty()) out += "\nparameters:\n";
  for (const auto& p : resolved.params) {
    out += fmt::format("  {} = {}    from {}", p.name, p.value, p.layer);
    if (p.year) out += fmt::format(" (entry {})", p.year);
    out += "\n";
    if (!p.description.empty()) out += fmt::format("      \"{}\"\n", p.description);
    if (!p.source.empty()) out += fmt::format("      source \"{}\"\n", p.source);
    for (const auto& c : p.changes) out += fmt::format("      {}\n", c);
  }
  if (!resolved.decls.empty()) out += "\ndeclarations:\n";
  for (const auto& d : resolved.decls) {
    out += fmt::format("  {} {}    defined at {}\n", d.kind, d.name, d.defined_at);
    for (const auto& c : d.changes) out += fmt::format("      {}\n", c);
  }
  return out;
}

}  // namespace precept
