#include <precept/diff.hpp>

#include "format.hpp"
#include "json.hpp"
#include "messages.hpp"
#include "text_width.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace precept::diff {

bool DiffResult::changed() const {
  return !edits.empty() || (impact && (impact->total.changed > 0 || impact->total.rejected_only_old > 0 ||
                                                           impact->total.rejected_only_new > 0 || impact->total.only_in_old > 0 ||
                                                           impact->total.only_in_new > 0));
}

namespace {

using M = MessageId;

// Our words in the report's language (DiffResult::language).
std::string word(MessageId id, Language language) { return std::string(catalogue_text(id, language)); }

std::string kind_word(EditKind kind, Language language) {
  switch (kind) {
    case EditKind::Added: return word(M::diff_added, language);
    case EditKind::Removed: return word(M::diff_removed, language);
    case EditKind::Changed: return word(M::diff_changed, language);
  }
  return {};
}

std::string edits_word(std::size_t edits, Language language) {
  return edits == 1 ? word(M::diff_one_edit, language) : say<M::diff_edits>(language, edits).text;
}

std::string money(std::int64_t fen, bool sign = false) {
  const bool negative = fen < 0;
  const std::uint64_t v = negative ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  return fmt::format("{}{}.{:02}", negative ? "-" : (sign && fen > 0 ? "+" : ""), v / 100, v % 100);
}

std::string edit_title(const Edit& e) {
  std::string t = e.what;
  if (!e.decl.empty() && e.decl != e.what) t += " " + e.decl;
  if (!e.item.empty()) t += " " + (e.what == "table row" ? "`" + e.item + "`" : e.item);
  return t;
}

std::string lines_of(const Edit& e, Language language) {
  if (e.old_line && e.new_line) return say<M::diff_lines_moved>(language, e.old_line, e.new_line).text;
  if (e.old_line) return say<M::diff_old_line>(language, e.old_line).text;
  return say<M::diff_new_line>(language, e.new_line).text;
}

std::string verdict_name(Verdict v, Language language) {
  switch (v) {
    case Verdict::Differs: return word(M::diff_verdict_differs, language);
    case Verdict::SameForAll: return word(M::diff_verdict_same, language);
    case Verdict::Unknown: return word(M::diff_verdict_unknown, language);
  }
  return "";
}

std::string effect_text(const EditEffect& e, Language language) {
  if (e.edits.empty()) return {};
  std::string s;
  if (!e.applies_alone && e.with.empty() && e.households == 0) return word(M::diff_effect_not_alone, language);
  if (!e.applies_alone) s = say<M::diff_effect_with>(language, e.with).text;
  if (e.households == 0) return s + word(M::diff_effect_nothing, language);
  return s + (e.households == 1 ? word(M::diff_effect_one, language) : say<M::diff_effect_many>(language, e.households).text);
}

struct Row {
  std::string label;
  std::string value;
};

std::vector<Row> count_rows(const ImpactSummary& im, const ImpactCounts& c, Language language) {
  std::vector<Row> rows;
  const auto row = [&](MessageId label, std::string value) { rows.push_back({word(label, language), std::move(value)}); };
  row(M::diff_count_rows, std::to_string(c.rows));
  row(M::diff_count_compared, std::to_string(c.compared));
  row(M::diff_count_changed, std::to_string(c.changed));
  if (im.has_poor) {
    row(M::diff_count_identified_in, std::to_string(c.identified_in));
    row(M::diff_count_identified_out, std::to_string(c.identified_out));
  }
  if (im.has_category) row(M::diff_count_category, std::to_string(c.category_changed));
  if (im.has_cause) row(M::diff_count_cause, std::to_string(c.cause_changed));
  if (im.has_measures) {
    row(M::diff_count_measures_added, std::to_string(c.measures_added));
    row(M::diff_count_measures_removed, std::to_string(c.measures_removed));
  }
  if (im.has_assistance) {
    row(M::diff_count_assistance_old, money(c.assistance_old));
    row(M::diff_count_assistance_new, money(c.assistance_new));
    row(M::diff_count_assistance_delta, money(c.assistance_delta(), true));
  }
  row(M::diff_count_rejected_both, std::to_string(c.rejected_both));
  row(M::diff_count_rejected_old, std::to_string(c.rejected_only_old));
  row(M::diff_count_rejected_new, std::to_string(c.rejected_only_new));
  if (im.joined) {
    row(M::diff_count_only_old, std::to_string(c.only_in_old));
    row(M::diff_count_only_new, std::to_string(c.only_in_new));
  }
  return rows;
}

// As the register has them: each renderer escapes it for where it goes (a place
// name may hold a line break, which must not split a line, or worse).
std::string group_name(const std::vector<std::string>& key) {
  std::string s;
  for (const auto& k : key) s += (s.empty() ? "" : " / ") + k;
  return s;
}

std::vector<std::string> group_columns(const ImpactSummary& im, Language language) {
  const auto w = [&](MessageId id) { return word(id, language); };
  std::vector<std::string> cols{w(M::diff_households), w(M::diff_count_changed)};
  if (im.has_poor) cols.insert(cols.end(), {w(M::diff_group_identified_in), w(M::diff_group_identified_out)});
  if (im.has_category) cols.push_back(w(M::diff_group_category));
  if (im.has_cause) cols.push_back(w(M::diff_group_cause));
  if (im.has_assistance) cols.push_back(w(M::diff_count_assistance_delta));
  cols.push_back(w(M::diff_group_rejected));
  return cols;
}
std::vector<std::string> group_cells(const ImpactSummary& im, const ImpactCounts& c) {
  std::vector<std::string> cells{std::to_string(c.rows), std::to_string(c.changed)};
  if (im.has_poor) cells.insert(cells.end(), {std::to_string(c.identified_in), std::to_string(c.identified_out)});
  if (im.has_category) cells.push_back(std::to_string(c.category_changed));
  if (im.has_cause) cells.push_back(std::to_string(c.cause_changed));
  if (im.has_assistance) cells.push_back(money(c.assistance_delta(), true));
  cells.push_back(fmt::format("{}/{}", c.rejected_only_old, c.rejected_only_new));
  return cells;
}

std::string household_title(const HouseholdChange& h, Language language) {
  std::string t = h.key.empty() ? say<M::diff_household_line>(language, h.line).text
                                : say<M::diff_household_key_line>(language, h.key, h.line ? h.line : h.old_line).text;
  if (!h.group.empty()) t += " " + group_name(h.group);
  return t;
}

std::vector<std::string> household_lines(const DiffResult& r, std::size_t i, Language language) {
  const HouseholdChange& h = r.impact->changed[i];
  if (r.attribution && i < r.attribution->households.size() && !r.attribution->households[i].lines.empty())
    return r.attribution->households[i].lines;
  std::vector<std::string> out;
  if (!h.old_rejected.empty()) out.push_back(say<M::diff_old_reason>(language, h.old_rejected).text);
  if (!h.new_rejected.empty()) out.push_back(say<M::diff_new_reason>(language, h.new_rejected).text);
  for (const auto& c : h.changes) out.push_back(fmt::format("{}: {} -> {}", c.output, c.old_value, c.new_value));
  return out;
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

std::string data_title(const DiffResult& r, Language language) {
  return r.old_data_path.empty() ? r.data_path : say<M::diff_last_year>(language, r.data_path, r.old_data_path).text;
}

}  // namespace

// --- text ---------------------------------------------------------------------

std::string render_text(const DiffResult& r, bool color) {
  const Language L = r.language;
  // Our own colours are added after the data is escaped: a name, a value or a
  // place from the policy or the register shows its control characters as
  // `\x1b` and never acts on the terminal (or on whoever `cat`s the report).
  const auto t = [](std::string_view text) { return escape_for_terminal(text); };
  const auto lines = [](std::string_view text) { return escape_for_terminal(text, LineBreaks::Keep); };
  auto paint = [&](const char* code, const std::string& s) { return color ? fmt::format("\033[{}m{}\033[0m", code, s) : s; };
  std::string out = paint("1", say<M::diff_title>(L, t(r.old_path), t(r.new_path)).text) + "\n";
  const auto& edits = r.edits;
  if (edits.empty()) out += word(M::diff_no_edit, L) + "\n";
  else out += "\n" + say<M::render_label>(L, edits_word(edits.size(), L)).text + "\n";
  for (const Edit& e : edits) {
    const char* c = e.kind == EditKind::Added ? "32" : e.kind == EditKind::Removed ? "31" : "33";
    out += fmt::format("  {} {} ({})\n", paint(c, kind_word(e.kind, L)), paint("1", t(edit_title(e))), lines_of(e, L));
    if (!e.detail.empty()) out += "      " + t(e.detail) + "\n";
    if (!e.old_text.empty()) out += paint("31", indent(lines(e.old_text), "      - "));
    if (!e.new_text.empty()) out += paint("32", indent(lines(e.new_text), "      + "));
  }
  if (r.impact) {
    const ImpactSummary& im = *r.impact;
    out += "\n" + paint("1", say<M::diff_impact>(L, t(data_title(r, L))).text) + "\n";
    for (const Row& row : count_rows(im, im.total, L))
      out += "  " + pad_right(row.label, 30) + " " + fmt::format("{:>14}", row.value) + "\n";
    if (!im.groups.empty()) {
      out += "\n  " + say<M::diff_by>(L, t(group_name(im.group_names))).text + "\n";
      const auto cols = group_columns(im, L);
      std::string head = fmt::format("  {:<28}", "");
      for (const auto& c : cols) head += " " + pad_left(c, 14);
      out += head + "\n";
      for (const auto& g : im.groups) {
        std::string line = fmt::format("  {:<28}", t(group_name(g.key)));
        for (const auto& cell : group_cells(im, g.counts)) line += fmt::format(" {:>14}", cell);
        out += line + "\n";
      }
    }
    if (r.attribution) {
      out += "\n" + paint("1", word(M::diff_effects, L)) + "\n";
      for (const auto& e : r.attribution->effects) out += fmt::format("  {}: {}\n", t(e.label), t(effect_text(e, L)));
    }
    if (im.changed_total > 0) {
      const std::size_t shown = std::min(r.changed_limit, im.changed.size());
      out += "\n" + paint("1", say<M::diff_changed_households>(L, shown, im.changed_total).text) + "\n";
      for (std::size_t i = 0; i < shown; ++i) {
        out += "  " + t(household_title(im.changed[i], L)) + "\n";
        for (const auto& l : household_lines(r, i, L)) out += "      " + t(l) + "\n";
      }
      if (im.changed_total > shown) out += say<M::diff_more>(L, im.changed_total - shown).text + "\n";
    }
  }
  if (r.witnesses) {
    out += "\n" + paint("1", word(M::diff_witnesses, L)) + "\n";
    for (const auto& w : *r.witnesses) {
      out += fmt::format("  {}: {}", w.output.empty() ? word(M::diff_all_outputs, L) : t(w.output), verdict_name(w.verdict, L));
      if (!w.reason.empty()) out += " — " + t(w.reason);
      out += "\n";
      if (w.verdict == Verdict::Differs) {
        out += say<M::diff_witness_values>(L, t(w.old_value), t(w.new_value)).text;
        for (const auto& [k, v] : w.household) out += fmt::format(" {}={}", t(k), t(v));
        out += "\n";
      }
    }
    if (const std::string& note = r.out_of_budget_note; !note.empty()) out += say<M::diff_undecided>(L, note).text + "\n";
  }
  out += "\n" + word(r.changed() ? M::diff_result_changes : M::diff_result_no_change, L) + "\n";
  return out;
}

// --- markdown -----------------------------------------------------------------

namespace {
// Text from the policy or the register in Markdown: escaped so that it shows as
// written and never becomes markup, a link or raw HTML (`<script>`), in a table
// cell too (`|`); control characters as on a terminal (`\x1b`, a line break `\n`).
std::string md_text(std::string_view s) {
  const std::string text = escape_for_terminal(s);
  // At the start of a list item `-`, `+` or `1.` would begin a list of its own.
  const std::size_t digits = text.find_first_not_of("0123456789");
  const std::size_t list_mark =
      !text.empty() && (text[0] == '-' || text[0] == '+') ? 0
      : digits != 0 && digits != std::string::npos && (text[digits] == '.' || text[digits] == ')') ? digits
                                                                                                 : std::string::npos;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#': case '~':
        out.push_back('\\');
        out.push_back(c);
        break;
      default:
        if (i == list_mark) out.push_back('\\');
        out.push_back(c);
    }
  }
  return out;
}
// One line as a code span, delimited by more backticks than it holds in a row
// (so a backtick in it cannot close the span). In a table a `|` still ends the
// cell unless escaped, even in a code span.
std::string md_code_line(std::string_view line, bool in_table) {
  std::string text = escape_for_terminal(line);
  std::size_t run = 0, longest = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (in_table) {
    std::string piped;
    for (const char c : text) piped += c == '|' ? std::string("\\|") : std::string(1, c);
    text = std::move(piped);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}
// Lines of source, each a code span, joined by line breaks that stay in the cell.
std::string md_code(std::string_view s, bool in_table = true) {
  if (s.empty()) return "";
  std::string out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    out += (out.empty() ? "" : "<br>") + md_code_line(s.substr(start, end - start), in_table);
    if (end == s.size()) break;
    start = end + 1;
  }
  return out;
}
// Our own words with names and values quoted in backticks ("`1500` -> `2000`"):
// the quoted parts as code spans, the rest as text. A backtick left unpaired
// (one in the data) makes the whole of it text.
std::string md_inline(std::string_view s) {
  if (std::count(s.begin(), s.end(), '`') % 2 != 0) return md_text(s);
  std::string out;
  bool code = false;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('`', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = s.substr(start, end - start);
    out += code ? md_code_line(part, true) : md_text(part);
    code = !code;
    start = end + 1;
  }
  return out;
}
}  // namespace

std::string render_markdown(const DiffResult& r) {
  const Language L = r.language;
  const auto w = [&](MessageId id) { return word(id, L); };
  std::string out = "## " + say<M::diff_heading>(L, md_code(r.old_path, false), md_code(r.new_path, false)).text + "\n\n";
  const auto& edits = r.edits;
  if (edits.empty()) {
    out += w(M::diff_no_edit_sentence) + "\n";
  } else {
    out += "### " + edits_word(edits.size(), L) + "\n\n";
    out += fmt::format("| | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|\n", w(M::diff_column_what),
                       w(M::diff_column_lines), w(M::diff_column_change), w(M::diff_column_old), w(M::diff_column_new));
    for (const Edit& e : edits)
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", kind_word(e.kind, L), md_inline(edit_title(e)), lines_of(e, L),
                         md_inline(e.detail), md_code(e.old_text), md_code(e.new_text));
  }
  if (r.impact) {
    const ImpactSummary& im = *r.impact;
    out += "\n### " + say<M::diff_impact_heading>(L, md_code(data_title(r, L), false)).text +
           fmt::format("\n\n| | {} |\n|---|---:|\n", w(M::diff_households));
    for (const Row& row : count_rows(im, im.total, L)) out += fmt::format("| {} | {} |\n", row.label, row.value);
    if (!im.groups.empty()) {
      const auto cols = group_columns(im, L);
      const std::string by = md_text(group_name(im.group_names));
      out += "\n#### " + say<M::diff_by_heading>(L, by).text + fmt::format("\n\n| {} |", by);
      for (const auto& c : cols) out += " " + c + " |";
      out += "\n|---|";
      for (std::size_t i = 0; i < cols.size(); ++i) out += "---:|";
      out += "\n";
      for (const auto& g : im.groups) {
        out += "| " + md_text(group_name(g.key)) + " |";
        for (const auto& cell : group_cells(im, g.counts)) out += " " + cell + " |";
        out += "\n";
      }
    }
    if (r.attribution) {
      out += "\n### " + w(M::diff_effects_heading) + "\n\n";
      for (const auto& e : r.attribution->effects)
        out += fmt::format("- **{}**: {}\n", md_inline(e.label), md_inline(effect_text(e, L)));
    }
    if (im.changed_total > 0) {
      const std::size_t shown = std::min(r.changed_limit, im.changed.size());
      out += "\n### " + say<M::diff_changed_households_heading>(L, shown, im.changed_total).text + "\n\n";
      for (std::size_t i = 0; i < shown; ++i) {
        out += "- " + md_text(household_title(im.changed[i], L)) + "\n";
        for (const auto& l : household_lines(r, i, L)) out += "  - " + md_inline(l) + "\n";
      }
      if (im.changed_total > shown) out += "\n" + say<M::diff_more_sentence>(L, im.changed_total - shown).text + "\n";
    }
  }
  if (r.witnesses) {
    out += "\n### " + w(M::diff_witnesses_heading) +
           fmt::format("\n\n| {} | {} | {} |\n|---|---|---|\n", w(M::diff_column_output), w(M::diff_column_verdict),
                       w(M::diff_column_detail));
    for (const auto& witness : *r.witnesses) {
      std::string detail = md_inline(witness.reason);
      if (witness.verdict == Verdict::Differs) {
        detail = say<M::diff_witness_detail>(L, md_code_line(witness.old_value, true), md_code_line(witness.new_value, true)).text;
        for (const auto& [k, v] : witness.household) detail += fmt::format(" {}={}", md_text(k), md_code_line(v, true));
      }
      out += fmt::format("| {} | {} | {} |\n", md_text(witness.output), verdict_name(witness.verdict, L), detail);
    }
    if (const std::string& note = r.out_of_budget_note; !note.empty())
      out += "\n" + say<M::diff_undecided_sentence>(L, md_inline(note)).text + "\n";
  }
  out += "\n**" + w(r.changed() ? M::diff_result_changes_sentence : M::diff_result_no_change_sentence) + "**\n";
  return out;
}

// --- json ---------------------------------------------------------------------

namespace {
nlohmann::json counts_json(const ImpactCounts& c) {
  return {{"rows", c.rows},
          {"compared", c.compared},
          {"changed", c.changed},
          {"identified_in", c.identified_in},
          {"identified_out", c.identified_out},
          {"category_changed", c.category_changed},
          {"cause_changed", c.cause_changed},
          {"measures_added", c.measures_added},
          {"measures_removed", c.measures_removed},
          {"assistance_old", json::decimal(money(c.assistance_old))},
          {"assistance_new", json::decimal(money(c.assistance_new))},
          {"assistance_delta", json::decimal(money(c.assistance_delta()))},
          {"rejected_both", c.rejected_both},
          {"rejected_only_old", c.rejected_only_old},
          {"rejected_only_new", c.rejected_only_new},
          {"only_in_old", c.only_in_old},
          {"only_in_new", c.only_in_new}};
}
}  // namespace

std::string render_json(const DiffResult& r) {
  nlohmann::json j;
  j["old"] = r.old_path;
  j["new"] = r.new_path;
  j["changed"] = r.changed();
  j["edits"] = nlohmann::json::array();
  for (const Edit& e : r.edits)
    j["edits"].push_back({{"kind", edit_kind_name(e.kind)},
                          {"what", e.what},
                          {"declaration", e.decl},
                          {"item", e.item},
                          {"detail", e.detail},
                          {"old_text", e.old_text},
                          {"new_text", e.new_text},
                          {"old_line", e.old_line},
                          {"new_line", e.new_line},
                          {"affects_results", e.affects_results}});
  if (r.impact) {
    const ImpactSummary& im = *r.impact;
    nlohmann::json impact;
    impact["data"] = r.data_path;
    if (!r.old_data_path.empty()) impact["old_data"] = r.old_data_path;
    impact["key"] = im.key_field;
    impact["total"] = counts_json(im.total);
    impact["group_by"] = im.group_names;
    impact["groups"] = nlohmann::json::array();
    for (const auto& g : im.groups) impact["groups"].push_back({{"key", g.key}, {"counts", counts_json(g.counts)}});
    impact["changed_households"] = nlohmann::json::array();
    const std::size_t shown = std::min(r.changed_limit, im.changed.size());
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& h = im.changed[i];
      nlohmann::json hj{{"key", h.key}, {"line", h.line}, {"group", h.group}};
      if (im.joined) hj["old_line"] = h.old_line;
      if (!h.old_rejected.empty()) hj["old_rejected"] = h.old_rejected;
      if (!h.new_rejected.empty()) hj["new_rejected"] = h.new_rejected;
      hj["changes"] = nlohmann::json::array();
      for (const auto& c : h.changes) hj["changes"].push_back({{"output", c.output}, {"old", c.old_value}, {"new", c.new_value}});
      if (r.attribution && i < r.attribution->households.size()) {
        nlohmann::json causes = nlohmann::json::array();
        for (const auto u : r.attribution->households[i].effects) causes.push_back(r.attribution->effects[u].label);
        hj["caused_by"] = causes;
        hj["explanation"] = r.attribution->households[i].lines;
      }
      impact["changed_households"].push_back(hj);
    }
    impact["changed_households_total"] = im.changed_total;
    impact["changed_households_not_listed"] = im.changed_total - shown;
    j["impact"] = impact;
    if (r.attribution) {
      j["attribution"] = nlohmann::json::array();
      for (const auto& e : r.attribution->effects)
        j["attribution"].push_back({{"edit", e.label},
                                    {"edits", e.edits},
                                    {"applies_alone", e.applies_alone},
                                    {"applied_with", e.with},
                                    {"households_moved", e.households},
                                    {"summary", effect_text(e, Language::English)}});
    }
  }
  if (r.witnesses) {
    j["witnesses"] = nlohmann::json::array();
    for (const auto& w : *r.witnesses) {
      nlohmann::json wj{{"output", w.output}, {"verdict", verdict_name(w.verdict, Language::English)}, {"reason", w.reason}};
      if (w.verdict == Verdict::Differs) {
        wj["old_value"] = w.old_value;
        wj["new_value"] = w.new_value;
        nlohmann::json hh = nlohmann::json::object();
        for (const auto& [k, v] : w.household) hh[k] = v;
        wj["household"] = hh;
      }
      j["witnesses"].push_back(wj);
    }
    {
      nlohmann::json undecided = nlohmann::json::array();
      for (const auto& w : *r.witnesses)
        if (w.out_of_budget) undecided.push_back(w.output);
      j["solver_budget"] = {{"units", r.solver_budget}, {"used", r.solver_work},
                            {"undecided_outputs", undecided}};
    }
  }
  return json::dump(std::move(j), 2) + "\n";  // Precept's JSON rules (runtime/json.hpp)
}

// --- html ---------------------------------------------------------------------

namespace {
// Text from the policy or the register in HTML, between tags or in a quoted
// attribute: markup characters as entities, and what would act or hide on a
// page as on a terminal (a bidi override as `\u202e`, a byte that is not UTF-8
// as `\xff`, a line break in a place name as `\n`); the policy's lines in <pre>
// keep their line breaks.
std::string esc(const std::string& s, LineBreaks line_breaks = LineBreaks::Escape) {
  return escape_for_html(s, line_breaks);
}

// Households identified in and out by group, as horizontal bars.
std::string chart(const ImpactSummary& im, Language language) {
  const auto& groups = im.groups;
  const std::string changed = word(M::diff_count_changed, language), in = word(M::diff_count_identified_in, language),
                    out = word(M::diff_count_identified_out, language);
  std::vector<std::pair<std::string, const ImpactCounts*>> bars;
  if (groups.empty()) bars.emplace_back(word(M::summary_total, language), &im.total);
  for (const auto& g : groups) bars.emplace_back(group_name(g.key), &g.counts);
  std::uint64_t most = 1;
  for (const auto& [name, c] : bars) most = std::max({most, c->identified_in, c->identified_out, c->changed});
  const int label_w = 260, bar_w = 400, row_h = 22;
  const int height = static_cast<int>(bars.size()) * row_h + 30;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\">\n",
      label_w + bar_w + 80, height, word(M::diff_chart_label, language));
  svg += fmt::format("<text x=\"{}\" y=\"14\" font-size=\"12\"><tspan fill=\"#2a7\">■ {}</tspan> "
                     "<tspan fill=\"#c33\">■ {}</tspan> <tspan fill=\"#999\">■ {}</tspan></text>\n",
                     label_w, in, out, changed);
  int y = 24;
  for (const auto& [name, c] : bars) {
    auto w = [&](std::uint64_t v) { return static_cast<int>(v * static_cast<std::uint64_t>(bar_w) / most); };
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>\n", label_w - 6, y + 14, esc(name));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"#999\"><title>{} {}</title></rect>\n", label_w, y + 2, changed, w(c->changed), c->changed);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"#2a7\"><title>{} {}</title></rect>\n", label_w, y + 8, in, w(c->identified_in), c->identified_in);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"#c33\"><title>{} {}</title></rect>\n", label_w, y + 14, out, w(c->identified_out), c->identified_out);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{} / +{} / -{}</text>\n", label_w + bar_w + 6, y + 14, c->changed, c->identified_in, c->identified_out);
    y += row_h;
  }
  return svg + "</svg>\n";
}
}  // namespace

std::string render_html(const DiffResult& r) {
  const Language L = r.language;
  const auto w = [&](MessageId id) { return esc(word(id, L)); };
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"" + std::string(language_code(L)) +
      "\"><head><meta charset=\"utf-8\">\n<title>precept diff</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}"
      "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}pre{margin:0;white-space:pre-wrap}"
      ".added{color:#070}.removed{color:#a00}.changed{color:#a60}.old{background:#fee}.new{background:#efe}\n"
      "</style></head><body>\n";
  out += "<h1>" + say<M::diff_heading>(L, "<code>" + esc(r.old_path) + "</code>", "<code>" + esc(r.new_path) + "</code>").text +
         "</h1>\n";
  const auto& edits = r.edits;
  if (edits.empty()) out += "<p>" + w(M::diff_no_edit_sentence) + "</p>\n";
  else {
    out += fmt::format("<h2>{}</h2>\n<table><tr><th></th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
                       edits_word(edits.size(), L), w(M::diff_column_what), w(M::diff_column_lines),
                       w(M::diff_column_change), w(M::diff_column_old), w(M::diff_column_new));
    for (const Edit& e : edits)
      out += fmt::format("<tr><td class=\"{0}\">{6}</td><td>{1}</td><td>{2}</td><td>{3}</td><td class=\"old\"><pre>{4}</pre></td>"
                         "<td class=\"new\"><pre>{5}</pre></td></tr>\n",
                         edit_kind_name(e.kind), esc(edit_title(e)), lines_of(e, L), esc(e.detail), esc(e.old_text, LineBreaks::Keep),
                         esc(e.new_text, LineBreaks::Keep), kind_word(e.kind, L));
    out += "</table>\n";
  }
  if (r.impact) {
    const ImpactSummary& im = *r.impact;
    out += "<h2>" + say<M::diff_impact_heading>(L, "<code>" + esc(data_title(r, L)) + "</code>").text + "</h2>\n";
    out += chart(im, L);
    out += "<table>\n";
    for (const Row& row : count_rows(im, im.total, L)) out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", esc(row.label), esc(row.value));
    out += "</table>\n";
    if (!im.groups.empty()) {
      out += "<h3>" + say<M::diff_by_heading>(L, esc(group_name(im.group_names))).text +
             fmt::format("</h3>\n<table><tr><th>{}</th>", esc(group_name(im.group_names)));
      for (const auto& c : group_columns(im, L)) out += "<th>" + esc(c) + "</th>";
      out += "</tr>\n";
      for (const auto& g : im.groups) {
        out += "<tr><td>" + esc(group_name(g.key)) + "</td>";
        for (const auto& cell : group_cells(im, g.counts)) out += "<td>" + esc(cell) + "</td>";
        out += "</tr>\n";
      }
      out += "</table>\n";
    }
    if (r.attribution) {
      out += "<h3>" + w(M::diff_effects_heading) + "</h3>\n<ul>\n";
      for (const auto& e : r.attribution->effects) out += fmt::format("<li><b>{}</b>: {}</li>\n", esc(e.label), esc(effect_text(e, L)));
      out += "</ul>\n";
    }
    if (im.changed_total > 0) {
      const std::size_t shown = std::min(r.changed_limit, im.changed.size());
      out += "<h3>" + esc(say<M::diff_changed_households_heading>(L, shown, im.changed_total).text) + "</h3>\n<ul>\n";
      for (std::size_t i = 0; i < shown; ++i) {
        out += "<li>" + esc(household_title(im.changed[i], L)) + "<ul>";
        for (const auto& l : household_lines(r, i, L)) out += "<li>" + esc(l) + "</li>";
        out += "</ul></li>\n";
      }
      out += "</ul>\n";
      if (im.changed_total > shown) out += "<p>" + esc(say<M::diff_more_sentence>(L, im.changed_total - shown).text) + "</p>\n";
    }
  }
  if (r.witnesses) {
    out += fmt::format("<h2>{}</h2>\n<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>\n", w(M::diff_witnesses_heading),
                       w(M::diff_column_output), w(M::diff_column_verdict), w(M::diff_column_detail));
    for (const auto& witness : *r.witnesses) {
      std::string detail = witness.reason;
      if (witness.verdict == Verdict::Differs) {
        detail = say<M::diff_witness_detail>(L, witness.old_value, witness.new_value).text;
        for (const auto& [k, v] : witness.household) detail += fmt::format(" {}={}", k, v);
      }
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(witness.output),
                         esc(verdict_name(witness.verdict, L)), esc(detail));
    }
    out += "</table>\n";
    if (const std::string& note = r.out_of_budget_note; !note.empty())
      out += "<p>" + esc(say<M::diff_undecided_sentence>(L, note).text) + "</p>\n";
  }
  out += "<p><b>" + w(r.changed() ? M::diff_result_changes_sentence : M::diff_result_no_change_sentence) + "</b></p>\n";
  return out + "</body></html>\n";
}

}  // namespace precept::diff
