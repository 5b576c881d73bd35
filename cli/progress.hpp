// Progress of a long run on a terminal: rows, rows/s, elapsed time and, when
// the input's size is known, percentage and time left. One line on stderr,
// rewritten in place a few times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace precept::cli {

class Progress {
 public:
  // `total_bytes`: the input's size, when it is a regular file.
  Progress(std::FILE* stream, std::optional<std::uint64_t> total_bytes);
  // Called after each batch; prints at most every kInterval.
  void update(std::uint64_t records, std::uint64_t bytes);
  // Erases the line, so the summary that follows starts clean.
  void finish();

  // The text of one progress line (without the carriage return).
  static std::string line(std::uint64_t records, std::uint64_t bytes, std::optional<std::uint64_t> total_bytes,
                          double elapsed_seconds);

 private:
  static constexpr std::chrono::milliseconds kInterval{250};
  std::FILE* stream_;
  std::optional<std::uint64_t> total_bytes_;
  std::chrono::steady_clock::time_point start_, last_;
  std::size_t shown_width_ = 0;
  bool shown_ = false;
};

}  // namespace precept::cli
