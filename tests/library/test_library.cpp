// The policy library (policies/) and the registers calibrated to its places
// (precept-gen --place). The published figures below are restated from the
// reports (policies/README.md gives each source), not read from the generator,
// so the generator is checked against the reports, through the place's policy.
#include "files.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace {

using precept::testing::csv_records;
using precept::testing::read_file;
using precept::testing::run_command;
using precept::testing::TempDir;

const std::string kSource = PRECEPT_SOURCE_DIR;

struct PublishedFigures {
  const char* place;   // the precept-gen --place profile
  const char* policy;  // the policy the register is run through, under policies/
  long long households;
  long long population;
  long long poor_households;
  long long poor_population;
};

std::ostream& operator<<(std::ostream& out, const PublishedFigures& figures) { return out << figures.place; }

// Tolerances, as the library's README states them: household counts exact (a
// register has as many rows as the report counts households); population and
// poor counts within 0.5%; incidence within 0.2 percentage points.
constexpr double kCountTolerance = 0.005;
constexpr double kIncidenceTolerance = 0.002;

// The figures of every place profile. Households of Nanling, Su Xing and
// Enyang and everything of Xijiang 2016 and Enyang but its incidence are
// assumptions (policies/README.md says which); the rest is published.
const std::vector<PublishedFigures> kAllPlaces = {
    {"xijiang-2015", "xijiang_2015.pol", 16396, 63998, 3840, 12963},
    {"xijiang-2016", "xijiang_2016.pol", 16396, 63998, 2900, 9800},
    {"nanling-2015", "nanling_2015.pol", 2960, 11543, 727, 2117},
    {"suxing-2015", "suxing_2015.pol", 3600, 12624, 1604, 3510},
    {"enyang-2016", "enyang_2016.pol", 6000, 21000, 578, 1617},
};

// Every place through its policy: the flat W1 Xijiang policies, and the
// layered library (the towns extend a province, which extends the nation).
const std::vector<PublishedFigures> kPlacesWithPolicy = {
    kAllPlaces[0],
    kAllPlaces[1],
    {"xijiang-2015", "xijiang_town_2015.pol", 16396, 63998, 3840, 12963},
    {"xijiang-2016", "xijiang_town_2016.pol", 16396, 63998, 2900, 9800},
    kAllPlaces[2],
    kAllPlaces[3],
    kAllPlaces[4],
};

// Each call writes a new file in `dir`.
std::string generate(const TempDir& dir, const std::string& place, const std::string& extra = "") {
  static int files = 0;
  const auto path = (dir / (place + "-" + std::to_string(++files) + ".csv")).string();
  EXPECT_EQ(run_command(fmt::format("'{}' --place {} {} -o '{}' 2>/dev/null", PRECEPT_GEN, place, extra, path)), 0);
  return path;
}

long long to_number(const std::string& text) { return std::atoll(text.c_str()); }

void expect_close(long long actual, long long expected, const char* what) {
  const double difference = actual > expected ? actual - expected : expected - actual;
  EXPECT_LE(difference, kCountTolerance * static_cast<double>(expected))
      << what << ": " << actual << ", published " << expected;
}

// GoogleTest names: xijiang_2015 for xijiang-2015.
std::string test_name(const ::testing::TestParamInfo<PublishedFigures>& test) {
  std::string name = std::string(test.param.place) + "_" + test.param.policy;
  name = name.substr(0, name.size() - 4);  // without ".pol"
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

class PlaceRegister : public ::testing::TestWithParam<PublishedFigures> {};

TEST_P(PlaceRegister, HasThePublishedHouseholdsAndPeople) {
  const PublishedFigures& figures = GetParam();
  TempDir dir("library-register");
  const auto rows = csv_records(read_file(generate(dir, figures.place)));
  ASSERT_EQ(static_cast<long long>(rows.size()), figures.households);
  long long people = 0;
  for (const auto& row : rows) people += to_number(row.at("members"));
  expect_close(people, figures.population, "population");
  // Every column the library's national record reads is there.
  for (const char* column : {"household_id", "village", "members", "net_income", "wubao", "dibao", "house",
                             "last_year", "food_secure", "dropouts", "medical_insured"}) {
    EXPECT_TRUE(rows.front().count(column)) << column;
  }
}

TEST_P(PlaceRegister, IsTheSameForTheSameSeedAndScalesWithRows) {
  const PublishedFigures& figures = GetParam();
  TempDir dir("library-seed");
  const std::string first = read_file(generate(dir, figures.place, "--seed 5"));
  const std::string again = read_file(generate(dir, figures.place, "--seed 5"));
  const std::string other = read_file(generate(dir, figures.place, "--seed 6"));
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  // A tenth of the households: the published figures scaled, population kept in proportion.
  const auto rows = csv_records(read_file(generate(dir, figures.place, "--rows 1000")));
  ASSERT_EQ(rows.size(), 1000u);
  long long people = 0;
  for (const auto& row : rows) people += to_number(row.at("members"));
  expect_close(people, (figures.population * 1000 + figures.households / 2) / figures.households,
               "scaled population");
}

INSTANTIATE_TEST_SUITE_P(Places, PlaceRegister, ::testing::ValuesIn(kAllPlaces),
                         test_name);

class PlaceThroughPolicy : public ::testing::TestWithParam<PublishedFigures> {};

// What an officer reads off `precept run`: the totals line of the summary.
TEST_P(PlaceThroughPolicy, GivesThePublishedCountsAndIncidence) {
  const PublishedFigures& figures = GetParam();
  TempDir dir("library-run");
  const std::string data = generate(dir, figures.place);
  const auto summary = (dir / "summary.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' run '{}/policies/{}' '{}' -o /dev/null -q --summary-csv '{}' 2>/dev/null",
                                    PRECEPT_CLI, kSource, figures.policy, data, summary)),
            0);
  const auto totals = csv_records(read_file(summary));
  ASSERT_EQ(totals.size(), 1u);
  const auto& total = totals.front();
  EXPECT_EQ(to_number(total.at("households")), figures.households);
  expect_close(to_number(total.at("population")), figures.population, "population");
  expect_close(to_number(total.at("poor_households")), figures.poor_households, "poor households");
  expect_close(to_number(total.at("poor_population")), figures.poor_population, "poor population");
  const double published_incidence =
      static_cast<double>(figures.poor_population) / static_cast<double>(figures.population);
  EXPECT_NEAR(std::atof(total.at("incidence").c_str()), published_incidence, kIncidenceTolerance);
}

INSTANTIATE_TEST_SUITE_P(Places, PlaceThroughPolicy, ::testing::ValuesIn(kPlacesWithPolicy),
                         test_name);

TEST(PlaceRegisters, UnknownPlaceIsAUsageError) {
  EXPECT_EQ(run_command(fmt::format("'{}' --place atlantis-2015 >/dev/null 2>&1", PRECEPT_GEN)), 2);
  EXPECT_EQ(run_command(fmt::format("'{}' --place xijiang-2015 --bad-rows 3 >/dev/null 2>&1", PRECEPT_GEN)), 2);
}

// --place must leave the W1 register alone: the bundled sample is still what
// its README says made it, byte for byte.
TEST(PlaceRegisters, DefaultRegisterIsUnchanged) {
  TempDir dir("library-default");
  const auto path = (dir / "sample.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' --rows 2000 --seed 2015 --bad-rows 12 -o '{}' 2>/dev/null", PRECEPT_GEN,
                                    path)),
            0);
  EXPECT_EQ(read_file(path), read_file(kSource + "/examples/data/xijiang_sample.csv"));
}

}  // namespace

// ------------------------------------------------------------ a place's registers year after year

namespace panel {

using Rows = std::vector<std::map<std::string, std::string>>;

struct Event {
  int year;
  std::string id, what, other;
};

// precept-gen --panel: what each year's register holds follows from the one
// before and the events, and the registers run through the national policy.
TEST(PlacePanel, EachYearFollowsFromTheOneBeforeAndItsEvents) {
  TempDir dir("library-panel");
  const std::string folder = (dir / "panel").string();
  std::filesystem::create_directories(folder);
  ASSERT_EQ(run_command(fmt::format("'{}' --place xijiang-2015 --panel 2014-2020 --rows 1500 --seed 3 -o '{}' 2>/dev/null",
                                    PRECEPT_GEN, folder)),
            0);
  std::vector<Event> events;
  for (const auto& row : csv_records(read_file(folder + "/events.csv")))
    events.push_back({std::atoi(row.at("year").c_str()), row.at("household_id"), row.at("event"), row.at("other_household")});
  std::map<std::string, int> seen_kinds;
  for (const Event& e : events) ++seen_kinds[e.what];
  for (const char* kind : {"died_out", "moved_away", "merged_into", "split_from", "moved_in"})
    EXPECT_GT(seen_kinds[kind], 0) << kind << ": six years of 1,500 households should see some";

  std::map<int, Rows> years;
  for (int year = 2014; year <= 2020; ++year) {
    years[year] = csv_records(read_file(fmt::format("{}/xijiang-2015_{}.csv", folder, year)));
    ASSERT_FALSE(years[year].empty()) << year;
  }
  // The calibrated year has the profile's households; the year before the same ones.
  EXPECT_EQ(years[2015].size(), 1500u);
  EXPECT_EQ(years[2014].size(), 1500u);
  for (int year = 2016; year <= 2020; ++year) {
    std::map<std::string, const std::map<std::string, std::string>*> before, now;
    for (const auto& row : years[year - 1]) before[row.at("household_id")] = &row;
    for (const auto& row : years[year]) {
      EXPECT_TRUE(now.emplace(row.at("household_id"), &row).second) << "a household twice in " << year;
    }
    std::map<std::string, std::string> gone_because, new_because;
    for (const Event& e : events) {
      if (e.year != year) continue;
      if (e.what == "split_from" || e.what == "moved_in") new_because[e.id] = e.what;
      else gone_because[e.id] = e.what;
    }
    // Rows in = rows before - gone + new: nothing appears or vanishes unexplained.
    for (const auto& [id, row] : before)
      EXPECT_EQ(now.count(id) == 0, gone_because.count(id) == 1) << id << " in " << year;
    for (const auto& [id, row] : now) {
      EXPECT_EQ(before.count(id) == 0, new_because.count(id) == 1) << id << " in " << year;
      // A link names a household of last year's register: the one it split from or absorbed.
      const std::string& link = row->at("came_from");
      if (!link.empty()) {
        EXPECT_EQ(before.count(link), 1u) << id << " came from " << link << " in " << year;
      }
      // Last year's registration is one the office can have written, and a new household has none.
      const std::string& last = row->at("last_year");
      EXPECT_TRUE(last == "none" || last == "poor" || last == "exited") << last;
      if (before.count(id) == 0) {
        EXPECT_EQ(last, "none") << id;
      }
    }
    EXPECT_EQ(years[year].size(), before.size() - gone_because.size() + new_because.size()) << year;
  }
  // Every year runs through the national policy with nothing rejected, and
  // the yearly cycle shows: households exit, and some return.
  std::map<std::string, int> standing;
  for (int year = 2014; year <= 2020; ++year) {
    const auto results = (dir / fmt::format("results_{}.csv", year)).string();
    ASSERT_EQ(run_command(fmt::format("'{}' run '{}/policies/national.pol' --year {} '{}/xijiang-2015_{}.csv' -o '{}' -q >/dev/null 2>&1",
                                      PRECEPT_CLI, kSource, year, folder, year, results)),
              0)
        << year;
    const Rows rows = csv_records(read_file(results));
    EXPECT_EQ(rows.size(), years[year].size()) << year;
    for (const auto& row : rows) ++standing[row.at("register")];
  }
  for (const char* kind : {"new_poor", "remains", "exited", "returned"}) EXPECT_GT(standing[kind], 0) << kind;
}

}  // namespace panel
