// The `precept` command line as its users meet it: the real binary, run in a
// fresh directory, judged by its exit code (cli/main.cpp documents them), what
// it prints where, and which files it leaves behind.
//
// Data comes from examples/data/xijiang_sample.csv, a register with bad rows and
// a quoted newline; the tests compare runs with each other rather than with
// fixed counts, so regenerating the sample does not break them.
#include "cli_runner.hpp"
#include "files.hpp"

#include <precept/version.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using precept::testing::CliOptions;
using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::parse_csv;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace {

using Rows = std::vector<std::vector<std::string>>;

std::string source_file(const std::string& relative) {
  return read_file(fs::path(PRECEPT_SOURCE_DIR) / relative);
}

const std::string& w1_policy() {
  static const std::string text = source_file("policies/xijiang_2015.pol");
  return text;
}

const std::string& sample_register() {
  static const std::string text = source_file("examples/data/xijiang_sample.csv");
  return text;
}

std::string to_csv(const Rows& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      const std::string& cell = row[i];
      if (cell.find_first_of(",\"\r\n") == std::string::npos) {
        out += cell;
        continue;
      }
      out += '"';
      for (char c : cell) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += '\n';
  }
  return out;
}

struct Counts {
  std::uint64_t read = 0, results = 0, rejected = 0;
};

// Every successful run ends with "rows read: N = results R + rejected J".
Counts counts_in(const std::string& text) {
  static const std::regex pattern(R"(rows read: (\d+) = results (\d+) \+ rejected (\d+))");
  std::smatch m;
  if (!std::regex_search(text, m, pattern)) {
    ADD_FAILURE() << "no counts line in:\n" << text;
    return {};
  }
  return Counts{std::stoull(m[1]), std::stoull(m[2]), std::stoull(m[3])};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::size_t line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  return at == std::string::npos ? 0 : 1 + std::count(text.begin(), text.begin() + at, '\n');
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(box_ / "w1.pol", w1_policy());
    write_file(box_ / "register.csv", sample_register());
  }

  CliRun precept(const std::vector<std::string>& args, const CliOptions& options = {}) {
    return box_.run(args, options);
  }
  std::string file(const std::string& name) const { return read_file(box_ / name); }
  std::set<std::string> files() const { return box_.files(); }
  std::set<std::string> files_plus(std::initializer_list<std::string> names) const {
    std::set<std::string> expected{"w1.pol", "register.csv"};
    expected.insert(names.begin(), names.end());
    return expected;
  }

  // `run` over one data file with results and rejects in files, as an officer
  // would run it; the counts line is on stdout then.
  struct RunOutput {
    CliRun cli;
    std::string results, rejects;
  };
  RunOutput run_to_files(const std::string& data, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"run", "w1.pol", data, "-o", "results.csv", "--rejects", "rejects.csv"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOutput r{precept(args), "", ""};
    r.results = file("results.csv");
    r.rejects = file("rejects.csv");
    return r;
  }

  // The bundled register written another way must run exactly as the plain one.
  RunOutput expect_same_run_as_plain(const std::string& data) {
    const RunOutput plain = run_to_files("register.csv", {"--by", "village"});
    const RunOutput other = run_to_files(data, {"--by", "village"});
    EXPECT_EQ(other.cli.exit_code, 0) << other.cli.err;
    EXPECT_EQ(other.results, plain.results);
    EXPECT_EQ(other.rejects, plain.rejects);
    EXPECT_EQ(other.cli.out, plain.cli.out);
    return other;
  }

  CliSandbox box_;
};

TEST_F(Cli, VersionIsTheLibraryVersion) {
  const CliRun r = precept({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("precept ") + precept::kVersion + "\n");
}

TEST_F(Cli, HelpNamesEverySubcommandAndOption) {
  const CliRun top = precept({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word : {"check", "compile", "disasm", "run", "--version", "--color"})
    EXPECT_THAT(top.out, HasSubstr(word));

  const CliRun run = precept({"run", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* word : {"POLICY", "DATA", "-o,--output", "--rejects", "--format", "--by", "--summary-csv",
                           "--quiet", "standard input", "-j,--threads", "--progress"})
    EXPECT_THAT(run.out, HasSubstr(word));
}

TEST_F(Cli, CommandLineMistakesExitWith2AndTouchNothing) {
  const CliRun none = precept({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("subcommand"));
  EXPECT_EQ(none.out, "");

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"frobnicate"},
           {"run", "w1.pol"},
           {"run", "w1.pol", "register.csv", "-o", "results.csv", "--format", "xml"},
           {"--color", "sometimes", "check", "w1.pol"},
           {"check", "w1.pol", "--no-such-option"},
           {"run", "w1.pol", "register.csv", "-o", "results.csv", "-j", "0"},
           {"run", "w1.pol", "register.csv", "-o", "results.csv", "--progress", "sometimes"}}) {
    const CliRun r = precept(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << "\n" << r.err;
    EXPECT_NE(r.err, "") << args.back();
  }
  EXPECT_EQ(files(), files_plus({}));
}

TEST_F(Cli, CheckNamesThePolicy) {
  const CliRun r = precept({"check", "w1.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(StartsWith("w1.pol: ok"), HasSubstr("西江镇精准识别与帮扶"), HasSubstr("2015"),
                           HasSubstr("20 fields"), HasSubstr("7 outputs")));
}

TEST_F(Cli, CheckReportsAnErrorAtItsPlace) {
  std::string text = w1_policy();
  const std::string rule_line = "  wubao or (not excluded and per_capita < poverty_line)";
  const std::size_t at = text.find(rule_line);
  ASSERT_NE(at, std::string::npos) << "W1 changed; update this test";
  text.replace(at + rule_line.find("poverty_line"), 12, "povrty_line");
  write_file(box_ / "typo.pol", text);
  const std::size_t line = line_of(text, "per_capita < povrty_line");
  const std::size_t column = rule_line.find("poverty_line") + 1;

  const CliRun r = precept({"check", "typo.pol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("typo.pol:" + std::to_string(line) + ":" + std::to_string(column) +
                               ": error: unknown name `povrty_line`"));
  EXPECT_THAT(r.err, HasSubstr("did you mean `poverty_line`?"));
  EXPECT_THAT(r.err, HasSubstr("typo.pol: 1 error; nothing was run"));

  // Every subcommand that reads a policy stops at the same error, before writing.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"compile", "typo.pol"}, {"disasm", "typo.pol"}, {"run", "typo.pol", "register.csv", "-o", "out.csv"}}) {
    const CliRun other = precept(args);
    EXPECT_EQ(other.exit_code, 1) << args[0];
    EXPECT_THAT(other.err, HasSubstr("error: unknown name `povrty_line`")) << args[0];
  }
  EXPECT_EQ(files(), files_plus({"typo.pol"}));
}

TEST_F(Cli, ColorOnlyWhenAskedOrOnATerminal) {
  write_file(box_ / "broken.pol", "policy \"x\" record r { a: int }\noutput b\n");
  EXPECT_THAT(precept({"check", "broken.pol"}).err, AllOf(HasSubstr("error:"), Not(HasSubstr("\x1b["))));
  EXPECT_THAT(precept({"--color", "never", "check", "broken.pol"}).err, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(precept({"--color", "always", "check", "broken.pol"}).err, HasSubstr("\x1b["));
}

// `--lang zh`: diagnostics and the printed summary in Chinese; the results and
// the CSV summary are the same bytes in either language.
TEST_F(Cli, LangZhSpeaksChineseAndChangesNoData) {
  write_file(box_ / "broken.pol", "policy \"x\" record r { a: int }\noutput b\n");
  const CliRun check = precept({"check", "--lang", "zh", "broken.pol"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_THAT(check.err, AllOf(HasSubstr("错误："), HasSubstr("行第"), Not(HasSubstr("error:"))));
  EXPECT_EQ(precept({"check", "--lang", "fr", "broken.pol"}).exit_code, 2);
  const RunOutput english = run_to_files("register.csv", {"--summary-csv", "summary.csv"});
  const std::string english_summary = file("summary.csv");
  const RunOutput chinese = run_to_files("register.csv", {"--lang", "zh", "--summary-csv", "summary.csv"});
  ASSERT_EQ(chinese.cli.exit_code, 0) << chinese.cli.err;
  EXPECT_EQ(chinese.results, english.results);
  EXPECT_EQ(file("summary.csv"), english_summary);
  EXPECT_THAT(chinese.cli.out, AllOf(HasSubstr("户数"), HasSubstr("贫困发生率"), HasSubstr("合计"), HasSubstr("%"),
                                     HasSubstr("读入"), HasSubstr("拒收原因见 rejects.csv")));
  EXPECT_THAT(english.cli.out, AllOf(HasSubstr("households"), Not(HasSubstr("户数"))));
}

// After the counts, what rejected the rows: by column and reason, most
// frequent first, each with its first line; the same on any number of threads.
TEST_F(Cli, TheRejectsAccountGroupsTheRejectsByColumnAndReason) {
  const RunOutput one = run_to_files("register.csv", {"-j", "1"});
  ASSERT_EQ(one.cli.exit_code, 0) << one.cli.err;
  const std::string& out = one.cli.out;
  const std::size_t heading = out.find("rejected rows by column and reason, most frequent first:\n");
  ASSERT_NE(heading, std::string::npos) << out;
  EXPECT_LT(out.find("rows read:"), heading) << "the account follows the counts";
  // Each group's count; together, every rejected row.
  std::uint64_t accounted = 0, previous = UINT64_MAX;
  std::istringstream lines(out.substr(heading));
  std::string line;
  std::getline(lines, line);
  const std::regex group("  (`[^`]+`|the record's shape): ([0-9]+), first at line [0-9]+: .+");
  while (std::getline(lines, line) && line.rfind("  ", 0) == 0) {
    std::smatch parts;
    ASSERT_TRUE(std::regex_match(line, parts, group)) << line;
    const std::uint64_t count = std::stoull(parts[2]);
    EXPECT_LE(count, previous) << "most frequent first: " << line;
    previous = count;
    accounted += count;
  }
  EXPECT_EQ(accounted, counts_in(out).rejected);
  // The first bad `members` cell of the rejects file is the one the account quotes.
  const Rows rejects = parse_csv(one.rejects);
  const auto members = std::find_if(rejects.begin() + 1, rejects.end(),
                                    [](const std::vector<std::string>& row) { return row[1] == "members"; });
  ASSERT_NE(members, rejects.end());
  EXPECT_THAT(out, HasSubstr("`members`: 1, first at line " + (*members)[0] + ": " + (*members)[2]));
  EXPECT_EQ(run_to_files("register.csv", {"-j", "2"}).cli.out, out);
  EXPECT_THAT(run_to_files("register.csv", {"--lang", "zh"}).cli.out,
              AllOf(HasSubstr("拒收的行，按列和原因从多到少："), HasSubstr("`members` 列：")));
}

// A register whose one column is written the way the policy does not read
// (TRUE/FALSE where it reads 1/0) rejects every row for the same reason: the
// run names that column as the cause and ends with "the input cannot be
// used", its outputs written all the same. 99% of 100 rows or more counts too;
// fewer rows, or fewer of them, do not.
TEST_F(Cli, AColumnThatRejectsNearlyEveryRowIsNamedAsTheCause) {
  const std::string header = sample_register().substr(0, sample_register().find('\n') + 1);
  ASSERT_NE(header.find(",owns_car,"), std::string::npos);
  const auto register_of = [&](int rows, int good) {
    std::string text = header;
    for (int i = 0; i < rows; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "360733-%07d", i + 1);
      text += std::string(id) + ",会昌县,西江镇,西头村,4,1,6157.78,7848.2," + (i < good ? "0" : "FALSE") +
              ",0,0,d,0,0,1,0,0,0,1,0\n";
    }
    return text;
  };
  write_file(box_ / "excel.csv", register_of(150, 1));  // 149 of 150 rejected: 99.3%
  const RunOutput excel = run_to_files("excel.csv");
  EXPECT_EQ(excel.cli.exit_code, 3) << excel.cli.out << excel.cli.err;
  EXPECT_THAT(excel.cli.out, AllOf(HasSubstr("`owns_car`: 149, first at line 3:"),
                                   HasSubstr("column `owns_car` rejected 149 of the 150 rows: the register almost "
                                             "certainly writes it in a way the policy does not read")));
  EXPECT_EQ(parse_csv(excel.results).size(), 2u) << "the outputs are written: the one good household";
  EXPECT_EQ(parse_csv(excel.rejects).size(), 150u);

  write_file(box_ / "all.csv", register_of(3, 0));  // every row of a small register
  EXPECT_EQ(run_to_files("all.csv").cli.exit_code, 3);
  write_file(box_ / "most.csv", register_of(150, 2));  // 148 of 150: 98.7%
  const RunOutput most = run_to_files("most.csv");
  EXPECT_EQ(most.cli.exit_code, 0) << most.cli.out;
  EXPECT_THAT(most.cli.out, AllOf(HasSubstr("`owns_car`: 148,"), Not(HasSubstr("almost certainly"))));
  write_file(box_ / "small.csv", register_of(50, 1));  // 98% of fewer than 100 rows
  EXPECT_EQ(run_to_files("small.csv").cli.exit_code, 0);
}

TEST_F(Cli, CompiledProgramRunsExactlyLikeItsSource) {
  const CliRun compile = precept({"compile", "w1.pol"});
  ASSERT_EQ(compile.exit_code, 0) << compile.err;
  EXPECT_THAT(compile.err, HasSubstr("wrote w1.pcb"));
  const std::string program = file("w1.pcb");
  EXPECT_THAT(program, StartsWith(std::string("PCPT\r\n\x1a\n", 8)));
  ASSERT_EQ(precept({"compile", "w1.pol", "-o", "copy.pcb"}).exit_code, 0);
  EXPECT_EQ(file("copy.pcb"), program) << "compiling is deterministic";
  EXPECT_EQ(files(), files_plus({"w1.pcb", "copy.pcb"}));

  EXPECT_THAT(precept({"check", "w1.pcb"}).out, HasSubstr("西江镇精准识别与帮扶"));
  const CliRun from_source = precept({"run", "w1.pol", "register.csv"});
  const CliRun from_program = precept({"run", "w1.pcb", "register.csv"});
  ASSERT_EQ(from_source.exit_code, 0) << from_source.err;
  ASSERT_EQ(from_program.exit_code, 0) << from_program.err;
  EXPECT_GT(from_source.out.size(), 1000u);
  EXPECT_EQ(from_program.out, from_source.out);
  EXPECT_EQ(from_program.err, from_source.err);
}

TEST_F(Cli, DisasmListsOpcodesWithTheirSourceLines) {
  ASSERT_EQ(precept({"compile", "w1.pol"}).exit_code, 0);
  const CliRun r = precept({"disasm", "w1.pcb"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"LOAD_FIELD", "DIVIDE_ROUND", "SELECT_IF", "LIST_APPEND_IF", "LIST_SUM",
                           "let per_capita: money = round(net_income / members, 2)",
                           "wubao or (not excluded and per_capita < poverty_line)"})
    EXPECT_NE(r.out.find(text), std::string::npos) << "the listing lacks " << text;
  // The program keeps its source, so the listing is the same from either file.
  EXPECT_EQ(precept({"disasm", "w1.pol"}).out, r.out);
}

TEST_F(Cli, ResultsToStdoutAndEverythingElseToStderr) {
  const CliRun r = precept({"run", "w1.pol", "register.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Rows rows = parse_csv(r.out);
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"household_id", "per_capita", "poor", "category", "main_cause",
                                               "measures", "total_assistance"}));
  for (const auto& row : rows) EXPECT_EQ(row.size(), 7u) << row[0];
  EXPECT_THAT(r.out, Not(HasSubstr("rows read")));
  EXPECT_THAT(r.err, AllOf(HasSubstr("西江镇精准识别与帮扶"), HasSubstr("total"), HasSubstr("incidence")));
  EXPECT_EQ(counts_in(r.err).results, rows.size() - 1);

  // --quiet keeps only the counts.
  const CliRun quiet = precept({"run", "-q", "w1.pol", "register.csv"});
  EXPECT_EQ(quiet.out, r.out);
  EXPECT_THAT(quiet.err, StartsWith("rows read:"));
}

TEST_F(Cli, ResultsAndRejectsFiles) {
  const RunOutput r = run_to_files("register.csv");
  ASSERT_EQ(r.cli.exit_code, 0) << r.cli.err;
  EXPECT_EQ(r.results, precept({"run", "w1.pol", "register.csv"}).out);
  // With results in a file, the summary goes to stdout and stderr stays quiet.
  EXPECT_THAT(r.cli.out, AllOf(HasSubstr("total"), HasSubstr("(see rejects.csv)")));
  EXPECT_EQ(r.cli.err, "");

  const Rows rejects = parse_csv(r.rejects);
  ASSERT_GT(rejects.size(), 1u) << "the sample register has bad rows";
  EXPECT_EQ(rejects[0], (std::vector<std::string>{"line", "column", "reason"}));
  std::uint64_t previous = 1;
  for (std::size_t i = 1; i < rejects.size(); ++i) {
    ASSERT_EQ(rejects[i].size(), 3u);
    const std::uint64_t line = std::stoull(rejects[i][0]);
    EXPECT_GT(line, previous) << "rejects are in input order, after the header";
    previous = line;
    EXPECT_NE(rejects[i][2], "") << "line " << line;
  }
  // The sample's household with no members is refused at that column.
  EXPECT_TRUE(std::any_of(rejects.begin() + 1, rejects.end(), [](const std::vector<std::string>& row) {
    return row[1] == "members" && row[2].find("`members`") != std::string::npos;
  })) << r.rejects;

  const Counts counts = counts_in(r.cli.out);
  EXPECT_EQ(counts.read, parse_csv(sample_register()).size() - 1) << "every record after the header";
  EXPECT_EQ(counts.read, counts.results + counts.rejected);
  EXPECT_EQ(counts.results, parse_csv(r.results).size() - 1);
  EXPECT_EQ(counts.rejected, rejects.size() - 1);
  EXPECT_EQ(files(), files_plus({"results.csv", "rejects.csv"}));
}

TEST_F(Cli, JsonLinesHaveTypedValues) {
  const CliRun csv = precept({"run", "w1.pol", "register.csv"});
  const CliRun jsonl = precept({"run", "w1.pol", "register.csv", "--format", "jsonl"});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(jsonl.err, csv.err);
  const Rows rows = parse_csv(csv.out);
  const std::vector<std::string> lines = lines_of(jsonl.out);
  ASSERT_EQ(lines.size(), rows.size() - 1);

  static const std::regex money(R"re("(per_capita|total_assistance)":"-?[0-9]+\.[0-9]{2}"[,}])re");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::vector<std::string>& row = rows[i + 1];
    SCOPED_TRACE("line " + std::to_string(i + 1) + ": " + lines[i]);
    const auto object = nlohmann::ordered_json::parse(lines[i], nullptr, false);
    ASSERT_FALSE(object.is_discarded()) << "not valid JSON";
    ASSERT_TRUE(object.is_object());
    std::vector<std::string> keys;
    for (const auto& item : object.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, rows[0]) << "the outputs, in order";

    EXPECT_EQ(object["household_id"], row[0]);
    ASSERT_TRUE(object["poor"].is_boolean());
    EXPECT_EQ(object["poor"].get<bool>(), row[2] == "true");
    // Money is the exact decimal as a string (README, "JSON"): never a float to a reader.
    ASSERT_TRUE(object["per_capita"].is_string());
    ASSERT_TRUE(object["total_assistance"].is_string());
    EXPECT_EQ(object["per_capita"].get<std::string>(), row[1]);
    EXPECT_EQ(object["total_assistance"].get<std::string>(), row[6]);
    std::sregex_iterator found(lines[i].begin(), lines[i].end(), money);
    EXPECT_EQ(std::distance(found, std::sregex_iterator()), 2);
    EXPECT_EQ(object["category"], row[3]);
    ASSERT_TRUE(object["measures"].is_array());
    std::string joined;
    for (const auto& measure : object["measures"])
      joined += (joined.empty() ? "" : ";") + measure.get<std::string>();
    EXPECT_EQ(joined, row[5]);
  }
}

TEST_F(Cli, JsonLinesEscapeWhatCsvQuotes) {
  const std::string header = lines_of(sample_register()).front();
  // A quoted id holding a quote, a backslash, a line break, a tab and a control character.
  write_file(box_ / "odd.csv",
             header + "\n\"a \"\"q\"\" \\ b\n\tc\x01\",会昌县,西江镇,西头村,4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0\n");
  const CliRun r = precept({"run", "w1.pol", "odd.csv", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(lines_of(r.out).size(), 1u) << "a line break in a value stays inside its JSON string";
  const auto object = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(object.is_discarded()) << r.out;
  EXPECT_EQ(object["household_id"], "a \"q\" \\ b\n\tc\x01");
}

// Sums one column over the group rows (not the total row, which comes last).
std::int64_t group_sum(const Rows& table, const std::string& column) {
  const auto at = std::find(table[0].begin(), table[0].end(), column) - table[0].begin();
  std::int64_t sum = 0;
  for (std::size_t i = 1; i + 1 < table.size(); ++i) sum += std::stoll(table[i].at(static_cast<std::size_t>(at)));
  return sum;
}

TEST_F(Cli, SummaryByVillageAndByTownship) {
  const std::vector<std::string> measures{"households", "population", "poor_households", "poor_population",
                                          "incidence", "total_assistance"};
  const RunOutput overall = run_to_files("register.csv", {"--summary-csv", "overall.csv"});
  ASSERT_EQ(overall.cli.exit_code, 0) << overall.cli.err;
  const Rows total = parse_csv(file("overall.csv"));
  ASSERT_EQ(total.size(), 2u) << "without --by, only the whole input";
  EXPECT_TRUE(std::equal(measures.begin(), measures.end(), total[0].begin()));
  EXPECT_EQ(total[1][0], std::to_string(counts_in(overall.cli.out).results));

  for (const auto& [group, keys] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"village", {"county", "township", "village"}}, {"township", {"county", "township"}}}) {
    SCOPED_TRACE("--by " + group);
    const RunOutput r = run_to_files("register.csv", {"--by", group, "--summary-csv", group + ".csv"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.err;
    EXPECT_EQ(r.results, overall.results) << "grouping changes the summary only";
    const Rows table = parse_csv(file(group + ".csv"));
    ASSERT_GE(table.size(), 3u);
    std::vector<std::string> header(keys);
    header.insert(header.end(), measures.begin(), measures.end());
    EXPECT_TRUE(std::equal(header.begin(), header.end(), table[0].begin())) << ::testing::PrintToString(table[0]);
    std::vector<std::string> total_row(keys.size(), "*");
    total_row.insert(total_row.end(), total[1].begin(), total[1].end());
    EXPECT_EQ(table.back(), total_row) << "the total row comes last";
    for (const char* column : {"households", "population", "poor_households", "poor_population"})
      EXPECT_EQ(std::to_string(group_sum(table, column)), total[1][static_cast<std::size_t>(
                                                              std::find(measures.begin(), measures.end(), column) -
                                                              measures.begin())])
          << column << " adds up over the groups";

    // The table on stdout has the same groups, keyed by the same names.
    for (const std::string& key : keys) EXPECT_THAT(r.cli.out, HasSubstr(key));
    // A name holding a line break is shown escaped, so that its row stays one line.
    for (std::size_t i = 1; i + 1 < table.size(); ++i) {
      std::string shown;
      for (const char c : table[i][keys.size() - 1]) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
      EXPECT_THAT(r.cli.out, HasSubstr(shown));
    }
    EXPECT_THAT(r.cli.out, HasSubstr("total"));
  }
  EXPECT_EQ(precept({"run", "w1.pol", "register.csv", "-o", "x.csv", "--by", "village,township"}).exit_code, 0);
}

TEST_F(Cli, MissingColumnIsBadInputAndWritesNothing) {
  Rows rows = parse_csv(sample_register());
  const auto members = std::find(rows[0].begin(), rows[0].end(), "members") - rows[0].begin();
  for (auto& row : rows)
    if (row.size() == rows[0].size()) row.erase(row.begin() + members);
  write_file(box_ / "no-members.csv", to_csv(rows));

  const CliRun r = precept({"run", "w1.pol", "no-members.csv", "-o", "results.csv", "--rejects", "rejects.csv",
                            "--summary-csv", "summary.csv"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("`members`"));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(files(), files_plus({"no-members.csv"})) << "no results, rejects, summary or partial files";
}

TEST_F(Cli, MissingDataFileIsBadInput) {
  const CliRun r = precept({"run", "w1.pol", "no-such-register.csv", "-o", "results.csv"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("no-such-register.csv"));
  EXPECT_EQ(files(), files_plus({}));
}

TEST_F(Cli, ReadsTheRegisterFromStandardInput) {
  const CliRun from_file = precept({"run", "w1.pol", "register.csv"});
  const std::string input = sample_register();
  const CliRun from_stdin = precept({"run", "w1.pol", "-"}, {.input = &input});
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, from_file.out);
  EXPECT_THAT(from_stdin.err, HasSubstr("rows read:"));
  EXPECT_EQ(counts_in(from_stdin.err).read, counts_in(from_file.err).read);
}

TEST_F(Cli, ThreadCountChangesNoOutput) {
  const RunOutput one = run_to_files("register.csv", {"--by", "village", "-j", "1"});
  ASSERT_EQ(one.cli.exit_code, 0) << one.cli.err;
  ASSERT_GT(counts_in(one.cli.out).rejected, 0u) << "the sample has bad rows to place";
  for (const char* threads : {"2", "5"}) {
    const RunOutput many = run_to_files("register.csv", {"--by", "village", "--threads", threads});
    EXPECT_EQ(many.cli.exit_code, 0) << many.cli.err;
    EXPECT_EQ(many.results, one.results) << threads << " threads";
    EXPECT_EQ(many.rejects, one.rejects) << threads << " threads";
    EXPECT_EQ(many.cli.out, one.cli.out) << threads << " threads";
  }
}

// Not a terminal here, so progress shows only when asked for, and never mixes
// into the results.
TEST_F(Cli, ProgressOnlyOnATerminalOrWhenAsked) {
  const RunOutput quiet = run_to_files("register.csv");
  EXPECT_THAT(quiet.cli.err, Not(HasSubstr("rows/s")));
  const RunOutput asked = run_to_files("register.csv", {"--progress", "always"});
  EXPECT_EQ(asked.cli.exit_code, 0) << asked.cli.err;
  EXPECT_EQ(asked.results, quiet.results);
  EXPECT_EQ(asked.cli.out, quiet.cli.out);
}

TEST_F(Cli, ExtraColumnsAreNotedAndIgnored) {
  Rows rows = parse_csv(sample_register());
  const std::size_t width = rows[0].size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != width) continue;  // keep the bad rows bad
    rows[i].insert(rows[i].begin() + 3, i == 0 ? "remark" : "a, \"quoted\" note");
    rows[i].push_back(i == 0 ? "surveyor" : "李");
  }
  write_file(box_ / "wide.csv", to_csv(rows));
  const RunOutput plain = run_to_files("register.csv");
  const std::string plain_results = plain.results;
  const RunOutput wide = run_to_files("wide.csv");
  EXPECT_EQ(wide.cli.exit_code, 0) << wide.cli.err;
  EXPECT_THAT(wide.cli.err, AllOf(StartsWith("note:"), HasSubstr("remark"), HasSubstr("surveyor")));
  EXPECT_EQ(wide.results, plain_results);
  EXPECT_EQ(counts_in(wide.cli.out).rejected, counts_in(plain.cli.out).rejected);
}

TEST_F(Cli, ColumnOrderDoesNotMatter) {
  Rows rows = parse_csv(sample_register());
  const std::size_t width = rows[0].size();
  for (auto& row : rows)
    if (row.size() == width) std::reverse(row.begin(), row.end());
  write_file(box_ / "reversed.csv", to_csv(rows));
  EXPECT_EQ(expect_same_run_as_plain("reversed.csv").cli.err, "");
}

TEST_F(Cli, ByteOrderMarkAndCrlfLineEnds) {
  // CRLF between records only: a quoted line break is data and stays as it is.
  std::string windows = "\xEF\xBB\xBF";
  bool quoted = false;
  for (const char c : sample_register()) {
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) windows += '\r';
    windows += c;
  }
  write_file(box_ / "windows.csv", windows);
  expect_same_run_as_plain("windows.csv");
}

TEST_F(Cli, EveryRowIsAResultOrAReject) {
  const std::string header = lines_of(sample_register()).front();
  const std::string good = "H-1,会昌县,西江镇,西头村,4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0";
  const std::vector<std::pair<std::string, std::string>> bad{
      {"H-2,会昌县,西江镇,西头村,0,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0", "members"},
      {"H-3,会昌县,西江镇,西头村,4,1,6157.78,0,0,0,0,D,0,0,1,0,0,0,1,0", "house"},
      {"H-4,会昌县,西江镇,西头村,4,1,6,157.78,0,0,0,0,d,0,0,1,0,0,0,1,0", ""},
      {"H-5,会昌县,西江镇,西头村,4,1,,0,0,0,0,d,0,0,1,0,0,0,1,0", "net_income"},
      {"H-6,会昌县,西江镇,西头村,4,1,6157.78,0,yes,0,0,d,0,0,1,0,0,0,1,0", "owns_car"},
      {"", ""},
      {"H-7,会昌县,西江镇,西头村,4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1", ""},
      {"H-8,会昌县,西江镇,西头村,+4,1,6157.78,0,0,0,0,d,0,0,1,0,0,0,1,0", "members"}};
  std::string data = header + "\n" + good + "\n";
  for (const auto& [line, column] : bad) data += line + "\n" + good + "\n";
  write_file(box_ / "mixed.csv", data);

  const RunOutput r = run_to_files("mixed.csv");
  ASSERT_EQ(r.cli.exit_code, 0) << r.cli.err;
  const Counts counts = counts_in(r.cli.out);
  EXPECT_EQ(counts.read, 1 + 2 * bad.size());
  EXPECT_EQ(counts.results, 1 + bad.size());
  EXPECT_EQ(counts.rejected, bad.size());
  EXPECT_EQ(counts.read, counts.results + counts.rejected);
  EXPECT_EQ(parse_csv(r.results).size(), 1 + counts.results);

  const Rows rejects = parse_csv(r.rejects);
  ASSERT_EQ(rejects.size(), 1 + bad.size());
  for (std::size_t i = 0; i < bad.size(); ++i) {
    // Line 1 is the header, then good and bad rows take turns.
    EXPECT_EQ(rejects[i + 1][0], std::to_string(3 + 2 * i)) << bad[i].first;
    EXPECT_EQ(rejects[i + 1][1], bad[i].second) << bad[i].first;
  }
}

TEST_F(Cli, UnwritableOutputsExitWith4AndLeaveNothing) {
  fs::create_directory(box_ / "taken");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"run", "w1.pol", "register.csv", "-o", "/proc/precept-no"},
           {"run", "w1.pol", "register.csv", "-o", "no-such-dir/results.csv"},
           {"run", "w1.pol", "register.csv", "-o", "taken"},
           {"run", "w1.pol", "register.csv", "-o", "results.csv", "--rejects", "no-such-dir/rejects.csv"},
           {"run", "w1.pol", "register.csv", "--format", "jsonl", "-o", "no-such-dir/results.jsonl"},
           {"compile", "w1.pol", "-o", "no-such-dir/w1.pcb"},
           {"compile", "w1.pol", "-o", "/proc/precept-no.pcb"}}) {
    const CliRun r = precept(args);
    EXPECT_EQ(r.exit_code, 4) << ::testing::PrintToString(args) << "\n" << r.err;
    EXPECT_NE(r.err, "");
    EXPECT_EQ(files(), files_plus({"taken"})) << ::testing::PrintToString(args);
  }

  const CliRun summary =
      precept({"run", "w1.pol", "register.csv", "-o", "results.csv", "--summary-csv", "no-such-dir/summary.csv"});
  EXPECT_EQ(summary.exit_code, 4) << summary.err;
  EXPECT_THAT(summary.err, HasSubstr("summary"));
}

TEST_F(Cli, AWriteThatFailsHalfwayLeavesNothingBehind) {
  // The results are larger than the file size limit, so writing them fails
  // after the file has been created and partly written.
  const CliRun r = precept({"run", "w1.pol", "register.csv", "-o", "results.csv", "--rejects", "rejects.csv"},
                           {.file_size_limit = 16 * 1024});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("writing"));
  EXPECT_EQ(files(), files_plus({})) << "neither a short results file nor a partial one";
}

TEST_F(Cli, DamagedProgramIsAPolicyError) {
  ASSERT_EQ(precept({"compile", "w1.pol"}).exit_code, 0);
  const std::string program = file("w1.pcb");
  ASSERT_GT(program.size(), 200u);
  std::string flipped = program, future = program, garbage_body = program;
  flipped[program.size() / 2] ^= 0x10;
  future[8] = static_cast<char>(future[8] + 1);  // the format version
  std::fill(garbage_body.begin() + 40, garbage_body.end(), '\xA5');
  const std::vector<std::pair<std::string, std::string>> damaged{
      {"truncated.pcb", program.substr(0, program.size() / 3)},
      {"header-only.pcb", program.substr(0, 20)},
      {"flipped.pcb", flipped},
      {"future.pcb", future},
      {"garbage.pcb", garbage_body},
      {"longer.pcb", program + "trailing"}};
  for (const auto& [name, bytes] : damaged) write_file(box_ / name, bytes);

  for (const auto& [name, bytes] : damaged) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"check", name}, {"disasm", name}, {"run", name, "register.csv", "-o", "results.csv"}}) {
      SCOPED_TRACE(::testing::PrintToString(args));
      const CliRun r = precept(args);
      EXPECT_EQ(r.exit_code, 1) << r.err;
      EXPECT_EQ(r.out, "");
      EXPECT_THAT(r.err, AllOf(StartsWith(name + ": error: cannot load the compiled program: "),
                               HasSubstr("compile the policy again"), HasSubstr("nothing was run")));
    }
  }
  EXPECT_THAT(precept({"check", "future.pcb"}).err, HasSubstr("newer Precept"));
  EXPECT_THAT(precept({"check", "truncated.pcb"}).err, HasSubstr("truncated"));
  EXPECT_FALSE(fs::exists(box_ / "results.csv"));
}

}  // namespace
