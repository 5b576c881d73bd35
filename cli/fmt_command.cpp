#include "fmt_command.hpp"

#include "exit_codes.hpp"

#include <precept/output_file.hpp>
#include <precept/diagnostic.hpp>
#include <precept/source_format.hpp>
#include <precept/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace precept::cli {

namespace fs = std::filesystem;

namespace {

struct Inputs {
  std::vector<std::string> files;
  bool had_directory = false;
  int status = kOk;
};

// Files as given, and every *.pol under a directory, each directory's in name
// order so that the report reads the same on every machine.
Inputs expand(const std::vector<std::string>& paths) {
  Inputs inputs;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      inputs.had_directory = true;
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(path, error), end; !error && it != end; it.increment(error))
        if (it->path().extension() == ".pol" && it->is_regular_file(error)) found.push_back(it->path().string());
      if (error) {
        std::cerr << fmt::format("cannot read the directory `{}`: {}\n", path, error.message());
        inputs.status = kBadInput;
      }
      std::sort(found.begin(), found.end());
      inputs.files.insert(inputs.files.end(), found.begin(), found.end());
    } else if (path == "-" || fs::exists(path, error)) {
      inputs.files.push_back(path);
    } else {
      std::cerr << fmt::format("cannot open `{}`: no such file or directory\n", path);
      inputs.status = kBadInput;
    }
  }
  return inputs;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

// "x.pol:57: not formatted" and the first line that differs, as a unified diff
// shows it: enough to see what kind of change it is without a diff tool.
std::string first_difference(const std::string& path, const std::string& before, const std::string& after) {
  const auto old_lines = split_lines(before), new_lines = split_lines(after);
  std::size_t i = 0;
  while (i < old_lines.size() && i < new_lines.size() && old_lines[i] == new_lines[i]) ++i;
  std::string out = fmt::format("{}:{}: not formatted\n", escape_for_terminal(path), i + 1);
  std::string old_line = i < old_lines.size() ? old_lines[i] : std::string();
  const bool crlf = !old_line.empty() && old_line.back() == '\r';
  if (crlf) old_line.pop_back();
  out += fmt::format("@@ -{} +{} @@\n", i + 1, i + 1);
  // The policy's lines are shown escaped, as diagnostics quote them.
  if (i < old_lines.size()) out += fmt::format("-{}{}\n", escape_for_terminal(old_line), crlf ? "    (ends with CR LF)" : "");
  if (i < new_lines.size()) out += fmt::format("+{}\n", escape_for_terminal(new_lines[i]));
  return out;
}

// Rewrites `path` as every output is written (<precept/output_file.hpp>): a new file
// beside it, renamed over it only when complete, with the old file's
// permissions, so an interrupted or failed rewrite leaves the policy as it
// was. A link named here is followed once, to the file it leads to, which is
// rewritten in its own folder: the link stays a link. A link planted in the
// folder, at the final name or beside it, is never written through.
bool rewrite(const std::string& path, const std::string& text, std::string& error) {
  std::error_code ec;
  fs::path target = path;
  if (fs::is_symlink(target, ec)) target = fs::canonical(target, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  OutputFile out(target.string(), "the policy");
  if (!out.stream()) {
    error = out.error();
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), out.stream()) == text.size();
  if (!out.finish() || !written) {
    error = std::strerror(errno);
    return false;
  }
  return publish({&out}, error);
}

}  // namespace

CLI::App* add_fmt_command(CLI::App& app, FmtArgs& args) {
  auto* command = app.add_subcommand(
      "fmt", "print a policy in the canonical layout; -w rewrites files, --check lists those that are not formatted");
  command
      ->add_option("PATH", args.paths,
                   "policy files, directories meaning every *.pol under them, or - for standard input")
      ->required();
  auto* write = command->add_flag("-w,--write", args.write, "rewrite the files that are not formatted, in place");
  command->add_flag("--check", args.check,
                    "change nothing: print the files that are not formatted and exit 1 if there are any")
      ->excludes(write);
  return command;
}

int run_fmt(const FmtArgs& args, bool color) {
  const Inputs inputs = expand(args.paths);
  const bool to_stdout = !args.write && !args.check;
  if (to_stdout && (inputs.files.size() > 1 || inputs.had_directory)) {
    std::cerr << "fmt prints one policy; to format several files or a directory, add --write (-w) or --check\n";
    return kUsage;
  }
  if (args.write && std::find(inputs.files.begin(), inputs.files.end(), "-") != inputs.files.end()) {
    std::cerr << "standard input (-) cannot be rewritten in place; leave out --write to print it formatted\n";
    return kUsage;
  }
  int status = inputs.status;
  auto worst = [&](int code) { status = std::max(status, code); };
  std::size_t unformatted = 0;
  for (const std::string& path : inputs.files) {
    PolicySource file = read_policy_source(path);
    // A compiled program has no layout; say so rather than call it broken text.
    if (file.compiled_program) {
      std::cerr << fmt::format("`{}` is a compiled program; fmt formats policy source (.pol)\n", path);
      worst(kBadInput);
      continue;
    }
    if (!file.text) {
      std::cerr << fmt::format("cannot read `{}`: {}\n", path, file.problem);
      worst(kBadInput);
      continue;
    }
    const std::string source = std::move(*file.text);
    const FormatResult result = format_policy(source, path);
    std::cerr << render(result.diagnostics, color);
    if (!result.ok()) {
      std::cerr << fmt::format("{}: {}; not formatted\n", path, count_errors(result.diagnostics));
      worst(kPolicyErrors);
      continue;
    }
    const std::string& formatted = *result.text;
    if (to_stdout) {
      std::cout << formatted;
      continue;
    }
    if (formatted == source) continue;
    ++unformatted;
    if (args.check) {
      std::cout << path << "\n";
      std::cerr << first_difference(path, source, formatted);
      worst(kPolicyErrors);
      continue;
    }
    std::string error;
    if (!rewrite(path, formatted, error)) {
      std::cerr << fmt::format("cannot rewrite `{}`: {}; it was left as it was\n", path, error);
      worst(kWriteFailed);
      continue;
    }
    std::cerr << fmt::format("formatted {}\n", path);
  }
  if (args.check && unformatted > 0)
    std::cerr << fmt::format("not formatted: {} of {} file{}; `precept fmt -w` rewrites {}\n", unformatted,
                             inputs.files.size(), inputs.files.size() == 1 ? "" : "s",
                             unformatted == 1 ? "it" : "them");
  std::cout.flush();
  return std::cout ? status : std::max(status, static_cast<int>(kWriteFailed));
}

}  // namespace precept::cli
