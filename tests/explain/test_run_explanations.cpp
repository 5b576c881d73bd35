// `run --explain` is one pass: run_csv writes every household's explanation
// (RunOptions::explanations) while it evaluates. These tests hold the lines to
// what explain_csv(), a separate sequential reading of the same register,
// gives: byte for byte, for any number of threads and batch size, from a file
// or a pipe, with records that cannot be read and quoted line ends that make
// the pipeline read a chunk again.
#include <precept/explain.hpp>
#include <precept/precept.hpp>
#include <precept/run.hpp>

#include "files.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace precept {
namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

const char* const kW1Policy = "policies/xijiang_2015.pol";
const char* const kW1Register = "examples/data/xijiang_sample.csv";

Policy compile_file(const std::string& path) {
  auto result = open_policy(path);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

// What `run --explain` wrote before it was one pass: explain_csv's lines.
std::string explained_separately(const Policy& policy, const std::string& data, const std::string& key = {}) {
  std::FILE* in = std::fopen(data.c_str(), "rb");
  EXPECT_NE(in, nullptr);
  std::string lines;
  const std::string problem = explain_csv(policy, in, key, [&](const Explanation& e) {
    lines += e.json();
    lines += '\n';
    return true;
  });
  std::fclose(in);
  EXPECT_EQ(problem, "");
  return lines;
}

struct OnePass {
  RunReport report;
  std::string results, rejects, explanations;
};

// run_csv over `data`, from the file itself or through a pipe (`cat`), which
// the pipeline reads as a stream.
OnePass run_explaining(const Policy& policy, const std::string& data, RunOptions options, bool piped) {
  TempDir dir("run-explain");
  const std::string results = (dir / "results.csv").string(), rejects = (dir / "rejects.csv").string(),
                    explanations = (dir / "explanations.jsonl").string();
  std::FILE* in = piped ? ::popen(fmt::format("cat '{}'", data).c_str(), "r") : std::fopen(data.c_str(), "rb");
  EXPECT_NE(in, nullptr);
  std::FILE* results_file = std::fopen(results.c_str(), "wb");
  std::FILE* rejects_file = std::fopen(rejects.c_str(), "wb");
  std::FILE* explanations_file = std::fopen(explanations.c_str(), "wb");
  options.explanations = explanations_file;
  OnePass out;
  out.report = run_csv(policy, in, results_file, rejects_file, options);
  if (piped) ::pclose(in);
  else std::fclose(in);
  for (std::FILE* f : {results_file, rejects_file, explanations_file}) std::fclose(f);
  out.results = read_file(results);
  out.rejects = read_file(rejects);
  out.explanations = read_file(explanations);
  return out;
}

std::size_t lines_of(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

// The bundled W1 register: the same bytes as explain_csv, with -j1 and -j2,
// whole batches and tiny ones, from a file and from a pipe; and the results
// and rejects are what a run without explanations writes.
TEST(RunExplanations, W1RegisterIsExplainedInOnePassAsExplainCsvDoes) {
  const Policy policy = compile_file(kW1Policy);
  const std::string expected = explained_separately(policy, kW1Register);
  ASSERT_EQ(lines_of(expected), 2000u);
  OnePass plain;
  {
    TempDir dir("run-plain");
    std::FILE* in = std::fopen(kW1Register, "rb");
    std::FILE* results = std::fopen((dir / "r.csv").c_str(), "wb");
    std::FILE* rejects = std::fopen((dir / "x.csv").c_str(), "wb");
    plain.report = run_csv(policy, in, results, rejects, {});
    for (std::FILE* f : {in, results, rejects}) std::fclose(f);
    plain.results = read_file(dir / "r.csv");
    plain.rejects = read_file(dir / "x.csv");
  }
  for (const std::size_t threads : {1, 2, 3})
    for (const std::size_t batch_size : {1024, 7})
      for (const bool piped : {false, true}) {
        RunOptions options;
        options.threads = threads;
        options.batch_size = batch_size;
        const OnePass run = run_explaining(policy, kW1Register, options, piped);
        const std::string what = fmt::format("-j{} batch {}{}", threads, batch_size, piped ? " piped" : "");
        ASSERT_TRUE(run.report.ok()) << what << ": " << run.report.fatal_error;
        EXPECT_EQ(run.explanations, expected) << what;
        EXPECT_EQ(run.results, plain.results) << what;
        EXPECT_EQ(run.rejects, plain.rejects) << what;
        EXPECT_EQ(run.report.rejected, 11u) << what;
      }
}

// Records that cannot be read (too few fields, a quote never closed), bad
// values, and quoted line ends (a chunk of a file is cut at a line end, which
// here is inside a quoted field, so the pipeline reads it again): the lines
// and reasons are still explain_csv's, and the key named is each line's id.
TEST(RunExplanations, UnreadableRecordsAndQuotedLineEndsAgreeWithExplainCsv) {
  const std::string w1 = read_file(kW1Register);
  const std::size_t header_end = w1.find('\n') + 1;
  std::string data = w1.substr(0, header_end);
  std::size_t at = header_end;
  for (int row = 0; row < 60 && at < w1.size(); ++row) {
    const std::size_t end = w1.find('\n', at) + 1;
    std::string line = w1.substr(at, end - at);
    at = end;
    if (row % 9 == 3) {  // a village whose name runs over two lines
      const std::size_t village = line.find(",西头村,");
      if (village != std::string::npos) line.replace(village, 11, ",\"西头\n村\",");
    }
    if (row % 13 == 5) line = line.substr(0, line.find(',', 20)) + "\n";  // too few fields
    if (const std::size_t four = line.find(",4,"); row % 17 == 8 && four != std::string::npos)
      line.replace(four, 3, ",four,");  // a bad value
    data += line;
  }
  data += "360733-9,会昌县,西江镇,\"unclosed,4,1,1,1,0,0,0,d,0,0,1,0,0,0,1,0\n";
  TempDir dir("run-explain-hostile");
  const std::string path = (dir / "register.csv").string();
  write_file(path, data);
  const Policy policy = compile_file(kW1Policy);
  for (const std::string key : {"", "village"}) {
    const std::string expected = explained_separately(policy, path, key);
    ASSERT_GE(lines_of(expected), 50u);
    ASSERT_NE(expected.find("\"rejected\":true"), std::string::npos);
    for (const std::size_t threads : {1, 2})
      for (const bool piped : {false, true}) {
        RunOptions options;
        options.threads = threads;
        options.batch_size = 2;  // chunks of about 256 bytes: cut inside the quoted villages
        options.explanation_key = key;
        const OnePass run = run_explaining(policy, path, options, piped);
        ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;
        EXPECT_EQ(run.explanations, expected) << "key `" << key << "` -j" << threads << (piped ? " piped" : "");
      }
  }
}

// The explanations' text counts in the memory budget (smaller batches); a
// budget too small for the program is still refused as out of memory.
TEST(RunExplanations, TheMemoryBudgetStillHolds) {
  const Policy policy = compile_file(kW1Policy);
  const std::string expected = explained_separately(policy, kW1Register);
  RunOptions small;
  small.threads = 2;
  small.memory_budget = std::size_t{1} << 20;
  const OnePass run = run_explaining(policy, kW1Register, small, false);
  ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;
  EXPECT_EQ(run.explanations, expected);

  RunOptions tiny;
  tiny.memory_budget = 64;
  const OnePass refused = run_explaining(policy, kW1Register, tiny, true);
  EXPECT_TRUE(refused.report.out_of_memory);
  EXPECT_EQ(refused.explanations, "");
}

// A key the record does not have stops the run before anything is read or
// written; without an explanations stream the key is not looked at.
TEST(RunExplanations, AnUnknownKeyStopsTheRunBeforeItReads) {
  const Policy policy = compile_file(kW1Policy);
  RunOptions options;
  options.explanation_key = "nobody";
  const OnePass run = run_explaining(policy, kW1Register, options, false);
  EXPECT_FALSE(run.report.ok());
  EXPECT_EQ(run.report.fatal_error, "the record has no field called `nobody`");
  EXPECT_EQ(run.report.rows_read, 0u);
  EXPECT_EQ(run.results, "");
  EXPECT_EQ(run.explanations, "");

  std::FILE* in = std::fopen(kW1Register, "rb");
  RunOptions without;
  without.explanation_key = "nobody";
  const RunReport report = run_csv(policy, in, nullptr, nullptr, without);
  std::fclose(in);
  EXPECT_TRUE(report.ok()) << report.fatal_error;
  EXPECT_EQ(report.rows_read, 2000u);
}

// A stream that refuses the explanations stops the run with a clear error.
TEST(RunExplanations, AnExplanationsStreamThatFailsStopsTheRun) {
  const Policy policy = compile_file(kW1Policy);
  std::FILE* in = std::fopen(kW1Register, "rb");
  std::FILE* full = std::fopen("/dev/full", "wb");
  ASSERT_NE(full, nullptr);
  RunOptions options;
  options.explanations = full;
  const RunReport report = run_csv(policy, in, nullptr, nullptr, options);
  std::fclose(in);
  std::fclose(full);
  EXPECT_EQ(report.fatal_error, "writing the explanations failed");
}

}  // namespace
}  // namespace precept
