// The public Policy handle and load_policy(): everything of policy.hpp that
// needs no compiler, so that the evaluation-only library (precept_eval) has
// it. compile(), open_policy() and resolve_source() are the full library's.
#include <precept/policy.hpp>

#include "disasm.hpp"
#include "policy_refusal.hpp"
#include "program.hpp"
#include "serialize.hpp"
#include "typed.hpp"
#include "verifier.hpp"

namespace precept {

CompileResult refused_policy(std::string file, std::string message, std::string hint) {
  CompileResult result;
  Diagnostic d;
  d.file = std::move(file);
  d.message = std::move(message);
  d.hint = std::move(hint);
  result.diagnostics.push_back(std::move(d));
  return result;
}

// The schema is built here, once per program, so that a Policy shared across
// threads never builds it lazily.
Policy::Policy(std::shared_ptr<const Program> program)
    : program_(std::move(program)), schema_(build_schema(*program_)) {}
const std::string& Policy::name() const { return program_->policy_name; }
const std::string& Policy::place() const { return program_->place; }
int Policy::year() const { return program_->year; }
const std::string& Policy::source_file() const { return program_->source_file; }

std::vector<std::string> Policy::output_names() const {
  std::vector<std::string> names;
  for (const auto& out : program_->outputs) names.push_back(out.name);
  return names;
}

std::vector<std::string> Policy::field_names() const {
  std::vector<std::string> names;
  for (const auto& field : program_->fields) names.push_back(field.name);
  return names;
}

std::vector<std::string> Policy::summary_group_names() const {
  std::vector<std::string> names;
  for (const auto& group : program_->summary.groups) names.push_back(group.name);
  return names;
}

std::string Policy::serialize() const { return serialize_program(*program_); }
std::string Policy::disassemble() const { return precept::disassemble(*program_); }

CompileResult load_policy(std::string_view bytes, std::string file_name) {
  auto program = std::make_shared<Program>();
  std::string error;
  if (!deserialize_program(bytes, *program, error))
    return refused_policy(file_name, "cannot load the compiled program: " + error,
                          "compile the policy again with `precept compile`");
  if (!verify_program(*program, error))
    return refused_policy(file_name, "the compiled program is not valid: " + error,
                          "the file may be damaged; compile the policy again with `precept compile`");
  CompileResult result;
  result.policy = PolicyAccess::make(std::move(program));
  return result;
}

}  // namespace precept
