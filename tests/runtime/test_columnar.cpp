// ColumnarEvaluator (include/precept/columnar.hpp) against an independent C
// producer and consumer of the Arrow C Data Interface (tests/support/arrow_*.c):
// every field type in and every output type out, nulls, offsets, dictionaries,
// malformed batches, release callbacks, and the same results (values,
// rejections, messages) as the text path (Evaluator, which reads records with
// the CSV rules) on the bundled register, a generated W1 register and the
// policies that use dates, decimals, lists and optional texts.
#include <precept/precept.hpp>

#include "arrow_test.h"
#include "csv.hpp"
#include "files.hpp"
#include "numeric.hpp"
#include "program.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace precept {
namespace {

using ::testing::HasSubstr;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

const std::string kSource = PRECEPT_SOURCE_DIR;

Policy compiled(const std::string& source) {
  CompileResult result = compile(source, "test.pol");
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

Policy opened(const std::string& path) {
  CompileResult result = open_policy(path);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

// Records as text, the way a CSV export holds them.
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

TextTable read_csv(const std::string& text) {
  TextTable table;
  CsvReader reader{std::string_view(text)};
  CsvRecord record;
  bool first = true;
  while (reader.next(record)) {
    std::vector<std::string> cells(record.fields.begin(), record.fields.end());
    if (first) table.header = std::move(cells);
    else if (!record.malformed && cells.size() == table.header.size()) table.rows.push_back(std::move(cells));
    first = false;
  }
  return table;
}

// How each kind of field is laid out in the batch: the alternatives the
// columnar interface accepts for the same values.
struct Encoding {
  const char* int_format = "l";     // "c", "s", "i", "l"
  int money_scale = -1;             // -1: int64 fen; else decimal128 of this scale
  int decimal_scale = -1;           // -1: int64 millionths; else decimal128 of this scale
  const char* enum_indices = "c";   // dictionary indices; nullptr: member names as text
  const char* text_format = "u";    // "u" or "U"
  bool list_as_dictionary = true;
  bool cells_as_text = false;       // every column as the register's cells ("u"), whatever its field's kind
  std::int64_t parent_offset = 0, child_offset = 0;
};

// A batch producer over C arrays that must outlive the finish.
// (Deques: a reference to an element stays valid as more are added.)
struct Builder {
  std::deque<std::vector<std::int64_t>> ints;
  std::deque<std::vector<std::uint8_t>> valid;
  std::deque<std::vector<const char*>> texts;
  std::deque<std::vector<std::string>> strings;
};

// Typed value of `cell` for field kind `kind`, as the producer's int64 input;
// false when it has none (a cell the text path refuses that no typed column
// can hold, such as "abc" for an int).
bool typed_value(Kind kind, const std::string& cell, int scale, std::int64_t& out) {
  switch (kind) {
    case Kind::Bool: return parse_bool(cell, out);
    case Kind::Int: {
      const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), out);
      return error == std::errc() && end == cell.data() + cell.size();
    }
    case Kind::Money:
    case Kind::Decimal: {
      if (!(kind == Kind::Money ? parse_money(cell, out) : parse_decimal(cell, out))) return false;
      const int own = kind == Kind::Money ? kMoneyScale : kDecimalScale;
      for (int k = own; k < scale; ++k) out *= 10;
      for (int k = scale; k < own && scale >= 0; ++k) {
        if (out % 10 != 0) return false;
        out /= 10;
      }
      return true;
    }
    case Kind::Date: return parse_date(cell, out);
    default: return true;
  }
}

bool fits_int_format(std::int64_t value, std::string_view format) {
  if (format == "c") return value >= INT8_MIN && value <= INT8_MAX;
  if (format == "s") return value >= INT16_MIN && value <= INT16_MAX;
  if (format == "i") return value >= INT32_MIN && value <= INT32_MAX;
  return true;
}

std::vector<std::string> split_items(const std::string& cell) {
  std::vector<std::string> items;
  if (cell.empty()) return items;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = cell.find(';', start);
    items.push_back(cell.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return items;
}

// Builds the batch of `table`'s rows that have a typed form (their indexes are
// returned) with `encoding`, from the policy's field types. Columns the policy
// does not know are left out.
std::vector<std::size_t> build_batch(const Policy& policy, const TextTable& table, const Encoding& encoding,
                                     ArrowSchema* schema, ArrowArray* array) {
  const Program& program = program_of(policy);
  std::vector<const FieldDef*> fields(table.header.size(), nullptr);
  for (std::size_t c = 0; c < table.header.size(); ++c)
    for (const FieldDef& def : program.fields)
      if (def.name == table.header[c]) fields[c] = &def;
  const auto scale_of = [&](Kind kind) {
    return kind == Kind::Money ? encoding.money_scale : kind == Kind::Decimal ? encoding.decimal_scale : -1;
  };
  std::vector<std::size_t> kept;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    bool typed = true;
    for (std::size_t c = 0; c < fields.size() && typed && !encoding.cells_as_text; ++c) {
      std::int64_t value = 0;
      if (fields[c] && !table.rows[r][c].empty()) {
        typed = typed_value(fields[c]->type.kind, table.rows[r][c], scale_of(fields[c]->type.kind), value);
        // A narrower int column cannot hold every int.
        if (typed && fields[c]->type.kind == Kind::Int) typed = fits_int_format(value, encoding.int_format);
      }
    }
    if (typed) kept.push_back(r);
  }
  const auto rows = static_cast<std::int64_t>(kept.size());
  ptest_batch* batch = ptest_batch_new(rows, encoding.parent_offset, encoding.child_offset);
  Builder keep;
  for (std::size_t c = 0; c < fields.size(); ++c) {
    if (!fields[c]) continue;
    const FieldDef& def = *fields[c];
    const char* name = table.header[c].c_str();
    auto& valid = keep.valid.emplace_back();
    auto& ints = keep.ints.emplace_back();
    for (const std::size_t r : kept) {
      const std::string& cell = table.rows[r][c];
      valid.push_back(cell.empty() ? 0 : 1);
      std::int64_t value = 0;
      if (!cell.empty()) typed_value(def.type.kind, cell, scale_of(def.type.kind), value);
      ints.push_back(value);
    }
    const Kind kind = def.type.kind;
    if (encoding.cells_as_text) {
      auto& strings = keep.strings.emplace_back();
      auto& texts = keep.texts.emplace_back();
      for (const std::size_t r : kept) strings.push_back(table.rows[r][c]);
      for (const std::string& s : strings) texts.push_back(s.c_str());
      ptest_add_text(batch, name, encoding.text_format, texts.data(), valid.data());
    } else if (kind == Kind::Bool) {
      ptest_add_bool(batch, name, ints.data(), valid.data());
    } else if (kind == Kind::Int) {
      ptest_add_int(batch, name, encoding.int_format, ints.data(), valid.data());
    } else if (kind == Kind::Money || kind == Kind::Decimal) {
      if (scale_of(kind) < 0) ptest_add_int(batch, name, "l", ints.data(), valid.data());
      else ptest_add_decimal(batch, name, 38, scale_of(kind), ints.data(), valid.data());
    } else if (kind == Kind::Date) {
      ptest_add_int(batch, name, "tdD", ints.data(), valid.data());
    } else if (kind == Kind::Text || (kind == Kind::Enum && !encoding.enum_indices)) {
      auto& strings = keep.strings.emplace_back();
      auto& texts = keep.texts.emplace_back();
      for (const std::size_t r : kept) strings.push_back(table.rows[r][c]);
      for (const std::string& s : strings) texts.push_back(s.c_str());
      ptest_add_text(batch, name, encoding.text_format, texts.data(), valid.data());
    } else {
      // Enum (dictionary-encoded) or list: a dictionary of the texts seen,
      // members or not, in order of first appearance.
      auto& dictionary = keep.strings.emplace_back();
      std::map<std::string, std::int64_t> entry_of;
      const auto entry = [&](const std::string& text) {
        const auto [at, added] = entry_of.emplace(text, static_cast<std::int64_t>(dictionary.size()));
        if (added) dictionary.push_back(text);
        return at->second;
      };
      auto& indices = keep.ints.emplace_back();
      auto& counts = keep.ints.emplace_back();
      for (const std::size_t r : kept) {
        const std::string& cell = table.rows[r][c];
        if (kind == Kind::Enum) {
          indices.push_back(cell.empty() ? 0 : entry(cell));
        } else {
          const auto items = split_items(cell);
          counts.push_back(static_cast<std::int64_t>(items.size()));
          for (const std::string& item : items) indices.push_back(entry(item));
        }
      }
      auto& texts = keep.texts.emplace_back();
      for (const std::string& s : dictionary) texts.push_back(s.c_str());
      const auto entries = static_cast<std::int64_t>(texts.size());
      if (kind == Kind::Enum) {
        ptest_add_dictionary(batch, name, encoding.enum_indices, indices.data(), valid.data(), texts.data(), entries);
      } else if (encoding.list_as_dictionary) {
        ptest_add_dictionary_list(batch, name, counts.data(), indices.data(), nullptr, texts.data(), entries);
      } else {
        auto& items = keep.texts.emplace_back();
        for (const std::int64_t index : indices) items.push_back(texts[static_cast<std::size_t>(index)]);
        ptest_add_text_list(batch, name, counts.data(), items.data(), nullptr, nullptr);
      }
    }
  }
  ptest_batch_finish(batch, schema, array);
  return kept;
}

// A result batch, released (by the consumer) at the end of the scope.
struct Result {
  ArrowSchema schema{};
  ArrowArray array{};
  ColumnarReport report;
  ~Result() {
    if (array.release) {
      EXPECT_EQ(pconsume_release(&schema, &array), 0);
    }
  }
  std::optional<std::string> text(const std::string& column, std::int64_t row) const {
    const std::int64_t c = pconsume_column(&schema, column.c_str());
    EXPECT_GE(c, 0) << column;
    if (c < 0) return std::nullopt;
    char out[4096];
    const int got = pconsume_text(&schema, &array, c, row, out, sizeof out);
    EXPECT_NE(got, -1) << column;
    if (got != 1) return std::nullopt;
    return std::string(out);
  }
  std::optional<std::int64_t> integer(const std::string& column, std::int64_t row) const {
    std::int64_t value = 0;
    const int got = pconsume_int64(&schema, &array, pconsume_column(&schema, column.c_str()), row, &value);
    EXPECT_NE(got, -1) << column;
    if (got != 1) return std::nullopt;
    return value;
  }
  std::string format(const std::string& column) const {
    const std::int64_t c = pconsume_column(&schema, column.c_str());
    return c < 0 ? "" : schema.children[c]->format;
  }
};

// Every input struct made so far has been released exactly once.
void expect_inputs_released() {
  EXPECT_GT(ptest_tracking_made(), 0);
  EXPECT_EQ(ptest_tracking_released(), ptest_tracking_made());
  EXPECT_EQ(ptest_tracking_misreleased(), 0);
  ptest_tracking_reset();
}

// Evaluates `table` both ways and expects the same result for every row that
// has a typed form; returns how many rows were compared.
std::size_t expect_same_as_text_path(const Policy& policy, const TextTable& table, const Encoding& encoding,
                                     ColumnarOptions options = {}) {
  ptest_tracking_reset();
  ArrowSchema in_schema{};
  ArrowArray in_array{};
  const std::vector<std::size_t> kept = build_batch(policy, table, encoding, &in_schema, &in_array);
  ColumnarEvaluator columnar(policy, options);
  Result result;
  result.report = columnar.evaluate(in_schema, in_array, &result.schema, &result.array);
  EXPECT_EQ(pconsume_check(&result.schema, &result.array), nullptr);
  in_array.release(&in_array);
  in_schema.release(&in_schema);
  expect_inputs_released();

  std::vector<std::vector<std::pair<std::string, std::string>>> records;
  for (const std::size_t r : kept) {
    auto& record = records.emplace_back();
    for (std::size_t c = 0; c < table.header.size(); ++c) record.emplace_back(table.header[c], table.rows[r][c]);
  }
  Evaluator evaluator(policy, EvaluatorOptions{options.allow_unknown_fields});
  const std::vector<Outcome> outcomes = evaluator.evaluate_batch(records);
  EXPECT_EQ(result.report.rows, static_cast<std::int64_t>(kept.size()));
  EXPECT_EQ(result.array.length, static_cast<std::int64_t>(kept.size()));
  const std::vector<std::string> outputs = policy.output_names();
  EXPECT_EQ(result.schema.n_children, static_cast<std::int64_t>(outputs.size() + 3));
  std::int64_t evaluated = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto row = static_cast<std::int64_t>(i);
    const Outcome& outcome = outcomes[i];
    SCOPED_TRACE(fmt::format("row {} (input row {})", i, kept[i]));
    if (outcome.ok) {
      ++evaluated;
      EXPECT_EQ(result.text("reject_kind", row), std::nullopt);
      for (std::size_t o = 0; o < outputs.size(); ++o)
        EXPECT_EQ(result.text(outputs[o], row), std::optional<std::string>(outcome.values[o])) << outputs[o];
    } else {
      EXPECT_EQ(result.text("reject_kind", row), std::optional<std::string>(reject_kind_name(outcome.kind)));
      EXPECT_EQ(result.text("reject_column", row),
                outcome.column.empty() ? std::nullopt : std::optional<std::string>(outcome.column));
      EXPECT_EQ(result.text("reject_message", row), std::optional<std::string>(outcome.error));
      for (const std::string& output : outputs) EXPECT_EQ(result.text(output, row), std::nullopt) << output;
    }
  }
  EXPECT_EQ(result.report.evaluated, evaluated);
  EXPECT_EQ(result.report.rejected, static_cast<std::int64_t>(kept.size()) - evaluated);
  return kept.size();
}

// ---------------------------------------------------------------- every type

// A policy whose record has a field of every type (required, optional and
// defaulted) and whose outputs have every type.
const char* const kEveryType = R"pol(policy "every type" year 2020
enum color { red, green, blue }
record r {
  flag:    bool
  count:   int where >= 0
  amount:  money
  rate:    decimal
  born:    date where >= 1950-01-01
  color:   color
  label:   text
  colors:  list of color
  extra:   optional money
  bonus:   int default 7
  note:    optional text
  seen:    optional date
}
let total: money = amount + (extra if missing 0 yuan)
let taxed: money = round(amount * rate, 2)
output flag, count, amount, rate, born, color, label, colors, total, taxed, bonus,
       note = note if missing "(none)", recent = seen is present, has_red = contains(colors, red),
       many = count(colors) > count
)pol";

TextTable every_type_rows() {
  TextTable table;
  table.header = {"flag", "count", "amount", "rate", "born", "color", "label", "colors",
                  "extra", "bonus", "note", "seen"};
  table.rows = {
      {"1", "3", "1234.50", "0.125", "1980-02-29", "green", "甲", "red;blue", "10.01", "2", "hi", "2020-01-01"},
      {"0", "0", "-0.01", "-1.5", "1950-01-01", "red", "b", "", "", "", "", ""},
      {"1", "2", "99999999999.99", "0.000001", "9999-12-31", "blue", "long text, with a comma", "green", "", "", "x",
       ""},
      // Rejections while reading, one per kind and the leftmost cell first.
      {"", "1", "1", "1", "2000-01-01", "red", "m", "", "", "", "", ""},            // flag missing
      {"1", "-1", "1", "1", "2000-01-01", "red", "m", "", "", "", "", ""},          // count's bound
      {"1", "1", "1", "1", "1949-12-31", "red", "m", "", "", "", "", ""},           // born's bound
      {"1", "1", "1", "1", "2000-01-01", "purple", "m", "", "", "", "", ""},        // not a member
      {"1", "1", "1", "1", "2000-01-01", "red", "m", "red;purple", "", "", "", ""},  // a list item not a member
      {"1", "1", "1", "1", "2000-01-01", "red", "m", "red;;blue", "", "", "", ""},   // an empty list item
      {"1", "1234567890", "1", "1", "2000-01-01", "red", "m", "", "", "", "", ""},  // too many digits
      {"", "-5", "", "1", "2000-01-01", "purple", "", "", "", "", "", ""},          // several: the leftmost
      {"1", "1", "", "1", "2000-01-01", "red", "", "", "", "", "", ""},             // amount missing
      // The policy rejects it: an overflow.
      {"1", "1", "99999999999.99", "999999.999999", "2000-01-01", "red", "m", "", "", "", "", ""},
  };
  return table;
}

TEST(Columnar, EveryTypeMatchesTheTextPath) {
  const Policy policy = compiled(kEveryType);
  EXPECT_EQ(expect_same_as_text_path(policy, every_type_rows(), Encoding{}), every_type_rows().rows.size());
}

// Text cells for fields of every kind are read by the CSV path's parser: the
// same results and the same rejections (kind, column, words), cells no typed
// column could carry too.
TEST(Columnar, CellsGivenAsTextForEveryKindGiveWhatTheTextPathGives) {
  const Policy policy = compiled(kEveryType);
  TextTable rows = every_type_rows();
  rows.rows.push_back({"2", "1", "1", "1", "2000-01-01", "red", "m", "", "", "", "", ""});         // not a bool
  rows.rows.push_back({"1", "1.5", "1", "1", "2000-01-01", "red", "m", "", "", "", "", ""});       // not an int
  rows.rows.push_back({"1", "1", "0.30000000000000004", "1", "2000-01-01", "red", "m", "", "", "", "", ""});
  rows.rows.push_back({"1", "1", "1", "0.1234567", "2000-01-01", "red", "m", "", "", "", "", ""});  // 7 places
  rows.rows.push_back({"1", "1", "1,000", "1", "2000-02-30", "red", "m", "", "", "", "", ""});
  rows.rows.push_back({"1", "1", "1", "1", "2000-02-30", "red", "m", "", "", "", "", ""});          // no such day
  Encoding e;
  e.cells_as_text = true;
  EXPECT_EQ(expect_same_as_text_path(policy, rows, e), rows.rows.size());
  e.text_format = "U";
  e.parent_offset = 2;
  EXPECT_EQ(expect_same_as_text_path(policy, rows, e), rows.rows.size());
}

TEST(Columnar, EveryEncodingOfTheSameValuesGivesTheSameResults) {
  const Policy policy = compiled(kEveryType);
  const TextTable rows = every_type_rows();
  Encoding e;
  e.parent_offset = 3;
  e.child_offset = 5;
  EXPECT_EQ(expect_same_as_text_path(policy, rows, e), rows.rows.size());
  e.int_format = "i";
  e.money_scale = 2;
  e.decimal_scale = 6;
  e.enum_indices = "s";
  e.text_format = "U";
  e.list_as_dictionary = false;
  EXPECT_EQ(expect_same_as_text_path(policy, rows, e), rows.rows.size());
  e.enum_indices = nullptr;  // member names as text
  e.money_scale = 4;         // rescaled, exactly
  e.decimal_scale = 8;
  e.int_format = "s";  // the row of 1234567890 cannot be given as int16, and is left out
  EXPECT_EQ(expect_same_as_text_path(policy, rows, e), rows.rows.size() - 1);
  e.enum_indices = "i";
  e.money_scale = 0;  // whole yuan: rows with fen cannot be given, and are left out
  e.int_format = "c";
  e.parent_offset = 0;
  e.child_offset = 9;
  EXPECT_LT(expect_same_as_text_path(policy, rows, e), rows.rows.size());
}

TEST(Columnar, OutputsAreTypedColumnsInOutputOrderThenTheRejectColumns) {
  const Policy policy = compiled(kEveryType);
  ptest_tracking_reset();
  ArrowSchema in_schema{};
  ArrowArray in_array{};
  build_batch(policy, every_type_rows(), Encoding{}, &in_schema, &in_array);
  for (const bool as_int64 : {false, true}) {
    ColumnarEvaluator evaluator(policy, ColumnarOptions{false, as_int64});
    Result result;
    result.report = evaluator.evaluate(in_schema, in_array, &result.schema, &result.array);
    std::vector<std::string> names;
    for (std::int64_t c = 0; c < result.schema.n_children; ++c) names.push_back(result.schema.children[c]->name);
    std::vector<std::string> expected = policy.output_names();
    for (const char* name : {"reject_kind", "reject_column", "reject_message"}) expected.push_back(name);
    EXPECT_EQ(names, expected);
    EXPECT_EQ(result.format("flag"), "b");
    EXPECT_EQ(result.format("count"), "l");
    EXPECT_EQ(result.format("amount"), as_int64 ? "l" : "d:38,2");
    EXPECT_EQ(result.format("rate"), as_int64 ? "l" : "d:38,6");
    EXPECT_EQ(result.format("born"), "tdD");
    EXPECT_EQ(result.format("color"), "i");
    EXPECT_EQ(result.format("label"), "u");
    EXPECT_EQ(result.format("colors"), "+l");
    EXPECT_EQ(result.format("reject_message"), "u");
    // Values, typed: money in fen, decimals in millionths, dates in days since 1970.
    EXPECT_EQ(result.integer("amount", 0), 123450);
    EXPECT_EQ(result.integer("rate", 0), 125000);
    EXPECT_EQ(result.integer("born", 0), 3711);  // 1980-02-29
    EXPECT_EQ(result.integer("color", 0), 1);    // green: the member index
    EXPECT_EQ(result.integer("flag", 1), 0);
    EXPECT_EQ(result.integer("total", 0), 124451);
    EXPECT_EQ(result.text("colors", 0), "red;blue");
    EXPECT_EQ(result.text("note", 1), "(none)");
    EXPECT_EQ(result.text("bonus", 1), "7");  // the default
    EXPECT_EQ(result.report.rows, 13);
    EXPECT_EQ(result.report.evaluated, 3);
    EXPECT_EQ(result.report.rejected, 10);
    EXPECT_EQ(result.text("reject_kind", 3), "value_missing");
    EXPECT_EQ(result.text("reject_column", 3), "flag");
    EXPECT_EQ(result.text("reject_kind", 4), "bound_failed");
    EXPECT_EQ(result.text("reject_kind", 6), "value_unreadable");
    EXPECT_EQ(result.text("reject_column", 10), "flag");  // the leftmost bad cell
    EXPECT_EQ(result.text("reject_kind", 12), "overflow");
  }
  in_array.release(&in_array);
  in_schema.release(&in_schema);
  expect_inputs_released();
}

TEST(Columnar, ADecimalOfAnotherScaleIsReadOnlyWhereExact) {
  const Policy policy = compiled(kEveryType);
  ptest_tracking_reset();
  const std::int64_t rows = 2;
  ptest_batch* batch = ptest_batch_new(rows, 0, 0);
  const std::int64_t ones[] = {1, 1}, zeros[] = {0, 0}, born[] = {10000, 10000}, color[] = {0, 0}, counts[] = {0, 0};
  const std::int64_t amounts[] = {123400, 123456};  // 12.3400 and 12.3456 at scale 4
  const char* const labels[] = {"a", "b"};
  const char* const members[] = {"red"};
  ptest_add_bool(batch, "flag", ones, nullptr);
  ptest_add_int(batch, "count", "l", ones, nullptr);
  ptest_add_decimal(batch, "amount", 10, 4, amounts, nullptr);
  ptest_add_int(batch, "rate", "l", zeros, nullptr);
  ptest_add_int(batch, "born", "tdD", born, nullptr);
  ptest_add_dictionary(batch, "color", "c", color, nullptr, members, 1);
  ptest_add_text(batch, "label", "u", labels, nullptr);
  ptest_add_dictionary_list(batch, "colors", counts, nullptr, nullptr, members, 1);
  ArrowSchema in_schema{};
  ArrowArray in_array{};
  ptest_batch_finish(batch, &in_schema, &in_array);
  ColumnarEvaluator evaluator(policy);
  Result result;
  result.report = evaluator.evaluate(in_schema, in_array, &result.schema, &result.array);
  EXPECT_EQ(result.text("amount", 0), "12.34");
  EXPECT_EQ(result.text("amount", 1), std::nullopt);
  EXPECT_EQ(result.text("reject_kind", 1), "value_unreadable");
  // The words the CSV path gives for the cell "12.3456".
  EXPECT_EQ(result.text("reject_message", 1), "`amount` must be an amount in yuan with at most 2 decimals, found `12.3456`");
  in_array.release(&in_array);
  in_schema.release(&in_schema);
  expect_inputs_released();
}

// ---------------------------------------------------------------- registers

TEST(Columnar, TheBundledRegisterGivesWhatTheTextPathGives) {
  const Policy policy = opened(kSource + "/policies/xijiang_2015.pol");
  const TextTable table = read_csv(read_file(kSource + "/examples/data/xijiang_sample.csv"));
  // (Its records of the wrong width are the CSV reader's to reject: left out.)
  ASSERT_GT(table.rows.size(), 1990u);
  // Every row has a typed form but those whose cells the text path cannot read at all.
  EXPECT_GT(expect_same_as_text_path(policy, table, Encoding{}), 1980u);
  Encoding other;
  other.money_scale = 2;
  other.enum_indices = nullptr;
  other.parent_offset = 1;
  other.child_offset = 2;
  EXPECT_GT(expect_same_as_text_path(policy, table, other), 1980u);
}

TEST(Columnar, AGeneratedW1RegisterOf100000RowsGivesWhatTheTextPathGives) {
  TempDir dir("columnar-w1");
  const std::string path = (dir / "w1.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' --rows 100000 --seed 14 --bad-rows 300 -o '{}' 2>/dev/null", PRECEPT_GEN,
                                    path)),
            0);
  const Policy policy = opened(kSource + "/policies/xijiang_2015.pol");
  const TextTable table = read_csv(read_file(path));
  ASSERT_GT(table.rows.size(), 99900u);
  EXPECT_GT(expect_same_as_text_path(policy, table, Encoding{}), 99000u);
}

TEST(Columnar, ABatchOfOneAndABatchOfNone) {
  const Policy policy = opened(kSource + "/policies/xijiang_2015.pol");
  TextTable table = read_csv(read_file(kSource + "/examples/data/xijiang_sample.csv"));
  table.rows.resize(1);
  EXPECT_EQ(expect_same_as_text_path(policy, table, Encoding{}), 1u);
  table.rows.clear();
  EXPECT_EQ(expect_same_as_text_path(policy, table, Encoding{}), 0u);
}

// The test policies with dates, decimals, lists, optional texts and
// defaults, on the values of their cases.
TEST(Columnar, PoliciesWithDatesDecimalsListsAndTextsGiveWhatTheTextPathGives) {
  {
    const Policy policy = opened(kSource + "/tests/compiler/policies/optional.pol");
    TextTable table;
    table.header = {"income", "deposits", "pension", "causes", "note", "checked"};
    table.rows = {{"100.00", "20.50", "10.00", "illness;disaster", "ok", "2015-03-01"},
                  {"100.00", "", "", "", "", "2014-12-31"},
                  {"1.00", "", "", "disability", "", ""},
                  {"1.00", "", "", "illness;flood", "", ""},
                  {"1.00", "", "", "", "", "2015-02-28"},
                  {"", "", "", "", "", ""}};
    EXPECT_EQ(expect_same_as_text_path(policy, table, Encoding{}), table.rows.size());
    Encoding other;
    other.list_as_dictionary = false;
    other.money_scale = 3;
    EXPECT_EQ(expect_same_as_text_path(policy, table, other), table.rows.size());
  }
  {
    const Policy policy = opened(kSource + "/tests/compiler/policies/arithmetic.pol");
    TextTable table;
    table.header = {"income", "people", "rate"};
    table.rows = {{"10.05", "2", "0.1"},     {"10.15", "2", "0.1"},       {"-10.05", "2", "0.1"},
                  {"100.00", "3", "0.333333"}, {"-0.01", "2", "0"},       {"3000.00", "4", "0.05"},
                  {"8207.99", "3", "0"},     {"1.00", "0", "0"},          {"99999999999.99", "1", "999999"}};
    EXPECT_EQ(expect_same_as_text_path(policy, table, Encoding{}), table.rows.size());
    Encoding other;
    other.decimal_scale = 6;
    other.money_scale = 2;
    EXPECT_EQ(expect_same_as_text_path(policy, table, other), table.rows.size());
  }
}

// ---------------------------------------------------------------- the batch's columns

// A small batch of the every-type policy, one row, with `skip` left out and
// `extra` columns added, for the column checks. One at a time: it resets the
// producer's release bookkeeping.
struct SmallBatch {
  ArrowSchema schema{};
  ArrowArray array{};
  SmallBatch(const std::vector<std::string>& skip, const std::vector<std::string>& extra_ints = {}) {
    ptest_tracking_reset();
    static const std::int64_t one[] = {1}, born[] = {10000}, zero[] = {0};
    static const char* const label[] = {"a"};
    static const char* const members[] = {"red"};
    const auto wanted = [&](const char* name) { return std::find(skip.begin(), skip.end(), name) == skip.end(); };
    ptest_batch* batch = ptest_batch_new(1, 0, 0);
    if (wanted("flag")) ptest_add_bool(batch, "flag", one, nullptr);
    if (wanted("count")) ptest_add_int(batch, "count", "l", one, nullptr);
    if (wanted("amount")) ptest_add_int(batch, "amount", "l", one, nullptr);
    if (wanted("rate")) ptest_add_int(batch, "rate", "l", one, nullptr);
    if (wanted("born")) ptest_add_int(batch, "born", "tdD", born, nullptr);
    if (wanted("color")) ptest_add_dictionary(batch, "color", "c", zero, nullptr, members, 1);
    if (wanted("label")) ptest_add_text(batch, "label", "u", label, nullptr);
    if (wanted("colors")) ptest_add_dictionary_list(batch, "colors", zero, zero, nullptr, members, 1);
    for (const std::string& name : extra_ints) ptest_add_int(batch, name.c_str(), "l", one, nullptr);
    ptest_batch_finish(batch, &schema, &array);
  }
  ~SmallBatch() {
    array.release(&array);
    schema.release(&schema);
    EXPECT_EQ(ptest_tracking_released(), ptest_tracking_made());
    EXPECT_EQ(ptest_tracking_misreleased(), 0);
    ptest_tracking_reset();
  }
  // The ColumnarError evaluating it raises ("" when none).
  std::string error(const Policy& policy, ColumnarOptions options = {}, std::string* column = nullptr) {
    ColumnarEvaluator evaluator(policy, options);
    ArrowSchema out_schema{};
    ArrowArray out_array{};
    try {
      evaluator.evaluate(schema, array, &out_schema, &out_array);
    } catch (const ColumnarError& e) {
      EXPECT_EQ(out_array.release, nullptr) << "a result was written despite the error";
      if (column) *column = e.column();
      return e.what();
    }
    EXPECT_EQ(pconsume_release(&out_schema, &out_array), 0);
    return "";
  }
  // The column `name`'s array and schema, to damage.
  ArrowArray& column(const char* name) { return *array.children[pconsume_column(&schema, name)]; }
  ArrowSchema& column_schema(const char* name) { return *schema.children[pconsume_column(&schema, name)]; }
};

TEST(Columnar, ColumnsAreMatchedByNameInAnyOrder) {
  const Policy policy = compiled(kEveryType);
  SmallBatch batch({});
  EXPECT_EQ(batch.error(policy), "");
  // Reversed: the same results.
  std::reverse(batch.schema.children, batch.schema.children + batch.schema.n_children);
  std::reverse(batch.array.children, batch.array.children + batch.array.n_children);
  EXPECT_EQ(batch.error(policy), "");
}

TEST(Columnar, AMissingRequiredColumnIsAnErrorNamingIt) {
  const Policy policy = compiled(kEveryType);
  std::string column;
  SmallBatch batch({"amount"});
  EXPECT_THAT(batch.error(policy, {}, &column), HasSubstr("column `amount`: the batch has no column for this field"));
  EXPECT_EQ(column, "amount");
  // Optional and defaulted fields may be left out (they are: extra, bonus, note, seen).
}

TEST(Columnar, AnUnknownColumnIsAnErrorUnlessAllowed) {
  const Policy policy = compiled(kEveryType);
  SmallBatch batch({}, {"colour"});
  EXPECT_THAT(batch.error(policy), HasSubstr("column `colour`: it is not a field of the policy's record"));
  EXPECT_EQ(batch.error(policy, ColumnarOptions{true, false}), "");
}

TEST(Columnar, ADuplicateColumnIsAnError) {
  const Policy policy = compiled(kEveryType);
  SmallBatch batch({}, {"count"});
  EXPECT_THAT(batch.error(policy), HasSubstr("column `count`: the batch has two columns of this name"));
  EXPECT_THAT(batch.error(policy, ColumnarOptions{true, false}), HasSubstr("two columns"));
}

TEST(Columnar, AColumnOfTheWrongTypeIsAnError) {
  const Policy policy = compiled(kEveryType);
  for (const char* field : {"flag", "born", "label", "color", "colors"}) {
    SmallBatch batch({field}, {field});  // an int64 column in its place
    EXPECT_THAT(batch.error(policy), HasSubstr(fmt::format("column `{}`: field `{}` is", field, field)));
  }
  // A money column given as bools (the flag's column, renamed), and as a decimal256.
  {
    SmallBatch money({"amount"});
    money.column_schema("flag").name = "amount";
    EXPECT_THAT(money.error(policy), HasSubstr("column `amount`: field `amount` is money; a column of format `b` "
                                               "cannot carry it (give `l` (fen) or `d:P,2`, or `u` cells)"));
  }
  SmallBatch wide({});
  wide.column_schema("amount").format = "d:40,2,256";
  EXPECT_THAT(wide.error(policy), HasSubstr("column `amount`: its format `d:40,2,256` is not a type Precept reads"));
  wide.column_schema("amount").format = "l";
}

// ---------------------------------------------------------------- malformed arrays

TEST(Columnar, MalformedArraysAreErrorsNamingTheColumnNeverACrash) {
  const Policy policy = compiled(kEveryType);
  const auto expect_error = [&](const char* what, const char* column, auto&& damage, const char* words) {
    SCOPED_TRACE(what);
    SmallBatch batch({});
    auto restore = damage(batch);
    std::string at;
    EXPECT_THAT(batch.error(policy, {}, &at), HasSubstr(words));
    EXPECT_EQ(at, column);
    restore();
  };
  expect_error("wrong buffer count", "count", [](SmallBatch& b) {
    b.column("count").n_buffers = 1;
    return [&b] { b.column("count").n_buffers = 2; };
  }, "column `count`: it has 1 buffer; format `l` has 2");
  expect_error("null values buffer", "count", [](SmallBatch& b) {
    const void* saved = b.column("count").buffers[1];
    b.column("count").buffers[1] = nullptr;
    return [&b, saved] { b.column("count").buffers[1] = saved; };
  }, "its values buffer is null");
  expect_error("null offsets", "label", [](SmallBatch& b) {
    const void* saved = b.column("label").buffers[1];
    b.column("label").buffers[1] = nullptr;
    return [&b, saved] { b.column("label").buffers[1] = saved; };
  }, "its offsets buffer is null");
  expect_error("nulls without a bitmap", "count", [](SmallBatch& b) {
    b.column("count").null_count = 1;
    return [&b] { b.column("count").null_count = 0; };
  }, "its null count is 1 but it has no validity bitmap");
  expect_error("negative length", "rate", [](SmallBatch& b) {
    b.column("rate").length = -1;
    return [&b] { b.column("rate").length = 1; };
  }, "its length is -1");
  expect_error("negative offset", "rate", [](SmallBatch& b) {
    b.column("rate").offset = -2;
    return [&b] { b.column("rate").offset = 0; };
  }, "its offset is -2");
  expect_error("a child shorter than the batch", "born", [](SmallBatch& b) {
    b.column("born").length = 0;
    return [&b] { b.column("born").length = 1; };
  }, "it has 0 values, fewer than the 1 its parent needs");
  expect_error("a child shorter than the batch's offset and length", "flag", [](SmallBatch& b) {
    b.array.offset = 1;
    return [&b] { b.array.offset = 0; };
  }, "fewer than the 2 its parent needs");
  expect_error("decreasing text offsets", "label", [](SmallBatch& b) {
    auto* offsets = static_cast<std::int32_t*>(const_cast<void*>(b.column("label").buffers[1]));
    offsets[1] = -1;
    return [offsets] { offsets[1] = 1; };
  }, "its text offsets are out of range at row 0");
  expect_error("negative first text offset", "label", [](SmallBatch& b) {
    auto* offsets = static_cast<std::int32_t*>(const_cast<void*>(b.column("label").buffers[1]));
    offsets[0] = -5;
    return [offsets] { offsets[0] = 0; };
  }, "its text offsets are out of range: the first is -5");
  expect_error("list offsets past the items", "colors", [](SmallBatch& b) {
    auto* offsets = static_cast<std::int32_t*>(const_cast<void*>(b.column("colors").buffers[1]));
    offsets[1] = 3;
    return [offsets] { offsets[1] = 0; };
  }, "its list offsets are out of range: they reach 3, past its 0 items");
  expect_error("a list without its items", "colors", [](SmallBatch& b) {
    b.column("colors").n_children = 0;
    return [&b] { b.column("colors").n_children = 1; };
  }, "a list must have exactly one child");
  expect_error("a dictionary index out of range", "color", [](SmallBatch& b) {
    auto* indices = static_cast<std::int8_t*>(const_cast<void*>(b.column("color").buffers[1]));
    indices[0] = 4;
    return [indices] { indices[0] = 0; };
  }, "dictionary index 4 at row 0 is outside its dictionary of 1 entries");
  expect_error("a dictionary schema without its array", "color", [](SmallBatch& b) {
    ArrowArray* saved = b.column("color").dictionary;
    b.column("color").dictionary = nullptr;
    return [&b, saved] { b.column("color").dictionary = saved; };
  }, "its array has no dictionary");
  expect_error("a released column", "rate", [](SmallBatch& b) {
    auto saved = b.column("rate").release;
    b.column("rate").release = nullptr;
    return [&b, saved] { b.column("rate").release = saved; };
  }, "its array has been released");
  expect_error("not a struct", "", [](SmallBatch& b) {
    const char* saved = b.schema.format;
    b.schema.format = "l";
    return [&b, saved] { b.schema.format = saved; };
  }, "the batch: it has 1 buffer; format `l` has 2");
  expect_error("null rows in the batch's struct", "", [](SmallBatch& b) {
    b.array.null_count = 1;
    static const std::uint8_t none = 0;
    b.array.buffers[0] = &none;
    return [&b] {
      b.array.null_count = 0;
      b.array.buffers[0] = nullptr;
    };
  }, "the batch: its struct array has null rows");
  expect_error("schema and array disagree", "", [](SmallBatch& b) {
    --b.array.n_children;
    return [&b] { ++b.array.n_children; };
  }, "the batch: its schema has 8 columns but its array has 7");
}

// ---------------------------------------------------------------- ownership

TEST(Columnar, TheInputIsNeitherReleasedNorChangedAndTheResultReleasesEverything) {
  const Policy policy = opened(kSource + "/policies/xijiang_2015.pol");
  const TextTable table = read_csv(read_file(kSource + "/examples/data/xijiang_sample.csv"));
  ptest_tracking_reset();
  ArrowSchema in_schema{};
  ArrowArray in_array{};
  build_batch(policy, table, Encoding{}, &in_schema, &in_array);
  ColumnarEvaluator evaluator(policy);
  std::string first;
  for (int pass = 0; pass < 2; ++pass) {
    Result result;
    result.report = evaluator.evaluate(in_schema, in_array, &result.schema, &result.array);
    EXPECT_EQ(ptest_tracking_released(), 0) << "the evaluator released part of its input";
    ASSERT_NE(result.array.release, nullptr);
    // The same input twice: the same results (a value per row of the first output).
    std::string values;
    for (std::int64_t row = 0; row < result.array.length; ++row) values += result.text("household_id", row).value_or("-");
    if (pass == 0) first = values;
    else EXPECT_EQ(values, first);
    // A consumer may move a child out and release it on its own (the
    // specification's "moving child arrays"): the parent's release leaves it.
    if (pass == 1) {
      ArrowArray moved = *result.array.children[1];
      result.array.children[1]->release = nullptr;
      EXPECT_EQ(pconsume_release(&result.schema, &result.array), 0);
      ASSERT_NE(moved.release, nullptr);
      moved.release(&moved);
      EXPECT_EQ(moved.release, nullptr);
    }
  }
  in_array.release(&in_array);
  in_schema.release(&in_schema);
  expect_inputs_released();
}

}  // namespace
}  // namespace precept
