// The one reading of a register's header and records (runtime/register_reader),
// which `run`, `explain` and the diff's impact pass all use: which columns a
// register needs, what a duplicate or an extra column means, and how a record
// of the wrong shape is worded. That the commands agree is tested in
// tests/cli/test_register_reading.cpp.
#include "register_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace precept {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Cell = std::pair<std::size_t, std::uint32_t>;

FieldDef field(std::string name, Kind kind, bool optional = false, bool has_default = false) {
  FieldDef f;
  f.name = std::move(name);
  f.type.kind = kind;
  f.optional = optional;
  f.has_default = has_default;
  return f;
}

// id (required), members (required), pension (a default), note (optional).
Program record_program() {
  Program p;
  p.fields = {field("id", Kind::Text), field("members", Kind::Int), field("pension", Kind::Money, false, true),
              field("note", Kind::Text, true)};
  return p;
}

TEST(RegisterHeader, MapsColumnsByNameInAnyOrderAndReadsCellsInColumnOrder) {
  RegisterColumns columns;
  EXPECT_EQ(map_register_header(record_program(), {"note", "members", "id", "pension"}, columns), "");
  EXPECT_THAT(columns.cells, ElementsAre(Cell{0, 3}, Cell{1, 1}, Cell{2, 0}, Cell{3, 2}));
  EXPECT_THAT(columns.absent, IsEmpty());
  EXPECT_THAT(columns.extra, IsEmpty());
  EXPECT_EQ(columns.width(), 4u);
  EXPECT_EQ(columns.column_of("id"), 2u);
  EXPECT_EQ(columns.column_of("nobody"), std::nullopt);
  EXPECT_THAT(columns.field_order(), ElementsAre(3u, 1u, 0u, 2u));
}

// README: "A field is required unless it is `optional` or has a `default`".
// `run` used to refuse a register without a defaulted field's column.
TEST(RegisterHeader, AFieldWithADefaultOrOptionalMayHaveNoColumn) {
  RegisterColumns columns;
  EXPECT_EQ(map_register_header(record_program(), {"id", "members"}, columns), "");
  EXPECT_THAT(columns.absent, ElementsAre(2u, 3u));
  EXPECT_THAT(columns.missing, IsEmpty());
  EXPECT_THAT(columns.field_order(), ElementsAre(0u, 1u, 2u, 3u));
}

TEST(RegisterHeader, AMissingRequiredColumnStopsTheReadingNamingEveryOne) {
  RegisterColumns columns;
  EXPECT_EQ(map_register_header(record_program(), {"note"}, columns),
            "the register has no column `id`, `members`, which the policy's record needs (header on line 1)");
  HeaderRules rules;
  rules.whose = "the old version's";
  EXPECT_EQ(map_register_header(record_program(), {"id"}, columns, rules),
            "the register has no column `members`, which the old version's record needs (header on line 1)");
}

TEST(RegisterHeader, AllowMissingReadsARequiredFieldWithoutAColumnAsEmpty) {
  RegisterColumns columns;
  HeaderRules rules;
  rules.allow_missing = true;
  EXPECT_EQ(map_register_header(record_program(), {"id"}, columns, rules), "");
  EXPECT_THAT(columns.missing, ElementsAre(1u));
  EXPECT_THAT(columns.absent, ElementsAre(2u, 3u));
}

// `run` refused any duplicate, `explain` read the last one, the diff the first.
TEST(RegisterHeader, AFieldsColumnGivenTwiceIsRefusedNamingBothColumns) {
  RegisterColumns columns;
  EXPECT_EQ(map_register_header(record_program(), {"id", "members", "id"}, columns),
            "the header names column `id` twice (columns 1 and 3), so which one holds the field is unclear "
            "(header on line 1)");
}

TEST(RegisterHeader, AColumnTheRecordDoesNotHaveMayRepeatAndIsIgnoredWithANote) {
  RegisterColumns columns;
  EXPECT_EQ(map_register_header(record_program(), {"remark", "id", "members", "remark", "phone"}, columns), "");
  EXPECT_THAT(columns.extra, ElementsAre("remark", "phone"));
  EXPECT_EQ(extra_columns_note(columns), "columns not in the policy's record were ignored: `remark`, `phone`");
  RegisterColumns none;
  EXPECT_EQ(map_register_header(record_program(), {"id", "members"}, none), "");
  EXPECT_EQ(extra_columns_note(none), "");
}

TEST(RegisterHeader, TheNoteNamesTheFirstTenExtraColumns) {
  std::vector<std::string> header = {"id", "members", "x0", "x1", "x2", "x3", "x4", "x5",
                                     "x6", "x7", "x8", "x9", "x10", "x11"};
  RegisterColumns columns;
  EXPECT_EQ(map_register_header(record_program(), header, columns), "");
  EXPECT_THAT(extra_columns_note(columns), HasSubstr("`x9` and 2 more"));
}

TEST(RegisterHeader, AnEmptyRegisterHasNoHeader) {
  CsvReader reader(std::string_view(""));
  RegisterColumns columns;
  EXPECT_EQ(read_register_header(reader, record_program(), columns), "the register is empty: no header line");
}

// A register's records, read by RegisterRecords over record_program().
class RegisterRecordsOf {
 public:
  explicit RegisterRecordsOf(std::string text) : text_(std::move(text)), csv_(text_), records_(program_, csv_) {}
  RegisterRecords& records() { return records_; }

 private:
  std::string text_;
  Program program_ = record_program();
  CsvReader csv_;
  RegisterRecords records_;
};

TEST(RegisterRecords, HandsOutCellsPerFieldWithTheRecordsLine) {
  RegisterRecordsOf of("members,id,extra\n3,h1,x\n\"2\",\"h,2\",y\n");
  RegisterRecords& records = of.records();
  ASSERT_EQ(records.start(), "");
  std::vector<std::string_view> cells;
  std::uint64_t line = 0;
  std::string problem;
  ASSERT_TRUE(records.next(cells, line, problem));
  EXPECT_EQ(line, 2u);
  EXPECT_EQ(problem, "");
  EXPECT_THAT(cells, ElementsAre("h1", "3", "", ""));
  ASSERT_TRUE(records.next(cells, line, problem));
  EXPECT_THAT(cells, ElementsAre("h,2", "2", "", ""));
  EXPECT_FALSE(records.next(cells, line, problem));
}

TEST(RegisterRecords, ARecordOfTheWrongShapeIsWordedAsEveryReaderWordsIt) {
  RegisterRecordsOf of("id,members\nh1\nh2,1,9\nh3,\"2\n");
  RegisterRecords& records = of.records();
  ASSERT_EQ(records.start(), "");
  std::vector<std::string_view> cells;
  std::uint64_t line = 0;
  std::string problem;
  ASSERT_TRUE(records.next(cells, line, problem));
  EXPECT_EQ(problem, "expected 2 fields as in the header, found 1");
  EXPECT_EQ(records.problem_kind(), RejectKind::FieldCount);
  EXPECT_THAT(cells, ElementsAre("h1", "", "", "")) << "the key is still there, for the reject";
  ASSERT_TRUE(records.next(cells, line, problem));
  EXPECT_EQ(problem, "expected 2 fields as in the header, found 3");
  ASSERT_TRUE(records.next(cells, line, problem));
  EXPECT_EQ(line, 4u);
  EXPECT_THAT(problem, HasSubstr("line 4")) << problem;
  EXPECT_EQ(records.problem_kind(), RejectKind::RecordMalformed);
}

TEST(RecordShape, ProblemIsEmptyForARecordOfTheHeadersWidth) {
  CsvReader csv(std::string_view("a,b\n"));
  CsvRecord record;
  ASSERT_TRUE(csv.next(record));
  EXPECT_EQ(record_shape_problem(record, 2), "");
  EXPECT_EQ(record_shape_kind(record, 2), RejectKind::None);
  EXPECT_EQ(record_reject_problem(record, 2), "");
  EXPECT_EQ(record_shape_problem(record, 3), "expected 3 fields as in the header, found 2");
}

}  // namespace
}  // namespace precept
