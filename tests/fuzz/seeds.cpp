// Builds the seed corpora from the project's own files:
//   fuzz_seeds SOURCE_DIR OUT_DIR
// writes OUT_DIR/{compile,program,csv,evaluate}/ (run at build time by CMake).
#include "fuzz_common.hpp"

#include "csv.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

// An evaluate seed: the selector byte, then the values in field order as a CSV row.
std::string evaluate_seed(std::size_t policy, const std::vector<std::string>& fields,
                          const std::map<std::string, std::string>& values) {
  std::string out(1, static_cast<char>(policy));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const auto it = values.find(fields[i]);
    if (it != values.end()) precept::append_csv_field(out, it->second);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fuzz_seeds SOURCE_DIR OUT_DIR\n");
    return 2;
  }
  const fs::path src = argv[1], out = argv[2];
  setenv("PRECEPT_SOURCE_DIR", argv[1], 1);
  for (const char* d : {"compile", "program", "csv", "evaluate"}) fs::create_directories(out / d);

  // compile/: every policy source; program/: every one that compiles, compiled.
  std::size_t n_compile = 0, n_program = 0, n_csv = 0, n_evaluate = 0;
  for (const char* dir : {"policies", "tests/compiler/policies", "tests/compiler/diagnostics"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(src / dir))
      if (entry.path().extension() == ".pol") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string text = precept_fuzz::read_file(file.string());
      const std::string name = fs::path(dir).filename().string() + "_" + file.stem().string();
      write(out / "compile" / (name + ".pol"), text);
      ++n_compile;
      precept::CompileResult result = precept::compile(text, file.string());
      if (result.ok()) {
        write(out / "program" / (name + ".pcb"), result.policy->serialize());
        ++n_program;
      }
    }
  }

  // csv/: the sample register in chunks of 40 rows, each with the header, and the
  // hand-checked cases whole.
  const std::vector<std::string> sample =
      lines_of(precept_fuzz::read_file((src / "examples/data/xijiang_sample.csv").string()));
  for (std::size_t start = 1, chunk = 0; start < sample.size(); start += 40, ++chunk) {
    std::string text = sample[0] + "\n";
    for (std::size_t i = start; i < sample.size() && i < start + 40; ++i) text += sample[i] + "\n";
    write(out / "csv" / ("xijiang_sample_" + std::to_string(chunk) + ".csv"), text);
    ++n_csv;
  }
  const std::string hand = precept_fuzz::read_file((src / "tests/reference/cases/hand_checked.csv").string());
  write(out / "csv" / "hand_checked.csv", hand);
  ++n_csv;

  // evaluate/: W1 (selector 0) with each hand-checked row and some sample rows,
  // by header name; the other policies with their `# case` comments.
  const auto& policies = precept_fuzz::seed_policies();
  for (std::size_t p = 0; p < policies.size(); ++p) {
    const precept::Policy policy = precept_fuzz::compile_seed_policy(policies[p]);
    const std::vector<std::string> fields = policy.field_names();
    std::size_t k = 0;
    auto emit = [&](const std::map<std::string, std::string>& values) {
      write(out / "evaluate" / ("p" + std::to_string(p) + "_" + std::to_string(k++)), evaluate_seed(p, fields, values));
      ++n_evaluate;
    };
    if (p == 0) {
      std::string sample_text = sample[0] + "\n";
      for (std::size_t i = 1; i < sample.size() && i <= 30; ++i) sample_text += sample[i] + "\n";
      for (const std::string* text : {&hand, static_cast<const std::string*>(&sample_text)}) {
        precept::CsvReader reader{std::string_view(*text)};
        precept::CsvRecord record;
        std::vector<std::string> header;
        while (reader.next(record)) {
          if (header.empty()) {
            for (auto f : record.fields) header.emplace_back(f);
            continue;
          }
          std::map<std::string, std::string> values;
          for (std::size_t i = 0; i < record.fields.size() && i < header.size(); ++i)
            values[header[i]] = std::string(record.fields[i]);
          emit(values);
        }
      }
      continue;
    }
    for (const std::string& line : lines_of(precept_fuzz::read_file((src / policies[p]).string()))) {
      if (line.rfind("# case ", 0) != 0) continue;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::map<std::string, std::string> values;
      std::istringstream pairs(line.substr(colon + 1));
      for (std::string pair; std::getline(pairs, pair, ',');) {
        const std::size_t eq = pair.find('=');
        if (eq != std::string::npos) values[trim(pair.substr(0, eq))] = trim(pair.substr(eq + 1));
      }
      emit(values);
    }
    emit({});
  }
  std::printf("fuzz_seeds: compile %zu, program %zu, csv %zu, evaluate %zu\n", n_compile, n_program, n_csv,
              n_evaluate);
  return 0;
}
