// Registers calibrated to one place of the policy library (policies/README.md):
// `precept-gen --place xijiang-2015` writes as many households as the town
// report counts, with its household size, its poor households and people under
// the line the place's policy applies, its categories and causes, so that
// `precept run` on the place's policy prints figures an officer recognises.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "register_text.hpp"

namespace precept_gen {

// What the report publishes (or, where it is silent, what policies/README.md
// says we assumed), for the whole place in the year of its policy.
struct PlaceProfile {
  const char* name;      // the --place argument
  const char* policy;    // the policy in policies/ the register is calibrated for
  int year;
  const char* county;
  const char* township;
  const char* code;      // division code, the household_id prefix
  int villages;
  std::int64_t households;
  std::int64_t population;
  std::int64_t poor_households;
  std::int64_t poor_population;
  std::int64_t line_fen;  // the poverty line in force for that policy and year
  // Shares of the poor households, in thousandths: five-guarantee, on the
  // allowance without labour (低保户), on the allowance with labour
  // (扶贫低保户), ordinary (一般贫困户).
  std::uint32_t category_permille[4];
  // Main cause, thousandths of the poor households, in the policies' order:
  // illness, disability, disaster, education, lack of labour, environment,
  // lack of funds/industry/technology.
  std::uint32_t cause_permille[7];
  // Last year's register, thousandths: poor households that had exited and fell
  // back, poor households new this year (the rest were already registered), and
  // households above the line that were registered poor last year.
  std::uint32_t returned_permille;
  std::uint32_t new_permille;
  std::uint32_t exiting_permille;
};

// One household of a calibrated register, as its row writes it.
struct PlaceHousehold {
  std::int64_t members = 1, labor = 0, income_fen = 0, deposits_fen = 0;
  bool owns_car = false, owns_town_house = false, public_employee = false;
  char house = 's';  // s(afe), c, d
  bool dibao = false, wubao = false;
  std::int64_t ill = 0, disabled = 0, students = 0, disaster_fen = 0;
  bool safe_water = true, remote = false;
  const char* last_year = "none";
  bool food_secure = true, medical_insured = true;
  std::int64_t dropouts = 0;
};

const std::vector<PlaceProfile>& place_profiles();
const PlaceProfile* find_place(const char* name);

// Writes `rows` households (0: the published household count) for `profile`.
// The published totals are scaled to `rows`; poor households and both
// populations are hit exactly. Returns false when writing failed.
bool write_place_register(const PlaceProfile& profile, std::uint64_t rows, std::uint64_t seed, bool crlf,
                          bool bom, std::FILE* file);

// The households of write_place_register, in register order: `rows` of them
// (0: the published count), drawn from `seed`.
std::vector<PlaceHousehold> place_households(const PlaceProfile& profile, std::uint64_t rows, std::uint64_t seed);

// The place's villages (always the same names for a place); household i of n
// lives in village i * villages / n, in even blocks.
std::vector<std::string> place_village_names(const PlaceProfile& profile);

// The register's header (its columns, then `extra` ones) and one row, each
// without its line end; the spellings of numbers and quotes drawn from `spelling`.
void append_place_header(std::string& out, const std::vector<const char*>& extra = {});
void append_place_row(std::string& out, Random& spelling, const PlaceProfile& profile, std::string_view village,
                      std::string_view household_id, const PlaceHousehold& household,
                      const std::vector<std::string_view>& extra = {});

// The profiles and their figures, one line each, for --list-places.
void list_places(std::FILE* file);

}  // namespace precept_gen
