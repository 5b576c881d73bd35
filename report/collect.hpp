// What a run collects for the printable report (RunOptions::report): each
// worker takes its batch's poor households' posted columns and the amounts of
// each measure, and the writer adds the batches up in input order, so the page
// is the same on any number of threads. The run calls in here only when a
// report is asked for: without one it costs nothing.
#pragma once

#include <precept/report.hpp>

#include "batch.hpp"
#include "program.hpp"
#include "vm.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace precept {

// One batch's part of the report: its households' lines are counted from the
// batch's first record (the writer knows where that is).
struct ReportBatch {
  std::vector<PostedHousehold> households;
  // Each household's measures with their amounts, by line, so that a row the
  // writer rejects after all (a duplicate key) can be taken out again; the
  // writer adds them up (ReportCollector::add).
  struct MeasureItem {
    std::uint64_t line = 0;
    std::uint32_t member = 0;  // of the measure enum
    std::int64_t fen = 0;
  };
  std::vector<MeasureItem> measures;
  // Takes out what rows at `lines` gave (sorted lines).
  void drop_lines(const std::vector<std::uint64_t>& lines);
};

// A field's value in row `row` of a batch, as the results CSV writes it (the
// run's own reading, so that a place is named the same in the summary).
using FieldText = std::function<void(std::uint32_t field, std::size_t row, std::string& out)>;

class ReportCollector {
 public:
  // `place_fields`: the summary's group fields, which name a household's list.
  ReportCollector(const Program& program, const Schema& schema, std::vector<std::uint32_t> place_fields,
                  ReportData& data);

  // A worker's second machine, for the amounts of each measure, which the
  // fast machine adds up into one total and does not keep (a traced machine
  // keeps every register); null when the policy has no measure table.
  std::unique_ptr<Machine> make_machine(std::size_t capacity) const;

  // After `fast` ran `batch`: runs `traced` (if any) over it too and takes the
  // rows that were not rejected.
  void collect(const Batch& batch, const Machine& fast, Machine* traced, const FieldText& field_text,
               ReportBatch& out) const;

  // The writer's side, batch by batch in input order.
  void add(const ReportBatch& batch, std::uint64_t first_line);

 private:
  // A posted column: a field of the record, an output of the program, or the
  // people the summary counts for the household.
  enum class Source : std::uint8_t { Field, Output, Population };
  struct Column {
    Source source = Source::Output;
    std::uint32_t index = 0;  // into Program::fields or Program::outputs
    PostedRole role = PostedRole::Outcome;
  };
  void find_measure_table();
  void collect_measures(const Machine& traced, std::size_t row, std::uint64_t line, ReportBatch& out) const;

  const Program& program_;
  std::vector<std::uint32_t> place_fields_;
  ReportData& data_;
  std::vector<Column> columns_;
  // The measure table's enum list (an output) and money list registers.
  bool has_measures_ = false;
  std::uint32_t measure_reg_ = 0, amount_reg_ = 0;
  std::size_t measure_count_ = 0;
};

}  // namespace precept
