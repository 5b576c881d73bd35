#include "numeric.hpp"

#include <array>
#include <cassert>
#include <limits>
#include <stdexcept>

namespace precept {

namespace {

// Wide enough for any Wide numerator times an int64 denominator (128 + 63 bits),
// and fixed-size, so the rare fallback never touches the heap.
using Wider = boost::multiprecision::checked_int256_t;

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

constexpr std::array<std::int64_t, 19> kPow10 = [] {
  std::array<std::int64_t, 19> table{};
  table[0] = 1;
  for (std::size_t k = 1; k < table.size(); ++k) table[k] = table[k - 1] * 10;
  return table;
}();

// Rounds n/d (d > 0) to an integer. Written once for int64 and Wide. It never
// forms 2*remainder, which could overflow when d is near the top of the type:
// comparing the remainder with its distance to d decides ties just as well.
template <class T>
T divide_rounded(const T& n, const T& d, RoundingMode mode) {
  T q = n / d;  // truncates toward zero; the remainder carries n's sign
  const T r = n % d;
  if (r == 0) return q;
  const int away_step = r < 0 ? -1 : 1;
  const T below = r < 0 ? T(-r) : r;  // distance back toward zero
  const T above = d - below;          // distance on away from zero
  bool away = false;
  switch (mode) {
    case RoundingMode::HalfEven:
      away = below > above || (below == above && q % 2 != 0);
      break;
    case RoundingMode::HalfUp:
      away = below >= above;
      break;
    case RoundingMode::HalfDown:
      away = below > above;
      break;
    case RoundingMode::Up:
      away = true;
      break;
    case RoundingMode::Down:
      away = false;
      break;
    case RoundingMode::Ceiling:
      away = away_step > 0;
      break;
    case RoundingMode::Floor:
      away = away_step < 0;
      break;
  }
  // A nonzero remainder means d >= 2, so |q| <= |n|/2 and the step cannot overflow.
  if (away) q += away_step;
  return q;
}

bool fits_int64(const Wide& v) { return v >= kInt64Min && v <= kInt64Max; }

// |v| as unsigned, correct for INT64_MIN.
std::uint64_t magnitude(std::int64_t v) {
  return v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

// "00" "01" ... "99": two digits per division, which halves the divisions of
// the hottest loop in writing results.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    pairs[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// Writes v in decimal, right-aligned so it ends just before `end`, zero-padded
// to at least min_digits. Returns the first character written.
char* write_digits(char* end, std::uint64_t v, int min_digits) {
  char* p = end;
  while (v >= 100) {
    const auto pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    p -= 2;
    p[0] = kDigitPairs[pair];
    p[1] = kDigitPairs[pair + 1];
    min_digits -= 2;
  }
  if (v >= 10) {
    p -= 2;
    p[0] = kDigitPairs[static_cast<std::size_t>(v) * 2];
    p[1] = kDigitPairs[static_cast<std::size_t>(v) * 2 + 1];
    min_digits -= 2;
  } else {
    *--p = static_cast<char>('0' + v);
    --min_digits;
  }
  while (min_digits-- > 0) *--p = '0';
  return p;
}

// Digits of v in decimal (1 for 0).
int decimal_length(std::uint64_t v) {
  int n = 1;
  while (n < 19 && v >= static_cast<std::uint64_t>(kPow10[static_cast<std::size_t>(n)])) ++n;
  return v >= static_cast<std::uint64_t>(kPow10[18]) * 10 ? 20 : n;
}

// Money, decimal and int formatting differ only in the number of decimals. The
// scale is a template argument so that splitting off the decimals divides by a
// constant (a multiply) rather than by a variable (a slow hardware divide). The
// length is worked out first so the digits go straight to their place.
template <int Scale>
char* write_scaled(char* out, std::int64_t v) {
  const std::uint64_t mag = magnitude(v);
  constexpr auto kUnit = static_cast<std::uint64_t>(kPow10[Scale]);
  const std::uint64_t whole = mag / kUnit;
  char* const end = out + (v < 0 ? 1 : 0) + decimal_length(whole) + (Scale > 0 ? Scale + 1 : 0);
  char* p = end;
  if constexpr (Scale > 0) {
    p = write_digits(p, mag % kUnit, Scale);
    *--p = '.';
  }
  p = write_digits(p, whole, 1);
  if (v < 0) *--p = '-';  // v < 0 means mag >= 1, so "-0.00" cannot appear
  return end;
}

template <int Scale>
void append_scaled(std::string& out, std::int64_t v) {
  char buf[kMaxNumberTextBytes];
  out.append(buf, write_scaled<Scale>(buf, v));
}

}  // namespace

char* write_int(char* out, std::int64_t v) { return write_scaled<0>(out, v); }
char* write_money(char* out, std::int64_t fen) { return write_scaled<kMoneyScale>(out, fen); }
char* write_decimal(char* out, std::int64_t millionths) { return write_scaled<kDecimalScale>(out, millionths); }

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian),
// on 400-year eras of 146097 days counted from 0000-03-01.
constexpr std::int64_t kDaysPerEra = 146097;
constexpr std::int64_t kEpochShift = 719468;  // days from 0000-03-01 to 1970-01-01

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * kDaysPerEra + doe - kEpochShift;
}

struct Civil {
  std::int64_t year;
  int month;
  int day;
};

Civil civil_from_days(std::int64_t days) {
  // Peel off whole eras first so that adding the epoch shift cannot overflow,
  // whatever int64 arrives (date arithmetic may produce absurd values).
  std::int64_t era = days / kDaysPerEra;
  std::int64_t rest = days % kDaysPerEra;
  if (rest < 0) {
    rest += kDaysPerEra;
    --era;
  }
  std::int64_t z = rest + kEpochShift;  // < 3 eras: small
  era += z / kDaysPerEra;
  const std::int64_t doe = z % kDaysPerEra;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  return {y, m, d};
}

}  // namespace

const char* rounding_mode_name(RoundingMode mode) {
  static constexpr const char* kNames[kRoundingModeCount] = {
      "half_even", "half_up", "half_down", "up", "down", "ceiling", "floor"};
  const auto index = static_cast<int>(mode);
  return index < kRoundingModeCount ? kNames[index] : nullptr;
}

bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

bool checked_sub(std::int64_t a, std::int64_t b, std::int64_t& out) {
  return !__builtin_sub_overflow(a, b, &out);
}

bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

bool checked_neg(std::int64_t a, std::int64_t& out) {
  return !__builtin_sub_overflow(std::int64_t{0}, a, &out);
}

bool checked_abs(std::int64_t a, std::int64_t& out) {
  if (a >= 0) {
    out = a;
    return true;
  }
  return checked_neg(a, out);
}

bool checked_scale_up(std::int64_t v, int k, std::int64_t& out) {
  return checked_mul(v, pow10_i64(k), out);
}

std::int64_t pow10_i64(int k) {
  assert(k >= 0 && k <= 18);
  return kPow10[k];
}

// Neither constructor can overflow Wide: |int64 * 10^18| and |int64 * int64| are
// both below 2^127. The only unrepresentable case is a denominator of INT64_MIN.
ArithStatus make_quotient(std::int64_t numerator, int shift, std::int64_t denominator,
                          Quotient& out) {
  if (denominator == 0) return ArithStatus::DivisionByZero;
  Wide num = Wide(numerator) * pow10_i64(shift);
  std::int64_t den = denominator;
  if (den == kInt64Min) {
    // -INT64_MIN is not an int64; halving both sides keeps the value exact,
    // which is possible whenever the numerator is even.
    if (num % 2 != 0) return ArithStatus::Overflow;
    num /= 2;
    den /= 2;
  }
  if (den < 0) {
    num = -num;
    den = -den;
  }
  out.num = num;
  out.den = den;
  return ArithStatus::Ok;
}

ArithStatus make_product_quotient(std::int64_t a, std::int64_t b, int shift, Quotient& out) {
  out.num = Wide(a) * b;
  out.den = pow10_i64(shift);
  return ArithStatus::Ok;
}

ArithStatus round_quotient(const Quotient& q, int drop, RoundingMode mode, std::int64_t& out) {
  assert(q.den > 0);
  const std::int64_t unit = pow10_i64(drop);
  // Most quotients are small: stay in int64 when both sides fit, since Wide's
  // checked arithmetic costs several times more.
  std::int64_t den64 = 0;
  if (fits_int64(q.num) && checked_mul(q.den, unit, den64)) {
    const auto num64 = q.num.convert_to<std::int64_t>();
    return checked_mul(divide_rounded(num64, den64, mode), unit, out) ? ArithStatus::Ok
                                                                      : ArithStatus::Overflow;
  }
  // den * 10^drop < 2^63 * 10^18 < 2^123 fits Wide; only multiplying back can
  // overflow it, and Boost reports that by throwing, which must not leave here.
  try {
    const Wide result = divide_rounded(q.num, Wide(q.den) * unit, mode) * unit;
    if (!fits_int64(result)) return ArithStatus::Overflow;
    out = result.convert_to<std::int64_t>();
    return ArithStatus::Ok;
  } catch (const std::overflow_error&) {
    return ArithStatus::Overflow;
  }
}

ArithStatus round_scaled(std::int64_t v, int drop, RoundingMode mode, std::int64_t& out) {
  const std::int64_t unit = pow10_i64(drop);
  return checked_mul(divide_rounded(v, unit, mode), unit, out) ? ArithStatus::Ok
                                                               : ArithStatus::Overflow;
}

int compare_quotient(const Quotient& q, std::int64_t v) {
  assert(q.den > 0);
  const Wide scaled = Wide(v) * q.den;  // |v * den| < 2^126: fits
  return (q.num > scaled) - (q.num < scaled);
}

int compare_quotients(const Quotient& a, const Quotient& b) {
  assert(a.den > 0 && b.den > 0);
  // Cross-multiplying in Wide is exact while each numerator is below 2^64 (the
  // product stays under 2^127); beyond that it would overflow, so widen.
  static const Wide kSafe = Wide(std::numeric_limits<std::uint64_t>::max());
  if (abs(a.num) <= kSafe && abs(b.num) <= kSafe) {
    const Wide left = a.num * b.den;
    const Wide right = b.num * a.den;
    return (left > right) - (left < right);
  }
  const Wider left = Wider(a.num) * b.den;
  const Wider right = Wider(b.num) * a.den;
  return (left > right) - (left < right);
}

bool parse_date(std::string_view text, std::int64_t& out) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int fields[3] = {0, 0, 0};
  static constexpr int kStart[3] = {0, 5, 8};
  static constexpr int kLength[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (int i = kStart[f]; i < kStart[f] + kLength[f]; ++i) {
      if (!is_digit(text[i])) return false;
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  }
  const int year = fields[0], month = fields[1], day = fields[2];
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return false;
  }
  out = days_from_civil(year, month, day);
  return true;
}

void append_int(std::string& out, std::int64_t v) { append_scaled<0>(out, v); }

void append_money(std::string& out, std::int64_t fen) { append_scaled<kMoneyScale>(out, fen); }

void append_decimal(std::string& out, std::int64_t millionths) {
  append_scaled<kDecimalScale>(out, millionths);
}

void append_date(std::string& out, std::int64_t days) {
  // Dates from arithmetic can leave 1900..9999; they still print, as an
  // ISO 8601 expanded year (sign, at least four digits), rather than lie.
  const Civil c = civil_from_days(days);
  char buf[32];
  char* const end = buf + sizeof buf;
  char* p = write_digits(end, static_cast<std::uint64_t>(c.day), 2);
  *--p = '-';
  p = write_digits(p, static_cast<std::uint64_t>(c.month), 2);
  *--p = '-';
  p = write_digits(p, magnitude(c.year), 4);
  if (c.year < 0) *--p = '-';
  out.append(p, end);
}

std::string format_money(std::int64_t fen) {
  std::string out;
  append_money(out, fen);
  return out;
}

std::string format_decimal(std::int64_t millionths) {
  std::string out;
  append_decimal(out, millionths);
  return out;
}

}  // namespace precept
