// The one expression printer: an expression tree printed back as policy text.
//
// Every spelling puts parentheses only where grammar/Precept.g4's precedence
// needs them (so the text parses back to the same tree, and printing never adds
// nesting the parser limits) and writes a text with the escapes the lexer reads.
// The spellings differ only in what a reader of them needs:
//   - Flat: numbers as the officer wrote them (`2736.00 yuan`), for a merged,
//     layered policy printed back as one policy's source (compiler/flatten.cpp);
//   - Canonical: numbers without insignificant zeros (`2736 yuan`), so two trees
//     that mean the same print the same (the structural diff compares by it).
// `precept fmt` (compiler/formatter.cpp) is not a tree printer: it re-lays the
// officer's own tokens and comments, which the tree has forgotten.
#pragma once

#include "ast.hpp"

#include <string>

namespace precept {

enum class ExprSpelling { Flat, Canonical };

std::string print_expr(const ast::Expr& expr, ExprSpelling spelling = ExprSpelling::Flat);

// A text as a `"..."` literal the lexer reads back: `"` and `\` escaped, line
// breaks and tabs as \n and \t.
std::string quoted_text(const std::string& text);

}  // namespace precept
