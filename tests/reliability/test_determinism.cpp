// The same register gives the same bytes however it is batched, and the same
// files from one CLI run to the next.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"
#include "run_capture.hpp"

#include <precept/precept.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace precept::reliability;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::TempDir;
using ::testing::HasSubstr;

struct InMemoryRun {
  std::string results, rejects, summary_csv, summary_table;
  precept::RunReport report;
};

// run_csv over `input`, results and rejects captured in memory.
InMemoryRun run_over(const precept::Policy& policy, std::FILE* input, std::size_t batch_size,
                     precept::ResultFormat format = precept::ResultFormat::Csv, std::size_t threads = 1,
                     std::function<void(std::uint64_t, std::uint64_t)> progress = {}) {
  precept::RunOptions options;
  options.batch_size = batch_size;
  options.format = format;
  options.group_by = {"village"};
  options.threads = threads;
  options.progress = std::move(progress);
  precept::testing::CapturedRun run = precept::testing::run_captured(policy, input, options);
  EXPECT_TRUE(run.report.ok()) << run.report.fatal_error;
  InMemoryRun out;
  out.report = std::move(run.report);
  out.results = std::move(run.results);
  out.rejects = std::move(run.rejects);
  out.summary_csv = precept::format_summary_csv(out.report.summary);
  out.summary_table = precept::format_summary_table(out.report.summary);
  return out;
}

// From memory: run_csv reads it as a stream (no file to read in parallel).
InMemoryRun run_in_memory(const precept::Policy& policy, const std::string& data, std::size_t batch_size,
                          precept::ResultFormat format = precept::ResultFormat::Csv, std::size_t threads = 1,
                          std::function<void(std::uint64_t, std::uint64_t)> progress = {}) {
  std::FILE* input = ::fmemopen(const_cast<char*>(data.data()), data.size(), "rb");
  EXPECT_TRUE(input);
  if (!input) return {};
  InMemoryRun out = run_over(policy, input, batch_size, format, threads, std::move(progress));
  std::fclose(input);
  return out;
}

// From a regular file: run_csv's workers read their chunks of it themselves.
InMemoryRun run_from_file(const precept::Policy& policy, const std::filesystem::path& path, std::size_t batch_size,
                          std::size_t threads) {
  std::FILE* input = std::fopen(path.c_str(), "rb");
  EXPECT_TRUE(input);
  if (!input) return {};
  InMemoryRun out = run_over(policy, input, batch_size, precept::ResultFormat::Csv, threads);
  std::fclose(input);
  return out;
}

void expect_same_run(const InMemoryRun& run, const InMemoryRun& base) {
  ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;
  EXPECT_EQ(run.report.rows_read, base.report.rows_read);
  EXPECT_EQ(run.report.results, base.report.results);
  EXPECT_EQ(run.report.rejected, base.report.rejected);
  EXPECT_TRUE(run.results == base.results) << "results differ";
  EXPECT_TRUE(run.rejects == base.rejects) << "rejects differ";
  EXPECT_EQ(run.summary_csv, base.summary_csv);
  EXPECT_EQ(run.summary_table, base.summary_table);
  EXPECT_EQ(run.report.notes, base.report.notes);
}

class Determinism : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("reliability-determinism");
    const auto path = dir_->path() / "register.csv";
    ASSERT_TRUE(generate_register(path, 20000, 5, 60));
    data_ = new std::string(read_file(path));
    auto compiled = precept::open_policy(kW1);
    ASSERT_TRUE(compiled.ok());
    policy_ = new precept::Policy(*compiled.policy);
  }
  static void TearDownTestSuite() {
    delete policy_;
    delete data_;
    delete dir_;
  }
  static inline TempDir* dir_ = nullptr;
  static inline std::string* data_ = nullptr;
  static inline precept::Policy* policy_ = nullptr;
};

TEST_F(Determinism, BatchSizeDoesNotChangeAByteOfResultsRejectsOrSummary) {
  ASSERT_TRUE(data_ && policy_);
  const InMemoryRun base = run_in_memory(*policy_, *data_, 1);
  ASSERT_TRUE(base.report.ok()) << base.report.fatal_error;
  // The register is worth comparing: every row accounted for, bad rows rejected.
  EXPECT_EQ(base.report.rows_read, 20000u);
  EXPECT_EQ(base.report.results + base.report.rejected, base.report.rows_read);
  EXPECT_GE(base.report.rejected, 50u);
  EXPECT_EQ(data_rows(base.results), base.report.results);
  EXPECT_EQ(data_rows(base.rejects), base.report.rejected);
  EXPECT_GT(base.report.summary.groups.size(), 1u);

  for (std::size_t batch : {7u, 64u, 1024u, 5000u}) {
    SCOPED_TRACE("batch size " + std::to_string(batch) + ", against batch size 1");
    expect_same_run(run_in_memory(*policy_, *data_, batch), base);
  }
}

TEST_F(Determinism, BatchSizeDoesNotChangeJsonLines) {
  ASSERT_TRUE(data_ && policy_);
  const InMemoryRun one = run_in_memory(*policy_, *data_, 1, precept::ResultFormat::JsonLines);
  const InMemoryRun many = run_in_memory(*policy_, *data_, 5000, precept::ResultFormat::JsonLines);
  ASSERT_TRUE(one.report.ok() && many.report.ok());
  EXPECT_GT(one.results.size(), 0u);
  EXPECT_TRUE(one.results == many.results);
  EXPECT_TRUE(one.rejects == many.rejects);
}

// Threads take batches in whatever order they finish; the writer must still put
// every byte where a single thread would, rejects and summary included.
TEST_F(Determinism, ThreadCountDoesNotChangeAByteOfResultsRejectsOrSummary) {
  ASSERT_TRUE(data_ && policy_);
  const InMemoryRun base = run_in_memory(*policy_, *data_, 1024);
  ASSERT_TRUE(base.report.ok()) << base.report.fatal_error;
  EXPECT_GE(base.report.rejected, 50u);
  for (std::size_t threads : {2u, 3u, 8u}) {
    for (std::size_t batch : {1u, 7u, 1024u}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, batch size " + std::to_string(batch) + ", against one thread");
      expect_same_run(run_in_memory(*policy_, *data_, batch, precept::ResultFormat::Csv, threads), base);
    }
  }
  const InMemoryRun json_one = run_in_memory(*policy_, *data_, 64, precept::ResultFormat::JsonLines, 1);
  const InMemoryRun json_many = run_in_memory(*policy_, *data_, 64, precept::ResultFormat::JsonLines, 4);
  EXPECT_TRUE(json_one.results == json_many.results);
  EXPECT_TRUE(json_one.rejects == json_many.rejects);
}

// Progress is told after each batch written, never backwards, ending at the
// whole register; with several threads too.
TEST_F(Determinism, ProgressCountsRiseToTheWholeRegister) {
  ASSERT_TRUE(data_ && policy_);
  for (std::size_t threads : {1u, 3u}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
    const InMemoryRun run = run_in_memory(*policy_, *data_, 500, precept::ResultFormat::Csv, threads,
                                          [&](std::uint64_t records, std::uint64_t bytes) {
                                            seen.emplace_back(records, bytes);
                                          });
    ASSERT_TRUE(run.report.ok());
    ASSERT_EQ(seen.size(), 40u) << "one call per batch of 500 records";
    for (std::size_t i = 1; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i].first, seen[i - 1].first + 500);
      EXPECT_GT(seen[i].second, seen[i - 1].second);
    }
    EXPECT_EQ(seen.back().first, run.report.rows_read);
    EXPECT_EQ(seen.back().second, data_->size());
  }
}

TEST_F(Determinism, SameRunTwiceInOneProcessIsIdentical) {
  ASSERT_TRUE(data_ && policy_);
  // A policy shared by two runs must carry no state from the first into the second.
  const InMemoryRun first = run_in_memory(*policy_, *data_, 64);
  const InMemoryRun second = run_in_memory(*policy_, *data_, 64);
  EXPECT_TRUE(first.results == second.results);
  EXPECT_TRUE(first.rejects == second.rejects);
  EXPECT_EQ(first.summary_csv, second.summary_csv);
}

TEST_F(Determinism, CliTwiceWritesIdenticalFiles) {
  ASSERT_TRUE(data_ && policy_);
  struct Output {
    int exit_code;
    std::string out, results, rejects, summary;
  };
  auto run_once = [&] {
    CliSandbox box;
    precept::testing::write_file(box / "register.csv", *data_);
    const auto r = box.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "rejects.csv", "--by",
                            "village", "--summary-csv", "summary.csv"});
    return Output{r.exit_code, r.out, read_file(box / "results.csv"), read_file(box / "rejects.csv"),
                  read_file(box / "summary.csv")};
  };
  const Output a = run_once(), b = run_once();
  ASSERT_EQ(a.exit_code, 0) << a.out;
  ASSERT_EQ(b.exit_code, 0) << b.out;
  EXPECT_THAT(a.out, HasSubstr("rows read: 20000 = results"));
  EXPECT_EQ(a.out, b.out);
  EXPECT_TRUE(a.results == b.results);
  EXPECT_TRUE(a.rejects == b.rejects);
  EXPECT_EQ(a.summary, b.summary);
  // And the CLI agrees with the engine called directly.
  const InMemoryRun direct = run_in_memory(*policy_, *data_, 1024);
  EXPECT_TRUE(a.results == direct.results);
  EXPECT_TRUE(a.rejects == direct.rejects);
  EXPECT_EQ(a.summary, direct.summary_csv);
}

// A regular file is read by the workers in chunks cut at line ends, guessed
// to be record ends; the writer reads again, as a stream, any chunk whose cut
// fell inside a quoted field. Whatever the cuts, the bytes must be those of
// reading the same register as a stream, for every batch size (which sets the
// chunk size) and thread count.
TEST_F(Determinism, AFileGivesTheSameBytesAsAStream) {
  ASSERT_TRUE(data_ && policy_);
  const auto path = dir_->path() / "register.csv";
  const InMemoryRun stream = run_in_memory(*policy_, *data_, 1024);
  ASSERT_TRUE(stream.report.ok()) << stream.report.fatal_error;
  for (std::size_t threads : {1u, 2u, 3u}) {
    for (std::size_t batch : {1u, 7u, 1024u}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, batch size " + std::to_string(batch));
      expect_same_run(run_from_file(*policy_, path, batch, threads), stream);
    }
  }
}

// The register made hard to cut: village names with line breaks inside quotes,
// one quoted field of several hundred lines, CRLF and blank lines, a byte-order
// mark, and near the end a quote that is never closed (the rest of the file is
// then one malformed record). With chunks of ~128 bytes (batch size 1) many
// cuts fall inside quotes.
TEST_F(Determinism, AFileCutInsideQuotedFieldsGivesTheSameBytesAsAStream) {
  ASSERT_TRUE(data_ && policy_);
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < data_->size() && lines.size() < 3001;) {
    const std::size_t end = data_->find('\n', start);
    lines.push_back(data_->substr(start, end - start));
    start = end == std::string::npos ? data_->size() : end + 1;
  }
  std::string hard = "\xEF\xBB\xBF" + lines[0] + "\n";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string line = lines[i];
    // The village is the fourth column; rows whose first four cells are plain get a broken name.
    std::vector<std::size_t> commas;
    for (std::size_t at = line.find(','); at != std::string::npos && commas.size() < 4; at = line.find(',', at + 1))
      commas.push_back(at);
    if (i % 3 == 0 && commas.size() == 4 && line.substr(0, commas[3]).find('"') == std::string::npos) {
      std::string village = "\"" + line.substr(commas[2] + 1, commas[3] - commas[2] - 1) + "\n" +
                            std::string(i % 40, 'x') + "\r\n\"";
      line = line.substr(0, commas[2] + 1) + village + line.substr(commas[3]);
    }
    if (i == 500 && commas.size() == 4) {
      std::string village = "\"";
      for (int k = 0; k < 400; ++k) village += "line " + std::to_string(k) + ", \"\"quoted\"\"\n";
      line = line.substr(0, commas[2] + 1) + village + "\"" + line.substr(commas[3]);
    }
    // The last quote of the file: what follows it is one record, never closed.
    if (i == 2990) line += ",\"never closed";
    if (i > 2990) line.erase(std::remove(line.begin(), line.end(), '"'), line.end());
    hard += line;
    hard += i % 7 == 0 ? "\r\n" : "\n";
    if (i % 250 == 0) hard += "\n";
  }
  const auto path = dir_->path() / "hard.csv";
  precept::testing::write_file(path, hard);
  const InMemoryRun stream = run_in_memory(*policy_, hard, 1024);
  ASSERT_TRUE(stream.report.ok()) << stream.report.fatal_error;
  // The register is as hard as meant: broken names were read, and the open quote swallowed the end.
  EXPECT_GT(stream.report.results, 2000u);
  const std::size_t open_quote = hard.find("\"never closed");
  const auto open_quote_line = std::count(hard.begin(), hard.begin() + static_cast<std::ptrdiff_t>(open_quote), '\n') + 1;
  EXPECT_THAT(stream.rejects,
              HasSubstr("a quoted field starting on line " + std::to_string(open_quote_line) + " is never closed"));
  for (std::size_t threads : {1u, 2u, 3u}) {
    for (std::size_t batch : {1u, 3u, 64u, 1024u}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, batch size " + std::to_string(batch));
      expect_same_run(run_from_file(*policy_, path, batch, threads), stream);
    }
  }
}

// A line longer than the longest record a stream holds (kMaxRecordBytes, 64
// MiB) is skipped by the stream reader; a file's chunks must come to the same.
TEST_F(Determinism, AFileWithAnOverlongLineGivesTheSameBytesAsAStream) {
  ASSERT_TRUE(data_ && policy_);
  const std::size_t header_end = data_->find('\n') + 1;
  const std::size_t some_rows = data_->find('\n', header_end + 20000) + 1;
  std::string register_text = data_->substr(0, some_rows);
  register_text += "360733-9999999,";
  register_text.append((std::size_t{64} << 20) + 4096, 'x');
  register_text += "\n";
  register_text += data_->substr(some_rows, 20000);
  register_text.resize(register_text.rfind('\n') + 1);
  const auto path = dir_->path() / "overlong.csv";
  precept::testing::write_file(path, register_text);
  const InMemoryRun stream = run_in_memory(*policy_, register_text, 1024);
  ASSERT_TRUE(stream.report.ok()) << stream.report.fatal_error;
  EXPECT_THAT(stream.rejects, HasSubstr("longer than 64 MiB"));
  for (std::size_t threads : {1u, 2u}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    expect_same_run(run_from_file(*policy_, path, 1024, threads), stream);
  }
}

}  // namespace
