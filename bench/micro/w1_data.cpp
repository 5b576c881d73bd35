#include "w1_data.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

// Both paths come from bench/CMakeLists.txt, so the benchmark binary runs from
// any working directory.
#ifndef PRECEPT_GEN
#error "PRECEPT_GEN (path of precept-gen) must be defined"
#endif
#ifndef W1_POLICY
#error "W1_POLICY (path of policies/xijiang_2015.pol) must be defined"
#endif

namespace precept_bench {

const std::string& w1_register(std::size_t rows) {
  static std::map<std::size_t, std::string> cache;
  auto it = cache.find(rows);
  if (it != cache.end()) return it->second;

  const std::string command = std::string("'") + PRECEPT_GEN + "' --rows " + std::to_string(rows) + " --seed 1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    std::fprintf(stderr, "cannot run %s\n", command.c_str());
    std::abort();
  }
  std::string text;
  char block[1 << 16];
  std::size_t n;
  while ((n = std::fread(block, 1, sizeof block, pipe)) > 0) text.append(block, n);
  if (::pclose(pipe) != 0 || text.empty()) {
    std::fprintf(stderr, "%s failed\n", command.c_str());
    std::abort();
  }
  return cache.emplace(rows, std::move(text)).first->second;
}

const precept::Policy& w1_policy() {
  static const precept::Policy policy = [] {
    precept::CompileResult result = precept::open_policy(W1_POLICY);
    if (!result.ok()) {
      std::fprintf(stderr, "%s does not compile (run `precept check` on it)\n", W1_POLICY);
      std::abort();
    }
    return *result.policy;
  }();
  return policy;
}

}  // namespace precept_bench
