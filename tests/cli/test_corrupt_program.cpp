// A .pcb file comes from disk, a network share or a USB stick, so every damaged
// one must either be refused with a reason or, when the damage happens to leave
// a valid program (a changed description, another constant), run without
// crashing. W1's program is damaged at every byte in several ways and cut at
// every length.
//
// Raw damage is caught by the checksum alone. To reach the decoder and the
// verifier behind it, the same damage is also "re-sealed": the checksum is
// recomputed, as a buggy or hostile writer would do.
#include "serialize.hpp"  // internal: the header layout and the checksum, for re-sealing

#include <precept/precept.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using Record = std::vector<std::pair<std::string, std::string>>;

const std::string& w1_program() {
  static const std::string bytes = [] {
    std::ifstream in(std::filesystem::path(PRECEPT_SOURCE_DIR) / "policies/xijiang_2015.pol", std::ios::binary);
    std::ostringstream source;
    source << in.rdbuf();
    const precept::CompileResult compiled = precept::compile(source.str(), "xijiang_2015.pol");
    if (!compiled.ok()) throw std::runtime_error("W1 does not compile:\n" + precept::render(compiled.diagnostics));
    return compiled.policy->serialize();
  }();
  return bytes;
}

Record household(const std::string& members, const std::string& net_income, const std::string& wubao) {
  return {{"household_id", "360733-1"}, {"county", "会昌县"}, {"township", "西江镇"}, {"village", "西头村"},
          {"members", members}, {"labor_count", "0"}, {"net_income", net_income}, {"deposits", "0"},
          {"owns_car", "0"}, {"owns_town_house", "0"}, {"public_employee", "0"}, {"house", "d"},
          {"dibao", "1"}, {"wubao", wubao}, {"ill_members", "2"}, {"disabled_members", "1"},
          {"students", "1"}, {"disaster_loss", "6000"}, {"safe_water", "0"}, {"remote", "1"}};
}

// Between them these reach every rule, measure and the `require` of W1.
const std::vector<Record>& records() {
  static const std::vector<Record> all{household("4", "6157.78", "0"), household("1", "-300", "1"),
                                       household("0", "1000", "0"), household("3", "99999999.99", "0")};
  return all;
}

constexpr char kRegister[] =
    "household_id,county,township,village,members,labor_count,net_income,deposits,owns_car,owns_town_house,"
    "public_employee,house,dibao,wubao,ill_members,disabled_members,students,disaster_loss,safe_water,remote\n"
    "1,会昌县,西江镇,西头村,4,0,6157.78,0,0,0,0,d,1,0,2,1,1,6000,0,1\n"
    "2,会昌县,西江镇,西头村,0,1,6157.78,0,0,0,0,c,0,0,0,0,0,0,1,0\n"
    "3,会昌县,西江镇,新头村,1,0,-300,0,0,0,0,safe,0,1,0,0,0,0,1,0\n";

// Runs what an embedder or `precept run` would run on a loaded program, and
// the disassembler when `listing` (it costs more than all the rest together).
// Returns what went wrong, or "" when nothing did.
std::string exercise(const precept::Policy& policy, bool listing) {
  precept::Evaluator evaluator(policy);
  const std::size_t outputs = policy.output_names().size();
  for (const precept::Outcome& outcome : evaluator.evaluate_batch(records()))
    if (outcome.ok ? outcome.values.size() != outputs : outcome.error.empty())
      return outcome.ok ? "an outcome has the wrong number of values" : "a rejected record has no reason";
  if (listing && policy.disassemble().empty()) return "the listing is empty";

  // Grouped if the damage left the group, else the whole-input summary only.
  for (const bool grouped : {true, false}) {
    std::string input(kRegister);
    std::FILE* in = ::fmemopen(input.data(), input.size(), "r");
    std::FILE* out = std::fopen("/dev/null", "w");
    precept::RunOptions options;
    options.batch_size = 2;  // several batches from a short register
    if (grouped) options.group_by = {"village"};
    const precept::RunReport report = precept::run_csv(policy, in, out, out, options);
    std::fclose(in);
    std::fclose(out);
    if (!report.ok()) continue;
    if (report.rows_read != report.results + report.rejected) return "rows went missing";
    (void)precept::format_summary_table(report.summary);
    (void)precept::format_summary_csv(report.summary);
    break;
  }
  return "";
}

struct Tally {
  std::size_t rejected = 0, loaded = 0, failures = 0;
};

// Loads one damaged program: a refusal must say why, an acceptance must run.
void load(const std::string& bytes, Tally& tally, const std::string& what, bool listing = true) {
  std::string problem;
  try {
    const precept::CompileResult result = precept::load_policy(bytes, "damaged.pcb");
    if (result.ok()) {
      ++tally.loaded;
      problem = exercise(*result.policy, listing);
    } else {
      ++tally.rejected;
      if (!precept::has_errors(result.diagnostics)) problem = "refused without an error diagnostic";
      for (const precept::Diagnostic& d : result.diagnostics)
        if (d.message.empty() || precept::render(d).empty()) problem = "refused with an empty diagnostic";
    }
  } catch (const std::exception& e) {
    problem = std::string("threw: ") + e.what();
  }
  // A systematic bug would fail thousands of times; the first few tell the story.
  if (!problem.empty() && ++tally.failures <= 10) ADD_FAILURE() << what << ": " << problem;
}

// Stores the checksum of the damaged bytes, so only the decoder and the verifier stand in the way.
std::string reseal(std::string bytes) {
  if (bytes.size() < precept::kProgramHeaderSize) return bytes;
  std::uint64_t checksum = precept::fnv1a64(std::string_view(bytes).substr(precept::kSourceHashOffset));
  for (std::size_t i = 0; i < 8; ++i, checksum >>= 8)
    bytes[precept::kChecksumOffset + i] = static_cast<char>(checksum & 0xFF);
  return bytes;
}

struct Mutation {
  const char* name;
  unsigned char (*apply)(unsigned char);
  bool listing;  // also disassemble what loads: one mutation per byte is enough, and it is slow
};
constexpr Mutation kMutations[] = {
    {"xor 0x01", [](unsigned char b) -> unsigned char { return b ^ 0x01; }, false},
    {"xor 0x80", [](unsigned char b) -> unsigned char { return b ^ 0x80; }, false},
    // Makes invalid UTF-8 of any text, which the listing quotes.
    {"xor 0xFF", [](unsigned char b) -> unsigned char { return b ^ 0xFF; }, true},
    {"set 0x00", [](unsigned char) -> unsigned char { return 0; }, false},
};

void report(const char* what, const Tally& tally) {
  std::cout << "[ damaged  ] " << what << ": " << tally.rejected << " rejected, " << tally.loaded
            << " loaded and ran\n";
  ::testing::Test::RecordProperty(std::string(what) + " rejected", std::to_string(tally.rejected));
  ::testing::Test::RecordProperty(std::string(what) + " loaded", std::to_string(tally.loaded));
}

// Calls visit(bytes, position, mutation) for each mutation of each byte of
// `original`; with `every` > 1, for one (byte, mutation) pair in `every`, the
// mutations taking turns from byte to byte.
template <class Visit>
void each_damaged_byte(const std::string& original, Visit visit, std::size_t every = 1) {
  for (std::size_t at = 0; at < original.size(); ++at)
    for (std::size_t which = 0; which < std::size(kMutations); ++which) {
      if ((at + which) % every != 0) continue;
      const Mutation& m = kMutations[which];
      std::string bytes = original;
      bytes[at] = static_cast<char>(m.apply(static_cast<unsigned char>(bytes[at])));
      visit(std::move(bytes), at, m);
    }
}

TEST(CorruptProgram, TheUndamagedProgramLoadsAndRuns) {
  const precept::CompileResult result = precept::load_policy(w1_program(), "w1.pcb");
  ASSERT_TRUE(result.ok()) << precept::render(result.diagnostics);
  EXPECT_EQ(exercise(*result.policy, true), "");
  EXPECT_EQ(result.policy->serialize(), w1_program());
}

TEST(CorruptProgram, EveryDamagedByteIsRefused) {
  const std::string& original = w1_program();
  Tally tally;
  each_damaged_byte(original, [&](std::string bytes, std::size_t at, const Mutation& m) {
    if (bytes == original) return;
    load(bytes, tally, "byte " + std::to_string(at) + " " + m.name);
  });
  report("damaged bytes", tally);
  // One changed byte always changes an FNV-1a hash, and the header fields the
  // checksum does not cover are each checked on their own.
  EXPECT_EQ(tally.loaded, 0u);
  EXPECT_GT(tally.rejected, 3 * original.size());
}

// Every resealed program that loads is run and listed: about 7 minutes under
// AddressSanitizer for all four mutations of each byte (a run there costs 70
// times the normal build's, most of it mapping and unmapping its batches), and
// still 6.5 minutes for one in four. The sanitized build tries one in sixteen:
// every fourth byte, the mutations taking turns; with fuzz_program's sanitized
// run that keeps the memory checks. The normal build tries all.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kResealedStride = 16;
#else
constexpr std::size_t kResealedStride = 1;
#endif

TEST(CorruptProgram, ResealedDamageIsRefusedOrHarmless) {
  const std::string& original = w1_program();
  Tally tally;
  each_damaged_byte(original, [&](std::string bytes, std::size_t at, const Mutation& m) {
    bytes = reseal(std::move(bytes));
    if (bytes == original) return;  // the damage was to the checksum, which resealing undoes
    load(bytes, tally, "resealed byte " + std::to_string(at) + " " + m.name, m.listing);
  }, kResealedStride);
  report("resealed damaged bytes", tally);
  EXPECT_GT(tally.rejected, 0u);
  EXPECT_GT(tally.loaded, 0u) << "descriptions and source text may change freely";
}

TEST(CorruptProgram, EveryTruncationIsRefused) {
  const std::string& original = w1_program();
  Tally tally;
  for (std::size_t length = 0; length < original.size(); ++length)
    load(original.substr(0, length), tally, "cut to " + std::to_string(length) + " bytes");
  report("truncations", tally);
  EXPECT_EQ(tally.loaded, 0u);
}

TEST(CorruptProgram, ResealedTruncationIsRefused) {
  // The header's length and checksum agree with the cut, so only the decoder
  // can notice that the body stops early.
  const std::string& original = w1_program();
  Tally tally;
  for (std::size_t length = precept::kProgramHeaderSize; length < original.size(); ++length) {
    std::string bytes = original.substr(0, length);
    std::uint64_t body = length - precept::kProgramHeaderSize;
    for (std::size_t i = 0; i < 8; ++i, body >>= 8)
      bytes[precept::kBodyLengthOffset + i] = static_cast<char>(body & 0xFF);
    load(reseal(std::move(bytes)), tally, "resealed cut to " + std::to_string(length) + " bytes");
  }
  report("resealed truncations", tally);
  EXPECT_EQ(tally.loaded, 0u);
}

}  // namespace

// A program whose text output no instruction writes: it used to load, and
// `run` then copied a null text into the results (UBSan: memcpy from null in
// runtime/csv.cpp). The verifier now proves every register is written first.
TEST(CorruptProgram, AnOutputNothingWritesIsRefused) {
  precept::Program program;
  std::string error;
  ASSERT_TRUE(precept::deserialize_program(w1_program(), program, error)) << error;
  const auto text = std::find_if(program.outputs.begin(), program.outputs.end(),
                                 [](const precept::OutputDef& o) { return o.type.kind == precept::Kind::Text; });
  ASSERT_NE(text, program.outputs.end()) << "W1 has a text output";
  text->reg = program.text_count++;
  const precept::CompileResult result = precept::load_policy(precept::serialize_program(program), "unwritten.pcb");
  ASSERT_FALSE(result.ok());
  const std::string said = precept::render(result.diagnostics);
  EXPECT_NE(said.find("the compiled program is not valid: output "), std::string::npos) << said;
  EXPECT_NE(said.find("which is not written for every row: no instruction before it writes it"), std::string::npos)
      << said;
}
