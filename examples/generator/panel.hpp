// precept-gen --panel: one place's registers year after year (panel.cpp).
#pragma once

#include "places.hpp"

#include <cstdint>
#include <string>

namespace precept_gen {

// Writes `folder`/<place>_<year>.csv for every year from `from` (the place's
// year or the one before) to `to` (at most 2020), and `folder`/events.csv:
// year,household_id,event,other_household for every household that died out,
// moved away, merged into another, split from one or moved in. `rows`: the
// calibrated year's households (0: the published count). False, having said
// why on stderr, when the years do not fit or a file cannot be written.
bool write_panel(const PlaceProfile& place, int from, int to, std::uint64_t rows, std::uint64_t seed,
                 const std::string& folder);

}  // namespace precept_gen
