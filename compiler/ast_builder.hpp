// Parsing: policy source -> parse tree (ANTLR, generated from grammar/Precept.g4)
// -> AST. Syntax errors are reported in plain words into the sink; when there are
// any, the returned tree is incomplete and must not be checked.
#pragma once

#include "ast.hpp"
#include "diagnostics.hpp"

#include <memory>
#include <string_view>

namespace precept {

std::unique_ptr<ast::PolicyFile> parse_policy(std::string_view source, DiagnosticSink& sink);

}  // namespace precept
