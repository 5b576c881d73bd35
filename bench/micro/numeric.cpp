// Money parsing and formatting: three money columns are parsed and two money
// columns written per household, so these run several million times per
// million-row register.
#include "numeric.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kValues = 4096;

// Deterministic values shaped like W1's money cells: mostly a few thousand yuan
// with 0, 1 or 2 decimals, some negative, some zero, a few large.
std::vector<std::int64_t> sample_fen() {
  std::vector<std::int64_t> out;
  out.reserve(kValues);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i < kValues; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint64_t r = state >> 33;
    std::int64_t fen = static_cast<std::int64_t>(r % 2'000'000);  // up to 20,000 yuan
    switch (r % 8) {
      case 0: fen = 0; break;
      case 1: fen = -fen / 10; break;
      case 2: fen = (fen / 100) * 100; break;               // whole yuan
      case 3: fen = (fen / 10) * 10; break;                 // one decimal
      case 4: fen *= 1000; break;                           // large deposits
      default: break;
    }
    out.push_back(fen);
  }
  return out;
}

// The texts as a CSV would hold them: whole yuan without decimals, one decimal
// when the second is 0, as the generator writes them.
std::vector<std::string> sample_texts() {
  std::vector<std::string> out;
  for (const std::int64_t fen : sample_fen()) {
    std::string text;
    precept::append_money(text, fen);
    if (text.ends_with(".00")) text.resize(text.size() - 3);
    else if (text.ends_with('0')) text.pop_back();
    out.push_back(std::move(text));
  }
  return out;
}

void BM_ParseMoney(benchmark::State& state) {
  const std::vector<std::string> texts = sample_texts();
  std::size_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  for (auto _ : state) {
    for (const std::string& t : texts) {
      std::int64_t fen = 0;
      const bool ok = precept::parse_money(t, fen);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(fen);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * texts.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ParseMoney);

void BM_AppendMoney(benchmark::State& state) {
  const std::vector<std::int64_t> values = sample_fen();
  std::string out;
  out.reserve(64);
  for (auto _ : state) {
    for (const std::int64_t fen : values) {
      out.clear();  // keeps the capacity: measures formatting, not allocation
      precept::append_money(out, fen);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * values.size()));
}
BENCHMARK(BM_AppendMoney);

}  // namespace
