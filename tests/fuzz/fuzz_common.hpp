// Shared by the fuzz targets and the seed builder: the project's own policies
// and small helpers. PRECEPT_SOURCE_DIR is set by tests/fuzz/CMakeLists.txt; the
// environment variable PRECEPT_SOURCE_DIR overrides it (to run a binary elsewhere).
#pragma once
#include <precept/precept.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace precept_fuzz {

// The policies fuzz_evaluate selects from (by the first input byte) and whose
// compiled programs seed fuzz_program. Order matters: seeds name them by index.
inline const std::vector<std::string>& seed_policies() {
  static const std::vector<std::string> paths = {
      "policies/xijiang_2015.pol",
      "tests/compiler/policies/arithmetic.pol",
      "tests/compiler/policies/guards.pol",
      "tests/compiler/policies/optional.pol",
      "tests/compiler/policies/overflow.pol",
      "tests/compiler/policies/tables.pol",
  };
  return paths;
}

// The solver budget of the targets that reach Z3 (layers' exception overlaps,
// diff's witnesses): a fifth of a second or so of solving, so that an input is
// fast and the fuzzer explores the code around the solver, not the solver.
inline constexpr std::uint64_t kSolverBudget = 2'000'000;

inline std::string source_dir() {
  if (const char* env = std::getenv("PRECEPT_SOURCE_DIR")) return env;
  return PRECEPT_SOURCE_DIR;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compiles one of the project's policies; aborts if it does not compile (the
// harness itself is broken then, not the code under test).
inline precept::Policy compile_seed_policy(const std::string& relative) {
  const std::string path = source_dir() + "/" + relative;
  precept::CompileResult result = precept::compile(read_file(path), path);
  if (!result.ok()) {
    std::fprintf(stderr, "fuzz: %s does not compile:\n%s", path.c_str(),
                 precept::render(result.diagnostics).c_str());
    std::abort();
  }
  return *result.policy;
}

// The W1 register's header line, as in examples/data/xijiang_sample.csv.
inline std::string join_csv_header(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
  }
  return out;
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace precept_fuzz

namespace precept_fuzz {

// A set of files in one input, for the targets that read several (layers, diff):
// the first file's text, then each further file after a line `%% NAME`:
//
//   policy "county" extends "province.pol"      <- the first file ("" name)
//   ...
//   %% province.pol
//   policy "province" extends "national.pol"
//   %% national.pol
//   ...
//
// Names are what the policy reader asks its loader for (an `extends` path joined
// with the folder of the file that names it, made lexically normal).
struct FileSet {
  std::string first;
  std::vector<std::pair<std::string, std::string>> files;  // (name, text), in input order

  const std::string* find(const std::string& name) const {
    for (const auto& [n, text] : files)
      if (n == name) return &text;
    return nullptr;
  }
};

inline FileSet split_file_set(std::string_view input) {
  FileSet set;
  std::string* current = &set.first;
  std::size_t at = 0;
  while (at <= input.size()) {
    std::size_t end = input.find('\n', at);
    const bool last = end == std::string_view::npos;
    if (last) end = input.size();
    const std::string_view line = input.substr(at, end - at);
    if (line.substr(0, 3) == "%% ") {
      set.files.emplace_back(std::string(line.substr(3)), std::string());
      current = &set.files.back().second;
    } else {
      current->append(line);
      if (!last) current->push_back('\n');
    }
    if (last) break;
    at = end + 1;
  }
  return set;
}

inline std::string join_file_set(const FileSet& set) {
  std::string out = set.first;
  for (const auto& [name, text] : set.files) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "%% " + name + "\n" + text;
  }
  return out;
}

// A few records of every field set to one value, for a policy that compiled.
inline std::vector<std::vector<std::pair<std::string, std::string>>> plain_records(const precept::Policy& policy) {
  std::vector<std::vector<std::pair<std::string, std::string>>> records;
  for (const char* value : {"", "0", "1", "-1", "9223372036854775807", "2015-06-30"}) {
    std::vector<std::pair<std::string, std::string>> record;
    for (const std::string& name : policy.field_names()) record.emplace_back(name, value);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace precept_fuzz
