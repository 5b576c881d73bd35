// Policies that carry their own expected results, Wren-style. Each file in
// tests/compiler/policies/ holds comment lines:
//
//   # case NAME: field=value, field=value        (fields not named are empty)
//   # expect: output=value, output=value         (the outputs named must match)
//   # expect reject: words                       (the row is rejected; the reason contains them)
//   # expect warning: words                      (a warning the file means to cause, e.g. a table
//                                                  gap the cases then test; any other fails)
//
// Values are written as in a CSV cell; a value may be quoted "..." to hold commas.
// The test compiles the file, evaluates every case one by one and all together as
// a batch (they must agree), and compares.
#include <precept/precept.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

struct Case {
  std::string name;
  int line = 0;
  std::vector<std::pair<std::string, std::string>> record;
  std::vector<std::pair<std::string, std::string>> expected;
  std::string reject;  // non-empty: expect a reject containing this
  bool has_expectation = false;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// "a=1, b="x, y", c=" -> pairs
std::vector<std::pair<std::string, std::string>> parse_assignments(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    const std::size_t eq = text.find('=', i);
    if (eq == std::string::npos) break;
    const std::string name = trim(text.substr(i, eq - i));
    i = eq + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      const std::size_t close = text.find('"', i + 1);
      value = text.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      const std::size_t comma = text.find(',', i);
      value = trim(text.substr(i, comma == std::string::npos ? std::string::npos : comma - i));
      i = comma == std::string::npos ? text.size() : comma;
    }
    out.emplace_back(name, value);
  }
  return out;
}

std::vector<Case> parse_cases(const std::string& source) {
  std::vector<Case> cases;
  std::istringstream in(source);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string text = trim(line);
    if (text.rfind("# case ", 0) == 0) {
      Case c;
      c.line = number;
      const std::size_t colon = text.find(':');
      c.name = trim(text.substr(7, colon - 7));
      c.record = parse_assignments(text.substr(colon + 1));
      cases.push_back(std::move(c));
    } else if (text.rfind("# expect reject:", 0) == 0 && !cases.empty()) {
      cases.back().reject = trim(text.substr(16));
      cases.back().has_expectation = true;
    } else if (text.rfind("# expect:", 0) == 0 && !cases.empty()) {
      for (auto& pair : parse_assignments(text.substr(9))) cases.back().expected.push_back(pair);
      cases.back().has_expectation = true;
    }
  }
  return cases;
}

std::vector<std::string> policy_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(PRECEPT_SOURCE_DIR "/tests/compiler/policies"))
    if (entry.path().extension() == ".pol") files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

class PolicyExpectations : public ::testing::TestWithParam<std::string> {};

TEST_P(PolicyExpectations, EveryCaseGivesItsExpectedResult) {
  const std::string path = std::string(PRECEPT_SOURCE_DIR "/tests/compiler/policies/") + GetParam();
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string source = buffer.str();
  auto compiled = precept::compile(source, GetParam());
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  std::vector<std::string> allowed;
  {
    std::istringstream lines(source);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("# expect warning: ", 0) == 0) allowed.push_back(trim(line.substr(18)));
  }
  for (const auto& d : compiled.diagnostics) {
    if (d.severity != precept::Severity::Warning) continue;
    const bool meant = std::any_of(allowed.begin(), allowed.end(),
                                   [&](const std::string& words) { return d.message.find(words) != std::string::npos; });
    EXPECT_TRUE(meant) << precept::render(d);
  }
  const auto cases = parse_cases(source);
  ASSERT_FALSE(cases.empty()) << "no `# case` lines in " << GetParam();
  const auto names = compiled.policy->output_names();
  precept::Evaluator evaluator(*compiled.policy);
  std::vector<std::vector<std::pair<std::string, std::string>>> records;
  for (const auto& c : cases) records.push_back(c.record);
  const auto batch = evaluator.evaluate_batch(records);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(GetParam() + ":" + std::to_string(c.line) + " case " + c.name);
    ASSERT_TRUE(c.has_expectation) << "case without `# expect`";
    const precept::Outcome single = evaluator.evaluate(c.record);
    // One record alone and the same record inside a batch are the same machine.
    EXPECT_EQ(single.ok, batch[i].ok);
    EXPECT_EQ(single.values, batch[i].values);
    EXPECT_EQ(single.error, batch[i].error);
    if (!c.reject.empty()) {
      EXPECT_FALSE(single.ok) << "expected a reject";
      EXPECT_NE(single.error.find(c.reject), std::string::npos) << "reason was: " << single.error;
      continue;
    }
    ASSERT_TRUE(single.ok) << "rejected: " << single.error << " (column " << single.column << ")";
    for (const auto& [name, value] : c.expected) {
      const auto at = std::find(names.begin(), names.end(), name);
      ASSERT_NE(at, names.end()) << "no output called " << name;
      EXPECT_EQ(single.values[static_cast<std::size_t>(at - names.begin())], value) << "output " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, PolicyExpectations, ::testing::ValuesIn(policy_files()), [](const auto& test_info) {
  std::string name = test_info.param.substr(0, test_info.param.size() - 4);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

}  // namespace
