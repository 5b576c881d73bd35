// precept-eval-bench: evaluation alone. A W1 register is read into Batch columns
// once (no CSV parsing while timing), then two evaluators run over the same
// int64 columns, alternately, several times:
//
//   - Precept: Machine::run of policies/xijiang_2015.pol, batch after batch;
//   - a hand-written W1 loop, as a careful programmer would write it for these
//     columns: one pass per batch, checked int64 arithmetic, no engine.
//
// Both must give the same outputs for every row (the same rows rejected, the same
// per-capita income, poverty, category, cause, measures and total): a fast wrong
// answer is no result, so any difference exits 1.
//
//   precept-eval-bench --data FILE [--repeat N] [--batch N] [--policy FILE]
//
// The last line of the output is a Markdown table row for bench/RESULTS.md.
#include "vm.hpp"
#include "w1_bench.hpp"

#include <precept/precept.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#ifndef W1_POLICY
#error "W1_POLICY (path of policies/xijiang_2015.pol) must be defined"
#endif

namespace {

using namespace precept_bench;

// ---------------------------------------------------------------- comparing

struct OutputRegs {
  std::uint32_t per_capita, poor, category, cause, measures, total;
};

bool find_outputs(const Program& program, OutputRegs& regs, std::string& missing) {
  const auto find = [&](const char* name, std::uint32_t& out) {
    for (const auto& o : program.outputs)
      if (o.name == name) {
        out = o.reg;
        return true;
      }
    missing = name;
    return false;
  };
  return find("per_capita", regs.per_capita) && find("poor", regs.poor) && find("category", regs.category) &&
         find("main_cause", regs.cause) && find("measures", regs.measures) && find("total_assistance", regs.total);
}

// Compares one batch; returns the number of rows that differ (reporting the first few).
std::size_t compare_batch(const precept::Machine& m, const Batch& batch, const OutputRegs& r, const W1Outputs& hand,
                          std::size_t& reported, std::uint64_t& checksum) {
  std::size_t differing = 0;
  for (std::size_t i = 0; i < batch.rows; ++i) {
    const bool vm_failed = m.error(i) != precept::RowError::None;
    std::uint32_t vm_measures = 0;
    std::size_t vm_count = 0;
    if (!vm_failed)
      for (const std::int64_t item : m.list(r.measures, i)) {
        vm_measures |= 1u << item;
        ++vm_count;
      }
    bool same = vm_failed == (hand.failed[i] != 0);
    if (same && !vm_failed)
      same = m.scalar(r.per_capita, i) == hand.per_capita[i] && m.scalar(r.poor, i) == hand.poor[i] &&
             m.scalar(r.category, i) == hand.category[i] && m.scalar(r.cause, i) == hand.cause[i] &&
             m.scalar(r.total, i) == hand.total[i] && vm_measures == hand.measures[i] &&
             vm_count == static_cast<std::size_t>(__builtin_popcount(hand.measures[i]));
    if (!same) {
      ++differing;
      if (reported++ < 5)
        std::fprintf(stderr,
                     "precept-eval-bench: line %llu differs: VM %s per_capita %lld poor %lld category %lld cause %lld "
                     "measures %#x total %lld; hand-written %s per_capita %lld poor %lld category %lld cause %lld "
                     "measures %#x total %lld\n",
                     static_cast<unsigned long long>(batch.lines[i]), vm_failed ? "rejects" : "accepts",
                     static_cast<long long>(m.scalar(r.per_capita, i)), static_cast<long long>(m.scalar(r.poor, i)),
                     static_cast<long long>(m.scalar(r.category, i)), static_cast<long long>(m.scalar(r.cause, i)),
                     vm_measures, static_cast<long long>(m.scalar(r.total, i)), hand.failed[i] ? "rejects" : "accepts",
                     static_cast<long long>(hand.per_capita[i]), static_cast<long long>(hand.poor[i]),
                     static_cast<long long>(hand.category[i]), static_cast<long long>(hand.cause[i]),
                     hand.measures[i], static_cast<long long>(hand.total[i]));
    }
    // FNV-style mix of what both agreed on, printed so runs can be compared.
    const std::uint64_t values[] = {hand.failed[i],
                                    static_cast<std::uint64_t>(hand.per_capita[i]),
                                    static_cast<std::uint64_t>(hand.poor[i]),
                                    static_cast<std::uint64_t>(hand.category[i]),
                                    static_cast<std::uint64_t>(hand.cause[i]),
                                    hand.measures[i],
                                    static_cast<std::uint64_t>(hand.total[i])};
    for (const std::uint64_t v : values) checksum = (checksum ^ v) * 1099511628211ull;
  }
  return differing;
}

int usage() {
  std::fprintf(stderr,
               "usage: precept-eval-bench --data FILE [--repeat N] [--batch N] [--policy FILE]\n"
               "  --data FILE    a W1 register (CSV), e.g. from precept-gen --rows 1000000\n"
               "  --repeat N     timed passes over the register for each evaluator (default 5)\n"
               "  --batch N      rows per batch (default 1024, as `precept run`)\n"
               "  --policy FILE  the W1 policy (default %s)\n",
               W1_POLICY);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  options.policy = W1_POLICY;
  options.batch = 1024;
  if (!parse_bench_options(argc, argv, options)) return usage();
  const char* data = options.data;
  const std::string& policy_path = options.policy;
  const std::size_t repeat = options.repeat, batch_size = options.batch;

  const std::optional<precept::Policy> opened = open_bench_policy(policy_path);
  if (!opened) return 2;
  const Program& program = program_of(*opened);
  W1Columns columns{};
  OutputRegs outputs{};
  std::string problem;
  if (!columns.locate(program, problem) || !find_outputs(program, outputs, problem)) {
    std::fprintf(stderr, "precept-eval-bench: %s is not W1: it has no `%s`\n", policy_path.c_str(), problem.c_str());
    return 2;
  }
  std::fprintf(stderr, "== loading %s into batches of %zu\n", data, batch_size);
  Register reg;
  if (!load_register(program, data, batch_size, reg, problem)) {
    std::fprintf(stderr, "precept-eval-bench: %s\n", problem.c_str());
    return 2;
  }

  precept::Machine machine(program, batch_size);
  W1Outputs hand;
  hand.resize(batch_size);

  // Untimed: one pass of each, compared row by row.
  std::size_t differing = 0, reported = 0, rejected = 0;
  std::uint64_t checksum = 14695981039346656037ull;
  for (const auto& batch : reg.batches) {
    machine.run(*batch);
    hand_written_w1(*batch, columns, hand);
    differing += compare_batch(machine, *batch, outputs, hand, reported, checksum);
    for (std::size_t i = 0; i < batch->rows; ++i) rejected += hand.failed[i];
  }
  if (differing) {
    std::fprintf(stderr, "precept-eval-bench: %zu of %zu rows differ between Precept and the hand-written loop\n",
                 differing, reg.rows);
    return 1;
  }

  // Alternating passes, so that a change in the machine's load falls on both.
  std::vector<double> vm_seconds, hand_seconds;
  for (std::size_t r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (const auto& batch : reg.batches) machine.run(*batch);
    vm_seconds.push_back(seconds_since(start));
    start = std::chrono::steady_clock::now();
    for (const auto& batch : reg.batches) hand_written_w1(*batch, columns, hand);
    hand_seconds.push_back(seconds_since(start));
  }
  // Each pass of the VM is compared with the hand-written pass right after it,
  // which ran under the same load: the median of those ratios is the figure
  // least moved by others' work on a shared machine.
  std::vector<double> ratios;
  for (std::size_t r = 0; r < repeat; ++r) ratios.push_back(vm_seconds[r] / hand_seconds[r]);
  const double vm = median(vm_seconds), baseline = median(hand_seconds), ratio = median(ratios);
  const double vm_best = *std::min_element(vm_seconds.begin(), vm_seconds.end());
  const double baseline_best = *std::min_element(hand_seconds.begin(), hand_seconds.end());
  const double rows = static_cast<double>(reg.rows);
  std::fprintf(stderr, "== %zu rows (%zu rejected by both, %zu unreadable skipped), %zu batches of %zu, %zu passes each\n",
               reg.rows, rejected, reg.skipped, reg.batches.size(), batch_size, repeat);
  std::printf("| evaluator | median s | median rows/s | best rows/s | ns/row (median) |\n|---|---:|---:|---:|---:|\n");
  std::printf("| Precept VM (Machine::run) | %.4f | %.0f | %.0f | %.2f |\n", vm, rows / vm, rows / vm_best,
              vm / rows * 1e9);
  std::printf("| hand-written W1 loop | %.4f | %.0f | %.0f | %.2f |\n", baseline, rows / baseline,
              rows / baseline_best, baseline / rows * 1e9);
  std::printf("Precept takes %.2fx the hand-written loop's time (median of %zu paired passes); outputs identical on "
              "all %zu rows (checksum %016llx)\n",
              ratio, repeat, reg.rows, static_cast<unsigned long long>(checksum));
  std::printf("| eval alone, W1, %zu rows, batch %zu | Precept %.1fM rows/s | hand-written %.1fM rows/s | %.2fx |\n",
              reg.rows, batch_size, rows / vm / 1e6, rows / baseline / 1e6, ratio);
  return 0;
}
