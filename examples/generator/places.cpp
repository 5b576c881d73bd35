// Calibrated registers for the places of the policy library. The figures and
// their sources are in policies/README.md; every figure a report does not give
// is marked "assumed" there.
//
// How the calibration holds exactly rather than on average: poor households are
// chosen by selection sampling (each household is poor with probability
// poor-left / households-left), so exactly the target count is poor; each
// household's size is drawn around the mean its group still needs (people left
// / households left), so both populations come out at their targets. Incomes
// then sit clearly on the right side of the place's line (poor ones below it,
// with no veto item; others above it, or below it with a veto item), so the
// place's policy identifies exactly the households planned.
#include "places.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "register_text.hpp"

namespace precept_gen {
namespace {

// The three categories besides "ordinary", and the causes, as the policies name them.
enum Category : std::size_t { kWubao, kDibaoNoLabor, kDibaoWithLabor, kOrdinary };
enum Cause : std::size_t { kIllness, kDisability, kDisaster, kEducation, kLackLabor, kEnvironment, kLackFunds };

constexpr std::int64_t kDisasterThresholdFen = 500000;  // national.pol's disaster_threshold
constexpr std::int64_t kDepositCapFen = 5000000;        // the lowest deposit cap of any layer

}  // namespace

const std::vector<PlaceProfile>& place_profiles() {
  // clang-format off
  static const std::vector<PlaceProfile> kProfiles = {
      // Xijiang survey report: 16396 households, 63998 people, 3840 poor households,
      // 12963 poor people under 2736 yuan; allowance 17.1% and five-guarantee 2.6% of
      // the poor; causes 45.3 / 4.2 / 4.1 / 46.4%.
      {"xijiang-2015", "policies/xijiang_town_2015.pol", 2015, "会昌县", "西江镇", "360733", 23,
       16396, 63998, 3840, 12963, 273600,
       {76, 85, 85, 754}, {250, 120, 83, 42, 0, 41, 464}, 20, 60, 10},
      // 2016: the same town (population assumed unchanged) under the 2855 line; the
      // poor counts are assumed (no 2016 report): about a quarter lifted out in 2015.
      {"xijiang-2016", "policies/xijiang_town_2016.pol", 2016, "会昌县", "西江镇", "360733", 23,
       16396, 63998, 2900, 9800, 285500,
       {80, 90, 85, 745}, {260, 125, 80, 45, 0, 40, 450}, 20, 50, 85},
      // Nanling report: 727 poor families, 2117 poor people, incidence 18.34% (so about
      // 11543 people); 414 severely poor covered by the allowance; 668 people fell back
      // through illness in 2014. Households and villages assumed (3.9 per household).
      {"nanling-2015", "policies/nanling_2015.pol", 2015, "萍乡市", "南岭乡", "360300", 12,
       2960, 11543, 727, 2117, 285500,
       {26, 100, 96, 778}, {400, 150, 30, 60, 60, 20, 280}, 300, 12, 1},
      // Su Xing report: 12624 residents, 1604 poor households with 3510 people in 2015;
      // categories from its 2013 breakdown (244 ordinary, 170 poor on the allowance, 706
      // on the allowance, 59 five-guarantee households); 1377 people planned out in 2015.
      // Households assumed (3.5 per household); causes assumed.
      {"suxing-2015", "policies/suxing_2015.pol", 2015, "大方县", "星宿乡", "520521", 10,
       3600, 12624, 1604, 3510, 285500,
       {50, 599, 144, 207}, {200, 100, 50, 50, 100, 150, 350}, 20, 100, 315},
      // Enyang: the report publishes no counts. Assumed: 6000 households, 21000 people,
      // Sichuan's incidence of 7.7% (end of 2014), 2.8 per poor household; illness
      // 26.1% of poor households (Sichuan survey).
      {"enyang-2016", "policies/enyang_2016.pol", 2016, "恩阳区", "渔溪镇", "511903", 20,
       6000, 21000, 578, 1617, 295200,
       {40, 200, 100, 660}, {261, 100, 60, 80, 120, 79, 300}, 20, 50, 40},
  };
  // clang-format on
  return kProfiles;
}

const PlaceProfile* find_place(const char* name) {
  for (const auto& profile : place_profiles()) {
    if (std::string_view(profile.name) == name) return &profile;
  }
  return nullptr;
}

void list_places(std::FILE* file) {
  std::fprintf(file, "%-14s %-6s %-32s %10s %10s %8s %8s %9s\n", "place", "year", "policy", "households",
               "population", "poor hh", "poor pop", "line");
  for (const auto& p : place_profiles()) {
    std::fprintf(file, "%-14s %-6d %-32s %10lld %10lld %8lld %8lld %6lld.%02lld\n", p.name, p.year, p.policy,
                 static_cast<long long>(p.households), static_cast<long long>(p.population),
                 static_cast<long long>(p.poor_households), static_cast<long long>(p.poor_population),
                 static_cast<long long>(p.line_fen / 100), static_cast<long long>(p.line_fen % 100));
  }
}

namespace {

// A target scaled from the published household count to the rows asked for,
// rounded half up: integer only, so the same on every machine.
std::int64_t scaled(std::int64_t figure, std::int64_t published_households, std::int64_t rows) {
  return (figure * rows * 2 + published_households) / (published_households * 2);
}

// A household size around the mean its group still needs. The draw spreads
// sizes over 1..9 as registers have them; because the mean is recomputed from
// what is left, the group's total lands on its target.
std::int64_t draw_size(Random& random, std::int64_t people_left, std::int64_t households_left) {
  if (households_left <= 1) return std::clamp<std::int64_t>(people_left, 1, 9);
  std::int64_t size = people_left / households_left;
  if (static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(households_left))) <
      people_left % households_left) {
    ++size;
  }
  if (households_left > 8) {
    constexpr std::array<std::uint32_t, 5> kSpread = {1, 3, 4, 3, 1};
    size += static_cast<std::int64_t>(random.weighted(kSpread)) - 2;
  }
  // Every household after this one needs at least one member, and at most nine.
  const std::int64_t others = households_left - 1;
  size = std::min(size, people_left - others);
  size = std::max(size, people_left - others * 9);
  return std::clamp<std::int64_t>(size, 1, 9);
}

template <std::size_t N>
std::size_t draw_permille(Random& random, const std::uint32_t (&permille)[N]) {
  std::array<std::uint32_t, N> weights{};
  std::copy(permille, permille + N, weights.begin());
  return random.weighted(weights);
}

// Labour for a household that has some: about six in ten members, at least one.
std::int64_t working_members(Random& random, std::int64_t members) {
  return std::clamp<std::int64_t>((members * 6 + 5) / 10 + random.between(-1, 1), 1, members);
}

// `may_shrink`: a five-guarantee household may be smaller than drawn, except
// among the last few, where the group's population could no longer absorb it.
PlaceHousehold make_poor(Random& random, const PlaceProfile& place, std::int64_t members, bool may_shrink) {
  PlaceHousehold h;
  h.members = members;
  const auto category = static_cast<Category>(draw_permille(random, place.category_permille));
  h.wubao = category == kWubao;
  // Five-guarantee means no supporter: people alone, now and then a couple.
  if (h.wubao && may_shrink) h.members = members >= 2 && random.chance(15000) ? 2 : 1;
  h.dibao = category == kDibaoNoLabor || category == kDibaoWithLabor;
  h.labor = category == kWubao || category == kDibaoNoLabor ? 0 : working_members(random, h.members);

  // Fields that make the policies' cause decision (first that holds) pick this cause.
  switch (static_cast<Cause>(draw_permille(random, place.cause_permille))) {
    case kIllness: h.ill = std::min<std::int64_t>(h.members, random.chance(80000) ? 1 : 2); break;
    case kDisability: h.disabled = 1; break;
    case kDisaster: h.disaster_fen = coarsen(random, random.between(kDisasterThresholdFen, 3000000)); break;
    case kEducation:
      if (h.members >= 2) {
        h.students = random.between(1, std::min<std::int64_t>(2, h.members - 1));
      } else {
        h.ill = 1;  // nobody to send to school: a single member is poor through illness
      }
      break;
    case kLackLabor: h.labor = 0; break;
    case kEnvironment: h.remote = true; break;
    case kLackFunds: break;
  }
  // Below the line per member, whole yuan, so that per-capita rounding cannot
  // carry a household across it.
  const std::int64_t per_capita = random.between(place.line_fen * 3 / 10 / 100, place.line_fen / 100 - 1) * 100;
  h.income_fen = per_capita * h.members;
  h.deposits_fen = random.chance(60000) ? 0 : coarsen(random, random.between(100, 500000));
  const std::array<std::uint32_t, 3> house_weights = {70, 18, 12};
  h.house = "scd"[random.weighted(house_weights)];
  if (h.students == 0 && h.members >= 3 && (h.ill > 0 || h.disabled > 0) && random.chance(15000)) {
    h.students = 1;  // a child in school in a household poor for another reason: Rain and Dew still applies
  }
  h.safe_water = !random.chance(15000);
  h.food_secure = !random.chance(10000);
  h.medical_insured = !random.chance(5000);
  h.dropouts = random.chance(3000) ? 1 : 0;
  if (random.below(1000) < place.returned_permille) {
    h.last_year = "exited";
  } else if (random.below(1000) < place.new_permille) {
    h.last_year = "none";
  } else {
    h.last_year = "poor";
  }
  return h;
}

PlaceHousehold make_not_poor(Random& random, const PlaceProfile& place, std::int64_t members) {
  PlaceHousehold h;
  h.members = members;
  h.labor = random.chance(4000) ? 0 : working_members(random, members);
  const std::int64_t line_yuan = place.line_fen / 100;
  if (random.chance(3000)) {
    // Low income, but verification found a veto item: not identified.
    h.income_fen = random.between(line_yuan * 4 / 10, line_yuan - 1) * 100 * members;
    switch (random.below(4)) {
      case 0: h.owns_car = true; break;
      case 1: h.owns_town_house = true; break;
      case 2: h.public_employee = true; break;
      default: h.deposits_fen = coarsen(random, random.between(kDepositCapFen + 100, 20000000)); break;
    }
  } else {
    // Right-skewed above the line, as the W1 generator draws it.
    const std::int64_t a = static_cast<std::int64_t>(random.below(120));
    const std::int64_t b = static_cast<std::int64_t>(random.below(120));
    const std::int64_t per_capita = line_yuan + 1 + a * b / 2 + static_cast<std::int64_t>(random.below(3000));
    h.income_fen = per_capita * 100 * members;
    h.owns_car = random.chance(6000);
    h.owns_town_house = random.chance(4000);
    h.public_employee = random.chance(3000);
  }
  if (h.deposits_fen == 0 && !random.chance(35000)) h.deposits_fen = coarsen(random, random.between(100, 3000000));
  const std::array<std::uint32_t, 3> house_weights = {895, 76, 29};
  h.house = "scd"[random.weighted(house_weights)];
  h.dibao = random.chance(1000);
  if (random.chance(8000)) h.ill = 1;
  if (random.chance(4000)) h.disabled = 1;
  if (members >= 3 && random.chance(35000)) h.students = random.between(1, std::min<std::int64_t>(3, members - 2));
  if (random.chance(8000)) h.disaster_fen = coarsen(random, random.between(20000, 800000));
  h.safe_water = !random.chance(8000);
  h.remote = random.chance(3000);
  if (random.below(1000) < place.exiting_permille) {
    // Registered poor last year and above the line now: it exits when the
    // "two no worries, three guarantees" hold, which they mostly do.
    h.last_year = "poor";
    if (random.chance(8000)) {
      switch (random.below(3)) {
        case 0: h.house = 'd'; break;
        case 1: h.dropouts = 1; break;
        default: h.medical_insured = false; break;
      }
    } else {
      h.house = 's';
    }
  } else if (random.chance(5000)) {
    h.last_year = "exited";
  }
  return h;
}

constexpr std::array<const char*, 24> kColumns = {
    "household_id", "county", "township", "village", "members", "labor_count", "net_income", "deposits",
    "owns_car", "owns_town_house", "public_employee", "house", "dibao", "wubao", "ill_members",
    "disabled_members", "students", "disaster_loss", "safe_water", "remote", "last_year", "food_secure",
    "dropouts", "medical_insured"};

}  // namespace

// Village names as the W1 generator makes them (two syllables + 村), from the
// place's own constant seed, so every seed describes the same villages.
std::vector<std::string> place_village_names(const PlaceProfile& place) {
  static constexpr std::array<const char*, 20> kFirst = {"石", "大", "新", "上", "下", "高", "长",
                                                         "黄", "白", "青", "龙", "金", "马", "东",
                                                         "西", "南", "北", "杨", "柏", "桐"};
  static constexpr std::array<const char*, 18> kSecond = {"门", "坪", "田", "坑", "湖", "岭",
                                                          "山", "水", "塘", "溪", "岗", "背",
                                                          "口", "头", "坝", "园", "桥", "排"};
  std::uint64_t seed = 0;
  for (const char* c = place.name; *c != '\0'; ++c) seed = seed * 131 + static_cast<unsigned char>(*c);
  Random random(seed);
  std::vector<std::string> names;
  while (names.size() < static_cast<std::size_t>(place.villages)) {
    std::string name = kFirst[random.below(kFirst.size())];
    name += kSecond[random.below(kSecond.size())];
    name += "村";
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  }
  return names;
}

std::vector<PlaceHousehold> place_households(const PlaceProfile& place, std::uint64_t rows, std::uint64_t seed) {
  const std::int64_t households = rows == 0 ? place.households : static_cast<std::int64_t>(rows);
  std::int64_t poor_left = scaled(place.poor_households, place.households, households);
  std::int64_t poor_people_left = scaled(place.poor_population, place.households, households);
  std::int64_t other_left = households - poor_left;
  std::int64_t other_people_left = scaled(place.population, place.households, households) - poor_people_left;
  Random household_random(seed ^ 0x706C616365ull);  // "place"
  std::vector<PlaceHousehold> all;
  all.reserve(static_cast<std::size_t>(households));
  for (std::int64_t i = 0; i < households; ++i) {
    const std::int64_t left = households - i;
    const bool poor = static_cast<std::int64_t>(household_random.below(static_cast<std::uint64_t>(left))) < poor_left;
    if (poor) {
      all.push_back(make_poor(household_random, place, draw_size(household_random, poor_people_left, poor_left),
                              poor_left > 16));
      --poor_left;
      poor_people_left -= all.back().members;
    } else {
      all.push_back(make_not_poor(household_random, place, draw_size(household_random, other_people_left, other_left)));
      --other_left;
      other_people_left -= all.back().members;
    }
  }
  return all;
}

void append_place_header(std::string& out, const std::vector<const char*>& extra) {
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += kColumns[i];
  }
  for (const char* column : extra) {
    out.push_back(',');
    out += column;
  }
}

void append_place_row(std::string& out, Random& spelling, const PlaceProfile& place, std::string_view village,
                      std::string_view household_id, const PlaceHousehold& h,
                      const std::vector<std::string_view>& extra) {
  std::string field;
  const auto put = [&](std::string_view value, bool first = false) {
    if (!first) out.push_back(',');
    append_field(spelling, out, value);
  };
  const auto put_int = [&](std::int64_t value) {
    field.clear();
    append_integer(field, value);
    put(field);
  };
  const auto put_money = [&](std::int64_t fen) {
    field.clear();
    append_money(spelling, field, fen);
    put(field);
  };
  const auto put_bool = [&](bool value) { put(value ? "1" : "0"); };
  put(household_id, true);
  put(place.county);
  put(place.township);
  put(village);
  put_int(h.members);
  put_int(h.labor);
  put_money(h.income_fen);
  put_money(h.deposits_fen);
  put_bool(h.owns_car);
  put_bool(h.owns_town_house);
  put_bool(h.public_employee);
  put(h.house == 's' ? "safe" : h.house == 'c' ? "c" : "d");
  put_bool(h.dibao);
  put_bool(h.wubao);
  put_int(h.ill);
  put_int(h.disabled);
  put_int(h.students);
  put_money(h.disaster_fen);
  put_bool(h.safe_water);
  put_bool(h.remote);
  put(h.last_year);
  put_bool(h.food_secure);
  put_int(h.dropouts);
  put_bool(h.medical_insured);
  for (const std::string_view value : extra) put(value);
}

bool write_place_register(const PlaceProfile& place, std::uint64_t rows, std::uint64_t seed, bool crlf, bool bom,
                          std::FILE* file) {
  const std::vector<PlaceHousehold> households = place_households(place, rows, seed);
  const std::vector<std::string> villages = place_village_names(place);
  Random spelling_random(seed ^ 0x7370656C6C696E67ull);
  const std::string_view line_end = crlf ? "\r\n" : "\n";
  Output output(file);
  std::string& out = output.buffer();
  if (bom) out += "\xEF\xBB\xBF";
  append_place_header(out);
  out += line_end;
  const auto count = static_cast<std::int64_t>(households.size());
  for (std::int64_t i = 0; i < count; ++i) {
    // Villages in register order, in even blocks.
    const std::string& village = villages[static_cast<std::size_t>(i * place.villages / count)];
    char id[32];
    std::snprintf(id, sizeof id, "%s-%07lld", place.code, static_cast<long long>(i + 1));
    append_place_row(out, spelling_random, place, village, id, households[static_cast<std::size_t>(i)]);
    out += line_end;
    output.maybe_flush();
  }
  return output.flush();
}

}  // namespace precept_gen
