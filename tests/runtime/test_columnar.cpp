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

#include <charconv>
#include <cstring>
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
  std::int64_t parent_offset = 0, child_offset = 0;
};

// A batch producer over C arrays that must outlive the finish.
struct Builder {
  std::vector<std::vector<std::int64_t>> ints;
  std::vector<std::vector<std::uint8_t>> valid;
  std::vector<std::vector<const char*>> texts;
  std::vector<std::vector<std::string>> strings;
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
    for (std::size_t c = 0; c < fields.size() && typed; ++c) {
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
    if (kind == Kind::Bool) {
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

}  // namespace
}  // namespace precept
