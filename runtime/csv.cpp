#include "csv.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace precept {

namespace {

// Large enough that fread's per-call cost vanishes, small enough to stay in L2/L3.
constexpr std::size_t kBlockSize = std::size_t{1} << 20;
constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr std::size_t kBomSize = 3;

const char* find_char(const char* begin, const char* end, char c) {
  return static_cast<const char*>(std::memchr(begin, c, static_cast<std::size_t>(end - begin)));
}

}  // namespace

// The window [begin, end) of `data` holds input not yet returned. A record is
// always parsed from its first byte: when it runs past the window before the
// input is exhausted, the parse is abandoned, the window refilled (moving the
// partial record to the front, or growing when it fills the whole buffer) and
// the record parsed again. That keeps the parsers free of suspend/resume state,
// costs one re-scan per block boundary, and lets fields point straight into
// the window.
struct CsvReader::Impl {
  enum class Parse { Done, NeedMore };
  // What ended a run of unquoted text.
  enum class Stop { Comma, LineEnd, WindowEnd };

  std::FILE* stream = nullptr;  // null when reading from memory
  std::unique_ptr<char[]> storage;
  std::size_t capacity = 0;
  const char* data = nullptr;
  std::size_t begin = 0;
  std::size_t end = 0;
  bool eof = false;
  bool failed = false;
  bool started = false;
  std::uint64_t line = 1;      // physical line the next record starts on
  std::uint64_t consumed = 0;  // bytes up to the end of the last record returned
  // Records cut from a larger input (see the string_view + first line
  // constructor): a record longer than kMaxRecordBytes is skipped, as a stream
  // reader skips it, so that a cut-out piece reads exactly as the stream would.
  bool cut_out = false;
  // Whether the last record returned ended with a line end, rather than running
  // to the end of the input (with no line end, or inside an unclosed quote).
  bool last_terminated = true;

  // Per-record results of a parse, committed only once the record is complete.
  std::size_t record_size = 0;
  std::uint64_t record_newlines = 0;
  bool record_terminated = false;

  // Quoted records are unescaped into `scratch`; field spans are kept as
  // offsets because scratch may reallocate while the record grows.
  std::string scratch;
  std::vector<std::pair<std::size_t, std::size_t>> spans;

  void refill() {
    if (begin > 0) {
      std::memmove(storage.get(), storage.get() + begin, end - begin);
      end -= begin;
      begin = 0;
    } else if (end == capacity) {
      // One record fills the whole buffer: only then does memory grow.
      const std::size_t grown = capacity * 2;
      std::unique_ptr<char[]> bigger(new char[grown]);
      std::memcpy(bigger.get(), storage.get(), end);
      storage = std::move(bigger);
      capacity = grown;
    }
    data = storage.get();
    const std::size_t wanted = capacity - end;
    const std::size_t got = std::fread(storage.get() + end, 1, wanted, stream);
    end += got;
    // fread only comes back short at end of file or on an error.
    if (got < wanted) {
      eof = true;
      failed = std::ferror(stream) != 0;
    }
  }

  void start() {
    started = true;
    if (stream != nullptr) {
      while (end - begin < kBomSize && !eof) refill();
    }
    if (end - begin >= kBomSize && std::memcmp(data + begin, kBom, kBomSize) == 0) {
      begin += kBomSize;
      consumed += kBomSize;
    }
  }

  bool next(CsvRecord& record) {
    if (!started) start();
    for (;;) {
      if (begin == end) {
        if (eof) return false;
        refill();
        continue;
      }
      record.line = line;
      record.fields.clear();
      record.malformed = false;
      record.problem.clear();
      record.unclosed_quote_line.reset();
      record.span = {};
      const Parse parsed = cut_out ? parse_as_stream_would(record) : parse(record);
      if (parsed == Parse::Done) {
        begin += record_size;
        consumed += record_size;
        line += record_newlines;
        last_terminated = record_terminated;
        return true;
      }
      if (cut_out || (stream != nullptr && begin == 0 && end == capacity && capacity >= kMaxRecordBytes)) {
        skip_oversized_record(record);
        return true;
      }
      refill();
    }
  }

  // A stream reader sees at most kMaxRecordBytes from a record's start before
  // it gives up on the record (NeedMore then means: skip it); a reader over
  // memory sees everything. Parsing through a window of that size makes the
  // two agree.
  Parse parse_as_stream_would(CsvRecord& record) {
    if (end - begin < kMaxRecordBytes) return parse(record);
    const std::size_t whole_end = end;
    end = begin + kMaxRecordBytes;
    eof = false;
    const Parse parsed = parse(record);
    end = whole_end;
    eof = true;
    return parsed;
  }

  static void flag_too_wide(CsvRecord& record) {
    flag(record, "the record has more than " + std::to_string(kMaxRecordFields) + " fields");
  }

  // Reads past a record too long to hold, chunk by chunk, tracking only whether
  // it is inside quotes (each `"` toggles, which doubled quotes keep right), up
  // to the line end that closes it.
  void skip_oversized_record(CsvRecord& record) {
    record.malformed = true;
    const std::uint64_t first_line = line;
    // Says which lines went with it when a quote carried it over several:
    // the officer looks for one record, not for the line it starts on alone.
    const auto say_what_was_skipped = [&](std::uint64_t last_line) {
      record.problem = "the record is longer than " + std::to_string(kMaxRecordBytes >> 20) + " MiB";
      if (last_line > first_line)
        record.problem += " (lines " + std::to_string(first_line) + " to " + std::to_string(last_line) + ")";
      record.problem += "; it was skipped without being read";
    };
    bool quoted = false;
    for (;;) {
      for (std::size_t i = begin; i < end; ++i) {
        const char c = data[i];
        if (c == '"') quoted = !quoted;
        if (c != '\n') continue;
        ++line;
        if (quoted) continue;
        consumed += i + 1 - begin;
        begin = i + 1;
        last_terminated = true;
        say_what_was_skipped(line - 1);
        return;
      }
      consumed += end - begin;
      begin = end;
      if (eof) {
        last_terminated = false;
        say_what_was_skipped(end > 0 && data[end - 1] == '\n' ? line - 1 : line);
        return;
      }
      refill();
    }
  }

  bool next_chunk(CsvChunk& chunk, std::size_t max_records, std::size_t max_bytes) {
    if (!started) start();
    chunk.bytes.clear();
    chunk.records = 0;
    chunk.skipped = false;
    chunk.problem.clear();
    max_records = std::max<std::size_t>(1, max_records);
    // Scanned so far, from data + begin: kept as a size, because refilling
    // moves the window's bytes.
    std::size_t scanned = 0;
    std::uint64_t records = 0;
    std::uint64_t newlines = 0;
    for (;;) {
      if (begin == end) {
        if (eof) return false;
        refill();
        continue;
      }
      const char* const first = data + begin;
      const char* const last = data + end;
      const char* cut = first + scanned;
      bool window_ended = false;
      while (cut != last && records < max_records && static_cast<std::size_t>(cut - first) < max_bytes) {
        std::uint64_t its_newlines = 0;
        const char* record_end_at = record_end(cut, last, its_newlines);
        if (record_end_at == nullptr) {
          if (!eof) {
            window_ended = true;
            break;
          }
          // At the end of input whatever is left is one last record (no line
          // end, or a quote never closed), as next() reads it.
          record_end_at = last;
          its_newlines = static_cast<std::uint64_t>(std::count(cut, last, '\n'));
        }
        newlines += its_newlines;
        cut = record_end_at;
        ++records;
      }
      scanned = static_cast<std::size_t>(cut - first);
      // The window ended inside a record: read on, so that batches stay full,
      // unless the chunk already fills the window (then it goes as it is,
      // rather than the window growing for it).
      if (window_ended && (records == 0 || begin > 0)) {
        if (records == 0 && begin == 0 && end == capacity && capacity >= kMaxRecordBytes) {
          CsvRecord record;
          chunk.first_line = line;
          skip_oversized_record(record);
          chunk.records = 1;
          chunk.skipped = true;
          chunk.problem = std::move(record.problem);
          return true;
        }
        refill();
        continue;
      }
      chunk.bytes.assign(first, cut);
      chunk.first_line = line;
      chunk.records = records;
      begin += scanned;
      consumed += scanned;
      line += newlines;
      return true;
    }
  }

  // Where the record starting at `p` ends (just past its line end), or null
  // when it does not end before `last`; adds its line ends to `newlines`. The
  // quoting rules are parse_quoted's, without the copying: a quote opens a
  // quoted field only where a field starts, inside one `""` is a quote and a
  // line end is text, and any other quote is taken literally.
  static const char* record_end(const char* p, const char* last, std::uint64_t& newlines) {
    const char* const record_start = p;
    for (;;) {
      const char* const stop = find_quote_or_newline(p, last);
      if (stop == nullptr) return nullptr;
      if (*stop == '\n') {
        ++newlines;
        return stop + 1;
      }
      if (stop != record_start && stop[-1] != ',') {  // a literal quote
        p = stop + 1;
        continue;
      }
      const char* closing = stop + 1;
      for (;;) {
        closing = find_char(closing, last, '"');
        // At the window's edge a quote may be the first half of "": not known yet.
        if (closing == nullptr || closing + 1 == last) return nullptr;
        if (closing[1] != '"') break;
        closing += 2;
      }
      newlines += static_cast<std::uint64_t>(std::count(stop + 1, closing, '\n'));
      p = closing + 1;
    }
  }

  static const char* find_quote_or_newline(const char* p, const char* last) {
#if defined(__SSE2__)
    const __m128i quotes = _mm_set1_epi8('"');
    const __m128i newlines = _mm_set1_epi8('\n');
    for (; p + 16 <= last; p += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const unsigned bits = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(block, quotes), _mm_cmpeq_epi8(block, newlines))));
      if (bits) return p + __builtin_ctz(bits);
    }
#endif
    for (; p < last; ++p)
      if (*p == '"' || *p == '\n') return p;
    return nullptr;
  }

  // A line without any quote (by far the common case) splits on commas in one
  // pass, without copying; anything else takes the full parser. The pass looks
  // at 16 bytes at a time (SSE2, part of every x86-64), because registers are
  // mostly short cells, where a memchr call per cell costs more than the scan.
  Parse parse(CsvRecord& record) {
    const char* const first = data + begin;
    const char* const last = data + end;
    const char* field = first;
    bool dropped = false;
    const auto keep = [&](const char* from, const char* to) {
      if (record.fields.size() < kMaxRecordFields) record.fields.emplace_back(from, static_cast<std::size_t>(to - from));
      else dropped = true;
    };
    const char* p = first;
    const char* newline = nullptr;
#if defined(__SSE2__)
    const __m128i commas = _mm_set1_epi8(',');
    const __m128i quotes = _mm_set1_epi8('"');
    const __m128i newlines = _mm_set1_epi8('\n');
    for (; p + 16 <= last; p += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      unsigned comma_bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, commas)));
      const unsigned quote_bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, quotes)));
      const unsigned newline_bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, newlines)));
      // Bits up to (not including) the first newline of the block belong to this line.
      const unsigned in_line = newline_bits ? (newline_bits & (0u - newline_bits)) - 1 : 0xFFFFu;
      // Fields before a quote are split here; the full parser takes over at
      // the field that holds it.
      const unsigned before_quote = quote_bits & in_line ? (quote_bits & (0u - quote_bits)) - 1 : in_line;
      for (comma_bits &= before_quote; comma_bits; comma_bits &= comma_bits - 1) {
        const char* comma = p + __builtin_ctz(comma_bits);
        keep(field, comma);
        field = comma + 1;
      }
      if (quote_bits & in_line) return continue_quoted(first, last, field, record);
      if (newline_bits) {
        newline = p + __builtin_ctz(newline_bits);
        break;
      }
    }
#endif
    if (newline == nullptr) {
      for (; p < last; ++p) {
        const char c = *p;
        if (c == '\n') {
          newline = p;
          break;
        }
        if (c == '"') return continue_quoted(first, last, field, record);
        if (c == ',') {
          keep(field, p);
          field = p + 1;
        }
      }
    }
    if (newline == nullptr && !eof) return Parse::NeedMore;
    record_size = static_cast<std::size_t>((newline != nullptr ? newline + 1 : last) - first);
    record_newlines = newline != nullptr ? 1 : 0;
    record_terminated = newline != nullptr;
    const char* line_end = newline != nullptr ? newline : last;
    // The CR of a CRLF belongs to the line end, not to the last field.
    if (line_end > field && line_end[-1] == '\r') --line_end;
    keep(field, line_end);
    if (dropped) flag_too_wide(record);
    return Parse::Done;
  }

  // A quote turned up in the field starting at `from`, after the fields before
  // it were split: they are kept (with their commas, as one copy) and the full
  // parser goes on from that field.
  Parse continue_quoted(const char* first, const char* last, const char* from, CsvRecord& record) {
    if (record.fields.size() >= kMaxRecordFields) {  // too wide already: let the full parser count
      record.fields.clear();
      return parse_quoted(first, last, first, record);
    }
    return parse_quoted(first, last, from, record);
  }

  // Appends unquoted text from p up to a comma or line end (not included), and
  // leaves p on the terminator. A CR just before the line end belongs to the
  // line end; so does a lone CR at the very end of input (a cut-off CRLF).
  Stop scan_unquoted(const char*& p, const char* last) {
    const char* const text = p;
    while (p < last && *p != ',' && *p != '\n') ++p;
    const Stop stop = p == last ? Stop::WindowEnd : *p == ',' ? Stop::Comma : Stop::LineEnd;
    const char* text_end = p;
    if (stop != Stop::Comma && text_end > text && text_end[-1] == '\r') --text_end;
    scratch.append(text, text_end);
    return stop;
  }

  void append_counting_newlines(const char* from, const char* to) {
    scratch.append(from, to);
    record_newlines += static_cast<std::uint64_t>(std::count(from, to, '\n'));
  }

  static void flag(CsvRecord& record, std::string problem) {
    // The first problem is the one worth reporting; later ones usually follow from it.
    if (record.malformed) return;
    record.malformed = true;
    record.problem = std::move(problem);
  }

  // Parses the record starting at `first`, whose fields before `from` (all
  // without quotes or line ends) are already in record.fields.
  Parse parse_quoted(const char* const first, const char* const last, const char* const from, CsvRecord& record) {
    scratch.assign(first, from);
    spans.clear();
    for (const std::string_view f : record.fields)
      spans.emplace_back(static_cast<std::size_t>(f.data() - first), f.size());
    record.fields.clear();
    bool dropped = false;
    record_newlines = 0;
    const char* p = from;
    for (std::size_t field = spans.size() + 1;; ++field) {
      const std::size_t field_start = scratch.size();
      Stop stop;
      if (p < last && *p == '"') {
        const std::uint64_t opened_at = record_newlines;
        const std::uint64_t opened_on = record.line + opened_at;
        ++p;
        bool closed = false;
        while (!closed) {
          const char* quote = find_char(p, last, '"');
          if (quote == nullptr) {
            if (!eof) return Parse::NeedMore;
            append_counting_newlines(p, last);
            p = last;
            if (!record.malformed) record.unclosed_quote_line = opened_on;
            flag(record, unclosed_quote_problem(opened_on));
            break;
          }
          append_counting_newlines(p, quote);
          p = quote + 1;
          if (p < last && *p == '"') {
            scratch.push_back('"');
            ++p;
          } else {
            closed = true;
          }
        }
        if (record_newlines != opened_at && record.span.quote_field == 0)
          record.span = {0, static_cast<std::uint32_t>(field), opened_at, record_newlines, !closed};
        // Whatever follows the closing quote up to the field's end is kept (so
        // nothing is lost) but makes the record malformed.
        const std::size_t before = scratch.size();
        stop = scan_unquoted(p, last);
        if (scratch.size() != before) {
          flag(record, "text after a closing quote in field " + std::to_string(field));
        }
      } else {
        // A quote inside an unquoted field is taken literally.
        stop = scan_unquoted(p, last);
      }
      // Also catches a quote at the window's edge, which may be half of "".
      if (stop == Stop::WindowEnd && !eof) return Parse::NeedMore;
      if (spans.size() < kMaxRecordFields) {
        spans.emplace_back(field_start, scratch.size() - field_start);
      } else {
        scratch.resize(field_start);  // neither the span nor its text is kept
        dropped = true;
      }
      if (stop != Stop::Comma) break;
      ++p;
    }
    record_terminated = p < last;
    record.span.last_line = record_newlines;
    if (record_terminated) {  // on the '\n' that ends the record
      ++p;
      ++record_newlines;
    }
    record_size = static_cast<std::size_t>(p - first);
    for (const auto& [offset, size] : spans) {
      record.fields.emplace_back(scratch.data() + offset, size);
    }
    if (dropped) flag_too_wide(record);
    return Parse::Done;
  }
};

CsvReader::CsvReader(std::FILE* stream) : impl_(std::make_unique<Impl>()) {
  impl_->stream = stream;
  impl_->capacity = kBlockSize;
  impl_->storage.reset(new char[kBlockSize]);
  impl_->data = impl_->storage.get();
}

CsvReader::CsvReader(std::string_view buffer) : impl_(std::make_unique<Impl>()) {
  impl_->data = buffer.data();
  impl_->end = buffer.size();
  impl_->eof = true;
}

CsvReader::CsvReader(std::string_view records, std::uint64_t first_line) : impl_(std::make_unique<Impl>()) {
  impl_->data = records.data();
  impl_->end = records.size();
  impl_->eof = true;
  impl_->started = true;  // a byte-order mark can only start the whole input
  impl_->line = first_line;
  impl_->cut_out = true;
}

CsvReader::CsvReader(const CsvChunk& chunk) : CsvReader(chunk.bytes, chunk.first_line) {}

CsvReader::CsvReader(std::FILE* stream, std::uint64_t first_line) : CsvReader(stream) {
  impl_->started = true;
  impl_->line = first_line;
}

CsvReader::~CsvReader() = default;

bool CsvReader::next_chunk(CsvChunk& chunk, std::size_t max_records, std::size_t max_bytes) {
  return impl_->next_chunk(chunk, max_records, max_bytes);
}

bool CsvReader::next(CsvRecord& record) { return impl_->next(record); }

bool CsvReader::io_error() const { return impl_->failed; }

std::uint64_t CsvReader::bytes_read() const { return impl_->consumed; }

std::uint64_t CsvReader::line() const { return impl_->line; }

bool CsvReader::last_record_terminated() const { return impl_->last_terminated; }

std::string unclosed_quote_problem(std::uint64_t line) {
  return "a quoted field starting on line " + std::to_string(line) + " is never closed";
}

std::string csv_record_problem(std::uint64_t line, const CsvSpan& span, std::string_view problem) {
  if (span.last_line == 0 || span.quote_field == 0) return std::string(problem);
  const std::string lines = "lines " + std::to_string(line) + "-" + std::to_string(line + span.last_line);
  const std::string stray = "; if that quote is a stray, remove it or double it (\"\")";
  if (span.quote_unclosed)
    return lines + ": " + std::string(problem) + ", so everything after it was read as one record" + stray;
  return lines + ": " + std::string(problem) + ". The quote opening field " + std::to_string(span.quote_field) +
         " on line " + std::to_string(line + span.quote_opened) + " closes only on line " +
         std::to_string(line + span.quote_closed) + ", so " + lines + " were read as one record" + stray;
}

char* write_csv_field(char* out, std::string_view field) {
  // A plain loop: string_view::find_first_of calls memchr on the set once per
  // character, which made this the costliest step of writing results.
  const bool plain = std::none_of(field.begin(), field.end(),
                                  [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
  if (plain) {
    std::memcpy(out, field.data(), field.size());
    return out + field.size();
  }
  *out++ = '"';
  for (const char c : field) {
    *out++ = c;
    if (c == '"') *out++ = '"';  // doubling
  }
  *out++ = '"';
  return out;
}

void append_csv_field(std::string& out, std::string_view field) {
  const std::size_t size = out.size();
  out.resize(size + csv_field_bound(field));
  out.resize(static_cast<std::size_t>(write_csv_field(out.data() + size, field) - out.data()));
}

}  // namespace precept
