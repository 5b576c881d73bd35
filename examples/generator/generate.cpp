// precept-gen: a deterministic, seeded household register for workload W1
// (see /work/shared/workload/W1.md).
//
// Usage: precept-gen --rows N [--seed S] [--bad-rows K] [--crlf] [--bom] [-o FILE]
//
//   --rows N      number of data records written after the header (blank lines and
//                 other bad rows included), so a reader always reports "rows read: N"
//   --seed S      64-bit seed, default 1
//   --bad-rows K  K of the N records are special rows (see kSpecialRowKinds below);
//                 all but the quoted-newline kind are bad and must be rejected
//   --crlf        CRLF line ends (also inside the quoted newline of that kind)
//   --bom         start the file with a UTF-8 byte-order mark
//   -o FILE       write to FILE instead of stdout
//
// Usage: precept-gen --place NAME [--rows N] [--seed S] [--crlf] [--bom] [-o FILE]
//        precept-gen --list-places
//
//   --place NAME  a register calibrated to one place of the policy library
//                 (places.cpp, policies/README.md), with the columns its policy
//                 reads; --rows defaults to the place's published household count
//
// Usage: precept-gen --place NAME --panel FROM-TO [--rows N] [--seed S] -o FOLDER
//
//   --panel FROM-TO  the place's registers of each year FROM to TO (its own year
//                 or the one before, to 2020): the same households followed
//                 through the yearly cycle, into FOLDER (panel.cpp)
//
// Same arguments, same bytes, on any machine and any standard library: the PRNG
// and all sampling are our own integer code (std:: distributions are
// implementation-defined), and no value written ever passes through floating point.
//
// The figures are tuned to W1's contract: on 1,000,000 rows about 3.9M people,
// 22-23% of households poor, incidence about 0.216; plus enough edge values
// (ties in per-capita rounding, incomes at the poverty line, deposits at the cap,
// disaster losses at the threshold, wubao households with veto items, negative
// incomes) that a cross-check against the reference meets every rule branch.

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "panel.hpp"
#include "places.hpp"
#include "register_text.hpp"

namespace {

using precept_gen::append_field;
using precept_gen::append_integer;
using precept_gen::append_money;
using precept_gen::coarsen;
using precept_gen::Output;
using precept_gen::Random;


// ---------------------------------------------------------------- geography

// Real counties and townships of Ganzhou, Jiangxi. Huichang comes first and
// Xijiang first within it, so that a small register is "a Xijiang sample".
struct CountySpec {
  const char* name;
  const char* code;  // administrative division code, the household_id prefix
  std::vector<const char*> townships;
};

const std::vector<CountySpec>& counties() {
  static const std::vector<CountySpec> kCounties = {
      {"会昌县", "360733",
       {"西江镇", "庄口镇", "周田镇", "文武坝镇", "筠门岭镇", "麻州镇", "清溪乡", "右水乡",
        "高排乡", "晓龙乡", "珠兰乡", "洞头乡", "中村乡", "站塘乡", "永隆乡", "富城乡",
        "小密乡", "庄埠乡", "白鹅乡"}},
      {"寻乌县", "360734",
       {"长宁镇", "晨光镇", "留车镇", "南桥镇", "吉潭镇", "澄江镇", "桂竹帽镇", "文峰乡",
        "三标乡", "菖蒲乡", "龙廷乡", "水源乡", "罗珊乡", "丹溪乡", "项山乡"}},
      {"安远县", "360726",
       {"欣山镇", "孔田镇", "版石镇", "天心镇", "龙布镇", "鹤子镇", "三百山镇", "车头镇",
        "镇岗乡", "凤山乡", "新龙乡", "蔡坊乡", "重石乡", "长沙乡", "浮槎乡", "双芫乡",
        "塘村乡", "高云山乡"}},
  };
  return kCounties;
}

// Village names are two syllables + 村. The lists are short on purpose: with ~23
// villages per township the same name (石门村, 大坪村, ...) recurs in many
// townships, which is what makes W1 key villages by the whole triple.
constexpr std::array<const char*, 20> kFirstSyllables = {
    "石", "大", "新", "上", "下", "高", "长", "黄", "白", "青",
    "龙", "金", "马", "东", "西", "南", "北", "杨", "柏", "桐"};
constexpr std::array<const char*, 18> kSecondSyllables = {
    "门", "坪", "田", "坑", "湖", "岭", "山", "水", "塘",
    "溪", "岗", "背", "口", "头", "坝", "园", "桥", "排"};

struct Village {
  std::size_t county;
  std::size_t township;
  std::string name;
  std::int64_t planned_households;
};

// The geography is fixed (its own constant seed), so registers made with
// different seeds describe the same villages; only the households differ.
std::vector<Village> build_villages() {
  Random random(0x5869'6A69'616E'67ull);  // "Xijiang"
  std::vector<Village> villages;
  const auto& all = counties();
  for (std::size_t c = 0; c < all.size(); ++c) {
    for (std::size_t t = 0; t < all[c].townships.size(); ++t) {
      const std::int64_t count = random.between(21, 25);
      std::vector<std::string> taken;
      for (std::int64_t v = 0; v < count; ++v) {
        std::string name;
        do {
          name = kFirstSyllables[random.below(kFirstSyllables.size())];
          name += kSecondSyllables[random.below(kSecondSyllables.size())];
          name += "村";
        } while (std::find(taken.begin(), taken.end(), name) != taken.end());
        taken.push_back(name);
        // One village per township carries a name with a comma or a quote, as
        // registers typed by hand do, so that RFC 4180 quoting is exercised in text
        // that must round-trip. It is the second village in register order, so
        // that even a small register (the bundled sample) meets one.
        if (v == 1) name += t % 2 == 0 ? "(上,下屋)" : "\"新村\"";
        villages.push_back({c, t, std::move(name), random.between(400, 1300)});
      }
    }
  }
  return villages;
}

// ---------------------------------------------------------------- households

enum class House : std::uint8_t { Safe, C, D };

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
  bool safe_water = true;
  bool remote = false;
};

// Household size 1..9, mean ~3.92 (Xijiang: 63998 people / 16396 households = 3.9).
constexpr std::array<std::uint32_t, 9> kSizeWeights = {62, 138, 205, 250, 181, 96, 42, 16, 10};

// Chance (per 100k) that a household of each size has a low income. Small
// households (old couples, widows) are poorer, which is why W1's incidence is
// below its share of poor households.
constexpr std::array<std::uint32_t, 10> kLowIncomePer100k = {
    0, 29000, 25000, 21500, 21500, 21500, 22500, 22500, 22500, 22500};

Household make_household(Random& random) {
  Household h;
  h.members = static_cast<std::int64_t>(random.weighted(kSizeWeights)) + 1;
  h.wubao = random.chance(1000);
  if (h.wubao) h.members = random.chance(85000) ? 1 : 2;  // no supporter: alone or a couple
  const bool low_income = h.wubao || random.chance(kLowIncomePer100k[h.members]);

  // Net income, via a per-capita figure so that sizes and incomes stay plausible.
  if (h.wubao) {
    // Some wubao households sit above the line: rule 3 makes them poor anyway.
    h.net_income_fen = coarsen(random, random.between(120000, 400000) * h.members);
  } else if (random.chance(150)) {
    // Per-capita exactly on the line (not poor, rule 3 is strict).
    h.net_income_fen = 273600 * h.members;
  } else if (random.chance(150)) {
    // Within a fen per member of the line: per-capita rounding decides.
    h.net_income_fen = 273600 * h.members + random.between(-h.members, h.members);
  } else if (low_income && random.chance(4000)) {
    // A bad year (failed crop, livestock loss): negative net income.
    h.net_income_fen = -coarsen(random, random.between(5000, 800000));
  } else if (low_income) {
    const std::int64_t per_capita = random.between(30000, 273599);
    // The extra 0..members-1 fen makes per-capita rounding, ties included, matter.
    h.net_income_fen = coarsen(random, per_capita * h.members +
                                           static_cast<std::int64_t>(random.below(h.members)));
  } else {
    // Right-skewed above the line: the product of two uniforms, mean ~7800 yuan.
    const std::int64_t a = static_cast<std::int64_t>(random.below(12000));
    const std::int64_t b = static_cast<std::int64_t>(random.below(12000));
    const std::int64_t spread = static_cast<std::int64_t>(random.below(300000));
    const std::int64_t per_capita = 273601 + a * b / 100 + spread;
    h.net_income_fen = coarsen(random, per_capita * h.members +
                                           static_cast<std::int64_t>(random.below(h.members)));
  }

  // Deposits: mostly none or small; a few above the 50000 cap; a few exactly at
  // it and one fen over, where rule 2's strict '>' matters.
  if (random.chance(100)) {
    h.deposits_fen = random.chance(50000) ? 5000000 : 5000001;
  } else if (random.chance(low_income ? 1000 : 6000)) {
    h.deposits_fen = coarsen(random, random.between(5000001, 30000000));
  } else if (random.chance(low_income ? 55000 : 35000)) {
    h.deposits_fen = 0;
  } else {
    h.deposits_fen = coarsen(random, random.between(100, low_income ? 800000 : 3000000));
  }

  // Veto items: rarer among the low-income, but present, so exclusion really
  // removes some households (and some wubao households carry one, which rule 3
  // overrides).
  h.owns_car = random.chance(low_income ? 1000 : 6000);
  h.owns_town_house = random.chance(low_income ? 800 : 4000);
  h.public_employee = random.chance(low_income ? 500 : 3000);

  // House grades: overall ~85% safe, 10% c, 5% d; worse among the low-income.
  const std::array<std::uint32_t, 3> house_weights =
      low_income ? std::array<std::uint32_t, 3>{70, 18, 12} : std::array<std::uint32_t, 3>{895, 76, 29};
  h.house = static_cast<House>(random.weighted(house_weights));

  h.dibao = h.wubao ? random.chance(5000) : random.chance(low_income ? 17000 : 1500);

  // Labour: none for wubao; often none for old people living alone.
  if (h.wubao) {
    h.labor_count = 0;
  } else if (h.members == 1) {
    h.labor_count = random.chance(low_income ? 50000 : 25000) ? 0 : 1;
  } else if (random.chance(low_income ? 10000 : 4000)) {
    h.labor_count = 0;
  } else {
    h.labor_count = std::clamp<std::int64_t>((h.members * 6 + 5) / 10 + random.between(-1, 1), 1, h.members);
  }

  if (random.chance(low_income ? 28000 : 8000)) {
    const std::array<std::uint32_t, 4> ill_weights = {75, 18, 5, 2};
    h.ill_members = std::min<std::int64_t>(static_cast<std::int64_t>(random.weighted(ill_weights)) + 1, h.members);
  }
  if (random.chance(low_income ? 12000 : 4000)) {
    h.disabled_members = random.chance(85000) ? 1 : std::min<std::int64_t>(2, h.members);
  }
  if (h.members >= 3 && random.chance(35000)) {
    h.students = random.between(1, std::min<std::int64_t>(3, h.members - 2));
  }

  // Disaster losses: mostly none; some small; a few at or above the 5000
  // threshold of rule 5, and a few exactly on it or a fen under.
  if (random.chance(12000)) {
    const std::uint64_t roll = random.below(100);
    if (roll < 70) {
      h.disaster_loss_fen = coarsen(random, random.between(20000, 499999));
    } else if (roll < 97) {
      h.disaster_loss_fen = coarsen(random, random.between(500000, 3000000));
    } else {
      h.disaster_loss_fen = random.chance(50000) ? 500000 : 499999;
    }
  }

  h.safe_water = !random.chance(8000);
  h.remote = random.chance(low_income ? 8000 : 4000);
  return h;
}

constexpr std::size_t kColumnCount = 20;
constexpr std::array<const char*, kColumnCount> kColumnNames = {
    "household_id", "county", "township", "village", "members", "labor_count",
    "net_income", "deposits", "owns_car", "owns_town_house", "public_employee", "house",
    "dibao", "wubao", "ill_members", "disabled_members", "students", "disaster_loss",
    "safe_water", "remote"};

enum Column : std::size_t {
  kHouseholdId, kCounty, kTownship, kVillage, kMembers, kLaborCount, kNetIncome,
  kDeposits, kOwnsCar, kOwnsTownHouse, kPublicEmployee, kHouse, kDibao, kWubao,
  kIllMembers, kDisabledMembers, kStudents, kDisasterLoss, kSafeWater, kRemote,
};

constexpr std::array<Column, 5> kIntColumns = {kMembers, kLaborCount, kIllMembers,
                                               kDisabledMembers, kStudents};
constexpr std::array<Column, 3> kMoneyColumns = {kNetIncome, kDeposits, kDisasterLoss};
constexpr std::array<Column, 7> kBoolColumns = {kOwnsCar, kOwnsTownHouse, kPublicEmployee,
                                                kDibao, kWubao, kSafeWater, kRemote};

using Row = std::array<std::string, kColumnCount>;

void fill_row(Random& random, Row& row, const Village& village, std::string_view household_id,
              const Household& h) {
  const CountySpec& county = counties()[village.county];
  // Every field is cleared and then appended to: the buffers keep their capacity
  // from row to row (no allocation), and GCC 12 raises a false -Wrestrict on
  // assigning string literals to them here.
  for (auto& field : row) field.clear();
  const auto set_bool = [&](Column column, bool value) { row[column].push_back(value ? '1' : '0'); };
  row[kHouseholdId].append(household_id);
  row[kCounty].append(county.name);
  row[kTownship].append(county.townships[village.township]);
  row[kVillage].append(village.name);
  append_integer(row[kMembers], h.members);
  append_integer(row[kLaborCount], h.labor_count);
  append_money(random, row[kNetIncome], h.net_income_fen);
  append_money(random, row[kDeposits], h.deposits_fen);
  set_bool(kOwnsCar, h.owns_car);
  set_bool(kOwnsTownHouse, h.owns_town_house);
  set_bool(kPublicEmployee, h.public_employee);
  row[kHouse].append(h.house == House::Safe ? "safe" : h.house == House::C ? "c" : "d");
  set_bool(kDibao, h.dibao);
  set_bool(kWubao, h.wubao);
  append_integer(row[kIllMembers], h.ill_members);
  append_integer(row[kDisabledMembers], h.disabled_members);
  append_integer(row[kStudents], h.students);
  append_money(random, row[kDisasterLoss], h.disaster_loss_fen);
  set_bool(kSafeWater, h.safe_water);
  set_bool(kRemote, h.remote);
}

// ---------------------------------------------------------------- special rows

// The kinds of special row --bad-rows cycles through, in this order. Every kind
// except QuotedNewline is a bad row that W1 requires to be rejected (and counted);
// QuotedNewline is a *valid* row whose quoted village spans two physical lines, so
// that every later line number depends on counting physical lines correctly.
//
//   kind                 written as                        rejected at column
//   TooFewColumns        last 1..5 fields dropped          (wrong column count)
//   IntDecimal           an int column = 3.5               that column
//   MoneyThreeDecimals   a money column = 12.345           that column
//   MembersZero          members = 0                       members
//   EnumUpperCase        house = C                         house
//   QuotedNewline        village = "<name>\n二组"          - (valid)
//   BoolTwo              a bool column = 2                 that column
//   BlankLine            an empty line                     (wrong column count)
//   IntTenDigits         an int column = 1234567890        that column
//   MoneyThousands       a money column = "1,000" (quoted) that column
//   TooManyColumns       one extra field                   (wrong column count)
//   MoneyThirteenDigits  a money column = 1234567890123.5  that column
//   IntEmpty             an int column empty               that column
//   MoneyPlus            a money column = +5               that column
//   MembersNegative      members = -2                      members
//   EnumUnknown          house = unsafe                    house
//   BoolWord             a bool column = true              that column
//   IntExponent          an int column = 1e3               that column
//   MoneyCurrency        a money column = ¥100             that column
//   IntLeadingSpace      an int column = " 2"              that column
//
// The first twelve mix all categories, so that a small --bad-rows (the bundled
// sample uses 12) already meets each of them once.
enum class SpecialKind : std::uint8_t {
  TooFewColumns, IntDecimal, MoneyThreeDecimals, MembersZero, EnumUpperCase,
  QuotedNewline, BoolTwo, BlankLine, IntTenDigits, MoneyThousands, TooManyColumns,
  MoneyThirteenDigits, IntEmpty, MoneyPlus, MembersNegative, EnumUnknown, BoolWord,
  IntExponent, MoneyCurrency, IntLeadingSpace,
};
constexpr std::size_t kSpecialKindCount = 20;

// Applies `kind` to a row. Returns the number of fields to write (a short row
// drops the tail; a long one gets an extra field appended by the caller).
std::size_t apply_special(Random& random, SpecialKind kind, Row& row, bool crlf,
                          bool& extra_field, bool& blank) {
  const auto int_column = [&] { return kIntColumns[random.below(kIntColumns.size())]; };
  const auto money_column = [&] { return kMoneyColumns[random.below(kMoneyColumns.size())]; };
  const auto bool_column = [&] { return kBoolColumns[random.below(kBoolColumns.size())]; };
  extra_field = false;
  blank = false;
  switch (kind) {
    case SpecialKind::TooFewColumns:
      return kColumnCount - static_cast<std::size_t>(random.between(1, 5));
    case SpecialKind::TooManyColumns:
      extra_field = true;
      break;
    case SpecialKind::BlankLine:
      blank = true;
      break;
    case SpecialKind::IntDecimal: row[int_column()] = "3.5"; break;
    case SpecialKind::IntEmpty: row[int_column()].clear(); break;
    case SpecialKind::IntExponent: row[int_column()] = "1e3"; break;
    case SpecialKind::IntLeadingSpace: row[int_column()] = " 2"; break;
    case SpecialKind::IntTenDigits: row[int_column()] = "1234567890"; break;
    case SpecialKind::MoneyThreeDecimals: row[money_column()] = "12.345"; break;
    case SpecialKind::MoneyThousands: row[money_column()] = "1,000"; break;
    case SpecialKind::MoneyPlus: row[money_column()] = "+5"; break;
    case SpecialKind::MoneyCurrency: row[money_column()] = "¥100"; break;
    case SpecialKind::MoneyThirteenDigits: row[money_column()] = "1234567890123.5"; break;
    case SpecialKind::MembersZero: row[kMembers] = "0"; break;
    case SpecialKind::MembersNegative: row[kMembers] = "-2"; break;
    case SpecialKind::EnumUpperCase: row[kHouse] = "C"; break;
    case SpecialKind::EnumUnknown: row[kHouse] = "unsafe"; break;
    case SpecialKind::BoolTwo: row[bool_column()] = "2"; break;
    case SpecialKind::BoolWord: row[bool_column()] = "true"; break;
    case SpecialKind::QuotedNewline:
      row[kVillage] += crlf ? "\r\n二组" : "\n二组";
      break;
  }
  return kColumnCount;
}

// ---------------------------------------------------------------- output

struct Options {
  std::uint64_t rows = 0;
  bool rows_given = false;
  std::uint64_t seed = 1;
  std::uint64_t bad_rows = 0;
  bool crlf = false;
  bool bom = false;
  const char* output_path = nullptr;
  const char* place = nullptr;
  bool list_places = false;
  int panel_from = 0, panel_to = 0;  // --panel FROM-TO
};

int usage() {
  std::fprintf(stderr,
               "usage: precept-gen --rows N [--seed S] [--bad-rows K] [--crlf] [--bom] [-o FILE]\n"
               "       precept-gen --place NAME [--rows N] [--seed S] [--crlf] [--bom] [-o FILE]\n"
               "       precept-gen --place NAME --panel FROM-TO [--rows N] [--seed S] -o FOLDER\n"
               "       precept-gen --list-places\n");
  return 2;
}

bool parse_u64(const char* text, std::uint64_t& out) {
  const char* end = text + std::strlen(text);
  const auto result = std::from_chars(text, end, out);
  return result.ec == std::errc() && result.ptr == end && end != text;
}

bool parse_options(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--rows" && has_value) {
      if (!parse_u64(argv[++i], options.rows)) return false;
      options.rows_given = true;
    } else if (arg == "--seed" && has_value) {
      if (!parse_u64(argv[++i], options.seed)) return false;
    } else if (arg == "--bad-rows" && has_value) {
      if (!parse_u64(argv[++i], options.bad_rows)) return false;
    } else if (arg == "--crlf") {
      options.crlf = true;
    } else if (arg == "--bom") {
      options.bom = true;
    } else if (arg == "-o" && has_value) {
      options.output_path = argv[++i];
    } else if (arg == "--place" && has_value) {
      options.place = argv[++i];
    } else if (arg == "--panel" && has_value) {
      const std::string_view years = argv[++i];
      const auto dash = years.find('-');
      if (dash == std::string_view::npos ||
          std::from_chars(years.data(), years.data() + dash, options.panel_from).ec != std::errc() ||
          std::from_chars(years.data() + dash + 1, years.data() + years.size(), options.panel_to).ec != std::errc())
        return false;
    } else if (arg == "--list-places") {
      options.list_places = true;
    } else {
      return false;
    }
  }
  if (options.list_places) return true;
  // A calibrated register has no special rows: its figures are the place's own.
  if (options.panel_from != 0) return options.place != nullptr && options.output_path != nullptr && options.bad_rows == 0;
  if (options.place != nullptr) return options.bad_rows == 0;
  return options.rows_given && options.bad_rows <= options.rows;
}

int write_place(const precept_gen::PlaceProfile& place, const Options& options, std::FILE* file) {
  bool ok = precept_gen::write_place_register(place, options.rows_given ? options.rows : 0, options.seed,
                                              options.crlf, options.bom, file);
  if (file != stdout) ok = std::fclose(file) == 0 && ok;
  else ok = std::fflush(file) == 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "precept-gen: writing the output failed\n");
    return 2;
  }
  std::fprintf(stderr, "precept-gen: %s register for %s (seed %llu)\n", place.name, place.policy,
               static_cast<unsigned long long>(options.seed));
  return 0;
}

int run(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, options)) return usage();
  if (options.list_places) {
    precept_gen::list_places(stdout);
    return 0;
  }
  const precept_gen::PlaceProfile* place = nullptr;
  if (options.place != nullptr) {
    place = precept_gen::find_place(options.place);
    if (place == nullptr) {
      std::fprintf(stderr, "precept-gen: unknown place '%s'; --list-places shows them\n", options.place);
      return 2;
    }
  }

  if (place != nullptr && options.panel_from != 0) {
    if (!precept_gen::write_panel(*place, options.panel_from, options.panel_to, options.rows_given ? options.rows : 0,
                                  options.seed, options.output_path))
      return 2;
    std::fprintf(stderr, "precept-gen: %s registers %d-%d in %s (seed %llu)\n", place->name, options.panel_from,
                 options.panel_to, options.output_path, static_cast<unsigned long long>(options.seed));
    return 0;
  }

  std::FILE* file = stdout;
  if (options.output_path != nullptr) {
    file = std::fopen(options.output_path, "wb");
    if (file == nullptr) {
      std::fprintf(stderr, "precept-gen: cannot write %s: %s\n", options.output_path, std::strerror(errno));
      return 2;
    }
  }

  if (place != nullptr) return write_place(*place, options, file);

  const std::vector<Village> villages = build_villages();
  // Separate streams: households, spellings/quoting, and special rows. Adding
  // bad rows then changes only the rows it replaces: every other household has
  // the same values (and so the same results) as with the same seed without
  // --bad-rows; only the spelling of its numbers and optional quotes may differ.
  Random household_random(options.seed);
  Random spelling_random(options.seed ^ 0x7370656C6C696E67ull);
  Random special_random(options.seed ^ 0x7370656369616C73ull);

  // Special rows sit one per slot of rows/K records, at a seeded offset within the slot.
  std::vector<std::uint64_t> special_positions;
  if (options.bad_rows > 0) {
    const std::uint64_t slot = options.rows / options.bad_rows;
    for (std::uint64_t i = 0; i < options.bad_rows; ++i) {
      special_positions.push_back(i * slot + special_random.below(slot));
    }
  }

  const std::string_view line_end = options.crlf ? "\r\n" : "\n";
  Output output(file);
  std::string& out = output.buffer();
  if (options.bom) out += "\xEF\xBB\xBF";
  for (std::size_t i = 0; i < kColumnCount; ++i) {
    if (i > 0) out.push_back(',');
    out += kColumnNames[i];
  }
  out += line_end;

  std::vector<std::uint64_t> next_sequence(counties().size(), 1);
  std::size_t village_index = 0;
  std::int64_t left_in_village = villages[0].planned_households;
  std::size_t next_special = 0;
  std::uint64_t rejectable = 0;
  Row row;
  std::string household_id;
  for (std::uint64_t record = 0; record < options.rows; ++record) {
    // Villages are visited in register order; when the plan is used up the walk
    // starts again (a supplementary registration), so a large register has
    // villages in two separate runs.
    while (left_in_village == 0) {
      village_index = (village_index + 1) % villages.size();
      left_in_village = villages[village_index].planned_households;
    }
    --left_in_village;
    std::size_t home = village_index;
    // A few late registrations land elsewhere in the township, so that even a
    // small register has villages whose rows are not contiguous.
    if (household_random.chance(500)) {
      const std::size_t township = villages[village_index].township;
      const std::size_t county = villages[village_index].county;
      std::size_t first = village_index;
      while (first > 0 && villages[first - 1].township == township && villages[first - 1].county == county) --first;
      std::size_t last = village_index;
      while (last + 1 < villages.size() && villages[last + 1].township == township &&
             villages[last + 1].county == county) {
        ++last;
      }
      home = first + household_random.below(last - first + 1);
    }
    const Village& village = villages[home];
    const Household household = make_household(household_random);

    household_id = counties()[village.county].code;
    household_id += '-';
    char digits[24];
    std::snprintf(digits, sizeof digits, "%07llu",
                  static_cast<unsigned long long>(next_sequence[village.county]++));
    household_id += digits;
    fill_row(spelling_random, row, village, household_id, household);

    std::size_t field_count = kColumnCount;
    bool extra_field = false;
    bool blank = false;
    if (next_special < special_positions.size() && special_positions[next_special] == record) {
      const auto kind = static_cast<SpecialKind>(next_special % kSpecialKindCount);
      field_count = apply_special(special_random, kind, row, options.crlf, extra_field, blank);
      if (kind != SpecialKind::QuotedNewline) ++rejectable;
      ++next_special;
    }
    if (!blank) {
      for (std::size_t i = 0; i < field_count; ++i) {
        if (i > 0) out.push_back(',');
        append_field(spelling_random, out, row[i]);
      }
      if (extra_field) out += ",x";
    }
    out += line_end;
    output.maybe_flush();
  }

  bool ok = output.flush();
  if (file != stdout) ok = std::fclose(file) == 0 && ok;
  else ok = std::fflush(file) == 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "precept-gen: writing the output failed\n");
    return 2;
  }
  std::fprintf(stderr, "precept-gen: %llu rows (seed %llu), %llu special, %llu of them to be rejected\n",
               static_cast<unsigned long long>(options.rows), static_cast<unsigned long long>(options.seed),
               static_cast<unsigned long long>(options.bad_rows),
               static_cast<unsigned long long>(rejectable));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
