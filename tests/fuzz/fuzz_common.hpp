// Shared by the fuzz targets and the seed builder: the project's own policies
// and small helpers. PRECEPT_SOURCE_DIR is set by tests/fuzz/CMakeLists.txt; the
// environment variable PRECEPT_SOURCE_DIR overrides it (to run a binary elsewhere).
#pragma once
#include <precept/precept.hpp>

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
