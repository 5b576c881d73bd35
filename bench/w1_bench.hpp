// What the benchmarks of evaluation share (precept-eval-bench, precept-typed-bench):
// the hand-written W1 loop over a batch's columns that is their bar, and the
// timing helpers. Each bench is one translation unit that includes this once.
#pragma once

#include "batch.hpp"
#include "program.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
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

}  // namespace precept_bench
