// w1-fast: the fastest single-thread W1 we know how to write by hand, as the
// bar Precept's `run` is measured against (issue "Performance"). The oracle
// stays tests/reference/w1_reference.cpp, written for obviousness; this one
// is written for speed and checked against it byte for byte (bench/run.sh
// compares the three output files on every round; tests/reference runs the
// comparison on the generator's registers with every kind of bad row).
//
// What makes it fast, the way a programmer paid to make it fast would do it:
// - the register is mapped (MAP_POPULATE: no page faults in the loop);
// - a line without a quote is split 16 bytes at a time with SSE2: the commas,
//   the line end and any quote found by three compares and three movemasks,
//   the field bounds then read off the bit masks; a line with a quote (RFC
//   4180 quoting, doubled quotes, a newline inside quotes) takes the scalar
//   path, which is exact on any input;
// - numbers are parsed in one pass with int64 fen, no allocation per row; the
//   output is formatted into large buffers;
// - the village of a row is usually the previous row's, checked first.
// Sums are 128-bit, as in the reference: a register of extreme but legal
// values must not wrap.
//
// Usage: w1-fast INPUT.csv --results R.csv --rejects X.csv --summary S.csv
// The header must be W1's columns in W1's order, written plainly (no quotes):
// what the generator writes. Exits 2 on bad usage or an unusable input.

#include <emmintrin.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

__extension__ typedef __int128 Int128;

constexpr std::size_t kColumns = 20;
constexpr std::string_view kHeader =
    "household_id,county,township,village,members,labor_count,net_income,deposits,owns_car,"
    "owns_town_house,public_employee,house,dibao,wubao,ill_members,disabled_members,students,"
    "disaster_loss,safe_water,remote";
constexpr std::array<std::string_view, kColumns> kNames = {
    "household_id", "county",      "township",         "village",  "members",         "labor_count",
    "net_income",   "deposits",    "owns_car",         "owns_town_house", "public_employee", "house",
    "dibao",        "wubao",       "ill_members",      "disabled_members", "students", "disaster_loss",
    "safe_water",   "remote"};

// ------------------------------------------------------------------ output

class Sink {
 public:
  explicit Sink(std::FILE* file) : file_(file) { text_.reserve(kFlushAt + 4096); }
  void put(std::string_view s) { text_.append(s); }
  void put(char c) { text_.push_back(c); }
  void integer(Int128 value) {
    if (value >= INT64_MIN && value <= INT64_MAX) {
      char digits[24];
      const auto end = std::to_chars(digits, digits + sizeof digits, static_cast<std::int64_t>(value)).ptr;
      text_.append(digits, static_cast<std::size_t>(end - digits));
      return;
    }
    if (value < 0) text_.push_back('-');
    char digits[48];
    std::size_t n = 0;
    do {
      const int digit = static_cast<int>(value % 10);
      digits[n++] = static_cast<char>('0' + (digit < 0 ? -digit : digit));
      value /= 10;
    } while (value != 0);
    while (n > 0) text_.push_back(digits[--n]);
  }
  // A household's amounts fit 64 bits (at most ~1.3e15 fen); only sums need 128.
  void money(std::int64_t fen) {
    char digits[32];
    char* p = digits;
    if (fen < 0) *p++ = '-';
    const std::uint64_t magnitude = fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
    p = std::to_chars(p, digits + sizeof digits, magnitude / 100).ptr;
    const unsigned cents = static_cast<unsigned>(magnitude % 100);
    p[0] = '.';
    p[1] = static_cast<char>('0' + cents / 10);
    p[2] = static_cast<char>('0' + cents % 10);
    text_.append(digits, static_cast<std::size_t>(p + 3 - digits));
  }
  void money(Int128 fen) {
    if (fen >= INT64_MIN && fen <= INT64_MAX) return money(static_cast<std::int64_t>(fen));
    if (fen < 0) text_.push_back('-');
    const Int128 magnitude = fen < 0 ? -fen : fen;
    integer(magnitude / 100);
    const int cents = static_cast<int>(magnitude % 100);
    const char fraction[3] = {'.', static_cast<char>('0' + cents / 10), static_cast<char>('0' + cents % 10)};
    text_.append(fraction, 3);
  }
  // RFC 4180: quoted only when the value needs it.
  void field(std::string_view value) {
    bool plain = true;
    for (const char c : value) plain &= c != ',' && c != '"' && c != '\r' && c != '\n';
    if (plain) {
      text_.append(value);
      return;
    }
    text_.push_back('"');
    for (const char c : value) {
      if (c == '"') text_.push_back('"');
      text_.push_back(c);
    }
    text_.push_back('"');
  }
  void end_row() {
    text_.push_back('\n');
    if (text_.size() >= kFlushAt) flush();
  }
  bool flush() {
    if (!text_.empty() && std::fwrite(text_.data(), 1, text_.size(), file_) != text_.size()) failed_ = true;
    text_.clear();
    return !failed_;
  }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* file_;
  std::string text_;
  bool failed_ = false;
};

// ------------------------------------------------------------------ records

struct Record {
  std::array<std::string_view, kColumns> fields;
  std::array<bool, kColumns> malformed{};
  std::array<std::string, kColumns> unescaped;  // fields with doubled quotes
  std::size_t count = 0;                         // fields on the record (may exceed kColumns)
  std::uint64_t line = 0;
};

class Scanner {
 public:
  Scanner(const char* begin, const char* end) : at_(begin), end_(end) {}
  bool done() const { return at_ >= end_; }

  void next(Record& r) {
    r.line = line_;
    if (!fast(r)) slow(r);
  }

 private:
  // A line without a quote, split with SSE2. False (nothing consumed) when the
  // line has a quote or ends within 16 bytes of the input's end.
  bool fast(Record& r) {
    const char* p = at_;
    const char* field_start = p;
    std::size_t count = 0;
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"');
    while (p + 16 <= end_) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const unsigned ends = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, newline)));
      // The bits up to the first line end (all 16 when there is none).
      const unsigned within = ends ? ((ends & -ends) - 1) : 0xFFFFu;
      if (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quote))) & within) return false;
      unsigned commas = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, comma))) & within;
      while (commas) {
        const char* at = p + __builtin_ctz(commas);
        if (count < kColumns) r.fields[count] = std::string_view(field_start, static_cast<std::size_t>(at - field_start));
        ++count;
        field_start = at + 1;
        commas &= commas - 1;
      }
      if (ends) {
        const char* line_end = p + __builtin_ctz(ends);
        const char* stop = line_end;
        if (stop > field_start && stop[-1] == '\r') --stop;  // CRLF: the CR is the line end's
        if (count < kColumns) r.fields[count] = std::string_view(field_start, static_cast<std::size_t>(stop - field_start));
        r.count = count + 1;
        r.malformed.fill(false);
        at_ = line_end + 1;
        ++line_;
        return true;
      }
      p += 16;
    }
    return false;
  }

  // Any record, byte by byte: quoted fields, doubled quotes, line ends inside
  // quotes (counted, so that line numbers stay physical), junk after a closing
  // quote (malformed: the row is rejected at that column).
  void slow(Record& r) {
    r.count = 0;
    for (;;) {
      const std::size_t index = r.count;
      std::string_view value;
      bool malformed = false;
      if (at_ < end_ && *at_ == '"') {
        const char* p = ++at_;
        bool doubled = false;
        while (p < end_ && !(*p == '"' && !(p + 1 < end_ && p[1] == '"'))) {
          if (*p == '"') doubled = true, ++p;
          else if (*p == '\n') ++line_;
          ++p;
        }
        malformed = p >= end_;
        value = std::string_view(at_, static_cast<std::size_t>(p - at_));
        if (p < end_) ++p;
        const char* after = p;
        while (p < end_ && *p != ',' && *p != '\n') ++p;
        if (p > after && !(p - after == 1 && *after == '\r' && (p == end_ || *p == '\n'))) malformed = true;
        at_ = p;
        if (doubled && index < kColumns) {
          std::string& copy = r.unescaped[index];
          copy.clear();
          for (std::size_t i = 0; i < value.size(); ++i) {
            copy.push_back(value[i]);
            if (value[i] == '"') ++i;
          }
          value = copy;
        }
      } else {
        const char* p = at_;
        while (p < end_ && *p != ',' && *p != '\n') ++p;
        const char* stop = p;
        if (stop > at_ && stop[-1] == '\r' && (p == end_ || *p == '\n')) --stop;
        value = std::string_view(at_, static_cast<std::size_t>(stop - at_));
        at_ = p;
      }
      if (index < kColumns) {
        r.fields[index] = value;
        r.malformed[index] = malformed;
      }
      ++r.count;
      if (at_ >= end_) return;
      if (*at_++ == '\n') {
        ++line_;
        return;
      }
    }
  }

  const char* at_;
  const char* end_;
  std::uint64_t line_ = 2;  // the header was line 1
};

// ------------------------------------------------------------------ values

// -?[0-9]{1,9}
inline bool read_int(std::string_view s, std::int64_t& out) {
  const char* p = s.data();
  const char* end = p + s.size();
  const bool negative = p < end && *p == '-';
  p += negative;
  const std::size_t digits = static_cast<std::size_t>(end - p);
  if (digits - 1 >= 9) return false;  // 0 digits wraps round
  std::int64_t value = 0;
  for (; p < end; ++p) {
    const unsigned digit = static_cast<unsigned>(*p - '0');
    if (digit > 9) return false;
    value = value * 10 + digit;
  }
  out = negative ? -value : value;
  return true;
}

// -?[0-9]{1,12}(\.[0-9]{1,2})? in fen
inline bool read_money(std::string_view s, std::int64_t& out) {
  const char* p = s.data();
  const char* end = p + s.size();
  const bool negative = p < end && *p == '-';
  p += negative;
  const char* start = p;
  std::int64_t yuan = 0;
  for (unsigned digit; p < end && (digit = static_cast<unsigned>(*p - '0')) <= 9; ++p) yuan = yuan * 10 + digit;
  const std::size_t whole = static_cast<std::size_t>(p - start);
  if (whole - 1 >= 12) return false;
  std::int64_t fen = yuan * 100;
  if (p < end) {
    const std::size_t decimals = static_cast<std::size_t>(end - p - 1);
    if (*p != '.' || decimals - 1 >= 2) return false;
    const unsigned tenths = static_cast<unsigned>(p[1] - '0');
    const unsigned hundredths = decimals == 2 ? static_cast<unsigned>(p[2] - '0') : 0;
    if (tenths > 9 || hundredths > 9) return false;
    fen += tenths * 10 + hundredths;
  }
  out = negative ? -fen : fen;
  return true;
}

inline bool read_bool(std::string_view s, bool& out) {
  if (s.size() != 1 || (s[0] != '0' && s[0] != '1')) return false;
  out = s[0] == '1';
  return true;
}

// Half to even, on the magnitude (ties symmetric around zero).
inline Int128 divide_half_even(Int128 numerator, Int128 denominator) {
  const bool negative = numerator < 0;
  const Int128 magnitude = negative ? -numerator : numerator;
  Int128 quotient = magnitude / denominator;
  const Int128 twice = (magnitude % denominator) * 2;
  if (twice > denominator || (twice == denominator && (quotient & 1))) ++quotient;
  return negative ? -quotient : quotient;
}

inline std::int64_t per_capita_fen(std::int64_t income, std::int64_t members) {
  // |income| < 1e15 and members < 1e9: int64 arithmetic is exact.
  const bool negative = income < 0;
  const std::int64_t magnitude = negative ? -income : income;
  std::int64_t quotient = magnitude / members;
  const std::int64_t twice = (magnitude % members) * 2;
  if (twice > members || (twice == members && (quotient & 1))) ++quotient;
  return negative ? -quotient : quotient;
}

struct Household {
  std::int64_t members, labor, income, deposits, ill, disabled, students, disaster;
  bool car, town_house, employee, dibao, wubao, water, remote;
  int house;  // 0 safe, 1 c, 2 d
};

// Columns left to right, the first bad one named, as the contract says; the
// reasons are the reference's words.
const char* read_household(const Record& r, Household& h, std::size_t& bad) {
  if (r.count != kColumns) return nullptr;
  const auto& f = r.fields;
  for (std::size_t c = 0; c < 4; ++c)
    if (r.malformed[c]) return bad = c, "malformed quoting";
  const auto integer = [&](std::size_t c, std::int64_t& out) { return !r.malformed[c] && read_int(f[c], out); };
  const auto money = [&](std::size_t c, std::int64_t& out) { return !r.malformed[c] && read_money(f[c], out); };
  const auto flag = [&](std::size_t c, bool& out) { return !r.malformed[c] && read_bool(f[c], out); };
  if (!integer(4, h.members)) return bad = 4, "not an int";
  if (h.members <= 0) return bad = 4, "members must be positive";
  if (!integer(5, h.labor)) return bad = 5, "not an int";
  if (!money(6, h.income)) return bad = 6, "not money";
  if (!money(7, h.deposits)) return bad = 7, "not money";
  if (!flag(8, h.car)) return bad = 8, "not a bool";
  if (!flag(9, h.town_house)) return bad = 9, "not a bool";
  if (!flag(10, h.employee)) return bad = 10, "not a bool";
  const std::string_view house = f[11];
  if (r.malformed[11]) return bad = 11, "not one of safe, c, d";
  if (house.size() == 1 && (house[0] == 'c' || house[0] == 'd')) h.house = house[0] == 'c' ? 1 : 2;
  else if (house.size() == 4 && std::memcmp(house.data(), "safe", 4) == 0) h.house = 0;
  else return bad = 11, "not one of safe, c, d";
  if (!flag(12, h.dibao)) return bad = 12, "not a bool";
  if (!flag(13, h.wubao)) return bad = 13, "not a bool";
  if (!integer(14, h.ill)) return bad = 14, "not an int";
  if (!integer(15, h.disabled)) return bad = 15, "not an int";
  if (!integer(16, h.students)) return bad = 16, "not an int";
  if (!money(17, h.disaster)) return bad = 17, "not money";
  if (!flag(18, h.water)) return bad = 18, "not a bool";
  if (!flag(19, h.remote)) return bad = 19, "not a bool";
  return "";
}

// ------------------------------------------------------------------ summary

constexpr std::size_t kCauses = 8;

struct Village {
  std::string county, township, village;
  std::int64_t households = 0, poor = 0;
  Int128 population = 0, poor_population = 0, assistance = 0;
  std::array<std::int64_t, kCauses> by_cause{};
  void merge(const Village& o) {
    households += o.households;
    poor += o.poor;
    population += o.population;
    poor_population += o.poor_population;
    assistance += o.assistance;
    for (std::size_t c = 0; c < kCauses; ++c) by_cause[c] += o.by_cause[c];
  }
};

void summary_row(Sink& out, const Village& v) {
  out.field(v.county);
  out.put(',');
  out.field(v.township);
  out.put(',');
  out.field(v.village);
  out.put(',');
  out.integer(v.households);
  out.put(',');
  out.integer(v.population);
  out.put(',');
  out.integer(v.poor);
  out.put(',');
  out.integer(v.poor_population);
  out.put(',');
  const Int128 millionths = v.population == 0 ? 0 : divide_half_even(v.poor_population * 1000000, v.population);
  out.integer(millionths / 1000000);
  char fraction[7] = {'.'};
  Int128 rest = millionths % 1000000;
  for (int i = 6; i >= 1; --i, rest /= 10) fraction[i] = static_cast<char>('0' + static_cast<int>(rest % 10));
  out.put(std::string_view(fraction, 7));
  out.put(',');
  out.money(v.assistance);
  for (std::size_t c = 1; c < kCauses; ++c) {
    out.put(',');
    out.integer(v.by_cause[c]);
  }
  out.end_row();
}

// ------------------------------------------------------------------ driver

constexpr std::array<std::string_view, 4> kCategory = {"none", "wubao", "dibao", "ordinary"};
constexpr std::array<std::string_view, kCauses> kCause = {"none",      "illness",    "disability",  "disaster",
                                                         "education", "lack_labor", "environment", "lack_funds"};

int run(int argc, char** argv) {
  const char* paths[4] = {};  // input, results, rejects, summary
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const int slot = arg == "--results" ? 1 : arg == "--rejects" ? 2 : arg == "--summary" ? 3 : 0;
    if (slot > 0 && i + 1 < argc) paths[slot] = argv[++i];
    else if (slot == 0 && !paths[0] && !arg.starts_with("--")) paths[0] = argv[i];
    else paths[0] = nullptr, i = argc;
  }
  if (!paths[0] || !paths[1] || !paths[2] || !paths[3]) {
    std::fprintf(stderr, "usage: w1-fast INPUT.csv --results R.csv --rejects X.csv --summary S.csv\n");
    return 2;
  }
  const int fd = ::open(paths[0], O_RDONLY);
  struct stat info {};
  if (fd < 0 || ::fstat(fd, &info) != 0) {
    std::fprintf(stderr, "w1-fast: cannot read %s: %s\n", paths[0], std::strerror(errno));
    return 2;
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size == 0) {
    std::fprintf(stderr, "w1-fast: %s: empty input, expected a header line\n", paths[0]);
    ::close(fd);
    return 2;
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "w1-fast: cannot map %s\n", paths[0]);
    return 2;
  }
  const char* begin = static_cast<const char*>(map);
  const char* end = begin + size;
  if (size >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;
  const char* header_end = static_cast<const char*>(std::memchr(begin, '\n', static_cast<std::size_t>(end - begin)));
  std::string_view header(begin, static_cast<std::size_t>((header_end ? header_end : end) - begin));
  if (header.ends_with('\r')) header.remove_suffix(1);
  if (header != kHeader) {
    std::fprintf(stderr, "w1-fast: %s: the header is not W1's columns, written plainly\n", paths[0]);
    return 2;
  }
  std::FILE* files[3] = {std::fopen(paths[1], "wb"), std::fopen(paths[2], "wb"), std::fopen(paths[3], "wb")};
  for (int i = 0; i < 3; ++i)
    if (!files[i]) {
      std::fprintf(stderr, "w1-fast: cannot write %s: %s\n", paths[i + 1], std::strerror(errno));
      return 2;
    }
  bool ok = true;
  {
    Sink results(files[0]), rejects(files[1]), summary(files[2]);
    results.put("household_id,per_capita,poor,category,main_cause,measures,total_assistance\n");
    rejects.put("line,column,reason\n");
    Scanner scanner(header_end ? header_end + 1 : end, end);
    Record r;
    Household h{};
    std::vector<Village> villages;
    std::unordered_map<std::string, std::size_t> village_of;
    std::size_t last = SIZE_MAX;
    std::string key;
    std::uint64_t read = 0, written = 0, rejected = 0;
    while (!scanner.done()) {
      scanner.next(r);
      ++read;
      std::size_t bad = 0;
      const char* problem = read_household(r, h, bad);
      if (problem == nullptr || *problem != '\0') {
        ++rejected;
        rejects.integer(r.line);
        rejects.put(',');
        if (problem == nullptr) {
          rejects.put(',');
          rejects.field("expected 20 fields, found " + std::to_string(r.count));
        } else {
          rejects.field(kNames[bad]);
          rejects.put(',');
          std::string reason = problem;
          reason += ": '";
          reason.append(r.fields[bad].substr(0, 40));
          if (r.fields[bad].size() > 40) reason += "...";
          reason += '\'';
          rejects.field(reason);
        }
        rejects.end_row();
        continue;
      }
      ++written;
      // Rules 1 to 7 (W1.md), in fen.
      const std::int64_t per_capita = per_capita_fen(h.income, h.members);
      const bool excluded = h.car || h.town_house || h.employee || h.deposits > 5000000;
      const bool poor = h.wubao || (!excluded && per_capita < 273600);
      results.field(r.fields[0]);
      results.put(',');
      results.money(per_capita);
      int cause = 0;
      std::int64_t total = 0;  // at most ~1.3e15 fen for one household
      if (!poor) {
        results.put(",false,none,none,,0.00");
      } else {
        results.put(",true,");
        results.put(kCategory[h.wubao ? 1 : h.dibao ? 2 : 3]);
        cause = h.ill > 0 ? 1 : h.disabled > 0 ? 2 : h.disaster >= 500000 ? 3 : h.students > 0 ? 4
              : h.labor == 0 ? 5 : h.remote ? 6 : 7;
        results.put(',');
        results.put(kCause[cause]);
        results.put(',');
        bool first = true;
        const auto grant = [&](std::string_view measure, std::int64_t fen) {
          if (!first) results.put(';');
          results.put(measure);
          first = false;
          total += fen;
        };
        if (h.ill > 0) grant("medical_aid", std::min<std::int64_t>(100000 * h.ill, 300000));
        if (h.disabled > 0) grant("disability_subsidy", 60000 * h.disabled);
        if (h.students > 0) grant("rain_dew", 150000 * h.students);
        if (h.house != 0) grant("housing_renovation", h.house == 2 ? 2000000 : 800000);
        if (h.remote) grant("relocation", 600000 * h.members);
        if (h.labor > 0 && !h.remote) grant("industry_support", 200000);
        if (h.labor == 0 && !h.wubao) grant("income_topup", std::max<std::int64_t>(0, 273600 - per_capita) * h.members);
        if (!h.water) grant("water_project", 50000);
        results.put(',');
        results.money(total);
      }
      results.end_row();

      const std::string_view county = r.fields[1], township = r.fields[2], village = r.fields[3];
      if (last == SIZE_MAX || villages[last].village != village || villages[last].township != township ||
          villages[last].county != county) {
        key.clear();
        for (const std::string_view part : {county, township, village}) {
          key += std::to_string(part.size());
          key += ':';
          key += part;
        }
        const auto [it, fresh] = village_of.try_emplace(key, villages.size());
        if (fresh) villages.push_back(Village{std::string(county), std::string(township), std::string(village)});
        last = it->second;
      }
      Village& v = villages[last];
      ++v.households;
      v.population += h.members;
      if (poor) {
        ++v.poor;
        v.poor_population += h.members;
        v.assistance += total;
        ++v.by_cause[static_cast<std::size_t>(cause)];
      }
    }
    std::vector<const Village*> order;
    Village all{"*", "*", "*"};
    for (const Village& v : villages) order.push_back(&v), all.merge(v);
    std::sort(order.begin(), order.end(), [](const Village* a, const Village* b) {
      if (a->county != b->county) return a->county < b->county;  // std::string compares bytes as unsigned
      if (a->township != b->township) return a->township < b->township;
      return a->village < b->village;
    });
    summary.put(
        "county,township,village,households,population,poor_households,poor_population,incidence,total_assistance,"
        "illness,disability,disaster,education,lack_labor,environment,lack_funds\n");
    for (const Village* v : order) summary_row(summary, *v);
    summary_row(summary, all);
    ok = results.flush() && rejects.flush() && summary.flush();
    std::fprintf(stderr, "rows read: %llu, results: %llu, rejected: %llu\n", static_cast<unsigned long long>(read),
                 static_cast<unsigned long long>(written), static_cast<unsigned long long>(rejected));
  }
  for (std::FILE* file : files) ok = std::fclose(file) == 0 && ok;
  ::munmap(map, size);
  if (!ok) {
    std::fprintf(stderr, "w1-fast: writing the output failed\n");
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
