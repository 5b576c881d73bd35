// What a policy declares about its register: the field marks `key` and
// `personal` (and, below, how the register writes its values), seen through
// compile(): the schema, the checker's errors, layers and the .pcb round trip.
#include "program.hpp"
#include "serialize.hpp"

#include <precept/policy.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

std::string errors_of(const precept::CompileResult& result) { return precept::render(result.diagnostics); }

precept::CompileResult compile_record(const std::string& fields) {
  return precept::compile("policy \"t\" year 2016\nrecord household {\n" + fields + "\n}\noutput n = 1\n", "t.pol");
}

// The one diagnostic's code ("" when it compiled, "several" when more than one).
std::string only_error(const precept::CompileResult& r) {
  if (r.diagnostics.empty()) return "";
  if (r.diagnostics.size() > 1) return "several: " + errors_of(r);
  return r.diagnostics.front().code;
}

TEST(FieldMarks, KeyAndPersonalReachTheSchemaAndTheProgram) {
  const auto r = compile_record(
      "household_id: text key \"registry number\"\n"
      "id_card: optional text personal \"ID card number\"\n"
      "phone: optional text personal\n"
      "members: int");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const precept::Schema& schema = r.policy->schema();
  ASSERT_EQ(schema.fields.size(), 4u);
  EXPECT_TRUE(schema.fields[0].key);
  EXPECT_FALSE(schema.fields[0].personal);
  EXPECT_EQ(schema.fields[0].description, "registry number");  // the description after the mark
  EXPECT_FALSE(schema.fields[1].key);
  EXPECT_TRUE(schema.fields[1].personal);
  EXPECT_EQ(schema.fields[1].description, "ID card number");
  EXPECT_TRUE(schema.fields[2].personal);
  EXPECT_FALSE(schema.fields[3].key || schema.fields[3].personal);

  // The .pcb keeps them.
  const std::string bytes = precept::serialize_program(precept::program_of(*r.policy));
  precept::Program back;
  std::string error;
  ASSERT_TRUE(precept::deserialize_program(bytes, back, error)) << error;
  EXPECT_TRUE(back.fields[0].key);
  EXPECT_TRUE(back.fields[1].personal);
  EXPECT_FALSE(back.fields[1].key);
}

TEST(FieldMarks, MarksAreStillNames) {
  // A register may well have columns called `key` and `personal`.
  const auto r = compile_record("household_id: text key\nkey: int\npersonal: optional text personal");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const precept::Schema& schema = r.policy->schema();
  ASSERT_EQ(schema.fields.size(), 3u);
  EXPECT_EQ(schema.fields[1].name, "key");
  EXPECT_FALSE(schema.fields[1].key);
  EXPECT_EQ(schema.fields[2].name, "personal");
  EXPECT_TRUE(schema.fields[2].personal);
}

TEST(FieldMarks, AnIntKeyAndAMarkAfterDefaultAndWhere) {
  const auto r = compile_record("household_id: int where >= 1 key\nmembers: int default 1 personal");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  EXPECT_TRUE(r.policy->schema().fields[0].key);
  EXPECT_TRUE(r.policy->schema().fields[1].personal);
}

TEST(FieldMarks, TheCheckerRefusesABadKey) {
  EXPECT_EQ(only_error(compile_record("household_id: text key\nother: text key")), "key_twice");
  EXPECT_EQ(only_error(compile_record("household_id: text\nincome: money key")), "key_type");
  EXPECT_EQ(only_error(compile_record("household_id: text\nday: date key")), "key_type");
  EXPECT_EQ(only_error(compile_record("household_id: optional text key")), "key_optional");
  EXPECT_EQ(only_error(compile_record("household_id: text default \"x\" key")), "key_optional");
  // The error sits on the mark and names the first key's line.
  const auto twice = compile_record("household_id: text key\nother: text key");
  ASSERT_EQ(twice.diagnostics.size(), 1u);
  EXPECT_EQ(twice.diagnostics.front().line, 4u);
  EXPECT_NE(twice.diagnostics.front().message.find("line 3"), std::string::npos) << errors_of(twice);
}

TEST(FieldMarks, ChineseDiagnostics) {
  precept::CompileOptions options;
  options.language = precept::Language::Chinese;
  const auto r = precept::compile(
      "policy \"t\" year 2016\nrecord household { household_id: optional text key }\noutput n = 1\n", "t.pol",
      options);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics.front().message.find("编号字段"), std::string::npos) << errors_of(r);
}

TEST(FieldMarks, ALayerExtendsTheRecordWithMarkedFields) {
  precept::CompileOptions options;
  options.loader = [](const std::string& path) -> std::optional<std::string> {
    if (path == "p.pol") return std::string("policy \"p\" year 2016\nrecord household { household_id: text key }\n"
                                            "output household_id\n");
    return std::nullopt;
  };
  options.base_directory = "";
  const auto r = precept::compile(
      "policy \"c\" extends \"p.pol\"\nextend record household { id_card: optional text personal }\n", "c.pol",
      options);
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const precept::Schema& schema = r.policy->schema();
  ASSERT_EQ(schema.fields.size(), 2u);
  EXPECT_TRUE(schema.fields[0].key);
  EXPECT_TRUE(schema.fields[1].personal);
  // A layer cannot add a second key.
  const auto twice = precept::compile(
      "policy \"c\" extends \"p.pol\"\nextend record household { other: text key }\n", "c.pol", options);
  EXPECT_EQ(only_error(twice), "key_twice");
}

precept::CompileResult compile_register(const std::string& items) {
  return precept::compile("policy \"t\" year 2016\nrecord household { household_id: text  income: money  wubao: bool }\n"
                          "register {\n" + items + "\n}\noutput household_id\n",
                          "t.pol");
}

TEST(RegisterDeclaration, ReachesTheProgramAndThePcb) {
  const auto r = compile_register(
      "booleans \"是\" / \"否\", \"TRUE\" / \"FALSE\"\ndigits fullwidth\nthousands \",\"\n"
      "column income \"家庭纯收入（元）\", \"income (yuan)\"");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const precept::RegisterSpellings& s = precept::program_of(*r.policy).spellings;
  EXPECT_EQ(s.true_words, (std::vector<std::string>{"是", "TRUE"}));
  EXPECT_EQ(s.false_words, (std::vector<std::string>{"否", "FALSE"}));
  EXPECT_TRUE(s.fullwidth_digits);
  EXPECT_EQ(s.thousands, ",");
  EXPECT_EQ(s.alias_headers, (std::vector<std::string>{"家庭纯收入（元）", "income (yuan)"}));
  EXPECT_EQ(s.alias_fields, (std::vector<std::uint32_t>{1, 1}));
  precept::Program back;
  std::string error;
  ASSERT_TRUE(precept::deserialize_program(precept::serialize_program(precept::program_of(*r.policy)), back, error));
  EXPECT_EQ(back.spellings.alias_headers, s.alias_headers);
  EXPECT_EQ(back.spellings.true_words, s.true_words);
  // A policy that declares nothing reads the W1 way.
  EXPECT_FALSE(precept::program_of(*compile_record("household_id: text").policy).spellings.declared());
}

TEST(RegisterDeclaration, TheCheckerRefusesClashes) {
  EXPECT_EQ(only_error(compile_register("booleans \"是\" / \"是\"")), "spelling_both");
  const auto swapped = compile_register("booleans \"0\" / \"1\"");  // W1's own, the wrong way round
  ASSERT_EQ(swapped.diagnostics.size(), 2u) << errors_of(swapped);
  EXPECT_EQ(swapped.diagnostics[0].code, "spelling_means_other");
  EXPECT_NE(swapped.diagnostics[0].hint.find("true spelling, then the false one"), std::string::npos);
  EXPECT_EQ(only_error(compile_register("booleans \"Y\" / \"1\"")), "spelling_means_other");  // `1` is true
  EXPECT_EQ(only_error(compile_register("booleans \"是\" / \"否\"\nbooleans \"否\" / \"不是\"")), "spelling_means_other");
  EXPECT_EQ(only_error(compile_register("booleans \"\" / \"否\"")), "spelling_empty");
  EXPECT_EQ(only_error(compile_register("digits halfwidth")), "digits_unknown");
  EXPECT_EQ(only_error(compile_register("thousands \".\"")), "thousands_bad");
  EXPECT_EQ(only_error(compile_register("thousands \",\"\nthousands \"，\"")), "thousands_twice");
  EXPECT_EQ(only_error(compile_register("column incme \"收入\"")), "alias_no_field");
  EXPECT_EQ(only_error(compile_register("column income \"收入\"\ncolumn wubao \"收入\"")), "alias_twice");
  EXPECT_EQ(only_error(compile_register("column income \"wubao\"")), "alias_is_a_field");
  // The same declaration twice says nothing new, and is no error.
  EXPECT_EQ(only_error(compile_register("booleans \"是\" / \"否\", \"是\" / \"否\"\ncolumn income \"收入\", \"收入\"")), "");
  // `register` and its words are still names.
  EXPECT_TRUE(compile_record("household_id: text\nregister: text\ncolumn: int\ndigits: int").ok());
}

}  // namespace
