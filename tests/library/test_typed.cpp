// Typed values (precept/schema.hpp, and TypedRecord / TypedOutcome /
// TypedResults of precept/evaluator.hpp): the schema of bundled policies; every
// kind of value set, evaluated and read back; the misuses that throw; and that
// the typed path and the CSV path (run_csv over a register, and the text
// Evaluator) give the same outputs and the same rejections, household by
// household, on the bundled and on generated registers.
//
// The test reads registers' cells into typed values and formats typed outputs
// back to text with code of its own (std::chrono for dates), not the
// runtime's parsers and formatters, so that a mistake on either side shows.
#include "files.hpp"

#include <precept/precept.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace precept {
namespace {

using ::testing::HasSubstr;
using NamedRecord = std::vector<std::pair<std::string, std::string>>;

const std::string kSource = PRECEPT_SOURCE_DIR;

Policy open(const std::string& path) {
  auto result = open_policy(path);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

Policy compiled(const std::string& source, const std::string& file = "every.pol") {
  auto result = compile(source, file);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

// A policy with a field of every kind, optional, defaulted and bounded ones,
// rules that reject, and an output of every kind (a list of money too).
const char* const kEveryKind = R"pol(policy "every kind" year 2020

enum tier { low, mid, high }
enum aid { food, school, clinic }

record r {
  id:      text                              "registry number"
  note:    optional text
  label:   text default "none"
  flag:    bool
  late:    bool default true
  count:   int where >= 0                    "people counted"
  size:    int where != 13 default 1
  income:  money where < 100000 yuan
  savings: optional money
  rate:    decimal where <= 1.5
  bonus:   decimal default 0.25
  born:    date where >= 1950-01-01
  checked: optional date
  tier:    tier
  level:   tier default mid
  aids:    list of aid
}

require count <= 1000 "no household counts more than 1000 people"
let per_head: money = round(income / count, 2)
let scaled: decimal = round(rate * bonus, 6)

table grants collect
  | aid    | when        | amount      |
  | food   | count > 2   | 100 yuan    |
  | school | flag        | 250.50 yuan |
  | clinic | tier is low | 80 yuan     |

output id, note = note if missing "(none)", label, flag, late, count, size, income,
       savings = savings if missing 0 yuan, rate, bonus, scaled, born,
       checked = checked if missing 2000-01-01, tier, level, aids, per_head,
       granted = grants.aid, amounts = grants.amount, total = sum(grants.amount)
)pol";

// ------------------------------------------------------------ values, independently

// -?digits(.digits)? with at most `scale` decimals, as a count of 10^-scale;
// std::nullopt when the text is not such a number or does not fit 18 digits.
std::optional<std::int64_t> read_scaled(std::string_view text, int scale) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  const auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; };
  if (whole.empty() || !digits(whole) || !digits(fraction) || fraction.size() > static_cast<std::size_t>(scale) ||
      (point != std::string_view::npos && fraction.empty()) || whole.size() + static_cast<std::size_t>(scale) > 18)
    return std::nullopt;
  std::int64_t value = 0;
  for (const char c : whole) value = value * 10 + (c - '0');
  for (int i = 0; i < scale; ++i)
    value = value * 10 + (static_cast<std::size_t>(i) < fraction.size() ? fraction[static_cast<std::size_t>(i)] - '0' : 0);
  return negative ? -value : value;
}

std::string write_scaled(std::int64_t value, int scale) {
  const bool negative = value < 0;
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::uint64_t unit = 1;
  for (int i = 0; i < scale; ++i) unit *= 10;
  std::string text = (negative ? "-" : "") + std::to_string(magnitude / unit);
  if (scale > 0) text += fmt::format(".{:0{}}", magnitude % unit, scale);
  return text;
}

// YYYY-MM-DD as days since 1970-01-01.
std::optional<std::int64_t> read_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t digits) { return std::stoi(std::string(text.substr(at, digits))); };
  const std::chrono::year_month_day date{std::chrono::year(number(0, 4)),
                                         std::chrono::month(static_cast<unsigned>(number(5, 2))),
                                         std::chrono::day(static_cast<unsigned>(number(8, 2)))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date).time_since_epoch().count();
}

std::string write_date(std::int64_t days) {
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

// A scalar of `kind` as the results CSV writes it.
std::string scalar_text(ValueKind kind, const std::vector<std::string>& members, std::int64_t value) {
  switch (kind) {
    case ValueKind::Bool: return value ? "true" : "false";
    case ValueKind::Int: return std::to_string(value);
    case ValueKind::Money: return write_scaled(value, 2);
    case ValueKind::Decimal: return write_scaled(value, 6);
    case ValueKind::Date: return write_date(value);
    case ValueKind::Enum: return members.at(static_cast<std::size_t>(value));
    default: return "?";
  }
}

// Output `i` of an accepted outcome as the results CSV writes it.
std::string output_text(const Schema& schema, const TypedOutcome& outcome, std::size_t i) {
  const OutputInfo& info = schema.outputs[i];
  std::string text;
  switch (info.kind) {
    case ValueKind::Text: return std::string(outcome.text(i));
    case ValueKind::Bool: return outcome.boolean(i) ? "true" : "false";
    case ValueKind::EnumList:
      for (const std::uint32_t member : outcome.enum_list(i)) text += (text.empty() ? "" : ";") + info.members.at(member);
      return text;
    case ValueKind::List: {
      bool first = true;
      for (const std::int64_t item : outcome.list(i)) {
        text += (first ? "" : ";") + scalar_text(info.element, info.members, item);
        first = false;
      }
      return text;
    }
    default: return scalar_text(info.kind, info.members, outcome.scalar(i));
  }
}

// One register cell set on `record` as field `field`'s typed value; false when
// the text is no value of the field's kind at all (then there is no typed
// household to compare). `canonical` gets the value as the results CSV would
// write it (a bool as its cell, 0 or 1).
bool set_cell(TypedRecord& record, std::size_t field, const std::string& cell, std::string& canonical) {
  const FieldInfo& info = record.schema().fields[field];
  canonical = cell;
  if (cell.empty()) {
    record.set_empty(field);
    return true;
  }
  const auto member = [&](std::string_view name) -> std::optional<std::uint32_t> {
    for (std::size_t m = 0; m < info.members.size(); ++m)
      if (info.members[m] == name) return static_cast<std::uint32_t>(m);
    return std::nullopt;
  };
  std::optional<std::int64_t> value;
  switch (info.kind) {
    case ValueKind::Text: record.set_text(field, cell); return true;
    case ValueKind::Bool:
      if (cell != "0" && cell != "1") return false;
      record.set_bool(field, cell == "1");
      return true;
    case ValueKind::Enum:
      if (!member(cell)) return false;
      record.set_enum(field, *member(cell));
      return true;
    case ValueKind::EnumList: {
      std::vector<std::uint32_t> members;
      for (std::size_t start = 0; start <= cell.size();) {
        std::size_t end = cell.find(';', start);
        if (end == std::string::npos) end = cell.size();
        const auto m = member(std::string_view(cell).substr(start, end - start));
        if (!m) return false;
        members.push_back(*m);
        start = end + 1;
      }
      record.set_enum_list(field, members);
      return true;
    }
    case ValueKind::Int: value = read_scaled(cell, 0); break;
    case ValueKind::Money: value = read_scaled(cell, 2); break;
    case ValueKind::Decimal: value = read_scaled(cell, 6); break;
    case ValueKind::Date: value = read_date(cell); break;
    case ValueKind::List: return false;
  }
  if (!value) return false;
  canonical = scalar_text(info.kind, info.members, *value);
  if (info.kind == ValueKind::Int) record.set_int(field, *value);
  if (info.kind == ValueKind::Money) record.set_money(field, *value);
  if (info.kind == ValueKind::Decimal) record.set_decimal(field, *value);
  if (info.kind == ValueKind::Date) record.set_date(field, static_cast<std::int32_t>(*value));
  return true;
}

// ------------------------------------------------------------ registers

// A register's records with the physical line each starts on (quoted line
// ends make records span lines; a blank line is a record of one empty field).
struct RegisterRecord {
  std::uint64_t line = 0;
  std::vector<std::string> cells;
};

std::vector<RegisterRecord> split_register(const std::string& text) {
  std::vector<RegisterRecord> records;
  std::uint64_t line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    RegisterRecord& record = records.emplace_back();
    record.line = line;
    std::string cell;
    bool quoted = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (quoted) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += text[++i];
        else if (c == '"') quoted = false;
        else cell += c;
        if (c == '\n') ++line;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        record.cells.push_back(std::move(cell));
        cell.clear();
      } else if (c == '\n') {
        ++line;
        ++i;
        break;
      } else if (c != '\r') {
        cell += c;
      }
    }
    record.cells.push_back(std::move(cell));
  }
  return records;
}

// What the CSV path (run_csv, as `precept run`) made of a register.
struct CsvRun {
  std::vector<std::vector<std::string>> results;                          // accepted, in order
  std::map<std::uint64_t, std::pair<std::string, std::string>> rejects;  // line -> column, reason
};

CsvRun run_register(const Policy& policy, const std::string& path) {
  testing::TempDir dir("typed");
  const std::string results_path = (dir / "results.csv").string(), rejects_path = (dir / "rejects.csv").string();
  std::FILE* input = std::fopen(path.c_str(), "rb");
  std::FILE* results = std::fopen(results_path.c_str(), "wb");
  std::FILE* rejects = std::fopen(rejects_path.c_str(), "wb");
  EXPECT_TRUE(input && results && rejects);
  const RunReport report = run_csv(policy, input, results, rejects);
  std::fclose(input);
  std::fclose(results);
  std::fclose(rejects);
  EXPECT_TRUE(report.ok()) << report.fatal_error;
  CsvRun run;
  run.results = testing::parse_csv(testing::read_file(results_path));
  run.results.erase(run.results.begin());  // the header
  for (const auto& row : testing::parse_csv(testing::read_file(rejects_path))) {
    if (row.size() != 3 || row[0] == "line") continue;
    run.rejects[std::stoull(row[0])] = {row[1], row[2]};
  }
  return run;
}

// What the comparison saw, so that a test can say the register was a real test.
struct Compared {
  std::size_t accepted = 0;
  std::size_t rejected = 0;       // by the typed path, as by the CSV path
  std::size_t no_typed_value = 0; // a cell no value of its kind: rejected by the CSV path, nothing typed to give
  std::map<RejectKind, std::size_t> kinds;
};

// Evaluates every record of the register at `path` through the typed path
// (one at a time, and in one batch), the CSV path and the text Evaluator, and
// expects the same outputs and the same rejections of each.
void compare_paths(const Policy& policy, const std::string& path, Compared& seen) {
  const Schema& schema = policy.schema();
  const CsvRun csv = run_register(policy, path);
  const std::vector<RegisterRecord> records = split_register(testing::read_file(path));
  const std::vector<std::string>& header = records.at(0).cells;

  // The records that have typed values, with their text forms.
  std::vector<TypedRecord> typed;
  std::vector<NamedRecord> named;
  std::vector<const RegisterRecord*> sources;
  std::vector<std::vector<std::string>> canonical;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const RegisterRecord& record = records[r];
    if (record.cells.size() != header.size()) {  // the CSV path rejects its shape
      EXPECT_TRUE(csv.rejects.count(record.line)) << "line " << record.line;
      ++seen.no_typed_value;
      continue;
    }
    TypedRecord values(policy);
    std::vector<std::string> texts(schema.fields.size());
    NamedRecord pairs;
    std::optional<std::string> unreadable;
    for (std::size_t c = 0; c < header.size() && !unreadable; ++c) {
      const auto field = schema.field_index(header[c]);
      if (!field) continue;
      pairs.emplace_back(header[c], record.cells[c]);
      if (!set_cell(values, *field, record.cells[c], texts[*field])) unreadable = header[c];
    }
    if (unreadable) {
      // (The CSV path names the leftmost bad cell, which may be one that has
      // a typed value but fails its bound: the column is not compared.)
      EXPECT_TRUE(csv.rejects.count(record.line)) << "line " << record.line << ", " << *unreadable;
      ++seen.no_typed_value;
      continue;
    }
    typed.push_back(std::move(values));
    named.push_back(std::move(pairs));
    sources.push_back(&record);
    canonical.push_back(std::move(texts));
  }

  Evaluator evaluator(policy);
  TypedResults batch;
  evaluator.evaluate_batch(typed, batch);
  EXPECT_EQ(batch.size(), typed.size());
  const std::vector<Outcome> text = evaluator.evaluate_batch(named);
  std::size_t result = 0;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    const std::uint64_t line = sources[i]->line;
    SCOPED_TRACE("register line " + std::to_string(line));
    const TypedOutcome in_batch = batch[i];
    const auto reject = csv.rejects.find(line);
    ASSERT_EQ(in_batch.ok(), reject == csv.rejects.end());
    ASSERT_EQ(text[i].ok, in_batch.ok());
    if (in_batch.ok()) {
      ++seen.accepted;
      ASSERT_LT(result, csv.results.size());
      const std::vector<std::string>& expected = csv.results[result++];
      ASSERT_EQ(expected.size(), schema.outputs.size());
      for (std::size_t o = 0; o < schema.outputs.size(); ++o) {
        EXPECT_EQ(output_text(schema, in_batch, o), expected[o]) << schema.outputs[o].name;
        EXPECT_EQ(text[i].values[o], expected[o]) << schema.outputs[o].name;
      }
    } else {
      ++seen.rejected;
      ++seen.kinds[in_batch.kind()];
      const auto& [column, reason] = reject->second;
      EXPECT_EQ(in_batch.column(), column);
      // A value is quoted in its usual form ("1000.00"), which the cell may
      // not have written ("1000"): the one difference a message may show.
      std::string expected = reason;
      if (!column.empty()) {
        const std::size_t field = *schema.field_index(column);
        const auto c = std::find(header.begin(), header.end(), column) - header.begin();
        const std::string& cell = sources[i]->cells[static_cast<std::size_t>(c)];
        const std::string written = "found `" + cell + "`", usual = "found `" + canonical[i][field] + "`";
        if (const std::size_t at = expected.find(written); at != std::string::npos)
          expected.replace(at, written.size(), usual);
      }
      EXPECT_EQ(in_batch.error(), expected);
      EXPECT_EQ(in_batch.kind(), text[i].kind);
      EXPECT_EQ(in_batch.declaration(), text[i].declaration);
      EXPECT_EQ(in_batch.policy_file(), text[i].policy_file);
      EXPECT_EQ(in_batch.policy_line(), text[i].policy_line);
    }
    // One at a time: the same as in the batch.
    const TypedOutcome one = evaluator.evaluate(typed[i]);
    EXPECT_EQ(one.ok(), in_batch.ok());
    EXPECT_EQ(one.kind(), in_batch.kind());
    EXPECT_EQ(one.error(), in_batch.error());
    if (one.ok()) {
      for (std::size_t o = 0; o < schema.outputs.size(); ++o)
        EXPECT_EQ(output_text(schema, one, o), output_text(schema, in_batch, o));
    }
  }
  EXPECT_EQ(result, csv.results.size());
}

// ------------------------------------------------------------ generated registers

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// A register of `rows` households for `schema`'s record, in field order:
// mostly values that read, and now and then an empty cell, a value at or past
// a bound, one a cell cannot hold (too many digits, a day before 1900), a
// number in an unusual form ("007", "12.5" for money), and text that is no
// value at all.
std::string generate_register(const Schema& schema, std::size_t rows, std::uint32_t seed) {
  std::mt19937 random(seed);
  const auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  const auto between = [&](std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(high - low + 1));
  };
  std::string text;
  for (std::size_t f = 0; f < schema.fields.size(); ++f) text += (f ? "," : "") + schema.fields[f].name;
  text += '\n';
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t f = 0; f < schema.fields.size(); ++f) {
      const FieldInfo& field = schema.fields[f];
      std::string cell;
      const bool odd = chance(3);  // a value at an edge, or no value at all
      if (chance(field.optional || field.has_default ? 25 : 2)) {
        cell = "";
      } else if (!odd && field.bound_op != BoundOp::None && chance(4)) {
        // The bound itself, and its neighbours (a day, a fen, a millionth).
        const std::int64_t value = field.bound_value + between(-1, 1);
        cell = field.kind == ValueKind::Date ? write_date(value)
               : field.kind == ValueKind::Money ? write_scaled(value, 2)
               : field.kind == ValueKind::Decimal ? write_scaled(value, 6)
                                                  : std::to_string(value);
      } else {
        switch (field.kind) {
          case ValueKind::Text:
            cell = odd ? "a, \"quoted\" text" : "T" + std::to_string(between(0, 99999));
            break;
          case ValueKind::Bool: cell = odd ? "2" : std::to_string(between(0, 1)); break;
          case ValueKind::Int:
            cell = odd ? (chance(50) ? "1234567890" : chance(50) ? "007" : "x1")
                       : std::to_string(between(chance(10) ? -3 : 0, chance(5) ? 2000 : 12));
            break;
          case ValueKind::Money:
            cell = odd ? (chance(50) ? "1234567890123.5" : chance(50) ? "12.345" : "12.5")
                       : write_scaled(between(-500, 12000000), 2);
            if (!odd && chance(30)) cell = std::to_string(between(0, 99999));  // whole yuan
            break;
          case ValueKind::Decimal:
            cell = odd ? (chance(50) ? "0.1234567" : "999999999999.999999") : write_scaled(between(0, 2000000), 6);
            break;
          case ValueKind::Date:
            cell = odd ? (chance(50) ? "1899-12-31" : "2015-02-30") : write_date(between(-8000, 22000));
            break;
          case ValueKind::Enum:
            cell = odd ? "nope" : field.members[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(field.members.size()) - 1))];
            break;
          case ValueKind::EnumList: {
            if (odd) {
              cell = field.members[0] + ";;" + field.members[0];
              break;
            }
            const std::int64_t items = between(0, 3);
            for (std::int64_t i = 0; i < items; ++i)
              cell += (i ? ";" : "") +
                      field.members[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(field.members.size()) - 1))];
            break;
          }
          case ValueKind::List: break;
        }
      }
      if (f) text += ',';
      text += csv_cell(cell);
    }
    text += '\n';
  }
  return text;
}

// ------------------------------------------------------------ the schema

TEST(Schema, DescribesW1) {
  const Policy policy = open(kSource + "/policies/xijiang_2015.pol");
  const Schema& schema = policy.schema();
  ASSERT_EQ(schema.fields.size(), 20u);
  EXPECT_EQ(schema.fields[0].name, "household_id");
  EXPECT_EQ(schema.fields[0].kind, ValueKind::Text);
  EXPECT_EQ(schema.fields[0].description, "registry number");
  const FieldInfo& members = schema.fields[*schema.field_index("members")];
  EXPECT_EQ(members.kind, ValueKind::Int);
  EXPECT_EQ(members.bound, ">= 1");
  EXPECT_EQ(members.bound_op, BoundOp::GreaterOrEqual);
  EXPECT_EQ(members.bound_value, 1);
  EXPECT_FALSE(members.optional);
  EXPECT_FALSE(members.has_default);
  EXPECT_EQ(members.description, "people in the household; a household has at least one");
  EXPECT_EQ(members.line, 22u);
  const FieldInfo& house = schema.fields[*schema.field_index("house")];
  EXPECT_EQ(house.kind, ValueKind::Enum);
  EXPECT_EQ(house.enum_name, "house_grade");
  EXPECT_EQ(house.members, (std::vector<std::string>{"safe", "c", "d"}));
  EXPECT_EQ(schema.fields[*schema.field_index("net_income")].kind, ValueKind::Money);
  EXPECT_EQ(schema.fields[*schema.field_index("owns_car")].kind, ValueKind::Bool);
  EXPECT_TRUE(schema.fields[*schema.field_index("owns_car")].bound.empty());

  std::vector<std::string> names;
  std::vector<ValueKind> kinds;
  for (const OutputInfo& output : schema.outputs) {
    names.push_back(output.name);
    kinds.push_back(output.kind);
  }
  EXPECT_EQ(names, policy.output_names());
  EXPECT_EQ(kinds, (std::vector<ValueKind>{ValueKind::Text, ValueKind::Money, ValueKind::Bool, ValueKind::Enum,
                                           ValueKind::Enum, ValueKind::EnumList, ValueKind::Money}));
  const OutputInfo& measures = schema.outputs[*schema.output_index("measures")];
  EXPECT_EQ(measures.element, ValueKind::Enum);
  EXPECT_EQ(measures.enum_name, "measure");
  EXPECT_EQ(measures.members.size(), 8u);
  EXPECT_EQ(measures.members[0], "medical_aid");
  EXPECT_EQ(measures.expression, "measures.measure");
  const OutputInfo& total = schema.outputs[*schema.output_index("total_assistance")];
  EXPECT_EQ(total.expression, "sum(measures.amount)");
  EXPECT_EQ(total.line, 85u);  // the second line of the `output` list
  EXPECT_EQ(schema.outputs[*schema.output_index("category")].members,
            (std::vector<std::string>{"none", "wubao", "dibao", "ordinary"}));
}

TEST(Schema, DescribesEveryKindOfField) {
  const Policy policy = compiled(kEveryKind);
  const Schema& schema = policy.schema();
  const auto field = [&](const char* name) { return schema.fields.at(*schema.field_index(name)); };
  EXPECT_EQ(field("id").kind, ValueKind::Text);
  EXPECT_TRUE(field("note").optional);
  EXPECT_FALSE(field("note").has_default);
  EXPECT_TRUE(field("label").has_default);
  EXPECT_EQ(field("label").default_text, "none");
  EXPECT_EQ(field("late").kind, ValueKind::Bool);
  EXPECT_EQ(field("late").default_text, "1");
  EXPECT_EQ(field("late").default_value, 1);
  EXPECT_EQ(field("count").bound, ">= 0");
  EXPECT_EQ(field("count").description, "people counted");
  EXPECT_EQ(field("size").bound, "!= 13");
  EXPECT_EQ(field("size").bound_op, BoundOp::NotEqual);
  EXPECT_EQ(field("size").default_text, "1");
  EXPECT_EQ(field("income").kind, ValueKind::Money);
  EXPECT_EQ(field("income").bound, "< 100000.00");
  EXPECT_EQ(field("income").bound_op, BoundOp::Less);
  EXPECT_EQ(field("income").bound_value, 10000000);  // fen
  EXPECT_TRUE(field("savings").optional);
  EXPECT_EQ(field("rate").kind, ValueKind::Decimal);
  EXPECT_EQ(field("rate").bound, "<= 1.500000");
  EXPECT_EQ(field("rate").bound_value, 1500000);  // millionths
  EXPECT_EQ(field("bonus").default_text, "0.250000");
  EXPECT_EQ(field("bonus").default_value, 250000);
  EXPECT_EQ(field("born").kind, ValueKind::Date);
  EXPECT_EQ(field("born").bound, ">= 1950-01-01");
  EXPECT_EQ(field("born").bound_value, *read_date("1950-01-01"));
  EXPECT_EQ(field("born").bound_value, -7305);  // days since 1970-01-01
  EXPECT_TRUE(field("checked").optional);
  EXPECT_EQ(field("tier").members, (std::vector<std::string>{"low", "mid", "high"}));
  EXPECT_EQ(field("level").default_text, "mid");
  EXPECT_EQ(field("level").default_value, 1);
  EXPECT_EQ(field("aids").kind, ValueKind::EnumList);
  EXPECT_EQ(field("aids").enum_name, "aid");
  EXPECT_EQ(field("aids").members, (std::vector<std::string>{"food", "school", "clinic"}));
  EXPECT_EQ(field("id").line, 7u);

  const auto output = [&](const char* name) { return schema.outputs.at(*schema.output_index(name)); };
  EXPECT_EQ(output("scaled").kind, ValueKind::Decimal);
  EXPECT_EQ(output("born").kind, ValueKind::Date);
  EXPECT_EQ(output("late").kind, ValueKind::Bool);
  EXPECT_EQ(output("count").kind, ValueKind::Int);
  EXPECT_EQ(output("note").kind, ValueKind::Text);
  EXPECT_EQ(output("note").expression, "note if missing \"(none)\"");
  EXPECT_EQ(output("tier").kind, ValueKind::Enum);
  EXPECT_EQ(output("tier").element, ValueKind::Enum);
  EXPECT_EQ(output("granted").kind, ValueKind::EnumList);
  EXPECT_EQ(output("amounts").kind, ValueKind::List);
  EXPECT_EQ(output("amounts").element, ValueKind::Money);
  EXPECT_TRUE(output("amounts").members.empty());
}

TEST(Schema, FindsNamesOnceAndKnowsMisspelt) {
  const Policy policy = compiled(kEveryKind);
  EXPECT_EQ(policy.schema().field_index("id"), 0u);
  EXPECT_EQ(policy.schema().field_index("aids"), 15u);
  EXPECT_EQ(policy.schema().field_index("incom"), std::nullopt);
  EXPECT_EQ(policy.schema().field_index(""), std::nullopt);
  EXPECT_EQ(policy.schema().output_index("total"), policy.schema().outputs.size() - 1);
  EXPECT_EQ(policy.schema().output_index("per_capita"), std::nullopt);
  // A field is no output unless the output list names it.
  EXPECT_EQ(policy.schema().output_index("tier"), 14u);
}

TEST(Schema, IsBuiltOncePerProgram) {
  const Policy policy = compiled(kEveryKind);
  const Policy copy = policy;  // NOLINT(performance-unnecessary-copy-initialization): a copy is the point
  EXPECT_EQ(&policy.schema(), &copy.schema());
  const CompileResult loaded = load_policy(policy.serialize());
  ASSERT_TRUE(loaded.ok());
  const Schema& again = loaded.policy->schema();
  ASSERT_EQ(again.fields.size(), policy.schema().fields.size());
  for (std::size_t f = 0; f < again.fields.size(); ++f) {
    EXPECT_EQ(again.fields[f].name, policy.schema().fields[f].name);
    EXPECT_EQ(again.fields[f].bound, policy.schema().fields[f].bound);
    EXPECT_EQ(again.fields[f].default_text, policy.schema().fields[f].default_text);
  }
  EXPECT_EQ(again.outputs.back().expression, "sum(grants.amount)");  // the .pcb carries its notes
}

TEST(Schema, KindNames) {
  EXPECT_STREQ(value_kind_name(ValueKind::Bool), "bool");
  EXPECT_STREQ(value_kind_name(ValueKind::Int), "int");
  EXPECT_STREQ(value_kind_name(ValueKind::Money), "money");
  EXPECT_STREQ(value_kind_name(ValueKind::Decimal), "decimal");
  EXPECT_STREQ(value_kind_name(ValueKind::Date), "date");
  EXPECT_STREQ(value_kind_name(ValueKind::Enum), "enum");
  EXPECT_STREQ(value_kind_name(ValueKind::Text), "text");
  EXPECT_STREQ(value_kind_name(ValueKind::EnumList), "enum_list");
  EXPECT_STREQ(value_kind_name(ValueKind::List), "list");
}

// ------------------------------------------------------------ typed records

class Typed : public ::testing::Test {
 protected:
  std::size_t field(const char* name) const { return *schema().field_index(name); }
  std::size_t output(const char* name) const { return *schema().output_index(name); }
  const Schema& schema() const { return policy_.schema(); }

  // A household every rule accepts, every field set.
  TypedRecord household() const {
    TypedRecord r(policy_);
    r.set_text(field("id"), "H-1");
    r.set_text(field("note"), "seen");
    r.set_text(field("label"), "blue");
    r.set_bool(field("flag"), true);
    r.set_bool(field("late"), false);
    r.set_int(field("count"), 3);
    r.set_int(field("size"), 4);
    r.set_money(field("income"), 1000001);  // 10000.01 yuan
    r.set_money(field("savings"), -250);
    r.set_decimal(field("rate"), 1250000);  // 1.25
    r.set_decimal(field("bonus"), 500000);  // 0.5
    r.set_date(field("born"), 16616);       // 2015-06-30
    r.set_date(field("checked"), 0);        // 1970-01-01
    r.set_enum(field("tier"), 0);           // low
    r.set_enum(field("level"), 2);          // high
    const std::uint32_t aids[] = {2, 0};    // clinic, food
    r.set_enum_list(field("aids"), aids);
    return r;
  }

  Policy policy_ = compiled(kEveryKind);
  Evaluator evaluator_{policy_};
};

TEST_F(Typed, EveryKindGoesInAndComesOut) {
  const TypedRecord r = household();
  const TypedOutcome o = evaluator_.evaluate(r);
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o.kind(), RejectKind::None);
  EXPECT_EQ(o.error(), "");
  EXPECT_EQ(o.column(), "");
  EXPECT_EQ(o.text(output("id")), "H-1");
  EXPECT_EQ(o.text(output("note")), "seen");
  EXPECT_EQ(o.text(output("label")), "blue");
  EXPECT_TRUE(o.boolean(output("flag")));
  EXPECT_FALSE(o.boolean(output("late")));
  EXPECT_EQ(o.scalar(output("late")), 0);
  EXPECT_EQ(o.scalar(output("count")), 3);
  EXPECT_EQ(o.scalar(output("size")), 4);
  EXPECT_EQ(o.scalar(output("income")), 1000001);
  EXPECT_EQ(o.scalar(output("savings")), -250);
  EXPECT_EQ(o.scalar(output("rate")), 1250000);
  EXPECT_EQ(o.scalar(output("bonus")), 500000);
  EXPECT_EQ(o.scalar(output("scaled")), 625000);  // 1.25 * 0.5
  EXPECT_EQ(o.scalar(output("born")), 16616);
  EXPECT_EQ(write_date(o.scalar(output("born"))), "2015-06-30");
  EXPECT_EQ(o.scalar(output("checked")), 0);
  EXPECT_EQ(o.scalar(output("tier")), 0);
  EXPECT_EQ(o.scalar(output("level")), 2);
  EXPECT_EQ(std::vector<std::uint32_t>(o.enum_list(output("aids")).begin(), o.enum_list(output("aids")).end()),
            (std::vector<std::uint32_t>{2, 0}));
  EXPECT_EQ(o.scalar(output("per_head")), 333334);  // 10000.01 / 3, half-even to the fen
  EXPECT_EQ(std::vector<std::uint32_t>(o.enum_list(output("granted")).begin(), o.enum_list(output("granted")).end()),
            (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(std::vector<std::int64_t>(o.list(output("amounts")).begin(), o.list(output("amounts")).end()),
            (std::vector<std::int64_t>{10000, 25050, 8000}));
  EXPECT_EQ(o.scalar(output("total")), 43050);
}

// The same household as text through the text Evaluator: the same outputs.
TEST_F(Typed, AgreesWithTheTextRecordOfTheSameValues) {
  const TypedOutcome o = evaluator_.evaluate(household());
  const Outcome text = evaluator_.evaluate(NamedRecord{
      {"id", "H-1"}, {"note", "seen"}, {"label", "blue"}, {"flag", "1"}, {"late", "0"}, {"count", "3"},
      {"size", "4"}, {"income", "10000.01"}, {"savings", "-2.50"}, {"rate", "1.25"}, {"bonus", "0.5"},
      {"born", "2015-06-30"}, {"checked", "1970-01-01"}, {"tier", "low"}, {"level", "high"}, {"aids", "clinic;food"}});
  ASSERT_TRUE(text.ok) << text.error;
  ASSERT_TRUE(o.ok());
  for (std::size_t i = 0; i < schema().outputs.size(); ++i)
    EXPECT_EQ(output_text(schema(), o, i), text.values[i]) << schema().outputs[i].name;
}

TEST_F(Typed, AnEmptyFieldTakesItsDefaultOrIsAbsent) {
  TypedRecord r = household();
  for (const char* name : {"note", "label", "late", "size", "savings", "bonus", "checked", "level", "aids"})
    r.set_empty(field(name));
  EXPECT_FALSE(r.has_value(field("note")));
  EXPECT_TRUE(r.has_value(field("id")));
  const TypedOutcome o = evaluator_.evaluate(r);
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o.text(output("note")), "(none)");
  EXPECT_EQ(o.text(output("label")), "none");
  EXPECT_TRUE(o.boolean(output("late")));
  EXPECT_EQ(o.scalar(output("size")), 1);
  EXPECT_EQ(o.scalar(output("savings")), 0);
  EXPECT_EQ(o.scalar(output("bonus")), 250000);
  EXPECT_EQ(write_date(o.scalar(output("checked"))), "2000-01-01");
  EXPECT_EQ(o.scalar(output("level")), 1);
  EXPECT_TRUE(o.enum_list(output("aids")).empty());
  // An empty text is an empty value, as an empty cell: the default.
  r.set_text(field("label"), "");
  EXPECT_EQ(evaluator_.evaluate(r).text(output("label")), "none");
  // A required text may be empty; it is then the empty text.
  r.set_text(field("id"), "");
  EXPECT_EQ(evaluator_.evaluate(r).text(output("id")), "");
}

TEST_F(Typed, ARequiredEmptyFieldIsMissing) {
  TypedRecord r = household();
  r.set_empty(field("count"));
  const TypedOutcome o = evaluator_.evaluate(r);
  EXPECT_FALSE(o.ok());
  EXPECT_EQ(o.kind(), RejectKind::ValueMissing);
  EXPECT_EQ(o.column(), "count");
  EXPECT_EQ(o.error(), "`count` is empty, but every record needs it");
  EXPECT_EQ(o.declaration(), "");
  EXPECT_EQ(o.policy_line(), 0u);
  // A record never set is empty throughout: its first required field.
  const TypedOutcome blank = evaluator_.evaluate(TypedRecord(policy_));
  EXPECT_EQ(blank.kind(), RejectKind::ValueMissing);
  EXPECT_EQ(blank.column(), "flag");
}

TEST_F(Typed, BoundsAreCheckedAsForCsv) {
  const auto rejection = [&](auto set) {
    TypedRecord r = household();
    set(r);
    const TypedOutcome o = evaluator_.evaluate(r);
    EXPECT_FALSE(o.ok());
    return std::make_tuple(o.kind(), std::string(o.column()), std::string(o.error()));
  };
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_int(field("count"), -1); }),
            std::make_tuple(RejectKind::BoundFailed, std::string("count"), std::string("`count` must be at least 0, found `-1`")));
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_int(field("size"), 13); }),
            std::make_tuple(RejectKind::BoundFailed, std::string("size"), std::string("`size` must be other than 13, found `13`")));
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_money(field("income"), 10000000); }),
            std::make_tuple(RejectKind::BoundFailed, std::string("income"),
                            std::string("`income` must be less than 100000.00, found `100000.00`")));
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_decimal(field("rate"), 1500001); }),
            std::make_tuple(RejectKind::BoundFailed, std::string("rate"),
                            std::string("`rate` must be at most 1.500000, found `1.500001`")));
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_date(field("born"), -7306); }),
            std::make_tuple(RejectKind::BoundFailed, std::string("born"),
                            std::string("`born` must be at least 1950-01-01, found `1949-12-31`")));
  // At the bound, and beside an excluded value: accepted.
  TypedRecord r = household();
  r.set_int(field("count"), 0);  // (then per_head divides by zero: a rule's rejection, not the bound's)
  r.set_int(field("size"), 12);
  r.set_money(field("income"), 9999999);
  r.set_decimal(field("rate"), 1500000);
  r.set_date(field("born"), -7305);
  EXPECT_EQ(evaluator_.evaluate(r).kind(), RejectKind::DivisionByZero);
  r.set_int(field("count"), 14);
  EXPECT_TRUE(evaluator_.evaluate(r).ok());
}

TEST_F(Typed, AValueNoCellCanHoldIsUnreadable) {
  const auto rejection = [&](auto set) {
    TypedRecord r = household();
    set(r);
    const TypedOutcome o = evaluator_.evaluate(r);
    EXPECT_FALSE(o.ok());
    EXPECT_EQ(o.kind(), RejectKind::ValueUnreadable);
    return std::string(o.error());
  };
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_int(field("count"), 1000000000); }),
            "`count` must be a whole number of at most 9 digits, found `1000000000`");
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_int(field("size"), -1000000000); }),
            "`size` must be a whole number of at most 9 digits, found `-1000000000`");
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_money(field("savings"), -100000000000000); }),
            "`savings` must be an amount in yuan with at most 2 decimals, found `-1000000000000.00`");
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_decimal(field("bonus"), 1000000000000000000); }),
            "`bonus` must be a number with at most 6 decimals, found `1000000000000.000000`");
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_date(field("checked"), *read_date("1899-12-31")); }),
            "`checked` must be a date written YYYY-MM-DD, found `1899-12-31`");
  EXPECT_EQ(rejection([&](TypedRecord& r) { r.set_date(field("checked"), *read_date("9999-12-31") + 1); }),
            "`checked` must be a date written YYYY-MM-DD, found `10000-01-01`");
  // The largest values a cell holds are taken.
  TypedRecord r = household();
  r.set_int(field("size"), 999999999);
  r.set_money(field("savings"), -99999999999999);
  r.set_decimal(field("bonus"), 999999999999999999);
  r.set_date(field("checked"), *read_date("9999-12-31"));
  const TypedOutcome o = evaluator_.evaluate(r);
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o.scalar(output("size")), 999999999);
  EXPECT_EQ(o.scalar(output("savings")), -99999999999999);
  EXPECT_EQ(o.scalar(output("bonus")), 999999999999999999);
  EXPECT_EQ(write_date(o.scalar(output("checked"))), "9999-12-31");
}

TEST_F(Typed, RulesRejectAsForText) {
  TypedRecord r = household();
  r.set_int(field("count"), 1001);
  const TypedOutcome o = evaluator_.evaluate(r);
  EXPECT_EQ(o.kind(), RejectKind::RequireFailed);
  EXPECT_EQ(o.column(), "count");
  EXPECT_EQ(o.declaration(), "require count");
  EXPECT_EQ(o.policy_file(), "every.pol");
  EXPECT_EQ(o.policy_line(), 25u);
  EXPECT_THAT(std::string(o.error()), HasSubstr("no household counts more than 1000 people"));
  r.set_int(field("count"), 0);
  const TypedOutcome zero = evaluator_.evaluate(r);
  EXPECT_EQ(zero.kind(), RejectKind::DivisionByZero);
  EXPECT_EQ(zero.declaration(), "let per_head");
  EXPECT_EQ(zero.policy_line(), 26u);
  EXPECT_EQ(zero.column(), "");
}

TEST_F(Typed, MisusedSettersThrowNamingTheField) {
  TypedRecord r = household();
  try {
    r.set_int(field("income"), 5);
    FAIL() << "set_int on money did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("`income`"));
    EXPECT_THAT(e.what(), HasSubstr("money"));
    EXPECT_THAT(e.what(), HasSubstr("set_money"));
  }
  EXPECT_EQ(evaluator_.evaluate(r).scalar(output("income")), 1000001);  // unchanged
  EXPECT_THROW(r.set_text(field("count"), "3"), std::invalid_argument);
  EXPECT_THROW(r.set_bool(field("tier"), true), std::invalid_argument);
  EXPECT_THROW(r.set_date(field("rate"), 1), std::invalid_argument);
  EXPECT_THROW(r.set_decimal(field("born"), 1), std::invalid_argument);
  EXPECT_THROW(r.set_money(field("count"), 1), std::invalid_argument);
  const std::uint32_t food[] = {0};
  EXPECT_THROW(r.set_enum_list(field("tier"), food), std::invalid_argument);
  EXPECT_THROW(r.set_enum(field("aids"), 0), std::invalid_argument);
  // Indexes out of range.
  EXPECT_THROW(r.set_int(16, 1), std::invalid_argument);
  EXPECT_THROW(r.set_empty(99), std::invalid_argument);
  EXPECT_THROW((void)r.has_value(16), std::invalid_argument);
  try {
    r.set_enum(field("tier"), 3);
    FAIL() << "member 3 of a 3-member enum did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("`tier`"));
  }
  const std::uint32_t bad[] = {0, 3};
  try {
    r.set_enum_list(field("aids"), bad);
    FAIL() << "member 3 of a 3-member enum did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("`aids`"));
  }
  const TypedOutcome o = evaluator_.evaluate(r);
  EXPECT_EQ(o.scalar(output("tier")), 0);
  EXPECT_EQ(o.enum_list(output("aids")).size(), 2u);
}

TEST_F(Typed, MisusedGettersThrowNamingTheOutput) {
  const TypedOutcome o = evaluator_.evaluate(household());
  ASSERT_TRUE(o.ok());
  try {
    (void)o.text(output("income"));
    FAIL() << "text() of money did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("`income`"));
    EXPECT_THAT(e.what(), HasSubstr("scalar()"));
  }
  EXPECT_THROW((void)o.scalar(output("id")), std::invalid_argument);
  EXPECT_THROW((void)o.boolean(output("count")), std::invalid_argument);
  EXPECT_THROW((void)o.enum_list(output("amounts")), std::invalid_argument);
  EXPECT_THROW((void)o.list(output("granted")), std::invalid_argument);
  EXPECT_THROW((void)o.scalar(schema().outputs.size()), std::invalid_argument);
  EXPECT_EQ(o.scalar(output("flag")), 1);  // a bool is a scalar too

  TypedRecord r = household();
  r.set_int(field("count"), -1);
  const TypedOutcome rejected = evaluator_.evaluate(r);
  ASSERT_FALSE(rejected.ok());
  try {
    (void)rejected.scalar(output("count"));
    FAIL() << "an output of a rejected household did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("rejected"));
    EXPECT_THAT(e.what(), HasSubstr("bound_failed"));
  }
}

TEST_F(Typed, ARecordOfAnotherPolicyIsRefused) {
  const Policy other = compiled(kEveryKind, "other.pol");  // the same source, another program
  const TypedRecord foreign(other);
  EXPECT_THROW((void)evaluator_.evaluate(foreign), std::invalid_argument);
  TypedResults results;
  const std::vector<TypedRecord> records = {household(), foreign};
  EXPECT_THROW(evaluator_.evaluate_batch(records, results), std::invalid_argument);
  // A copy of the evaluator's policy is the same program.
  const Policy copy = policy_;
  const TypedRecord same(copy);
  EXPECT_NO_THROW((void)evaluator_.evaluate(same));
}

TEST_F(Typed, ClearEmptiesEveryField) {
  TypedRecord r = household();
  r.clear();
  for (std::size_t f = 0; f < schema().fields.size(); ++f) EXPECT_FALSE(r.has_value(f));
  EXPECT_EQ(evaluator_.evaluate(r).kind(), RejectKind::ValueMissing);
}

// A batch of one, and of 100,000 (hundreds of the evaluator's batches), gives
// what one at a time gives; results are reused from batch to batch.
TEST_F(Typed, BatchesOfOneAndOfAHundredThousand) {
  TypedResults results;
  const std::vector<TypedRecord> one = {household()};
  evaluator_.evaluate_batch(one, results);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results.rejected(), 0u);
  EXPECT_EQ(results[0].scalar(output("total")), 43050);
  EXPECT_THROW((void)results[1], std::out_of_range);

  std::vector<TypedRecord> records;
  records.reserve(100000);
  for (std::size_t i = 0; i < 100000; ++i) {
    TypedRecord r = household();
    r.set_text(field("id"), "H-" + std::to_string(i));
    r.set_int(field("count"), static_cast<std::int64_t>(i % 1003));  // 0 divides by zero, > 1000 fails the require
    r.set_money(field("income"), static_cast<std::int64_t>(i * 7919 % 10000000));
    if (i % 5 == 0) r.set_empty(field("note"));
    records.push_back(std::move(r));
  }
  evaluator_.evaluate_batch(records, results);
  ASSERT_EQ(results.size(), records.size());
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const TypedOutcome alone = evaluator_.evaluate(records[i]);
    const TypedOutcome in_batch = results[i];
    ASSERT_EQ(in_batch.ok(), alone.ok()) << i;
    if (!in_batch.ok()) {
      ++rejected;
      EXPECT_EQ(in_batch.kind(), alone.kind());
      EXPECT_EQ(in_batch.error(), alone.error());
      continue;
    }
    EXPECT_EQ(in_batch.text(output("id")), "H-" + std::to_string(i));
    EXPECT_EQ(in_batch.text(output("note")), i % 5 == 0 ? "(none)" : "seen");
    EXPECT_EQ(in_batch.scalar(output("per_head")), alone.scalar(output("per_head")));
    EXPECT_EQ(in_batch.scalar(output("total")), alone.scalar(output("total")));
    EXPECT_EQ(in_batch.list(output("amounts")).size(), alone.list(output("amounts")).size());
  }
  EXPECT_EQ(rejected, results.rejected());
  // count 0, 1001 and 1002 in each of the 99 whole runs of 1003, and 0 in the last run (703 records).
  EXPECT_EQ(rejected, 99u * 3 + 1);

  // Reused for a smaller batch: only its records.
  evaluator_.evaluate_batch(one, results);
  EXPECT_EQ(results.size(), 1u);
  EXPECT_EQ(results.rejected(), 0u);
  EXPECT_TRUE(results[0].ok());

  // A moved-from TypedResults takes a batch again.
  TypedResults moved = std::move(results);
  EXPECT_EQ(moved.size(), 1u);
  evaluator_.evaluate_batch(one, results);  // NOLINT(bugprone-use-after-move): reuse after a move is allowed
  EXPECT_EQ(results.size(), 1u);
  evaluator_.evaluate_batch({}, moved);
  EXPECT_EQ(moved.size(), 0u);
}

// evaluate(record) of text evaluates in place (no copy of the record), and
// says exactly what a batch of one says.
TEST_F(Typed, TextEvaluateIsABatchOfOne) {
  const NamedRecord good = {{"id", "x"}, {"flag", "1"}, {"count", "3"}, {"income", "10"}, {"rate", "1"},
                            {"born", "2000-01-01"}, {"tier", "mid"}, {"aids", ""}};
  NamedRecord bad = good;
  bad[2].second = "-2";
  NamedRecord unknown = good;
  unknown.emplace_back("colour", "red");
  for (const NamedRecord& record : {good, bad, unknown}) {
    const Outcome alone = evaluator_.evaluate(record);
    const Outcome batch = evaluator_.evaluate_batch({record}).front();
    EXPECT_EQ(alone.ok, batch.ok);
    EXPECT_EQ(alone.values, batch.values);
    EXPECT_EQ(alone.kind, batch.kind);
    EXPECT_EQ(alone.column, batch.column);
    EXPECT_EQ(alone.error, batch.error);
  }
  EXPECT_TRUE(evaluator_.evaluate(good).ok);
  EXPECT_EQ(evaluator_.evaluate(bad).kind, RejectKind::BoundFailed);
  EXPECT_EQ(evaluator_.evaluate(unknown).kind, RejectKind::UnknownField);
}

// ------------------------------------------------------------ typed and CSV paths, register by register

TEST(TypedAndCsv, AgreeOnTheBundledSample) {
  const Policy policy = open(kSource + "/policies/xijiang_2015.pol");
  Compared seen;
  compare_paths(policy, kSource + "/examples/data/xijiang_sample.csv", seen);
  EXPECT_EQ(seen.accepted, 1989u);
  // Of its 11 rejected rows, members 0, members 1234567890 and deposits
  // 1234567890123.5 have typed values (rejected alike: a bound, and two values
  // no cell holds; the deposits quoted as 1234567890123.50); the others have
  // no value of their kind (3.5 students, 12.345 yuan, house C, owns_car 2,
  // "1,000" yuan, three rows of the wrong shape).
  EXPECT_EQ(seen.rejected, 3u);
  EXPECT_EQ(seen.kinds.at(RejectKind::BoundFailed), 1u);
  EXPECT_EQ(seen.kinds.at(RejectKind::ValueUnreadable), 2u);
  EXPECT_EQ(seen.no_typed_value, 8u);
}

TEST(TypedAndCsv, AgreeOnAGeneratedW1Register) {
  testing::TempDir dir("typed-w1");
  const std::string path = (dir / "w1.csv").string();
  ASSERT_EQ(testing::run_command(
                fmt::format("'{}' --rows 20000 --seed 14 --bad-rows 240 -o '{}' 2>/dev/null", PRECEPT_GEN, path)),
            0);
  const Policy policy = open(kSource + "/policies/xijiang_2015.pol");
  Compared seen;
  compare_paths(policy, path, seen);
  EXPECT_GT(seen.accepted, 19000u);
  EXPECT_GT(seen.rejected, 10u);
  EXPECT_GT(seen.no_typed_value, 100u);
}

TEST(TypedAndCsv, AgreeOnEveryKindOfValue) {
  const Policy policy = compiled(kEveryKind);
  testing::TempDir dir("typed-every");
  const std::string path = (dir / "every.csv").string();
  testing::write_file(path, generate_register(policy.schema(), 4000, 14));
  Compared seen;
  compare_paths(policy, path, seen);
  EXPECT_GT(seen.accepted, 500u);
  EXPECT_GT(seen.no_typed_value, 100u);
  for (const RejectKind kind : {RejectKind::ValueMissing, RejectKind::ValueUnreadable, RejectKind::BoundFailed,
                                RejectKind::RequireFailed, RejectKind::DivisionByZero})
    EXPECT_GT(seen.kinds[kind], 0u) << reject_kind_name(kind);
}

TEST(TypedAndCsv, AgreeOnABundledPolicyWithOptionalDatesListsAndTexts) {
  const Policy policy = open(kSource + "/tests/compiler/policies/optional.pol");
  testing::TempDir dir("typed-optional");
  const std::string path = (dir / "optional.csv").string();
  testing::write_file(path, generate_register(policy.schema(), 2000, 15));
  Compared seen;
  compare_paths(policy, path, seen);
  EXPECT_GT(seen.accepted, 1000u);
  EXPECT_GT(seen.rejected, 0u);
}

}  // namespace
}  // namespace precept
