// Builds the seed corpora from the project's own files:
//   fuzz_seeds SOURCE_DIR OUT_DIR
// writes OUT_DIR/{compile,program,csv,evaluate,layers,diff}/ (run at build time by
// CMake), then adds the corpora kept from longer fuzzing runs (tests/fuzz/corpus/).
#include "fuzz_common.hpp"

#include "csv.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

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

// A layers seed: the policy, then each parent it reaches through `extends`, named
// as the policy reader asks its loader for it (fuzz_common.hpp's FileSet).
std::string layers_seed(const fs::path& file) {
  precept_fuzz::FileSet set;
  set.first = precept_fuzz::read_file(file.string());
  const std::regex extends_clause("extends \"([^\"]*)\"");
  const std::string* text = &set.first;
  fs::path folder;  // relative to the first file's folder, as the loader sees it
  for (int depth = 0; depth < 16; ++depth) {
    std::smatch match;
    if (!std::regex_search(*text, match, extends_clause)) break;
    const fs::path name = (folder / match[1].str()).lexically_normal();
    const fs::path on_disk = file.parent_path() / name;
    if (!fs::exists(on_disk) || set.find(name.string())) break;
    set.files.emplace_back(name.string(), precept_fuzz::read_file(on_disk.string()));
    text = &set.files.back().second;
    folder = name.parent_path();
  }
  return precept_fuzz::join_file_set(set);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fuzz_seeds SOURCE_DIR OUT_DIR\n");
    return 2;
  }
  const fs::path src = argv[1], out = argv[2];
  setenv("PRECEPT_SOURCE_DIR", argv[1], 1);
  for (const char* d : {"compile", "program", "csv", "evaluate", "layers", "diff"}) fs::create_directories(out / d);

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
  // layers/: every policy of the library and of the layer tests with the parents it
  // extends (a policy that extends none is a file set of one).
  std::size_t n_layers = 0, n_diff = 0;
  for (const char* dir : {"policies", "tests/compiler/layers", "tests/compiler/layers/errors"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(src / dir))
      if (entry.path().extension() == ".pol") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string name = fs::path(dir).filename().string() + "_" + file.stem().string();
      write(out / "layers" / name, layers_seed(file));
      ++n_layers;
    }
  }

  // diff/: W1 and its 2016 revision with and without a register and the witness
  // search; each test policy against itself; W1 against the tables policy.
  const std::string w1 = precept_fuzz::read_file((src / "policies/xijiang_2015.pol").string());
  const std::string w1_2016 = precept_fuzz::read_file((src / "policies/xijiang_2016.pol").string());
  std::string register_text = sample[0] + "\n";
  for (std::size_t i = 1; i < sample.size() && i <= 25; ++i) register_text += sample[i] + "\n";
  auto emit_diff = [&](const std::string& name, const std::string& old_text, const std::string& new_text,
                       const std::string* data, bool witness) {
    precept_fuzz::FileSet set;
    set.first = old_text;
    set.files.emplace_back("new.pol", new_text);
    if (data) set.files.emplace_back("data.csv", *data);
    if (witness) set.files.emplace_back("witness", "");
    write(out / "diff" / name, precept_fuzz::join_file_set(set));
    ++n_diff;
  };
  emit_diff("w1_2016_data", w1, w1_2016, &register_text, false);
  emit_diff("w1_2016", w1, w1_2016, nullptr, false);
  emit_diff("w1_2016_witness", w1, w1_2016, nullptr, true);
  emit_diff("w1_itself_data", w1, w1, &register_text, false);
  emit_diff("w1_2016_hand_checked", w1, w1_2016, &hand, false);
  for (std::size_t p = 1; p < policies.size(); ++p) {
    const std::string text = precept_fuzz::read_file((src / policies[p]).string());
    emit_diff("itself_" + std::to_string(p), text, text, nullptr, false);
  }

  // What longer fuzzing runs found worth keeping (scripts/fuzz.sh), per target.
  std::size_t n_kept = 0;
  if (fs::is_directory(src / "tests/fuzz/corpus"))
    for (const auto& target : fs::directory_iterator(src / "tests/fuzz/corpus")) {
      if (!target.is_directory()) continue;
      fs::create_directories(out / target.path().filename());
      for (const auto& entry : fs::directory_iterator(target.path())) {
        if (!entry.is_regular_file()) continue;
        fs::copy_file(entry.path(), out / target.path().filename() / ("kept_" + entry.path().filename().string()),
                      fs::copy_options::overwrite_existing);
        ++n_kept;
      }
    }
  std::printf("fuzz_seeds: compile %zu, program %zu, csv %zu, evaluate %zu, layers %zu, diff %zu, kept %zu\n",
              n_compile, n_program, n_csv, n_evaluate, n_layers, n_diff, n_kept);
  return 0;
}
