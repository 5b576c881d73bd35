// The engine behind `precept run`: CSV in, results and rejects out, a summary
// on the side. Streaming in batches, so memory does not grow with the input.
#include <precept/run.hpp>

#include "batch.hpp"
#include "csv.hpp"
#include "format.hpp"
#include "numeric.hpp"
#include "program.hpp"
#include "text_width.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

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

namespace {

struct Reject {
  std::uint64_t line;
  std::string column;
  std::string reason;
};

class Runner {
 public:
  Runner(const Policy& policy, std::FILE* results, std::FILE* rejects, const RunOptions& options)
      : program_(policy.program()),
        results_(results),
        rejects_(rejects),
        options_(options),
        machine_(program_, std::max<std::size_t>(1, options.batch_size)) {
    batch_.reset(program_, machine_.capacity());
  }

  RunReport run(std::FILE* input) {
    CsvReader reader(input);
    CsvRecord record;
    if (!reader.next(record)) {
      report_.fatal_error = reader.io_error() ? "could not read the input" : "the input is empty: no header line";
      return std::move(report_);
    }
    if (!map_header(record)) return std::move(report_);
    if (!prepare_summary()) return std::move(report_);
    write_headers();
    while (reader.next(record)) {
      ++report_.rows_read;
      take_record(record);
      if (batch_.full()) flush();
    }
    flush();
    if (reader.io_error()) report_.fatal_error = "reading the input failed part way";
    write_out();
    if (results_ && std::ferror(results_)) report_.fatal_error = "writing the results failed";
    if (rejects_ && std::ferror(rejects_)) report_.fatal_error = "writing the rejects failed";
    finish_summary();
    return std::move(report_);
  }

 private:
  bool map_header(const CsvRecord& header) {
    header_size_ = header.fields.size();
    column_of_field_.assign(program_.fields.size(), std::nullopt);
    std::map<std::string, std::size_t, std::less<>> seen;
    std::vector<std::string> extra;
    for (std::size_t c = 0; c < header.fields.size(); ++c) {
      const std::string name(header.fields[c]);
      if (!seen.emplace(name, c).second) {
        report_.fatal_error = fmt::format("the header names column `{}` twice", name);
        return false;
      }
      bool known = false;
      for (std::size_t f = 0; f < program_.fields.size(); ++f)
        if (program_.fields[f].name == name) {
          column_of_field_[f] = c;
          known = true;
        }
      if (!known) extra.push_back(name);
    }
    std::vector<std::string> missing;
    for (std::size_t f = 0; f < program_.fields.size(); ++f)
      if (!column_of_field_[f] && !program_.fields[f].optional) missing.push_back(program_.fields[f].name);
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "`" : ", `") + m + "`";
      report_.fatal_error = fmt::format("the input has no column {}, which the policy's record needs (header on line 1)",
                                        list);
      return false;
    }
    if (!extra.empty()) {
      std::string list;
      constexpr std::size_t kListed = 10;
      for (std::size_t i = 0; i < extra.size() && i < kListed; ++i) list += (list.empty() ? "`" : ", `") + extra[i] + "`";
      if (extra.size() > kListed) list += fmt::format(" and {} more", extra.size() - kListed);
      report_.notes.push_back(fmt::format("columns not in the policy's record were ignored: {}", list));
    }
    // Cells are checked in input order, so that the first bad cell reported is the leftmost.
    for (std::size_t f = 0; f < program_.fields.size(); ++f)
      if (column_of_field_[f]) field_order_.emplace_back(*column_of_field_[f], static_cast<std::uint32_t>(f));
    std::sort(field_order_.begin(), field_order_.end());
    return true;
  }

  bool prepare_summary() {
    const SummarySpec& spec = program_.summary;
    Summary& s = report_.summary;
    s.has_population = spec.population_reg != SummarySpec::kNone;
    s.has_poor = spec.poor_reg != SummarySpec::kNone;
    s.has_cause = spec.cause_reg != SummarySpec::kNone;
    s.has_assistance = spec.assistance_reg != SummarySpec::kNone;
    if (s.has_cause) s.cause_names = program_.enums[program_.scalar_types[spec.cause_reg].enum_id].members;
    s.total.poor_by_cause.assign(s.cause_names.size(), 0);
    for (const std::string& by : options_.group_by) {
      const auto group = std::find_if(spec.groups.begin(), spec.groups.end(),
                                      [&](const SummarySpec::Group& g) { return g.name == by; });
      if (group != spec.groups.end()) {
        for (const std::uint32_t f : group->fields) group_fields_.push_back(f);
        continue;
      }
      const auto field = std::find_if(program_.fields.begin(), program_.fields.end(),
                                      [&](const FieldDef& f) { return f.name == by; });
      if (field == program_.fields.end()) {
        std::string known;
        for (const auto& g : spec.groups) known += (known.empty() ? "" : ", ") + g.name;
        report_.fatal_error = fmt::format("cannot group by `{}`: it is neither a summary group{} nor a field", by,
                                          known.empty() ? "" : " (" + known + ")");
        return false;
      }
      group_fields_.push_back(static_cast<std::uint32_t>(field - program_.fields.begin()));
    }
    for (const std::uint32_t f : group_fields_) s.key_names.push_back(program_.fields[f].name);
    return true;
  }

  void write_headers() {
    if (results_ && options_.format == ResultFormat::Csv) {
      std::string line;
      for (std::size_t i = 0; i < program_.outputs.size(); ++i) {
        if (i) line.push_back(',');
        append_csv_field(line, program_.outputs[i].name);
      }
      line.push_back('\n');
      out_buffer_ += line;
    }
    if (rejects_) reject_buffer_ += "line,column,reason\n";
  }

  void take_record(const CsvRecord& record) {
    if (record.malformed) {
      pending_rejects_.push_back({record.line, "", record.problem});
      return;
    }
    if (record.fields.size() != header_size_) {
      pending_rejects_.push_back(
          {record.line, "", fmt::format("expected {} fields as in the header, found {}", header_size_, record.fields.size())});
      return;
    }
    const std::size_t row = batch_.rows;
    std::string reason;
    for (const auto& [column, field] : field_order_) {
      if (!parse_field_value(program_, field, record.fields[column], batch_.columns[field], row, reason)) {
        pending_rejects_.push_back({record.line, program_.fields[field].name, reason});
        return;
      }
    }
    // Optional fields absent from the header are missing on every row.
    for (std::size_t f = 0; f < program_.fields.size(); ++f)
      if (!column_of_field_[f]) parse_field_value(program_, static_cast<std::uint32_t>(f), "", batch_.columns[f], row, reason);
    batch_.lines[row] = record.line;
    ++batch_.rows;
  }

  std::string group_key_part(std::uint32_t field, std::size_t row) const {
    const FieldColumn& column = batch_.columns[field];
    const ValueType& type = program_.fields[field].type;
    if (type.kind == Kind::Text) return column.texts[row];
    if (!column.present[row]) return {};
    std::string out;
    if (type.kind != Kind::List) append_scalar_text(out, program_, type, column.scalars[row]);
    return out;
  }

  void add_to_summary(std::size_t row) {
    const SummarySpec& spec = program_.summary;
    SummaryRow* targets[2] = {&report_.summary.total, nullptr};
    if (!group_fields_.empty()) {
      std::vector<std::string> key;
      for (const std::uint32_t f : group_fields_) key.push_back(group_key_part(f, row));
      auto [it, inserted] = groups_.try_emplace(std::move(key));
      if (inserted) {
        it->second.key = it->first;
        it->second.poor_by_cause.assign(report_.summary.cause_names.size(), 0);
      }
      targets[1] = &it->second;
    }
    const std::int64_t members = spec.population_reg != SummarySpec::kNone ? machine_.scalar(spec.population_reg, row) : 0;
    const bool poor = spec.poor_reg != SummarySpec::kNone && machine_.scalar(spec.poor_reg, row) != 0;
    const std::int64_t assistance =
        spec.assistance_reg != SummarySpec::kNone ? machine_.scalar(spec.assistance_reg, row) : 0;
    for (SummaryRow* s : targets) {
      if (!s) continue;
      s->households += 1;
      // Totals of extreme (but legal) values can pass int64: such a total is
      // marked and shown as `overflow`, never wrapped.
      bool fits = add_to_total(s->population, members, s->population_overflow);
      fits &= add_to_total(s->assistance_fen, assistance, s->assistance_overflow);
      if (poor) {
        s->poor_households += 1;
        fits &= add_to_total(s->poor_population, members, s->poor_population_overflow);
        if (spec.cause_reg != SummarySpec::kNone)
          s->poor_by_cause[static_cast<std::size_t>(machine_.scalar(spec.cause_reg, row))] += 1;
      }
      if (!fits && !summary_overflowed_) {
        summary_overflowed_ = true;
        report_.notes.push_back(fmt::format(
            "the summary's totals passed the largest number Precept holds exactly (from line {} on); "
            "those figures show `overflow`, and the results themselves are right",
            batch_.lines[row]));
      }
    }
  }

  static bool add_to_total(std::int64_t& total, std::int64_t value, bool& overflowed) {
    if (overflowed) return false;
    if (checked_add(total, value, total)) return true;
    overflowed = true;
    return false;
  }

  void flush() {
    if (batch_.rows > 0) machine_.run(batch_);
    std::size_t next_reject = 0;
    // Parse rejects are already in line order; rows are too: merge by line.
    auto emit_rejects_before = [&](std::uint64_t line) {
      while (next_reject < pending_rejects_.size() && pending_rejects_[next_reject].line < line)
        write_reject(pending_rejects_[next_reject++]);
    };
    for (std::size_t row = 0; row < batch_.rows; ++row) {
      emit_rejects_before(batch_.lines[row]);
      if (machine_.error(row) != RowError::None) {
        const std::uint32_t pc = machine_.error_pc(row);
        std::string column;
        const std::string& origin = program_.origins[program_.code_origins[pc]];
        if (machine_.error(row) == RowError::Require && origin.rfind("require ", 0) == 0) column = origin.substr(8);
        write_reject({batch_.lines[row], column, machine_.describe_error(row)});
        continue;
      }
      write_result(row);
      add_to_summary(row);
      ++report_.results;
    }
    emit_rejects_before(UINT64_MAX);
    pending_rejects_.clear();
    batch_.rows = 0;
    if (out_buffer_.size() > kFlushBytes || reject_buffer_.size() > kFlushBytes) write_out();
  }

  void write_result(std::size_t row) {
    if (!results_) return;
    std::string& line = out_buffer_;
    if (options_.format == ResultFormat::Csv) {
      for (std::size_t i = 0; i < program_.outputs.size(); ++i) {
        const OutputDef& out = program_.outputs[i];
        if (i) line.push_back(',');
        // Only text can hold a comma, quote or line break: numbers, dates and
        // enum names (identifiers) never need quoting and go straight to the line.
        if (out.type.kind != Kind::Text) {
          append_value_text(line, program_, out.type, machine_, out.reg, row);
          continue;
        }
        append_csv_field(line, machine_.text(out.reg, row));
      }
    } else {
      line.push_back('{');
      for (std::size_t i = 0; i < program_.outputs.size(); ++i) {
        const OutputDef& out = program_.outputs[i];
        if (i) line.push_back(',');
        append_json_string(line, out.name);
        line.push_back(':');
        append_value_json(line, program_, out.type, machine_, out.reg, row);
      }
      line.push_back('}');
    }
    line.push_back('\n');
  }

  void write_reject(const Reject& reject) {
    ++report_.rejected;
    if (!rejects_) return;
    reject_buffer_ += std::to_string(reject.line);
    reject_buffer_.push_back(',');
    append_csv_field(reject_buffer_, reject.column);
    reject_buffer_.push_back(',');
    append_csv_field(reject_buffer_, reject.reason);
    reject_buffer_.push_back('\n');
  }

  void write_out() {
    if (results_ && !out_buffer_.empty()) std::fwrite(out_buffer_.data(), 1, out_buffer_.size(), results_);
    if (rejects_ && !reject_buffer_.empty()) std::fwrite(reject_buffer_.data(), 1, reject_buffer_.size(), rejects_);
    out_buffer_.clear();
    reject_buffer_.clear();
  }

  void finish_summary() {
    for (auto& [key, row] : groups_) report_.summary.groups.push_back(std::move(row));
  }

  static constexpr std::size_t kFlushBytes = 1 << 20;

  const Program& program_;
  std::FILE* results_;
  std::FILE* rejects_;
  RunOptions options_;
  Machine machine_;
  Batch batch_;
  RunReport report_;
  std::size_t header_size_ = 0;
  bool summary_overflowed_ = false;
  std::vector<std::optional<std::size_t>> column_of_field_;
  std::vector<std::pair<std::size_t, std::uint32_t>> field_order_;
  std::vector<std::uint32_t> group_fields_;
  std::map<std::vector<std::string>, SummaryRow> groups_;
  std::vector<Reject> pending_rejects_;
  std::string out_buffer_, reject_buffer_;
};

}  // namespace

RunReport run_csv(const Policy& policy, std::FILE* input, std::FILE* results, std::FILE* rejects,
                  const RunOptions& options) {
  Runner runner(policy, results, rejects, options);
  return runner.run(input);
}

namespace {

// The columns of a summary, shared by the text table and the CSV.
struct SummaryColumns {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;  // key cells then figures, per row
};

SummaryColumns summary_columns(const Summary& s, const std::string& total_label, bool csv) {
  SummaryColumns t;
  t.names = s.key_names;
  t.names.push_back("households");
  if (s.has_population) t.names.push_back("population");
  if (s.has_poor) t.names.push_back(csv ? "poor_households" : "poor households");
  if (s.has_poor && s.has_population) t.names.push_back(csv ? "poor_population" : "poor population");
  if (s.has_poor && s.has_population) t.names.push_back("incidence");
  if (s.has_assistance) t.names.push_back(csv ? "total_assistance" : "assistance");
  if (s.has_cause)
    for (const auto& c : s.cause_names) t.names.push_back(c);
  auto figures = [&](const SummaryRow& r, std::vector<std::string> cells) {
    const std::string overflow = "overflow";
    cells.push_back(std::to_string(r.households));
    if (s.has_population) cells.push_back(r.population_overflow ? overflow : std::to_string(r.population));
    if (s.has_poor) cells.push_back(std::to_string(r.poor_households));
    if (s.has_poor && s.has_population) {
      cells.push_back(r.poor_population_overflow ? overflow : std::to_string(r.poor_population));
      cells.push_back(r.population_overflow || r.poor_population_overflow ? overflow
                                                                           : format_decimal(r.incidence_millionths()));
    }
    if (s.has_assistance) cells.push_back(r.assistance_overflow ? overflow : format_money(r.assistance_fen));
    if (s.has_cause)
      for (const auto n : r.poor_by_cause) cells.push_back(std::to_string(n));
    return cells;
  };
  for (const auto& g : s.groups) t.rows.push_back(figures(g, g.key));
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

// A place name holding a line break (RFC 4180 allows it) must not split its row.
static std::string one_line(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out.push_back(' ');
    else out.push_back(c);
  }
  return out;
}

std::string format_summary_table(const Summary& summary) {
  SummaryColumns t = summary_columns(summary, "total", false);
  for (auto& row : t.rows)
    for (auto& cell : row) cell = one_line(cell);
  std::vector<std::size_t> width(t.names.size(), 0);
  for (std::size_t c = 0; c < t.names.size(); ++c) width[c] = display_width(t.names[c]);
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  const std::size_t keys = summary.key_names.empty() ? 1 : summary.key_names.size();
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
  std::string out = line(t.names);
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

std::string format_summary_csv(const Summary& summary) {
  const SummaryColumns t = summary_columns(summary, "*", true);
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c) out.push_back(',');
      append_csv_field(out, cells[c]);
    }
    out.push_back('\n');
  };
  line(t.names);
  for (const auto& row : t.rows) line(row);
  return out;
}

}  // namespace precept
