// Helpers shared by the reliability tests: generated registers, the CLI's
// counts line, and the files a run leaves behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace precept::reliability {

inline const std::string kSource = PRECEPT_SOURCE_DIR;
inline const std::string kW1 = kSource + "/policies/xijiang_2015.pol";

// The W1 register header, as precept-gen writes it.
extern const std::string kW1Header;

// Writes a register made by precept-gen to `path`; fails the test on error.
bool generate_register(const std::filesystem::path& path, int rows, int seed, int bad_rows);

struct Counts {
  std::uint64_t read = 0, results = 0, rejected = 0;
};
// The "rows read: N = results R + rejected J" line, if the text has one.
std::optional<Counts> counts_in(const std::string& text);

// Names (not paths) of the entries of `dir` containing ".partial-".
std::vector<std::string> partial_files(const std::filesystem::path& dir);

// Number of data rows (records after the header) of a CSV text.
std::size_t data_rows(const std::string& csv);

}  // namespace precept::reliability

namespace precept::reliability {

// The CLI running in the background with its standard input on a pipe the test
// writes to, for runs the test interrupts or disturbs part way.
class BackgroundCli {
 public:
  BackgroundCli(const std::vector<std::string>& args, const std::filesystem::path& work_dir,
                const std::filesystem::path& capture_dir);
  ~BackgroundCli();
  BackgroundCli(const BackgroundCli&) = delete;
  BackgroundCli& operator=(const BackgroundCli&) = delete;

  // Writes to the CLI's standard input; false once the CLI stops reading.
  bool feed(const std::string& text);
  void close_input();
  void signal(int sig);
  // Waits for the CLI to end; the shell's convention: 128 + signal when killed.
  int wait();
  bool killed_by_signal() const { return signaled_; }
  std::string err() const;

 private:
  int pid_ = -1, stdin_fd_ = -1, status_ = 0;
  bool waited_ = false, signaled_ = false;
  std::filesystem::path err_path_;
};

// Polls until `predicate` holds or `seconds` pass.
bool wait_until(const std::function<bool()>& predicate, double seconds);

}  // namespace precept::reliability
