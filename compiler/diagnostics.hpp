// Collecting diagnostics while compiling: every stage reports into one sink and
// keeps going, so an officer sees all problems in one run (up to a limit).
#pragma once

#include "ast.hpp"

#include <precept/diagnostic.hpp>

#include "messages.hpp"

#include <set>
#include <string>
#include <tuple>
#include <string_view>
#include <vector>

namespace precept {

class DiagnosticSink {
 public:
  DiagnosticSink(std::string file, std::string_view source, std::size_t max_errors,
                 Language language = Language::English);

  // Every message comes from the catalogue (runtime/messages_compiler.def):
  // sink.error(where, sink.say<MessageId::unknown_name>(name), hint).
  void error(const ast::Location& where, Message message, Message hint = {});
  void warning(const ast::Location& where, Message message, Message hint = {});
  void note(const ast::Location& where, Message message, Message hint = {});
  // A catalogue message in the language of this compile.
  template <MessageId id, class... Args>
  Message say(const Args&... args) const {
    return precept::say<id>(language_, args...);
  }
  Language language() const { return language_; }

  std::size_t error_count() const { return error_count_; }
  bool too_many_errors() const { return error_count_ >= max_errors_; }
  // Diagnostics sorted by position (stable), with a closing note if some were cut.
  std::vector<Diagnostic> take();
  std::string_view line_text(std::uint32_t line) const;
  std::string_view line_text(const ast::Location& where) const;

  // A layered policy reads more files (compiler/layers.cpp): each gets a number for
  // ast::Location::file, so its diagnostics name it and quote its lines. The source
  // must outlive the sink.
  std::uint16_t add_file(std::string file, std::string_view source);
  // Locations whose `file` is 0 belong to this file while a parent is being parsed.
  void set_current_file(std::uint16_t file) { current_file_ = file; }
  const std::string& file_name(std::uint16_t file) const;

 private:
  void add(Severity severity, const ast::Location& where, Message message, Message hint);
  struct File {
    std::string name;
    std::vector<std::string_view> lines;
  };
  std::uint16_t file_of(const ast::Location& where) const;

  std::string file_;
  std::vector<std::string_view> lines_;
  std::vector<File> more_files_;  // numbered from 1
  // A layered policy's exception is checked where it is applied and where its
  // overlap is tested: one problem, said once.
  std::set<std::tuple<std::string, std::uint32_t, std::uint32_t, std::string>> said_;
  std::uint16_t current_file_ = 0;
  std::size_t max_errors_;
  Language language_;
  std::size_t error_count_ = 0;
  bool truncated_ = false;
  std::vector<Diagnostic> diagnostics_;
};

// The candidate closest to `name` by edit distance, or "" if none is close enough
// to be a plausible typo.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);
// "did you mean `x`?" or no message.
Message did_you_mean(Language language, std::string_view name, const std::vector<std::string>& candidates);

}  // namespace precept
