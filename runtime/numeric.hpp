// Exact decimal arithmetic for money, decimals and integers.
//
// Why scaled integers: money must never pass through binary floating point, and
// int64 fen (1/100 yuan) is both exact and fast. Every operation is checked: an
// overflow is reported to the caller (the VM turns it into a row error), never
// wrapped silently. Where an intermediate does not fit 64 bits (a quotient's
// numerator after rescaling, a product before rounding) Boost.Multiprecision's
// checked 128-bit integer carries it.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace precept {

// money is held as int64 fen; decimal as int64 millionths.
inline constexpr int kMoneyScale = 2;
inline constexpr int kDecimalScale = 6;

using Wide = boost::multiprecision::checked_int128_t;

// How round() breaks ties and truncates. HalfEven is the default everywhere.
enum class RoundingMode : std::uint8_t {
  HalfEven = 0,  // ties to the even neighbour (banker's rounding)
  HalfUp = 1,    // ties away from zero
  HalfDown = 2,  // ties toward zero
  Up = 3,        // away from zero
  Down = 4,      // toward zero (truncate)
  Ceiling = 5,   // toward +infinity
  Floor = 6,     // toward -infinity
};
inline constexpr int kRoundingModeCount = 7;
// Name as written in a policy ("half_even", "half_up", ...); nullptr if out of range.
const char* rounding_mode_name(RoundingMode mode);

enum class ArithStatus : std::uint8_t { Ok = 0, Overflow, DivisionByZero };

// An exact quotient num/den, in units of 10^-scale of its kind. den is never 0
// and is kept positive: make_quotient() guarantees it, and every function taking a
// Quotient relies on it (a hand-built one must keep it too).
struct Quotient {
  Wide num = 0;
  std::int64_t den = 1;
};

// Checked int64 arithmetic: false on overflow (out is unspecified then).
bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& out);
bool checked_sub(std::int64_t a, std::int64_t b, std::int64_t& out);
bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out);
bool checked_neg(std::int64_t a, std::int64_t& out);
bool checked_abs(std::int64_t a, std::int64_t& out);
// out = v * 10^k for 0 <= k <= 18; false on overflow.
bool checked_scale_up(std::int64_t v, int k, std::int64_t& out);
// 10^k for 0 <= k <= 18.
std::int64_t pow10_i64(int k);

// Builds the quotient (numerator * 10^shift) / denominator, reducing the sign onto
// the numerator. DivisionByZero when denominator == 0. |int64| * 10^18 always fits
// the 128-bit numerator; the one Overflow is a denominator of INT64_MIN that cannot
// be made positive. 0 <= shift <= 18.
ArithStatus make_quotient(std::int64_t numerator, int shift, std::int64_t denominator,
                          Quotient& out);
// (a * b) / 10^shift as a quotient, exact. 0 <= shift <= 18.
ArithStatus make_product_quotient(std::int64_t a, std::int64_t b, int shift, Quotient& out);
// Rounds q / 10^drop to an integer with `mode`, then multiplies back by 10^drop, so
// the result stays in q's units with the last `drop` digits zero. E.g. a money
// quotient (units fen) rounded to whole yuan uses drop = 2. 0 <= drop <= 18.
// Overflow when the result does not fit int64.
ArithStatus round_quotient(const Quotient& q, int drop, RoundingMode mode, std::int64_t& out);
// Rounds a scaled value to fewer digits: same as round_quotient(v/1, drop, mode).
ArithStatus round_scaled(std::int64_t v, int drop, RoundingMode mode, std::int64_t& out);
// Exact three-way comparison of q with v (both in the same units): -1, 0, 1.
int compare_quotient(const Quotient& q, std::int64_t v);
// Exact three-way comparison of two quotients: -1, 0, 1.
int compare_quotients(const Quotient& a, const Quotient& b);

// Parsers for input values (CSV cells, policy literals). They accept exactly:
//   int:     -?[0-9]{1,9}
//   money:   -?[0-9]{1,12}(\.[0-9]{1,2})?        -> fen
//   decimal: -?[0-9]{1,12}(\.[0-9]{1,6})?        -> millionths
//   date:    YYYY-MM-DD, a real calendar day between 1900-01-01 and 9999-12-31
//            -> days since 1970-01-01
// No spaces, '+', exponents, separators or currency signs. "-0" is accepted (zero).
namespace detail {
// Accepts -?[0-9]{1,MaxInt}(\.[0-9]{1,MaxFrac})? and scales it to 10^-Scale
// units. The digit limits keep every accepted value inside int64, so
// accumulation needs no overflow checks. Inline and specialised per kind
// because it runs once per numeric cell of every register read.
template <int MaxInt, int MaxFrac, int Scale>
inline bool parse_scaled(std::string_view s, std::int64_t& out) {
  static_assert(MaxInt + Scale <= 18 && MaxFrac <= Scale);
  const char* p = s.data();
  const char* const end = p + s.size();
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  const char* const int_start = p;
  std::int64_t v = 0;
  for (; p != end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
    if (p - int_start == MaxInt) return false;
    v = v * 10 + (*p - '0');
  }
  if (p == int_start) return false;
  int frac_digits = 0;
  if constexpr (MaxFrac > 0) {
    if (p != end && *p == '.') {
      ++p;
      for (; p != end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
        if (++frac_digits > MaxFrac) return false;
        v = v * 10 + (*p - '0');
      }
      if (frac_digits == 0) return false;
    }
  }
  if (p != end) return false;
  for (int k = frac_digits; k < Scale; ++k) v *= 10;
  out = negative ? -v : v;
  return true;
}
}  // namespace detail

// bool: exactly 0 or 1.
inline bool parse_bool(std::string_view text, std::int64_t& out) {
  if (text.size() != 1 || (text[0] != '0' && text[0] != '1')) return false;
  out = text[0] - '0';
  return true;
}
inline bool parse_int(std::string_view text, std::int64_t& out) { return detail::parse_scaled<9, 0, 0>(text, out); }
inline bool parse_money(std::string_view text, std::int64_t& out) {
  return detail::parse_scaled<12, kMoneyScale, kMoneyScale>(text, out);
}
inline bool parse_decimal(std::string_view text, std::int64_t& out) {
  return detail::parse_scaled<12, kDecimalScale, kDecimalScale>(text, out);
}
bool parse_date(std::string_view text, std::int64_t& out);

// Formatters. Money: exactly 2 decimals, '-' when negative, never "-0.00".
// Decimal: exactly 6 decimals, same sign rule. Date: YYYY-MM-DD.
// They append to `out` (no allocation when it has capacity).
// The write_ forms put the text at `out` (which must have room for
// kMaxNumberTextBytes) and return its end: for writers that lay down whole
// lines at once.
inline constexpr std::size_t kMaxNumberTextBytes = 24;  // "-92233720368547758.08" and the like
char* write_int(char* out, std::int64_t v);
char* write_money(char* out, std::int64_t fen);
char* write_decimal(char* out, std::int64_t millionths);
void append_int(std::string& out, std::int64_t v);
void append_money(std::string& out, std::int64_t fen);
void append_decimal(std::string& out, std::int64_t millionths);
void append_date(std::string& out, std::int64_t days);
std::string format_money(std::int64_t fen);
std::string format_decimal(std::int64_t millionths);

}  // namespace precept
