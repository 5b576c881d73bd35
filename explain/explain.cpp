#include "explain.hpp"

#include "csv.hpp"
#include "format.hpp"
#include "json.hpp"
#include "messages.hpp"
#include "numeric.hpp"
#include "register_reader.hpp"
#include "rejection.hpp"
#include "text_width.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

namespace precept {

namespace {

using What = DebugNote::What;
using M = MessageId;

// A coverage item's stable name ("rule poor is true": what `test --json` and
// the marks use) and its words in `language`.
template <MessageId id, class... Args>
Coverage::Item coverage_item(Language language, std::uint32_t line, const std::string& file, const Args&... args) {
  return {say<id>(Language::English, args...).text, line, false, file, say<id>(language, args...).text};
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// "rows 1 and 9", "rows 1, 3 and 9", "row 2"
std::string rows_words(const std::vector<std::uint32_t>& rows) {
  if (rows.empty()) return "(no row matches)";
  if (rows.size() == 1) return fmt::format("row {}", rows[0]);
  std::string out = "rows ";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += i + 1 == rows.size() ? " and " : ", ";
    out += std::to_string(rows[i]);
  }
  return out;
}

}  // namespace


namespace {

// Reads what the traced run left in the registers the notes name.
class Reader {
 public:
  Reader(const Program& p, const Machine& m, const Batch& b, const std::vector<std::uint8_t>& executed)
      : p_(p), m_(m), b_(b), executed_(executed) {}

  std::string text(const ValueType& type, std::uint32_t reg) const {
    std::string out;
    if (type.kind == Kind::Quotient) {
      // An exact quotient, shown to the digits of its units (≈ when it has more).
      const Quotient& q = m_.quotient(reg, 0);
      std::int64_t rounded = 0;
      if (round_quotient(q, 0, RoundingMode::HalfEven, rounded) != ArithStatus::Ok) return "?";
      ValueType units;
      units.kind = type.element;
      if (compare_quotient(q, rounded) != 0) out = "≈";
      append_scalar_text(out, p_, units, rounded);
      return out;
    }
    append_value_text(out, p_, type, m_, reg, 0);
    if (type.kind == Kind::List) return list_words(out);
    return out;
  }
  // "a;b" (the CSV form) as "[a, b]", as examples write lists.
  static std::string list_words(const std::string& items) {
    std::string out = "[";
    for (const char ch : items) {
      if (ch == ';') out += ", ";
      else out += ch;
    }
    return out + "]";
  }
  std::string json(const ValueType& type, std::uint32_t reg) const {
    std::string out;
    if (type.kind == Kind::Quotient) {
      append_json_string(out, text(type, reg));
      return out;
    }
    append_value_json(out, p_, type, m_, reg, 0);
    return out;
  }
  bool truth(std::uint32_t reg) const { return m_.scalar(reg, 0) != 0; }
  std::int64_t scalar(std::uint32_t reg) const { return m_.scalar(reg, 0); }
  std::vector<std::int64_t> items(std::uint32_t reg) const {
    std::vector<std::int64_t> out;
    for (const std::int64_t v : m_.list(reg, 0)) out.push_back(v);
    return out;
  }
  bool ran(const DebugNote& n) const { return n.pc < executed_.size() && executed_[n.pc]; }

  // A field's value as read from the record.
  std::string field_text(std::uint32_t f) const {
    const FieldDef& def = p_.fields[f];
    const FieldColumn& column = b_.columns[f];
    if (def.optional && !def.has_default && !column.present.empty() && !column.present[0]) return "missing";
    std::string out;
    if (def.type.kind == Kind::Text) return std::string(column.texts[0]);
    if (def.type.kind == Kind::List) {
      const ValueType element = element_of(def.type);
      for (std::size_t i = 0; i < column.lists[0].size(); ++i) {
        if (i) out += ';';
        append_scalar_text(out, p_, element, column.lists[0][i]);
      }
      return list_words(out);
    }
    append_scalar_text(out, p_, def.type, column.scalars[0]);
    return out;
  }
  std::string field_json(std::uint32_t f) const {
    const std::string t = field_text(f);
    const FieldDef& def = p_.fields[f];
    const Kind kind = def.type.kind;
    if (t == "missing" && def.optional) return "null";
    if (kind == Kind::Bool || kind == Kind::Int) return t;  // money and decimals: strings (runtime/json.hpp)
    std::string out;
    if (kind == Kind::List) {
      out = "[";
      const auto& items = b_.columns[f].lists[0];
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ",";
        std::string item;
        append_scalar_text(item, p_, element_of(def.type), items[i]);
        append_json_string(out, item);
      }
      return out + "]";
    }
    append_json_string(out, t);
    return out;
  }

 private:
  const Program& p_;
  const Machine& m_;
  const Batch& b_;
  const std::vector<std::uint8_t>& executed_;
};

}  // namespace

// The notes by what they are about, built once per explainer.
struct NoteIndex {
  std::map<std::string, const DebugNote*> by_value, guards, lookups;
  std::map<std::string, std::vector<const DebugNote*>> compares, branches, rows;

  explicit NoteIndex(const Program& p) {
    for (const DebugNote& n : p.notes) {
      if (n.what == What::Value && !by_value.count(n.name)) by_value[n.name] = &n;
      if (n.what == What::Compare) compares[n.origin].push_back(&n);
      if (n.what == What::Branch) branches[n.name].push_back(&n);
      if (n.what == What::Row) rows[n.name].push_back(&n);
      if (n.what == What::Guard) guards[n.name] = &n;
      if (n.what == What::LookupFirst || n.what == What::LookupAll) lookups[n.name] = &n;
    }
  }
};

namespace {

class Builder {
 public:
  Builder(const Program& p, const NoteIndex& index, const Reader& r, Explanation& out)
      : p_(p), r_(r), out_(out), by_value_(index.by_value), guards_(index.guards), lookups_(index.lookups),
        compares_(index.compares), branches_(index.branches), rows_(index.rows) {}

  // What this household exercised: each rule's value, each decide's branch,
  // each table's matched rows, read as an explanation reads them.
  void mark(Coverage& coverage) const {
    std::set<std::string> hit;
    std::set<std::string> tables;
    for (const DebugNote& n : p_.notes) {
      if (n.what == What::Value && starts_with(n.origin, "rule "))
        hit.insert(r_.truth(n.reg) ? say<M::coverage_rule_true>(Language::English, n.name).text
                                   : say<M::coverage_rule_false>(Language::English, n.name).text);
      if (n.what == What::Row || n.what == What::LookupFirst || n.what == What::LookupAll) tables.insert(n.name);
    }
    for (const auto& [name, list] : branches_) {
      const DebugNote* chosen = chosen_branch(name);
      hit.insert(chosen ? say<M::coverage_branch>(Language::English, name, chosen->index).text
                        : say<M::coverage_otherwise>(Language::English, name).text);
    }
    for (const auto& t : tables)
      for (const std::uint32_t r : matched_rows(t)) hit.insert(say<M::coverage_row>(Language::English, t, r).text);
    for (auto& item : coverage.items)
      if (hit.count(item.what)) item.covered = true;
  }

  void build() {
    for (const DebugNote& n : p_.notes) {
      if (n.what != What::Output) continue;
      // An output that is just a name is explained by what it names.
      const bool plain = n.uses.size() == 1 && (n.text == n.uses[0] || starts_with(n.text, n.uses[0] + "."));
      if (plain) {
        Explanation::Entry e = entry(n.uses[0]);
        e.name = n.name;
        e.money = n.type.kind == Kind::Money;
        e.value = r_.text(n.type, n.reg);
        e.value_json = r_.json(n.type, n.reg);
        done_.insert(n.uses[0]);
        push(std::move(e), n.uses[0]);
        continue;
      }
      Explanation::Entry e;
      e.name = n.name;
      e.kind = "output";
      e.value = r_.text(n.type, n.reg);
      e.value_json = r_.json(n.type, n.reg);
      e.line = n.line;
      e.file = n.file;
      e.decided_by = fmt::format("output {} = {}", n.name, n.text);
      e.money = n.type.kind == Kind::Money;
      e.terms = sum_terms(n.text);
      for (const auto& use : n.uses) e.values.push_back(use_value(use));
      out_.entries.push_back(std::move(e));
      for (const auto& use : n.uses) explain_name(use);
    }
  }

 private:
  void push(Explanation::Entry e, const std::string& name) {
    const std::vector<std::string> uses = uses_of(name);
    out_.entries.push_back(std::move(e));
    for (const auto& use : uses) explain_name(use);
  }

  // Fields are shown where they are read ("members = 4"), not as entries of their own.
  void explain_name(const std::string& name) {
    if (!done_.insert(name).second) return;
    for (const FieldDef& f : p_.fields)
      if (f.name == name) return;
    push(entry(name), name);
  }

  std::vector<std::string> uses_of(const std::string& name) const {
    std::vector<std::string> uses;
    if (auto it = by_value_.find(name); it != by_value_.end() && rows_.count(name) == 0 && !lookups_.count(name)) {
      if (branches_.count(name)) {
        const DebugNote* chosen = chosen_branch(name);
        if (chosen) return chosen->uses;
      }
      return it->second->uses;
    }
    for (const DebugNote* row : matched_row_notes(name))
      for (const auto& u : row->uses)
        if (std::find(uses.begin(), uses.end(), u) == uses.end()) uses.push_back(u);
    if (auto g = guards_.find(name); g != guards_.end())
      for (const auto& u : g->second->uses)
        if (std::find(uses.begin(), uses.end(), u) == uses.end()) uses.push_back(u);
    return uses;
  }

  const DebugNote* chosen_branch(const std::string& name) const {
    auto it = branches_.find(name);
    if (it == branches_.end()) return nullptr;
    std::vector<const DebugNote*> sorted = it->second;
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->index < b->index; });
    // The first `when` that holds: later ones never ran, or lost to it.
    for (const DebugNote* b : sorted)
      if (r_.truth(b->reg)) return b;
    return nullptr;
  }

  bool guard_holds(const std::string& table) const {
    auto g = guards_.find(table);
    return g == guards_.end() || r_.truth(g->second->reg);
  }

  std::vector<std::uint32_t> matched_rows(const std::string& table) const {
    std::vector<std::uint32_t> rows;
    if (!guard_holds(table)) return rows;
    if (auto l = lookups_.find(table); l != lookups_.end()) {
      const DebugNote& n = *l->second;
      if (n.what == What::LookupFirst) {
        if (r_.scalar(n.reg) > 0) rows.push_back(static_cast<std::uint32_t>(r_.scalar(n.reg)));
      } else {
        for (const std::int64_t row : r_.items(n.reg)) rows.push_back(static_cast<std::uint32_t>(row));
      }
      return rows;
    }
    auto it = rows_.find(table);
    if (it == rows_.end()) return rows;
    const bool first = table_is_first(table);
    for (const DebugNote* row : it->second) {
      if (!r_.truth(row->reg)) continue;
      rows.push_back(row->index);
      if (first) break;  // the first matching row decides; later rows never ran
    }
    return rows;
  }

  std::vector<const DebugNote*> matched_row_notes(const std::string& table) const {
    std::vector<const DebugNote*> notes;
    auto it = rows_.find(table);
    if (it == rows_.end()) return notes;
    for (const std::uint32_t r : matched_rows(table))
      for (const DebugNote* row : it->second)
        if (row->index == r) notes.push_back(row);
    return notes;
  }

  bool table_is_first(const std::string& table) const {
    auto it = by_value_.find(table_first_column(table));
    return it != by_value_.end() && it->second->type.kind != Kind::List;
  }

  std::string table_first_column(const std::string& table) const {
    for (const DebugNote& n : p_.notes)
      if (n.what == What::Value && starts_with(n.name, table + ".") && starts_with(n.origin, "table ")) return n.name;
    return {};
  }

  std::vector<std::string> compared(const std::string& origin, std::uint32_t line = 0) const {
    std::vector<std::string> out;
    auto it = compares_.find(origin);
    if (it == compares_.end()) return out;
    // In the order written (a decide's branches may be lowered last first).
    std::vector<const DebugNote*> sorted = it->second;
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->line < b->line; });
    for (const DebugNote* c : sorted) {
      if (!r_.ran(*c) || (line != 0 && c->line != line)) continue;
      // A literal is shown as written; anything else as written and with its value.
      const auto shown = [&](const std::string& text, const ValueType& type, std::uint32_t reg) {
        const bool literal = !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) ||
                                               (text[0] == '-' && text.size() > 1 &&
                                                std::isdigit(static_cast<unsigned char>(text[1]))));
        const std::string value = r_.text(type, reg);
        return literal || text == value ? text : text + " " + value;
      };
      out.push_back(fmt::format("{} {} {}{}", shown(c->left_text, c->left_type, c->left), c->op,
                                shown(c->right_text, c->right_type, c->right), r_.truth(c->reg) ? "" : " (false)"));
    }
    return out;
  }

  std::string use_value(const std::string& name) const {
    std::string text, json;
    value_of(name, text, json);
    return fmt::format("{} = {}", name, text);
  }

  void value_of(const std::string& name, std::string& text, std::string& json) const {
    for (std::uint32_t f = 0; f < p_.fields.size(); ++f)
      if (p_.fields[f].name == name) {
        text = r_.field_text(f);
        json = r_.field_json(f);
        return;
      }
    for (const ParamDef& param : p_.params)
      if (param.name == name) {
        if (param.type.kind == Kind::Text) {
          text = param.text_value;
          json.clear();
          append_json_string(json, text);
        } else {
          text.clear();
          append_scalar_text(text, p_, param.type, param.value);
          json.clear();
          append_scalar_json(json, p_, param.type, param.value);
        }
        return;
      }
    std::string key = name;
    if (!by_value_.count(key)) key = table_first_column(name);
    if (auto it = by_value_.find(key); it != by_value_.end()) {
      text = r_.text(it->second->type, it->second->reg);
      json = r_.json(it->second->type, it->second->reg);
    }
  }

  Explanation::Entry entry(const std::string& name) const {
    Explanation::Entry e;
    e.name = name;
    value_of(name, e.value, e.value_json);
    for (std::uint32_t f = 0; f < p_.fields.size(); ++f)
      if (p_.fields[f].name == name) {
        e.kind = "field";
        e.decided_by = "from the record";
        return e;
      }
    for (const ParamDef& param : p_.params)
      if (param.name == name) {
        e.kind = "param";
        e.line = param.line;
        e.description = param.description;
        e.source = param.source;
        e.decided_by = "param";
        if (!param.description.empty()) e.decided_by += fmt::format(" \"{}\"", param.description);
        if (!param.source.empty()) e.decided_by += fmt::format(", source \"{}\"", param.source);
        e.layer = param.layer;
        if (param.year != 0) e.year = std::to_string(param.year);
        if (param.year != 0) e.decided_by += fmt::format(" (value for {})", param.year);
        if (param.type.kind == Kind::Money) e.value += " yuan";
        e.money = param.type.kind == Kind::Money;
        return e;
      }
    auto it = by_value_.find(name);
    if (it != by_value_.end() && starts_with(it->second->origin, "let ")) {
      const DebugNote& n = *it->second;
      e.kind = "let";
      e.line = n.line;
      e.file = n.file;
      e.money = n.type.kind == Kind::Money;
      e.terms = sum_terms(n.text);
      e.decided_by = fmt::format("let {} = {}", name, n.text);
      e.compared = compared(n.origin);
      for (const auto& use : n.uses) e.values.push_back(use_value(use));
      return e;
    }
    if (it != by_value_.end() && starts_with(it->second->origin, "rule ")) {
      const DebugNote& n = *it->second;
      e.kind = "rule";
      e.line = n.line;
      e.file = n.file;
      e.decided_by = fmt::format("rule {}", name);
      e.label = rule_label(name);
      if (!e.label.empty()) e.decided_by += fmt::format(" \"{}\"", e.label);
      e.compared = compared(n.origin);
      for (const auto& use : n.uses) e.values.push_back(use_value(use));
      return e;
    }
    if (it != by_value_.end() && branches_.count(name)) {
      const DebugNote& n = *it->second;
      e.kind = "decide";
      e.line = n.line;
      e.file = n.file;
      e.money = n.type.kind == Kind::Money;
      e.label = declaration_label(n.line, n.file);
      const DebugNote* chosen = chosen_branch(name);
      e.earlier = branches_before(name, n.origin, chosen ? chosen->index : UINT32_MAX);
      if (chosen) {
        e.branch = chosen->index;
        e.decided_by = fmt::format("decide {}, branch {} `{}`", name, chosen->index, chosen->text);
        e.compared = compared(n.origin, chosen->line);
        for (const auto& use : chosen->uses) e.values.push_back(use_value(use));
      } else {
        e.decided_by = fmt::format("decide {}, otherwise (no `when` holds)", name);
        e.compared = compared(n.origin);
        for (const auto& use : n.uses) e.values.push_back(use_value(use));
      }
      return e;
    }
    if (it != by_value_.end() && !starts_with(it->second->origin, "table ")) {
      e.kind = "decide";  // a decide whose every branch was folded away
      e.line = it->second->line;
      e.file = it->second->file;
      e.decided_by = fmt::format("decide {}", name);
      return e;
    }
    // A table.
    e.kind = "table";
    e.rows = matched_rows(name);
    for (const DebugNote& n : p_.notes)
      if ((n.what == What::Row || n.what == What::LookupFirst || n.what == What::LookupAll || n.what == What::Guard) &&
          n.name == name) {
        e.line = n.line;
        e.file = n.file;
        break;
      }
    e.label = declaration_label(e.line, e.file);
    if (!guard_holds(name)) {
      const DebugNote& g = *guards_.at(name);
      e.decided_by = fmt::format("table {}: no row applies, `{}` does not hold", name, g.text);
      for (const auto& use : g.uses) e.values.push_back(use_value(use));
      return e;
    }
    e.decided_by = fmt::format("table {} {}", name, rows_words(e.rows));
    for (const std::uint32_t r : e.rows) {
      for (auto& c : compared(fmt::format("table {} row {}", name, r))) e.compared.push_back(std::move(c));
    }
    std::vector<std::string> uses;
    for (const DebugNote* row : matched_row_notes(name)) uses.insert(uses.end(), row->uses.begin(), row->uses.end());
    // An indexed table found its rows by the values it tests.
    if (auto l = lookups_.find(name); l != lookups_.end()) uses = l->second->uses;
    for (const auto& use : uses) {
      std::string v = use_value(use);
      if (std::find(e.values.begin(), e.values.end(), v) == e.values.end()) e.values.push_back(std::move(v));
    }
    return e;
  }

  // `sum(table.column)`: the column's items, each with its row's first
  // column (the measure) as label; none for any other expression.
  std::vector<Explanation::Entry::Term> sum_terms(const std::string& text) const {
    std::vector<Explanation::Entry::Term> terms;
    if (!starts_with(text, "sum(") || text.back() != ')') return terms;
    const std::string column = text.substr(4, text.size() - 5);
    const auto it = by_value_.find(column);
    if (it == by_value_.end() || it->second->type.kind != Kind::List) return terms;
    const DebugNote& amounts = *it->second;
    const std::vector<std::int64_t> values = r_.items(amounts.reg);
    std::vector<std::int64_t> labels;
    const DebugNote* first = nullptr;
    if (auto f = by_value_.find(table_first_column(column.substr(0, column.find('.')))); f != by_value_.end())
      first = f->second;
    if (first && first != &amounts && first->type.kind == Kind::List) labels = r_.items(first->reg);
    for (std::size_t i = 0; i < values.size(); ++i) {
      Explanation::Entry::Term term;
      append_scalar_text(term.value, p_, element_of(amounts.type), values[i]);
      if (labels.size() == values.size()) append_scalar_text(term.label, p_, element_of(first->type), labels[i]);
      terms.push_back(std::move(term));
    }
    return terms;
  }

  // The branches of decide `name` before branch `taken`: none held.
  std::vector<Explanation::Entry::Branch> branches_before(const std::string& name, const std::string& origin,
                                                          std::uint32_t taken) const {
    std::vector<Explanation::Entry::Branch> out;
    auto it = branches_.find(name);
    if (it == branches_.end()) return out;
    std::vector<const DebugNote*> sorted = it->second;
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->index < b->index; });
    for (const DebugNote* b : sorted) {
      if (b->index >= taken) break;
      Explanation::Entry::Branch branch;
      branch.index = b->index;
      branch.condition = b->text;
      branch.compared = compared(origin, b->line);
      for (const auto& use : b->uses) branch.values.push_back(use_value(use));
      out.push_back(std::move(branch));
    }
    return out;
  }

  // The description a decide or table gives itself on its declaration line
  // (`decide main_cause: cause "main cause of poverty"`): its first string.
  std::string declaration_label(std::uint32_t line, const std::string& file) const {
    if (!file.empty()) return {};  // a parent layer's line: its text is not the policy's own
    const std::string text = source_line(line);
    const std::size_t open = text.find('"');
    if (open == std::string::npos) return {};
    const std::size_t close = text.find('"', open + 1);
    return close == std::string::npos ? std::string() : text.substr(open + 1, close - open - 1);
  }

  std::string source_line(std::uint32_t line) const {
    std::size_t at = 0;
    for (std::uint32_t n = 1; n < line && at != std::string::npos; ++n) {
      at = p_.source_text.find('\n', at);
      if (at != std::string::npos) ++at;
    }
    if (at == std::string::npos) return {};
    return p_.source_text.substr(at, p_.source_text.find('\n', at) - at);
  }

  std::string rule_label(const std::string& name) const {
    // The rule's label is the first string of its declaration line, when it has one.
    auto it = by_value_.find(name);
    if (it == by_value_.end()) return {};
    const std::string text = source_line(it->second->line);
    const std::size_t colon = text.find(':');
    const std::size_t open = text.find('"');
    if (open == std::string::npos || (colon != std::string::npos && colon < open)) return {};
    const std::size_t close = text.find('"', open + 1);
    return close == std::string::npos ? std::string() : text.substr(open + 1, close - open - 1);
  }

  const Program& p_;
  const Reader& r_;
  Explanation& out_;
  const std::map<std::string, const DebugNote*>&by_value_, &guards_, &lookups_;
  const std::map<std::string, std::vector<const DebugNote*>>&compares_, &branches_, &rows_;
  std::set<std::string> done_;
};

}  // namespace

TracedExplainer::TracedExplainer(const Program& program, std::uint32_t key_field, Language language)
    : program_(program),
      key_field_(key_field),
      language_(language),
      machine_(program, 1, MachineMode::Traced),
      index_(std::make_unique<NoteIndex>(program)) {
  batch_.reset(program, 1);
}

TracedExplainer::~TracedExplainer() = default;

std::string TracedExplainer::value_text(const std::string& name) const {
  for (const DebugNote& n : program_.notes)
    if ((n.what == What::Value || n.what == What::Output) && n.name == name) {
      std::string out;
      append_value_text(out, program_, n.type, machine_, n.reg, 0);
      return out;
    }
  // A table: its first output column.
  for (const DebugNote& n : program_.notes)
    if (n.what == What::Value && starts_with(n.name, name + ".") && n.origin == "table " + name) {
      std::string out;
      append_value_text(out, program_, n.type, machine_, n.reg, 0);
      return out;
    }
  return {};
}

Explanation TracedExplainer::explain(const std::vector<std::string>& cells, std::uint64_t line) {
  return explain(cells, line, nullptr);
}

Explanation TracedExplainer::explain(const std::vector<std::string>& cells, std::uint64_t line, Coverage* coverage) {
  Explanation out;
  out.line = line;
  if (key_field_ < cells.size()) out.id = cells[key_field_];
  batch_.rows = 0;
  std::string reason;
  if (order_.size() != program_.fields.size()) {
    order_.resize(program_.fields.size());
    for (std::uint32_t f = 0; f < order_.size(); ++f) order_[f] = f;
  }
  for (const std::uint32_t f : order_) {
    const std::string_view text = f < cells.size() ? std::string_view(cells[f]) : std::string_view();
    if (!parse_field_value(program_, f, text, batch_.columns[f], 0, reason, language_)) {
      out.rejected = true;
      out.column = program_.fields[f].name;
      out.reason = reason;
      return out;
    }
  }
  batch_.rows = 1;
  batch_.lines[0] = line;
  machine_.run_traced(batch_, executed_);
  if (machine_.error(0) != RowError::None) {
    Rejection rejection = machine_rejection(program_, machine_, 0, language_);
    out.rejected = true;
    out.reason = std::move(rejection.message);
    out.column = std::move(rejection.column);
    return out;
  }
  for (const OutputDef& o : program_.outputs) {
    std::string v, j;
    append_value_text(v, program_, o.type, machine_, o.reg, 0);
    append_value_json(j, program_, o.type, machine_, o.reg, 0);
    out.outputs.push_back(std::move(v));
    out.outputs_json.push_back(std::move(j));
    out.output_names.push_back(o.name);
  }
  const Reader reader(program_, machine_, batch_, executed_);
  Builder(program_, *index_, reader, out).build();
  if (coverage) Builder(program_, *index_, reader, out).mark(*coverage);
  return out;
}

std::string Explanation::text(const std::string& policy_file) const {
  // Every name and value here comes from the register or the policy: shown
  // escaped, so that it reads as what it is and never acts on the terminal.
  const auto shown = [](std::string_view text) { return escape_for_terminal(text); };
  // An example has no input line; its id is its label.
  std::string out = example ? fmt::format("example \"{}\"\n", shown(id))
                    : line  ? fmt::format("household {} (line {})\n", shown(id), line)
                            : fmt::format("household {}\n", shown(id));
  if (rejected) return out + fmt::format("  rejected{}: {}\n", column.empty() ? "" : " at " + shown(column), shown(reason));
  for (const Entry& e : entries) {
    out += fmt::format("  {} = {} — {}", shown(e.name), shown(e.value), shown(e.decided_by));
    if (!e.layer.empty()) out += fmt::format(" ({})", shown(e.layer));
    else if (e.line) out += fmt::format(" ({}:{})", shown(e.file.empty() ? policy_file : e.file), e.line);
    out += "\n";
    // A name a comparison shows with its value is not listed again.
    std::vector<std::string> details;
    for (const auto& v : e.values) {
      const std::string name = v.substr(0, v.find(" = "));
      const bool shown_in_comparison = std::any_of(e.compared.begin(), e.compared.end(), [&](const std::string& c) {
        return starts_with(c, name + " ") || c.find(" " + name + " ") != std::string::npos;
      });
      if (!shown_in_comparison) details.push_back(shown(v));
    }
    for (const auto& c : e.compared) details.push_back(shown(c));
    if (!details.empty()) out += fmt::format("      {}\n", fmt::join(details, "; "));
  }
  return out;
}

// Built as a document and written by the one JSON writer (runtime/json.hpp).
// Values arrive already written as JSON by the value formatter (money as
// exact decimal strings), so they are read back into the document: the same
// bytes come out.
std::string Explanation::json() const {
  using Document = nlohmann::ordered_json;
  const auto value = [](const std::string& written) {
    return written.empty() ? Document(nullptr) : Document::parse(written);
  };
  Document out;
  out["id"] = id;
  out["line"] = line;
  out["rejected"] = rejected;
  if (rejected) {
    out["column"] = column;
    out["reason"] = reason;
    return precept::json::dump(std::move(out));
  }
  Document& values_out = out["outputs"] = Document::object();
  for (std::size_t i = 0; i < output_names.size(); ++i) values_out[output_names[i]] = value(outputs_json[i]);
  Document& explanation = out["explanation"] = Document::array();
  for (const Entry& e : entries) {
    Document entry;
    entry["name"] = e.name;
    entry["kind"] = e.kind;
    entry["value"] = value(e.value_json);
    entry["decided_by"] = e.decided_by;
    entry["line"] = e.line;
    if (!e.file.empty()) entry["file"] = e.file;
    if (e.kind == "decide") entry["branch"] = e.branch;
    if (e.kind == "table") entry["rows"] = e.rows;
    if (e.kind == "param") {
      entry["description"] = e.description;
      entry["source"] = e.source;
      entry["layer"] = e.layer;
      entry["year"] = e.year;
    }
    entry["values"] = e.values;
    entry["compared"] = e.compared;
    explanation.push_back(std::move(entry));
  }
  return precept::json::dump(std::move(out));
}

std::string explain_register(const Program& program, std::FILE* input, std::uint32_t key,
                             const std::function<bool(const Explanation&)>& each, Language language) {
  // As `run` reads it: CSV in whatever encoding, or an .xlsx sheet.
  OpenedRegister source;
  if (std::string problem = source.open(input, program, RegisterEncoding::Detect, ""); !problem.empty()) return problem;
  std::optional<CsvReader> csv;
  if (!source.sheet()) csv.emplace(source.csv());
  RegisterRecords reader = source.sheet() ? RegisterRecords(program, *source.sheet()) : RegisterRecords(program, *csv);
  reader.set_language(language);
  HeaderRules rules;
  rules.language = language;
  if (std::string problem = reader.start(rules); !problem.empty()) return problem;
  TracedExplainer explainer(program, key, language);
  explainer.set_field_order(reader.columns().field_order());
  std::vector<std::string_view> views;
  std::vector<std::string> cells;
  std::uint64_t line = 0;
  std::string problem;
  while (reader.next(views, line, problem)) {
    cells.assign(views.begin(), views.end());
    Explanation e;
    if (!problem.empty()) {
      e.id = cells[key];
      e.line = line;
      e.rejected = true;
      e.reason = problem;
    } else {
      e = explainer.explain(cells, line);
    }
    if (!each(e)) break;
  }
  return source.failure();
}

bool TestReport::all_passed() const {
  return std::all_of(examples.begin(), examples.end(), [](const ExampleResult& r) { return r.passed; });
}

TestReport run_examples(const Program& program, Language language) {
  TestReport report;
  // Examples are checked in English (an expected rejection quotes the
  // program's English reason); a failure is shown in `language`.
  TracedExplainer explainer(program);
  std::optional<TracedExplainer> shown_in;
  if (language != Language::English) shown_in.emplace(program, 0, language);
  report.coverage = TracedExplainer(program, 0, language).coverage_items();
  for (const ExampleDef& example : program.examples) {
    ExampleResult result;
    result.label = example.label;
    result.line = example.line;
    result.actual = explainer.explain(example.cells, 0, &report.coverage);
    result.actual.id = example.label;
    result.actual.example = true;
    const Explanation& actual = result.actual;
    // The reason as shown: in `language`.
    const auto reason = [&] {
      return shown_in ? shown_in->explain(example.cells, 0).reason : actual.reason;
    };
    if (example.expect_rejected) {
      if (!actual.rejected) result.problems.push_back(say<M::test_expected_rejected>(language).text);
      else if (actual.reason.find(example.rejected_reason) == std::string::npos)
        result.problems.push_back(say<M::test_expected_rejection_saying>(language, example.rejected_reason, reason()).text);
    } else if (actual.rejected) {
      result.problems.push_back(say<M::test_was_rejected>(language, reason()).text);
    } else {
      for (const auto& expect : example.expect) {
        std::string got;
        bool found = false;
        for (std::size_t i = 0; i < actual.output_names.size() && !found; ++i)
          if (actual.output_names[i] == expect.name) {
            got = actual.outputs[i];
            found = true;
          }
        // Otherwise a rule, let, decide or table: its register holds what the run left.
        if (!found) got = explainer.value_text(expect.name);
        const std::string empty(catalogue_text(M::test_empty, language));
        if (got != expect.text)
          result.problems.push_back(say<M::test_expected_got>(language, expect.name, expect.line,
                                                              expect.text.empty() ? empty : expect.text,
                                                              got.empty() ? empty : got)
                                        .text);
      }
    }
    result.passed = result.problems.empty();
    // A failure is explained in the language it is shown in.
    if (!result.passed && shown_in) {
      result.actual = shown_in->explain(example.cells, 0);
      result.actual.id = example.label;
      result.actual.example = true;
    }
    report.examples.push_back(std::move(result));
  }
  return report;
}

Coverage TracedExplainer::coverage_items() const {
  Coverage c;
  std::set<std::string> decides;
  for (const DebugNote& n : program_.notes) {
    if (n.what == What::Value && starts_with(n.origin, "rule ")) {
      c.items.push_back(coverage_item<M::coverage_rule_true>(language_, n.line, n.file, n.name));
      c.items.push_back(coverage_item<M::coverage_rule_false>(language_, n.line, n.file, n.name));
    }
    if (n.what == What::Branch) c.items.push_back(coverage_item<M::coverage_branch>(language_, n.line, n.file, n.name, n.index));
    if (n.what == What::Value && starts_with(n.origin, "decide ") && decides.insert(n.name).second) {
      // `otherwise` is listed after the branches, below.
    }
    if (n.what == What::Row) c.items.push_back(coverage_item<M::coverage_row>(language_, n.line, n.file, n.name, n.index));
  }
  for (const auto& d : decides) {
    std::uint32_t line = 0;
    std::string file;
    for (const DebugNote& n : program_.notes)
      if (n.what == What::Value && n.name == d) {
        line = n.line;
        file = n.file;
      }
    c.items.push_back(coverage_item<M::coverage_otherwise>(language_, line, file, d));
  }
  for (const LookupTable& t : program_.lookups) {  // t.name is "table NAME"
    const std::string table = starts_with(t.name, "table ") ? t.name.substr(6) : t.name;
    for (std::uint32_t r = 1; r <= t.rows; ++r) c.items.push_back(coverage_item<M::coverage_row>(language_, 0, std::string(), table, r));
  }
  return c;
}

std::uint32_t key_field(const Program& program, const std::string& key) {
  if (key.empty()) return 0;
  for (std::uint32_t f = 0; f < program.fields.size(); ++f)
    if (program.fields[f].name == key) return f;
  throw std::invalid_argument(fmt::format("the record has no field called `{}`", key));
}

Explanation explain(const Policy& policy, const std::vector<std::pair<std::string, std::string>>& record,
                    const std::string& key, Language language) {
  const Program& program = program_of(policy);
  TracedExplainer explainer(program, key_field(program, key), language);
  // One cell per field, as a register's row gives them; a field not named is empty.
  std::vector<std::string> cells(program.fields.size());
  for (std::size_t f = 0; f < program.fields.size(); ++f) {
    const auto it = std::find_if(record.begin(), record.end(),
                                 [&](const auto& pair) { return pair.first == program.fields[f].name; });
    if (it != record.end()) cells[f] = it->second;
  }
  return explainer.explain(cells, 0);
}

std::string explain_csv(const Policy& policy, std::FILE* input, const std::string& key,
                        const std::function<bool(const Explanation&)>& each, Language language) {
  const Program& program = program_of(policy);
  return explain_register(program, input, key_field(program, key), each, language);
}

}  // namespace precept
