#include "run_summary.hpp"

#include "format.hpp"
#include "messages.hpp"
#include "numeric.hpp"
#include "text_width.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace precept {

std::int64_t SummaryRow::incidence_millionths() const {
  if (population == 0) return 0;
  Quotient q;
  std::int64_t out = 0;
  if (make_quotient(poor_population, kDecimalScale, population, q) != ArithStatus::Ok ||
      round_quotient(q, 0, RoundingMode::HalfEven, out) != ArithStatus::Ok)
    return 0;
  return out;
}

std::string prepare_summary(const Program& program, const std::vector<std::string>& group_by, Summary& s,
                            std::vector<std::uint32_t>& group_fields) {
  const SummarySpec& spec = program.summary;
  s.has_population = spec.population_reg != SummarySpec::kNone;
  s.has_poor = spec.poor_reg != SummarySpec::kNone;
  s.has_cause = spec.cause_reg != SummarySpec::kNone;
  s.has_assistance = spec.assistance_reg != SummarySpec::kNone;
  if (s.has_cause) s.cause_names = program.enums[program.scalar_types[spec.cause_reg].enum_id].members;
  s.total.poor_by_cause.assign(s.cause_names.size(), 0);
  for (const std::string& by : group_by) {
    const auto group = std::find_if(spec.groups.begin(), spec.groups.end(),
                                    [&](const SummarySpec::Group& g) { return g.name == by; });
    if (group != spec.groups.end()) {
      for (const std::uint32_t f : group->fields) group_fields.push_back(f);
      continue;
    }
    const auto field = std::find_if(program.fields.begin(), program.fields.end(),
                                    [&](const FieldDef& f) { return f.name == by; });
    if (field == program.fields.end()) {
      std::string known;
      for (const auto& g : spec.groups) known += (known.empty() ? "" : ", ") + g.name;
      return fmt::format("cannot group by `{}`: it is neither a summary group{} nor a field", by,
                         known.empty() ? "" : " (" + known + ")");
    }
    // A place is named by its whole path: a field that a declared group puts
    // under others (village under county and township) brings them along, so
    // that villages of one name in different townships are not merged.
    const auto f = static_cast<std::uint32_t>(field - program.fields.begin());
    std::vector<std::uint32_t> path{f};
    for (const auto& g : spec.groups)
      if (const auto at = std::find(g.fields.begin(), g.fields.end(), f); at != g.fields.end()) {
        path.assign(g.fields.begin(), at + 1);
        break;
      }
    for (const std::uint32_t p : path)
      if (std::find(group_fields.begin(), group_fields.end(), p) == group_fields.end()) group_fields.push_back(p);
  }
  for (const std::uint32_t f : group_fields) s.key_names.push_back(program.fields[f].name);
  return {};
}

bool SummaryTotals::add_batch(const std::vector<std::vector<std::string>>& group_keys,
                              const std::vector<SummaryContribution>& contributions, std::uint64_t first_line,
                              std::string& stop_reason) {
  std::vector<SummaryRow*> groups(group_keys.size());
  // Where each of the batch's groups first appears (a new group's place in the
  // printed table, register order; the line named when there are too many
  // groups). One pass, however many groups are new.
  std::vector<std::uint64_t> first_lines(group_keys.size(), 0);
  for (auto c = contributions.rbegin(); c != contributions.rend(); ++c)
    if (c->group < first_lines.size()) first_lines[c->group] = first_line + c->line;
  for (std::size_t g = 0; g < group_keys.size(); ++g) {
    // The summary would hold a line per group: past kMaxSummaryGroups the run
    // stops, naming the line that made one group too many, rather than run on
    // to a summary nobody can read. The group keys are only known as records
    // are read, so this is the earliest it can tell.
    if (groups_.size() == kMaxSummaryGroups && !groups_.contains(group_keys[g])) {
      const std::uint64_t line = first_lines[g];
      std::string by;
      for (const std::string& name : summary_.key_names) by += (by.empty() ? "`" : ", `") + name + "`";
      stop_reason = fmt::format(
          "grouping the summary by {} makes more than {} groups (line {} starts group {}); group by a place "
          "(a village or township) instead, or read each household's figures from the results file",
          by, kMaxSummaryGroups, line, kMaxSummaryGroups + 1);
      return false;
    }
    auto [it, inserted] = groups_.try_emplace(group_keys[g]);
    if (inserted) {
      it->second.key = it->first;
      it->second.poor_by_cause.assign(summary_.cause_names.size(), 0);
      it->second.first_line = first_lines[g];
    }
    groups[g] = &it->second;
  }
  for (const SummaryContribution& c : contributions) add(c, first_line, groups.empty() ? nullptr : groups[c.group]);
  return true;
}

void SummaryTotals::add(const SummaryContribution& c, std::uint64_t first_line, SummaryRow* group) {
  SummaryRow* targets[2] = {&summary_.total, group};
  for (SummaryRow* s : targets) {
    if (!s) continue;
    s->households += 1;
    // Totals of extreme (but legal) values can pass int64: such a total is
    // marked and shown as `overflow`, never wrapped.
    bool fits = add_to_total(s->population, c.members, s->population_overflow);
    fits &= add_to_total(s->assistance_fen, c.assistance, s->assistance_overflow);
    if (c.poor) {
      s->poor_households += 1;
      fits &= add_to_total(s->poor_population, c.members, s->poor_population_overflow);
      if (c.cause >= 0) s->poor_by_cause[static_cast<std::size_t>(c.cause)] += 1;
    }
    if (!fits && !overflowed_) {
      overflowed_ = true;
      notes_.push_back(fmt::format(
          "the summary's totals passed the largest number Precept holds exactly (from line {} on); "
          "those figures show `overflow`, and the results themselves are right",
          first_line + c.line));
    }
  }
}

bool SummaryTotals::add_to_total(std::int64_t& total, std::int64_t value, bool& overflowed) {
  if (overflowed) return false;
  if (checked_add(total, value, total)) return true;
  overflowed = true;
  return false;
}

void SummaryTotals::finish() {
  for (auto& [key, row] : groups_) summary_.groups.push_back(std::move(row));
  groups_.clear();
}

namespace {

// The columns of a summary, shared by the text table and the CSV.
struct SummaryColumns {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;  // key cells then figures, per row
  std::vector<const SummaryRow*> sources;      // the summary row of each row
};

}  // namespace

std::string with_thousands(const std::string& number) {
  const std::size_t start = !number.empty() && number[0] == '-' ? 1 : 0;
  const std::size_t end = std::min(number.find('.'), number.size());
  if (end <= start + 3) return number;
  std::string out = number.substr(0, start);
  for (std::size_t i = start; i < end; ++i) {
    if (i > start && (end - i) % 3 == 0) out += ',';
    out += number[i];
  }
  return out + number.substr(end);
}

namespace {

// poor_population / population as a percentage with `decimals` decimals,
// rounded half up as printed reports round ("19.74").
std::string percentage(std::int64_t part, std::int64_t whole, int decimals) {
  std::int64_t scaled = 0;
  Quotient q;
  if (whole != 0 && (make_quotient(part, decimals + 2, whole, q) != ArithStatus::Ok ||
                     round_quotient(q, 0, RoundingMode::HalfUp, scaled) != ArithStatus::Ok))
    return {};
  if (decimals == 0) return std::to_string(scaled);
  const std::int64_t unit = pow10_i64(decimals);
  const std::uint64_t magnitude = scaled < 0 ? 0 - static_cast<std::uint64_t>(scaled) : static_cast<std::uint64_t>(scaled);
  return fmt::format("{}{}.{:0{}}", scaled < 0 ? "-" : "", magnitude / static_cast<std::uint64_t>(unit),
                     magnitude % static_cast<std::uint64_t>(unit), decimals);
}

// The incidence's decimals in a printed table. A policy cannot declare another
// precision yet; this is where it would come in.
constexpr int kPrintedIncidenceDecimals = 2;

SummaryColumns summary_columns(const Summary& s, bool csv, Language language) {
  using M = MessageId;
  const auto word = [&](MessageId id) { return std::string(catalogue_text(id, language)); };
  SummaryColumns t;
  t.names = s.key_names;
  t.names.push_back(csv ? "households" : word(M::summary_households));
  if (s.has_population) t.names.push_back(csv ? "population" : word(M::summary_population));
  if (s.has_poor) t.names.push_back(csv ? "poor_households" : word(M::summary_poor_households));
  if (s.has_poor && s.has_population) t.names.push_back(csv ? "poor_population" : word(M::summary_poor_population));
  if (s.has_poor && s.has_population) t.names.push_back(csv ? "incidence" : word(M::summary_incidence));
  if (s.has_assistance) t.names.push_back(csv ? "total_assistance" : word(M::summary_assistance));
  if (s.has_cause)
    for (const auto& c : s.cause_names) t.names.push_back(c);
  const std::string overflow = csv ? "overflow" : word(M::summary_overflow);
  const auto count = [&](std::int64_t n) { return csv ? std::to_string(n) : with_thousands(std::to_string(n)); };
  auto figures = [&](const SummaryRow& r, std::vector<std::string> cells) {
    cells.push_back(count(r.households));
    if (s.has_population) cells.push_back(r.population_overflow ? overflow : count(r.population));
    if (s.has_poor) cells.push_back(count(r.poor_households));
    if (s.has_poor && s.has_population) {
      cells.push_back(r.poor_population_overflow ? overflow : count(r.poor_population));
      cells.push_back(r.population_overflow || r.poor_population_overflow ? overflow
                      : csv ? format_decimal(r.incidence_millionths())
                            : say<M::summary_percent>(language, percentage(r.poor_population, r.population,
                                                                           kPrintedIncidenceDecimals)).text);
    }
    if (s.has_assistance)
      cells.push_back(r.assistance_overflow ? overflow
                      : csv                 ? format_money(r.assistance_fen)
                                            : with_thousands(format_money(r.assistance_fen)));
    if (s.has_cause)
      for (const auto n : r.poor_by_cause) cells.push_back(count(n));
    return cells;
  };
  // The CSV lists places by key, as programs compare them; a printed table in
  // the order the register names them, as the town reports do.
  std::vector<const SummaryRow*> groups;
  for (const auto& g : s.groups) groups.push_back(&g);
  if (!csv)
    std::stable_sort(groups.begin(), groups.end(),
                     [](const SummaryRow* a, const SummaryRow* b) { return a->first_line < b->first_line; });
  for (const SummaryRow* g : groups) t.rows.push_back(figures(*g, g->key));
  t.sources = std::move(groups);
  t.sources.push_back(&s.total);
  const std::string total_label = csv ? "*" : word(M::summary_total);
  std::vector<std::string> total_key(s.key_names.size(), csv ? "*" : "");
  if (!csv && !total_key.empty()) total_key[0] = total_label;
  if (!csv && total_key.empty()) {
    t.names.insert(t.names.begin(), "");
    auto row = figures(s.total, {});
    row.insert(row.begin(), total_label);
    t.rows.push_back(row);
    return t;
  }
  t.rows.push_back(figures(s.total, total_key));
  return t;
}

}  // namespace

SummaryTableCells summary_table_cells(const Summary& summary, Language language) {
  SummaryColumns t = summary_columns(summary, false, language);
  return {std::move(t.names), std::move(t.rows), std::move(t.sources),
          summary.key_names.empty() ? 1 : summary.key_names.size()};
}

std::string format_summary_table(const Summary& summary, Language language) {
  SummaryTableCells t = summary_table_cells(summary, language);
  // Place and cause names come from the register and the policy: a line break
  // must not split a row, nor an escape sequence act on the terminal.
  for (auto& name : t.header) name = escape_for_terminal(name);
  for (auto& row : t.rows)
    for (auto& cell : row) cell = escape_for_terminal(cell);
  std::vector<std::size_t> width(t.header.size(), 0);
  for (std::size_t c = 0; c < t.header.size(); ++c) width[c] = display_width(t.header[c]);
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  const std::size_t keys = t.key_columns;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c) out += "  ";
      // Names read left-aligned, figures right-aligned, as in the town reports.
      out += c < keys ? pad_right(cells[c], width[c]) : pad_left(cells[c], width[c]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.header);
  std::size_t total_width = 0;
  for (const auto w : width) total_width += w + 2;
  const std::string rule(total_width > 2 ? total_width - 2 : 0, '-');
  out += rule + "\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (r + 1 == t.rows.size() && t.rows.size() > 1) out += rule + "\n";
    out += line(t.rows[r]);
  }
  return out;
}

std::string format_summary_csv(const Summary& summary, bool formula_escape) {
  const SummaryColumns t = summary_columns(summary, true, Language::English);
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c) out.push_back(',');
      append_csv_text(out, cells[c], formula_escape);
    }
    out.push_back('\n');
  };
  line(t.names);
  for (const auto& row : t.rows) line(row);
  return out;
}

std::string format_reject_account(const RunReport& report, Language language, std::size_t max_groups) {
  using M = MessageId;
  if (report.reject_groups.empty()) return {};
  std::string out = say<M::reject_account_heading>(language).text + "\n";
  std::size_t shown = 0;
  std::uint64_t rows_not_shown = 0;
  for (const RejectGroup& group : report.reject_groups) {
    if (shown == max_groups) {
      rows_not_shown += group.count;
      continue;
    }
    ++shown;
    const std::string where = group.column.empty() ? say<M::reject_account_record>(language).text
                                                   : say<M::reject_account_column>(language, group.column).text;
    out += say<M::reject_account_group>(language, group.count, where, group.first_line, group.first_reason).text + "\n";
  }
  if (shown < report.reject_groups.size())
    out += say<M::reject_account_more>(language, report.reject_groups.size() - shown, rows_not_shown).text + "\n";
  if (!report.dominant_reject_column.empty()) {
    std::uint64_t count = 0;
    for (const RejectGroup& group : report.reject_groups)
      if (group.column == report.dominant_reject_column) count += group.count;
    out += say<M::reject_account_dominant>(language, report.dominant_reject_column, count, report.rows_read).text + "\n";
  }
  return out;
}

std::string format_row_counts(const RunReport& report, const std::string& rejects_path, Language language) {
  using M = MessageId;
  return report.rejected && !rejects_path.empty()
             ? say<M::run_counts_see_rejects>(language, report.rows_read, report.results, report.rejected,
                                              rejects_path).text
             : say<M::run_counts>(language, report.rows_read, report.results, report.rejected).text;
}

}  // namespace precept
