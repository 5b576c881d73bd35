// Running a policy over a CSV register: the engine behind `precept run`.
#pragma once

#include <precept/evaluator.hpp>
#include <precept/language.hpp>
#include <precept/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace precept {

enum class ResultFormat { Csv, JsonLines };

struct ReportData;  // <precept/report.hpp>

// The memory budget of one worker thread: its machine's registers and its
// batch's columns, which grow with the rows of a batch. Batches are made
// smaller (down to one household) for a program whose registers would not
// fit, so a run takes about this much per thread, plus the program's lookup
// indexes, built once and shared by every thread. A program that cannot run
// within it even one household at a time (or whose lookup indexes alone
// exceed it) is refused when it is compiled or loaded.
inline constexpr std::size_t kWorkerMemoryBudget = std::size_t{64} << 20;

// The most summary groups a run (or a diff's impact) makes: a summary is for
// places, and grouping by a field with a value per household (an id) would
// hold a line per household in memory. A run that would make more stops with
// an error saying so.
inline constexpr std::size_t kMaxSummaryGroups = 100000;

// How a register's bytes are read as text (README, "Registers from Excel and
// WPS"). Detect: UTF-8 (a few stray bytes are read as ever), UTF-16 with a
// byte-order mark, or else GB18030 when it is that throughout (what Chinese
// Excel and WPS save), worked out from the register's start; a register none
// of them fits is refused with its first bad byte's line. The others force
// one (Utf8 reads the bytes as they are). An .xlsx workbook is known by its
// first bytes, whatever this says.
enum class RegisterEncoding { Detect, Utf8, Gb18030, Gbk, Utf16 };

struct RunOptions {
  // How the register's bytes are read (see RegisterEncoding).
  RegisterEncoding encoding = RegisterEncoding::Detect;
  // The sheet of an .xlsx register to read ("": the workbook's first).
  std::string sheet;
  // Text cells of the CSV results and rejects that a spreadsheet would run as
  // a formula (`=`, `+`, `-`, `@`, tab or CR first, not a plain number) are
  // written with a leading `'`; false writes them as they are, for programs
  // that read the CSV (README, "Registers from Excel and WPS").
  bool formula_escape = true;
  ResultFormat format = ResultFormat::Csv;
  // The language of the words the run writes for people: the reasons in the
  // rejects, the rejects' account (the policy's `language` declaration, or
  // `--lang`, picks it; never the machine's locale). Results keep their
  // machine headers and values in any language.
  Language language = Language::English;
  // Summary groups: a group declared in the policy's summary, or field names.
  std::vector<std::string> group_by;
  // Households evaluated together; smaller when the policy's registers would
  // not fit in memory_budget at this size. The output is the same for any size.
  std::size_t batch_size = 1024;
  // Bytes each worker's batch may take (see kWorkerMemoryBudget). A budget too
  // small for one household stops the run (RunReport::out_of_memory).
  std::size_t memory_budget = kWorkerMemoryBudget;
  // Threads that read, evaluate and format batches. The output is the same,
  // byte for byte and in input order, for any number of threads.
  std::size_t threads = 1;
  // Where to write every household's explanation (<precept/explain.hpp>), in
  // the same pass over the register as the results: one line of JSON per
  // record, Explanation::json() and a line end, in input order, rows the run
  // rejects too (with the reason the rejects file gives), byte for byte what
  // explain_csv() gives for the same register, for any number of threads.
  // Each is worked out by the thread that evaluated its batch, by a traced
  // run of the same program. Null (the default): none, and no cost. A stream
  // that fails to take them stops the run ("writing the explanations failed").
  std::FILE* explanations = nullptr;
  // The field whose value is each explanation's id ("": the record's first).
  // A name the record does not have stops the run before it reads anything.
  std::string explanation_key;
  // Called after each batch is written, from whichever thread wrote it (never
  // two at once), with the records read and the input bytes consumed so far.
  std::function<void(std::uint64_t records, std::uint64_t bytes)> progress;
  // Where to collect what the printable report needs (<precept/report.hpp>):
  // the poor households' posted columns and the assistance by measure, in
  // input order on any number of threads. Null (the default): nothing, no cost.
  ReportData* report = nullptr;
};

// One line of the summary table.
struct SummaryRow {
  std::vector<std::string> key;             // the group's field values; empty for the total
  // The register line of the group's first household: the printed table lists
  // places in the order the register first names them, as town reports do.
  std::uint64_t first_line = 0;
  std::int64_t households = 0;
  std::int64_t population = 0;
  std::int64_t poor_households = 0;
  std::int64_t poor_population = 0;
  std::int64_t assistance_fen = 0;
  std::vector<std::int64_t> poor_by_cause;  // one per member of the cause enum
  // A total that passed int64 stops there and is marked; it is shown as `overflow`.
  bool population_overflow = false;
  bool poor_population_overflow = false;
  bool assistance_overflow = false;
  // poor_population / population, half-to-even to 6 decimals, in millionths.
  std::int64_t incidence_millionths() const;
};

struct Summary {
  // e.g. county, township, village. Grouping by a field that a declared group
  // of the summary places under others (`--by village` where `group village =
  // county, township, village`) groups by its whole path, so that two villages
  // of one name in different townships stay apart.
  std::vector<std::string> key_names;
  std::vector<std::string> cause_names;  // members of the cause enum
  bool has_population = false, has_poor = false, has_cause = false, has_assistance = false;
  std::vector<SummaryRow> groups;        // sorted by key (byte order), as the CSV lists them
  SummaryRow total;
};

// The fatal_error of a run (or of the diff's impact pass) that ran out of
// memory: one wording wherever memory runs out.
extern const char* const kOutOfMemoryError;

// Rejected rows that share a column and a kind of reason (RunReport::reject_groups).
struct RejectGroup {
  std::string column;            // "" when the record as a whole was rejected (its shape)
  RejectKind kind = RejectKind::None;
  std::uint64_t count = 0;
  std::uint64_t first_line = 0;  // the first such row's line, and its reason as the rejects file words it
  std::string first_reason;
};

// When a column rejects every row of a register, or at least 99% of one of 100
// rows or more, the register was almost certainly written in a way the policy
// does not read (a column of TRUE/FALSE for 1/0, an encoding, a unit): not
// 100,000 separate mistakes. `run` then says so and ends with "the input
// cannot be used" (README, exit codes), after writing its outputs as usual.
inline constexpr std::uint64_t kDominantRejectMinRows = 100;
inline constexpr std::uint64_t kDominantRejectPercent = 99;

struct RunReport {
  std::uint64_t rows_read = 0;    // records after the header
  std::uint64_t results = 0;
  std::uint64_t rejected = 0;
  // The rejected rows by what rejected them (a damaged record, a bad value, a
  // rule of the policy, ...): kinds with none are absent; the counts add up to
  // `rejected`. The rejects file says the same of each row in words.
  std::map<RejectKind, std::uint64_t> rejected_by_kind;
  // The rejects' account: grouped by column and kind, most frequent first
  // (ties: the group met first), each with its first row; counts add up to
  // `rejected`. The same on any number of threads.
  std::vector<RejectGroup> reject_groups;
  // The column that rejected every row, or at least kDominantRejectPercent% of
  // a register of kDominantRejectMinRows rows or more; "" when none did.
  std::string dominant_reject_column;
  std::vector<std::string> notes;  // e.g. extra columns ignored
  std::string fatal_error;         // set when the run could not start or finish
  // With fatal_error: the run stopped because memory ran out (an allocation
  // failed, on any thread) or the work cannot fit memory_budget. The outputs
  // are incomplete, as for any fatal error.
  bool out_of_memory = false;
  Summary summary;
  bool ok() const { return fatal_error.empty(); }
};

// Reads CSV from `input`, writes results to `results` and rejected rows to
// `rejects` (either may be null to discard), and explanations where
// options.explanations says. `input` is read once, start to end, so it may be
// a pipe. Never throws on bad data: a bad row
// goes to the rejects with its line, column and reason.
RunReport run_csv(const Policy& policy, std::FILE* input, std::FILE* results,
                  std::FILE* rejects, const RunOptions& options = {});

// Which of a run's tables a workbook holds (write_run_table_xlsx).
enum class RunTable { Results, Rejects, Summary };

// Writes a table `run` wrote as CSV (`csv`: the results of `policy` as
// ResultFormat::Csv, the rejects, or format_summary_csv(`summary`), read from
// where it stands) as an .xlsx workbook to `out`, for Excel and WPS: a bold,
// frozen header; money, decimals and counts as number cells (money shown
// `0.00`), dates as date cells, text as string cells (a text the CSV guarded
// with `'` as a formula-looking one is written as the text it is, never a
// formula). A table longer than a sheet's 1048576 rows goes on in further
// sheets, each with the header. "" or why it could not be written.
std::string write_run_table_xlsx(const Policy& policy, RunTable table, std::FILE* csv, std::FILE* out,
                                 const Summary* summary = nullptr);

// The summary as the town reports print it: an aligned text table, places in
// register order (SummaryRow::first_line), the total last, headers in
// `language` (户数, 人口, 贫困户, 贫困人口, 贫困发生率 ... in Chinese), counts and
// money with thousands separators, incidence as a percentage with 2 decimals
// (rounded half up, as reports do).
std::string format_summary_table(const Summary& summary, Language language = Language::English);
// The cells of that table, for a page that lays it out itself (the printable
// report): the header, then a row per place in register order and the total
// last, each cell the text the table prints (unescaped).
struct SummaryTableCells {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<const SummaryRow*> figures;  // the summary's row behind each row (into `summary`)
  std::size_t key_columns = 0;  // the leading columns that name the place (left-aligned)
};
SummaryTableCells summary_table_cells(const Summary& summary, Language language = Language::English);
// The summary as CSV, for programs: in any language the same machine headers,
// places sorted by key, plain numbers (no separators) and incidence as a
// fraction with 6 decimals (the W1 contract).
// `formula_escape` as RunOptions::formula_escape says.
std::string format_summary_csv(const Summary& summary, bool formula_escape = true);
// The rejects' account as `run` prints it after its counts line, in
// `language`: a line per group of RunReport::reject_groups (at most
// `max_groups`, then how many more), count, column and the first row's line
// and reason; and, when a column rejected (nearly) every row, a plain
// sentence saying that is the likely cause. "" when nothing was rejected.
std::string format_reject_account(const RunReport& report, Language language = Language::English,
                                  std::size_t max_groups = 10);
// The line that ends a run, in `language`: "rows read: 2000 = results 1989 +
// rejected 11 (see rejects.csv)"; `rejects_path` is named when given and some
// rows were rejected.
std::string format_row_counts(const RunReport& report, const std::string& rejects_path,
                              Language language = Language::English);

}  // namespace precept
