#include "csv.hpp"

#include <precept/precept.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace precept {
namespace {

// The reader's block size; boundary tests place tricky bytes around it. Should
// it change, those tests still pass but probe the boundary less sharply.
constexpr std::size_t kBlock = std::size_t{1} << 20;

// An owned copy of a record, since views die at the next next().
struct Rec {
  std::uint64_t line = 0;
  std::vector<std::string> fields;
  bool malformed = false;
  std::string problem;

  bool operator==(const Rec&) const = default;
};

// Some inputs here are megabytes long; a failure should still be readable.
std::string abbreviated(std::string_view text) {
  constexpr std::size_t kShown = 60;
  if (text.size() <= 2 * kShown) return testing::PrintToString(std::string(text));
  return testing::PrintToString(std::string(text.substr(0, kShown))) + "..." +
         testing::PrintToString(std::string(text.substr(text.size() - kShown))) + " (" +
         std::to_string(text.size()) + " bytes)";
}

void PrintTo(const Rec& r, std::ostream* os) {
  *os << "{line " << r.line << ", [";
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    *os << (i ? ", " : "") << abbreviated(r.fields[i]);
  }
  *os << "]";
  if (r.malformed) *os << ", malformed: " << r.problem;
  *os << "}";
}

Rec rec(std::uint64_t line, std::vector<std::string> fields) {
  return {line, std::move(fields), false, {}};
}

Rec bad(std::uint64_t line, std::vector<std::string> fields, std::string problem) {
  return {line, std::move(fields), true, std::move(problem)};
}

std::vector<Rec> drain(CsvReader& reader) {
  std::vector<Rec> out;
  CsvRecord r;
  while (reader.next(r)) {
    out.push_back({r.line, {r.fields.begin(), r.fields.end()}, r.malformed, r.problem});
  }
  return out;
}

std::vector<Rec> read_memory(std::string_view content) {
  CsvReader reader(content);
  auto records = drain(reader);
  EXPECT_FALSE(reader.io_error());
  EXPECT_EQ(reader.bytes_read(), content.size());
  return records;
}

// `read(reader)` over `content` through a temporary file, as `precept run` reads.
template <typename Read>
std::vector<Rec> through_file(std::string_view content, Read read) {
  std::FILE* f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  if (f == nullptr) return {};
  EXPECT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
  std::rewind(f);
  CsvReader reader(f);
  auto records = read(reader);
  EXPECT_FALSE(reader.io_error());
  EXPECT_EQ(reader.bytes_read(), content.size());
  std::fclose(f);
  return records;
}

std::vector<Rec> read_stream(std::string_view content) { return through_file(content, drain); }

// Reads in chunks, as `precept run` does (the reading thread finds where
// records end, each worker splits its chunk): must give the very same records.
std::vector<Rec> read_chunks(CsvReader& source, std::size_t max_records, std::size_t max_bytes) {
  std::vector<Rec> out;
  CsvChunk chunk;
  while (source.next_chunk(chunk, max_records, max_bytes)) {
    if (chunk.skipped) {
      out.push_back({chunk.first_line, {}, true, chunk.problem});
      continue;
    }
    CsvReader reader(chunk);
    std::vector<Rec> records = drain(reader);
    EXPECT_EQ(records.size(), chunk.records);
    EXPECT_LE(records.size(), std::max<std::size_t>(1, max_records));
    out.insert(out.end(), records.begin(), records.end());
  }
  return out;
}

std::vector<Rec> read_memory_chunks(std::string_view content, std::size_t max_records, std::size_t max_bytes) {
  CsvReader source(content);
  auto records = read_chunks(source, max_records, max_bytes);
  EXPECT_EQ(source.bytes_read(), content.size());
  return records;
}

std::vector<Rec> read_stream_chunks(std::string_view content, std::size_t max_records, std::size_t max_bytes) {
  return through_file(content, [&](CsvReader& source) { return read_chunks(source, max_records, max_bytes); });
}

// Every case is checked through both sources, read record by record and in
// chunks of several sizes: they must all agree exactly.
void expect_records(std::string_view content, const std::vector<Rec>& expected) {
  EXPECT_EQ(read_memory(content), expected) << "from memory: " << abbreviated(content);
  EXPECT_EQ(read_stream(content), expected) << "from a stream: " << abbreviated(content);
  for (const auto& [max_records, max_bytes] : {std::pair<std::size_t, std::size_t>{1, 1 << 20}, {3, 1 << 20},
                                               {1024, 7}, {1024, std::size_t{16} << 20}}) {
    EXPECT_EQ(read_memory_chunks(content, max_records, max_bytes), expected)
        << "in chunks of " << max_records << " records / " << max_bytes << " bytes from memory: "
        << abbreviated(content);
    EXPECT_EQ(read_stream_chunks(content, max_records, max_bytes), expected)
        << "in chunks of " << max_records << " records / " << max_bytes << " bytes from a stream: "
        << abbreviated(content);
  }
}

TEST(CsvReader, SimpleLfAndCrlf) {
  const std::vector<Rec> expected = {rec(1, {"a", "b", "c"}), rec(2, {"1", "2", "3"})};
  expect_records("a,b,c\n1,2,3\n", expected);
  expect_records("a,b,c\r\n1,2,3\r\n", expected);
  expect_records("a,b,c\r\n1,2,3\n", expected);
  expect_records("a,b,c\n1,2,3", expected);
  expect_records("a,b,c\r\n1,2,3", expected);
}

TEST(CsvReader, EmptyInputAndBlankLines) {
  expect_records("", {});
  expect_records("\n", {rec(1, {""})});
  expect_records("\r\n", {rec(1, {""})});
  expect_records("a\n\nb\n", {rec(1, {"a"}), rec(2, {""}), rec(3, {"b"})});
  expect_records("a\r\n\r\nb\r\n", {rec(1, {"a"}), rec(2, {""}), rec(3, {"b"})});
  expect_records("a\n\n", {rec(1, {"a"}), rec(2, {""})});
  expect_records("a\n\n\n", {rec(1, {"a"}), rec(2, {""}), rec(3, {""})});
  expect_records(",\na,\n,b\n", {rec(1, {"", ""}), rec(2, {"a", ""}), rec(3, {"", "b"})});
}

TEST(CsvReader, CarriageReturnOnlyBeforeLineEnd) {
  // A CR elsewhere is data; only the one of a CRLF (or cut off at the end) goes.
  expect_records("a\rb,c\r\n", {rec(1, {"a\rb", "c"})});
  expect_records("a\r,b\n", {rec(1, {"a\r", "b"})});
  expect_records("a,b\r", {rec(1, {"a", "b"})});
  expect_records("\"a\"\r", {rec(1, {"a"})});
}

TEST(CsvReader, QuotedFields) {
  expect_records("\"a,b\",\"say \"\"hi\"\"\",plain\n", {rec(1, {"a,b", "say \"hi\"", "plain"})});
  expect_records("\"\",\"\"\n\"\"\n", {rec(1, {"", ""}), rec(2, {""})});
  expect_records("a,\"b\"", {rec(1, {"a", "b"})});
  expect_records("\"\"\"\"\n", {rec(1, {"\""})});
  expect_records("\"a\",\"b\"\r\nc\r\n", {rec(1, {"a", "b"}), rec(2, {"c"})});
  // A quote that does not open a field is just a character.
  expect_records("ab\"c,d\nabc\"\n", {rec(1, {"ab\"c", "d"}), rec(2, {"abc\""})});
  expect_records(" \"a\",b\n", {rec(1, {" \"a\"", "b"})});
}

TEST(CsvReader, MultiLineFieldsKeepLineNumbers) {
  expect_records("h1,h2\n\"line1\nline2\",x\nnext,row\n",
                 {rec(1, {"h1", "h2"}), rec(2, {"line1\nline2", "x"}), rec(4, {"next", "row"})});
  // A CRLF inside quotes is data, kept as it is.
  expect_records("\"a\r\nb\",c\r\nd\r\n", {rec(1, {"a\r\nb", "c"}), rec(3, {"d"})});
  expect_records("\"1\n2\n3\",\"\n\"\n\nz\n",
                 {rec(1, {"1\n2\n3", "\n"}), rec(5, {""}), rec(6, {"z"})});
}

TEST(CsvReader, ByteOrderMark) {
  expect_records("\xEF\xBB\xBF" "a,b\n1,2\n", {rec(1, {"a", "b"}), rec(2, {"1", "2"})});
  expect_records("\xEF\xBB\xBF", {});
  expect_records("\xEF\xBB\xBF\"a\"\n", {rec(1, {"a"})});
  // Only at the very start: anywhere else the bytes are data.
  expect_records("a\n\xEF\xBB\xBF" "b\n", {rec(1, {"a"}), rec(2, {"\xEF\xBB\xBF" "b"})});
  expect_records("\xEF\xBB" "a\n", {rec(1, {"\xEF\xBB" "a"})});
}

TEST(CsvReader, TextAfterClosingQuote) {
  expect_records("a,\"b\"x,c\nnext,1\n",
                 {bad(1, {"a", "bx", "c"}, "text after a closing quote in field 2"),
                  rec(2, {"next", "1"})});
  expect_records("\"a\"b\r\nz\r\n",
                 {bad(1, {"ab"}, "text after a closing quote in field 1"), rec(2, {"z"})});
  // The stray quote after the damage must not swallow the following lines.
  expect_records("\"a\" \"b\nc\"\nz\n",
                 {bad(1, {"a \"b"}, "text after a closing quote in field 1"), rec(2, {"c\""}),
                  rec(3, {"z"})});
  // Only the first problem is reported; later fields still parse.
  expect_records("\"a\"x,\"b\"y,\"c,d\"\n",
                 {bad(1, {"ax", "by", "c,d"}, "text after a closing quote in field 1")});
}

TEST(CsvReader, QuoteNeverClosed) {
  expect_records("a,b\n\"never closed,x\ny\n",
                 {rec(1, {"a", "b"}),
                  bad(2, {"never closed,x\ny\n"},
                      "a quoted field starting on line 2 is never closed")});
  // The problem names the line the field opens on, not the record's.
  expect_records("\"ok\nstill\",\"open\nmore",
                 {bad(1, {"ok\nstill", "open\nmore"},
                      "a quoted field starting on line 2 is never closed")});
  expect_records("\"", {bad(1, {""}, "a quoted field starting on line 1 is never closed")});
}

// A stray quote swallows the lines up to the next quote. The record says
// which lines it took up and where the quote was, counted from its first line.
TEST(CsvReader, ARecordOverSeveralLinesSaysWhichAndWhy) {
  const auto span_of = [](std::string_view text, std::size_t index) {
    CsvReader reader(text);
    CsvRecord record;
    for (std::size_t i = 0; i <= index; ++i) EXPECT_TRUE(reader.next(record));
    return record.span;
  };
  const std::string stray = "id,name\n1,ok\n2,\"stray,\n3,x\n4,y\",extra\n5,z\n";
  EXPECT_EQ(span_of(stray, 1), CsvSpan{});
  EXPECT_EQ(span_of(stray, 2), (CsvSpan{2, 2, 0, 2, false}));
  EXPECT_EQ(span_of(stray, 3), CsvSpan{});
  // A legitimate line end inside quotes reads the same way; only a reject uses it.
  EXPECT_EQ(span_of("a\n\"x\ny\",b\n", 1), (CsvSpan{1, 1, 0, 1, false}));
  // The first quoted field with a line end is the one named.
  EXPECT_EQ(span_of("a,\"b\",\"c\nd\",\"e\nf\ng\"\n", 0), (CsvSpan{3, 3, 0, 1, false}));
  EXPECT_EQ(span_of("a\nb,\"open\nc\nd", 1), (CsvSpan{2, 2, 0, 2, true}));
  // Chunked reading, as `run` does, sees the same.
  CsvReader source(stray);
  CsvChunk chunk;
  ASSERT_TRUE(source.next_chunk(chunk, 2, 1000));
  ASSERT_TRUE(source.next_chunk(chunk, 1, 1000));
  CsvReader part(chunk);
  CsvRecord record;
  ASSERT_TRUE(part.next(record));
  EXPECT_EQ(record.span, (CsvSpan{2, 2, 0, 2, false}));

  EXPECT_EQ(csv_record_problem(7, CsvSpan{}, "expected 2 fields as in the header, found 3"),
            "expected 2 fields as in the header, found 3");
  EXPECT_EQ(csv_record_problem(3, CsvSpan{2, 2, 0, 2, false}, "expected 2 fields as in the header, found 3"),
            "lines 3-5: expected 2 fields as in the header, found 3. The quote opening field 2 on line 3 closes "
            "only on line 5, so lines 3-5 were read as one record; if that quote is a stray, remove it or double "
            "it (\"\")");
  EXPECT_EQ(csv_record_problem(2, CsvSpan{2, 2, 0, 2, true}, unclosed_quote_problem(2)),
            "lines 2-4: a quoted field starting on line 2 is never closed, so everything after it was read as one "
            "record; if that quote is a stray, remove it or double it (\"\")");
}

// What `run` writes to the rejects for such a record: the line it starts on
// (W1's contract) and, in the reason, the lines it swallowed.
TEST(CsvReader, RunSaysWhichLinesAStrayQuoteSwallowed) {
  const CompileResult compiled = compile(R"(policy "stray" year 2015
record r {
  id: int
  name: text
}
output id, name
)",
                                         "stray.pol");
  ASSERT_TRUE(compiled.ok()) << render(compiled.diagnostics);
  std::string input = "id,name\n1,ok\n2,\"stray,\n3,x\n4,y\",extra\n5,z\n6,\"x\"y\n";
  for (const std::size_t threads : {1, 2}) {
    SCOPED_TRACE(threads);
    std::FILE* in = ::fmemopen(input.data(), input.size(), "r");
    char* rejects_buf = nullptr;
    std::size_t rejects_len = 0;
    std::FILE* results = std::fopen("/dev/null", "w");
    std::FILE* rejects = ::open_memstream(&rejects_buf, &rejects_len);
    RunOptions options;
    options.threads = threads;
    options.batch_size = 1;
    const RunReport report = run_csv(*compiled.policy, in, results, rejects, options);
    std::fclose(in);
    std::fclose(results);
    std::fclose(rejects);
    const std::string written(rejects_buf, rejects_len);
    std::free(rejects_buf);
    EXPECT_EQ(report.rejected, 2u);
    EXPECT_NE(written.find("3,,\"lines 3-5: expected 2 fields as in the header, found 3. The quote opening field 2 on "
                           "line 3 closes only on line 5, so lines 3-5 were read as one record; if that quote is a "
                           "stray, remove it or double it (\"\"\"\")\"\n"),
              std::string::npos)
        << written;
    // A record on one line is worded as before.
    EXPECT_NE(written.find("7,,text after a closing quote in field 2\n"), std::string::npos) << written;
  }
}

TEST(CsvReader, RecordLargerThanBlock) {
  const std::string blob(3 * kBlock + 17, 'x');
  expect_records("id,blob\n1," + blob + "\n2,end\n",
                 {rec(1, {"id", "blob"}), rec(2, {"1", blob}), rec(3, {"2", "end"})});

  // The same size quoted, with doubled quotes and line breaks spread through it.
  std::string raw, value;
  for (std::size_t i = 0; value.size() < 3 * kBlock; ++i) {
    const char* piece = i % 3 == 0 ? "\"\"" : i % 3 == 1 ? "abc\n" : "de,f";
    raw += piece;
    value += i % 3 == 0 ? "\"" : piece;
  }
  const auto newlines = static_cast<std::uint64_t>(std::count(value.begin(), value.end(), '\n'));
  expect_records("h\n\"" + raw + "\",tail\r\nafter\n",
                 {rec(1, {"h"}), rec(2, {value, "tail"}), rec(3 + newlines, {"after"})});
}

// Places each tricky record so the first block ends at every offset within it:
// in the middle of "", between CR and LF, right after a closing quote...
TEST(CsvReader, TokensSplitAcrossBlockBoundary) {
  struct Tricky {
    std::string text;
    Rec expected;  // line relative to the tricky record's own first line
  };
  const Tricky cases[] = {
      {"\"a\"\"b\",c\r\n", rec(0, {"a\"b", "c"})},
      {"x,y\r\n", rec(0, {"x", "y"})},
      {"\"q\"\r\n", rec(0, {"q"})},
      {"\"multi\nline\",\"\"\"\"\n", rec(0, {"multi\nline", "\""})},
      {"\"a\"zz,b\r\n", bad(0, {"azz", "b"}, "text after a closing quote in field 1")},
      {"\xEF\xBB\xBF" "k\n", rec(0, {"\xEF\xBB\xBF" "k"})},
  };
  for (const auto& tricky : cases) {
    for (std::size_t before = 0; before <= tricky.text.size(); ++before) {
      // Filler of short lines ending exactly `before` bytes ahead of the block end.
      std::string content;
      std::uint64_t filler_lines = 0;
      const std::size_t filler_size = kBlock - before;
      while (content.size() + 64 < filler_size) {
        content.append(63, 'f').push_back('\n');
        ++filler_lines;
      }
      content.append(filler_size - content.size() - 1, 'g').push_back('\n');
      ++filler_lines;
      ASSERT_EQ(content.size(), filler_size);
      content += tricky.text;
      content += "end\n";

      Rec expected = tricky.expected;
      expected.line = filler_lines + 1;
      const std::uint64_t tricky_lines =
          static_cast<std::uint64_t>(std::count(tricky.text.begin(), tricky.text.end(), '\n'));
      for (const auto& records : {read_memory(content), read_stream(content)}) {
        ASSERT_EQ(records.size(), filler_lines + 2) << "split " << before;
        EXPECT_EQ(records[filler_lines], expected) << "split " << before;
        EXPECT_EQ(records.back(), rec(expected.line + tricky_lines, {"end"})) << "split " << before;
      }
    }
  }
}

TEST(CsvReader, IoErrorIsReported) {
  // Reading a directory opens fine on Linux but fails on the first read.
  std::FILE* dir = std::fopen("/", "r");
  ASSERT_NE(dir, nullptr);
  CsvReader reader(dir);
  CsvRecord record;
  EXPECT_FALSE(reader.next(record));
  EXPECT_TRUE(reader.io_error());
  std::fclose(dir);
}

TEST(CsvReader, BytesReadAdvancesPerRecord) {
  const std::string content = "\xEF\xBB\xBF" "ab,c\n\"d\ne\"\n";
  CsvReader reader(content);
  CsvRecord record;
  EXPECT_EQ(reader.bytes_read(), 0u);
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(reader.bytes_read(), 8u);
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(reader.bytes_read(), content.size());
  EXPECT_FALSE(reader.next(record));
}

TEST(CsvReader, ViewsPointIntoReaderNotCopies) {
  // Reusing one CsvRecord must not leave stale fields behind.
  CsvReader reader(std::string_view("a,b,c\n\"x\"\n"));
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.fields.size(), 3u);
  ASSERT_TRUE(reader.next(record));
  ASSERT_EQ(record.fields.size(), 1u);
  EXPECT_EQ(record.fields[0], "x");
  EXPECT_FALSE(record.malformed);
}

// A deliberately naive, byte-at-a-time statement of the same rules, with no
// windows, fast path or memchr, to check the real reader against on random input.
std::vector<Rec> reference_parse(std::string_view s) {
  std::vector<Rec> out;
  std::size_t pos = s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::uint64_t line = 1;
  while (pos < s.size()) {
    Rec r{line, {}, false, {}};
    auto flag = [&r](std::string problem) {
      if (!r.malformed) r.problem = std::move(problem);
      r.malformed = true;
    };
    for (int field = 1;; ++field) {
      std::string value;
      const bool quoted = pos < s.size() && s[pos] == '"';
      if (quoted) {
        const std::uint64_t opened = line;
        bool closed = false;
        for (++pos; pos < s.size() && !closed; ++pos) {
          if (s[pos] != '"') {
            line += s[pos] == '\n';
            value += s[pos];
          } else if (pos + 1 < s.size() && s[pos + 1] == '"') {
            value += '"';
            ++pos;
          } else {
            closed = true;
          }
        }
        if (!closed) {
          flag("a quoted field starting on line " + std::to_string(opened) + " is never closed");
        }
      }
      std::string rest;
      for (; pos < s.size() && s[pos] != ',' && s[pos] != '\n'; ++pos) rest += s[pos];
      const bool comma = pos < s.size() && s[pos] == ',';
      if (!comma && !rest.empty() && rest.back() == '\r') rest.pop_back();
      if (quoted && !rest.empty()) {
        flag("text after a closing quote in field " + std::to_string(field));
      }
      r.fields.push_back(value + rest);
      if (pos == s.size()) break;
      ++pos;  // past the ',' or '\n'
      if (!comma) {
        ++line;
        break;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

TEST(CsvReader, MatchesReferenceOnRandomInput) {
  std::mt19937 rng(2024);
  const char* const pieces[] = {"a", "bc", ",", "\"", "\"\"", "\r", "\n", "\r\n", "\xEF\xBB\xBF"};
  for (int round = 0; round < 2000; ++round) {
    std::string content;
    const std::size_t count = rng() % 30;
    for (std::size_t i = 0; i < count; ++i) content += pieces[rng() % std::size(pieces)];
    expect_records(content, reference_parse(content));
    if (HasFailure()) return;  // one bad input says it all
  }
}

TEST(CsvWriter, QuotesOnlyWhenNeeded) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain", "plain"},         {"", ""},
      {"a,b", "\"a,b\""},         {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"\"", "\"\"\"\""},         {"x\n", "\"x\n\""},
      {"\r", "\"\r\""},           {" padded ", " padded "},
      {"it's", "it's"},
  };
  for (const auto& [field, written] : cases) {
    std::string out = "<";
    append_csv_field(out, field);
    EXPECT_EQ(out, "<" + written) << testing::PrintToString(field);
  }
}

// Writes random records with append_csv_field and reads them back through both
// sources, with line numbers predicted from the written line ends.
void round_trip(std::uint32_t seed, int record_count) {
  std::mt19937 rng(seed);
  const std::string alphabet = "ab ,\"\r\n\xC3\xA9x";
  std::string content;
  std::vector<Rec> expected;
  std::uint64_t line = 1;
  for (int r = 0; r < record_count; ++r) {
    Rec record;
    record.line = line;
    const std::size_t start = content.size();
    const int fields = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < fields; ++f) {
      std::string value(rng() % 12, ' ');
      for (char& c : value) c = alphabet[rng() % alphabet.size()];
      if (f > 0) content.push_back(',');
      append_csv_field(content, value);
      record.fields.push_back(std::move(value));
    }
    content += rng() % 2 ? "\n" : "\r\n";
    line += static_cast<std::uint64_t>(std::count(content.begin() + start, content.end(), '\n'));
    expected.push_back(std::move(record));
  }
  EXPECT_EQ(read_memory(content), expected) << "seed " << seed;
  EXPECT_EQ(read_stream(content), expected) << "seed " << seed;
}

TEST(CsvRoundTrip, RandomFieldsSmall) { round_trip(12345, 2000); }

TEST(CsvRoundTrip, RandomFieldsAcrossManyBlocks) {
  // About 4 MiB: records straddle several block boundaries.
  round_trip(777, 120000);
}

// A stream record longer than kMaxRecordBytes is skipped, not held: it comes
// back malformed at its own line, and the records after it keep their lines.
// On one line, the line number says it all: no range is added.
TEST(CsvReader, OversizedRecordOnOneLineNamesNoRange) {
  std::string content = "a,b\n1,";
  content.append(kMaxRecordBytes + 1024, 'x');
  content += "\n3,4\n";
  const auto records = read_stream(content);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[1].malformed);
  EXPECT_EQ(records[1].problem, "the record is longer than 64 MiB; it was skipped without being read");
  EXPECT_EQ(records[2].line, 3u);
}

TEST(CsvReader, OversizedStreamRecordIsSkippedWithBoundedMemory) {
  std::string content = "a,b\n1,\"";
  content.append(kMaxRecordBytes + 1024, 'x');
  content += "\n\nstill inside\",2\n3,4\n";
  const auto records = read_stream(content);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_FALSE(records[0].malformed);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_TRUE(records[1].malformed);
  EXPECT_NE(records[1].problem.find("longer than 64 MiB (lines 2 to 4)"), std::string::npos) << records[1].problem;
  EXPECT_EQ(records[2].line, 5u);
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"3", "4"}));
  // In chunks, the skipped record comes as a chunk of its own, with the same
  // line and problem (its fields were never kept either way).
  auto chunked = read_stream_chunks(content, 1024, std::size_t{16} << 20);
  ASSERT_EQ(chunked.size(), 3u);
  EXPECT_EQ(chunked[1].line, records[1].line);
  EXPECT_EQ(chunked[1].problem, records[1].problem);
  chunked[1].fields = records[1].fields;
  EXPECT_EQ(chunked, records);
  // Cut out of a file already in memory, the records after the header read
  // as the stream read them: the long one skipped, not parsed whole.
  const std::size_t header_end = content.find('\n') + 1;
  CsvReader cut_out(std::string_view(content).substr(header_end), 2);
  const std::vector<Rec> rest = drain(cut_out);
  EXPECT_EQ(rest, std::vector<Rec>(records.begin() + 1, records.end()));
  EXPECT_TRUE(cut_out.last_record_terminated());
}

// A record wider than kMaxRecordFields keeps its first fields, is flagged, and
// does not disturb the next record, quoted or not.
TEST(CsvReader, RecordWithTooManyFieldsIsFlagged) {
  for (const char* first_field : {"plain", "\"quoted\""}) {
    std::string content = first_field;
    for (std::size_t i = 0; i < kMaxRecordFields; ++i) content += ",x";
    content += "\nnext,row\n";
    for (const auto& records : {read_memory(content), read_stream(content)}) {
      ASSERT_EQ(records.size(), 2u);
      EXPECT_TRUE(records[0].malformed);
      EXPECT_NE(records[0].problem.find("more than 65536 fields"), std::string::npos) << records[0].problem;
      EXPECT_EQ(records[0].fields.size(), kMaxRecordFields);
      EXPECT_EQ(records[1].fields, (std::vector<std::string>{"next", "row"}));
    }
  }
  std::string exactly = "f";
  for (std::size_t i = 1; i < kMaxRecordFields; ++i) exactly += ",x";
  const auto records = read_memory(exactly + "\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].malformed) << "exactly the limit is allowed";
}

// Where a record ends is decided twice: by the reading thread (next_chunk,
// which only finds ends) and by the worker's full parser. Random bytes drawn
// mostly from the characters that matter (quotes, commas, CR, LF) must give
// the same records either way.
TEST(CsvReader, ChunksAgreeWithRecordByRecordOnRandomBytes) {
  std::mt19937_64 random(20261123);
  constexpr char kAlphabet[] = {'"', '"', ',', '\n', '\n', '\r', 'a', 'b', ' '};
  for (int round = 0; round < 3000; ++round) {
    std::string content(random() % 60, ' ');
    for (char& c : content) c = kAlphabet[random() % sizeof kAlphabet];
    const std::vector<Rec> expected = read_memory(content);
    EXPECT_EQ(read_memory_chunks(content, 1 + random() % 4, 1 + random() % 40), expected) << abbreviated(content);
  }
}

// `precept run` cuts a file after line ends it guesses are record ends, and
// reads each piece with a reader of its own (CsvReader over a string_view and
// a first line). Where the guess is right, the piece's records are exactly
// the whole input's and the last ends with its line end; where the line end
// was inside a quoted field, last_record_terminated() says so.
TEST(CsvReader, CutOutPiecesReadAsTheWholeAndTellAWrongCut) {
  std::mt19937_64 random(20261124);
  constexpr char kAlphabet[] = {'"', '"', ',', '\n', '\n', '\r', 'a', 'b', ' '};
  int wrong_cuts = 0, right_cuts = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string content(random() % 60, ' ');
    for (char& c : content) c = kAlphabet[random() % sizeof kAlphabet];
    // The whole input's records, and where each ends.
    std::vector<Rec> whole;
    std::vector<std::size_t> ends;
    {
      CsvReader reader(std::string_view{content});
      CsvRecord r;
      while (reader.next(r)) {
        whole.push_back({r.line, {r.fields.begin(), r.fields.end()}, r.malformed, r.problem});
        ends.push_back(reader.bytes_read());
      }
    }
    // A piece starts where a record starts (here: the first record ending at or after `from`).
    const std::size_t first = std::lower_bound(ends.begin(), ends.end(), random() % (content.size() + 1)) - ends.begin();
    const std::size_t start = first == 0 ? 0 : ends[first - 1];
    if (start >= content.size() || content.compare(0, 3, "\xEF\xBB\xBF") == 0) continue;
    for (std::size_t cut = start; cut < content.size(); ++cut) {
      if (content[cut] != '\n') continue;
      CsvReader piece(std::string_view(content).substr(start, cut + 1 - start), whole[first].line);
      const std::vector<Rec> read = drain(piece);
      const auto record_end = std::find(ends.begin() + static_cast<std::ptrdiff_t>(first), ends.end(), cut + 1);
      if (record_end != ends.end()) {
        ++right_cuts;
        // (At the very end of the input a record needs no line end: that cut is taken as it is.)
        if (cut + 1 < content.size()) {
          EXPECT_TRUE(piece.last_record_terminated()) << abbreviated(content) << " cut at " << cut + 1;
        }
        EXPECT_EQ(read, std::vector<Rec>(whole.begin() + static_cast<std::ptrdiff_t>(first), record_end - ends.begin() + whole.begin() + 1))
            << abbreviated(content) << " cut at " << cut + 1;
      } else {
        ++wrong_cuts;
        EXPECT_FALSE(piece.last_record_terminated()) << abbreviated(content) << " cut at " << cut + 1;
        // Every record but the last one, which the cut went through, is the whole input's.
        ASSERT_FALSE(read.empty());
        EXPECT_EQ(std::vector<Rec>(read.begin(), read.end() - 1),
                  std::vector<Rec>(whole.begin() + static_cast<std::ptrdiff_t>(first),
                                   whole.begin() + static_cast<std::ptrdiff_t>(first + read.size() - 1)))
            << abbreviated(content) << " cut at " << cut + 1;
      }
    }
  }
  // Both kinds of cut were tried, many times.
  EXPECT_GT(right_cuts, 1000);
  EXPECT_GT(wrong_cuts, 1000);
}

// The stream reader that reads a wrongly cut piece again starts where a record
// starts, in the middle of the file: no byte-order mark there, lines counted on.
TEST(CsvReader, ResumedStreamTakesNoByteOrderMarkAndCountsLinesOn) {
  const std::string content = "a,b\n\xEF\xBB\xBFx,\"1\n2\"\ny,3\n";
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
  ASSERT_EQ(std::fseek(f, 4, SEEK_SET), 0);
  CsvReader reader(f, 7);
  EXPECT_EQ(reader.line(), 7u);
  EXPECT_EQ(drain(reader), (std::vector<Rec>{rec(7, {"\xEF\xBB\xBFx", "1\n2"}), rec(9, {"y", "3"})}));
  EXPECT_EQ(reader.line(), 10u);
  EXPECT_EQ(reader.bytes_read(), content.size() - 4);
  std::fclose(f);
}

}  // namespace
}  // namespace precept
