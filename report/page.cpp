// The printable report of a run as one self-contained HTML page
// (<precept/report.hpp>): the figures come from the run's own summary and
// rejects' account (summary_table_cells, format_row_counts), so the page
// and the terminal never disagree; the words from the catalogue
// (runtime/messages_report.def); everything from the policy or the register
// through escape_for_html().
#include <precept/report.hpp>
#include <precept/text.hpp>

#include "messages.hpp"
#include "numeric.hpp"
#include "run_summary.hpp"
#include "stylesheet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

namespace precept {

namespace {

using M = MessageId;

std::string esc(std::string_view text) { return escape_for_html(text); }

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

// --- charts ---------------------------------------------------------------

// One bar of a horizontal bar chart: its label, its value (in any unit, the
// bars are scaled to the largest) and the text written after it.
struct Bar {
  std::string label;
  std::string full_label;  // shown as the bar's tooltip (a place's whole path)
  std::int64_t value = 0;
  std::string text;
};

__extension__ typedef __int128 Int128;  // for value * width / largest of any two int64

constexpr int kChartWidth = 700;
constexpr int kLabelWidth = 170;
constexpr int kBarArea = 300;
constexpr int kRowHeight = 22;

// Bars as inline SVG, widths in whole pixels worked out in integers (the same
// bytes anywhere). `mark`, if given, is a value drawn as a dashed line (the
// total's incidence among the places').
std::string bar_chart(const std::vector<Bar>& bars, std::optional<std::int64_t> mark, const std::string& mark_text,
                      Language language) {
  if (bars.empty()) return "<p>" + esc(say<M::report_chart_empty>(language).text) + "</p>\n";
  std::int64_t largest = mark.value_or(0);
  for (const Bar& bar : bars) largest = std::max(largest, bar.value);
  const auto width_of = [&](std::int64_t value) -> std::int64_t {
    if (largest <= 0 || value <= 0) return 0;
    // value / largest of the bar area, in 128-bit so that large amounts cannot overflow.
    return static_cast<std::int64_t>(static_cast<Int128>(value) * kBarArea / largest);
  };
  const int top = 4;
  const int height = top + static_cast<int>(bars.size()) * kRowHeight + (mark ? 18 : 4);
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\">\n",
      kChartWidth, height);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const int y = top + static_cast<int>(i) * kRowHeight;
    out += fmt::format("<g><title>{}</title>", esc(bar.full_label.empty() ? bar.label : bar.full_label));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabelWidth - 6, y + 15, esc(bar.label));
    const std::int64_t width = width_of(bar.value);
    out += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", kLabelWidth, y + 3, width,
                       kRowHeight - 6);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text></g>\n", kLabelWidth + width + 5, y + 15, esc(bar.text));
  }
  const int bottom = top + static_cast<int>(bars.size()) * kRowHeight;
  out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", kLabelWidth, top, bottom);
  if (mark) {
    const std::int64_t x = kLabelWidth + width_of(*mark);
    out += fmt::format("<line class=\"mark\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", x, top, bottom + 2);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 4, bottom + 14, esc(mark_text));
  }
  return out + "</svg>\n";
}

// The places' labels: their paths without the parts every place shares (one
// town's villages are labelled by village), so that two villages of one name
// in different townships still read apart.
std::vector<std::string> place_labels(const std::vector<const SummaryRow*>& places) {
  std::size_t shared = 0;
  if (!places.empty()) {
    const std::vector<std::string>& first = places.front()->key;
    for (; shared + 1 < first.size(); ++shared) {
      bool same = true;
      for (const SummaryRow* place : places) same = same && place->key.size() > shared && place->key[shared] == first[shared];
      if (!same) break;
    }
  }
  std::vector<std::string> labels;
  for (const SummaryRow* place : places)
    labels.push_back(joined({place->key.begin() + static_cast<std::ptrdiff_t>(std::min(shared, place->key.size())),
                             place->key.end()},
                            " "));
  return labels;
}

std::string chart_figure(std::string_view caption, const std::string& svg) {
  return fmt::format("<figure>\n<figcaption>{}</figcaption>\n{}</figure>\n", esc(caption), svg);
}

// --- the page's parts -----------------------------------------------------

class Page {
 public:
  Page(const Policy& policy, const RunReport& run, const ReportData& data, Language language)
      : policy_(policy), run_(run), data_(data), language_(language),
        table_(summary_table_cells(run.summary, language)) {
    // The places: every row of the table but the total (none when the run was not grouped).
    if (!run.summary.key_names.empty())
      places_.assign(table_.figures.begin(), table_.figures.end() - 1);
  }

  std::string html() {
    const std::string title = say<M::report_title>(language_, policy_.name()).text;
    out_ += fmt::format("<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n",
                        language_ == Language::Chinese ? "zh-CN" : "en");
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out_ += fmt::format("<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n", esc(title), kReportStylesheet);
    out_ += "<section class=\"sheet\">\n";
    head(title);
    summary();
    charts();
    rejects();
    sources();
    out_ += "</section>\n";
    publicity_lists();
    out_ += "</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  void head(const std::string& title) {
    out_ += fmt::format("<h1>{}</h1>\n<p class=\"meta\">", esc(title));
    std::vector<std::string> meta;
    if (!policy_.place().empty()) meta.push_back(esc(say<M::report_place>(language_, policy_.place()).text));
    if (policy_.year() != 0) meta.push_back(esc(say<M::report_year>(language_, policy_.year()).text));
    meta.push_back(esc(say<M::report_policy_file>(language_, policy_.source_file()).text));
    out_ += joined(meta, "<br>\n") + "</p>\n";
  }

  // The summary table; its poor households by cause (the last columns) as a
  // second table, so that each fits the width of an A4 page.
  void summary() {
    out_ += fmt::format("<h2>{}</h2>\n", esc(say<M::report_summary_heading>(language_).text));
    const std::size_t causes = run_.summary.has_cause ? run_.summary.cause_names.size() : 0;
    const std::size_t split = table_.header.size() - causes;
    figures_table(table_.key_columns, split);
    out_ += fmt::format("<p>{}</p>\n", esc(format_row_counts(run_, "", language_)));
    if (causes == 0) return;
    out_ += fmt::format("<h2>{}</h2>\n", esc(say<M::report_chart_causes>(language_).text));
    figures_table(split, table_.header.size());
  }

  // The place columns and the table's columns [from, to).
  void figures_table(std::size_t from, std::size_t to) {
    const auto row = [&](const std::vector<std::string>& cells, const char* tag) {
      std::string line;
      for (std::size_t c = 0; c < cells.size(); ++c)
        if (c < table_.key_columns || (c >= from && c < to))
          line += fmt::format("<{0}{1}>{2}</{0}>", tag, c < table_.key_columns ? "" : " class=\"n\"", esc(cells[c]));
      return line;
    };
    out_ += "<table class=\"figures\">\n<thead><tr>" + row(table_.header, "th") + "</tr></thead>\n<tbody>\n";
    for (std::size_t r = 0; r < table_.rows.size(); ++r)
      out_ += (r + 1 == table_.rows.size() ? "<tr class=\"total\">" : "<tr>") + row(table_.rows[r], "td") + "</tr>\n";
    out_ += "</tbody>\n</table>\n";
  }

  void charts() {
    const Summary& s = run_.summary;
    out_ += fmt::format("<h2>{}</h2>\n", esc(say<M::report_charts_heading>(language_).text));
    // The incidence of each place (poor people among its people), the whole's as a mark.
    if (s.has_poor && s.has_population) {
      const std::size_t incidence_column = table_.key_columns + 4;  // households, population, poor, poor population
      std::vector<Bar> bars;
      const std::vector<std::string> labels = place_labels(places_);
      for (std::size_t p = 0; p < places_.size(); ++p)
        bars.push_back({labels[p], joined(places_[p]->key, " "), places_[p]->incidence_millionths(),
                        table_.rows[p][incidence_column]});
      const std::string total_text = table_.rows.back()[incidence_column];
      out_ += chart_figure(say<M::report_chart_incidence>(language_).text,
                           bar_chart(bars, s.total.incidence_millionths(),
                                     say<M::summary_total>(language_).text + " " + total_text, language_));
    }
    if (s.has_poor && s.has_cause) {
      std::vector<Bar> bars;
      for (std::size_t c = 0; c < s.cause_names.size(); ++c)
        if (s.total.poor_by_cause[c] > 0)
          bars.push_back({s.cause_names[c], {}, s.total.poor_by_cause[c],
                          say<M::report_chart_households>(language_, with_thousands(std::to_string(s.total.poor_by_cause[c]))).text});
      out_ += chart_figure(say<M::report_chart_causes>(language_).text, bar_chart(bars, std::nullopt, {}, language_));
    }
    if (!data_.measure_table.empty()) {
      std::vector<Bar> bars;
      for (const MeasureTotal& measure : data_.measures)
        if (measure.households > 0)
          bars.push_back({measure.measure, {}, measure.overflow ? 0 : measure.amount_fen,
                          measure.overflow ? say<M::summary_overflow>(language_).text
                                           : say<M::report_chart_amount>(language_, with_thousands(format_money(measure.amount_fen)),
                                                                         with_thousands(std::to_string(measure.households))).text});
      out_ += chart_figure(say<M::report_chart_measures>(language_).text, bar_chart(bars, std::nullopt, {}, language_));
    }
  }

  void rejects() {
    out_ += fmt::format("<h2>{}</h2>\n", esc(say<M::report_rejects_heading>(language_).text));
    if (run_.reject_groups.empty()) {
      out_ += fmt::format("<p>{}</p>\n", esc(say<M::report_rejects_none>(language_).text));
      return;
    }
    if (!run_.dominant_reject_column.empty()) {
      std::uint64_t count = 0;
      for (const RejectGroup& group : run_.reject_groups)
        if (group.column == run_.dominant_reject_column) count += group.count;
      out_ += fmt::format("<p class=\"warning\">{}</p>\n",
                          esc(say<M::reject_account_dominant>(language_, run_.dominant_reject_column, count,
                                                              run_.rows_read).text));
    }
    out_ += fmt::format("<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead>\n<tbody>\n",
                        esc(say<M::report_reject_where>(language_).text), esc(say<M::report_reject_rows>(language_).text),
                        esc(say<M::report_reject_first_line>(language_).text),
                        esc(say<M::report_reject_reason>(language_).text));
    for (const RejectGroup& group : run_.reject_groups) {
      const std::string where = group.column.empty() ? say<M::reject_account_record>(language_).text
                                                     : say<M::reject_account_column>(language_, group.column).text;
      out_ += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n", esc(where),
                          with_thousands(std::to_string(group.count)), group.first_line, esc(group.first_reason));
    }
    out_ += "</tbody>\n</table>\n";
  }

  // The parameters the run used, with their values and citations.
  void sources() {
    const std::vector<ParamInfo>& params = policy_.schema().params;
    if (params.empty()) return;
    out_ += fmt::format("<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
                        esc(say<M::report_sources_heading>(language_).text),
                        esc(say<M::report_param_name>(language_).text), esc(say<M::report_param_value>(language_).text),
                        esc(say<M::report_param_description>(language_).text),
                        esc(say<M::report_param_source>(language_).text));
    for (const ParamInfo& param : params) {
      const bool number = param.kind == ValueKind::Money || param.kind == ValueKind::Int || param.kind == ValueKind::Decimal;
      out_ += fmt::format("<tr><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td></tr>\n", esc(param.name),
                          number ? " class=\"n\"" : "", esc(number ? with_thousands(param.text) : param.text),
                          esc(param.description), esc(param.source));
    }
    out_ += "</tbody>\n</table>\n";
  }

  // A list for each place with poor households, in the summary's order (the
  // order the register names them), each a sheet of its own.
  void publicity_lists() {
    std::map<std::vector<std::string>, std::vector<const PostedHousehold*>> by_place;
    for (const PostedHousehold& household : data_.households) by_place[household.place].push_back(&household);
    if (places_.empty()) {
      if (!data_.households.empty()) publicity_list(policy_.place(), by_place.begin()->second);
      return;
    }
    for (const SummaryRow* place : places_)
      if (const auto found = by_place.find(place->key); found != by_place.end())
        publicity_list(joined(place->key, " "), found->second);
  }

  void publicity_list(const std::string& place, const std::vector<const PostedHousehold*>& households) {
    out_ += "<section class=\"sheet publicity\">\n";
    out_ += fmt::format("<h2>{}</h2>\n", esc(say<M::report_publicity_heading>(language_, place).text));
    out_ += fmt::format("<p>{}</p>\n", esc(say<M::report_publicity_intro>(language_, policy_.name(), policy_.year(),
                                                                           households.size()).text));
    out_ += fmt::format("<table>\n<thead><tr><th class=\"n\">{}</th>", esc(say<M::report_publicity_number>(language_).text));
    bool masked = false;
    for (const PostedColumn& column : data_.columns) {
      masked = masked || column.role == PostedRole::Personal;
      const bool number = column.role == PostedRole::Assistance || column.role == PostedRole::Population;
      out_ += fmt::format("<th{}>{}</th>", number ? " class=\"n\"" : "",
                          esc(column_heading(column)));
    }
    out_ += "</tr></thead>\n<tbody>\n";
    for (std::size_t h = 0; h < households.size(); ++h) {
      out_ += fmt::format("<tr><td class=\"n\">{}</td>", h + 1);
      for (std::size_t c = 0; c < data_.columns.size() && c < households[h]->cells.size(); ++c)
        out_ += cell(data_.columns[c], households[h]->cells[c]);
      out_ += "</tr>\n";
    }
    out_ += "</tbody>\n</table>\n";
    if (masked) out_ += fmt::format("<p>{}</p>\n", esc(say<M::report_publicity_masked>(language_).text));
    out_ += fmt::format("<p>{}</p>\n<p>{}</p>\n<p class=\"signature\">{}</p>\n",
                        esc(say<M::report_publicity_period>(language_).text),
                        esc(say<M::report_publicity_contact>(language_).text),
                        esc(say<M::report_publicity_signature>(language_).text));
    out_ += "</section>\n";
  }

  std::string column_heading(const PostedColumn& column) const {
    switch (column.role) {
      case PostedRole::Cause: return say<M::report_publicity_cause>(language_).text;
      case PostedRole::Measures: return say<M::report_publicity_measures>(language_).text;
      case PostedRole::Assistance: return say<M::summary_assistance>(language_).text;
      case PostedRole::Population: return say<M::summary_population>(language_).text;
      default: return column.name;
    }
  }

  std::string cell(const PostedColumn& column, const std::string& text) const {
    if (column.role == PostedRole::Assistance || column.role == PostedRole::Population)
      return fmt::format("<td class=\"n\">{}</td>", esc(with_thousands(text)));
    if (column.role == PostedRole::Key) return fmt::format("<td class=\"k\">{}</td>", esc(text));
    if (!column.list) return fmt::format("<td>{}</td>", esc(text));
    // A list's items (enum members, never holding `;`) joined as people write lists.
    std::vector<std::string> items;
    for (std::size_t from = 0; from < text.size();) {
      const std::size_t end = std::min(text.find(';', from), text.size());
      items.push_back(text.substr(from, end - from));
      from = end + 1;
    }
    return fmt::format("<td>{}</td>", esc(joined(items, say<M::report_list_separator>(language_).text)));
  }

  const Policy& policy_;
  const RunReport& run_;
  const ReportData& data_;
  Language language_;
  SummaryTableCells table_;
  std::vector<const SummaryRow*> places_;
  std::string out_;
};

}  // namespace

std::string format_report_html(const Policy& policy, const RunReport& run, const ReportData& data, Language language) {
  return Page(policy, run, data, language).html();
}

}  // namespace precept
