// The CSV reader over a generated W1 register held in memory: bytes/s is the
// figure to compare with the disk or pipe it will read from in practice.
#include "w1_data.hpp"

#include "csv.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string_view>

namespace {

constexpr std::size_t kRows = 100'000;  // ~9 MB: well past L2, quick to make

// From a string_view: the scanner alone, no stdio.
void BM_CsvReader_Buffer(benchmark::State& state) {
  const std::string& data = precept_bench::w1_register(kRows);
  std::size_t records = 0;
  for (auto _ : state) {
    precept::CsvReader reader{std::string_view(data)};
    precept::CsvRecord record;
    while (reader.next(record)) {
      ++records;
      benchmark::DoNotOptimize(record.fields.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvReader_Buffer)->Unit(benchmark::kMillisecond);

// Runs `read(stream)` over the register through a FILE* per iteration;
// fmemopen keeps the disk out of it. `read` returns the records it read.
template <typename Read>
void over_stream(benchmark::State& state, Read read) {
  std::string& data = const_cast<std::string&>(precept_bench::w1_register(kRows));
  std::size_t records = 0;
  for (auto _ : state) {
    std::FILE* stream = ::fmemopen(data.data(), data.size(), "r");
    if (!stream) {
      state.SkipWithError("fmemopen failed");
      return;
    }
    records += read(stream);
    std::fclose(stream);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

// From a FILE*, as `precept run` reads: adds the block reads and the carrying of
// a record across block boundaries.
void BM_CsvReader_Stream(benchmark::State& state) {
  over_stream(state, [](std::FILE* stream) {
    precept::CsvReader reader(stream);
    precept::CsvRecord record;
    std::size_t records = 0;
    while (reader.next(record)) {
      ++records;
      benchmark::DoNotOptimize(record.fields.data());
    }
    return records;
  });
}
BENCHMARK(BM_CsvReader_Stream)->Unit(benchmark::kMillisecond);

// The part of reading that stays on one thread in a parallel run: finding
// where records end and copying chunks of them out (next_chunk). Its speed
// against BM_CsvReader_Stream's bounds how far more threads can help.
void BM_CsvReader_Chunks(benchmark::State& state) {
  over_stream(state, [](std::FILE* stream) {
    precept::CsvReader reader(stream);
    precept::CsvChunk chunk;
    std::size_t records = 0;
    while (reader.next_chunk(chunk, 1024, std::size_t{16} << 20)) {
      records += chunk.records;
      benchmark::DoNotOptimize(chunk.bytes.data());
    }
    return records;
  });
}
BENCHMARK(BM_CsvReader_Chunks)->Unit(benchmark::kMillisecond);

}  // namespace
