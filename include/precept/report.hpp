// The printable report of a run (`precept run ... --report report.html`): one
// self-contained HTML page an officer prints or posts. It holds the policy's
// name, place, year and citations, the summary table as the town reports lay
// it out, charts (incidence by place, poor households by main cause,
// assistance by measure) as inline SVG, the rejects' account, and for each
// place a publicity list (公示名单) of its poor households, each on a page of
// its own when printed (A4).
//
//   precept::ReportData data;                  // filled by the run
//   precept::RunOptions options;
//   options.group_by = {"village"};            // the places of the lists and charts
//   options.report = &data;
//   const precept::RunReport run = precept::run_csv(policy, register_file, results, rejects, options);
//   const std::string page = precept::format_report_html(policy, run, data, precept::Language::Chinese);
//
// The page uses no network (no fonts, scripts or images from elsewhere: its
// style and charts are inline) and the same run gives the same bytes on any
// number of threads. Everything from the policy or the register is shown as
// text, never acted on (`<script>`, `&`, quotes, terminal escapes, a cell that
// looks like a formula).
#pragma once

#include <precept/language.hpp>
#include <precept/policy.hpp>
#include <precept/run.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// One line of a publicity list: a poor household as it may be posted.
struct PostedHousehold {
  // Its place: the values of the summary's group fields (Summary::key_names),
  // which say which list it is on.
  std::vector<std::string> place;
  std::uint64_t line = 0;  // its register line
  // One per ReportData::columns: the value as the results CSV writes it
  // (a list's items joined by ';'), a field the policy marks `personal`
  // already masked (mask_personal_text), so that what is kept is what is posted.
  std::vector<std::string> cells;
};

// Amounts of one assistance measure over the run's households.
struct MeasureTotal {
  std::string measure;          // the enum member, as the policy names it
  std::uint64_t households = 0; // households given it
  std::int64_t amount_fen = 0;  // the sum of its amounts, in fen
  bool overflow = false;        // the sum passed int64 (shown as such, never wrapped)
};

// A posted column of a publicity list: what it is to the household.
enum class PostedRole : std::uint8_t {
  Key,         // the household's key: the field marked `key`, else the record's first
  Personal,    // a field the policy marks `personal`: posted masked
  Population,  // the household's people, as the summary counts them ("population")
  Outcome,     // an enum or enum-list output of the policy (its category)
  Cause,       // the output the summary counts as the main cause
  Measures,    // the measure table's enum-list output
  Assistance,  // the output the summary adds up as assistance (money)
};
struct PostedColumn {
  std::string name;  // the field's or output's name in the policy
  PostedRole role = PostedRole::Outcome;
  bool list = false;  // its cells are lists, items joined by ';'
};

// What a run collects for the page, besides its RunReport (RunOptions::report):
// the poor households' posted columns only, so it grows with them, not with
// the register.
struct ReportData {
  // The posted columns: the household's key (the field marked `key`, else the
  // record's first), the fields the policy marks `personal` (masked), the
  // household's people (when the summary counts them), then the policy's enum and
  // enum-list outputs (category, main cause, measures) and the summary's
  // assistance output.
  std::vector<PostedColumn> columns;
  std::vector<PostedHousehold> households;  // the poor households, in register order
  // Assistance by measure, in the enum's order: the amounts of the policy's
  // table of measures (a `collect` table with an enum column that is an output
  // and a money column, such as W1's `measures`); empty when it has none.
  std::string measure_table;  // its name ("measures"), or ""
  std::vector<MeasureTotal> measures;
};

// The page, in `language` (the words; names from the policy and the register
// are shown as written). `run` is the run that filled `data`; a run grouped by
// no place gives one list and one bar for the whole register.
std::string format_report_html(const Policy& policy, const RunReport& run, const ReportData& data,
                               Language language = Language::English);

// How a `personal` field is shown on a publicity list: an ID-card number (15
// or 18 characters, digits and a final X) keeps its first 6 and last 4
// characters, a phone number (digits, with `-`, `+` or spaces; at least 7
// digits) its first 3 and last 4, each hidden character an `*`; any other
// text keeps its first character and then an `*`; an empty value stays empty.
std::string mask_personal_text(std::string_view text);

}  // namespace precept
