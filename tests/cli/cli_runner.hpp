// Runs the real `precept` binary the way a user's shell would, and captures
// what a user would see: the exit code, stdout and stderr, kept apart.
#pragma once

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace precept::testing {

struct CliRun {
  int exit_code = -1;  // 128 + signal when the process was killed, as a shell reports it
  std::string out, err;
};

// Whether this build runs under AddressSanitizer or ThreadSanitizer (the CLI
// under test is built like the tests). Both reserve terabytes of address space
// at start, so a limit on it (RLIMIT_AS, `ulimit -v`) makes them fail at once,
// not the allocation a test means to fail: run() then sets no such limit, and
// the tests that need one to fail are for the normal build only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PRECEPT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PRECEPT_SANITIZED 1
#endif
#endif
#ifndef PRECEPT_SANITIZED
#define PRECEPT_SANITIZED 0
#endif
inline constexpr bool kAddressSpaceCanBeLimited = !PRECEPT_SANITIZED;

struct CliOptions {
  const std::string* input = nullptr;  // stdin; /dev/null when absent
  std::size_t file_size_limit = 0;     // RLIMIT_FSIZE in bytes, 0 for none
  // RLIMIT_AS in bytes (`ulimit -v`), 0 for none; not set when !kAddressSpaceCanBeLimited.
  std::size_t address_space_limit = 0;
  // A guard against a hang, not a measure: the CLI is killed by SIGALRM (exit
  // 142) if still running after this many seconds; 0 for none.
  unsigned hang_guard_seconds = 0;
  // Called with the CLI's process id after it is forked and before it starts:
  // to put files where a process of that id would write.
  std::function<void(int pid)> before_start = nullptr;
};

// A fresh directory per test: `work()` is the CLI's working directory and holds
// nothing but what the test and the CLI put there, so a test can see exactly
// which files a failed command left behind. Captured output lives elsewhere.
class CliSandbox {
 public:
  CliSandbox();
  ~CliSandbox();
  CliSandbox(const CliSandbox&) = delete;
  CliSandbox& operator=(const CliSandbox&) = delete;

  const std::filesystem::path& work() const { return work_; }
  std::filesystem::path operator/(const std::string& name) const { return work_ / name; }

  CliRun run(const std::vector<std::string>& args, const CliOptions& options = {}) const;
  // Names of the files in work(), recursively, relative to it.
  std::set<std::string> files() const;

 private:
  std::filesystem::path root_, work_;
};

}  // namespace precept::testing
