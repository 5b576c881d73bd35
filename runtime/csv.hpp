// Streaming RFC 4180 reader and writer.
//
// Why our own: the reader must report the physical line each record starts on
// (W1's contract), keep memory flat on registers of tens of millions of rows, and
// never throw on damaged input: a damaged record is still a record, flagged, so
// that the caller can reject it with its line and lose nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// A record that runs over several physical lines because a quoted field holds
// line ends, which is how a stray quote swallows the lines after it. Lines are
// counted from the record's first line (0), so that they stay right where
// line numbers are a batch's own (run.cpp adds where the record starts).
struct CsvSpan {
  std::uint64_t last_line = 0;     // the record's last line; 0: it is one line
  // The first quoted field that holds a line end: its number (1-based; 0 when
  // there is none), the line its quote opens on and the line it closes on.
  std::uint32_t quote_field = 0;
  std::uint64_t quote_opened = 0;
  std::uint64_t quote_closed = 0;
  bool quote_unclosed = false;     // it never closes: the record runs to the end of input
  bool operator==(const CsvSpan&) const = default;
};

struct CsvRecord {
  // Physical line (1-based) on which the record starts; the header is line 1.
  std::uint64_t line = 0;
  // Unquoted field values. Views stay valid until the next call to next().
  std::vector<std::string_view> fields;
  // Set when quoting was malformed (text after a closing quote, or a quote left
  // open at end of input); `problem` then says what, in plain words.
  bool malformed = false;
  std::string problem;
  // When the problem is a quote never closed: the line it opened on, which the
  // problem names (see unclosed_quote_problem).
  std::optional<std::uint64_t> unclosed_quote_line;
  CsvSpan span;
};

// `problem` (why the record starting on `line` cannot be used), saying which
// lines the record took up when a quoted field ran over line ends, and where
// the quote that did it is, e.g. "lines 5-16: expected 8 fields as in the
// header, found 3. The quote opening field 2 on line 5 closes only on line 16,
// so lines 5-16 were read as one record; if that quote is a stray, remove it or
// double it (\"\")". A record on one line gets `problem` as it is.
std::string csv_record_problem(std::uint64_t line, const CsvSpan& span, std::string_view problem);

// The words of the problem of a quote, opened on `line`, that is never closed.
std::string unclosed_quote_problem(std::uint64_t line);

// The longest record a stream may hold. A longer one is skipped, without keeping
// it, up to its end, and returned as a malformed record: memory stays bounded
// whatever the input.
inline constexpr std::size_t kMaxRecordBytes = std::size_t{64} << 20;
// The most fields a record may have; the rest of a wider record is scanned but
// not kept, and the record is returned as malformed.
inline constexpr std::size_t kMaxRecordFields = std::size_t{1} << 16;

// A run of whole records, verbatim, as the reader found them: what a worker
// thread splits into fields itself (with a CsvReader over `bytes`), so that the
// one thread reading the input only finds where records end.
struct CsvChunk {
  std::string bytes;
  std::uint64_t first_line = 0;  // physical line the first record starts on
  std::uint64_t records = 0;     // records in `bytes` (or 1 when `skipped`)
  // Set when the next record was longer than kMaxRecordBytes: it was skipped,
  // as next() skips it, and `bytes` is empty; `problem` says so.
  bool skipped = false;
  std::string problem;
};

class CsvReader {
 public:
  // Reads from an open stdio stream (not owned) in large blocks.
  explicit CsvReader(std::FILE* stream);
  // Reads from an in-memory buffer (not copied; must outlive the reader).
  explicit CsvReader(std::string_view buffer);
  // Reads whole records cut out of a larger input (not copied; must outlive
  // the reader), exactly as a stream reader over that input would read them
  // from the same place: numbered from `first_line`, without looking for a
  // byte-order mark (only the start of the whole input may carry one), and
  // skipping a record longer than kMaxRecordBytes.
  CsvReader(std::string_view records, std::uint64_t first_line);
  // The same over a chunk (see next_chunk), numbered from its first line.
  explicit CsvReader(const CsvChunk& chunk);
  // Reads on from a stream positioned at the start of a record that is not the
  // start of the input: no byte-order mark, lines numbered from `first_line`.
  CsvReader(std::FILE* stream, std::uint64_t first_line);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Fills `record` with the next record; false at end of input. A UTF-8 BOM at the
  // very start is skipped. LF and CRLF both end a record. A blank line is a record
  // with one empty field. The final line needs no line end; a line end at the very
  // end of input does not make an extra empty record.
  bool next(CsvRecord& record);
  // Copies the next whole records into `chunk`, at most `max_records` of them
  // and stopping once `max_bytes` are reached (a record is never cut); false at
  // end of input. A CsvReader over the chunk then gives exactly the records,
  // lines and problems that next() would have given: where a record ends is
  // worked out by the same quoting rules, without splitting its fields.
  bool next_chunk(CsvChunk& chunk, std::size_t max_records, std::size_t max_bytes);
  // True if reading the stream failed (an I/O error, not bad content).
  bool io_error() const;
  // Bytes consumed so far: where the next record starts.
  std::uint64_t bytes_read() const;
  // The physical line the next record starts on.
  std::uint64_t line() const;
  // False when the last record returned ran to the end of the input without a
  // line end of its own: it had none, or a quote was still open. For records
  // cut out just after a line end, that means the cut was inside a quoted
  // field, not between records.
  bool last_record_terminated() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends `field` to `out`, quoted per RFC 4180 when it contains a comma, a quote,
// CR or LF (quotes doubled), as it is otherwise.
void append_csv_field(std::string& out, std::string_view field);
// The same written at `out`, which has room for csv_field_bound(field) bytes;
// returns the end.
char* write_csv_field(char* out, std::string_view field);
inline std::size_t csv_field_bound(std::string_view field) { return 2 * field.size() + 2; }

}  // namespace precept
