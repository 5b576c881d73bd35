// The diff as people and tools read it: a terminal (coloured when asked),
// Markdown for a review thread, JSON, and one self-contained HTML page.
#pragma once

#include "attribute.hpp"
#include "impact.hpp"
#include "structural.hpp"
#include "witness.hpp"

#include <optional>
#include <string>
#include <vector>

namespace precept::diff {

struct DiffReport {
  std::string old_path, new_path;
  std::string old_title, new_title;  // "name (year)"
  const StructuralDiff* structure = nullptr;
  const Impact* impact = nullptr;           // null without data
  std::string data_path, old_data_path;
  const Attribution* attribution = nullptr;  // with impact
  const std::vector<analysis::OutputWitness>* witnesses = nullptr;  // null with --no-witness
  const analysis::SolverBudget* solver_budget = nullptr;            // what the witnesses could spend, and spent
  std::size_t changed_limit = 50;            // households listed; the counts cover all
  bool changed() const;
};

std::string render_text(const DiffReport& report, bool color);
std::string render_markdown(const DiffReport& report);
std::string render_json(const DiffReport& report);
std::string render_html(const DiffReport& report);

}  // namespace precept::diff
