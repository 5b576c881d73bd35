// The one expression printer (compiler/expr_printer.hpp). Its promise: whatever
// the spelling, the printed text parses back to the same tree, and two different
// trees never print the same. The flat printer of layered policies and the
// structural diff's canonical printer used to disagree on `if missing` (the diff
// printed it as the loosest operator; the grammar binds it tighter than every
// operator but `- * / +`) and on texts (the diff did not escape `"`), so a changed
// grouping or a quoted word went unseen or printed as text that does not parse.
#include "ast_builder.hpp"
#include "diagnostics.hpp"
#include "expr_printer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace precept {
namespace {

// The tree of `text` as the value of a `let` (parsed only: names need not exist).
struct Parsed {
  std::string source;
  std::unique_ptr<ast::PolicyFile> file;
  const ast::Expr* expr = nullptr;
};

Parsed parse_expr(const std::string& text) {
  Parsed p;
  p.source = "policy \"printer\"\n\nlet x = " + text + "\n";
  DiagnosticSink sink("printer.pol", p.source, 10);
  p.file = parse_policy(p.source, sink);
  EXPECT_TRUE(p.file && sink.error_count() == 0) << "does not parse: " << text;
  if (p.file && !p.file->lets.empty() && p.file->lets[0].value) p.expr = p.file->lets[0].value.get();
  return p;
}

std::string printed(const std::string& text, ExprSpelling spelling) {
  const Parsed p = parse_expr(text);
  return p.expr ? print_expr(*p.expr, spelling) : std::string("<no tree>");
}

TEST(ExprPrinter, EverySpellingParsesBackToTheSameTree) {
  for (const char* text :
       {"(a or b) if missing c", "a or (b if missing c)", "(a if missing 0) + 1", "a if missing (0 + 1)",
        "(a if missing 0) < 5", "not (a and b) or c", "a - (b - c)", "(a - b) - c", "-(a * b)", "(-a) * b",
        "a * (b / c)", "x is missing and y is present", "(a if missing b) is missing", "members is not d",
        "\"say \\\"no\\\" \\\\ twice\"", "round(a * 1.50, 2) >= 2736.00 yuan", "s.max + 10%", "a = (b < c)"}) {
    for (const ExprSpelling spelling : {ExprSpelling::Flat, ExprSpelling::Canonical}) {
      const std::string once = printed(text, spelling);
      EXPECT_EQ(printed(once, spelling), once) << text;
      EXPECT_EQ(printed(once, ExprSpelling::Canonical), printed(text, ExprSpelling::Canonical)) << text;
    }
  }
}

TEST(ExprPrinter, DifferentGroupingsOfIfMissingPrintDifferently) {
  // The structural diff printed both as `a or b if missing c`, which parses as the second.
  EXPECT_EQ(printed("(a or b) if missing c", ExprSpelling::Canonical), "(a or b) if missing c");
  EXPECT_EQ(printed("a or (b if missing c)", ExprSpelling::Canonical), "a or b if missing c");
  EXPECT_EQ(printed("(a if missing 0) + 1", ExprSpelling::Canonical), "(a if missing 0) + 1");
}

TEST(ExprPrinter, TextsAreEscapedAsTheLexerReadsThem) {
  EXPECT_EQ(printed("\"say \\\"no\\\"\"", ExprSpelling::Canonical), "\"say \\\"no\\\"\"");
  EXPECT_EQ(printed("“直接”", ExprSpelling::Flat), "\"直接\"");
  EXPECT_EQ(quoted_text("a\tb\nc\\"), "\"a\\tb\\nc\\\\\"");
}

TEST(ExprPrinter, OnlyTheCanonicalSpellingDropsInsignificantZeros) {
  EXPECT_EQ(printed("2736.00 yuan + 1.50", ExprSpelling::Flat), "2736.00 yuan + 1.50");
  EXPECT_EQ(printed("2736.00 yuan + 1.50", ExprSpelling::Canonical), "2736 yuan + 1.5");
  EXPECT_EQ(printed("12.5%", ExprSpelling::Canonical), "12.5%");
}

TEST(ExprPrinter, ParenthesesOnlyWhereThePrecedenceNeedsThem) {
  EXPECT_EQ(printed("((a + b)) * (c)", ExprSpelling::Flat), "(a + b) * c");
  EXPECT_EQ(printed("not (a < b)", ExprSpelling::Flat), "not a < b");
  EXPECT_EQ(printed("a - (b - c)", ExprSpelling::Flat), "a - (b - c)");
  EXPECT_EQ(printed("(a - b) - c", ExprSpelling::Flat), "a - b - c");
  EXPECT_EQ(printed("f(a or b, (c))", ExprSpelling::Flat), "f(a or b, c)");
}

}  // namespace
}  // namespace precept
