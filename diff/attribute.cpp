#include "attribute.hpp"

#include <precept/policy.hpp>

#include "messages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

namespace precept::diff {

namespace {

std::string label_of(const Edit& e) {
  if (e.what == "param" && e.kind == EditKind::Changed && e.old_value != e.new_value)
    return fmt::format("{} {} -> {}", e.decl, e.old_value, e.new_value);
  if (e.what == "param" && e.kind == EditKind::Added) return fmt::format("new param {} = {}", e.decl, e.new_value);
  if (e.what == "table row") return fmt::format("table {} row `{}` {}", e.decl, e.item, edit_kind_name(e.kind));
  if (e.what == "enum member") return fmt::format("enum {} member {} {}", e.decl, e.item, edit_kind_name(e.kind));
  if (e.what == "field") return fmt::format("field {} {}", e.item, edit_kind_name(e.kind));
  if (e.what == "output") return fmt::format("output {} {}", e.item, edit_kind_name(e.kind));
  if (e.kind == EditKind::Added) return fmt::format("new {} {}", e.what, e.decl);
  return fmt::format("{} {} {}", e.what, e.decl, edit_kind_name(e.kind));
}

// The old source with the splices applied (they must not overlap).
std::string splice(const PolicyVersion& o, const PolicyVersion& n, std::vector<Splice> splices) {
  std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) { return a.old_first < b.old_first; });
  std::string out;
  std::uint32_t next = 1;  // next old line to copy
  const auto old_count = static_cast<std::uint32_t>(o.lines.size());
  for (const Splice& s : splices) {
    if (s.old_first < next) return {};  // overlapping: cannot be applied together
    for (; next < s.old_first && next <= old_count; ++next) out += o.line(next) + "\n";
    for (std::uint32_t l = s.new_first; l <= s.new_last; ++l) out += n.line(l) + "\n";
    next = std::max(next, s.old_last + 1);
  }
  for (; next <= old_count; ++next) out += o.line(next) + "\n";
  return out;
}

// Names compared with `param` anywhere in the new policy (per_capita for
// poverty_line): the household's own values that explain a moved line.
void compared_with(const ast::Expr& e, const std::string& param, std::set<std::string>& out) {
  std::function<bool(const ast::Expr&)> mentions = [&](const ast::Expr& x) {
    if (x.tag == ast::ExprTag::Name && x.text == param) return true;
    return std::any_of(x.args.begin(), x.args.end(), [&](const ast::ExprPtr& a) { return a && mentions(*a); });
  };
  std::function<void(const ast::Expr&)> names = [&](const ast::Expr& x) {
    if (x.tag == ast::ExprTag::Name && x.text != param) out.insert(x.text);
    for (const auto& a : x.args)
      if (a) names(*a);
  };
  if (e.tag == ast::ExprTag::Compare && mentions(e)) names(e);
  for (const auto& a : e.args)
    if (a) compared_with(*a, param, out);
}

std::set<std::string> names_compared_with(const ast::PolicyFile& f, const std::string& param) {
  std::set<std::string> out;
  auto visit = [&](const ast::ExprPtr& e) {
    if (e) compared_with(*e, param, out);
  };
  for (const auto& x : f.lets) visit(x.value);
  for (const auto& x : f.rules) visit(x.condition);
  for (const auto& x : f.decides)
    for (const auto& b : x.branches) visit(b.condition);
  for (const auto& t : f.tables) {
    visit(t.guard);
    for (const auto& r : t.rows)
      for (const auto& c : r.cells)
        for (const auto& v : c.values) visit(v);
  }
  return out;
}

}  // namespace

void prepare_variants(const PolicyVersion& o, const PolicyVersion& n, const StructuralDiff& diff, PreparedVariants& out) {
  // Edits with one splice are one unit: a param's value and citation, say.
  std::vector<Splice> unit_splices;
  for (std::size_t i = 0; i < diff.edits.size(); ++i) {
    const Edit& e = diff.edits[i];
    if (!e.affects_results) continue;
    const auto it = std::find(unit_splices.begin(), unit_splices.end(), e.splice);
    if (it == unit_splices.end()) {
      unit_splices.push_back(e.splice);
      EditEffect effect;
      effect.edits.push_back(i);
      effect.label = label_of(e);
      out.effects.push_back(std::move(effect));
    } else {
      auto& effect = out.effects[static_cast<std::size_t>(it - unit_splices.begin())];
      effect.edits.push_back(i);
      effect.label += "; " + label_of(e);
    }
  }
  // Declarations that add names (enum members, fields, new declarations) are
  // what an edit alone most often lacks; they are tried with it.
  std::vector<std::size_t> enablers;
  for (std::size_t u = 0; u < unit_splices.size(); ++u) {
    const Edit& e = diff.edits[out.effects[u].edits.front()];
    if (e.what == "enum member" || e.what == "field" || (e.kind == EditKind::Added && e.what != "table row"))
      enablers.push_back(u);
  }

  out.variants.resize(unit_splices.size());
  for (std::size_t u = 0; u < unit_splices.size(); ++u) {
    auto compiled = compile(splice(o, n, {unit_splices[u]}), o.path);
    if (compiled.ok()) {
      out.variants[u] = std::move(compiled.policy);
      continue;
    }
    out.effects[u].applies_alone = false;
    // With every enabler, then without each one it compiles without, so the
    // report names only what the edit really needs.
    std::vector<std::size_t> needed;
    for (const std::size_t k : enablers)
      if (k != u) needed.push_back(k);
    auto source_with = [&](const std::vector<std::size_t>& ks) {
      std::vector<Splice> with{unit_splices[u]};
      for (const std::size_t k : ks) with.push_back(unit_splices[k]);
      return splice(o, n, with);
    };
    auto compiles = [&](const std::vector<std::size_t>& ks) {
      const std::string source = source_with(ks);
      return !source.empty() && compile(source, o.path).ok();
    };
    if (!compiles(needed)) continue;
    for (std::size_t i = needed.size(); i-- > 0;) {
      auto fewer = needed;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
      if (compiles(fewer)) needed = std::move(fewer);
    }
    auto again = compile(source_with(needed), o.path);
    std::string with_text;
    for (const std::size_t k : needed) with_text += (with_text.empty() ? "" : ", ") + out.effects[k].label;
    out.variants[u] = std::move(again.policy);
    out.effects[u].with = with_text;
  }

  // The household's own values beside a moved parameter.
  for (std::size_t u = 0; u < unit_splices.size(); ++u) {
    const Edit& e = diff.edits[out.effects[u].edits.front()];
    if (e.what == "param") out.context[u] = names_compared_with(*n.file, e.decl);
  }

  auto old_compiled = compile(o.source, o.path);
  if (!old_compiled.ok()) return;
  out.baseline = std::move(old_compiled.policy);
  out.plan.baseline = &program_of(*out.baseline);
  for (const auto& v : out.variants) out.plan.variants.push_back(v ? &program_of(*v) : nullptr);
}

Attribution attribute(const PreparedVariants& prepared, const Impact& impact, Language language) {
  using M = MessageId;
  Attribution result;
  result.effects = prepared.effects;
  for (std::size_t u = 0; u < result.effects.size() && u < impact.variant_households.size(); ++u)
    result.effects[u].households = impact.variant_households[u];
  result.households.resize(impact.changed.size());
  if (!prepared.baseline) return result;
  const std::vector<std::string> base_names = prepared.baseline->output_names();
  auto base_index = [&](const std::string& name) {
    const auto it = std::find(base_names.begin(), base_names.end(), name);
    return it == base_names.end() ? -1 : static_cast<int>(it - base_names.begin());
  };
  const std::set<std::string> no_context;

  for (std::size_t r = 0; r < impact.changed.size(); ++r) {
    const ChangedHousehold& h = impact.changed[r];
    const HouseholdMoves& m = h.moves;
    if (!m.evaluated) continue;
    HouseholdCause& cause = result.households[r];
    for (const auto& move : m.moves) cause.effects.push_back(move.variant);
    auto moves_output = [&](const HouseholdMoves::Move& move, const std::string& output) {
      if (move.ok_differs) return true;
      const int i = base_index(output);
      return i >= 0 && std::find(move.outputs.begin(), move.outputs.end(), static_cast<std::uint32_t>(i)) != move.outputs.end();
    };
    auto because = [&](const std::vector<std::size_t>& units) {
      std::vector<std::string> parts;
      std::set<std::string> shown;
      for (const std::size_t u : units) {
        parts.push_back(result.effects[u].label);
        const auto c = prepared.context.find(u);
        for (const auto& name : c == prepared.context.end() ? no_context : c->second) {
          const int i = base_index(name);
          if (i >= 0 && m.base_ok && shown.insert(name).second)
            parts.push_back(fmt::format("{} = {}", name, m.base_values.at(static_cast<std::size_t>(i))));
        }
      }
      std::string out;
      for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i == 0 ? "" : i + 1 == parts.size() ? std::string(catalogue_text(M::diff_and, language))
                                                    : std::string(catalogue_text(M::letter_list_separator, language))) +
               parts[i];
      return out;
    };
    auto explain = [&](const std::string& what, const std::vector<std::size_t>& units) {
      if (units.empty()) return say<M::diff_because_together>(language, what).text;
      return say<M::diff_because>(language, what, because(units)).text;
    };
    if (!h.old_rejected.empty() || !h.new_rejected.empty()) {
      const std::string what(catalogue_text(h.old_rejected.empty()   ? M::diff_rejected_by_new
                                            : h.new_rejected.empty() ? M::diff_accepted_by_new
                                                                     : M::diff_count_rejected_both,
                                            language));
      cause.lines.push_back(explain(what, cause.effects));
      continue;
    }
    for (const OutputChange& c : h.changes) {
      std::vector<std::size_t> units;
      for (const auto& move : m.moves)
        if (moves_output(move, c.output)) units.push_back(move.variant);
      const std::string empty(catalogue_text(M::test_empty, language));
      cause.lines.push_back(explain(fmt::format("{}: {} -> {}", c.output, c.old_value.empty() ? empty : c.old_value,
                                                c.new_value.empty() ? empty : c.new_value),
                                    units));
    }
  }
  return result;
}

}  // namespace precept::diff
