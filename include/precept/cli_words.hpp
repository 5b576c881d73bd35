// The command line's own sentences, in the language of the run: what
// `precept check`, `compile`, `run`, `explain`, `test` and `diff` say besides
// diagnostics and reports ("wrote x.pcb (1234 bytes)", "x.pol: 2 errors;
// nothing was run", a refused option, ...). They live in Precept's message
// catalogue beside every other sentence, with their Chinese, so that a
// program built on this library (or the `precept` tool itself, which uses
// nothing but include/precept/) speaks in one voice:
//
//   std::cerr << precept::cli_words(precept::CliWords::wrote_program, language, {path, std::to_string(size)});
//
// What stays English whatever the language: the usage text and refusals of
// the option parser (CLI11), `--help`, and machine headers of outputs.
#pragma once

#include <precept/language.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace precept {

// One sentence each; its placeholders (written {0}, {1} ... in the catalogue)
// are filled, in order, from the arguments given to cli_words(). The order of
// these ids is the catalogue's (runtime/messages_cli.def), checked when the
// library is built.
enum class CliWords : std::uint16_t {
  nothing_was_run,          // {0}: the policy, {1}: its count of errors
  policy_has_errors,        // {0}: the policy, {1}: its count of errors (explain, test)
  check_ok,                 // {0} path, {1} name, {2} check_place and check_year, {3} fields, {4} outputs
  check_place,              // {0}: the policy's place
  check_year,               // {0}: the policy's year
  wrote_program,            // {0} path, {1} bytes
  default_program_path,     // said after a clash of compile's default -o
  writing_failed,           // {0}: the output
  writing_failed_none_left, // {0}: the output
  publish_failed,           // {0}: why
  no_such_group,            // {0}: the --by name, {1}: "" or its groups
  its_groups,               // {0}: the groups, comma separated
  cannot_open_data,         // {0}: the register
  cannot_open_data_because, // {0}: the register, {1}: why
  workbook_not_jsonl,       // {0}: the -o path
  cannot_create_outputs,    // {0}: the output's role, {1}: why
  cannot_create_temporary,  // {0}: the workbook
  cannot_read_back,         // (the table a workbook is made from)
  workbook_failed,          // {0}: the output, {1}: why
  note,                     // {0}: the note
  warning,                  // {0}: the warning
  no_such_key,              // {0}: the --key name
  no_household,             // {0} register, {1} key field, {2} id
  path_missing,             // {0}: a path given to `test`
  no_examples,              // {0}: the policy
  example_passed,           // {0} label, {1} file, {2} line
  example_failed,           // {0} label, {1} file, {2} line
  actual_explained,         //
  coverage,                 // {0} covered, {1} of, {2} percent
  not_exercised,            // {0} what, {1} " (file:line)" or ""
  examples_total,           // {0} passed, {1} failed, {2} covered, {3} of, {4} percent
  old_data_needs_data,      //
  cannot_write_report,      // {0}: why
  diff_policy_errors,       //
  report_failed_none_left,  // {0}: the report
  progress_rows,            // {0}: rows read so far
  progress_rate,            // {0}: rows a second
  progress_elapsed,         // {0}: time
  progress_left,            // {0}: time
};

// The sentence `id` in `language`, with its placeholders filled from
// `arguments` in order (one missing is left empty; one too many is unused).
std::string cli_words(CliWords id, Language language, std::initializer_list<std::string_view> arguments = {});

}  // namespace precept
