// Parsing: policy source -> parse tree (ANTLR, generated from grammar/Precept.g4)
// -> AST. Syntax errors are reported in plain words into the sink; when there are
// any, the returned tree is incomplete and must not be checked.
#pragma once

#include "ast.hpp"
#include "diagnostics.hpp"

#include <memory>
#include <string_view>

namespace precept {

// Null when the text cannot be parsed at all (too large, not UTF-8) or its
// nesting is too deep; the reason is in the sink. Every reader of policy source
// comes through here, so each gets the same checks in the same words.
std::unique_ptr<ast::PolicyFile> parse_policy(std::string_view source, DiagnosticSink& sink);

}  // namespace precept
