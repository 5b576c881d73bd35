// What the evaluation benchmarks share (precept-eval-bench, eval_alone.cpp;
// precept-typed-bench, typed_one.cpp; precept-columnar-bench, columnar.cpp):
// the hand-written W1 loop they are measured against, loading a W1 register
// into Batch columns, and timing.
#pragma once

#include "batch.hpp"
#include "csv.hpp"
#include "program.hpp"

#include <precept/diagnostic.hpp>
#include <precept/policy.hpp>

#include <algorithm>
#include <cerrno>
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

namespace precept_bench {

using precept::Batch;
using precept::Program;

// ---------------------------------------------------------------- the hand-written loop

// W1's parameters and enum codes, as the policy defines them (member order).
constexpr std::int64_t kPovertyLine = 273600;     // fen
constexpr std::int64_t kDepositCap = 5000000;
constexpr std::int64_t kDisasterThreshold = 500000;
enum Category : std::int64_t { kNone, kWubao, kDibao, kOrdinary };
enum Cause : std::int64_t { kNoCause, kIllness, kDisability, kDisaster, kEducation, kLackLabor, kEnvironment, kLackFunds };
enum Measure : unsigned {
  kMedicalAid, kDisabilitySubsidy, kRainDew, kHousingRenovation, kRelocation, kIndustrySupport, kIncomeTopup,
  kWaterProject,
};
enum House : std::int64_t { kSafe, kHouseC, kHouseD };

// The columns W1 reads, located by field name in the compiled program.
struct W1Columns {
  std::uint32_t members, labor_count, net_income, deposits, owns_car, owns_town_house, public_employee, house, dibao,
      wubao, ill_members, disabled_members, students, disaster_loss, safe_water, remote;

  bool locate(const Program& program, std::string& missing) {
    const auto find = [&](const char* name, std::uint32_t& out) {
      for (std::size_t f = 0; f < program.fields.size(); ++f)
        if (program.fields[f].name == name) {
          out = static_cast<std::uint32_t>(f);
          return true;
        }
      missing = name;
      return false;
    };
    return find("members", members) && find("labor_count", labor_count) && find("net_income", net_income) &&
           find("deposits", deposits) && find("owns_car", owns_car) && find("owns_town_house", owns_town_house) &&
           find("public_employee", public_employee) && find("house", house) && find("dibao", dibao) &&
           find("wubao", wubao) && find("ill_members", ill_members) && find("disabled_members", disabled_members) &&
           find("students", students) && find("disaster_loss", disaster_loss) && find("safe_water", safe_water) &&
           find("remote", remote);
  }
};

// One batch's results from the hand-written loop.
struct W1Outputs {
  std::vector<std::uint8_t> failed;  // 1: the row is rejected (an overflow)
  std::vector<std::int64_t> per_capita, poor, category, cause, total;
  std::vector<std::uint32_t> measures;  // bit per Measure; W1's rows grant them in enum order

  void resize(std::size_t n) {
    for (auto* v : {&per_capita, &poor, &category, &cause, &total}) v->assign(n, 0);
    failed.assign(n, 0);
    measures.assign(n, 0);
  }
};

// Half-to-even division as W1 rounds per-capita income; false on division by
// zero or the one int64 quotient that overflows.
inline bool divide_half_even(std::int64_t n, std::int64_t d, std::int64_t& out) {
  if (d == 0 || (n == INT64_MIN && d == -1)) return false;
  std::int64_t q = n / d;
  const std::int64_t r = n % d;
  if (r != 0) {
    const auto magnitude = [](std::int64_t v) {
      return v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    };
    const std::uint64_t twice_r = 2 * magnitude(r), abs_d = magnitude(d);
    if (twice_r > abs_d || (twice_r == abs_d && q % 2 != 0)) q += (r < 0) != (d < 0) ? -1 : 1;
  }
  out = q;
  return true;
}

// noinline, and the outputs go to memory the caller reads later, so the compiler
// can neither drop the work nor fold it into the timing loop.
[[gnu::noinline]] inline void hand_written_w1(const Batch& batch, const W1Columns& c, W1Outputs& out) {
  const auto col = [&](std::uint32_t f) { return batch.columns[f].scalars.data(); };
  const std::int64_t *members = col(c.members), *labor = col(c.labor_count), *income = col(c.net_income),
                     *deposits = col(c.deposits), *car = col(c.owns_car), *town_house = col(c.owns_town_house),
                     *employee = col(c.public_employee), *house = col(c.house), *dibao = col(c.dibao),
                     *wubao = col(c.wubao), *ill = col(c.ill_members), *disabled = col(c.disabled_members),
                     *students = col(c.students), *loss = col(c.disaster_loss), *water = col(c.safe_water),
                     *remote = col(c.remote);
  for (std::size_t i = 0; i < batch.rows; ++i) {
    std::int64_t per_capita = 0;
    bool failed = !divide_half_even(income[i], members[i], per_capita);
    const bool excluded = car[i] || town_house[i] || employee[i] || deposits[i] > kDepositCap;
    const bool poor = wubao[i] || (!excluded && per_capita < kPovertyLine);
    std::int64_t category = kNone, cause = kNoCause, total = 0;
    std::uint32_t measures = 0;
    if (poor) {
      category = wubao[i] ? kWubao : dibao[i] ? kDibao : kOrdinary;
      cause = ill[i] > 0                        ? kIllness
              : disabled[i] > 0                 ? kDisability
              : loss[i] >= kDisasterThreshold   ? kDisaster
              : students[i] > 0                 ? kEducation
              : labor[i] == 0                   ? kLackLabor
              : remote[i]                       ? kEnvironment
                                                : kLackFunds;
      const auto grant = [&](Measure m, std::int64_t amount) {
        measures |= 1u << m;
        failed |= __builtin_add_overflow(total, amount, &total);
      };
      std::int64_t amount;
      if (ill[i] > 0) {
        failed |= __builtin_mul_overflow(std::int64_t{100000}, ill[i], &amount);
        grant(kMedicalAid, std::min<std::int64_t>(amount, 300000));
      }
      if (disabled[i] > 0) {
        failed |= __builtin_mul_overflow(std::int64_t{60000}, disabled[i], &amount);
        grant(kDisabilitySubsidy, amount);
      }
      if (students[i] > 0) {
        failed |= __builtin_mul_overflow(std::int64_t{150000}, students[i], &amount);
        grant(kRainDew, amount);
      }
      if (house[i] == kHouseD) grant(kHousingRenovation, 2000000);
      else if (house[i] == kHouseC) grant(kHousingRenovation, 800000);
      if (remote[i]) {
        failed |= __builtin_mul_overflow(std::int64_t{600000}, members[i], &amount);
        grant(kRelocation, amount);
      }
      if (labor[i] > 0 && !remote[i]) grant(kIndustrySupport, 200000);
      if (labor[i] == 0 && !wubao[i]) {
        std::int64_t gap;
        failed |= __builtin_sub_overflow(kPovertyLine, per_capita, &gap);
        failed |= __builtin_mul_overflow(std::max<std::int64_t>(0, gap), members[i], &amount);
        grant(kIncomeTopup, amount);
      }
      if (!water[i]) grant(kWaterProject, 50000);
    }
    out.failed[i] = failed;
    out.per_capita[i] = per_capita;
    out.poor[i] = poor;
    out.category[i] = category;
    out.cause[i] = cause;
    out.measures[i] = measures;
    out.total[i] = total;
  }
}

// ---------------------------------------------------------------- loading the register

struct Register {
  std::vector<std::unique_ptr<Batch>> batches;
  std::size_t rows = 0;      // loaded into batches
  std::size_t skipped = 0;   // records that did not read (the VM never sees them)
};

inline bool load_register(const Program& program, const char* path, std::size_t batch_size, Register& reg,
                   std::string& error) {
  std::FILE* file = std::fopen(path, "rb");
  if (!file) {
    error = std::string("cannot open ") + path + ": " + std::strerror(errno);
    return false;
  }
  precept::CsvReader reader(file);
  precept::CsvRecord record;
  if (!reader.next(record)) {
    std::fclose(file);
    error = std::string(path) + " is empty";
    return false;
  }
  std::vector<std::optional<std::size_t>> column_of_field(program.fields.size());
  for (std::size_t c = 0; c < record.fields.size(); ++c)
    for (std::size_t f = 0; f < program.fields.size(); ++f)
      if (program.fields[f].name == record.fields[c]) column_of_field[f] = c;
  for (std::size_t f = 0; f < program.fields.size(); ++f)
    if (!column_of_field[f] && !program.fields[f].optional) {
      std::fclose(file);
      error = std::string(path) + " has no column " + program.fields[f].name;
      return false;
    }
  std::string reason;
  Batch* batch = nullptr;
  while (reader.next(record)) {
    if (!batch || batch->full()) {
      reg.batches.push_back(std::make_unique<Batch>());
      batch = reg.batches.back().get();
      batch->reset(program, batch_size);
    }
    bool ok = !record.malformed;
    for (std::size_t f = 0; ok && f < program.fields.size(); ++f) {
      const std::string_view text = column_of_field[f] && *column_of_field[f] < record.fields.size()
                                        ? record.fields[*column_of_field[f]]
                                        : std::string_view();
      ok = precept::parse_field_value(program, static_cast<std::uint32_t>(f), text, batch->columns[f], batch->rows,
                                      reason);
    }
    if (!ok) {
      ++reg.skipped;
      continue;
    }
    batch->lines[batch->rows] = record.line;
    ++batch->rows;
    ++reg.rows;
  }
  const bool io_error = reader.io_error();
  std::fclose(file);
  if (io_error) {
    error = std::string("reading ") + path + " failed";
    return false;
  }
  if (reg.rows == 0) {
    error = std::string(path) + " has no rows that read";
    return false;
  }
  return true;
}


// ---------------------------------------------------------------- timing

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}


inline bool parse_count(const char* text, std::size_t& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno || !end || *end || value == 0 || text[0] == '-') return false;
  out = static_cast<std::size_t>(value);
  return true;
}

// The options both benchmarks take: --data FILE [--repeat N] [--batch N]
// [--policy FILE]; false (the caller prints its usage) when they do not parse.
struct BenchOptions {
  const char* data = nullptr;
  std::string policy;
  std::size_t repeat = 5;
  std::size_t batch = 0;
};
inline bool parse_bench_options(int argc, char** argv, BenchOptions& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    if (arg == "--data") options.data = argv[++i];
    else if (arg == "--policy") options.policy = argv[++i];
    else if (arg == "--repeat") { if (!parse_count(argv[++i], options.repeat)) return false; }
    else if (arg == "--batch") { if (!parse_count(argv[++i], options.batch)) return false; }
    else return false;
  }
  return options.data != nullptr;
}

// The policy at `path` (source or .pcb), or none after printing why not.
inline std::optional<precept::Policy> open_bench_policy(const std::string& path) {
  precept::CompileResult compiled = precept::open_policy(path);
  if (!compiled.ok()) std::fprintf(stderr, "%s", precept::render(compiled.diagnostics).c_str());
  return compiled.policy;
}

}  // namespace precept_bench
