// Small helpers the tests share: temporary directories, whole-file reads, and
// running a command line.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace precept::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The names of the files in `dir` ending in `extension` (e.g. ".pol"), sorted:
// a test corpus, in a stable order.
inline std::vector<std::string> file_names(const std::filesystem::path& dir, const std::string& extension) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == extension) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A fresh directory under the system temp dir, removed when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("precept-" + tag + "-" + std::to_string(std::rand()) + "-" + std::to_string(getpid_wrapper()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  static int getpid_wrapper();
  std::filesystem::path path_;
};

// Runs a shell command; returns its exit status (0..255), or -1 if it did not exit normally.
int run_command(const std::string& command);

// Splits CSV text into rows of cells (RFC 4180, enough for test files).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// Reads a CSV with a header into column-name -> value maps, one per row.
std::vector<std::map<std::string, std::string>> csv_records(const std::string& text);

}  // namespace precept::testing
