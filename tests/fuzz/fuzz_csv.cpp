// Fuzz target (3): CSV bytes -> CsvReader, from memory, from a stdio stream and
// in chunks (which must all agree record for record, the lines a record spans
// included), and run_csv of the W1 policy over the
// same bytes with two batch sizes (64 and 3) and from a file (batch size 1: chunks of
// about 128 bytes, read by the workers, cut at guessed record ends), which must all
// agree byte for byte. Every row read must end up in the results or the rejects.
#include "fuzz_common.hpp"

#include "csv.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace {

const precept::Policy& w1() {
  static const precept::Policy policy = precept_fuzz::compile_seed_policy("policies/xijiang_2015.pol");
  return policy;
}

struct Captured {
  precept::RunReport report;
  std::string results, rejects;
};

Captured run_over(std::FILE* in, std::size_t batch_size, std::size_t threads) {
  char* results_buf = nullptr;
  char* rejects_buf = nullptr;
  std::size_t results_len = 0, rejects_len = 0;
  std::FILE* results = open_memstream(&results_buf, &results_len);
  std::FILE* rejects = open_memstream(&rejects_buf, &rejects_len);
  precept::RunOptions options;
  options.batch_size = batch_size;
  options.threads = threads;
  Captured out;
  out.report = precept::run_csv(w1(), in, results, rejects, options);
  std::fclose(results);
  std::fclose(rejects);
  out.results.assign(results_buf, results_len);
  out.rejects.assign(rejects_buf, rejects_len);
  std::free(results_buf);
  std::free(rejects_buf);
  return out;
}

// From memory: read as a stream.
std::optional<Captured> run(std::string_view bytes, std::size_t batch_size) {
  std::string copy(bytes);  // fmemopen wants a mutable buffer
  std::FILE* in = fmemopen(copy.empty() ? nullptr : copy.data(), copy.size(), "r");
  if (in == nullptr) return std::nullopt;
  Captured out = run_over(in, batch_size, 1);
  std::fclose(in);
  return out;
}

// From a file (in memory, but a regular file to run_csv), with two threads.
std::optional<Captured> run_from_file(std::string_view bytes, std::size_t batch_size) {
  const int fd = memfd_create("fuzz-csv", MFD_CLOEXEC);
  if (fd < 0) return std::nullopt;
  if (write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) || lseek(fd, 0, SEEK_SET) != 0) {
    close(fd);
    return std::nullopt;
  }
  std::FILE* in = fdopen(fd, "r");
  if (in == nullptr) {
    close(fd);
    return std::nullopt;
  }
  Captured out = run_over(in, batch_size, 2);
  std::fclose(in);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)w1();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // The reader, from memory and from a stream: the same records.
  std::string copy(bytes);
  std::FILE* stream = size == 0 ? nullptr : fmemopen(copy.data(), copy.size(), "r");
  precept::CsvReader from_memory(bytes);
  std::optional<precept::CsvReader> from_stream;
  if (stream != nullptr) from_stream.emplace(stream);
  precept::CsvRecord a, b;
  std::uint64_t last_line = 0, records = 0;
  while (from_memory.next(a)) {
    ++records;
    if (a.line <= last_line) precept_fuzz::fail("CsvReader: record lines do not increase");
    if (a.fields.empty()) precept_fuzz::fail("CsvReader: a record with no fields");
    if (a.malformed == a.problem.empty()) precept_fuzz::fail("CsvReader: malformed without a problem");
    last_line = a.line;
    if (from_stream) {
      if (!from_stream->next(b)) precept_fuzz::fail("CsvReader: stream ended before memory");
      if (a.line != b.line || a.fields != b.fields || a.malformed != b.malformed || a.problem != b.problem ||
          a.span != b.span)
        precept_fuzz::fail("CsvReader: stream and memory disagree");
    }
  }
  if (from_stream && from_stream->next(b)) precept_fuzz::fail("CsvReader: memory ended before stream");

  // In chunks, as `precept run` reads (one thread finds where records end, the
  // workers split them): the same records again.
  {
    precept::CsvReader whole(bytes);
    precept::CsvReader source(bytes);
    precept::CsvChunk chunk;
    const std::size_t max_records = 1 + size % 5;
    while (source.next_chunk(chunk, max_records, 1 + size % 97)) {
      precept::CsvReader part(chunk);
      std::uint64_t in_chunk = 0;
      while (part.next(b)) {
        ++in_chunk;
        if (!whole.next(a)) precept_fuzz::fail("CsvReader: chunks hold more records than the input");
        if (a.line != b.line || a.fields != b.fields || a.malformed != b.malformed || a.problem != b.problem ||
            a.span != b.span)
          precept_fuzz::fail("CsvReader: chunked and record-by-record reading disagree");
      }
      if (in_chunk != chunk.records || in_chunk > max_records) precept_fuzz::fail("CsvReader: chunk miscounted");
    }
    if (whole.next(a)) precept_fuzz::fail("CsvReader: chunks hold fewer records than the input");
  }
  if (from_memory.bytes_read() > size) precept_fuzz::fail("CsvReader: read past the end");
  from_stream.reset();
  if (stream != nullptr) std::fclose(stream);

  // run_csv of W1: every row accounted for, and the batch size changes nothing.
  if (size == 0) return 0;
  const std::optional<Captured> big = run(bytes, 64);
  const std::optional<Captured> small = run(bytes, 3);
  if (!big || !small) return 0;
  if (const std::optional<Captured> from_file = run_from_file(bytes, 1)) {
    if (from_file->report.ok() != big->report.ok() || from_file->report.rows_read != big->report.rows_read ||
        from_file->report.results != big->report.results || from_file->report.rejected != big->report.rejected ||
        from_file->results != big->results || from_file->rejects != big->rejects)
      precept_fuzz::fail("run_csv: a file and a stream disagree");
  }
  for (const Captured* c : {&*big, &*small}) {
    if (c->report.ok() && c->report.rows_read != c->report.results + c->report.rejected)
      precept_fuzz::fail("run_csv: rows_read != results + rejected");
    if (c->report.ok() && records > 0 && c->report.rows_read != records - 1)
      precept_fuzz::fail("run_csv: rows_read != records after the header");
  }
  if (big->report.ok() != small->report.ok() || big->report.rows_read != small->report.rows_read ||
      big->report.results != small->report.results || big->report.rejected != small->report.rejected ||
      big->results != small->results || big->rejects != small->rejects)
    precept_fuzz::fail("run_csv: batch size 64 and 3 disagree");
  if (big->report.ok()) {
    if (precept::format_summary_table(big->report.summary) != precept::format_summary_table(small->report.summary))
      precept_fuzz::fail("run_csv: summaries differ between batch sizes");
  }
  return 0;
}
