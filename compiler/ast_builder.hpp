// Parsing: policy source -> parse tree (ANTLR, generated from grammar/Precept.g4)
// -> AST. Syntax errors are reported in plain words into the sink; when there are
// any, the returned tree is incomplete and must not be checked.
#pragma once

#include "ast.hpp"
#include "diagnostics.hpp"

#include <memory>
#include <string_view>

namespace precept {

// Whether the text can be parsed at all: not too large, and UTF-8. When not, the
// reason is in the sink. Every reader of policy source asks this first.
bool policy_text_usable(std::string_view source, DiagnosticSink& sink);

std::unique_ptr<ast::PolicyFile> parse_policy(std::string_view source, DiagnosticSink& sink);

}  // namespace precept
