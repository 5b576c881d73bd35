#include "structural.hpp"

#include "ast_builder.hpp"
#include "layers.hpp"
#include "diagnostics.hpp"
#include "expr_printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

namespace precept::diff {

namespace {

using ast::compare_text;
const std::string kEmpty;
}

const std::string& PolicyVersion::line(std::uint32_t n) const {
  return n >= 1 && n <= lines.size() ? lines[n - 1] : kEmpty;
}

PolicyVersion load_version(std::string path, std::string source) {
  PolicyVersion v;
  v.path = std::move(path);
  v.source = std::move(source);
  std::size_t start = 0;
  while (start <= v.source.size()) {
    std::size_t end = v.source.find('\n', start);
    if (end == std::string::npos) end = v.source.size();
    std::string l = v.source.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    v.lines.push_back(std::move(l));
    if (end == v.source.size()) break;
    start = end + 1;
  }
  DiagnosticSink sink(v.path, v.source, 50);
  v.file = parse_policy(v.source, sink);
  // A layered policy or dated values are compared as the policy they resolve to,
  // as compile() sees it (`precept diff` passes resolve_source()'s text).
  LayerSources layer_sources;
  if (v.file && sink.error_count() == 0 &&
      resolve_layers(*v.file, sink, LayerOptions{std::nullopt, std::filesystem::path(v.path).parent_path().string(), {}},
                     layer_sources, nullptr, nullptr))
    v.ok = check_policy(*v.file, sink, v.checked);
  v.diagnostics = sink.take();
  return v;
}

const char* edit_kind_name(EditKind kind) {
  switch (kind) {
    case EditKind::Added: return "added";
    case EditKind::Removed: return "removed";
    case EditKind::Changed: return "changed";
  }
  return "";
}

namespace {

// Expressions are compared by their canonical printing (compiler/expr_printer.hpp).
std::string canon(const ast::ExprPtr& e) { return e ? print_expr(*e, ExprSpelling::Canonical) : std::string(); }

std::string type_text(const ast::TypeRef& t) { return (t.is_list ? "list of " : "") + t.name; }
std::string type_text(const std::optional<ast::TypeRef>& t) { return t ? type_text(*t) : std::string(); }

// A description or citation as the policy writes it (escapes included).
std::string quoted(const std::string& s) { return s.empty() ? "(none)" : quoted_text(s); }

bool is_blank_or_comment(const std::string& line) {
  const auto first = line.find_first_not_of(" \t");
  return first == std::string::npos || line[first] == '#';
}

// Where each declaration lies: from the line of its first token to the line
// before the next declaration, less trailing blank and comment lines (which
// belong to no declaration, so splicing never copies a neighbour's comment).
struct Layout {
  std::map<std::pair<ast::DeclKind, std::size_t>, std::pair<std::uint32_t, std::uint32_t>> spans;
  std::uint32_t header_line = 0;
};

std::uint32_t start_line(const ast::PolicyFile& f, const ast::DeclRef& d) {
  switch (d.kind) {
    case ast::DeclKind::Enum: return f.enums[d.index].location.line;
    case ast::DeclKind::Record: return f.records[d.index].location.line;
    case ast::DeclKind::Param: return f.params[d.index].location.line;
    case ast::DeclKind::Let: return f.lets[d.index].location.line;
    case ast::DeclKind::Rule: return f.rules[d.index].location.line;
    case ast::DeclKind::Decide: return f.decides[d.index].location.line;
    case ast::DeclKind::Table: return f.tables[d.index].location.line;
    case ast::DeclKind::Require: return f.requires_[d.index].location.line;
    case ast::DeclKind::Output: return f.outputs[d.index].location.line;
    case ast::DeclKind::Summary: return f.summaries[d.index].location.line;
    case ast::DeclKind::Example: return f.examples[d.index].location.line;
  }
  return 0;
}

Layout layout_of(const PolicyVersion& v) {
  Layout l;
  const ast::PolicyFile& f = *v.file;
  l.header_line = f.location.line;
  for (std::size_t i = 0; i < f.order.size(); ++i) {
    const std::uint32_t first = start_line(f, f.order[i]);
    std::uint32_t last = i + 1 < f.order.size() ? start_line(f, f.order[i + 1]) - 1
                                                 : static_cast<std::uint32_t>(v.lines.size());
    while (last > first && is_blank_or_comment(v.line(last))) --last;
    l.spans[{f.order[i].kind, f.order[i].index}] = {first, std::max(first, last)};
  }
  return l;
}

std::string lines_text(const PolicyVersion& v, std::uint32_t first, std::uint32_t last) {
  std::string out;
  for (std::uint32_t n = first; n <= last && n != 0; ++n) out += v.line(n) + (n < last ? "\n" : "");
  return out;
}

std::string trimmed(std::string s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  const auto b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

class Differ {
 public:
  Differ(const PolicyVersion& o, const PolicyVersion& n) : o_(o), n_(n), ol_(layout_of(o)), nl_(layout_of(n)) {}

  StructuralDiff run() {
    header();
    named(ast::DeclKind::Enum, o_.file->enums, n_.file->enums, [&](auto&... a) { enums(a...); });
    named(ast::DeclKind::Record, o_.file->records, n_.file->records, [&](auto&... a) { records(a...); });
    named(ast::DeclKind::Param, o_.file->params, n_.file->params, [&](auto&... a) { params(a...); });
    named(ast::DeclKind::Let, o_.file->lets, n_.file->lets, [&](auto&... a) { lets(a...); });
    named(ast::DeclKind::Rule, o_.file->rules, n_.file->rules, [&](auto&... a) { rules(a...); });
    named(ast::DeclKind::Decide, o_.file->decides, n_.file->decides, [&](auto&... a) { decides(a...); });
    named(ast::DeclKind::Table, o_.file->tables, n_.file->tables, [&](auto&... a) { tables(a...); });
    requires_();
    outputs();
    summaries();
    // In the order of the new file (removals where the old file had them), so a
    // reviewer reads the edits in the policy's own order.
    std::stable_sort(out_.edits.begin(), out_.edits.end(), [](const Edit& a, const Edit& b) {
      return position(a) < position(b);
    });
    return std::move(out_);
  }

 private:
  static std::pair<std::uint32_t, std::uint32_t> position(const Edit& e) {
    // Removed edits sort by where they would have stood: their splice point.
    return e.new_line ? std::pair{e.new_line, 0u} : std::pair{e.splice.new_first, 1u};
  }

  std::pair<std::uint32_t, std::uint32_t> span(const Layout& l, ast::DeclKind k, std::size_t i) const {
    const auto it = l.spans.find({k, i});
    return it == l.spans.end() ? std::pair{0u, 0u} : it->second;
  }

  // The line of the new file a removed declaration would come before, and the
  // line of the old file an added one goes after: next to the nearest
  // neighbour both files have, so the spliced source still defines names
  // before their use.
  std::uint32_t old_anchor_for_new(ast::DeclKind kind, std::size_t index) const {
    const ast::PolicyFile& nf = *n_.file;
    std::size_t at = 0;
    while (at < nf.order.size() && !(nf.order[at].kind == kind && nf.order[at].index == index)) ++at;
    for (std::size_t i = at; i-- > 0;) {
      const auto old = counterpart(nf.order[i], *n_.file, *o_.file);
      if (old) return span(ol_, old->kind, old->index).second;
    }
    return ol_.header_line;
  }
  std::uint32_t new_anchor_for_old(ast::DeclKind kind, std::size_t index) const {
    const ast::PolicyFile& of = *o_.file;
    std::size_t at = 0;
    while (at < of.order.size() && !(of.order[at].kind == kind && of.order[at].index == index)) ++at;
    for (std::size_t i = at; i-- > 0;) {
      const auto mate = counterpart(of.order[i], *o_.file, *n_.file);
      if (mate) return span(nl_, mate->kind, mate->index).second + 1;
    }
    return nl_.header_line + 1;
  }

  static std::string name_of(const ast::PolicyFile& f, const ast::DeclRef& d) {
    switch (d.kind) {
      case ast::DeclKind::Enum: return f.enums[d.index].name;
      case ast::DeclKind::Record: return f.records[d.index].name;
      case ast::DeclKind::Param: return f.params[d.index].name;
      case ast::DeclKind::Let: return f.lets[d.index].name;
      case ast::DeclKind::Rule: return f.rules[d.index].name;
      case ast::DeclKind::Decide: return f.decides[d.index].name;
      case ast::DeclKind::Table: return f.tables[d.index].name;
      case ast::DeclKind::Require: return "require " + canon(f.requires_[d.index].condition);
      case ast::DeclKind::Output: return "output";
      case ast::DeclKind::Summary: return "summary";
      // Examples are never compared: they are the policy's tests, and change no
      // household's result (`precept test` is where they matter).
      case ast::DeclKind::Example: return "example " + f.examples[d.index].label;
    }
    return "";
  }
  static std::optional<ast::DeclRef> counterpart(const ast::DeclRef& d, const ast::PolicyFile& from,
                                                 const ast::PolicyFile& to) {
    const std::string name = name_of(from, d);
    for (const auto& other : to.order)
      if (other.kind == d.kind && name_of(to, other) == name) return other;
    return std::nullopt;
  }

  Edit& add(EditKind kind, std::string what, std::string decl, ast::DeclKind dk, const std::size_t* oi,
            const std::size_t* ni) {
    Edit e;
    e.kind = kind;
    e.what = std::move(what);
    e.decl = std::move(decl);
    if (oi) {
      const auto [a, b] = span(ol_, dk, *oi);
      e.old_line = a;
      e.old_text = lines_text(o_, a, b);
      e.splice.old_first = a;
      e.splice.old_last = b;
    }
    if (ni) {
      const auto [a, b] = span(nl_, dk, *ni);
      e.new_line = a;
      e.new_text = lines_text(n_, a, b);
      e.splice.new_first = a;
      e.splice.new_last = b;
    }
    if (!oi) {
      const std::uint32_t after = old_anchor_for_new(dk, *ni);
      e.splice.old_first = after + 1;
      e.splice.old_last = after;
    }
    if (!ni) {
      const std::uint32_t before = new_anchor_for_old(dk, *oi);
      e.splice.new_first = before;
      e.splice.new_last = before - 1;
    }
    out_.edits.push_back(std::move(e));
    return out_.edits.back();
  }

  template <class Decl, class Compare>
  void named(ast::DeclKind kind, const std::vector<Decl>& old_list, const std::vector<Decl>& new_list,
             Compare compare) {
    static const std::map<ast::DeclKind, std::string> whats = {
        {ast::DeclKind::Enum, "enum"},   {ast::DeclKind::Record, "record"}, {ast::DeclKind::Param, "param"},
        {ast::DeclKind::Let, "let"},     {ast::DeclKind::Rule, "rule"},     {ast::DeclKind::Decide, "decide"},
        {ast::DeclKind::Table, "table"}};
    const std::string& what = whats.at(kind);
    for (std::size_t i = 0; i < old_list.size(); ++i) {
      const auto it = std::find_if(new_list.begin(), new_list.end(), [&](const Decl& d) { return d.name == old_list[i].name; });
      if (it == new_list.end()) {
        add(EditKind::Removed, what, old_list[i].name, kind, &i, nullptr);
        continue;
      }
      const std::size_t j = static_cast<std::size_t>(it - new_list.begin());
      compare(old_list[i], *it, i, j);
    }
    for (std::size_t j = 0; j < new_list.size(); ++j) {
      const bool known = std::any_of(old_list.begin(), old_list.end(), [&](const Decl& d) { return d.name == new_list[j].name; });
      if (!known) {
        Edit& e = add(EditKind::Added, what, new_list[j].name, kind, nullptr, &j);
        if constexpr (std::is_same_v<Decl, ast::ParamDecl>) e.new_value = value_text(n_, *new_list[j].value);
      }
    }
  }

  // An expression as its author wrote it when it lies on one line; the
  // canonical form otherwise.
  static std::string value_text(const PolicyVersion& v, const ast::Expr& e) {
    const std::string c = print_expr(e, ExprSpelling::Canonical);
    const std::string& l = v.line(e.location.line);
    // Columns count characters: walk UTF-8 to find the byte offsets.
    std::size_t byte = 0, ch = 1;
    while (byte < l.size() && ch < e.location.column) {
      ++byte;
      while (byte < l.size() && (static_cast<unsigned char>(l[byte]) & 0xC0) == 0x80) ++byte;
      ++ch;
    }
    std::size_t end = byte;
    for (std::uint32_t k = 0; k < e.location.length && end < l.size(); ++k) {
      ++end;
      while (end < l.size() && (static_cast<unsigned char>(l[end]) & 0xC0) == 0x80) ++end;
    }
    std::string text = l.substr(byte, end - byte);
    return e.args.empty() || text.size() >= c.size() / 2 ? text : c;
  }

  static void aspect(std::vector<std::string>& details, const char* name, const std::string& a, const std::string& b,
                     bool quote = false) {
    if (a == b) return;
    details.push_back(quote ? fmt::format("{} {} -> {}", name, quoted(a), quoted(b))
                            : fmt::format("{} {} -> {}", name, a.empty() ? "(none)" : a, b.empty() ? "(none)" : b));
  }
  static std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
  }

  void header() {
    const ast::PolicyFile& a = *o_.file;
    const ast::PolicyFile& b = *n_.file;
    std::vector<std::string> details;
    aspect(details, "name", a.name, b.name, true);
    aspect(details, "place", a.place, b.place, true);
    aspect(details, "year", a.year ? std::to_string(a.year) : "", b.year ? std::to_string(b.year) : "");
    if (details.empty()) return;
    Edit e;
    e.what = "header";
    e.detail = joined(details);
    e.old_line = ol_.header_line;
    e.new_line = nl_.header_line;
    e.old_text = o_.line(e.old_line);
    e.new_text = n_.line(e.new_line);
    e.splice = {e.old_line, e.old_line, e.new_line, e.new_line};
    e.affects_results = false;
    out_.edits.push_back(std::move(e));
  }

  void enums(const ast::EnumDecl& a, const ast::EnumDecl& b, std::size_t i, std::size_t j) {
    auto has = [](const ast::EnumDecl& d, const std::string& m) {
      return std::any_of(d.members.begin(), d.members.end(), [&](const auto& p) { return p.first == m; });
    };
    for (const auto& [m, loc] : a.members)
      if (!has(b, m)) add(EditKind::Removed, "enum member", a.name, ast::DeclKind::Enum, &i, &j).item = m;
    for (const auto& [m, loc] : b.members)
      if (!has(a, m)) add(EditKind::Added, "enum member", a.name, ast::DeclKind::Enum, &i, &j).item = m;
  }

  static std::string check_text(const ast::FieldDecl& f) {
    if (!f.check) return "";
    return fmt::format("where {} {}", compare_text(*f.check), canon(f.check_value));
  }

  void records(const ast::RecordDecl& a, const ast::RecordDecl& b, std::size_t i, std::size_t j) {
    auto find = [](const ast::RecordDecl& r, const std::string& name) -> const ast::FieldDecl* {
      for (const auto& f : r.fields)
        if (f.name == name) return &f;
      return nullptr;
    };
    for (const auto& f : a.fields) {
      const ast::FieldDecl* g = find(b, f.name);
      if (!g) {
        Edit& e = add(EditKind::Removed, "field", a.name, ast::DeclKind::Record, &i, &j);
        e.item = f.name;
        e.old_line = f.location.line;
        e.old_text = trimmed(o_.line(f.location.line));
        e.new_text.clear();
        e.new_line = 0;
        continue;
      }
      std::vector<std::string> details;
      aspect(details, "type", (f.optional ? "optional " : "") + type_text(f.type),
             (g->optional ? "optional " : "") + type_text(g->type));
      aspect(details, "check", check_text(f), check_text(*g));
      aspect(details, "default", canon(f.default_value), canon(g->default_value));
      aspect(details, "key", f.key ? "key" : "", g->key ? "key" : "");  // decides which rows are duplicates
      const bool meaningful = !details.empty();
      aspect(details, "personal", f.personal ? "personal" : "", g->personal ? "personal" : "");
      aspect(details, "description", f.description, g->description, true);
      if (details.empty()) continue;
      Edit& e = add(EditKind::Changed, "field", a.name, ast::DeclKind::Record, &i, &j);
      e.item = f.name;
      e.detail = joined(details);
      e.affects_results = meaningful;
      e.old_line = f.location.line;
      e.new_line = g->location.line;
      e.old_text = trimmed(o_.line(e.old_line));
      e.new_text = trimmed(n_.line(e.new_line));
    }
    for (const auto& g : b.fields)
      if (!find(a, g.name)) {
        Edit& e = add(EditKind::Added, "field", a.name, ast::DeclKind::Record, &i, &j);
        e.item = g.name;
        e.new_line = g.location.line;
        e.new_text = trimmed(n_.line(g.location.line));
        e.old_text.clear();
        e.old_line = 0;
      }
  }

  void finish_changed(std::vector<std::string>& details, bool meaningful, const char* what, const std::string& name,
                      ast::DeclKind kind, std::size_t i, std::size_t j, const std::string& old_value = {},
                      const std::string& new_value = {}) {
    if (details.empty()) return;
    Edit& e = add(EditKind::Changed, what, name, kind, &i, &j);
    e.detail = joined(details);
    e.affects_results = meaningful;
    e.old_value = old_value;
    e.new_value = new_value;
  }

  void params(const ast::ParamDecl& a, const ast::ParamDecl& b, std::size_t i, std::size_t j) {
    std::vector<std::string> d;
    aspect(d, "type", type_text(a.type), type_text(b.type));
    const std::string av = value_text(o_, *a.value), bv = value_text(n_, *b.value);
    if (canon(a.value) != canon(b.value)) d.push_back(fmt::format("value {} -> {}", av, bv));
    const bool meaningful = !d.empty();
    aspect(d, "description", a.metadata.description, b.metadata.description, true);
    aspect(d, "source", a.metadata.source, b.metadata.source, true);
    finish_changed(d, meaningful, "param", a.name, ast::DeclKind::Param, i, j, av, bv);
  }

  void lets(const ast::LetDecl& a, const ast::LetDecl& b, std::size_t i, std::size_t j) {
    std::vector<std::string> d;
    aspect(d, "type", type_text(a.type), type_text(b.type));
    if (canon(a.value) != canon(b.value)) d.push_back(fmt::format("value `{}` -> `{}`", canon(a.value), canon(b.value)));
    const bool meaningful = !d.empty();
    aspect(d, "description", a.metadata.description, b.metadata.description, true);
    aspect(d, "source", a.metadata.source, b.metadata.source, true);
    finish_changed(d, meaningful, "let", a.name, ast::DeclKind::Let, i, j);
  }

  void rules(const ast::RuleDecl& a, const ast::RuleDecl& b, std::size_t i, std::size_t j) {
    std::vector<std::string> d;
    if (canon(a.condition) != canon(b.condition))
      d.push_back(fmt::format("condition `{}` -> `{}`", canon(a.condition), canon(b.condition)));
    const bool meaningful = !d.empty();
    aspect(d, "label", a.label, b.label, true);
    aspect(d, "description", a.metadata.description, b.metadata.description, true);
    aspect(d, "source", a.metadata.source, b.metadata.source, true);
    finish_changed(d, meaningful, "rule", a.name, ast::DeclKind::Rule, i, j);
  }

  static std::vector<std::string> branches(const ast::DecideDecl& x) {
    std::vector<std::string> out;
    for (const auto& br : x.branches) out.push_back(fmt::format("when {} -> {}", canon(br.condition), canon(br.outcome)));
    out.push_back("otherwise -> " + canon(x.otherwise));
    return out;
  }

  void decides(const ast::DecideDecl& a, const ast::DecideDecl& b, std::size_t i, std::size_t j) {
    std::vector<std::string> d;
    aspect(d, "type", type_text(a.type), type_text(b.type));
    const auto ab = branches(a), bb = branches(b);
    if (ab != bb) {
      std::multiset<std::string> sa(ab.begin(), ab.end()), sb(bb.begin(), bb.end());
      for (const auto& x : ab)
        if (!sb.count(x)) d.push_back("removed `" + x + "`");
      for (const auto& x : bb)
        if (!sa.count(x)) d.push_back("added `" + x + "`");
      if (sa == sb) d.push_back("branches reordered (the first that holds decides)");
    }
    const bool meaningful = !d.empty();
    aspect(d, "label", a.label, b.label, true);
    finish_changed(d, meaningful, "decide", a.name, ast::DeclKind::Decide, i, j);
  }

  static std::string cell_text(const ast::TableCell& c) {
    switch (c.kind) {
      case ast::CellKind::Any: return "-";
      case ast::CellKind::Compare: return std::string(compare_text(c.compare)) + " " + canon(c.values.at(0));
      case ast::CellKind::Values: {
        std::string out;
        for (const auto& v : c.values) out += (out.empty() ? "" : ", ") + canon(v);
        return out;
      }
    }
    return "";
  }
  static std::string column_text(const ast::TableColumn& c) {
    switch (c.kind) {
      case ast::ColumnKind::Condition: return "when";
      case ast::ColumnKind::Input: return "when " + canon(c.input);
      case ast::ColumnKind::Output: return c.name + (c.type ? ": " + type_text(c.type) : "");
    }
    return "";
  }
  static std::string row_text(const ast::TableRow& r) {
    std::string out;
    for (const auto& c : r.cells) out += (out.empty() ? "" : " | ") + cell_text(c);
    return out;
  }
  // The cells that say when a row applies (not what it gives).
  static std::string row_conditions(const ast::TableDecl& t, const ast::TableRow& r) {
    std::string out;
    for (std::size_t c = 0; c < r.cells.size() && c < t.columns.size(); ++c)
      if (t.columns[c].kind != ast::ColumnKind::Output) out += cell_text(r.cells[c]) + " | ";
    return out;
  }

  void tables(const ast::TableDecl& a, const ast::TableDecl& b, std::size_t i, std::size_t j) {
    std::vector<std::string> d;
    aspect(d, "hit policy", a.hit_policy + (a.aggregator.empty() ? "" : " " + a.aggregator),
           b.hit_policy + (b.aggregator.empty() ? "" : " " + b.aggregator));
    aspect(d, "guard", canon(a.guard), canon(b.guard));
    std::string ac, bc;
    for (const auto& c : a.columns) ac += (ac.empty() ? "" : " | ") + column_text(c);
    for (const auto& c : b.columns) bc += (bc.empty() ? "" : " | ") + column_text(c);
    aspect(d, "columns", ac, bc);
    const bool whole = !d.empty();
    aspect(d, "label", a.label, b.label, true);
    finish_changed(d, whole, "table", a.name, ast::DeclKind::Table, i, j);

    // Rows matched by content: identical rows first, then rows with the same
    // conditions (their outputs changed), then rows with the same first cell.
    const std::size_t na = a.rows.size(), nb = b.rows.size();
    std::vector<int> mate_of_new(nb, -1), mate_of_old(na, -1);
    auto pair_by = [&](const std::function<std::string(const ast::TableDecl&, const ast::TableRow&)>& key) {
      for (std::size_t y = 0; y < nb; ++y) {
        if (mate_of_new[y] >= 0) continue;
        for (std::size_t x = 0; x < na; ++x)
          if (mate_of_old[x] < 0 && key(a, a.rows[x]) == key(b, b.rows[y])) {
            mate_of_new[y] = static_cast<int>(x);
            mate_of_old[x] = static_cast<int>(y);
            break;
          }
      }
    };
    pair_by([](const ast::TableDecl&, const ast::TableRow& r) { return row_text(r); });
    std::vector<bool> identical(nb);
    for (std::size_t y = 0; y < nb; ++y) identical[y] = mate_of_new[y] >= 0;
    pair_by(row_conditions);
    pair_by([](const ast::TableDecl&, const ast::TableRow& r) { return r.cells.empty() ? "" : cell_text(r.cells[0]); });

    // Plain variables, not structured bindings: Clang 14 (the fuzz build) cannot
    // capture those in a lambda.
    const auto old_span = span(ol_, ast::DeclKind::Table, i);
    const auto new_span = span(nl_, ast::DeclKind::Table, j);
    auto row_edit = [&](EditKind kind, const ast::TableRow* old_row, const ast::TableRow* new_row, Splice s) {
      Edit& e = add(kind, "table row", a.name, ast::DeclKind::Table, &i, &j);
      const ast::TableRow* r = new_row ? new_row : old_row;
      e.item = r->cells.empty() ? "" : cell_text(r->cells[0]);
      e.old_line = old_row ? old_row->location.line : 0;
      e.new_line = new_row ? new_row->location.line : 0;
      e.old_text = old_row ? trimmed(o_.line(e.old_line)) : "";
      e.new_text = new_row ? trimmed(n_.line(e.new_line)) : "";
      // A row alone can be applied only while the columns are the same.
      e.splice = whole ? Splice{old_span.first, old_span.second, new_span.first, new_span.second} : s;
      if (!new_row) e.splice.new_first = e.splice.new_last + 1;  // nothing in the new file
    };
    for (std::size_t x = 0; x < na; ++x)
      if (mate_of_old[x] < 0) {
        const std::uint32_t l = a.rows[x].location.line;
        row_edit(EditKind::Removed, &a.rows[x], nullptr, Splice{l, l, 1, 0});
        // A removed row sorts where it stood in the new table.
        std::uint32_t at = new_span.second + 1;
        for (std::size_t k = x + 1; k < na; ++k)
          if (mate_of_old[k] >= 0) {
            at = b.rows[static_cast<std::size_t>(mate_of_old[k])].location.line;
            break;
          }
        if (!whole) out_.edits.back().splice = Splice{l, l, at, at - 1};
      }
    for (std::size_t y = 0; y < nb; ++y) {
      const std::uint32_t l = b.rows[y].location.line;
      if (mate_of_new[y] >= 0) {
        if (identical[y]) continue;
        const auto& old_row = a.rows[static_cast<std::size_t>(mate_of_new[y])];
        row_edit(EditKind::Changed, &old_row, &b.rows[y], Splice{old_row.location.line, old_row.location.line, l, l});
        out_.edits.back().detail = fmt::format("`{}` -> `{}`", row_text(old_row), row_text(b.rows[y]));
        continue;
      }
      // Inserted after the old row matched to the nearest row above it.
      std::uint32_t after = a.rows.empty() ? old_span.second : a.rows.front().location.line - 1;
      for (std::size_t k = y; k-- > 0;)
        if (mate_of_new[k] >= 0) {
          after = a.rows[static_cast<std::size_t>(mate_of_new[k])].location.line;
          break;
        }
      row_edit(EditKind::Added, nullptr, &b.rows[y], Splice{after + 1, after, l, l});
    }
  }

  void requires_() {
    const auto& a = o_.file->requires_;
    const auto& b = n_.file->requires_;
    std::vector<int> mate(b.size(), -1);
    std::vector<bool> used(a.size());
    auto pair_by = [&](auto key) {
      for (std::size_t y = 0; y < b.size(); ++y) {
        if (mate[y] >= 0) continue;
        for (std::size_t x = 0; x < a.size(); ++x)
          if (!used[x] && key(a[x]) == key(b[y])) {
            mate[y] = static_cast<int>(x);
            used[x] = true;
            break;
          }
      }
    };
    pair_by([](const ast::RequireDecl& r) { return canon(r.condition) + "\n" + r.message; });
    std::vector<bool> identical(b.size());
    for (std::size_t y = 0; y < b.size(); ++y) identical[y] = mate[y] >= 0;
    pair_by([](const ast::RequireDecl& r) { return canon(r.condition); });
    pair_by([](const ast::RequireDecl& r) { return r.message; });
    for (std::size_t x = 0; x < a.size(); ++x)
      if (!used[x]) add(EditKind::Removed, "require", canon(a[x].condition), ast::DeclKind::Require, &x, nullptr);
    for (std::size_t y = 0; y < b.size(); ++y) {
      if (mate[y] < 0) {
        add(EditKind::Added, "require", canon(b[y].condition), ast::DeclKind::Require, nullptr, &y);
        continue;
      }
      if (identical[y]) continue;
      const std::size_t x = static_cast<std::size_t>(mate[y]);
      std::vector<std::string> d;
      if (canon(a[x].condition) != canon(b[y].condition))
        d.push_back(fmt::format("condition `{}` -> `{}`", canon(a[x].condition), canon(b[y].condition)));
      const bool meaningful = !d.empty();
      aspect(d, "message", a[x].message, b[y].message, true);
      finish_changed(d, meaningful, "require", canon(b[y].condition), ast::DeclKind::Require, x, y);
    }
  }

  void outputs() {
    const auto& a = o_.file->outputs;
    const auto& b = n_.file->outputs;
    if (a.empty() || b.empty()) {
      if (!a.empty()) { std::size_t x = 0; add(EditKind::Removed, "output", "output", ast::DeclKind::Output, &x, nullptr); }
      if (!b.empty()) { std::size_t y = 0; add(EditKind::Added, "output", "output", ast::DeclKind::Output, nullptr, &y); }
      return;
    }
    std::size_t x = 0, y = 0;
    // `output household_id` names the output after the expression.
    auto name = [](const ast::OutputItem& item) { return item.name.empty() ? canon(item.value) : item.name; };
    auto find = [&](const ast::OutputDecl& d, const std::string& n) -> const ast::OutputItem* {
      for (const auto& candidate : d.items)
        if (name(candidate) == n) return &candidate;
      return nullptr;
    };
    std::vector<std::string> order_a, order_b;
    for (const auto& it : a[0].items) {
      const auto* other = find(b[0], name(it));
      if (!other) {
        Edit& e = add(EditKind::Removed, "output", "output", ast::DeclKind::Output, &x, &y);
        e.item = name(it);
        e.detail = "`" + canon(it.value) + "`";
        continue;
      }
      order_a.push_back(name(it));
      if (canon(it.value) != canon(other->value)) {
        Edit& e = add(EditKind::Changed, "output", "output", ast::DeclKind::Output, &x, &y);
        e.item = name(it);
        e.detail = fmt::format("`{}` -> `{}`", canon(it.value), canon(other->value));
      }
    }
    for (const auto& it : b[0].items) {
      if (find(a[0], name(it))) {
        order_b.push_back(name(it));
        continue;
      }
      Edit& e = add(EditKind::Added, "output", "output", ast::DeclKind::Output, &x, &y);
      e.item = name(it);
      e.detail = "`" + canon(it.value) + "`";
    }
    if (order_a != order_b) {
      Edit& e = add(EditKind::Changed, "output", "output", ast::DeclKind::Output, &x, &y);
      e.item = "order";
      e.detail = "the results' columns are in another order";
      e.affects_results = false;
    }
  }

  void summaries() {
    const auto& a = o_.file->summaries;
    const auto& b = n_.file->summaries;
    std::map<std::string, std::string> ma, mb, ga, gb;
    auto collect = [](const std::vector<ast::SummaryDecl>& s, auto& m, auto& g) {
      for (const auto& decl : s) {
        for (const auto& x : decl.measures) m[x.key] = canon(x.value);
        for (const auto& grp : decl.groups) {
          std::string f;
          for (const auto& [name, loc] : grp.fields) f += (f.empty() ? "" : ", ") + name;
          g[grp.name] = f;
        }
      }
    };
    collect(a, ma, ga);
    collect(b, mb, gb);
    std::size_t x = 0, y = 0;
    auto diff_maps = [&](const std::map<std::string, std::string>& p, const std::map<std::string, std::string>& q,
                         const char* what) {
      std::set<std::string> keys;
      for (const auto& [k, v] : p) keys.insert(k);
      for (const auto& [k, v] : q) keys.insert(k);
      for (const auto& k : keys) {
        const auto i = p.find(k), j = q.find(k);
        if (i != p.end() && j != q.end() && i->second == j->second) continue;
        const EditKind kind = i == p.end() ? EditKind::Added : j == q.end() ? EditKind::Removed : EditKind::Changed;
        Edit& e = add(kind, what, "summary", ast::DeclKind::Summary, a.empty() ? nullptr : &x, b.empty() ? nullptr : &y);
        e.item = k;
        e.detail = fmt::format("{} -> {}", i == p.end() ? "(none)" : "`" + i->second + "`",
                               j == q.end() ? "(none)" : "`" + j->second + "`");
        e.affects_results = false;
      }
    };
    diff_maps(ma, mb, "summary measure");
    diff_maps(ga, gb, "summary group");
  }

  const PolicyVersion& o_;
  const PolicyVersion& n_;
  Layout ol_, nl_;
  StructuralDiff out_;
};

}  // namespace

StructuralDiff structural_diff(const PolicyVersion& old_version, const PolicyVersion& new_version) {
  return Differ(old_version, new_version).run();
}

}  // namespace precept::diff
