// w1-reference: an independent, hand-written implementation of workload W1
// ("Xijiang 2015", see /work/shared/workload/W1.md), written straight from the
// spec without any engine code.
//
// It has two jobs:
//   1. Oracle for the test suite: its results, rejects and summary files must
//      agree byte for byte with the engine's on the same input.
//   2. Performance baseline: "hand-written single-thread C++: mmap, fast RFC 4180
//      scan, int64 fen, no engine". So it is one pass over an mmap'ed file with no
//      per-row allocation on the common path.
//
// Usage: w1-reference INPUT.csv --results R.csv --rejects X.csv --summary S.csv
//
// Money is int64 fen. One household's assistance is at most ~1.3e15 fen even
// with 9-digit counts and 12-digit incomes ((2736 - per_capita) * members is about
// 2736 * members - net_income), but sums over a file of such rows pass int64's
// 9.2e18 after a few thousand rows. Legal input must not wrap in an oracle, so
// amounts and all sums are computed in __int128.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

// __extension__: the project builds with -Wpedantic, and __int128 is a GCC/Clang extension.
__extension__ typedef __int128 Int128;

// ---------------------------------------------------------------- W1 schema

constexpr std::size_t kColumnCount = 20;

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "household_id", "county",       "township",         "village",
    "members",      "labor_count",  "net_income",       "deposits",
    "owns_car",     "owns_town_house", "public_employee", "house",
    "dibao",        "wubao",        "ill_members",      "disabled_members",
    "students",     "disaster_loss", "safe_water",      "remote",
};

enum Column : std::size_t {
  kHouseholdId, kCounty, kTownship, kVillage, kMembers, kLaborCount, kNetIncome,
  kDeposits, kOwnsCar, kOwnsTownHouse, kPublicEmployee, kHouse, kDibao, kWubao,
  kIllMembers, kDisabledMembers, kStudents, kDisasterLoss, kSafeWater, kRemote,
};

// Rule parameters, in fen.
constexpr std::int64_t kPovertyLineFen = 273600;
constexpr std::int64_t kDepositCapFen = 5000000;
constexpr std::int64_t kDisasterThresholdFen = 500000;

enum class House : std::uint8_t { Safe, C, D };

enum class Category : std::uint8_t { None, Wubao, Dibao, Ordinary };
constexpr std::array<std::string_view, 4> kCategoryNames = {"none", "wubao", "dibao",
                                                            "ordinary"};

// Order matters twice: it is the precedence of rule 5 and the order of the
// cause columns in the summary.
enum class Cause : std::uint8_t {
  None, Illness, Disability, Disaster, Education, LackLabor, Environment, LackFunds,
};
constexpr std::size_t kCauseCount = 8;
constexpr std::array<std::string_view, kCauseCount> kCauseNames = {
    "none", "illness", "disability", "disaster", "education",
    "lack_labor", "environment", "lack_funds",
};

// ---------------------------------------------------------------- output

// A write buffer over a FILE*, flushed in large blocks: printf-style output
// would dominate the run time on a million rows.
class OutputBuffer {
 public:
  explicit OutputBuffer(std::FILE* file) : file_(file) { buffer_.reserve(kCapacity); }
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  void append(std::string_view text) {
    if (buffer_.size() + text.size() > kCapacity) flush();
    buffer_.append(text);
  }
  void append(char c) {
    if (buffer_.size() + 1 > kCapacity) flush();
    buffer_.push_back(c);
  }

  // RFC 4180: quote only when the value needs it, doubling embedded quotes.
  void append_csv_field(std::string_view value) {
    if (!needs_quotes(value)) {
      append(value);
      return;
    }
    append('"');
    for (char c : value) {
      if (c == '"') append('"');
      append(c);
    }
    append('"');
  }

  void append_integer(Int128 value) {
    char digits[48];
    // Nearly every value fits 64 bits, where to_chars is several times faster
    // than 128-bit division.
    if (value >= INT64_MIN && value <= INT64_MAX) {
      const auto result = std::to_chars(digits, digits + sizeof digits, static_cast<std::int64_t>(value));
      append(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
      return;
    }
    std::size_t length = 0;
    const bool negative = value < 0;
    // Digits come from the magnitude taken one digit at a time, so INT128_MIN
    // never needs negating.
    do {
      int digit = static_cast<int>(value % 10);
      if (digit < 0) digit = -digit;
      digits[length++] = static_cast<char>('0' + digit);
      value /= 10;
    } while (value != 0);
    if (negative) digits[length++] = '-';
    std::reverse(digits, digits + length);
    append(std::string_view(digits, length));
  }

  // Money with exactly two decimals; '-' only for a value below zero, so a zero
  // can never print as -0.00.
  void append_money(Int128 fen) {
    const bool negative = fen < 0;
    const Int128 magnitude = negative ? -fen : fen;
    if (negative) append('-');
    int cents;
    if (magnitude <= INT64_MAX) {
      const auto narrow = static_cast<std::int64_t>(magnitude);
      append_integer(narrow / 100);
      cents = static_cast<int>(narrow % 100);
    } else {
      append_integer(magnitude / 100);
      cents = static_cast<int>(magnitude % 100);
    }
    const char fraction[3] = {'.', static_cast<char>('0' + cents / 10), static_cast<char>('0' + cents % 10)};
    append(std::string_view(fraction, 3));
  }

  bool flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      failed_ = true;
    }
    buffer_.clear();
    return !failed_;
  }

  bool failed() const { return failed_; }

 private:
  // A plain loop: string_view::find_first_of calls memchr once per byte, which
  // showed up at 10% of the whole run.
  static bool needs_quotes(std::string_view value) {
    for (char c : value) {
      if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
    }
    return false;
  }

  static constexpr std::size_t kCapacity = 1 << 20;
  std::FILE* file_;
  std::string buffer_;
  bool failed_ = false;
};

// ---------------------------------------------------------------- CSV scanning

// One record's fields. Unquoted fields and quoted fields without doubled quotes
// are views into the mapped file; only fields with "" escapes are copied.
struct Record {
  std::array<std::string_view, kColumnCount> fields;
  std::array<std::string, kColumnCount> unescaped;  // backing store for "" fields
  std::array<bool, kColumnCount> malformed{};        // junk after a closing quote, or no closing quote
  std::size_t field_count = 0;
  std::uint64_t line = 0;  // physical line the record starts on
};

class CsvScanner {
 public:
  CsvScanner(const char* begin, const char* end) : cursor_(begin), end_(end) {}

  bool at_end() const { return cursor_ >= end_; }

  // Reads one record terminated by LF (a CR just before it is part of the line
  // end) or by the end of the input. Counts every LF, inside quotes too, so that
  // line numbers stay physical.
  void read(Record& record) {
    record.field_count = 0;
    record.line = line_;
    for (;;) {
      const std::size_t index = record.field_count;
      const bool stored = index < kColumnCount;
      std::string_view value;
      bool malformed = false;
      if (cursor_ < end_ && *cursor_ == '"') {
        value = read_quoted(record, index, stored, malformed);
      } else {
        value = read_unquoted();
      }
      if (stored) {
        record.fields[index] = value;
        record.malformed[index] = malformed;
      }
      ++record.field_count;
      if (cursor_ >= end_) return;
      const char delimiter = *cursor_++;
      if (delimiter == '\n') {
        ++line_;
        return;
      }
      // delimiter is ',': another field follows (possibly empty, even at end of line).
    }
  }

 private:
  std::string_view read_unquoted() {
    const char* start = cursor_;
    const char* p = cursor_;
    while (p < end_ && *p != ',' && *p != '\n') ++p;
    cursor_ = p;
    const char* stop = p;
    // CRLF line end: the CR belongs to the line end, not to the last field.
    if (stop > start && stop[-1] == '\r' && (p == end_ || *p == '\n')) --stop;
    return std::string_view(start, static_cast<std::size_t>(stop - start));
  }

  std::string_view read_quoted(Record& record, std::size_t index, bool stored, bool& malformed) {
    ++cursor_;  // opening quote
    const char* start = cursor_;
    const char* p = cursor_;
    bool has_escapes = false;
    for (;;) {
      if (p >= end_) {
        malformed = true;  // no closing quote before the end of the input
        break;
      }
      if (*p == '"') {
        if (p + 1 < end_ && p[1] == '"') {
          has_escapes = true;
          p += 2;
          continue;
        }
        break;
      }
      if (*p == '\n') ++line_;
      ++p;
    }
    const char* content_end = p;
    if (p < end_) ++p;  // closing quote
    // After the closing quote only a delimiter (or CRLF) is legal. Anything else is
    // malformed quoting, outside the contract; it is skipped here and the row is
    // rejected, so that it is at least counted.
    const char* after = p;
    while (p < end_ && *p != ',' && *p != '\n') ++p;
    if (p > after && !(p - after == 1 && *after == '\r' && (p == end_ || *p == '\n'))) {
      malformed = true;
    }
    cursor_ = p;
    std::string_view raw(start, static_cast<std::size_t>(content_end - start));
    if (!has_escapes || !stored) return raw;
    std::string& buffer = record.unescaped[index];
    buffer.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      buffer.push_back(raw[i]);
      if (raw[i] == '"') ++i;  // skip the second quote of the pair
    }
    return buffer;
  }

  const char* cursor_;
  const char* end_;
  std::uint64_t line_ = 1;
};

// ---------------------------------------------------------------- value parsing

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// int: -?[0-9]{1,9}. Nine digits always fit int64, so no overflow check is needed.
bool parse_int(std::string_view text, std::int64_t& out) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) i = 1;
  const std::size_t digits = text.size() - i;
  if (digits < 1 || digits > 9) return false;
  std::int64_t value = 0;
  for (; i < text.size(); ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  out = negative ? -value : value;
  return true;
}

// money: -?[0-9]{1,12}(\.[0-9]{1,2})?, returned in fen (at most ~1e14, fits int64).
bool parse_money(std::string_view text, std::int64_t& out_fen) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) i = 1;
  std::int64_t yuan = 0;
  std::size_t integer_digits = 0;
  while (i < text.size() && is_digit(text[i])) {
    yuan = yuan * 10 + (text[i] - '0');
    ++integer_digits;
    ++i;
  }
  if (integer_digits < 1 || integer_digits > 12) return false;
  std::int64_t fen = 0;
  if (i < text.size()) {
    if (text[i] != '.') return false;
    ++i;
    const std::size_t decimals = text.size() - i;
    if (decimals < 1 || decimals > 2) return false;
    for (std::size_t k = 0; k < decimals; ++k) {
      if (!is_digit(text[i + k])) return false;
    }
    fen = (text[i] - '0') * 10;
    if (decimals == 2) fen += text[i + 1] - '0';
  }
  const std::int64_t value = yuan * 100 + fen;
  out_fen = negative ? -value : value;
  return true;
}

bool parse_bool(std::string_view text, bool& out) {
  if (text == "0") {
    out = false;
    return true;
  }
  if (text == "1") {
    out = true;
    return true;
  }
  return false;
}

bool parse_house(std::string_view text, House& out) {
  if (text == "safe") {
    out = House::Safe;
  } else if (text == "c") {
    out = House::C;
  } else if (text == "d") {
    out = House::D;
  } else {
    return false;
  }
  return true;
}

// numerator / denominator rounded half-to-even, exactly. denominator > 0.
// Works on magnitudes so that ties are symmetric around zero (-10.05/2 -> -5.02).
Int128 divide_half_even(Int128 numerator, Int128 denominator) {
  const bool negative = numerator < 0;
  const Int128 magnitude = negative ? -numerator : numerator;
  Int128 quotient = magnitude / denominator;
  const Int128 twice_remainder = (magnitude % denominator) * 2;
  if (twice_remainder > denominator || (twice_remainder == denominator && quotient % 2 != 0)) {
    ++quotient;
  }
  return negative ? -quotient : quotient;
}

// ---------------------------------------------------------------- W1 rules

struct Household {
  std::int64_t members = 0;
  std::int64_t labor_count = 0;
  std::int64_t net_income_fen = 0;
  std::int64_t deposits_fen = 0;
  bool owns_car = false;
  bool owns_town_house = false;
  bool public_employee = false;
  House house = House::Safe;
  bool dibao = false;
  bool wubao = false;
  std::int64_t ill_members = 0;
  std::int64_t disabled_members = 0;
  std::int64_t students = 0;
  std::int64_t disaster_loss_fen = 0;
  bool safe_water = false;
  bool remote = false;
};

struct Rejection {
  std::string_view column;  // empty for a wrong column count
  std::string reason;
};

std::string quote_for_reason(std::string_view value) {
  // The reason is free text; the value is shown to help whoever fixes the
  // register, but shortened so a runaway field cannot bloat the rejects file.
  constexpr std::size_t kMaxShown = 40;
  std::string shown(value.substr(0, kMaxShown));
  if (value.size() > kMaxShown) shown += "...";
  // Single quotes: double quotes would come out doubled by the CSV writer.
  return "'" + shown + "'";
}

// Validates columns left to right and stops at the first bad one, as the
// contract requires. Returns false with `rejection` filled for a bad row.
bool parse_household(const Record& record, Household& household, Rejection& rejection) {
  if (record.field_count != kColumnCount) {
    rejection.column = {};
    rejection.reason = "expected " + std::to_string(kColumnCount) + " fields, found " +
                       std::to_string(record.field_count);
    return false;
  }
  const auto fail = [&](std::size_t column, const char* what) {
    rejection.column = kColumnNames[column];
    rejection.reason = std::string(what) + ": " + quote_for_reason(record.fields[column]);
    return false;
  };
  const auto as_int = [&](std::size_t column, std::int64_t& out) {
    return !record.malformed[column] && parse_int(record.fields[column], out);
  };
  const auto as_money = [&](std::size_t column, std::int64_t& out) {
    return !record.malformed[column] && parse_money(record.fields[column], out);
  };
  const auto as_bool = [&](std::size_t column, bool& out) {
    return !record.malformed[column] && parse_bool(record.fields[column], out);
  };

  for (std::size_t column : {kHouseholdId, kCounty, kTownship, kVillage}) {
    if (record.malformed[column]) return fail(column, "malformed quoting");
  }
  if (!as_int(kMembers, household.members)) return fail(kMembers, "not an int");
  if (household.members <= 0) return fail(kMembers, "members must be positive");
  if (!as_int(kLaborCount, household.labor_count)) return fail(kLaborCount, "not an int");
  if (!as_money(kNetIncome, household.net_income_fen)) return fail(kNetIncome, "not money");
  if (!as_money(kDeposits, household.deposits_fen)) return fail(kDeposits, "not money");
  if (!as_bool(kOwnsCar, household.owns_car)) return fail(kOwnsCar, "not a bool");
  if (!as_bool(kOwnsTownHouse, household.owns_town_house)) return fail(kOwnsTownHouse, "not a bool");
  if (!as_bool(kPublicEmployee, household.public_employee)) return fail(kPublicEmployee, "not a bool");
  if (record.malformed[kHouse] || !parse_house(record.fields[kHouse], household.house)) {
    return fail(kHouse, "not one of safe, c, d");
  }
  if (!as_bool(kDibao, household.dibao)) return fail(kDibao, "not a bool");
  if (!as_bool(kWubao, household.wubao)) return fail(kWubao, "not a bool");
  if (!as_int(kIllMembers, household.ill_members)) return fail(kIllMembers, "not an int");
  if (!as_int(kDisabledMembers, household.disabled_members)) return fail(kDisabledMembers, "not an int");
  if (!as_int(kStudents, household.students)) return fail(kStudents, "not an int");
  if (!as_money(kDisasterLoss, household.disaster_loss_fen)) return fail(kDisasterLoss, "not money");
  if (!as_bool(kSafeWater, household.safe_water)) return fail(kSafeWater, "not a bool");
  if (!as_bool(kRemote, household.remote)) return fail(kRemote, "not a bool");
  return true;
}

enum Measure : std::uint8_t {
  kMedicalAid, kDisabilitySubsidy, kRainDew, kHousingRenovation, kRelocation,
  kIndustrySupport, kIncomeTopup, kWaterProject, kMeasureCount,
};
constexpr std::array<std::string_view, kMeasureCount> kMeasureNames = {
    "medical_aid", "disability_subsidy", "rain_dew", "housing_renovation",
    "relocation", "industry_support", "income_topup", "water_project",
};

struct Decision {
  std::int64_t per_capita_fen = 0;
  bool poor = false;
  Category category = Category::None;
  Cause cause = Cause::None;
  std::uint32_t measures = 0;  // bit per Measure, in table order
  Int128 total_assistance_fen = 0;
};

Decision decide(const Household& h) {
  Decision d;
  // Rule 1. |net_income| < 1e15 fen and members >= 1, so the result fits int64.
  d.per_capita_fen = static_cast<std::int64_t>(divide_half_even(h.net_income_fen, h.members));
  // Rule 2.
  const bool excluded = h.owns_car || h.owns_town_house || h.public_employee ||
                        h.deposits_fen > kDepositCapFen;
  // Rule 3.
  d.poor = h.wubao || (!excluded && d.per_capita_fen < kPovertyLineFen);
  if (!d.poor) return d;
  // Rule 4.
  d.category = h.wubao ? Category::Wubao : h.dibao ? Category::Dibao : Category::Ordinary;
  // Rule 5: first cause that holds.
  if (h.ill_members > 0) {
    d.cause = Cause::Illness;
  } else if (h.disabled_members > 0) {
    d.cause = Cause::Disability;
  } else if (h.disaster_loss_fen >= kDisasterThresholdFen) {
    d.cause = Cause::Disaster;
  } else if (h.students > 0) {
    d.cause = Cause::Education;
  } else if (h.labor_count == 0) {
    d.cause = Cause::LackLabor;
  } else if (h.remote) {
    d.cause = Cause::Environment;
  } else {
    d.cause = Cause::LackFunds;
  }
  // Rules 6 and 7, in fen.
  const auto grant = [&](Measure measure, Int128 amount_fen) {
    d.measures |= 1u << measure;
    d.total_assistance_fen += amount_fen;
  };
  if (h.ill_members > 0) grant(kMedicalAid, std::min<Int128>(Int128{100000} * h.ill_members, 300000));
  if (h.disabled_members > 0) grant(kDisabilitySubsidy, Int128{60000} * h.disabled_members);
  if (h.students > 0) grant(kRainDew, Int128{150000} * h.students);
  if (h.house == House::D) {
    grant(kHousingRenovation, 2000000);
  } else if (h.house == House::C) {
    grant(kHousingRenovation, 800000);
  }
  if (h.remote) grant(kRelocation, Int128{600000} * h.members);
  if (h.labor_count > 0 && !h.remote) grant(kIndustrySupport, 200000);
  if (h.labor_count == 0 && !h.wubao) {
    // A poor non-wubao household is always below the line, so the max(0, ...) of
    // the spec never bites here; it is kept because it is the rule as written.
    const Int128 gap = std::max<Int128>(0, Int128{kPovertyLineFen} - d.per_capita_fen);
    grant(kIncomeTopup, gap * h.members);
  }
  if (!h.safe_water) grant(kWaterProject, 50000);
  return d;
}

// ---------------------------------------------------------------- summary

struct VillageTotals {
  std::string county;
  std::string township;
  std::string village;
  std::int64_t households = 0;
  Int128 population = 0;
  std::int64_t poor_households = 0;
  Int128 poor_population = 0;
  Int128 total_assistance_fen = 0;
  std::array<std::int64_t, kCauseCount> poor_by_cause{};

  void add(const Household& h, const Decision& d) {
    ++households;
    population += h.members;
    if (d.poor) {
      ++poor_households;
      poor_population += h.members;
      total_assistance_fen += d.total_assistance_fen;
      ++poor_by_cause[static_cast<std::size_t>(d.cause)];
    }
  }

  void merge(const VillageTotals& other) {
    households += other.households;
    population += other.population;
    poor_households += other.poor_households;
    poor_population += other.poor_population;
    total_assistance_fen += other.total_assistance_fen;
    for (std::size_t i = 0; i < kCauseCount; ++i) poor_by_cause[i] += other.poor_by_cause[i];
  }
};

// Length-prefixed so that no choice of separator can make two different triples
// collide (place names may contain any byte).
void make_village_key(std::string& key, std::string_view county, std::string_view township,
                      std::string_view village) {
  key.clear();
  for (std::string_view part : {county, township, village}) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  }
}

int compare_bytes(const std::string& a, const std::string& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

bool village_order(const VillageTotals* a, const VillageTotals* b) {
  if (int c = compare_bytes(a->county, b->county); c != 0) return c < 0;
  if (int c = compare_bytes(a->township, b->township); c != 0) return c < 0;
  return compare_bytes(a->village, b->village) < 0;
}

void write_summary_row(OutputBuffer& out, const VillageTotals& v) {
  out.append_csv_field(v.county);
  out.append(',');
  out.append_csv_field(v.township);
  out.append(',');
  out.append_csv_field(v.village);
  out.append(',');
  out.append_integer(v.households);
  out.append(',');
  out.append_integer(v.population);
  out.append(',');
  out.append_integer(v.poor_households);
  out.append(',');
  out.append_integer(v.poor_population);
  out.append(',');
  // Incidence in millionths, half-to-even; always within [0, 1].
  const Int128 millionths =
      v.population == 0 ? 0 : divide_half_even(v.poor_population * 1000000, v.population);
  out.append_integer(millionths / 1000000);
  out.append('.');
  char fraction[6];
  Int128 rest = millionths % 1000000;
  for (int i = 5; i >= 0; --i) {
    fraction[i] = static_cast<char>('0' + static_cast<int>(rest % 10));
    rest /= 10;
  }
  out.append(std::string_view(fraction, 6));
  out.append(',');
  out.append_money(v.total_assistance_fen);
  for (std::size_t cause = 1; cause < kCauseCount; ++cause) {
    out.append(',');
    out.append_integer(v.poor_by_cause[cause]);
  }
  out.append('\n');
}

// ---------------------------------------------------------------- driver

struct MappedFile {
  const char* data = nullptr;
  std::size_t size = 0;
  void* mapping = nullptr;

  bool open(const char* path) {
    const int fd = ::open(path, O_RDONLY);
    if (fd < 0) return false;
    struct stat info;
    if (::fstat(fd, &info) != 0) {
      ::close(fd);
      return false;
    }
    size = static_cast<std::size_t>(info.st_size);
    if (size > 0) {
      mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (mapping == MAP_FAILED) {
        mapping = nullptr;
        ::close(fd);
        return false;
      }
      ::madvise(mapping, size, MADV_SEQUENTIAL);
      data = static_cast<const char*>(mapping);
    }
    ::close(fd);
    return true;
  }
  ~MappedFile() {
    if (mapping != nullptr) ::munmap(mapping, size);
  }
};

int usage() {
  std::fprintf(stderr,
               "usage: w1-reference INPUT.csv --results R.csv --rejects X.csv --summary S.csv\n");
  return 2;
}

std::FILE* open_output(const char* path) {
  std::FILE* file = std::fopen(path, "wb");
  if (file == nullptr) std::fprintf(stderr, "w1-reference: cannot write %s: %s\n", path, std::strerror(errno));
  return file;
}

int run(int argc, char** argv) {
  const char* input_path = nullptr;
  const char* results_path = nullptr;
  const char* rejects_path = nullptr;
  const char* summary_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](const char*& target) {
      if (i + 1 >= argc) return false;
      target = argv[++i];
      return true;
    };
    if (arg == "--results") {
      if (!value(results_path)) return usage();
    } else if (arg == "--rejects") {
      if (!value(rejects_path)) return usage();
    } else if (arg == "--summary") {
      if (!value(summary_path)) return usage();
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      return usage();
    } else if (input_path == nullptr) {
      input_path = argv[i];
    } else {
      return usage();
    }
  }
  if (input_path == nullptr || results_path == nullptr || rejects_path == nullptr ||
      summary_path == nullptr) {
    return usage();
  }

  MappedFile input;
  if (!input.open(input_path)) {
    std::fprintf(stderr, "w1-reference: cannot read %s: %s\n", input_path, std::strerror(errno));
    return 2;
  }
  const char* begin = input.data;
  const char* end = input.data + input.size;
  // W1 does not mention a byte-order mark, but spreadsheet exports of registers
  // commonly carry one; it is not part of the first column's name.
  if (input.size >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;

  CsvScanner scanner(begin, end);
  Record record;
  if (scanner.at_end()) {
    std::fprintf(stderr, "w1-reference: %s: empty input, expected a header line\n", input_path);
    return 2;
  }
  scanner.read(record);
  bool header_ok = record.field_count == kColumnCount;
  for (std::size_t i = 0; header_ok && i < kColumnCount; ++i) {
    header_ok = !record.malformed[i] && record.fields[i] == kColumnNames[i];
  }
  if (!header_ok) {
    std::fprintf(stderr, "w1-reference: %s: header does not match the W1 columns:\n", input_path);
    for (std::size_t i = 0; i < kColumnCount; ++i) {
      std::fprintf(stderr, "%s%.*s", i == 0 ? "  " : ",", static_cast<int>(kColumnNames[i].size()),
                   kColumnNames[i].data());
    }
    std::fputc('\n', stderr);
    return 2;
  }

  std::FILE* results_file = open_output(results_path);
  std::FILE* rejects_file = open_output(rejects_path);
  std::FILE* summary_file = open_output(summary_path);
  if (results_file == nullptr || rejects_file == nullptr || summary_file == nullptr) return 2;
  bool write_ok = true;
  {
    OutputBuffer results(results_file);
    OutputBuffer rejects(rejects_file);
    results.append("household_id,per_capita,poor,category,main_cause,measures,total_assistance\n");
    rejects.append("line,column,reason\n");

    std::vector<VillageTotals> villages;
    std::unordered_map<std::string, std::size_t> village_index;
    std::string key;
    // Registers are usually sorted by village, so most rows hit the village of the
    // previous row; checking it first avoids hashing the triple on every row.
    std::size_t last_village = SIZE_MAX;

    std::uint64_t rows_read = 0;
    std::uint64_t results_written = 0;
    std::uint64_t rows_rejected = 0;
    Household household;
    Rejection rejection;
    while (!scanner.at_end()) {
      scanner.read(record);
      ++rows_read;
      if (!parse_household(record, household, rejection)) {
        ++rows_rejected;
        rejects.append_integer(record.line);
        rejects.append(',');
        rejects.append_csv_field(rejection.column);
        rejects.append(',');
        rejects.append_csv_field(rejection.reason);
        rejects.append('\n');
        continue;
      }
      const Decision decision = decide(household);
      ++results_written;

      results.append_csv_field(record.fields[kHouseholdId]);
      results.append(',');
      results.append_money(decision.per_capita_fen);
      results.append(decision.poor ? ",true," : ",false,");
      results.append(kCategoryNames[static_cast<std::size_t>(decision.category)]);
      results.append(',');
      results.append(kCauseNames[static_cast<std::size_t>(decision.cause)]);
      results.append(',');
      bool first_measure = true;
      for (std::size_t m = 0; m < kMeasureCount; ++m) {
        if ((decision.measures & (1u << m)) == 0) continue;
        if (!first_measure) results.append(';');
        results.append(kMeasureNames[m]);
        first_measure = false;
      }
      results.append(',');
      results.append_money(decision.total_assistance_fen);
      results.append('\n');

      const std::string_view county = record.fields[kCounty];
      const std::string_view township = record.fields[kTownship];
      const std::string_view village = record.fields[kVillage];
      if (last_village == SIZE_MAX || villages[last_village].village != village ||
          villages[last_village].township != township || villages[last_village].county != county) {
        make_village_key(key, county, township, village);
        auto [it, inserted] = village_index.try_emplace(key, villages.size());
        if (inserted) {
          VillageTotals& fresh = villages.emplace_back();
          fresh.county = county;
          fresh.township = township;
          fresh.village = village;
        }
        last_village = it->second;
      }
      villages[last_village].add(household, decision);
    }

    std::vector<const VillageTotals*> sorted;
    sorted.reserve(villages.size());
    VillageTotals total;
    total.county = total.township = total.village = "*";
    for (const VillageTotals& v : villages) {
      sorted.push_back(&v);
      total.merge(v);
    }
    std::sort(sorted.begin(), sorted.end(), village_order);
    OutputBuffer summary(summary_file);
    summary.append(
        "county,township,village,households,population,poor_households,poor_population,"
        "incidence,total_assistance,illness,disability,disaster,education,lack_labor,"
        "environment,lack_funds\n");
    for (const VillageTotals* v : sorted) write_summary_row(summary, *v);
    write_summary_row(summary, total);

    write_ok = results.flush() && rejects.flush() && summary.flush();
    std::fprintf(stderr, "rows read: %llu, results: %llu, rejected: %llu\n",
                 static_cast<unsigned long long>(rows_read),
                 static_cast<unsigned long long>(results_written),
                 static_cast<unsigned long long>(rows_rejected));
  }
  for (std::FILE* file : {results_file, rejects_file, summary_file}) {
    if (std::fclose(file) != 0) write_ok = false;
  }
  if (!write_ok) {
    std::fprintf(stderr, "w1-reference: writing the output failed\n");
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
