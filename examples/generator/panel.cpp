// A panel: one place's register year after year, the same households followed
// through the yearly cycle (动态管理) — the data the issue on years needs.
//
// The calibrated year is the place's own (places.cpp: Xijiang 2015 has the
// report's 16396 households and 3840 poor); the year before it and the years
// after it are drawn from it:
// - incomes move: most grow a few percent a year; a registered poor household
//   with labour grows faster (assistance works), one without labour slowly; now
//   and then one is hit (illness, disaster) and falls back: a return to poverty;
// - houses are renovated, children start and leave school;
// - households die out (mostly people living alone), move away, merge into
//   another household of their village, split (a young couple sets up its own
//   household), and new ones move in;
// - each register carries `last_year`, the household's registration at the end
//   of the year before (none, poor, exited) as the generator's own register
//   office kept it (poor: five-guarantee, or no veto item and under that year's
//   line; exited: poor before and no longer), and `came_from`, the household a
//   row came from when it split off or absorbed another (empty otherwise), the
//   link column the issue on years names.
// What happened is written beside the registers (events.csv): the generator's
// truth, for tests that check what a history reports.
//
// Same arguments, same bytes: integer arithmetic and the seeded PRNG only.
#include "panel.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace precept_gen {
namespace {

// The line each year (fen per person): the place's own for its year, else the
// national line as commonly reported (policies/national.pol).
std::int64_t line_fen(const PlaceProfile& place, int year) {
  if (year == place.year) return place.line_fen;
  switch (year) {
    case 2014: return 280000;
    case 2015: return 285500;
    case 2016: return 295200;
    case 2017: return 333500;
    case 2018: return 353500;
    case 2019: return 374700;
    default: return 400000;
  }
}

enum class Registration { None, Poor, Exited };
const char* registration_name(Registration r) {
  return r == Registration::Poor ? "poor" : r == Registration::Exited ? "exited" : "none";
}
// The registration a register's `last_year` names.
Registration registration_of(const char* last_year) {
  if (std::strcmp(last_year, "poor") == 0) return Registration::Poor;
  return std::strcmp(last_year, "exited") == 0 ? Registration::Exited : Registration::None;
}

struct Member {
  PlaceHousehold facts;
  std::string id;
  std::size_t village = 0;
  std::string came_from;  // this year's link, if any
  Registration registration = Registration::None;  // at the end of the year written last
};

bool veto(const PlaceHousehold& h) {
  return h.owns_car || h.owns_town_house || h.public_employee || h.deposits_fen > 5000000;
}

// The generator's register office: who is registered poor at the end of `year`.
Registration registered(const PlaceProfile& place, int year, const Member& m, Registration before) {
  const PlaceHousehold& h = m.facts;
  const bool identified = h.wubao || (!veto(h) && h.income_fen < line_fen(place, year) * h.members);
  if (identified) return Registration::Poor;
  return before == Registration::None ? Registration::None : Registration::Exited;
}

// An income per person times `percent` / 100, in whole yuan.
std::int64_t scaled_income(const PlaceHousehold& h, std::int64_t percent) {
  const std::int64_t per_person = h.income_fen / std::max<std::int64_t>(1, h.members);
  return per_person * percent / 100 / 100 * 100 * h.members;
}

// One year of a household's facts: income, house, school, losses.
void age_one_year(Random& random, Member& m, Registration last) {
  PlaceHousehold& h = m.facts;
  std::int64_t percent;
  if (random.chance(2500)) {  // illness or disaster: a fall
    percent = random.between(35, 60);
    if (random.chance(50000)) h.ill = std::max<std::int64_t>(h.ill, 1);
    else h.disaster_fen = random.between(5000, 30000) * 100;
  } else if (last == Registration::Poor && h.labor > 0) {
    percent = random.between(125, 150);  // industry support, jobs: most are out within two or three years
  } else if (last == Registration::Poor) {
    percent = random.between(112, 130);  // the allowance and other transfers, counted as income
  } else {
    percent = random.between(100, 118);  // rural incomes grew about 9% a year
  }
  h.income_fen = scaled_income(h, percent);
  if (percent >= 98) h.disaster_fen = 0;
  if (h.ill > 0 && random.chance(30000)) --h.ill;
  if (h.house != 's' && last == Registration::Poor && random.chance(40000)) h.house = 's';
  if (h.students > 0 && random.chance(20000)) --h.students;
  else if (h.members >= 3 && h.students < h.members - 2 && random.chance(8000)) ++h.students;
  h.dropouts = h.dropouts > 0 && random.chance(50000) ? 0 : h.dropouts;
  h.food_secure = h.food_secure || random.chance(60000);
  h.medical_insured = h.medical_insured || random.chance(70000);
}

struct Writer {
  const PlaceProfile& place;
  const std::vector<std::string>& villages;
  Random& spelling;
  std::string events;

  bool write_year(const std::string& folder, int year, const std::vector<Member>& members) {
    const std::string path = folder + "/" + place.name + "_" + std::to_string(year) + ".csv";
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
      std::fprintf(stderr, "precept-gen: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
      return false;
    }
    Output output(file);
    std::string& out = output.buffer();
    append_place_header(out, {"came_from"});
    out += '\n';
    for (const Member& m : members) {
      append_place_row(out, spelling, place, villages[m.village], m.id, m.facts, {m.came_from});
      out += '\n';
      output.maybe_flush();
    }
    const bool ok = output.flush() && std::fclose(file) == 0;
    if (!ok) std::fprintf(stderr, "precept-gen: writing %s failed\n", path.c_str());
    return ok;
  }

  void event(int year, const std::string& id, const char* what, const std::string& other = {}) {
    events += std::to_string(year) + ',' + id + ',' + what + ',' + other + '\n';
  }
};

}  // namespace

bool write_panel(const PlaceProfile& place, int from, int to, std::uint64_t rows, std::uint64_t seed,
                 const std::string& folder) {
  if (from < place.year - 1 || from > place.year || to < place.year || to > 2020) {
    std::fprintf(stderr, "precept-gen: a panel of %s runs from %d or %d to a year from %d to 2020\n", place.name,
                 place.year - 1, place.year, place.year);
    return false;
  }
  const std::vector<std::string> villages = place_village_names(place);
  const std::vector<PlaceHousehold> base = place_households(place, rows, seed);
  Random random(seed ^ 0x70616E656Cull);  // "panel"
  Random spelling(seed ^ 0x7370656C6C696E67ull);
  Writer writer{place, villages, spelling, "year,household_id,event,other_household\n"};

  std::uint64_t next_number = 0;
  const auto new_id = [&] {
    char id[32];
    std::snprintf(id, sizeof id, "%s-%07llu", place.code, static_cast<unsigned long long>(++next_number));
    return std::string(id);
  };
  std::vector<Member> members;
  for (std::size_t i = 0; i < base.size(); ++i)
    members.push_back({base[i], new_id(), i * static_cast<std::size_t>(place.villages) / base.size(), {},
                       Registration::None});

  // The year before the calibrated one: the same households, a little poorer,
  // those registered poor then under that year's line. Its register is the
  // first of the registration (建档立卡), so nobody has a status before it.
  if (from == place.year - 1) {
    std::vector<Member> before = members;
    for (Member& m : before) {
      PlaceHousehold& h = m.facts;
      const bool was_poor = std::strcmp(h.last_year, "none") != 0;
      const std::int64_t line = line_fen(place, from);
      if (was_poor && !h.wubao) {
        const std::int64_t per_person = random.between(line * 4 / 10 / 100, line / 100 - 1) * 100;
        h.income_fen = per_person * h.members;
        h.owns_car = h.owns_town_house = h.public_employee = false;
        h.deposits_fen = std::min<std::int64_t>(h.deposits_fen, 5000000);
      } else if (!was_poor) {
        h.income_fen = scaled_income(h, random.between(88, 96));
        if (!veto(h) && !h.wubao && h.income_fen < line * h.members) h.income_fen = (line / 100 + 1) * 100 * h.members;
      }
      h.last_year = "none";
    }
    if (!writer.write_year(folder, from, before)) return false;
  }

  // The calibrated year as places.cpp draws it; its `last_year` is the report's.
  for (Member& m : members) m.registration = registered(place, place.year, m, registration_of(m.facts.last_year));
  if (!writer.write_year(folder, place.year, members)) return false;

  for (int year = place.year + 1; year <= to; ++year) {
    std::vector<Member> next;
    next.reserve(members.size() + members.size() / 20);
    // The household a row absorbed this year (a merge), by its index.
    std::vector<std::string> absorbed(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
      Member m = members[i];
      m.came_from = std::move(absorbed[i]);
      const Registration last = m.registration;
      m.facts.last_year = registration_name(last);
      const bool alone = m.facts.members == 1;
      if (random.chance(alone ? 3000 : 150)) {
        writer.event(year, m.id, "died_out");
        continue;
      }
      if (random.chance(600)) {
        writer.event(year, m.id, "moved_away");
        continue;
      }
      // Merging into the next household of the village that has not moved this year.
      if (random.chance(300) && i + 1 < members.size() && members[i + 1].village == m.village &&
          absorbed[i + 1].empty() && members[i + 1].facts.members + m.facts.members <= 9) {
        Member& into = members[i + 1];
        into.facts.members += m.facts.members;
        into.facts.income_fen += m.facts.income_fen;
        into.facts.labor += m.facts.labor;
        absorbed[i + 1] = m.id;
        writer.event(year, m.id, "merged_into", into.id);
        continue;
      }
      age_one_year(random, m, last);
      const std::size_t at = next.size();
      next.push_back(m);
      // A young couple sets up its own household.
      if (m.facts.members >= 4 && random.chance(1500)) {
        Member& parent = next[at];
        Member child = parent;
        child.id = new_id();
        child.came_from = parent.id;
        child.registration = Registration::None;
        child.facts.members = 2;
        child.facts.labor = std::min<std::int64_t>(2, std::max<std::int64_t>(1, parent.facts.labor));
        child.facts.students = child.facts.ill = child.facts.disabled = child.facts.dropouts = 0;
        child.facts.wubao = child.facts.dibao = false;
        child.facts.income_fen = scaled_income(parent.facts, 100) / parent.facts.members * 2;
        child.facts.last_year = "none";
        parent.facts.members -= 2;
        parent.facts.labor = std::max<std::int64_t>(0, parent.facts.labor - child.facts.labor);
        parent.facts.income_fen -= child.facts.income_fen;
        parent.facts.students = std::min(parent.facts.students, parent.facts.members - 1);
        writer.event(year, child.id, "split_from", parent.id);
        next.push_back(std::move(child));
      }
      // Now and then a household moves into the village (a copy of its neighbour's circumstances).
      if (random.chance(500)) {
        Member incoming = next[at];
        incoming.id = new_id();
        incoming.came_from.clear();
        incoming.registration = Registration::None;
        incoming.facts.last_year = "none";
        writer.event(year, incoming.id, "moved_in");
        next.push_back(std::move(incoming));
      }
    }
    for (Member& m : next) m.registration = registered(place, year, m, registration_of(m.facts.last_year));
    members = std::move(next);
    if (!writer.write_year(folder, year, members)) return false;
  }

  const std::string path = folder + "/events.csv";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr || std::fwrite(writer.events.data(), 1, writer.events.size(), file) != writer.events.size() ||
      std::fclose(file) != 0) {
    std::fprintf(stderr, "precept-gen: writing %s failed\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace precept_gen
