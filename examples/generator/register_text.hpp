// What both registers precept-gen writes share: the seeded PRNG, money kept at the
// granularity registers use, and the CSV text (numbers in the spellings the
// contract allows, RFC 4180 quoting, buffered output). Integer only: the same
// arguments give the same bytes on any machine and any standard library.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace precept_gen {

// ---------------------------------------------------------------- PRNG

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// __extension__: the project builds with -Wpedantic, and __int128 is a GCC/Clang extension.
__extension__ typedef unsigned __int128 UInt128;

// xoshiro256** (Blackman & Vigna), seeded through splitmix64 as its authors advise.
class Random {
 public:
  explicit Random(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), unbiased (Lemire's multiply-and-reject). bound > 0.
  std::uint64_t below(std::uint64_t bound) {
    UInt128 product = static_cast<UInt128>(next()) * bound;
    std::uint64_t low = static_cast<std::uint64_t>(product);
    if (low < bound) {
      const std::uint64_t threshold = -bound % bound;
      while (low < threshold) {
        product = static_cast<UInt128>(next()) * bound;
        low = static_cast<std::uint64_t>(product);
      }
    }
    return static_cast<std::uint64_t>(product >> 64);
  }

  // Uniform in [low, high], inclusive.
  std::int64_t between(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

  // True with probability per_100k / 100000: integer odds keep it exact everywhere.
  bool chance(std::uint32_t per_100k) { return below(100000) < per_100k; }

  // Index drawn with the given integer weights.
  template <std::size_t N>
  std::size_t weighted(const std::array<std::uint32_t, N>& weights) {
    std::uint64_t total = 0;
    for (std::uint32_t w : weights) total += w;
    std::uint64_t roll = below(total);
    for (std::size_t i = 0; i < N; ++i) {
      if (roll < weights[i]) return i;
      roll -= weights[i];
    }
    return N - 1;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_;
};

// Keeps a money amount at the granularity registers really use: mostly whole
// yuan, some jiao, the rest fen. Truncates toward zero.
inline std::int64_t coarsen(Random& random, std::int64_t fen) {
  const std::uint64_t roll = random.below(100);
  if (roll < 45) return fen / 100 * 100;
  if (roll < 60) return fen / 10 * 10;
  return fen;
}

// ---------------------------------------------------------------- formatting

inline void append_integer(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// Money in one of the spellings the contract allows: 0, 1 or 2 decimals, chosen
// at random where the value permits (1200 may be "1200", "1200.0" or "1200.00").
inline void append_money(Random& random, std::string& out, std::int64_t fen) {
  if (fen < 0) out.push_back('-');
  const std::int64_t magnitude = fen < 0 ? -fen : fen;
  append_integer(out, magnitude / 100);
  const std::int64_t cents = magnitude % 100;
  const std::uint64_t roll = random.below(100);
  if (cents == 0) {
    if (roll < 85) return;
    out += roll < 95 ? ".0" : ".00";
  } else if (cents % 10 == 0) {
    out.push_back('.');
    out.push_back(static_cast<char>('0' + cents / 10));
    if (roll >= 80) out.push_back('0');
  } else {
    out.push_back('.');
    out.push_back(static_cast<char>('0' + cents / 10));
    out.push_back(static_cast<char>('0' + cents % 10));
  }
}

class Output {
 public:
  explicit Output(std::FILE* file) : file_(file) { buffer_.reserve(kCapacity + 4096); }
  std::string& buffer() { return buffer_; }
  void maybe_flush() {
    if (buffer_.size() >= kCapacity) flush();
  }
  bool flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      failed_ = true;
    }
    buffer_.clear();
    return !failed_;
  }

 private:
  static constexpr std::size_t kCapacity = 1 << 20;
  std::FILE* file_;
  std::string buffer_;
  bool failed_ = false;
};

// Quotes a field when RFC 4180 requires it, and now and then when it does not
// ("12" must read as 12), so that readers cannot get away with ignoring quotes.
inline void append_field(Random& random, std::string& out, std::string_view value) {
  const bool needs_quotes = value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!needs_quotes && !random.chance(300)) {
    out += value;
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace precept_gen
