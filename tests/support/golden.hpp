// Golden files: the review copy of what a command or a stage prints. A test
// compares its output with the file; after an intended change, rewrite them all
// and review the diff in git:
//
//   PRECEPT_UPDATE_GOLDEN=1 ctest --test-dir build
#pragma once

#include "files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace precept::testing {

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A line-by-line diff by longest common subsequence: goldens are a few dozen
// lines, and a reviewer needs to see which line changed, not just that one did.
inline std::string line_diff(const std::string& expected, const std::string& actual) {
  const auto a = split_lines(expected), b = split_lines(actual);
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out = "--- expected\n+++ actual\n";
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

inline bool updating_goldens() {
  const char* update = std::getenv("PRECEPT_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) != "0";
}

// `actual` must be the golden file's text, byte for byte; with
// PRECEPT_UPDATE_GOLDEN set (not 0) the file is rewritten instead.
inline void expect_matches_golden(const std::filesystem::path& golden, const std::string& actual) {
  if (updating_goldens()) {
    write_file(golden, actual);
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(golden))
      << golden << " is missing; run with PRECEPT_UPDATE_GOLDEN=1 to create it, and check it by eye";
  const std::string expected = read_file(golden);
  // Not EXPECT_EQ: its escaped one-line strings are unreadable for a page of text.
  EXPECT_TRUE(expected == actual) << golden << " differs (if the change is intended, rewrite it with "
                                  << "PRECEPT_UPDATE_GOLDEN=1 and review the diff):\n"
                                  << line_diff(expected, actual);
}

}  // namespace precept::testing
