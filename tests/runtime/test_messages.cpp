// The message catalogue (runtime/messages.hpp, runtime/messages_*.def): every
// entry has its English and its Chinese, with the same placeholders; every
// entry is used; and the sources it covers build no sentence of their own.
#include "messages.hpp"

#include <gtest/gtest.h>

#include <fmt/args.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using precept::kCatalogue;

// The placeholder numbers of a text ({0} and {1:>3}: 0 and 1); -1 for an
// unnumbered `{}`, which cannot be moved about in a translation.
std::multiset<int> placeholders(std::string_view text) {
  std::multiset<int> found;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    int number = 0;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) number = number * 10 + (text[j++] - '0');
    found.insert(j == i + 1 ? -1 : number);
  }
  return found;
}

std::set<int> as_set(const std::multiset<int>& m) { return {m.begin(), m.end()}; }

// The text with placeholders and `quoted` policy words taken out: what is left
// is prose.
std::string prose_of(std::string_view text) {
  static const std::regex code("`[^`]*`|\\{[0-9]+[^}]*\\}|\"[^\"]*\"");
  return std::regex_replace(std::string(text), code, " ");
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(MessageCatalogue, EveryEntryHasItsEnglishAndItsChinese) {
  std::set<std::string_view> ids;
  for (const auto& entry : kCatalogue) {
    EXPECT_TRUE(ids.insert(entry.id).second) << entry.id << " twice";
    EXPECT_FALSE(entry.english.empty()) << entry.id;
    EXPECT_FALSE(entry.chinese.empty()) << entry.id;
    // The same text in both is only right when it has no words (`{0}`, "{0}%").
    if (entry.english == entry.chinese) {
      EXPECT_FALSE(std::regex_search(prose_of(entry.english), std::regex("[A-Za-z]{2,}")))
          << entry.id << " has the English words as its Chinese";
    }
    // Chinese prose is Chinese: no run of English words outside quoted policy words.
    EXPECT_FALSE(std::regex_search(prose_of(entry.chinese), std::regex("[a-z]{3,} [a-z]{3,} [a-z]{3,}")))
        << entry.id << ": English left in the Chinese: " << entry.chinese;
  }
}

TEST(MessageCatalogue, BothTextsHaveTheSameNumberedPlaceholders) {
  for (const auto& entry : kCatalogue) {
    const auto english = placeholders(entry.english), chinese = placeholders(entry.chinese);
    EXPECT_EQ(english.count(-1), 0u) << entry.id << ": number every placeholder ({0}, {1} ...)";
    EXPECT_EQ(chinese.count(-1), 0u) << entry.id << ": number every placeholder ({0}, {1} ...)";
    EXPECT_EQ(as_set(english), as_set(chinese)) << entry.id << ": the two texts take different arguments";
    // Numbered from 0 without a gap: say<>() counts its arguments by the highest.
    const auto numbers = as_set(english);
    EXPECT_EQ(numbers.size(), precept::placeholder_count(entry.english)) << entry.id << ": a gap in the numbers";
    // Both are well-formed format strings for that many arguments.
    fmt::dynamic_format_arg_store<fmt::format_context> args;
    for (std::size_t i = 0; i < numbers.size(); ++i) args.push_back(std::string("x"));
    for (const auto text : {entry.english, entry.chinese})
      EXPECT_NO_THROW((void)fmt::vformat(text, args)) << entry.id << ": " << text;
  }
}

TEST(MessageCatalogue, SayFillsTheLanguagesText) {
  using precept::Language;
  using precept::MessageId;
  const auto english = precept::say<MessageId::unknown_name>(Language::English, "povrty_line");
  const auto chinese = precept::say<MessageId::unknown_name>(Language::Chinese, "povrty_line");
  EXPECT_EQ(english.text, "unknown name `povrty_line`");
  EXPECT_EQ(chinese.text, "未知的名称 `povrty_line`");
  EXPECT_EQ(chinese.id, MessageId::unknown_name);
}

// The sources that say things through the catalogue.
std::vector<fs::path> sources() {
  std::vector<fs::path> files;
  const fs::path root = PRECEPT_SOURCE_DIR;
  for (const char* folder : {"compiler", "analysis", "runtime", "explain", "diff", "cli", "report"})
    for (const auto& entry : fs::directory_iterator(root / folder))
      if (entry.path().extension() == ".cpp" || entry.path().extension() == ".hpp") files.push_back(entry.path());
  return files;
}

TEST(MessageCatalogue, EveryEntryIsUsed) {
  // One pass over the sources for every id they name (a regex search per
  // entry took 20 s under the sanitizers). The CLI's own lines are said
  // through their public ids (CliWords, <precept/cli_words.hpp>).
  std::set<std::string> said;
  const std::regex use("\\b(?:M|MessageId|CliWords)::([A-Za-z_0-9]+)");
  for (const auto& file : sources()) {
    const std::string text = read_file(file);
    for (std::sregex_iterator it(text.begin(), text.end(), use), end; it != end; ++it) said.insert((*it)[1]);
  }
  for (const auto& entry : kCatalogue)
    EXPECT_TRUE(said.contains(std::string(entry.id))) << entry.id << " is in the catalogue but nothing says it";
}

// The files whose every message comes from the catalogue, and the literals in
// them that look like words but are not messages.
struct Allowed {
  const char* file;
  const char* literal;
  const char* why;
};
const Allowed kNotMessages[] = {
    {"compiler/checker.cpp", "rule order", "a hit policy, as the policy writes it"},
    {"compiler/checker.cpp", "collect sum", "a hit policy, as the policy writes it"},
    {"compiler/checker.cpp", "collect min", "a hit policy, as the policy writes it"},
    {"compiler/checker.cpp", "collect max", "a hit policy, as the policy writes it"},
    {"compiler/checker.cpp", "collect count", "a hit policy, as the policy writes it"},
    {"compiler/layers.cpp", "override param", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "replace let", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "replace rule", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "replace decide", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "extend enum", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "extend record", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "extend table", "layering words, as the policy writes them"},
    {"compiler/layers.cpp", "list of ", "a type, as the policy writes it"},
    // `check --resolved` (a report of the merged layers, not a diagnostic): not
    // yet in the catalogue.
    {"compiler/layers.cpp", "members added at {}", "`check --resolved` report"},
    {"compiler/layers.cpp", "fields added at {}", "`check --resolved` report"},
    {"compiler/layers.cpp", "overridden at {}", "`check --resolved` report"},
    {"compiler/layers.cpp", "replaced at {} (first defined at {})", "`check --resolved` report"},
    {"compiler/layers.cpp", "{} row{} added at {}", "`check --resolved` report"},
    {"compiler/layers.cpp", "  {} {}    defined at {}\\n", "`check --resolved` report"},
    {"compiler/layers.cpp", "no such policy", "`check --resolved` report"},
    {"compiler/compile.cpp", "cannot read the file: ", "open_policy()'s refusal, worded by compiler/policy_file.cpp"},
    {"compiler/compile.cpp", "check the path", "open_policy()'s refusal, worded by compiler/policy_file.cpp"},
    {"runtime/cli_words.cpp", "CliWords and runtime/messages_cli.def list the same ids in the same order",
     "a static_assert, for whoever builds Precept"},
};

TEST(MessageCatalogue, CoveredSourcesBuildNoSentenceOfTheirOwn) {
  const fs::path root = PRECEPT_SOURCE_DIR;
  const char* const covered[] = {"compiler/checker.cpp",     "compiler/ast_builder.cpp",   "compiler/examples.cpp",
                                 "compiler/formatter.cpp",    "compiler/compile.cpp",       "compiler/layers.cpp",
                                 "compiler/diagnostics.cpp",  "analysis/table_analysis.cpp", "runtime/rejection.cpp",
                                 "runtime/cli_words.cpp",     "explain/letter.cpp",         "cli/progress.cpp",
                                 "runtime/records.cpp",       "runtime/register_reader.cpp"};
  const std::regex literal("\"((?:[^\"\\\\]|\\\\.)*)\"");
  const std::regex words("[A-Za-z]{2,} [a-z]{2,}");
  for (const char* file : covered) {
    std::istringstream lines(read_file(root / file));
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
      const auto start = line.find_first_not_of(' ');
      if (start != std::string::npos && line.compare(start, 2, "//") == 0) continue;
      for (std::sregex_iterator it(line.begin(), line.end(), literal), end; it != end; ++it) {
        const std::string text = (*it)[1];
        if (!std::regex_search(text, words)) continue;
        bool allowed = false;
        for (const auto& a : kNotMessages) allowed |= file == std::string(a.file) && text == a.literal;
        EXPECT_TRUE(allowed) << file << ":" << number << " builds a message outside the catalogue: \"" << text << "\"";
      }
    }
  }
}

}  // namespace
