#include "progress.hpp"

#include <precept/cli_words.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace precept::cli {

namespace {

// 1234567 -> "1,234,567": row counts on a terminal are read at a glance.
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string clock(double seconds) {
  const auto s = static_cast<std::uint64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

Progress::Progress(std::FILE* stream, std::optional<std::uint64_t> total_bytes, Language language)
    : stream_(stream), total_bytes_(total_bytes), language_(language), start_(std::chrono::steady_clock::now()), last_(start_) {}

std::string Progress::line(std::uint64_t records, std::uint64_t bytes, std::optional<std::uint64_t> total_bytes,
                           double elapsed_seconds, Language language) {
  std::string out = cli_words(CliWords::progress_rows, language, {grouped(records)});
  if (elapsed_seconds > 0)
    out += cli_words(CliWords::progress_rate, language,
                     {grouped(static_cast<std::uint64_t>(static_cast<double>(records) / elapsed_seconds))});
  out += cli_words(CliWords::progress_elapsed, language, {clock(elapsed_seconds)});
  if (total_bytes && *total_bytes > 0 && bytes > 0) {
    const double done = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(*total_bytes));
    out += fmt::format("  {:.0f}%", done * 100);
    // The rate so far, by bytes rather than rows: rows differ in length, bytes
    // are what the file size counts.
    out += cli_words(CliWords::progress_left, language, {clock(elapsed_seconds * (1 - done) / done)});
  }
  return out;
}

void Progress::update(std::uint64_t records, std::uint64_t bytes) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < kInterval) return;
  last_ = now;
  const std::string text = line(records, bytes, total_bytes_, std::chrono::duration<double>(now - start_).count(), language_);
  // Pad over a longer previous line instead of clearing first, so it never flickers.
  const std::size_t width = std::max(text.size(), shown_width_);
  std::fprintf(stream_, "\r%-*s", static_cast<int>(width), text.c_str());
  std::fflush(stream_);
  shown_width_ = text.size();
  shown_ = true;
}

void Progress::finish() {
  if (!shown_) return;
  std::fprintf(stream_, "\r%*s\r", static_cast<int>(shown_width_), "");
  std::fflush(stream_);
  shown_ = false;
}

}  // namespace precept::cli
