// `run`'s summary: which groups it counts, adding up each result row's part
// in input order, and the summary as a text table or CSV. The parallel
// pipeline (run.cpp) works out each row's part on the worker that evaluated
// it; the writer adds the parts up here.
#pragma once

#include <precept/run.hpp>

#include "program.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace precept {

// What one result row adds to the summary, kept so that the summary is added
// up row by row in input order (as a single-threaded run would), whichever
// worker evaluated the row.
struct SummaryContribution {
  std::int64_t members = 0;
  std::int64_t assistance = 0;
  std::uint64_t line = 0;
  std::uint32_t group = 0;  // index into the batch's group keys
  std::int32_t cause = -1;  // -1 unless poor
  bool poor = false;
};

// "1234567" -> "1,234,567", "-1234.50" -> "-1,234.50": the separators of a
// printed table (never of a CSV, which programs read).
std::string with_thousands(const std::string& number);

// Sets up `summary` for `program`, grouped by `group_by` (summary groups or
// field names): which figures it has, and in `group_fields` the fields whose
// values make a group's key. "" or why it cannot group so.
std::string prepare_summary(const Program& program, const std::vector<std::string>& group_by, Summary& summary,
                            std::vector<std::uint32_t>& group_fields);

// Adds the rows' parts up into a Summary, batch by batch in input order.
class SummaryTotals {
 public:
  // Notes (a total passing int64) go to `notes`.
  SummaryTotals(Summary& summary, std::vector<std::string>& notes) : summary_(summary), notes_(notes) {}

  // Adds a batch: `group_keys` (in order of first appearance) and its rows'
  // contributions, whose lines count from `first_line`. False, with
  // `stop_reason` set, when the summary would have more than
  // kMaxSummaryGroups groups: the run is to stop there.
  bool add_batch(const std::vector<std::vector<std::string>>& group_keys,
                 const std::vector<SummaryContribution>& contributions, std::uint64_t first_line,
                 std::string& stop_reason);
  // Moves the groups into the summary, sorted by key.
  void finish();

 private:
  void add(const SummaryContribution& c, std::uint64_t first_line, SummaryRow* group);
  static bool add_to_total(std::int64_t& total, std::int64_t value, bool& overflowed);

  Summary& summary_;
  std::vector<std::string>& notes_;
  std::map<std::vector<std::string>, SummaryRow> groups_;
  bool overflowed_ = false;
};

}  // namespace precept
