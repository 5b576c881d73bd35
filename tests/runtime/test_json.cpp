// The one JSON writer (runtime/json.hpp): its fast path for a single string
// writes exactly what nlohmann-json writes for it, under the one UTF-8 rule;
// documents never throw; money and decimals are exact decimal strings.
#include "json.hpp"

#include "format.hpp"
#include "text_width.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace precept {
namespace {

std::string fast(std::string_view text) {
  std::string out;
  json::append_string(out, text);
  return out;
}

// What nlohmann-json writes for the string, after the one repair.
std::string library(std::string_view text) { return json::dump(nlohmann::json(std::string(text))); }

TEST(Json, OneRepairRuleForEveryWriter) {
  const std::string gbk = "\xCE\xF7\xBD\xAD";  // 西江 in GBK
  const std::string four_replacements = "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD";
  EXPECT_EQ(json::repaired_utf8(gbk), four_replacements) << "one U+FFFD per byte that is not UTF-8";
  EXPECT_EQ(fast(gbk), "\"" + four_replacements + "\"");
  EXPECT_EQ(library(gbk), fast(gbk));
  std::string via_format;
  append_json_string(via_format, gbk);
  EXPECT_EQ(via_format, fast(gbk)) << "runtime/format.hpp writes through the one writer";
  EXPECT_EQ(json::repaired_utf8("西江镇"), "西江镇");
}

TEST(Json, FastPathSpellsEveryByteAsNlohmannDoes) {
  std::vector<std::string> cases{"", "plain", "西江镇", "a\"b\\c", "\b\f\n\r\t", "\x7f", "line\xE2\x80\xA8separator",
                                 "\xE2\x80\xAE" "bidi", "\xEF\xBB\xBF" "bom", "\xF0\x9F\x98\x80", "\xE4\xB8",
                                 "\xE4\xB8" "A", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF\xFE", "\x80"};
  for (int c = 0; c < 0x20; ++c) cases.push_back(std::string(1, static_cast<char>(c)) + "x");
  // Random bytes, biased towards the ones that matter: controls, quotes, and
  // the lead and continuation bytes of UTF-8 sequences, whole and broken.
  std::mt19937 random(13);
  const std::string interesting = std::string("\"\\/\x01\x08\x0c\x1f\x7f\x80\xbf\xc2\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff", 21) +
                                  "a\xE2\x80\xA8";
  for (int i = 0; i < 20000; ++i) {
    std::string text(random() % 12, '\0');
    for (char& byte : text)
      byte = random() % 2 ? interesting[random() % interesting.size()] : static_cast<char>(random() % 256);
    cases.push_back(text);
  }
  for (const std::string& text : cases) {
    const std::string expected = library(text);
    ASSERT_EQ(fast(text), expected) << "for the bytes " << escape_for_terminal(text);
    EXPECT_TRUE(nlohmann::json::accept(expected)) << escape_for_terminal(text);
  }
}

TEST(Json, DocumentsRepairNamesAndValuesAndNeverThrow) {
  nlohmann::ordered_json document;
  document["\xCE\xF7"] = "\xBD\xAD";
  document["list"] = {"ok", "\xFF"};
  document["money"] = json::decimal("23000.00");
  std::string text;
  ASSERT_NO_THROW(text = json::dump(document));
  EXPECT_EQ(text, "{\"\xEF\xBF\xBD\xEF\xBF\xBD\":\"\xEF\xBF\xBD\xEF\xBF\xBD\",\"list\":[\"ok\",\"\xEF\xBF\xBD\"],"
                  "\"money\":\"23000.00\"}");
  EXPECT_EQ(json::dump(nlohmann::json{{"b", 1}, {"a", 2}}, 2), "{\n  \"a\": 2,\n  \"b\": 1\n}")
      << "indented, and nlohmann::json's members by name";
}

}  // namespace
}  // namespace precept
