// Progress of a long run on a terminal: rows, rows/s, elapsed time and, when
// the input's size is known, percentage and time left. One line on stderr,
// rewritten in place a few times a second.
#pragma once

#include <precept/language.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace precept::cli {

class Progress {
 public:
  // `total_bytes`: the input's size, when it is a regular file.
  Progress(std::FILE* stream, std::optional<std::uint64_t> total_bytes, Language language = Language::English);
  // Called after each batch; prints at most every kInterval.
  void update(std::uint64_t records, std::uint64_t bytes);
  // Erases the line, so the summary that follows starts clean.
  void finish();

  // The text of one progress line (without the carriage return), in `language`.
  static std::string line(std::uint64_t records, std::uint64_t bytes, std::optional<std::uint64_t> total_bytes,
                          double elapsed_seconds, Language language = Language::English);

 private:
  static constexpr std::chrono::milliseconds kInterval{250};
  std::FILE* stream_;
  std::optional<std::uint64_t> total_bytes_;
  Language language_;
  std::chrono::steady_clock::time_point start_, last_;
  std::size_t shown_width_ = 0;
  bool shown_ = false;
};

}  // namespace precept::cli
