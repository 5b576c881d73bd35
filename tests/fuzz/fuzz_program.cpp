// Fuzz target (2): compiled program bytes -> load_policy() (decode + verify); a
// program that loads is evaluated over a few fixed records and run over a tiny
// CSV register. The verifier's promise is that whatever it accepts runs without
// undefined behaviour, so any sanitizer report here is a verifier or VM bug.
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "serialize.hpp"

namespace {

std::FILE* dev_null() {
  static std::FILE* f = std::fopen("/dev/null", "w");
  return f;
}

// Values tried for every field: empty, small, boundary, and typical W1 text.
const char* const kValues[] = {"", "0", "1", "-1", "2", "d", "illness;disability", "1500.50",
                               "9223372036854775807", "-9223372036854775808", "2015-06-30", "x"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Mutations almost never keep the FNV-1a checksum right, which would stop them all
  // at the decoder's first check. Unless the first flag byte is 0xFF (then the
  // checksum stays as given, so that check is fuzzed too), write the right one.
  std::string fixed(reinterpret_cast<const char*>(data), size);
  if (size >= precept::kProgramHeaderSize && static_cast<std::uint8_t>(fixed[precept::kFlagsOffset]) != 0xFF) {
    std::uint64_t sum = precept::fnv1a64(std::string_view(fixed).substr(precept::kSourceHashOffset));
    for (int i = 0; i < 8; ++i) fixed[precept::kChecksumOffset + i] = static_cast<char>(sum >> (8 * i));
  }
  const std::string_view bytes(fixed);
  precept::CompileResult loaded = precept::load_policy(bytes, "fuzz.pcb");
  if (!loaded.ok()) {
    (void)precept::render(loaded.diagnostics);
    return 0;
  }
  const precept::Policy& policy = *loaded.policy;
  (void)policy.disassemble();
  const std::vector<std::string> fields = policy.field_names();
  (void)policy.output_names();

  // The evaluator: one record per value (every field that value), plus a mixed one.
  precept::Evaluator evaluator(policy);
  std::vector<std::vector<std::pair<std::string, std::string>>> records;
  for (const char* value : kValues) {
    std::vector<std::pair<std::string, std::string>> record;
    for (const std::string& name : fields) record.emplace_back(name, value);
    records.push_back(std::move(record));
  }
  {
    std::vector<std::pair<std::string, std::string>> mixed;
    for (std::size_t i = 0; i < fields.size(); ++i)
      mixed.emplace_back(fields[i], kValues[i % (sizeof kValues / sizeof *kValues)]);
    records.push_back(std::move(mixed));
  }
  (void)evaluator.evaluate_batch(records);
  (void)evaluator.evaluate(records.back());

  // run_csv over a tiny register with the program's own header.
  std::string csv = precept_fuzz::join_csv_header(fields) + "\n";
  for (const char* value : {"0", "1", ""}) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) csv += ',';
      csv += value;
    }
    csv += "\n";
  }
  std::FILE* in = fmemopen(csv.data(), csv.size(), "r");
  if (in == nullptr) return 0;
  precept::RunOptions options;
  options.batch_size = 2;
  const precept::RunReport report = precept::run_csv(policy, in, dev_null(), dev_null(), options);
  std::fclose(in);
  if (report.ok() && report.rows_read != report.results + report.rejected)
    precept_fuzz::fail("run_csv: rows_read != results + rejected");
  if (report.ok()) {
    (void)precept::format_summary_table(report.summary);
    (void)precept::format_summary_csv(report.summary);
  }
  return 0;
}
