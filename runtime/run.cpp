// The engine behind `precept run`: CSV in, results and rejects out, a summary
// on the side. Streaming in batches, so memory does not grow with the input.
// This file is the parallel pipeline; the summary is added up in
// run_summary.cpp, results and rejects lines are formatted in run_writers.cpp.
#include <precept/run.hpp>

#include "batch.hpp"
#include "collect.hpp"
#include "csv.hpp"
#include "explain.hpp"
#include "format.hpp"
#include "messages.hpp"
#include "program.hpp"
#include "register_reader.hpp"
#include "rejection.hpp"
#include "run_summary.hpp"
#include "run_writers.hpp"
#include "vm.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace precept {

const char* const kOutOfMemoryError =
    "out of memory: the system refused Precept more memory part way; free memory or raise the limit (ulimit -v), "
    "run with fewer threads (-j), or split the register";

namespace {

// How the input's columns map onto the policy's record, worked out once from
// the header and shared (read-only) by every worker.
struct Layout {
  std::size_t header_size = 0;
  // (input column, field) for the fields the input has, in column order, so
  // that the first bad cell reported is the leftmost.
  std::vector<std::pair<std::size_t, std::uint32_t>> cells;
  // Fields the input may lack and does (optional, or with a default): read
  // as empty on every row.
  std::vector<std::uint32_t> absent;
  std::vector<std::uint32_t> group_fields;
};

// Records as the reader hands them to a worker. From a stream: a chunk of
// whole records, verbatim, which the worker splits and reads itself. From a
// regular file: only where the chunk starts and ends; the worker reads the
// bytes too. Either way all of reading but choosing chunks runs on every thread.
struct RawBatch {
  std::uint64_t sequence = 0;
  CsvChunk chunk;                    // stream input
  std::uint64_t start = 0, end = 0;  // file input: bytes [start, end) of the file
  std::uint64_t input_position = 0;  // bytes of input consumed after this batch
};

// Where an explanation line goes in DoneBatch::explanations. Its line number is
// left out: counted from the batch's first record as it is, it goes in at `at`
// when the batch is written. A record that cannot be read at all has no text
// there: its whole line is made then, its reason worded with the lines it
// took up as the rejects file words it.
struct ExplanationSlot {
  std::size_t at = 0;
  std::size_t start = 0;  // where its text starts (at, for an unreadable record)
  std::uint64_t line = 0;
  std::optional<Reject> unreadable;
  std::string id;  // of an unreadable record: the key's cell, if it has one
};

// A record's key (`household_id: text key`): its line counted from its batch's
// first, where its bytes are in DoneBatch::key_text, and their hash (worked
// out by the worker, so that the writer only looks it up).
struct KeyedRecord {
  std::uint64_t line = 0;
  std::uint64_t hash = 0;
  std::uint32_t offset = 0, length = 0;
};

// A batch evaluated and formatted, waiting for its turn to be written. Its
// lines are counted from its first record's (0): where that is in the input is
// only sure once the batches before it are (see Runner::settle).
struct DoneBatch {
  std::string results;
  std::vector<Reject> rejects;  // formatted by the writer, which knows first_line
  std::uint64_t records = 0, result_count = 0;
  std::uint64_t input_position = 0;
  std::vector<SummaryContribution> contributions;
  std::vector<std::vector<std::string>> group_keys;  // in order of first appearance
  // With a `key` field: the key of each record of the header's width, in line
  // order, and the end of each result's text in `results`. The writer checks
  // the keys in input order (see reject_duplicate_keys).
  std::vector<KeyedRecord> keys;
  std::string key_text;
  std::vector<std::size_t> result_ends;
  // With RunOptions::explanations: one line per record, in input order.
  std::string explanations;
  std::vector<ExplanationSlot> explanation_slots;
  std::uint64_t first_line = 0;  // the line the batch's first record starts on
  std::uint64_t lines = 0;       // line ends its records take up
  ReportBatch report;            // with RunOptions::report: the batch's part of the page
  // File input: the bytes read, and whether the last record ended with a line
  // end of its own, which is what settles whether the chunk's end was right.
  std::uint64_t start = 0, end = 0;
  bool last_terminated = true;
};

// Text cells copied out of records whose fields do not lie in bytes that stay
// put while the batch is evaluated (quoted records, whose fields the reader
// unescapes into its own scratch, or any record of a stream reader). Blocks
// never move, so views into them stay valid until clear().
class CopiedText {
 public:
  char* allocate(std::size_t size) {
    while (current_ < blocks_.size() && used_ + size > blocks_[current_].size) {
      ++current_;
      used_ = 0;
    }
    if (current_ == blocks_.size()) {
      const std::size_t block_size = std::max(size, kBlockSize);
      blocks_.push_back({std::make_unique<char[]>(block_size), block_size});
      used_ = 0;
    }
    char* const at = blocks_[current_].bytes.get() + used_;
    used_ += size;
    return at;
  }
  void clear() {
    current_ = 0;
    used_ = 0;
  }

 private:
  static constexpr std::size_t kBlockSize = std::size_t{64} << 10;
  struct Block {
    std::unique_ptr<char[]> bytes;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0, used_ = 0;
};

// One thread's working set: its own machine and columns, so workers share
// nothing mutable but the reader and the writer, each behind its own lock.
struct Worker {
  Worker(const Program& program, std::size_t capacity) : machine(program, capacity) {
    batch.reset(program, capacity);
  }
  Machine machine;
  Batch batch;
  std::vector<std::string> key;  // scratch for one row's group key
  CsvRecord record;                  // scratch for splitting a chunk
  std::vector<CellPlan> cell_plan;   // how the record's cells go into `batch`
  std::vector<std::string_view> cells;  // a record's fields, moved to `copied_text`
  CopiedText copied_text;
  std::unique_ptr<char[]> file_bytes;  // a file chunk's bytes
  std::size_t file_bytes_capacity = 0;
  std::vector<Reject> rejects;       // this batch's, in line order
  std::uint64_t records = 0;         // this batch's records, rejected ones included
  std::size_t results_size_hint = 0;
  std::map<std::vector<std::string>, std::uint32_t> group_index;
  // With RunOptions::explanations: the traced machine that explains each
  // record, and a record's cells per field for it (absent fields stay empty).
  std::unique_ptr<TracedExplainer> explainer;
  std::vector<std::string> explained_cells;
  std::size_t explanations_size_hint = 0;
  // With RunOptions::report: the machine that keeps what the page needs (ReportCollector).
  std::unique_ptr<Machine> report_machine;
};

// Where the input lies in a regular file: the stream's position when the run
// began, and the file's size. Absent for anything else (a pipe, a terminal,
// memory), which is read as a stream.
struct FileExtent {
  std::uint64_t origin = 0;
  std::uint64_t size = 0;
};

std::optional<FileExtent> regular_file_extent(std::FILE* input) {
  if (!input) return std::nullopt;  // an .xlsx register, read by its sheet
  const int fd = ::fileno(input);
  struct stat status {};
  if (fd < 0 || ::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
  const off_t origin = ::ftello(input);
  if (origin < 0 || origin > status.st_size) return std::nullopt;
  return FileExtent{static_cast<std::uint64_t>(origin), static_cast<std::uint64_t>(status.st_size)};
}

struct CloseStream {
  void operator()(std::FILE* stream) const { std::fclose(stream); }
};

// A regular file as Runner reads it (see Runner::choose_chunk_end and settle).
struct FileInput {
  int fd = -1;
  std::uint64_t origin = 0;  // where the input starts in the file
  std::uint64_t size = 0;
  std::uint64_t cut = 0;  // reader's side: where the next chunk starts
  // Writer's side: where the next record really starts, and on which line.
  std::uint64_t next_record = 0;
  std::uint64_t next_line = 0;
  // Writer's side: the stream that reads wrongly guessed chunks again, kept
  // while the chunks it reads follow one another.
  std::unique_ptr<std::FILE, CloseStream> again_stream;
  std::unique_ptr<CsvReader> again;
  std::uint64_t again_origin = 0;
};

class Runner {
 public:
  Runner(const Policy& policy, std::FILE* results, std::FILE* rejects, const RunOptions& options)
      : program_(program_of(policy)),
        key_field_(declared_key_field(program_)),
        results_(results),
        rejects_(rejects),
        options_(options),
        capacity_(reported_capacity(
            program_, explained_capacity(capacity_within_budget(program_, options.batch_size, options.memory_budget),
                                         options),
            options)),
        result_writer_(program_, options.format, options.formula_escape),
        summary_totals_(report_.summary, report_.notes),
        schema_(policy.schema()) {}

  // With explanations, a batch also holds their text until it is written (a
  // few kilobytes a household: 2.6 on average for W1): fewer households a
  // batch, so that it stays within a quarter of the worker's memory budget at
  // up to kExplanationBytes each.
  static std::size_t explained_capacity(std::size_t capacity, const RunOptions& options) {
    if (!options.explanations) return capacity;
    constexpr std::size_t kExplanationBytes = std::size_t{16} << 10;
    return std::clamp<std::size_t>(options.memory_budget / 4 / kExplanationBytes, 1, capacity);
  }

  // With a report, a worker may hold a second machine (ReportCollector::make_machine):
  // fewer households a batch, so that both fit the worker's memory budget.
  static std::size_t reported_capacity(const Program& program, std::size_t capacity, const RunOptions& options) {
    if (!options.report) return capacity;
    return capacity_within_budget(2 * memory_needs(program).bytes_per_row, capacity, options.memory_budget);
  }

  // `input` is CSV as UTF-8, or null with `sheet` the register.
  RunReport run(std::FILE* input, XlsxRegister* sheet = nullptr) {
    sheet_ = sheet;
    if (std::string problem = memory_budget_problem(program_, options_.memory_budget); !problem.empty()) {
      report_.fatal_error = "the policy cannot run within the memory budget: " + problem;
      report_.out_of_memory = true;
      return std::move(report_);
    }
    // Taken before the header is read: where the input starts in the file.
    const std::optional<FileExtent> extent = regular_file_extent(input);
    if (options_.explanations) {
      try {
        explanation_key_ = key_field(program_, options_.explanation_key);
      } catch (const std::invalid_argument& bad_key) {
        report_.fatal_error = bad_key.what();
        return std::move(report_);
      }
    }
    if (input) reader_ = std::make_unique<CsvReader>(input);
    if (!map_header()) return std::move(report_);
    if (std::string problem = prepare_summary(program_, options_.group_by, report_.summary, layout_.group_fields);
        !problem.empty()) {
      report_.fatal_error = std::move(problem);
      return std::move(report_);
    }
    if (options_.report) report_collector_.emplace(program_, schema_, layout_.group_fields, *options_.report);
    if (extent) {
      file_.emplace();
      file_->fd = ::fileno(input);
      file_->origin = extent->origin;
      file_->size = extent->size;
      file_->cut = file_->next_record = extent->origin + reader_->bytes_read();
      file_->next_line = reader_->line();
    }
    write_headers();
    run_workers();
    if ((reader_ && reader_->io_error()) || input_failed_) report_.fatal_error = "reading the input failed part way";
    if (results_ && std::ferror(results_)) report_.fatal_error = "writing the results failed";
    if (rejects_ && std::ferror(rejects_)) report_.fatal_error = "writing the rejects failed";
    if (options_.explanations && std::ferror(options_.explanations))
      report_.fatal_error = "writing the explanations failed";
    // Why the run was stopped comes before what failed because of it.
    if (!stop_reason_.empty()) report_.fatal_error = stop_reason_;
    if (out_of_memory_) {
      report_.fatal_error = kOutOfMemoryError;
      report_.out_of_memory = true;
    }
    summary_totals_.finish();
    finish_reject_account();
    return std::move(report_);
  }

  // One more reject in the account (RunReport::reject_groups), in the order
  // the rows are written, so the first row of a group is the same on any
  // number of threads.
  void count_reject(std::uint64_t first_line, const Reject& reject) {
    auto [at, added] = reject_group_of_.try_emplace({reject.column, reject.kind}, report_.reject_groups.size());
    if (added) report_.reject_groups.push_back({reject.column, reject.kind, 0, first_line + reject.line,
                                                reject_reason(first_line, reject)});
    ++report_.reject_groups[at->second].count;
  }

  // Most frequent first (a stable sort keeps the group met first ahead of an
  // equal one); and the column that rejected (nearly) every row, if one did.
  void finish_reject_account() {
    std::stable_sort(report_.reject_groups.begin(), report_.reject_groups.end(),
                     [](const RejectGroup& a, const RejectGroup& b) { return a.count > b.count; });
    const std::uint64_t rows = report_.rows_read;
    if (rows == 0) return;
    std::map<std::string_view, std::uint64_t> by_column;
    for (const RejectGroup& group : report_.reject_groups)
      if (!group.column.empty()) by_column[group.column] += group.count;
    for (const auto& [column, count] : by_column)
      if (count == rows ||
          (rows >= kDominantRejectMinRows && count * 100 >= rows * kDominantRejectPercent)) {
        report_.dominant_reject_column = std::string(column);
        return;
      }
  }

 private:
  bool map_header() {
    RegisterColumns columns;
    std::vector<std::string> names;
    std::string problem =
        sheet_ ? sheet_->read_header(names) : read_register_header_names(*reader_, names, options_.language);
    HeaderRules rules;
    rules.language = options_.language;
    if (sheet_) rules.line = sheet_->header_row();
    if (problem.empty()) problem = map_register_header(program_, std::move(names), columns, rules);
    if (!problem.empty()) {
      report_.fatal_error = std::move(problem);
      return false;
    }
    if (std::string note = extra_columns_note(columns, options_.language); !note.empty())
      report_.notes.push_back(std::move(note));
    if (key_field_)
      for (const auto& [column, field] : columns.cells)
        if (field == *key_field_) key_column_ = column;
    layout_.header_size = columns.width();
    layout_.cells = std::move(columns.cells);
    layout_.absent = std::move(columns.absent);
    if (options_.explanations) explained_field_order_ = columns.field_order();
    return true;
  }

  void write_headers() {
    if (results_) write(results_, result_writer_.header());
    if (rejects_) write(rejects_, kRejectsHeader);
  }

  // --- the pipeline ------------------------------------------------------------
  // Each worker takes the next batch from the reader (one at a time, under a
  // lock), evaluates and formats it on its own, then hands it to the writer,
  // which writes batches strictly in input order. Whoever hands in the batch
  // the writer is waiting for does the writing, so no thread sits idle just to
  // write, and output is byte for byte the same for any number of threads.

  void run_workers() {
    std::size_t threads = std::max<std::size_t>(1, options_.threads);
    // A few batches in flight per thread keep every thread busy; more would
    // only hold memory. This bound is what keeps a run's memory flat.
    max_in_flight_ = 2 * threads + 2;
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < threads; ++t) {
      try {
        helpers.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        break;  // fewer threads than asked for: the run is the same, only slower
      } catch (const std::bad_alloc&) {
        break;  // likewise; the threads started must still be joined
      }
    }
    work();
    for (auto& h : helpers) h.join();
    if (failure_) std::rethrow_exception(failure_);
  }

  void work() {
    try {
      Worker worker(program_, capacity_);
      worker.cell_plan = plan_record_cells(program_, layout_.cells, worker.batch);
      if (options_.explanations) {
        worker.explainer = std::make_unique<TracedExplainer>(program_, explanation_key_, options_.language);
        // Cells are read in the register's column order, as here: a row with
        // two bad cells is rejected at the same one.
        worker.explainer->set_field_order(explained_field_order_);
        worker.explained_cells.resize(program_.fields.size());
      }
      if (report_collector_) worker.report_machine = report_collector_->make_machine(capacity_);
      RawBatch raw;
      while (read_batch(raw)) {
        DoneBatch done;
        if (!evaluate_chunk(worker, raw, done)) {
          stop_reading_failed();
          return;
        }
        hand_in(worker, raw.sequence, std::move(done));
      }
    } catch (const std::bad_alloc&) {
      // On a worker thread an escaping exception would end the process: the
      // run stops and reports it (RunReport::out_of_memory) instead.
      out_of_memory_ = true;
      stop_reading();
    } catch (...) {
      std::lock_guard lock(read_mutex_);
      if (!failure_) failure_ = std::current_exception();
      stopped_ = true;
      in_flight_changed_.notify_all();
    }
  }

  void stop_reading_failed() {
    input_failed_ = true;
    stop_reading();
  }

  void stop_reading() {
    std::lock_guard lock(read_mutex_);
    stopped_ = true;
    in_flight_changed_.notify_all();
  }

  // Fills `raw` with the next chunk of records; false at the end of input.
  // Only choosing where the chunk ends happens under the lock.
  bool read_batch(RawBatch& raw) {
    std::unique_lock lock(read_mutex_);
    in_flight_changed_.wait(lock, [&] { return stopped_ || next_sequence_ < written_ + max_in_flight_; });
    if (stopped_ || input_done_) return false;
    if (file_) {
      if (file_->cut == file_->size) {
        input_done_ = true;
        return false;
      }
      raw.start = file_->cut;
      if (!choose_chunk_end(raw.start, raw.end)) {
        input_failed_ = true;
        stopped_ = true;
        in_flight_changed_.notify_all();
        return false;
      }
      file_->cut = raw.end;
      raw.input_position = raw.end - file_->origin;
    } else {
      // A batch also ends at this many bytes, so that a register of huge cells
      // cannot make batches (and memory) grow without bound.
      constexpr std::size_t kMaxBatchBytes = std::size_t{16} << 20;
      if (!(sheet_ ? sheet_->next_chunk(raw.chunk, capacity_, kMaxBatchBytes)
                   : reader_->next_chunk(raw.chunk, capacity_, kMaxBatchBytes))) {
        input_done_ = true;
        return false;
      }
      raw.input_position = sheet_ ? sheet_->bytes_read() : reader_->bytes_read();
    }
    raw.sequence = next_sequence_++;
    return true;
  }

  // Where a file chunk starting at `start` ends: just past the first line end
  // at or after a target size, looked for by reading a little at a time from
  // there, or the end of the file. The guess is that this line end also ends a
  // record; it is wrong only if a quoted field holds it, and the writer checks
  // (see settle). A line with no end for kMaxRecordBytes is cut where the
  // search stopped, so that chunks stay bounded; that guess is then wrong too.
  // False if the file could not be read.
  bool choose_chunk_end(std::uint64_t start, std::uint64_t& end) const {
    // About one batch of records of typical register width; a chunk of more
    // records is evaluated a batch at a time.
    const std::uint64_t target = start + capacity_ * std::uint64_t{128};
    if (target >= file_->size) {
      end = file_->size;
      return true;
    }
    const std::uint64_t give_up = std::min(file_->size, target + kMaxRecordBytes);
    char probe[4096];
    for (std::uint64_t at = target; at < give_up;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof probe, give_up - at));
      if (!read_fully(file_->fd, probe, want, at)) return false;
      if (const void* line_end = std::memchr(probe, '\n', want)) {
        end = at + static_cast<std::uint64_t>(static_cast<const char*>(line_end) - probe) + 1;
        return true;
      }
      at += want;
    }
    end = give_up;
    return true;
  }

  // pread until `size` bytes are in: false on an error or if the file ended
  // first (it shrank while being read).
  static bool read_fully(int fd, char* out, std::size_t size, std::uint64_t offset) {
    while (size > 0) {
      const ssize_t got = ::pread(fd, out, size, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      out += got;
      size -= static_cast<std::size_t>(got);
      offset += static_cast<std::uint64_t>(got);
    }
    return true;
  }

  // Reads the chunk's records, evaluates and formats them; false if a file
  // chunk could not be read.
  bool evaluate_chunk(Worker& worker, const RawBatch& raw, DoneBatch& done) const {
    done.input_position = raw.input_position;
    if (file_) {
      const std::size_t size = static_cast<std::size_t>(raw.end - raw.start);
      if (worker.file_bytes_capacity < size) {
        worker.file_bytes = std::make_unique_for_overwrite<char[]>(size);
        worker.file_bytes_capacity = size;
      }
      if (!read_fully(file_->fd, worker.file_bytes.get(), size, raw.start)) return false;
      const std::string_view bytes(worker.file_bytes.get(), size);
      CsvReader reader(bytes, 0);
      process(worker, reader, kWholeInput, bytes, done);
      done.start = raw.start;
      done.end = raw.end;
      done.lines = reader.line();
      done.last_terminated = reader.last_record_terminated();
      return true;
    }
    const CsvChunk& chunk = raw.chunk;
    done.first_line = chunk.first_line;
    if (chunk.skipped) {
      done.records = 1;
      done.rejects.push_back({RejectKind::RecordMalformed, 0, "", chunk.problem});
      if (worker.explainer) done.explanation_slots.push_back({0, 0, 0, done.rejects.back(), {}});
      return true;
    }
    CsvReader reader(chunk.bytes, 0);
    process(worker, reader, kWholeInput, chunk.bytes, done);
    return true;
  }

  static constexpr std::uint64_t kWholeInput = UINT64_MAX;

  // Reads, evaluates and formats the records `reader` gives, a batch at a
  // time, up to the first one that starts at or past `stop_at` bytes. Text
  // cells stay views into `stable` where the record's fields lie there.
  void process(Worker& worker, CsvReader& reader, std::uint64_t stop_at, std::string_view stable,
               DoneBatch& done) const {
    worker.group_index.clear();
    // Sized from the last batch, so the text is laid down once, not regrown.
    done.results.reserve(worker.results_size_hint);
    if (worker.explainer) done.explanations.reserve(worker.explanations_size_hint);
    for (bool more = true; more;) {
      more = read_records(worker, reader, stop_at, stable, done);
      done.records += worker.records;
      evaluate_and_format(worker, done);
    }
    worker.results_size_hint = std::max(worker.results_size_hint, done.results.size() + done.results.size() / 8);
    worker.explanations_size_hint =
        std::max(worker.explanations_size_hint, done.explanations.size() + done.explanations.size() / 8);
  }

  // Splits records and reads their cells into the worker's batch, on the
  // worker's own thread, record by record: a record's bytes are still in the
  // nearest cache while its cells are read. A row with a bad cell is rejected
  // (its leftmost bad cell named) and its place reused. Stops when the batch
  // is full (true: there may be more) or the records are used up (false).
  bool read_records(Worker& worker, CsvReader& reader, std::uint64_t stop_at, std::string_view stable,
                    DoneBatch& done) const {
    Batch& batch = worker.batch;
    batch.rows = 0;
    worker.records = 0;
    worker.rejects.clear();
    worker.copied_text.clear();
    const auto base = reinterpret_cast<std::uintptr_t>(stable.data());
    CsvRecord& record = worker.record;
    std::string reason;
    bool more = true;
    while (batch.rows < capacity_) {
      if (reader.bytes_read() >= stop_at || !reader.next(record)) {
        more = false;
        break;
      }
      ++worker.records;
      if (record.malformed || record.fields.size() != layout_.header_size) {
        worker.rejects.push_back({record_shape_kind(record, layout_.header_size), record.line, "",
                                  record_shape_problem(record, layout_.header_size, options_.language),
                                  record.unclosed_quote_line, record.span});
        if (worker.explainer) note_unreadable_explanation(record, worker.rejects.back(), done);
        continue;
      }
      if (key_column_) note_key(record, done);
      if (worker.explainer) explain_record(worker, record, done);
      const std::string_view* fields = record.fields.data();
      // An unquoted record's fields are views into the chunk; a quoted one's
      // are in the reader's scratch, which the next record reuses.
      if (reinterpret_cast<std::uintptr_t>(fields[0].data()) - base > stable.size()) {
        worker.cells.clear();
        for (const std::string_view field : record.fields) {
          char* const at = worker.copied_text.allocate(field.size());
          std::memcpy(at, field.data(), field.size());
          worker.cells.emplace_back(at, field.size());
        }
        fields = worker.cells.data();
      }
      std::uint32_t bad_field = 0;
      if (!parse_record_cells(program_, worker.cell_plan, fields, batch, batch.rows, bad_field, reason,
                              options_.language)) {
        worker.rejects.push_back({bad_cell_kind(worker.cell_plan, fields, bad_field), record.line,
                                  program_.fields[bad_field].name, std::move(reason), std::nullopt, record.span});
        continue;
      }
      batch.lines[batch.rows++] = record.line;
    }
    for (const std::uint32_t f : layout_.absent)
      for (std::size_t row = 0; row < batch.rows; ++row) parse_field_value(program_, f, "", batch.columns[f], row, reason);
    return more;
  }

  // The record's key for the writer's check (reject_duplicate_keys): an int
  // key by its value, hashed here, on the worker's thread.
  void note_key(const CsvRecord& record, DoneBatch& done) const {
    std::string_view key = record.fields[*key_column_];
    std::string as_value;
    if (program_.fields[*key_field_].type.kind == Kind::Int) key = as_value = key_of_cell(program_, *key_field_, key);
    done.keys.push_back({record.line, KeyIndex::hash(key), static_cast<std::uint32_t>(done.key_text.size()),
                         static_cast<std::uint32_t>(key.size())});
    done.key_text.append(key);
  }

  // The explanation of a record of the header's width, by a traced run of the
  // program over it alone (its own reading of the cells, so a bad cell or a
  // failed rule rejects it with the words explain_csv() gives).
  void explain_record(Worker& worker, const CsvRecord& record, DoneBatch& done) const {
    for (const auto& [column, field] : layout_.cells) worker.explained_cells[field].assign(record.fields[column]);
    const Explanation explanation = worker.explainer->explain(worker.explained_cells, record.line);
    const std::size_t start = done.explanations.size();
    done.explanations += explanation.json();
    // The id is a JSON string, whose quotes are escaped: the first `,"line":` is the member's.
    constexpr std::string_view kLineMember = ",\"line\":";
    const std::size_t at = done.explanations.find(kLineMember, start) + kLineMember.size();
    done.explanations.erase(at, std::to_string(record.line).size());
    done.explanations.push_back('\n');
    done.explanation_slots.push_back({at, start, record.line, std::nullopt, {}});
  }

  // A record that cannot be read as a row (its shape): explained as rejected
  // when written (see ExplanationSlot), with the key's cell as its id.
  void note_unreadable_explanation(const CsvRecord& record, const Reject& reject, DoneBatch& done) const {
    std::string id;
    for (const auto& [column, field] : layout_.cells)
      if (field == explanation_key_ && column < record.fields.size()) id.assign(record.fields[column]);
    done.explanation_slots.push_back(
        {done.explanations.size(), done.explanations.size(), record.line, reject, std::move(id)});
  }

  // The kind of a record's bad cell, the one of field `field`: on the reject
  // path only, reading the cell again.
  RejectKind bad_cell_kind(const std::vector<CellPlan>& plan, const std::string_view* fields,
                           std::uint32_t field) const {
    for (const CellPlan& cell : plan)
      if (cell.field == field) return cell_reject_kind(program_, field, fields[cell.column]);
    return RejectKind::ValueUnreadable;
  }

  void evaluate_and_format(Worker& worker, DoneBatch& done) const {
    Batch& batch = worker.batch;
    if (batch.rows > 0) worker.machine.run(batch);
    // Rejects for shape or a bad cell, and from evaluation, merged by line.
    std::size_t next_reject = 0;
    auto emit_rejects_before = [&](std::uint64_t line) {
      for (; next_reject < worker.rejects.size() && worker.rejects[next_reject].line < line; ++next_reject)
        done.rejects.push_back(std::move(worker.rejects[next_reject]));
    };
    const Machine& machine = worker.machine;
    done.contributions.reserve(done.contributions.size() + batch.rows);
    for (std::size_t row = 0; row < batch.rows; ++row) {
      emit_rejects_before(batch.lines[row]);
      if (machine.error(row) != RowError::None) {
        Rejection rejection = machine_rejection(program_, machine, row, options_.language);
        done.rejects.push_back(
            {rejection.kind, batch.lines[row], std::move(rejection.column), std::move(rejection.message)});
        continue;
      }
      if (results_) result_writer_.append(done.results, machine, row);
      if (key_column_) done.result_ends.push_back(done.results.size());
      note_contribution(worker, row, done);
      ++done.result_count;
    }
    emit_rejects_before(UINT64_MAX);
    if (report_collector_) collect_for_report(worker, done);
  }

  // The batch's part of the printable report (RunOptions::report).
  void collect_for_report(Worker& worker, DoneBatch& done) const {
    const auto field_text = [&](std::uint32_t field, std::size_t row, std::string& out) {
      group_key_part(worker.batch, field, row, out);
    };
    report_collector_->collect(worker.batch, worker.machine, worker.report_machine.get(), field_text, done.report);
  }

  void note_contribution(Worker& worker, std::size_t row, DoneBatch& done) const {
    const SummarySpec& spec = program_.summary;
    const Machine& machine = worker.machine;
    SummaryContribution c;
    c.line = worker.batch.lines[row];
    if (spec.population_reg != SummarySpec::kNone) c.members = machine.scalar(spec.population_reg, row);
    if (spec.assistance_reg != SummarySpec::kNone) c.assistance = machine.scalar(spec.assistance_reg, row);
    c.poor = spec.poor_reg != SummarySpec::kNone && machine.scalar(spec.poor_reg, row) != 0;
    if (c.poor && spec.cause_reg != SummarySpec::kNone) c.cause = static_cast<std::int32_t>(machine.scalar(spec.cause_reg, row));
    if (!layout_.group_fields.empty()) {
      // Registers are usually sorted by place, so most rows repeat the last key.
      worker.key.resize(layout_.group_fields.size());
      for (std::size_t k = 0; k < layout_.group_fields.size(); ++k)
        group_key_part(worker.batch, layout_.group_fields[k], row, worker.key[k]);
      if (done.group_keys.empty() || done.group_keys[last_group(done)] != worker.key) {
        auto [it, inserted] = worker.group_index.try_emplace(worker.key, static_cast<std::uint32_t>(done.group_keys.size()));
        if (inserted) done.group_keys.push_back(worker.key);
        c.group = it->second;
      } else {
        c.group = last_group(done);
      }
    }
    done.contributions.push_back(c);
  }

  static std::uint32_t last_group(const DoneBatch& done) {
    return done.contributions.empty() ? 0 : done.contributions.back().group;
  }

  void group_key_part(const Batch& batch, std::uint32_t field, std::size_t row, std::string& out) const {
    const FieldColumn& column = batch.columns[field];
    const ValueType& type = program_.fields[field].type;
    out.clear();
    if (type.kind == Kind::Text) {
      out.assign(column.texts[row]);
      return;
    }
    if (!column.present[row] || type.kind == Kind::List) return;
    append_scalar_text(out, program_, type, column.scalars[row]);
  }

  // Called by every worker with its finished batch; writes every batch that is
  // now next in input order (with the worker's machine, if a file chunk has
  // to be read again).
  void hand_in(Worker& worker, std::uint64_t sequence, DoneBatch done) {
    std::unique_lock lock(write_mutex_);
    ready_.emplace(sequence, std::move(done));
    if (writing_) return;  // the thread already writing will get to it
    writing_ = true;
    for (auto it = ready_.find(next_to_write_); it != ready_.end(); it = ready_.find(next_to_write_)) {
      DoneBatch batch = std::move(it->second);
      ready_.erase(it);
      lock.unlock();
      if (file_ && !settle(worker, batch)) {
        stop_reading_failed();
        lock.lock();
        break;
      }
      if (key_column_) reject_duplicate_keys(batch);
      write_batch(batch);
      lock.lock();
      ++next_to_write_;
      {
        std::lock_guard read_lock(read_mutex_);
        written_ = next_to_write_;
      }
      in_flight_changed_.notify_all();
    }
    writing_ = false;
  }

  // A file's chunks were cut at line ends, guessing that each also ended a
  // record. The writer, which sees chunks in input order, checks each guess:
  // a chunk is right if it starts where the records before it really ended
  // and its last record ended with a line end of its own (or the file ended).
  // A wrong one, which only a line end inside a quoted field makes, is read
  // again here, from where the records before it ended, with a stream reader,
  // taking the records that start before the chunk's end. Line numbers are
  // settled here too, by counting. False if the file could not be read.
  bool settle(Worker& worker, DoneBatch& batch) {
    FileInput& file = *file_;
    const bool guessed_right =
        batch.start == file.next_record && (batch.last_terminated || batch.end == file.size);
    if (!guessed_right && !read_again(worker, batch)) return false;
    batch.first_line = file.next_line;
    file.next_line += batch.lines;
    file.next_record = batch.end;
    return true;
  }

  bool read_again(Worker& worker, DoneBatch& batch) {
    FileInput& file = *file_;
    const std::uint64_t chunk_end = batch.end;
    const std::uint64_t input_position = batch.input_position;
    batch = DoneBatch{};
    batch.input_position = input_position;
    batch.start = batch.end = file.next_record;
    // A record before ran past this chunk's end: all its records were read with it.
    if (file.next_record >= chunk_end) return true;
    if (!file.again || file.again_origin + file.again->bytes_read() != file.next_record) {
      file.again.reset();
      file.again_stream.reset();
      const int fd = ::dup(file.fd);
      if (fd < 0) return false;
      file.again_stream.reset(::fdopen(fd, "rb"));
      if (!file.again_stream) {
        ::close(fd);
        return false;
      }
      if (::fseeko(file.again_stream.get(), static_cast<off_t>(file.next_record), SEEK_SET) != 0) return false;
      file.again = std::make_unique<CsvReader>(file.again_stream.get(), 0);
      file.again_origin = file.next_record;
    }
    CsvReader& reader = *file.again;
    const std::uint64_t first_line = reader.line();
    process(worker, reader, chunk_end - file.again_origin, {}, batch);
    batch.lines = reader.line() - first_line;
    // The reader counts lines from where it was opened; a batch, from its first record.
    for (Reject& reject : batch.rejects) {
      reject.line -= first_line;
      if (reject.unclosed_quote_line) *reject.unclosed_quote_line -= first_line;
    }
    for (SummaryContribution& contribution : batch.contributions) contribution.line -= first_line;
    for (PostedHousehold& household : batch.report.households) household.line -= first_line;
    for (ReportBatch::MeasureItem& item : batch.report.measures) item.line -= first_line;
    for (KeyedRecord& keyed : batch.keys) keyed.line -= first_line;
    for (ExplanationSlot& slot : batch.explanation_slots) {
      slot.line -= first_line;
      if (slot.unreadable) {
        slot.unreadable->line -= first_line;
        if (slot.unreadable->unclosed_quote_line) *slot.unreadable->unclosed_quote_line -= first_line;
      }
    }
    batch.end = file.again_origin + reader.bytes_read();
    return !reader.io_error();
  }

  // Called by the writer, so batch by batch in input order: the first record
  // of a key wins on any number of threads, and memory holds keys only. A
  // record whose key an earlier one had is rejected (RejectKind::DuplicateKey,
  // naming the earlier line), whatever else it has wrong but its shape. An
  // empty key is no household's.
  void reject_duplicate_keys(DoneBatch& batch) {
    std::map<std::uint64_t, Duplicate> duplicates;  // by line in the batch
    for (const KeyedRecord& keyed : batch.keys) {
      const std::string_view key = std::string_view(batch.key_text).substr(keyed.offset, keyed.length);
      if (key.empty()) continue;
      const auto first = first_lines_.first_line_or_add(key, keyed.hash, batch.first_line + keyed.line);
      if (!first) continue;
      duplicates.emplace(keyed.line, Duplicate{Reject(RejectKind::DuplicateKey, keyed.line,
                                                      program_.fields[*key_field_].name,
                                                      duplicate_key_reason(program_, *key_field_, key, *first,
                                                                           options_.language)),
                                               std::string(key)});
    }
    if (!duplicates.empty()) drop_duplicate_results(batch, duplicates);
  }

  // Takes the results of `duplicates`' records out of `batch` (their text,
  // summary contributions and explanations) and puts their rejects in.
  struct Duplicate {
    Reject reject;
    std::string key;
  };
  static void drop_duplicate_results(DoneBatch& batch, std::map<std::uint64_t, Duplicate>& duplicates) {
    std::string results;
    std::vector<SummaryContribution> contributions;
    std::vector<Reject> added;
    std::size_t from = 0;
    for (std::size_t r = 0; r < batch.contributions.size(); ++r) {
      const SummaryContribution& c = batch.contributions[r];
      const std::size_t end = batch.result_ends[r];
      const auto duplicate = duplicates.find(c.line);
      if (duplicate == duplicates.end()) {
        results.append(batch.results, from, end - from);
        contributions.push_back(c);
      } else {
        added.push_back(duplicate->second.reject);
        --batch.result_count;
        drop_explanation(batch, duplicate->second);
      }
      from = end;
    }
    // A duplicate rejected for a cell or a rule is rejected as a duplicate, as
    // explain_csv() says: correcting the cell would not make it a household.
    for (Reject& reject : batch.rejects)
      if (const auto duplicate = duplicates.find(reject.line); duplicate != duplicates.end()) {
        reject = duplicate->second.reject;
        drop_explanation(batch, duplicate->second);
      }
    std::vector<Reject> rejects;
    rejects.reserve(batch.rejects.size() + added.size());
    std::merge(std::make_move_iterator(batch.rejects.begin()), std::make_move_iterator(batch.rejects.end()),
               std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()), std::back_inserter(rejects),
               [](const Reject& a, const Reject& b) { return a.line < b.line; });
    batch.results = std::move(results);
    batch.rejects = std::move(rejects);
    batch.contributions = std::move(contributions);
    // The printable report's part of the batch, too (RunOptions::report).
    std::vector<std::uint64_t> lines;
    for (const auto& [line, duplicate] : duplicates) lines.push_back(line);
    batch.report.drop_lines(lines);
    renumber_groups(batch);
  }

  // A duplicate's explanation becomes a rejected one, as for a record that
  // cannot be read: its text goes, its slot says why.
  static void drop_explanation(DoneBatch& batch, Duplicate& duplicate) {
    auto& slots = batch.explanation_slots;
    const auto slot = std::find_if(slots.begin(), slots.end(), [&](const ExplanationSlot& s) {
      return s.line == duplicate.reject.line && !s.unreadable;
    });
    if (slot == slots.end()) return;
    const std::size_t end = batch.explanations.find('\n', slot->start) + 1;
    const std::size_t removed = end - slot->start;
    batch.explanations.erase(slot->start, removed);
    slot->at = slot->start;
    slot->unreadable = std::move(duplicate.reject);
    slot->id = std::move(duplicate.key);
    for (auto later = slot + 1; later != slots.end(); ++later) {
      later->at -= removed;
      later->start -= removed;
    }
  }

  // Groups only a dropped result was in are no group: the summary would list
  // them with no household. The rest keep their order of first appearance.
  static void renumber_groups(DoneBatch& batch) {
    if (batch.group_keys.empty()) return;
    std::vector<std::uint32_t> renumbered(batch.group_keys.size(), UINT32_MAX);
    std::vector<std::vector<std::string>> keys;
    for (SummaryContribution& c : batch.contributions) {
      if (renumbered[c.group] == UINT32_MAX) {
        renumbered[c.group] = static_cast<std::uint32_t>(keys.size());
        keys.push_back(std::move(batch.group_keys[c.group]));
      }
      c.group = renumbered[c.group];
    }
    batch.group_keys = std::move(keys);
  }

  void write_batch(const DoneBatch& batch) {
    if (!stop_reason_.empty()) return;  // the run was stopped; what follows is not written
    report_.rows_read += batch.records;
    report_.results += batch.result_count;
    report_.rejected += batch.rejects.size();
    for (const Reject& reject : batch.rejects) {
      ++report_.rejected_by_kind[reject.kind];
      count_reject(batch.first_line, reject);
    }
    // Straight to the stream: a batch's text is large enough that stdio
    // passes it to the system without copying it into its own buffer.
    if (results_) write(results_, batch.results);
    if (rejects_ && !batch.rejects.empty()) {
      std::string text;
      for (const Reject& reject : batch.rejects) append_reject(text, batch.first_line, reject, options_.formula_escape);
      write(rejects_, text);
    }
    if (options_.explanations) write_explanations(batch);
    if (report_collector_) report_collector_->add(batch.report, batch.first_line);
    if (!summary_totals_.add_batch(batch.group_keys, batch.contributions, batch.first_line, stop_reason_)) {
      stop_reading();
      return;
    }
    if (options_.progress) options_.progress(report_.rows_read, batch.input_position);
  }

  // The batch's explanation lines with their line numbers put in, piece by
  // piece: through stdio's buffer, not a copy of the batch's text (megabytes).
  void write_explanations(const DoneBatch& batch) const {
    const std::string_view text = batch.explanations;
    std::size_t from = 0;
    for (const ExplanationSlot& slot : batch.explanation_slots) {
      write(options_.explanations, text.substr(from, slot.at - from));
      from = slot.at;
      if (!slot.unreadable) {
        write(options_.explanations, std::to_string(batch.first_line + slot.line));
        continue;
      }
      Explanation rejected;
      rejected.id = slot.id;
      rejected.line = batch.first_line + slot.line;
      rejected.rejected = true;
      rejected.reason = reject_reason(batch.first_line, *slot.unreadable);
      write(options_.explanations, rejected.json() + '\n');
    }
    write(options_.explanations, text.substr(from));
  }

  static void write(std::FILE* stream, std::string_view text) {
    if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stream);
  }

  const Program& program_;
  // The `key` field and its column; the first line of each key met (the writer's).
  std::optional<std::uint32_t> key_field_;
  std::optional<std::size_t> key_column_;
  KeyIndex first_lines_;
  std::FILE* results_;
  std::FILE* rejects_;
  RunOptions options_;
  std::size_t capacity_;
  ResultWriter result_writer_;
  Layout layout_;
  // With RunOptions::explanations: the key field, and the order cells are read in.
  std::uint32_t explanation_key_ = 0;
  std::vector<std::uint32_t> explained_field_order_;
  RunReport report_;
  // (column, kind) -> its group in report_.reject_groups
  std::map<std::pair<std::string, RejectKind>, std::size_t> reject_group_of_;
  SummaryTotals summary_totals_;
  const Schema& schema_;
  std::optional<ReportCollector> report_collector_;  // with RunOptions::report

  // The reader's side, under read_mutex_.
  std::mutex read_mutex_;
  std::condition_variable in_flight_changed_;
  std::unique_ptr<CsvReader> reader_;
  XlsxRegister* sheet_ = nullptr;  // an .xlsx register, read instead of reader_
  std::uint64_t next_sequence_ = 0;
  std::uint64_t written_ = 0;  // a copy of next_to_write_, for the back-pressure wait
  std::size_t max_in_flight_ = 1;
  bool input_done_ = false;
  bool stopped_ = false;
  std::exception_ptr failure_;
  std::atomic<bool> input_failed_ = false;
  std::atomic<bool> out_of_memory_ = false;
  std::string stop_reason_;  // the writer's, when it stopped the run

  // A regular file is read by the workers themselves (see choose_chunk_end
  // and settle); absent for any other input.
  std::optional<FileInput> file_;

  // The writer's side, under write_mutex_.
  std::mutex write_mutex_;
  std::map<std::uint64_t, DoneBatch> ready_;
  std::uint64_t next_to_write_ = 0;
  bool writing_ = false;
};

}  // namespace

RunReport run_csv(const Policy& policy, std::FILE* input, std::FILE* results, std::FILE* rejects,
                  const RunOptions& options) {
  try {
    Runner runner(policy, results, rejects, options);
    const auto refused = [](std::string problem) {
      RunReport report;
      report.fatal_error = std::move(problem);
      return report;
    };
    OpenedRegister source;
    if (std::string problem = source.open(input, program_of(policy), options.encoding, options.sheet); !problem.empty())
      return refused(problem);
    RunReport report = source.sheet() ? runner.run(nullptr, source.sheet()) : runner.run(source.csv());
    // Reading stopped at a byte not of the encoding, or a damaged sheet: that is the news.
    if (std::string failure = source.failure(); !failure.empty()) report.fatal_error = std::move(failure);
    if (std::string note = source.note(options.language); !note.empty())
      report.notes.insert(report.notes.begin(), std::move(note));
    if (!options.sheet.empty() && !source.sheet())
      report.notes.insert(report.notes.begin(), say<MessageId::register_not_workbook>(options.language, options.sheet).text);
    return report;
  } catch (const std::bad_alloc&) {
    // Outside the workers: setting up, or adding up the summary.
    RunReport report;
    report.out_of_memory = true;
    report.fatal_error = kOutOfMemoryError;
    return report;
  }
}

}  // namespace precept
