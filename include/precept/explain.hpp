// Why a household got its results, as data: the explanation `precept explain`
// prints, from the same code.
//
//   precept::Explanation e = precept::explain(policy, {{"household_id", "360733-1"}, {"members", "4"}, ...});
//   if (e.rejected) std::cerr << e.reason << "\n";
//   std::cout << e.text("xijiang_2015.pol");   // or e.json(), one line
//
// An explanation runs the policy's own program (the bytecode `run` runs, traced)
// and reads what it left in its registers through the explanation notes the
// compiler wrote, which a .pcb carries too: it cannot disagree with the results,
// and explaining a compiled program needs no compiler (the evaluation-only
// library, precept_eval, explains).
#pragma once

#include <precept/language.hpp>
#include <precept/policy.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace precept {

// One household's explanation: its outputs, then a tree flattened depth first:
// one entry per output, then one per name the entries before it read (once
// each), each saying what decided its value.
struct Explanation {
  std::string id;                  // the key field's value
  std::uint64_t line = 0;          // input line; 0 for an example or a record given in code
  bool example = false;            // an `example` of the policy (`precept test`): id is its label
  bool rejected = false;
  std::string reason;              // why it was rejected
  std::string column;              // the field at fault, when one is
  struct Entry {
    std::string name;
    std::string kind;              // output, rule, let, decide, table, param, field
    std::string value;             // as the results CSV prints it
    std::string value_json;        // as the JSON Lines results print it (a JSON value)
    std::string decided_by;        // "rule poor \"label\"", "decide main_cause, branch 2 `ill_members > 0`"
    std::uint32_t line = 0;        // where in the policy (0 for a field)
    std::string file;              // a parent layer's file the line is in ("": the policy's own)
    std::vector<std::string> compared;  // "per_capita 2100.00 < poverty_line 2736.00"
    std::vector<std::string> values;    // "wubao = false" for the names it reads directly
    std::string source, description;    // a param's citation and description
    std::string layer, year;       // a param's layer and year in force ("" when the program does not say)
    std::vector<std::uint32_t> rows;    // a table's matched rows (1-based)
    std::uint32_t branch = 0;      // a decide's branch (1-based), 0 for otherwise
    // For the letter (not in text() or json()):
    bool money = false;            // the value is an amount of money (yuan)
    std::string label;             // a rule's, decide's or table's own description, as the policy writes it
    // A sum of a table's column (`sum(measures.amount)`): each term, labelled
    // with its row's first column ("medical_aid", "1000.00").
    struct Term {
      std::string label, value;
    };
    std::vector<Term> terms;
    // A decide's branches before the one taken (every branch, for
    // `otherwise`): each condition, as written, did not hold for these values.
    struct Branch {
      std::uint32_t index = 0;     // 1-based
      std::string condition;
      std::vector<std::string> values, compared;
    };
    std::vector<Branch> earlier;
  };
  std::vector<Entry> entries;
  // The outputs, in the policy's output order: names, values as the results
  // CSV prints them, and as JSON values (money and decimals exact).
  std::vector<std::string> output_names, outputs, outputs_json;

  // For people: what `precept explain` prints. `policy_file` names the lines
  // of the policy's own file (entries of a parent layer name theirs).
  std::string text(const std::string& policy_file) const;
  // For programs: one line of JSON, no newline; what `precept explain
  // --format json` and each line of `run --explain` print.
  std::string json() const;
  // For the household: a letter in `language` (what `precept explain
  // --letter` prints, and its text in Chinese): the decision first, then each
  // reason in a sentence with the policy's own description and citation,
  // amounts itemised from the table rows that gave them (1000.00 + 20000.00 =
  // 21000.00), and for a `decide`, why each earlier branch did not apply; a
  // rejected household's letter says why and what to correct.
  std::string letter(const std::string& policy_file, Language language) const;
};

// Explains one household given as (field name, text value) pairs, like
// Evaluator::evaluate. `key` names the field whose value is the explanation's
// id (default: the record's first field). A household that cannot be read or
// breaks a rule comes back rejected, with the reason `run` gives. Throws
// std::invalid_argument when `key` names no field of the record. The reason
// of a rejected household is in `language`.
Explanation explain(const Policy& policy, const std::vector<std::pair<std::string, std::string>>& record,
                    const std::string& key = {}, Language language = Language::English);

// Explains every household of a CSV register with a header line (read from
// where `input` stands), in input order, calling `each` with each one (rows
// `run` would reject too, with its reason) until it returns false. Returns ""
// or why the register cannot be used. Throws std::invalid_argument when `key`
// names no field of the record. Rejected households' reasons are in `language`.
std::string explain_csv(const Policy& policy, std::FILE* input, const std::string& key,
                        const std::function<bool(const Explanation&)>& each, Language language = Language::English);

}  // namespace precept
