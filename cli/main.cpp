// precept: the command line tool. Each subcommand is a thin layer over the
// public API in include/precept/.
//
// Exit codes: the table in cli/exit_codes.def (also in `--help` and README).
// An output naming an input is a usage error (2); how outputs are written, and
// what a destination may be, is in <precept/output_file.hpp>.
#include <precept/cli_words.hpp>
#include <precept/output_file.hpp>
#include <precept/precept.hpp>
#include <precept/text.hpp>

#include "diff_command.hpp"
#include "exit_codes.hpp"
#include "explain_command.hpp"
#include "fmt_command.hpp"
#include "progress.hpp"
#include "terminal.hpp"
#include "test_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <new>
#include <optional>
#include <thread>
#include <fcntl.h>
#include <unistd.h>

namespace {

// Text from a policy or a register is shown escaped (<precept/text.hpp>).
using precept::escape_for_terminal;

using namespace precept::cli;  // the exit codes (cli/exit_codes.hpp)

using precept::CliWords;
using precept::NamedFile;
using precept::OutputFile;

// What every command compiles with: `--year` picks the year of dated parameters.
precept::CompileOptions g_compile_options;
// The language people are told things in: `--lang`, else the policy's own
// `language` declaration (set by open()), else English.
precept::Language g_language = precept::Language::English;

// The CLI's own sentence `id` in the language of the run (<precept/cli_words.hpp>).
std::string words(CliWords id, std::initializer_list<std::string_view> arguments = {}) {
  return precept::cli_words(id, g_language, arguments);
}

// Compiles or loads the policy, printing diagnostics (warnings too) to stderr.
// `inputs` gets every file it was read from (the policy and its parents).
std::optional<precept::Policy> open(const std::string& path, const std::string& color,
                                    std::vector<NamedFile>* inputs = nullptr) {
  auto result = precept::open_policy(path, g_compile_options);
  g_language = result.language;
  if (inputs)
    for (std::size_t i = 0; i < result.files.size(); ++i)
      inputs->push_back({i == 0 ? "the policy" : "a parent of the policy", result.files[i]});
  std::cerr << precept::render(result.diagnostics, use_color(color, stderr), g_language);
  if (!result.ok()) {
    std::cerr << words(CliWords::nothing_was_run, {path, count_errors(result.diagnostics, g_language)}) << "\n";
  }
  return result.policy;
}

// Replacing an output file (the rename in publish()) frees the old
// file's cached pages there and then: for a results file of tens of MB that is
// several ms at the very end of a run, when every core but one is idle.
// Dropping them at the start instead, on a thread of its own while the policy
// compiles on one core, takes that off the end. The old file itself is not
// touched: it stays whole, and readable, until the rename.
class ForgetOldContents {
 public:
  explicit ForgetOldContents(const std::string& path) {
#if defined(__linux__)
    std::error_code ignored;
    if (path.empty() || path == "-" || !std::filesystem::is_regular_file(path, ignored)) return;
    try {
      thread_ = std::thread([path] {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
      });
    } catch (const std::system_error&) {
      // No thread to spare: the rename does it, as it would anyway.
    }
#endif
  }
  ~ForgetOldContents() {
    if (thread_.joinable()) thread_.join();
  }
  ForgetOldContents(const ForgetOldContents&) = delete;
  ForgetOldContents& operator=(const ForgetOldContents&) = delete;

 private:
  std::thread thread_;
};

// `check --resolved`: the policy after its layers are merged, with where each part came from.
int cmd_check_resolved(const std::string& policy_path, const std::string& color) {
  precept::CompileOptions options = g_compile_options;
  options.describe_layers = true;
  auto result = precept::open_policy(policy_path, options);
  std::cerr << precept::render(result.diagnostics, use_color(color, stderr), result.language);
  if (!result.ok()) return kPolicyErrors;
  // The merged policy quotes its descriptions and citations: shown, never acted on.
  std::cout << escape_for_terminal(result.resolved, precept::LineBreaks::Keep);
  return kOk;
}

int cmd_check(const std::string& policy_path, const std::string& color, bool resolved) {
  if (resolved) return cmd_check_resolved(policy_path, color);
  auto policy = open(policy_path, color);
  if (!policy) return kPolicyErrors;
  const std::string place_and_year =
      (policy->place().empty() ? "" : words(CliWords::check_place, {escape_for_terminal(policy->place())})) +
      (policy->year() ? words(CliWords::check_year, {std::to_string(policy->year())}) : "");
  std::cout << words(CliWords::check_ok, {policy_path, escape_for_terminal(policy->name()), place_and_year,
                                          std::to_string(policy->field_names().size()),
                                          std::to_string(policy->output_names().size())})
            << "\n";
  return kOk;
}

int cmd_compile(const std::string& policy_path, std::string output, const std::string& color) {
  std::vector<NamedFile> inputs;
  auto policy = open(policy_path, color, &inputs);
  if (!policy) return kPolicyErrors;
  const bool default_output = output.empty();
  if (default_output) output = std::filesystem::path(policy_path).replace_extension(".pcb").string();
  if (const std::string clash = precept::clashing_files(inputs, {{"-o", output}}); !clash.empty()) {
    std::cerr << clash << (default_output ? words(CliWords::default_program_path) : "") << "\n";
    return kUsage;
  }
  OutputFile out(output, "the program");
  if (!out.stream()) {
    std::cerr << out.error() << "\n";
    return kWriteFailed;
  }
  const std::string bytes = policy->serialize();
  std::fwrite(bytes.data(), 1, bytes.size(), out.stream());
  std::string error;
  if (!out.finish()) {
    std::cerr << words(CliWords::writing_failed, {output}) << "\n";
    return kWriteFailed;
  }
  if (!precept::publish({&out}, error)) {
    std::cerr << error << "\n";
    return kWriteFailed;
  }
  std::cerr << words(CliWords::wrote_program, {output, std::to_string(bytes.size())}) << "\n";
  return kOk;
}

int cmd_disasm(const std::string& policy_path, const std::string& color) {
  auto policy = open(policy_path, color);
  if (!policy) return kPolicyErrors;
  // It quotes the policy's lines and strings: shown escaped, as diagnostics quote them.
  std::cout << escape_for_terminal(policy->disassemble(), precept::LineBreaks::Keep);
  return kOk;
}

struct RunArgs {
  std::string policy, data, output, rejects, summary_csv, format = "csv", color = "auto";
  std::string explain, key;  // --explain FILE: one explanation per household (cli/explain_command.hpp)
  std::string report;        // --report FILE: the printable page (<precept/report.hpp>)
  std::vector<std::string> by;
  bool quiet = false;
  std::size_t threads = 0;  // 0: one per core
  std::string progress = "auto";
  std::string encoding = "auto", sheet;  // how the register is read (README, "Registers from Excel and WPS")
  bool bom = false;                      // --bom: CSV outputs start with a UTF-8 byte-order mark
  bool formula_escape = true;            // --no-formula-escape turns it off
};

// An output named `*.xlsx` is written as a workbook (write_run_table_xlsx).
bool is_workbook(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".xlsx") == 0;
}

// A table `run` writes as CSV, for an output that is a workbook: the CSV goes
// to a temporary file first, and becomes the workbook once the run is done.
struct WorkbookTable {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv{nullptr, &std::fclose};
  // Where `run` writes: the output itself, or the temporary CSV of a workbook.
  static std::FILE* target(std::optional<WorkbookTable>& table, std::FILE* output) {
    return table ? table->csv.get() : output;
  }
};

// Outputs that would overwrite an input, or one another: refused before any is written.
bool outputs_are_distinct(const RunArgs& args, std::vector<NamedFile> inputs) {
  inputs.push_back({"the register", args.data});
  const std::string clash = precept::clashing_files(
      inputs, {{"-o", args.output}, {"--rejects", args.rejects}, {"--summary-csv", args.summary_csv}, {"--explain", args.explain},
               {"--report", args.report}});
  if (!clash.empty()) std::cerr << clash << "\n";
  return clash.empty();
}

// `--by` names a summary group of the policy or one of its fields.
bool groups_exist(const precept::Policy& policy, const std::vector<std::string>& by) {
  const auto fields = policy.field_names();
  const auto groups = policy.summary_group_names();
  for (const auto& name : by) {
    const bool is_group = std::find(groups.begin(), groups.end(), name) != groups.end();
    if (is_group || std::find(fields.begin(), fields.end(), name) != fields.end()) continue;
    std::string known;
    for (const auto& group : groups) known += (known.empty() ? "" : ", ") + group;
    std::cerr << words(CliWords::no_such_group, {name, known.empty() ? "" : words(CliWords::its_groups, {known})})
              << "\n";
    return false;
  }
  return true;
}

// The register, read once (explanations too, on the way), so it may be a pipe,
// a FIFO or a device. Null with a message and an exit code when it cannot be used.
std::FILE* open_register(const std::string& path, int& exit_code) {
  const bool standard_input = path == "-";
  const int fd = standard_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << words(CliWords::cannot_open_data_because, {path, std::strerror(errno)}) << "\n";
    exit_code = kBadInput;
    return nullptr;
  }
  if (standard_input) return stdin;
  std::FILE* file = ::fdopen(fd, "rb");
  if (!file) {
    ::close(fd);
    std::cerr << words(CliWords::cannot_open_data, {path}) << "\n";
    exit_code = kBadInput;
  }
  return file;
}

precept::RegisterEncoding register_encoding(const std::string& name) {
  if (name == "utf-8") return precept::RegisterEncoding::Utf8;
  if (name == "gb18030") return precept::RegisterEncoding::Gb18030;
  if (name == "gbk") return precept::RegisterEncoding::Gbk;
  if (name == "utf-16") return precept::RegisterEncoding::Utf16;
  return precept::RegisterEncoding::Detect;
}

int cmd_run(const RunArgs& args) {
  std::vector<NamedFile> inputs;
  auto policy = open(args.policy, args.color, &inputs);
  if (!policy) return kPolicyErrors;
  if (!outputs_are_distinct(args, inputs)) return kUsage;
  const ForgetOldContents old_results(args.output);
  const ForgetOldContents old_rejects(args.rejects);
  if (!groups_exist(*policy, args.by)) return kUsage;
  if (const std::string problem = precept::cli::key_problem(*policy, args.key, g_language); !problem.empty()) {
    std::cerr << problem << "\n";
    return kUsage;
  }
  int open_failed = kBadInput;
  std::FILE* input = open_register(args.data, open_failed);
  if (!input) return open_failed;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> close_input(input == stdin ? nullptr : input, &std::fclose);
  if (args.format == "jsonl" && is_workbook(args.output)) {
    std::cerr << words(CliWords::workbook_not_jsonl, {args.output}) << "\n";
    return kUsage;
  }
  // Every output is made before the run, so that one that cannot be costs no time.
  OutputFile results(args.output, "the results");
  std::optional<OutputFile> rejects, summary, explanations, report_page;
  if (!args.rejects.empty()) rejects.emplace(args.rejects, "the rejects");
  if (!args.report.empty()) report_page.emplace(args.report, "the report");
  if (!args.summary_csv.empty()) summary.emplace(args.summary_csv, "the summary");
  if (!args.explain.empty()) explanations.emplace(args.explain, "the explanations");
  std::vector<OutputFile*> outputs{&results};
  for (auto* out : {&rejects, &summary, &explanations, &report_page})
    if (*out) outputs.push_back(&**out);
  for (const OutputFile* out : outputs)
    if (!out->stream()) {
      std::cerr << words(CliWords::cannot_create_outputs, {out->role(), out->error()}) << "\n";
      return kWriteFailed;
    }
  // Tables going to a workbook are written as CSV to a temporary file first.
  std::optional<WorkbookTable> results_table, rejects_table;
  for (auto [path, table] : {std::pair{&args.output, &results_table}, std::pair{&args.rejects, &rejects_table}})
    if (is_workbook(*path)) {
      table->emplace();
      table->value().csv.reset(std::tmpfile());
      if (!table->value().csv) {
        std::cerr << words(CliWords::cannot_create_temporary, {*path}) << "\n";
        return kWriteFailed;
      }
    }
  // A byte-order mark, asked for, so that Excel shows a UTF-8 CSV's Chinese right.
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (args.bom) {
    if (!results_table && args.format == "csv") std::fwrite(kUtf8Bom.data(), 1, kUtf8Bom.size(), results.stream());
    if (rejects && !rejects_table) std::fwrite(kUtf8Bom.data(), 1, kUtf8Bom.size(), rejects->stream());
    if (summary && !is_workbook(args.summary_csv)) std::fwrite(kUtf8Bom.data(), 1, kUtf8Bom.size(), summary->stream());
  }
  precept::RunOptions options;
  options.formula_escape = args.formula_escape;
  options.language = g_language;
  options.encoding = register_encoding(args.encoding);
  options.sheet = args.sheet;
  options.format = args.format == "jsonl" ? precept::ResultFormat::JsonLines : precept::ResultFormat::Csv;
  for (const auto& by : args.by) options.group_by.push_back(by);
  // The report's lists and charts are by place: by default the policy's first
  // summary group (a village), which the printed summary then shows too.
  precept::ReportData report_data;
  if (report_page) {
    options.report = &report_data;
    if (const auto groups = policy->summary_group_names(); options.group_by.empty() && !groups.empty())
      options.group_by.push_back(groups.front());
  }
  if (explanations) {
    options.explanations = explanations->stream();
    options.explanation_key = args.key;
  }
  options.threads = args.threads != 0 ? args.threads : std::max(1u, std::thread::hardware_concurrency());
  // Progress goes to a terminal only: a log file or a pipe gets no \r-redrawn lines.
  const bool show_progress =
      args.progress == "always" || (args.progress == "auto" && !args.quiet && isatty(fileno(stderr)));
  std::optional<precept::cli::Progress> progress;
  if (show_progress) {
    std::optional<std::uint64_t> size;
    std::error_code ignored;
    if (args.data != "-" && std::filesystem::is_regular_file(args.data, ignored))
      size = std::filesystem::file_size(args.data, ignored);
    progress.emplace(stderr, size, g_language);
  }
  // Called after each batch is written, in input order, by the thread writing.
  // Often enough that the final fsync has little left (measured: every 2 MB
  // of input left 1.3 ms of it, every 8 MB 4 ms), rarely enough to cost nothing.
  constexpr std::uint64_t kWriteBehindBytes = std::uint64_t{2} << 20;
  std::uint64_t next_write_behind = kWriteBehindBytes;
  options.progress = [&](std::uint64_t records, std::uint64_t bytes) {
    if (progress) progress->update(records, bytes);
    if (bytes >= next_write_behind) {
      next_write_behind = bytes + kWriteBehindBytes;
      results.write_behind();
      if (rejects) rejects->write_behind();
      if (explanations) explanations->write_behind();
    }
  };
  const auto report = precept::run_csv(*policy, input, WorkbookTable::target(results_table, results.stream()),
                                       rejects ? WorkbookTable::target(rejects_table, rejects->stream()) : nullptr, options);
  if (progress) progress->finish();
  if (!report.ok()) {
    if (report.out_of_memory) {
      std::fputs(precept::out_of_memory_message(), stderr);
      return kOutOfMemory;
    }
    std::cerr << fmt::format("{}: {}\n", args.data, escape_for_terminal(report.fatal_error));
    // The run stopped because an output could not be written, or because of its input.
    const bool write_failed = std::ferror(results.stream()) || (rejects && std::ferror(rejects->stream())) ||
                              (explanations && std::ferror(explanations->stream()));
    return write_failed ? kWriteFailed : kBadInput;
  }
  std::string csv_summary;
  if (summary) csv_summary = precept::format_summary_csv(report.summary, args.formula_escape);
  if (summary && !is_workbook(args.summary_csv)) std::fwrite(csv_summary.data(), 1, csv_summary.size(), summary->stream());
  if (report_page) {
    const std::string page = precept::format_report_html(*policy, report, report_data, g_language);
    std::fwrite(page.data(), 1, page.size(), report_page->stream());
  }
  // The workbooks, from the CSV the run wrote.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> summary_csv(
      summary && is_workbook(args.summary_csv) ? ::fmemopen(csv_summary.data(), csv_summary.size(), "rb") : nullptr,
      &std::fclose);
  const struct {
    std::FILE* csv;
    precept::RunTable table;
    OutputFile* out;
  } workbooks[] = {{results_table ? results_table->csv.get() : nullptr, precept::RunTable::Results, &results},
                   {rejects_table ? rejects_table->csv.get() : nullptr, precept::RunTable::Rejects, rejects ? &*rejects : nullptr},
                   {summary_csv.get(), precept::RunTable::Summary, summary ? &*summary : nullptr}};
  for (const auto& workbook : workbooks) {
    if (!workbook.csv) continue;
    std::string problem = std::fflush(workbook.csv) == 0 && std::fseek(workbook.csv, 0, SEEK_SET) == 0
                              ? precept::write_run_table_xlsx(*policy, workbook.table, workbook.csv,
                                                              workbook.out->stream(), &report.summary)
                              : words(CliWords::cannot_read_back);
    if (!problem.empty()) {
      std::cerr << words(CliWords::workbook_failed, {workbook.out->name(), problem}) << "\n";
      return kWriteFailed;
    }
  }
  // Every output is finished before any is published: one that fails leaves none.
  for (OutputFile* out : outputs)
    if (!out->finish()) {
      std::cerr << words(CliWords::writing_failed_none_left, {out->name()}) << "\n";
      return kWriteFailed;
    }
  if (std::string error; !precept::publish(outputs, error)) {
    std::cerr << words(CliWords::publish_failed, {error}) << "\n";
    return kWriteFailed;
  }
  // The summary goes where it cannot mix with results written to stdout.
  std::ostream& report_stream = results.is_stdout() ? std::cerr : std::cout;
  for (const auto& note : report.notes) std::cerr << words(CliWords::note, {escape_for_terminal(note)}) << "\n";
  if (!args.quiet) {
    report_stream << fmt::format("{}{}{}\n", escape_for_terminal(policy->name()),
                                 policy->place().empty() ? "" : " — " + escape_for_terminal(policy->place()),
                                 policy->year() ? fmt::format(" ({})", policy->year()) : "");
    report_stream << precept::format_summary_table(report.summary, g_language);
  }
  report_stream << precept::format_row_counts(report, args.rejects, g_language) << "\n";
  // What rejected the rows, so that one column that rejects every row is named
  // as the likely cause rather than left to be found in the rejects file.
  report_stream << escape_for_terminal(precept::format_reject_account(report, g_language), precept::LineBreaks::Keep);
  return report.dominant_reject_column.empty() ? kOk : kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"precept: a policy language and rule engine for precision poverty alleviation"};
  app.set_version_flag("--version", std::string("precept ") + precept::kVersion);
  app.require_subcommand(1);
  std::string color = "auto";
  app.add_option("--color", color, "colour diagnostics: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  std::string policy_path, output;
  int year = 0;
  const std::string year_help = "the year whose values of dated parameters apply (default: the policy's `year`)";
  bool resolved = false;
  auto* check = app.add_subcommand("check", "check a policy and report every problem in it");
  check->add_option("POLICY", policy_path, "policy source (.pol) or compiled program (.pcb)")->required();
  check->add_option("--year", year, year_help)->check(CLI::Range(1000, 9999));
  check->add_flag("--resolved", resolved,
                  "print the policy with its layers merged: each parameter's value, layer (file:line), year "
                  "entry and citation; each declaration's layer and the exceptions applied");
  check->footer(
      "Decision tables are analysed too: gaps (households no row matches), rows that overlap in a\n"
      "`unique` table or disagree in an `any` table, rows masked under `first`, rows that never\n"
      "decide under `priority`, and rows whose cells contradict, each with an example household.");

  auto* compile = app.add_subcommand("compile", "compile a policy to a bytecode file (.pcb)");
  compile->add_option("POLICY", policy_path, "policy source")->required();
  compile->add_option("-o,--output", output, "where to write (default: POLICY with .pcb)");
  compile->add_option("--year", year, year_help)->check(CLI::Range(1000, 9999));

  auto* disasm = app.add_subcommand("disasm", "print the compiled bytecode with the policy lines it came from");
  disasm->add_option("POLICY", policy_path, "policy source or compiled program")->required();
  disasm->add_option("--year", year, year_help)->check(CLI::Range(1000, 9999));

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "run a policy over a household register (CSV)");
  run->add_option("POLICY", run_args.policy, "policy source or compiled program")->required();
  run->add_option("DATA", run_args.data,
                  "register as CSV with a header line, or an Excel/WPS workbook (.xlsx); - for standard input")
      ->required();
  run->add_option("--encoding", run_args.encoding,
                  "the CSV register's encoding: auto (UTF-8, UTF-16 with a BOM, or GB18030/GBK), utf-8, gb18030, "
                  "gbk or utf-16")
      ->check(CLI::IsMember({"auto", "utf-8", "gb18030", "gbk", "utf-16"}));
  run->add_option("--sheet", run_args.sheet, "the sheet of an .xlsx register to read (default: the first)");
  run->add_flag("--bom", run_args.bom,
                "start CSV outputs with a UTF-8 byte-order mark, so that Excel shows their Chinese right");
  run->add_flag("!--no-formula-escape", run_args.formula_escape,
                "write text cells of CSV outputs as they are, for programs that read them (by default a text that "
                "a spreadsheet would run as a formula gets a leading ')");
  run->add_option("-o,--output", run_args.output, "results file (default: standard output); *.xlsx: an Excel workbook");
  run->add_option("--rejects", run_args.rejects, "file for rejected rows: line, column, reason; *.xlsx: a workbook");
  run->add_option("--format", run_args.format, "results as csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  run->add_option("--by", run_args.by, "group the summary by a declared group (e.g. village) or a field")
      ->delimiter(',');
  run->add_option("--summary-csv", run_args.summary_csv, "also write the summary table as CSV (*.xlsx: a workbook)");
  run->add_option("--year", year, year_help)->check(CLI::Range(1000, 9999));
  run->add_flag("-q,--quiet", run_args.quiet, "print only the row counts, not the summary table");
  run->add_option("-j,--threads", run_args.threads,
                  "threads to use (default: one per core); the output is the same for any number")
      ->check(CLI::Range(1, 256));
  run->add_option("--progress", run_args.progress,
                  "show rows, rows/s and time left on stderr: auto (on a terminal, unless -q), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  run->add_option("--explain", run_args.explain,
                  "also write why each household got its results, one JSON line per record, in input order");
  run->add_option("--key", run_args.key, "with --explain: the household's key field (default: the first field)");
  run->add_option("--report", run_args.report,
                  "also write a page to print and post (HTML, self-contained): the summary, charts, the rejects' "
                  "account, the parameters' sources and each place's publicity list of poor households, personal "
                  "fields masked; in --lang's language. Without --by it groups by the policy's first summary group");

  precept::cli::TestArgs test_args;
  auto* test = precept::cli::add_test_command(app, test_args);
  test->add_option("--year", year, year_help)->check(CLI::Range(1000, 9999));
  precept::cli::ExplainArgs explain_args;
  auto* explain = precept::cli::add_explain_command(app, explain_args);
  explain->add_option("--year", year, year_help)->check(CLI::Range(1000, 9999));

  precept::cli::DiffArgs diff_args;
  auto* diff = precept::cli::add_diff_command(app, diff_args);
  diff->add_option("--year", year, "the year whose values of dated parameters apply, in both versions")
      ->check(CLI::Range(1000, 9999));

  precept::cli::FmtArgs fmt_args;
  auto* format = precept::cli::add_fmt_command(app, fmt_args);

  // One budget for all the solver's searches of a command (per policy for `test`).
  std::uint64_t solver_budget = precept::kDefaultSolverBudget;
  const std::string budget_help = fmt::format(
      "the solver work all of the command's searches may do together, in Z3's resource units (default {}); "
      "raise it when a warning says it was spent",
      precept::kDefaultSolverBudget);
  for (auto* command : {check, compile, disasm, run, test, diff}) command->add_option("--solver-budget", solver_budget, budget_help);
  // Diagnostics, reports and the CLI's own lines in English or Chinese; by
  // default the policy's own `language`. CLI11's usage text stays English.
  std::string lang;
  for (auto* command : {check, compile, disasm, run, test, explain, diff})
    command->add_option("--lang", lang, "the language of messages and reports: en or zh (default: the policy's "
                                        "`language`, else en)")
        ->check(CLI::IsMember({"en", "zh"}));

  // Each command's --help ends with the exit codes it can end with; `precept --help` with all of them.
  app.footer(exit_code_help(""));
  for (CLI::App* command : app.get_subcommands({}))
    command->footer(command->get_footer() + (command->get_footer().empty() ? "" : "\n\n") +
                    exit_code_help(command->get_name()));

  precept::install_output_cleanup(precept::cli::kOutOfMemory);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  run_args.color = color;
  if (year != 0) g_compile_options.year = year;
  if (!lang.empty()) g_compile_options.language = precept::parse_language(lang);
  diff_args.year = g_compile_options.year;
  test_args.year = explain_args.year = g_compile_options.year;
  test_args.language = explain_args.language = diff_args.language = g_compile_options.language;
  g_compile_options.solver_budget = diff_args.solver_budget = test_args.solver_budget = solver_budget;
  // An allocation that fails anywhere in a command (on this thread: the
  // others end in install_output_cleanup's handler) unwinds to here, each
  // output removing its temporary file on the way.
  try {
    if (*check) return cmd_check(policy_path, color, resolved);
    if (*compile) return cmd_compile(policy_path, output, color);
    if (*disasm) return cmd_disasm(policy_path, color);
    if (*run) return cmd_run(run_args);
    if (*diff) return precept::cli::run_diff_command(diff_args, color);
    if (*format) return precept::cli::run_fmt(fmt_args, use_color(color, stderr));
    if (*test) return precept::cli::run_test_command(test_args, use_color(color, stderr));
    if (*explain) return precept::cli::run_explain_command(explain_args, use_color(color, stderr));
  } catch (const std::bad_alloc&) {
    std::fputs(precept::out_of_memory_message(), stderr);
    return kOutOfMemory;
  }
  return kUsage;
}
