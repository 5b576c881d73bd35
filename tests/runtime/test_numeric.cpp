#include "numeric.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

namespace precept {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

constexpr std::array<RoundingMode, kRoundingModeCount> kModes = {
    RoundingMode::HalfEven, RoundingMode::HalfUp, RoundingMode::HalfDown, RoundingMode::Up,
    RoundingMode::Down,     RoundingMode::Ceiling, RoundingMode::Floor};

// One value rounded under every mode, in kModes order.
struct RoundCase {
  std::int64_t value;
  int drop;
  std::array<std::int64_t, kRoundingModeCount> expected;
};

// Columns:                    half_even  half_up  half_down  up  down  ceiling  floor
const RoundCase kRoundCases[] = {
    {25, 1, {20, 30, 20, 30, 20, 30, 20}},         // 2.5: a tie, even below
    {35, 1, {40, 40, 30, 40, 30, 40, 30}},         // 3.5: a tie, even above
    {-25, 1, {-20, -30, -20, -30, -20, -20, -30}},
    {-35, 1, {-40, -40, -30, -40, -30, -30, -40}},
    {5, 1, {0, 10, 0, 10, 0, 10, 0}},              // 0.5
    {-5, 1, {0, -10, 0, -10, 0, 0, -10}},          // -0.5
    {15, 1, {20, 20, 10, 20, 10, 20, 10}},
    {251, 2, {300, 300, 300, 300, 200, 300, 200}},  // 2.51: not a tie
    {249, 2, {200, 200, 200, 300, 200, 300, 200}},
    {-249, 2, {-200, -200, -200, -300, -200, -200, -300}},
    {-251, 2, {-300, -300, -300, -300, -200, -200, -300}},
    {250, 2, {200, 300, 200, 300, 200, 300, 200}},
    {-250, 2, {-200, -300, -200, -300, -200, -200, -300}},
    {300, 2, {300, 300, 300, 300, 300, 300, 300}},
    {-300, 2, {-300, -300, -300, -300, -300, -300, -300}},
    {0, 2, {0, 0, 0, 0, 0, 0, 0}},
    {12345, 0, {12345, 12345, 12345, 12345, 12345, 12345, 12345}},
    {12345, 3, {12000, 12000, 12000, 13000, 12000, 13000, 12000}},
    {12500, 3, {12000, 13000, 12000, 13000, 12000, 13000, 12000}},
    {500000000000000000, 18, {0, 1000000000000000000, 0, 1000000000000000000, 0,
                              1000000000000000000, 0}},
    {-1500000000000000000, 18, {-2000000000000000000, -2000000000000000000,
                                -1000000000000000000, -2000000000000000000,
                                -1000000000000000000, -1000000000000000000,
                                -2000000000000000000}},
    {1234567890123456789, 18, {1000000000000000000, 1000000000000000000, 1000000000000000000,
                               2000000000000000000, 1000000000000000000, 2000000000000000000,
                               1000000000000000000}},
};

TEST(Rounding, ModeNames) {
  const char* expected[] = {"half_even", "half_up", "half_down", "up", "down", "ceiling", "floor"};
  for (int i = 0; i < kRoundingModeCount; ++i) {
    EXPECT_STREQ(rounding_mode_name(kModes[i]), expected[i]);
  }
  EXPECT_EQ(rounding_mode_name(static_cast<RoundingMode>(kRoundingModeCount)), nullptr);
}

TEST(Rounding, ScaledEveryMode) {
  for (const auto& c : kRoundCases) {
    for (int m = 0; m < kRoundingModeCount; ++m) {
      std::int64_t out = -7;
      ASSERT_EQ(round_scaled(c.value, c.drop, kModes[m], out), ArithStatus::Ok)
          << c.value << " drop " << c.drop << " " << rounding_mode_name(kModes[m]);
      EXPECT_EQ(out, c.expected[m])
          << c.value << " drop " << c.drop << " " << rounding_mode_name(kModes[m]);
    }
  }
}

// The same cases as quotients, both over 1 and spread over a denominator, so
// both the int64 and the wide paths of round_quotient see them.
TEST(Rounding, QuotientEveryMode) {
  for (const auto& c : kRoundCases) {
    for (const std::int64_t den : {std::int64_t{1}, std::int64_t{7}, kMax / 3}) {
      Quotient q;
      q.num = Wide(c.value) * den;
      q.den = den;
      for (int m = 0; m < kRoundingModeCount; ++m) {
        std::int64_t out = -7;
        ASSERT_EQ(round_quotient(q, c.drop, kModes[m], out), ArithStatus::Ok);
        EXPECT_EQ(out, c.expected[m]) << c.value << "/" << den << " drop " << c.drop << " "
                                      << rounding_mode_name(kModes[m]);
      }
    }
  }
}

std::int64_t round_q(std::int64_t num, int shift, std::int64_t den, int drop, RoundingMode mode) {
  Quotient q;
  EXPECT_EQ(make_quotient(num, shift, den, q), ArithStatus::Ok);
  std::int64_t out = 0;
  EXPECT_EQ(round_quotient(q, drop, mode, out), ArithStatus::Ok);
  return out;
}

TEST(Rounding, ThirdsAndHalves) {
  // 100.00 yuan split three ways, in fen.
  EXPECT_EQ(round_q(10000, 0, 3, 0, RoundingMode::HalfEven), 3333);
  EXPECT_EQ(round_q(10000, 0, 3, 0, RoundingMode::Up), 3334);
  EXPECT_EQ(round_q(10000, 0, 3, 0, RoundingMode::Ceiling), 3334);
  EXPECT_EQ(round_q(10000, 0, 3, 0, RoundingMode::Floor), 3333);
  EXPECT_EQ(round_q(-10000, 0, 3, 0, RoundingMode::HalfEven), -3333);
  EXPECT_EQ(round_q(-10000, 0, 3, 0, RoundingMode::Up), -3334);
  EXPECT_EQ(round_q(-10000, 0, 3, 0, RoundingMode::Ceiling), -3333);
  EXPECT_EQ(round_q(-10000, 0, 3, 0, RoundingMode::Floor), -3334);
  EXPECT_EQ(round_q(10000, 0, -3, 0, RoundingMode::Floor), -3334);  // sign from the denominator
  EXPECT_EQ(round_q(20000, 0, 3, 0, RoundingMode::HalfEven), 6667);
  EXPECT_EQ(round_q(20000, 0, 3, 0, RoundingMode::Down), 6666);
  // 100.00 yuan / 3 rounded to whole yuan, staying in fen.
  EXPECT_EQ(round_q(10000, 0, 3, 2, RoundingMode::HalfEven), 3300);
  EXPECT_EQ(round_q(10000, 0, 3, 2, RoundingMode::Up), 3400);

  // 1/3 and 2/3 as decimals (millionths).
  EXPECT_EQ(round_q(1, kDecimalScale, 3, 0, RoundingMode::HalfEven), 333333);
  EXPECT_EQ(round_q(2, kDecimalScale, 3, 0, RoundingMode::HalfEven), 666667);
  EXPECT_EQ(round_q(2, kDecimalScale, 3, 0, RoundingMode::HalfDown), 666667);
  EXPECT_EQ(round_q(2, kDecimalScale, 3, 0, RoundingMode::Down), 666666);
  EXPECT_EQ(round_q(-2, kDecimalScale, 3, 0, RoundingMode::HalfEven), -666667);
  EXPECT_EQ(round_q(1, 0, 3, 0, RoundingMode::HalfUp), 0);
  EXPECT_EQ(round_q(1, 0, 3, 0, RoundingMode::Up), 1);
  EXPECT_EQ(round_q(2, 0, 3, 0, RoundingMode::Down), 0);
  EXPECT_EQ(round_q(2, 0, 3, 0, RoundingMode::HalfDown), 1);

  // Exact halves through a denominator.
  EXPECT_EQ(round_q(5, 0, 2, 0, RoundingMode::HalfEven), 2);
  EXPECT_EQ(round_q(7, 0, 2, 0, RoundingMode::HalfEven), 4);
  EXPECT_EQ(round_q(5, 0, -2, 0, RoundingMode::HalfEven), -2);
  EXPECT_EQ(round_q(5, 0, -2, 0, RoundingMode::HalfUp), -3);
  EXPECT_EQ(round_q(5, 0, -2, 0, RoundingMode::HalfDown), -2);
}

TEST(Rounding, ProductQuotient) {
  Quotient q;
  std::int64_t out = 0;
  // 1,234,567,890.12 yuan * 1.5 = 1,851,851,835.18 yuan.
  ASSERT_EQ(make_product_quotient(123456789012, 1500000, kDecimalScale, q), ArithStatus::Ok);
  ASSERT_EQ(round_quotient(q, 0, RoundingMode::HalfEven, out), ArithStatus::Ok);
  EXPECT_EQ(out, 185185183518);
  // 10.01 yuan * 0.5 = 5.005 yuan: a tie at fen precision.
  ASSERT_EQ(make_product_quotient(1001, 500000, kDecimalScale, q), ArithStatus::Ok);
  ASSERT_EQ(round_quotient(q, 0, RoundingMode::HalfEven, out), ArithStatus::Ok);
  EXPECT_EQ(out, 500);
  ASSERT_EQ(round_quotient(q, 0, RoundingMode::HalfUp, out), ArithStatus::Ok);
  EXPECT_EQ(out, 501);
  // A product far past int64 that comes back in range once divided.
  ASSERT_EQ(make_product_quotient(kMax, 1000, 3, q), ArithStatus::Ok);
  ASSERT_EQ(round_quotient(q, 0, RoundingMode::HalfEven, out), ArithStatus::Ok);
  EXPECT_EQ(out, kMax);
  ASSERT_EQ(make_product_quotient(kMin, 10, 1, q), ArithStatus::Ok);
  ASSERT_EQ(round_quotient(q, 0, RoundingMode::HalfEven, out), ArithStatus::Ok);
  EXPECT_EQ(out, kMin);
  ASSERT_EQ(round_quotient(q, 1, RoundingMode::Down, out), ArithStatus::Ok);
  EXPECT_EQ(out, -9223372036854775800);
  EXPECT_EQ(round_quotient(q, 1, RoundingMode::HalfEven, out), ArithStatus::Overflow);
  // And one that does not.
  ASSERT_EQ(make_product_quotient(kMax, kMax, 18, q), ArithStatus::Ok);
  EXPECT_EQ(round_quotient(q, 0, RoundingMode::Down, out), ArithStatus::Overflow);
  ASSERT_EQ(make_product_quotient(kMin, kMin, 0, q), ArithStatus::Ok);
  EXPECT_EQ(round_quotient(q, 18, RoundingMode::Down, out), ArithStatus::Overflow);
}

TEST(Rounding, HugeDenominator) {
  // den * 10^18 is far past int64: the division must still be exact.
  const Quotient q{Wide(1), kMax};
  std::int64_t out = -7;
  ASSERT_EQ(round_quotient(q, 18, RoundingMode::HalfEven, out), ArithStatus::Ok);
  EXPECT_EQ(out, 0);
  ASSERT_EQ(round_quotient(q, 18, RoundingMode::Up, out), ArithStatus::Ok);
  EXPECT_EQ(out, 1000000000000000000);
  ASSERT_EQ(round_quotient(q, 18, RoundingMode::Floor, out), ArithStatus::Ok);
  EXPECT_EQ(out, 0);
  const Quotient negative{Wide(-1), kMax};
  ASSERT_EQ(round_quotient(negative, 18, RoundingMode::Floor, out), ArithStatus::Ok);
  EXPECT_EQ(out, -1000000000000000000);
  ASSERT_EQ(round_quotient(negative, 18, RoundingMode::Ceiling, out), ArithStatus::Ok);
  EXPECT_EQ(out, 0);
  // Rounding the largest Wide up to a multiple of ten leaves Wide itself.
  const Quotient top{std::numeric_limits<Wide>::max(), 1};
  EXPECT_EQ(round_quotient(top, 1, RoundingMode::Up, out), ArithStatus::Overflow);
  EXPECT_EQ(round_quotient(top, 1, RoundingMode::Down, out), ArithStatus::Overflow);
  // Exactly half of den * 10^18.
  const Quotient half{Wide(kMax) * pow10_i64(18), 2 * (kMax / 2) + 1};
  ASSERT_EQ(round_quotient(half, 18, RoundingMode::HalfDown, out), ArithStatus::Ok);
  EXPECT_EQ(out, 1000000000000000000);
}

TEST(Rounding, Int64Edges) {
  std::int64_t out = 0;
  EXPECT_EQ(round_scaled(kMax, 0, RoundingMode::Up, out), ArithStatus::Ok);
  EXPECT_EQ(out, kMax);
  EXPECT_EQ(round_scaled(kMin, 0, RoundingMode::Floor, out), ArithStatus::Ok);
  EXPECT_EQ(out, kMin);
  EXPECT_EQ(round_scaled(kMax, 1, RoundingMode::HalfEven, out), ArithStatus::Overflow);
  EXPECT_EQ(round_scaled(kMax, 1, RoundingMode::Down, out), ArithStatus::Ok);
  EXPECT_EQ(out, 9223372036854775800);
  EXPECT_EQ(round_scaled(kMin, 1, RoundingMode::Floor, out), ArithStatus::Overflow);
  EXPECT_EQ(round_scaled(kMin, 1, RoundingMode::Ceiling, out), ArithStatus::Ok);
  EXPECT_EQ(out, -9223372036854775800);
  EXPECT_EQ(round_scaled(kMax, 18, RoundingMode::HalfEven, out), ArithStatus::Ok);
  EXPECT_EQ(out, 9000000000000000000);
  EXPECT_EQ(round_scaled(kMax, 18, RoundingMode::Up, out), ArithStatus::Overflow);
  EXPECT_EQ(round_scaled(kMin, 18, RoundingMode::Floor, out), ArithStatus::Overflow);
  EXPECT_EQ(round_scaled(kMin, 18, RoundingMode::Ceiling, out), ArithStatus::Ok);
  EXPECT_EQ(out, -9000000000000000000);
}

TEST(Quotients, MakeQuotient) {
  Quotient q;
  EXPECT_EQ(make_quotient(5, 0, 0, q), ArithStatus::DivisionByZero);
  EXPECT_EQ(make_quotient(0, 18, 0, q), ArithStatus::DivisionByZero);

  ASSERT_EQ(make_quotient(7, 2, -3, q), ArithStatus::Ok);
  EXPECT_EQ(q.num, Wide(-700));
  EXPECT_EQ(q.den, 3);
  ASSERT_EQ(make_quotient(-7, 0, -3, q), ArithStatus::Ok);
  EXPECT_EQ(q.num, Wide(7));
  EXPECT_EQ(q.den, 3);

  // The rescaled numerator needs more than 64 bits.
  ASSERT_EQ(make_quotient(kMin, 18, -1, q), ArithStatus::Ok);
  EXPECT_EQ(q.num, Wide(kMin) * -1 * pow10_i64(18));
  EXPECT_EQ(q.den, 1);
  std::int64_t out = 0;
  EXPECT_EQ(round_quotient(q, 18, RoundingMode::Down, out), ArithStatus::Overflow);

  // INT64_MIN as a denominator has no positive int64 counterpart.
  ASSERT_EQ(make_quotient(8, 0, kMin, q), ArithStatus::Ok);
  EXPECT_EQ(q.num, Wide(-4));
  EXPECT_EQ(q.den, std::int64_t{1} << 62);
  EXPECT_EQ(make_quotient(7, 0, kMin, q), ArithStatus::Overflow);
  ASSERT_EQ(make_quotient(kMin, 0, kMin, q), ArithStatus::Ok);
  EXPECT_EQ(compare_quotient(q, 1), 0);
}

TEST(Quotients, Compare) {
  EXPECT_EQ(compare_quotient({Wide(1), 3}, 0), 1);
  EXPECT_EQ(compare_quotient({Wide(-1), 3}, 0), -1);
  EXPECT_EQ(compare_quotient({Wide(6), 3}, 2), 0);
  EXPECT_EQ(compare_quotient({Wide(7), 3}, 2), 1);
  EXPECT_EQ(compare_quotient({Wide(5), 3}, 2), -1);
  EXPECT_EQ(compare_quotient({Wide(kMax) * kMax, kMax}, kMax), 0);
  EXPECT_EQ(compare_quotient({Wide(kMax) * kMax + 1, kMax}, kMax), 1);
  EXPECT_EQ(compare_quotient({Wide(kMin) * kMax - 1, kMax}, kMin), -1);

  EXPECT_EQ(compare_quotients({Wide(1), 3}, {Wide(2), 6}), 0);
  EXPECT_EQ(compare_quotients({Wide(1), 3}, {Wide(333333), 1000000}), 1);
  EXPECT_EQ(compare_quotients({Wide(-1), 3}, {Wide(-333333), 1000000}), -1);
  EXPECT_EQ(compare_quotients({Wide(-1), 3}, {Wide(1), kMax}), -1);

  // Numerators this large overflow 128 bits when cross-multiplied.
  const Wide big = Wide(kMax) * kMax;  // about 2^126
  EXPECT_EQ(compare_quotients({big, kMax}, {big + 1, kMax}), -1);
  EXPECT_EQ(compare_quotients({big * 2, 2}, {big, 1}), 0);
  EXPECT_EQ(compare_quotients({-big, 1}, {-big, 3}), -1);
  const Wide top = std::numeric_limits<Wide>::max();
  EXPECT_EQ(compare_quotients({top, kMax}, {top, kMax - 1}), -1);
  EXPECT_EQ(compare_quotients({-top, kMax}, {-top, kMax - 1}), 1);
  EXPECT_EQ(compare_quotients({top, kMax}, {top, kMax}), 0);
}

TEST(Checked, AddSubMul) {
  std::int64_t out = 0;
  EXPECT_TRUE(checked_add(kMax, -1, out));
  EXPECT_EQ(out, kMax - 1);
  EXPECT_FALSE(checked_add(kMax, 1, out));
  EXPECT_FALSE(checked_add(kMin, -1, out));
  EXPECT_TRUE(checked_add(kMin, kMax, out));
  EXPECT_EQ(out, -1);

  EXPECT_FALSE(checked_sub(kMin, 1, out));
  EXPECT_FALSE(checked_sub(0, kMin, out));
  EXPECT_TRUE(checked_sub(-1, kMin, out));
  EXPECT_EQ(out, kMax);

  EXPECT_FALSE(checked_mul(kMin, -1, out));
  EXPECT_FALSE(checked_mul(std::int64_t{1} << 32, std::int64_t{1} << 31, out));
  EXPECT_TRUE(checked_mul(-(std::int64_t{1} << 32), std::int64_t{1} << 31, out));
  EXPECT_EQ(out, kMin);
  EXPECT_TRUE(checked_mul(-3, 7, out));
  EXPECT_EQ(out, -21);
}

TEST(Checked, NegAbsScale) {
  std::int64_t out = 0;
  EXPECT_FALSE(checked_neg(kMin, out));
  EXPECT_TRUE(checked_neg(kMax, out));
  EXPECT_EQ(out, -kMax);
  EXPECT_FALSE(checked_abs(kMin, out));
  EXPECT_TRUE(checked_abs(-5, out));
  EXPECT_EQ(out, 5);
  EXPECT_TRUE(checked_abs(kMin + 1, out));
  EXPECT_EQ(out, kMax);

  EXPECT_EQ(pow10_i64(0), 1);
  EXPECT_EQ(pow10_i64(18), 1000000000000000000);
  EXPECT_TRUE(checked_scale_up(922337203685477580, 1, out));
  EXPECT_EQ(out, 9223372036854775800);
  EXPECT_FALSE(checked_scale_up(922337203685477581, 1, out));
  EXPECT_TRUE(checked_scale_up(-922337203685477580, 1, out));
  EXPECT_FALSE(checked_scale_up(-922337203685477581, 1, out));
  EXPECT_TRUE(checked_scale_up(9, 18, out));
  EXPECT_FALSE(checked_scale_up(10, 18, out));
  EXPECT_TRUE(checked_scale_up(kMin, 0, out));
  EXPECT_EQ(out, kMin);
}

struct ParseCase {
  const char* text;
  bool ok;
  std::int64_t value;
};

void check_parser(bool (*parse)(std::string_view, std::int64_t&), const char* name,
                  std::initializer_list<ParseCase> cases) {
  for (const auto& c : cases) {
    std::int64_t out = -12345;
    EXPECT_EQ(parse(c.text, out), c.ok) << name << "(\"" << c.text << "\")";
    if (c.ok) {
      EXPECT_EQ(out, c.value) << name << "(\"" << c.text << "\")";
    }
  }
}

TEST(Parse, Int) {
  check_parser(parse_int, "parse_int",
               {{"0", true, 0},           {"-0", true, 0},          {"7", true, 7},
                {"007", true, 7},         {"-123", true, -123},     {"999999999", true, 999999999},
                {"-999999999", true, -999999999},
                {"", false, 0},           {"-", false, 0},          {"+1", false, 0},
                {" 1", false, 0},         {"1 ", false, 0},         {"1e3", false, 0},
                {"1,000", false, 0},      {"1.0", false, 0},        {"1.", false, 0},
                {"1000000000", false, 0}, {"0000000001", false, 0}, {"--1", false, 0},
                {"1-", false, 0},         {"0x10", false, 0},       {"\xEF\xBC\x91", false, 0}});
  // Far more digits than int64 holds must be rejected, not wrapped.
  std::int64_t out = 0;
  EXPECT_FALSE(parse_int(std::string(40, '9'), out));
  // A view is bounded by its size, not by a terminator.
  EXPECT_TRUE(parse_int(std::string_view("12345", 2), out));
  EXPECT_EQ(out, 12);
}

TEST(Parse, Money) {
  check_parser(parse_money, "parse_money",
               {{"12.5", true, 1250},
                {"-0.01", true, -1},
                {"0", true, 0},
                {"-0", true, 0},
                {"-0.00", true, 0},
                {"1", true, 100},
                {"12.34", true, 1234},
                {"007.10", true, 710},
                {"999999999999.99", true, 99999999999999},
                {"-999999999999.99", true, -99999999999999},
                {"", false, 0},
                {"-", false, 0},
                {"1.", false, 0},
                {".5", false, 0},
                {"-.5", false, 0},
                {"+1", false, 0},
                {" 1", false, 0},
                {"1 ", false, 0},
                {"1e3", false, 0},
                {"1,000", false, 0},
                {"1,5", false, 0},
                {"12.345", false, 0},
                {"1000000000000", false, 0},
                {"\xC2\xA5" "1", false, 0},
                {"1..2", false, 0},
                {"1.2.3", false, 0},
                {"-1.", false, 0},
                {"1.-2", false, 0},
                {"NaN", false, 0}});
}

TEST(Parse, Decimal) {
  check_parser(parse_decimal, "parse_decimal",
               {{"1.5", true, 1500000},
                {"0.1", true, 100000},
                {"-0.000001", true, -1},
                {"-0", true, 0},
                {"42", true, 42000000},
                {"123456789012.123456", true, 123456789012123456},
                {"-999999999999.999999", true, -999999999999999999},
                {"1.1234567", false, 0},
                {"1234567890123", false, 0},
                {"1.", false, 0},
                {".5", false, 0},
                {"+0.5", false, 0},
                {"5e-1", false, 0},
                {"0.5 ", false, 0}});
}

TEST(Parse, Date) {
  check_parser(parse_date, "parse_date",
               {{"1970-01-01", true, 0},        {"1970-01-02", true, 1},
                {"1969-12-31", true, -1},       {"2000-02-29", true, 11016},
                {"2000-03-01", true, 11017},    {"2016-02-29", true, 16860},
                {"1900-01-01", true, -25567},   {"9999-12-31", true, 2932896},
                {"2015-02-29", false, 0},       {"1900-02-29", false, 0},
                {"2100-02-29", false, 0},       {"1899-12-31", false, 0},
                {"0000-01-01", false, 0},       {"2023-13-01", false, 0},
                {"2023-00-10", false, 0},       {"2023-04-31", false, 0},
                {"2023-04-00", false, 0},       {"2023-4-05", false, 0},
                {"2023/04/05", false, 0},       {" 2023-04-05", false, 0},
                {"2023-04-05 ", false, 0},      {"20230405", false, 0},
                {"+023-04-05", false, 0},       {"2023-04-5x", false, 0},
                {"2023-0a-05", false, 0},       {"", false, 0}});
}

TEST(Format, Money) {
  EXPECT_EQ(format_money(0), "0.00");
  EXPECT_EQ(format_money(1), "0.01");
  EXPECT_EQ(format_money(-1), "-0.01");
  EXPECT_EQ(format_money(-100), "-1.00");
  EXPECT_EQ(format_money(1250), "12.50");
  EXPECT_EQ(format_money(-123456), "-1234.56");
  EXPECT_EQ(format_money(kMax), "92233720368547758.07");
  EXPECT_EQ(format_money(kMin), "-92233720368547758.08");
}

TEST(Format, DecimalAndInt) {
  EXPECT_EQ(format_decimal(0), "0.000000");
  EXPECT_EQ(format_decimal(-1), "-0.000001");
  EXPECT_EQ(format_decimal(1500000), "1.500000");
  EXPECT_EQ(format_decimal(-42000000), "-42.000000");
  EXPECT_EQ(format_decimal(kMax), "9223372036854.775807");
  EXPECT_EQ(format_decimal(kMin), "-9223372036854.775808");

  std::string out;
  append_int(out, 0);
  out += ' ';
  append_int(out, -7);
  out += ' ';
  append_int(out, kMax);
  out += ' ';
  append_int(out, kMin);
  EXPECT_EQ(out, "0 -7 9223372036854775807 -9223372036854775808");
}

TEST(Format, Date) {
  std::string out;
  for (const std::int64_t days : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{16860}}) {
    out.clear();
    append_date(out, days);
    std::int64_t back = 0;
    ASSERT_TRUE(parse_date(out, back)) << out;
    EXPECT_EQ(back, days);
  }
  out.clear();
  append_date(out, 0);
  EXPECT_EQ(out, "1970-01-01");
  out.clear();
  append_date(out, 2932897);
  EXPECT_EQ(out, "10000-01-01");
  out.clear();
  append_date(out, -719528);
  EXPECT_EQ(out, "0000-01-01");
  out.clear();
  append_date(out, -719529);
  EXPECT_EQ(out, "-0001-12-31");
  // Absurd day counts must not overflow (UBSan watches this).
  out.clear();
  append_date(out, kMax);
  EXPECT_FALSE(out.empty());
  out.clear();
  append_date(out, kMin);
  EXPECT_EQ(out.front(), '-');
}

TEST(Format, EveryDateRoundTrips) {
  std::int64_t first = 0, last = 0;
  ASSERT_TRUE(parse_date("1900-01-01", first));
  ASSERT_TRUE(parse_date("9999-12-31", last));
  std::string text;
  for (std::int64_t days = first; days <= last; ++days) {
    text.clear();
    append_date(text, days);
    std::int64_t back = 0;
    ASSERT_TRUE(parse_date(text, back)) << text;
    ASSERT_EQ(back, days) << text;
  }
  std::int64_t out = 0;
  text.clear();
  append_date(text, first - 1);
  EXPECT_FALSE(parse_date(text, out)) << text;
  text.clear();
  append_date(text, last + 1);
  EXPECT_FALSE(parse_date(text, out)) << text;
}

TEST(Format, MoneyAndDecimalRoundTrip) {
  for (const std::int64_t fen : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{99},
                                 std::int64_t{-100}, std::int64_t{99999999999999},
                                 std::int64_t{-99999999999999}}) {
    std::int64_t back = 0;
    ASSERT_TRUE(parse_money(format_money(fen), back)) << fen;
    EXPECT_EQ(back, fen);
  }
  for (const std::int64_t m : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{999999},
                               std::int64_t{-999999999999999999}}) {
    std::int64_t back = 0;
    ASSERT_TRUE(parse_decimal(format_decimal(m), back)) << m;
    EXPECT_EQ(back, m);
  }
}

// The runtime's row loops format into a reused buffer; growing it per value
// would be a hidden allocation. (Replacing operator new to count would reach
// every test linked into the same binary, so this watches the buffer instead.)
TEST(Format, AppendDoesNotReallocateWithCapacity) {
  std::string out;
  out.reserve(256);
  const char* const buffer = out.data();
  const std::size_t capacity = out.capacity();
  append_int(out, kMin);
  append_money(out, kMin);
  append_decimal(out, kMin);
  append_date(out, kMin);
  append_money(out, -1);
  EXPECT_EQ(out.data(), buffer);
  EXPECT_EQ(out.capacity(), capacity);
  EXPECT_EQ(out.substr(0, 20), "-9223372036854775808");
}

}  // namespace
}  // namespace precept
