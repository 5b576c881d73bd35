// precept: the command line tool. Each subcommand is a thin layer over the
// public API in include/precept/.
//
// Exit codes (also in README.md):
//   0  success (for `run`: every row is in the results or the rejects)
//   1  the policy has errors (nothing was run or written)
//   2  the command line is wrong
//   3  the input cannot be used (cannot open it, a required column is missing)
//   4  writing an output failed (nothing that looks complete is left behind)
// `diff` has its own, like diff(1): 0 no change, 1 changes, 2 usage, 3 bad
// input, 4 write failed, 5 a policy has errors (cli/diff_command.hpp).
#include <precept/precept.hpp>

#include "diff_command.hpp"
#include "explain_command.hpp"
#include "fmt_command.hpp"
#include "program.hpp"
#include "progress.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <fcntl.h>  // sync_file_range
#include <unistd.h>

namespace {

enum Exit { kOk = 0, kPolicyErrors = 1, kUsage = 2, kBadInput = 3, kWriteFailed = 4 };

bool use_color(const std::string& mode, std::FILE* stream) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return isatty(fileno(stream)) && std::getenv("NO_COLOR") == nullptr;
}

// What every command compiles with: `--year` picks the year of dated parameters.
precept::CompileOptions g_compile_options;

// Compiles or loads the policy, printing diagnostics (warnings too) to stderr.
std::optional<precept::Policy> open(const std::string& path, const std::string& color) {
  auto result = precept::open_policy(path, g_compile_options);
  std::cerr << precept::render(result.diagnostics, use_color(color, stderr));
  if (!result.ok()) {
    std::size_t errors = 0;
    for (const auto& d : result.diagnostics) errors += d.severity == precept::Severity::Error;
    std::cerr << fmt::format("{}: {} error{}; nothing was run\n", path, errors, errors == 1 ? "" : "s");
  }
  return result.policy;
}

// Temporary output files of this process, for the signal handler to remove: an
// interrupted run must leave nothing behind. Fixed storage, since a handler may
// neither allocate nor lock.
constexpr std::size_t kMaxPartials = 8;
char g_partials[kMaxPartials][4096];
volatile std::sig_atomic_t g_partial_used[kMaxPartials];

extern "C" void remove_partials_and_die(int signal_number) {
  for (std::size_t i = 0; i < kMaxPartials; ++i)
    if (g_partial_used[i]) unlink(g_partials[i]);
  // Die of the same signal, so the exit status still says what happened (130, 143).
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void install_signal_cleanup() {
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) std::signal(s, remove_partials_and_die);
}

// Replacing an output file (the rename in AtomicOutput::publish) frees the old
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

// An output file written beside its final name and renamed into place only when
// complete, so an interrupted or failed run never leaves a file that looks whole.
// finish() ends the writing and says whether it all went well; publish() renames.
// A run finishes every output before it publishes any.
class AtomicOutput {
 public:
  // `role` names the output in messages: "the results", "the rejects", ...
  AtomicOutput(std::string path, std::string role) : path_(std::move(path)), role_(std::move(role)) {
    if (path_.empty() || path_ == "-") {
      stream_ = stdout;
      return;
    }
    // A device, pipe or link (/dev/stdout) is written in place: renaming over it
    // would replace the device or the link itself.
    std::error_code ignored;
    const auto status = std::filesystem::symlink_status(path_, ignored);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
      stream_ = std::fopen(path_.c_str(), "wb");
      in_place_ = true;
      return;
    }
    temp_ = fmt::format("{}.partial-{}", path_, getpid());
    for (std::size_t i = 0; i < kMaxPartials; ++i)
      if (!g_partial_used[i] && temp_.size() < sizeof g_partials[i]) {
        std::memcpy(g_partials[i], temp_.c_str(), temp_.size() + 1);
        g_partial_used[i] = 1;
        slot_ = i;
        break;
      }
    stream_ = std::fopen(temp_.c_str(), "wb");
  }
  ~AtomicOutput() {
    if (stream_ && stream_ != stdout) std::fclose(stream_);
    if (!temp_.empty() && !published_) std::remove(temp_.c_str());
    forget_partial();
  }
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  std::FILE* stream() const { return stream_; }
  const std::string& path() const { return path_; }
  // "the rejects (`r.csv`)", or just the role for standard output.
  std::string name() const { return is_stdout() || path_.empty() ? role_ : fmt::format("{} (`{}`)", role_, path_); }
  bool is_stdout() const { return stream_ == stdout; }

  bool finish() {
    if (!stream_) return false;
    bool ok = std::fflush(stream_) == 0 && !std::ferror(stream_);
    if (stream_ == stdout) return ok;
    if (!temp_.empty()) ok = ok && fsync(fileno(stream_)) == 0;
    ok = std::fclose(stream_) == 0 && ok;
    stream_ = nullptr;
    return ok;
  }

  // Starts writing what has been written so far out to the disk, without
  // waiting: so that the fsync in finish() finds little left to do, instead of
  // making a long run wait for its whole output at the end.
  void write_behind() {
#if defined(__linux__)
    if (temp_.empty() || !stream_ || std::fflush(stream_) != 0) return;
    sync_file_range(fileno(stream_), 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
  }

  bool publish() {
    if (temp_.empty()) return true;
    published_ = std::rename(temp_.c_str(), path_.c_str()) == 0;
    forget_partial();
    return published_;
  }

 private:
  void forget_partial() {
    if (slot_ < kMaxPartials) g_partial_used[slot_] = 0;
    slot_ = kMaxPartials;
  }

  std::string path_, role_, temp_;
  std::FILE* stream_ = nullptr;
  bool in_place_ = false;
  bool published_ = false;
  std::size_t slot_ = kMaxPartials;
};

// `check --resolved`: the policy after its layers are merged, with where each part came from.
int cmd_check_resolved(const std::string& policy_path, const std::string& color) {
  precept::CompileOptions options = g_compile_options;
  options.describe_layers = true;
  auto result = precept::open_policy(policy_path, options);
  std::cerr << precept::render(result.diagnostics, use_color(color, stderr));
  if (!result.ok()) return kPolicyErrors;
  std::cout << result.resolved;
  return kOk;
}

int cmd_check(const std::string& policy_path, const std::string& color, bool resolved) {
  if (resolved) return cmd_check_resolved(policy_path, color);
  auto policy = open(policy_path, color);
  if (!policy) return kPolicyErrors;
  std::cout << fmt::format("{}: ok — \"{}\"{}{}, {} fields, {} outputs\n", policy_path, policy->name(),
                           policy->place().empty() ? "" : ", " + policy->place(),
                           policy->year() ? fmt::format(", {}", policy->year()) : "",
                           policy->field_names().size(), policy->output_names().size());
  return kOk;
}

int cmd_compile(const std::string& policy_path, std::string output, const std::string& color) {
  auto policy = open(policy_path, color);
  if (!policy) return kPolicyErrors;
  if (output.empty()) output = std::filesystem::path(policy_path).replace_extension(".pcb").string();
  AtomicOutput out(output, "the program");
  if (!out.stream()) {
    std::cerr << fmt::format("cannot write `{}`\n", output);
    return kWriteFailed;
  }
  const std::string bytes = policy->serialize();
  std::fwrite(bytes.data(), 1, bytes.size(), out.stream());
  if (!out.finish() || !out.publish()) {
    std::cerr << fmt::format("writing `{}` failed\n", output);
    return kWriteFailed;
  }
  std::cerr << fmt::format("wrote {} ({} bytes)\n", output, bytes.size());
  return kOk;
}

int cmd_disasm(const std::string& policy_path, const std::string& color) {
  auto policy = open(policy_path, color);
  if (!policy) return kPolicyErrors;
  std::cout << policy->disassemble();
  return kOk;
}

struct RunArgs {
  std::string policy, data, output, rejects, summary_csv, format = "csv", color = "auto";
  std::string explain, key;  // --explain FILE: one explanation per household (cli/explain_command.hpp)
  std::vector<std::string> by;
  bool quiet = false;
  std::size_t threads = 0;  // 0: one per core
  std::string progress = "auto";
};

// Two outputs with one path would overwrite each other, and an output naming the
// register would destroy it: refuse before anything is read or written.
bool outputs_are_distinct(const RunArgs& args) {
  std::vector<std::pair<std::string, std::string>> named;  // (what, path)
  if (args.data != "-") named.emplace_back("the register", args.data);
  if (!args.output.empty() && args.output != "-") named.emplace_back("-o", args.output);
  if (!args.rejects.empty()) named.emplace_back("--rejects", args.rejects);
  if (!args.summary_csv.empty()) named.emplace_back("--summary-csv", args.summary_csv);
  if (!args.explain.empty()) named.emplace_back("--explain", args.explain);
  for (std::size_t i = 0; i < named.size(); ++i)
    for (std::size_t j = i + 1; j < named.size(); ++j) {
      std::error_code ignored;
      const auto a = std::filesystem::weakly_canonical(named[i].second, ignored);
      const auto b = std::filesystem::weakly_canonical(named[j].second, ignored);
      if (a == b && !std::filesystem::is_character_file(a, ignored)) {
        std::cerr << fmt::format("{} and {} name the same file `{}`; give each its own\n", named[i].first,
                                 named[j].first, named[j].second);
        return false;
      }
    }
  return true;
}

// `--by` names a summary group of the policy or one of its fields.
bool groups_exist(const precept::Policy& policy, const std::vector<std::string>& by) {
  const auto fields = policy.field_names();
  for (const auto& name : by) {
    const auto& groups = policy.program().summary.groups;
    const bool is_group = std::any_of(groups.begin(), groups.end(), [&](const auto& g) { return g.name == name; });
    if (is_group || std::find(fields.begin(), fields.end(), name) != fields.end()) continue;
    std::string known;
    for (const auto& g : groups) known += (known.empty() ? "" : ", ") + g.name;
    std::cerr << fmt::format("--by {}: the policy has no summary group or field called `{}`{}\n", name, name,
                             known.empty() ? "" : " (its groups: " + known + ")");
    return false;
  }
  return true;
}

int cmd_run(const RunArgs& args) {
  if (!outputs_are_distinct(args)) return kUsage;
  const ForgetOldContents old_results(args.output);
  const ForgetOldContents old_rejects(args.rejects);
  if (!args.explain.empty() && args.data == "-") {
    std::cerr << "--explain reads the register a second time: give DATA as a file, not -\n";
    return kUsage;
  }
  auto policy = open(args.policy, args.color);
  if (!policy) return kPolicyErrors;
  if (!groups_exist(*policy, args.by)) return kUsage;
  std::FILE* input = args.data == "-" ? stdin : std::fopen(args.data.c_str(), "rb");
  if (!input) {
    std::cerr << fmt::format("cannot open the data file `{}`\n", args.data);
    return kBadInput;
  }
  AtomicOutput results(args.output, "the results");
  std::optional<AtomicOutput> rejects;
  if (!args.rejects.empty()) rejects.emplace(args.rejects, "the rejects");
  if (!results.stream() || (rejects && !rejects->stream())) {
    std::cerr << "cannot create the output files\n";
    if (input != stdin) std::fclose(input);
    return kWriteFailed;
  }
  precept::RunOptions options;
  options.format = args.format == "jsonl" ? precept::ResultFormat::JsonLines : precept::ResultFormat::Csv;
  for (const auto& by : args.by) options.group_by.push_back(by);
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
    progress.emplace(stderr, size);
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
    }
  };
  const auto report = precept::run_csv(*policy, input, results.stream(), rejects ? rejects->stream() : nullptr, options);
  if (progress) progress->finish();
  if (input != stdin) std::fclose(input);
  if (!report.ok()) {
    std::cerr << fmt::format("{}: {}\n", args.data, report.fatal_error);
    return report.fatal_error.rfind("writing", 0) == 0 ? kWriteFailed : kBadInput;
  }
  std::optional<AtomicOutput> summary;
  if (!args.summary_csv.empty()) {
    summary.emplace(args.summary_csv, "the summary");
    const std::string csv = precept::format_summary_csv(report.summary);
    if (summary->stream()) std::fwrite(csv.data(), 1, csv.size(), summary->stream());
  }
  std::optional<AtomicOutput> explanations;
  if (!args.explain.empty()) {
    // A second, sequential pass: one line per record, in input order, whatever -j.
    explanations.emplace(args.explain, "the explanations");
    if (!explanations->stream()) {
      std::cerr << "cannot create the explanations file\n";
      return kWriteFailed;
    }
    const std::string error =
        precept::cli::write_explanations(args.policy, args.data, args.key, g_compile_options.year, explanations->stream());
    if (!error.empty()) {
      std::cerr << fmt::format("--explain: {}\n", error);
      return error.rfind("writing", 0) == 0 ? kWriteFailed : kBadInput;
    }
  }
  // Every output is finished before any is published: one that fails leaves none.
  std::vector<AtomicOutput*> outputs{&results};
  if (rejects) outputs.push_back(&*rejects);
  if (summary) outputs.push_back(&*summary);
  if (explanations) outputs.push_back(&*explanations);
  for (AtomicOutput* out : outputs)
    if (!out->finish()) {
      std::cerr << fmt::format("writing {} failed; no output file was left behind\n", out->name());
      return kWriteFailed;
    }
  for (AtomicOutput* out : outputs)
    if (!out->publish()) {
      std::cerr << fmt::format("writing {} failed: it could not be put in place\n", out->name());
      return kWriteFailed;
    }
  // The summary goes where it cannot mix with results written to stdout.
  std::ostream& report_stream = results.is_stdout() ? std::cerr : std::cout;
  for (const auto& note : report.notes) std::cerr << "note: " << note << "\n";
  if (!args.quiet) {
    report_stream << fmt::format("{}{}{}\n", policy->name(), policy->place().empty() ? "" : " — " + policy->place(),
                                 policy->year() ? fmt::format(" ({})", policy->year()) : "");
    report_stream << precept::format_summary_table(report.summary);
  }
  report_stream << fmt::format("rows read: {} = results {} + rejected {}{}\n", report.rows_read, report.results,
                               report.rejected,
                               report.rejected && !args.rejects.empty() ? fmt::format(" (see {})", args.rejects) : "");
  return kOk;
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
  run->add_option("DATA", run_args.data, "register as CSV with a header line; - for standard input")->required();
  run->add_option("-o,--output", run_args.output, "results file (default: standard output)");
  run->add_option("--rejects", run_args.rejects, "file for rejected rows: line, column, reason");
  run->add_option("--format", run_args.format, "results as csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  run->add_option("--by", run_args.by, "group the summary by a declared group (e.g. village) or a field")
      ->delimiter(',');
  run->add_option("--summary-csv", run_args.summary_csv, "also write the summary table as CSV");
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

  install_signal_cleanup();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  run_args.color = color;
  if (year != 0) g_compile_options.year = year;
  diff_args.year = g_compile_options.year;
  test_args.year = explain_args.year = g_compile_options.year;
  g_compile_options.solver_budget = diff_args.solver_budget = test_args.solver_budget = solver_budget;
  if (*check) return cmd_check(policy_path, color, resolved);
  if (*compile) return cmd_compile(policy_path, output, color);
  if (*disasm) return cmd_disasm(policy_path, color);
  if (*run) return cmd_run(run_args);
  if (*diff) return precept::cli::run_diff_command(diff_args, color);
  if (*format) return precept::cli::run_fmt(fmt_args, use_color(color, stderr));
  if (*test) return precept::cli::run_test_command(test_args, use_color(color, stderr));
  if (*explain) return precept::cli::run_explain_command(explain_args, use_color(color, stderr));
  return kUsage;
}
