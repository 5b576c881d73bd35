// `run_csv` with its results and rejects caught in memory (open_memstream),
// as the tests that compare one run with another need them.
#pragma once

#include <precept/run.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace precept::testing {

struct CapturedRun {
  RunReport report;
  std::string results, rejects;
};

// Runs `policy` over `input` (left open: the caller closes it). A stream that
// cannot be made leaves its output empty and the report's fatal_error set.
inline CapturedRun run_captured(const Policy& policy, std::FILE* input, const RunOptions& options = {}) {
  char* results_buf = nullptr;
  char* rejects_buf = nullptr;
  std::size_t results_len = 0, rejects_len = 0;
  std::FILE* results = ::open_memstream(&results_buf, &results_len);
  std::FILE* rejects = ::open_memstream(&rejects_buf, &rejects_len);
  CapturedRun out;
  if (input && results && rejects) out.report = run_csv(policy, input, results, rejects, options);
  else out.report.fatal_error = "the test could not open its input or an output stream";
  if (results) std::fclose(results);
  if (rejects) std::fclose(rejects);
  out.results.assign(results_buf ? results_buf : "", results_len);
  out.rejects.assign(rejects_buf ? rejects_buf : "", rejects_len);
  std::free(results_buf);
  std::free(rejects_buf);
  return out;
}

}  // namespace precept::testing
