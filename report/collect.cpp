#include "collect.hpp"

#include "format.hpp"
#include "numeric.hpp"

#include <algorithm>
#include <string_view>

namespace precept {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

ReportCollector::ReportCollector(const Program& program, const Schema& schema, std::vector<std::uint32_t> place_fields,
                                 ReportData& data)
    : program_(program), place_fields_(std::move(place_fields)), data_(data) {
  data_ = ReportData{};
  find_measure_table();
  // The household's key (the field marked `key`, else the record's first),
  // then the fields marked `personal`, which are posted masked.
  const auto marked_key = std::find_if(schema.fields.begin(), schema.fields.end(), [](const FieldInfo& f) { return f.key; });
  const auto key = static_cast<std::uint32_t>(marked_key == schema.fields.end() ? 0 : marked_key - schema.fields.begin());
  if (!schema.fields.empty())
    columns_.push_back({Source::Field, key, schema.fields[key].personal ? PostedRole::Personal : PostedRole::Key});
  for (std::uint32_t f = 0; f < schema.fields.size(); ++f)
    if (schema.fields[f].personal && f != key) columns_.push_back({Source::Field, f, PostedRole::Personal});
  // The household's people, as the summary counts them.
  const SummarySpec& spec = program.summary;
  if (spec.population_reg != SummarySpec::kNone) columns_.push_back({Source::Population, 0, PostedRole::Population});
  // Then what the policy decided of it: its enum and enum-list outputs
  // (category, main cause, measures) and the assistance the summary adds up.
  for (std::uint32_t o = 0; o < program.outputs.size(); ++o) {
    const OutputDef& output = program.outputs[o];
    const bool enum_list = output.type.kind == Kind::List && output.type.element == Kind::Enum;
    if (output.type.kind == Kind::Enum)
      columns_.push_back({Source::Output, o, output.reg == spec.cause_reg ? PostedRole::Cause : PostedRole::Outcome});
    else if (enum_list)
      columns_.push_back({Source::Output, o,
                          has_measures_ && output.reg == measure_reg_ ? PostedRole::Measures : PostedRole::Outcome});
    else if (output.type.kind == Kind::Money && output.reg == spec.assistance_reg)
      columns_.push_back({Source::Output, o, PostedRole::Assistance});
  }
  for (const Column& column : columns_) {
    if (column.source == Source::Population) {
      data_.columns.push_back({"population", column.role, false});
      continue;
    }
    const bool field = column.source == Source::Field;
    const ValueType& type = field ? program.fields[column.index].type : program.outputs[column.index].type;
    const std::string& name = field ? program.fields[column.index].name : program.outputs[column.index].name;
    data_.columns.push_back({name, column.role, type.kind == Kind::List});
  }
}

// The measure table: a table column that is an enum-list output, beside a
// money column of the same table (W1's `measures.measure` and `measures.amount`).
void ReportCollector::find_measure_table() {
  for (const OutputDef& output : program_.outputs) {
    if (output.type.kind != Kind::List || output.type.element != Kind::Enum) continue;
    for (const DebugNote& note : program_.notes) {
      if (note.what != DebugNote::What::Value || note.type != output.type || note.reg != output.reg ||
          !starts_with(note.origin, "table "))
        continue;
      for (const DebugNote& amount : program_.notes)
        if (amount.what == DebugNote::What::Value && amount.origin == note.origin && amount.type.kind == Kind::List &&
            amount.type.element == Kind::Money) {
          has_measures_ = true;
          measure_reg_ = output.reg;
          amount_reg_ = amount.reg;
          data_.measure_table = note.origin.substr(std::string_view("table ").size());
          for (const std::string& member : program_.enums[output.type.enum_id].members)
            data_.measures.push_back({member});
          measure_count_ = data_.measures.size();
          return;
        }
    }
  }
}

std::unique_ptr<Machine> ReportCollector::make_machine(std::size_t capacity) const {
  if (!has_measures_) return nullptr;
  return std::make_unique<Machine>(program_, capacity, MachineMode::Traced);
}

void ReportCollector::collect(const Batch& batch, const Machine& fast, Machine* traced, const FieldText& field_text,
                              ReportBatch& out) const {
  if (traced && batch.rows > 0) traced->run(batch);
  const std::uint32_t poor_reg = program_.summary.poor_reg;
  for (std::size_t row = 0; row < batch.rows; ++row) {
    if (fast.error(row) != RowError::None) continue;
    if (traced) collect_measures(*traced, row, batch.lines[row], out);
    if (poor_reg == SummarySpec::kNone || fast.scalar(poor_reg, row) == 0) continue;
    PostedHousehold& household = out.households.emplace_back();
    household.line = batch.lines[row];
    household.place.resize(place_fields_.size());
    for (std::size_t k = 0; k < place_fields_.size(); ++k) field_text(place_fields_[k], row, household.place[k]);
    household.cells.resize(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const Column& column = columns_[c];
      std::string& cell = household.cells[c];
      if (column.source == Source::Population) {
        cell = std::to_string(fast.scalar(program_.summary.population_reg, row));
        continue;
      }
      if (column.source == Source::Output) {
        const OutputDef& output = program_.outputs[column.index];
        append_value_text(cell, program_, output.type, fast, output.reg, row);
        continue;
      }
      field_text(column.index, row, cell);
      // Masked here, so that the page's data never holds what is not posted.
      if (column.role == PostedRole::Personal) cell = mask_personal_text(cell);
    }
  }
}

void ReportCollector::collect_measures(const Machine& traced, std::size_t row, std::uint64_t line,
                                       ReportBatch& out) const {
  const ListItems measures = traced.list(measure_reg_, row);
  const ListItems amounts = traced.list(amount_reg_, row);
  if (measures.size() != amounts.size()) return;  // not one amount per measure: not a measure table's row
  auto amount = amounts.begin();
  for (const std::int64_t member : measures) {
    const std::int64_t fen = *amount;
    ++amount;
    if (member < 0 || static_cast<std::size_t>(member) >= measure_count_) continue;
    out.measures.push_back({line, static_cast<std::uint32_t>(member), fen});
  }
}

void ReportBatch::drop_lines(const std::vector<std::uint64_t>& lines) {
  const auto dropped = [&](std::uint64_t line) { return std::binary_search(lines.begin(), lines.end(), line); };
  std::erase_if(households, [&](const PostedHousehold& household) { return dropped(household.line); });
  std::erase_if(measures, [&](const MeasureItem& item) { return dropped(item.line); });
}

void ReportCollector::add(const ReportBatch& batch, std::uint64_t first_line) {
  for (const PostedHousehold& household : batch.households) {
    data_.households.push_back(household);
    data_.households.back().line += first_line;
  }
  for (const ReportBatch::MeasureItem& item : batch.measures) {
    if (item.member >= data_.measures.size()) continue;
    MeasureTotal& total = data_.measures[item.member];
    total.households += 1;
    if (!total.overflow && !checked_add(total.amount_fen, item.fen, total.amount_fen)) total.overflow = true;
  }
}

}  // namespace precept
