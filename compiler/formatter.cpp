// The policy formatter. It works on the token stream, not the AST: the AST has
// already forgotten how a number or a text was spelt, which of `yuan` and `元`
// was used, and where the comments were. The parse tree only says where the
// layout's lines and columns fall; every token is printed as the officer wrote it.
//
// Comments are sorted onto tokens: an own-line comment leads the token after it,
// an end-of-line comment trails the token before it (a comment after a table
// row's closing `|` is part of that token, ROW_END). Since tokens are printed in
// their order, every comment stays between the same two tokens. A comment inside
// something that is normally one line (a field, a table row, a `when`) forces a
// line break there, and that line then leaves the column alignment.
#include "formatter.hpp"

#include "ast_builder.hpp"
#include "diagnostics.hpp"
#include "large_stack.hpp"
#include "text_width.hpp"

#include <precept/policy.hpp>

#include <PreceptLexer.h>
#include <PreceptParser.h>
#include <antlr4-runtime.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

namespace precept {

using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::tree::TerminalNode;
using grammar::PreceptLexer;
using grammar::PreceptParser;

namespace {

constexpr std::size_t kIndent = 2;        // fields, rows, `when` lines, metadata lines
constexpr std::size_t kContinuation = 4;  // an expression wrapped inside one of those

struct Comment {
  std::string text;
  std::size_t column = 1;  // where it began in the source, 1-based
  bool blank_before = false;
};

// What the source has around a token besides the token itself, and how the
// token is spaced.
struct TokenInfo {
  std::vector<Comment> lead;  // own-line comments between the previous token and this one
  std::string trail;          // the comment ending this token's line
  bool blank_before = false;  // a blank line just before the token (after its lead comments)
  bool prefix = false;        // a unary `-`: nothing between it and its operand
  bool call_paren = false;    // the `(` of a call: attached to the function's name
  bool dropped = false;       // a trailing comma the canonical layout leaves out
};

// One line of output. A line with no text is a comment on a line of its own.
struct Line {
  std::size_t indent = 0;
  std::string text;
  std::string comment;
  bool blank_before = false;
};

// One line of an aligned block: a record field, a `when`, a table row, a summary
// item, a `let` in a run of them.
struct Row {
  std::vector<std::string> cells;
  std::vector<Line> lines;  // instead of cells when a comment inside breaks the row
  std::vector<Comment> lead;
  std::string comment;
  std::string after;  // a comment for the line after the row
  bool blank_before = false;
  int group = 0;  // rows align with the rows of their group only
};

enum class BlockStyle { Columns, Table };

std::string trim_right(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.pop_back();
  return text;
}

// Operators with more than one spelling, in the spelling the house style uses.
std::string canonical_text(const Token* token) {
  switch (token->getType()) {
    case PreceptLexer::ARROW: return "->";
    case PreceptLexer::ROW_END: return "|";
    default: break;
  }
  const std::string text = token->getText();
  if (text == "≤") return "<=";
  if (text == "≥") return ">=";
  if (text == "≠" || text == "<>") return "!=";
  if (text == "==") return "=";
  return text;
}

// The comment a ROW_END token carries after its `|`, if any.
std::string row_end_comment(const std::string& token_text) {
  const std::size_t hash = token_text.find('#');
  if (hash == std::string::npos) return {};
  return trim_right(token_text.substr(hash, token_text.find_first_of("\r\n", hash) - hash));
}

// What must survive formatting: every token's canonical spelling, and every
// comment, in order. The spelling decides the token's kind when it is lexed again,
// except that a `|` ending a line is a row's end; so that is marked.
struct Fingerprint {
  enum Mark { kToken, kRowEnd, kComment };
  std::vector<std::pair<Mark, std::string>> items;
  std::vector<std::size_t> lines;  // where each item is, to point at a difference

  void add(Mark mark, std::string text, std::size_t line) {
    items.emplace_back(mark, std::move(text));
    lines.push_back(line);
  }
};

Fingerprint fingerprint(antlr4::CommonTokenStream& tokens, const std::vector<TokenInfo>* info) {
  Fingerprint out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token* t = tokens.get(i);
    if (t->getType() == PreceptLexer::COMMENT) {
      out.add(Fingerprint::kComment, trim_right(t->getText()), t->getLine());
      continue;
    }
    if (t->getChannel() != Token::DEFAULT_CHANNEL || (info && (*info)[i].dropped)) continue;
    const bool row_end = t->getType() == PreceptLexer::ROW_END;
    out.add(row_end ? Fingerprint::kRowEnd : Fingerprint::kToken, canonical_text(t), t->getLine());
    if (row_end)
      if (std::string comment = row_end_comment(t->getText()); !comment.empty())
        out.add(Fingerprint::kComment, std::move(comment), t->getLine());
  }
  return out;
}

// The line of the original where the two part, for the internal-error message.
std::size_t first_difference_line(const Fingerprint& original, const Fingerprint& formatted) {
  std::size_t at = 0;
  while (at < original.items.size() && at < formatted.items.size() && original.items[at] == formatted.items[at]) ++at;
  return at < original.lines.size() ? original.lines[at] : original.lines.empty() ? 0 : original.lines.back();
}

// The lexer and parser over one text, clean: the caller has made sure it parses.
class Parsed {
 public:
  explicit Parsed(std::string text) : text_(std::move(text)) {
    // A table row ends with a line end; a policy whose last line is a row may lack one.
    if (!text_.empty() && text_.back() != '\n') text_.push_back('\n');
    input_ = std::make_unique<antlr4::ANTLRInputStream>(text_);
    lexer_ = std::make_unique<PreceptLexer>(input_.get());
    lexer_->removeErrorListeners();
    tokens_ = std::make_unique<antlr4::CommonTokenStream>(lexer_.get());
    tokens_->fill();
  }

  antlr4::CommonTokenStream& tokens() { return *tokens_; }

  // Parses once; null when the text has a syntax error after all.
  PreceptParser::PolicyFileContext* tree() {
    if (!parser_) {
      parser_ = std::make_unique<PreceptParser>(tokens_.get());
      parser_->removeErrorListeners();
      tree_ = parser_->policyFile();
      if (parser_->getNumberOfSyntaxErrors() > 0) tree_ = nullptr;
    }
    return tree_;
  }

 private:
  std::string text_;
  std::unique_ptr<antlr4::ANTLRInputStream> input_;
  std::unique_ptr<PreceptLexer> lexer_;
  std::unique_ptr<antlr4::CommonTokenStream> tokens_;
  std::unique_ptr<PreceptParser> parser_;
  PreceptParser::PolicyFileContext* tree_ = nullptr;
};

enum class Kind { Header, Enum, Record, Param, Let, Rule, Decide, Table, Require, Output, Summary, Example, Exception };

Kind kind_of(PreceptParser::DeclarationContext* d) {
  // A layered policy's changes group with what they change.
  if (d->overrideDecl()) return Kind::Param;
  if (auto* r = d->replaceDecl()) return r->letDecl() ? Kind::Let : r->ruleDecl() ? Kind::Rule : Kind::Decide;
  if (d->exceptionDecl()) return Kind::Exception;
  if (auto* e = d->extendDecl()) {
    if (dynamic_cast<PreceptParser::ExtendEnumContext*>(e)) return Kind::Enum;
    if (dynamic_cast<PreceptParser::ExtendRecordContext*>(e)) return Kind::Record;
    return Kind::Table;
  }
  if (d->enumDecl()) return Kind::Enum;
  if (d->recordDecl()) return Kind::Record;
  if (d->paramDecl()) return Kind::Param;
  if (d->letDecl()) return Kind::Let;
  if (d->ruleDecl()) return Kind::Rule;
  if (d->decideDecl()) return Kind::Decide;
  if (d->tableDecl()) return Kind::Table;
  if (d->requireDecl()) return Kind::Require;
  if (d->outputDecl()) return Kind::Output;
  if (d->exampleDecl()) return Kind::Example;
  return Kind::Summary;
}

// Short declarations of one kind written one under the other stay together, as
// a group of enums or of lets does in the policies; everything else is set apart
// by a blank line.
bool may_stay_together(Kind previous, Kind next) {
  if (previous != next) return false;
  return next == Kind::Enum || next == Kind::Param || next == Kind::Let || next == Kind::Rule || next == Kind::Require;
}

class Formatter {
 public:
  Formatter(antlr4::CommonTokenStream& tokens, PreceptParser::PolicyFileContext* tree, const FormatOptions& options)
      : tokens_(tokens), tree_(tree), width_(options.width) {
    sort_comments();
    mark_tokens();
  }

  const std::vector<TokenInfo>& info() const { return info_; }

  // policyFile : header declaration* EOF
  std::string run() {
    auto* header = tree_->header();
    const std::size_t first = start(header);
    // Comments above the header belong to the file, at the left margin.
    for (std::size_t j = 0; j < info_[first].lead.size(); ++j)
      push({0, "", info_[first].lead[j].text, j > 0 && info_[first].lead[j].blank_before});
    pending_blank_ = !info_[first].lead.empty() && info_[first].blank_before;
    header_line(header);

    Kind previous = Kind::Header;
    const auto declarations = tree_->declaration();
    for (std::size_t k = 0; k < declarations.size();) {
      const Kind kind = kind_of(declarations[k]);
      separate(start(declarations[k]), !may_stay_together(previous, kind));
      k = declaration(declarations, k);
      previous = kind;
    }
    separate(index(tree_->EOF()), false);
    return render();
  }

 private:
  // ---- tokens and their comments ----

  const Token* token(std::size_t i) const { return tokens_.get(i); }
  bool visible(std::size_t i) const { return token(i)->getChannel() == Token::DEFAULT_CHANNEL; }
  static std::size_t start(ParserRuleContext* ctx) { return ctx->getStart()->getTokenIndex(); }
  static std::size_t stop(ParserRuleContext* ctx) { return ctx->getStop()->getTokenIndex(); }
  static std::size_t index(TerminalNode* node) { return node->getSymbol()->getTokenIndex(); }
  std::size_t previous_visible(std::size_t i) const {
    while (i > 0 && !visible(--i)) {
    }
    return i;
  }
  // The token `text` among the direct children of `ctx` (`:`, `=`, `{`).
  static std::size_t child_token(ParserRuleContext* ctx, const std::string& text) {
    for (auto* child : ctx->children)
      if (auto* leaf = dynamic_cast<TerminalNode*>(child); leaf && leaf->getText() == text) return index(leaf);
    return stop(ctx);
  }

  void sort_comments() {
    info_.resize(tokens_.size());
    std::optional<std::size_t> previous;  // the last visible token
    std::size_t last_line = 0;            // the last line with a token or a comment
    std::vector<Comment> pending;
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      const Token* t = token(i);
      const std::size_t line = t->getLine();
      if (t->getType() == PreceptLexer::COMMENT) {
        if (previous && token(*previous)->getLine() == line && token(*previous)->getType() != PreceptLexer::ROW_END)
          info_[*previous].trail = trim_right(t->getText());
        else
          pending.push_back(
              {trim_right(t->getText()), t->getCharPositionInLine() + 1, last_line && line > last_line + 1});
        last_line = line;
        continue;
      }
      if (!visible(i)) continue;
      info_[i].lead = std::move(pending);
      pending.clear();
      info_[i].blank_before = last_line && line > last_line + 1;
      if (t->getType() == PreceptLexer::ROW_END) info_[i].trail = row_end_comment(t->getText());
      previous = i;
      last_line = line;
    }
  }

  // Spacing that depends on the construct, not the token: unary minus, a call's
  // `(`, and the trailing commas that are left out. Iterative: operator chains
  // nest thousands deep.
  void mark_tokens() {
    std::vector<antlr4::tree::ParseTree*> pending{tree_};
    while (!pending.empty()) {
      antlr4::tree::ParseTree* node = pending.back();
      pending.pop_back();
      if (auto* negate = dynamic_cast<PreceptParser::NegateExprContext*>(node)) {
        info_[start(negate)].prefix = true;
      } else if (auto* call = dynamic_cast<PreceptParser::CallExprContext*>(node)) {
        info_[child_token(call, "(")].call_paren = true;
      } else if (auto* enum_decl = dynamic_cast<PreceptParser::EnumDeclContext*>(node)) {
        drop_if_comma(previous_visible(stop(enum_decl)));
      } else if (auto* field = dynamic_cast<PreceptParser::FieldDeclContext*>(node)) {
        drop_if_comma(stop(field));
      }
      for (auto* child : node->children) pending.push_back(child);
    }
  }

  // A comma with a comment on a line of its own before it stays: dropping it would
  // leave that comment nowhere to be.
  void drop_if_comma(std::size_t i) {
    if (token(i)->getText() == "," && info_[i].lead.empty()) info_[i].dropped = true;
  }

  std::string text(std::size_t i) const { return canonical_text(token(i)); }

  bool space_between(std::size_t before, std::size_t after) const {
    if (info_[before].prefix || info_[after].call_paren) return false;
    const std::string& b = token(before)->getText();
    const std::string& a = token(after)->getText();
    if (b == "(" || b == "." || b == "[") return false;  // `[` `]` bracket an example's list
    return !(a == ")" || a == "," || a == "." || a == "%" || a == ":" || a == "]");
  }

  // Tokens first..last on one line, comments aside (the caller has made sure there
  // are none inside).
  std::string join(std::size_t first, std::size_t last) const {
    std::string out;
    std::optional<std::size_t> previous;
    for (std::size_t i = first; i <= last; ++i) {
      if (!visible(i) || info_[i].dropped) continue;
      if (previous && space_between(*previous, i)) out += ' ';
      out += text(i);
      previous = i;
    }
    return out;
  }

  std::string join(ParserRuleContext* ctx) const { return join(start(ctx), stop(ctx)); }

  // A comment between first and last, which a one-line layout would have to move.
  bool comments_inside(std::size_t first, std::size_t last) const {
    for (std::size_t i = first; i <= last; ++i) {
      if (!visible(i)) continue;
      if (i != first && !info_[i].lead.empty()) return true;
      if (i != last && !info_[i].trail.empty()) return true;
    }
    return false;
  }

  bool fits_one_line(std::size_t first, std::size_t last, std::size_t indent = 0) const {
    return !comments_inside(first, last) && indent + display_width(join(first, last)) <= width_;
  }

  // ---- lines ----

  // Width of the words from `from` up to the next place the line may break.
  std::size_t segment_width(std::size_t from, std::size_t last, const std::set<std::size_t>& breaks) const {
    std::size_t width = 0;
    std::optional<std::size_t> previous;
    for (std::size_t i = from; i <= last; ++i) {
      if (!visible(i)) continue;
      if (i != from && (breaks.count(i) || !info_[i].lead.empty())) break;
      if (!info_[i].dropped) {
        if (previous && space_between(*previous, i)) ++width;
        width += display_width(text(i));
        previous = i;
      }
      if (!info_[i].trail.empty()) break;
    }
    return width;
  }

  // How a line may break before the tokens in `breaks`: Fill breaks where the next
  // item would pass the width (lists); All breaks at every one once the whole does
  // not fit on one line (a condition then reads one alternative a line).
  enum class Breaks { Fill, All };

  // Tokens first..last as lines: the first at `indent`, any further one at
  // `continuation`. A comment inside ends its line, and so may a token in `breaks`.
  // The comments leading `first` and trailing `last` are the caller's.
  std::vector<Line> flow(std::size_t first, std::size_t last, std::size_t indent, std::size_t continuation,
                         const std::set<std::size_t>& breaks = {}, Breaks how = Breaks::Fill) const {
    const bool break_all = how == Breaks::All && !breaks.empty() && indent + display_width(join(first, last)) > width_;
    std::vector<Line> lines;
    Line line{indent, "", "", false};
    std::size_t column = indent;
    std::optional<std::size_t> previous;
    auto end_line = [&] {
      lines.push_back(std::move(line));
      line = Line{continuation, "", "", false};
      column = continuation;
      previous.reset();
    };
    for (std::size_t i = first; i <= last; ++i) {
      if (!visible(i)) continue;
      if (i != first)
        for (const Comment& c : info_[i].lead) {
          if (!line.text.empty()) end_line();
          lines.push_back({continuation, "", c.text, false});
        }
      if (!info_[i].dropped) {
        if (breaks.count(i) && !line.text.empty() &&
            (break_all || column + 1 + segment_width(i, last, breaks) > width_))
          end_line();
        const bool space = previous && space_between(*previous, i);
        const std::string word = text(i);
        if (space) line.text += ' ';
        line.text += word;
        column += (space ? 1 : 0) + display_width(word);
        previous = i;
      }
      if (i != last && !info_[i].trail.empty()) {
        line.comment = info_[i].trail;
        end_line();
      }
    }
    if (!line.text.empty()) lines.push_back(std::move(line));
    return lines;
  }

  static void attach(std::vector<Line>& lines, const std::string& comment, std::size_t indent) {
    if (comment.empty()) return;
    if (!lines.empty() && !lines.back().text.empty() && lines.back().comment.empty())
      lines.back().comment = comment;
    else
      lines.push_back({indent, "", comment, false});
  }

  void push(Line line) {
    if (pending_blank_) line.blank_before = true;
    pending_blank_ = false;
    lines_.push_back(std::move(line));
  }

  void emit_flow(std::size_t first, std::size_t last, std::size_t indent, std::size_t continuation,
                 const std::set<std::size_t>& breaks = {}, Breaks how = Breaks::Fill) {
    std::vector<Line> lines = flow(first, last, indent, continuation, breaks, how);
    attach(lines, info_[last].trail, continuation);
    for (Line& line : lines) push(std::move(line));
  }

  // Own-line comments before a token inside a declaration, at that token's indent.
  void emit_lead(std::size_t i, std::size_t indent, bool keep_first_blank) {
    const auto& lead = info_[i].lead;
    for (std::size_t j = 0; j < lead.size(); ++j)
      push({indent, "", lead[j].text, (j > 0 || keep_first_blank) && lead[j].blank_before});
  }

  // A closing `}` at the margin, its own-line comments inside the braces.
  void closing_brace(std::size_t close, bool after_rows) {
    emit_lead(close, kIndent, after_rows);
    push({0, "}", info_[close].trail, false});
  }

  // Between declarations: indented comments right under the previous declaration
  // stay with it (a note under a `param`, a table row commented out at the table's
  // end); the others lead the next declaration, after the blank line if any.
  void separate(std::size_t first, bool blank_line) {
    const auto& lead = info_[first].lead;
    std::size_t stay = 0;
    for (; stay < lead.size() && lead[stay].column > 1 && !lead[stay].blank_before; ++stay)
      push({kIndent, "", lead[stay].text, false});
    pending_blank_ = blank_line || (stay < lead.size() ? lead[stay].blank_before : info_[first].blank_before);
    for (std::size_t j = stay; j < lead.size(); ++j) push({0, "", lead[j].text, j > stay && lead[j].blank_before});
    if (stay < lead.size()) pending_blank_ = info_[first].blank_before;
  }

  // ---- aligned blocks ----

  // A row from its cells, or from flow() when a comment sits inside it. A trailing
  // comma that is left out takes its comment along to the row's end, so the row
  // reads the same as when the comma is gone.
  template <class Cells>
  Row row(std::size_t first, std::size_t last, Cells cells, int group = 0) const {
    Row r;
    r.lead = info_[first].lead;
    r.blank_before = info_[first].blank_before;
    r.group = group;
    std::size_t end = last;
    while (end > first && (!visible(end) || info_[end].dropped)) --end;
    r.comment = info_[end].trail.empty() ? info_[last].trail : info_[end].trail;
    // With a comment before the comma and one after, the second has the next line.
    if (end != last && !info_[end].trail.empty()) r.after = info_[last].trail;
    if (comments_inside(first, end)) {
      r.lines = flow(first, end, kIndent, kContinuation);
    } else {
      r.cells = cells();
    }
    return r;
  }

  // Cells are padded to the widest in their column; in Columns style the last
  // cell of a row is not padded, and does not widen its column.
  void emit_block(std::vector<Row> rows, std::size_t indent, BlockStyle style) {
    std::map<int, std::vector<std::size_t>> widths;
    for (Row& r : rows) {
      if (style == BlockStyle::Columns)
        while (!r.cells.empty() && r.cells.back().empty()) r.cells.pop_back();
      if (r.cells.empty()) continue;
      const std::size_t padded = style == BlockStyle::Table ? r.cells.size() : r.cells.size() - 1;
      auto& w = widths[r.group];
      if (w.size() < padded) w.resize(padded, 0);
      for (std::size_t c = 0; c < padded; ++c) w[c] = std::max(w[c], display_width(r.cells[c]));
    }
    for (std::size_t k = 0; k < rows.size(); ++k) {
      Row& r = rows[k];
      for (std::size_t j = 0; j < r.lead.size(); ++j)
        push({indent, "", r.lead[j].text, (k > 0 || j > 0) && r.lead[j].blank_before});
      const bool blank = (k > 0 || !r.lead.empty()) && r.blank_before;
      if (!r.lines.empty()) {
        std::vector<Line> lines = std::move(r.lines);
        lines.front().blank_before = blank;
        attach(lines, r.comment, indent);
        for (Line& line : lines) push(std::move(line));
      } else if (!r.cells.empty()) {
        push({indent, cells_text(r, widths[r.group], style), r.comment, blank});
      }
      if (!r.after.empty()) push({indent, "", r.after, false});
    }
  }

  static std::string cells_text(const Row& r, const std::vector<std::size_t>& w, BlockStyle style) {
    std::string text;
    if (style == BlockStyle::Table) {
      text = "|";
      for (std::size_t c = 0; c < r.cells.size(); ++c) text += " " + pad_right(r.cells[c], w[c]) + " |";
    } else {
      for (std::size_t c = 0; c + 1 < r.cells.size(); ++c)
        if (w[c] > 0) text += pad_right(r.cells[c], w[c]) + " ";
      text += r.cells.back();
    }
    return text;
  }

  // ---- declarations ----

  // header : POLICY STRING headerClause*
  void header_line(PreceptParser::HeaderContext* ctx) { emit_flow(start(ctx), stop(ctx), 0, kIndent); }

  // declaration : enumDecl | recordDecl | ... ; returns the next declaration to lay out.
  std::size_t declaration(const std::vector<PreceptParser::DeclarationContext*>& all, std::size_t k) {
    PreceptParser::DeclarationContext* d = all[k];
    if (layer_decl(d)) return k + 1;
    if (auto* p = d->paramDecl(); p && !p->datedValue().empty()) dated_value(start(p), p->datedValue());
    else if (auto* e = d->enumDecl()) enum_decl(e);
    else if (auto* r = d->recordDecl()) record_decl(r);
    else if (d->paramDecl() || d->letDecl()) return value_decls(all, k);
    else if (auto* u = d->ruleDecl()) rule_decl(u);
    else if (auto* c = d->decideDecl()) decide_decl(c);
    else if (auto* t = d->tableDecl()) table_decl(t);
    else if (auto* q = d->requireDecl()) require_decl(q);
    else if (auto* o = d->outputDecl()) output_decl(o);
    else if (auto* s = d->summaryDecl()) summary_decl(s);
    else if (auto* x = d->exampleDecl()) example_decl(x);
    else if (auto* g = d->registerDecl()) register_decl(g);
    return k + 1;
  }

  // enumDecl : ENUM name '{' name (',' name)* ','? '}'
  // One line when it fits; otherwise the members fill lines inside the braces.
  void enum_decl(PreceptParser::EnumDeclContext* ctx) {
    const std::size_t first = begin_of(ctx), close = stop(ctx);
    if (fits_one_line(first, close)) {
      push({0, join(first, close), info_[close].trail, false});
      return;
    }
    emit_flow(first, child_token(ctx, "{"), 0, kIndent);
    const auto names = ctx->name();
    const std::size_t first_member = start(names[1]);
    std::set<std::size_t> breaks;
    for (std::size_t i = 2; i < names.size(); ++i) breaks.insert(start(names[i]));
    emit_lead(first_member, kIndent, false);
    emit_flow(first_member, previous_visible(close), kIndent, kIndent, breaks);
    closing_brace(close, true);
  }

  // recordDecl : RECORD name '{' fieldDecl* '}'
  // fieldDecl  : name ':' OPTIONAL? typeRef (WHERE compareOp expr)? (DEFAULT expr)? STRING? ','?
  // Columns: `name:`, the type with its `where` and `default`, the description.
  void record_decl(PreceptParser::RecordDeclContext* ctx) {
    emit_flow(begin_of(ctx), child_token(ctx, "{"), 0, kIndent);
    std::vector<Row> rows;
    for (auto* field : ctx->fieldDecl()) {
      const std::size_t first = start(field), last = stop(field), colon = child_token(field, ":");
      rows.push_back(row(first, last, [&] {
        const std::size_t type_end = field->STRING() ? previous_visible(index(field->STRING())) : last;
        return std::vector<std::string>{join(first, colon), join(colon + 1, type_end),
                                        field->STRING() ? text(index(field->STRING())) : std::string()};
      }));
    }
    const bool has_rows = !rows.empty();
    emit_block(std::move(rows), kIndent, BlockStyle::Columns);
    closing_brace(stop(ctx), has_rows);
  }

  // registerDecl : REGISTER '{' registerItem* '}'
  // One item a line, its keyword in a column of its own.
  void register_decl(PreceptParser::RegisterDeclContext* ctx) {
    emit_flow(start(ctx), child_token(ctx, "{"), 0, kIndent);
    std::vector<Row> rows;
    for (auto* item : ctx->registerItem()) {
      const std::size_t first = start(item), last = stop(item);
      rows.push_back(row(first, last, [&] { return std::vector<std::string>{join(first, first), join(first + 1, last)}; }));
    }
    const bool has_rows = !rows.empty();
    emit_block(std::move(rows), kIndent, BlockStyle::Columns);
    closing_brace(stop(ctx), has_rows);
  }

  // metadata : STRING #descriptionMeta | SOURCE STRING #sourceMeta
  // On the line after the declaration, filled to the width.
  void metadata(const std::vector<PreceptParser::MetadataContext*>& items) {
    if (items.empty()) return;
    std::set<std::size_t> breaks;
    for (std::size_t i = 1; i < items.size(); ++i) breaks.insert(start(items[i]));
    emit_lead(start(items.front()), kIndent, false);
    emit_flow(start(items.front()), stop(items.back()), kIndent, kIndent, breaks);
  }

  // expr : expr AND expr #andExpr | expr OR expr #orExpr
  // Where a long condition is wrapped: before each `or` of its top-level chain, or
  // each `and` when it is an `and` chain, the operators that read as a list of
  // criteria. Parentheses are never opened up.
  std::set<std::size_t> condition_breaks(PreceptParser::ExprContext* expr) const {
    std::set<std::size_t> breaks;
    if (dynamic_cast<PreceptParser::OrExprContext*>(expr)) {
      while (auto* chain = dynamic_cast<PreceptParser::OrExprContext*>(expr)) {
        breaks.insert(index(chain->OR()));
        expr = chain->expr(0);
      }
    } else {
      while (auto* chain = dynamic_cast<PreceptParser::AndExprContext*>(expr)) {
        breaks.insert(index(chain->AND()));
        expr = chain->expr(0);
      }
    }
    return breaks;
  }

  struct ValueDecl {
    std::size_t first = 0, value_end = 0, colon = 0, equals = 0;
    PreceptParser::TypeRefContext* type = nullptr;
    PreceptParser::ExprContext* value = nullptr;
    std::vector<PreceptParser::MetadataContext*> metadata;
  };

  // paramDecl : PARAM name ':' typeRef '=' expr metadata*
  // letDecl   : LET name (':' typeRef)? '=' expr metadata*
  ValueDecl value_decl(PreceptParser::DeclarationContext* d) const {
    ValueDecl v;
    ParserRuleContext* ctx = d->paramDecl() ? static_cast<ParserRuleContext*>(d->paramDecl()) : d->letDecl();
    if (auto* p = d->paramDecl()) {
      v.type = p->typeRef();
      v.value = p->expr();
      v.metadata = p->metadata();
    } else {
      v.type = d->letDecl()->typeRef();
      v.value = d->letDecl()->expr();
      v.metadata = d->letDecl()->metadata();
    }
    v.first = start(ctx);
    v.value_end = stop(v.value);
    v.equals = child_token(ctx, "=");
    v.colon = v.type ? child_token(ctx, ":") : previous_visible(v.equals);
    return v;
  }

  // A `param` with one value or a `let`: not dated, not `override` or `replace`.
  static bool plain_value(PreceptParser::DeclarationContext* d) {
    return (d->paramDecl() && d->paramDecl()->expr()) || d->letDecl();
  }

  bool one_line_value(PreceptParser::DeclarationContext* d) const {
    const ValueDecl v = value_decl(d);
    return v.metadata.empty() && fits_one_line(v.first, v.value_end);
  }

  // `param`s and `let`s written one under the other, each on one line, align their
  // names, types and `=` (tests/compiler/policies/arithmetic.pol). One with metadata
  // is on its own, the metadata on the next line.
  std::size_t value_decls(const std::vector<PreceptParser::DeclarationContext*>& all, std::size_t k) {
    if (!one_line_value(all[k])) {
      const ValueDecl v = value_decl(all[k]);
      emit_flow(v.first, v.value_end, 0, kContinuation, condition_breaks(v.value), Breaks::All);
      metadata(v.metadata);
      return k + 1;
    }
    const Kind kind = kind_of(all[k]);
    std::vector<Row> rows;
    std::size_t next = k;
    do {
      const ValueDecl v = value_decl(all[next]);
      rows.push_back(row(v.first, v.value_end, [&] {
        return std::vector<std::string>{join(v.first, v.colon), v.type ? join(v.type) : std::string(),
                                        join(v.equals, v.value_end)};
      }));
      ++next;
    } while (next < all.size() && kind_of(all[next]) == kind && plain_value(all[next]) && one_line_value(all[next]) &&
             info_[start(all[next])].lead.empty() && !info_[start(all[next])].blank_before);
    rows.front().lead.clear();  // separate() has placed them, before the blank line's decision
    emit_block(std::move(rows), 0, BlockStyle::Columns);
    return next;
  }

  // ruleDecl : RULE name STRING? ':' expr metadata*
  // A rule with a label has its condition on the next line, as in the policies;
  // one without stays on one line when it fits.
  void rule_decl(PreceptParser::RuleDeclContext* ctx) {
    const std::size_t first = begin_of(ctx), colon = child_token(ctx, ":");
    const std::size_t condition = start(ctx->expr()), end = stop(ctx->expr());
    if (!ctx->STRING() && fits_one_line(first, end)) {
      push({0, join(first, end), info_[end].trail, false});
    } else {
      emit_flow(first, colon, 0, kIndent);
      emit_lead(condition, kIndent, false);
      emit_flow(condition, end, kIndent, kContinuation, condition_breaks(ctx->expr()), Breaks::All);
    }
    metadata(ctx->metadata());
  }

  // decideDecl     : DECIDE name (':' typeRef)? STRING? whenClause+ otherwiseClause
  // whenClause     : WHEN expr ARROW expr
  // otherwiseClause: OTHERWISE ARROW expr
  // The arrows line up.
  void decide_decl(PreceptParser::DecideDeclContext* ctx) {
    const auto whens = ctx->whenClause();
    emit_flow(begin_of(ctx), previous_visible(start(whens.front())), 0, kIndent);
    std::vector<Row> rows;
    auto branch = [&](ParserRuleContext* clause, TerminalNode* arrow) {
      const std::size_t first = start(clause), last = stop(clause), at = index(arrow);
      rows.push_back(row(first, last, [&] {
        return std::vector<std::string>{join(first, previous_visible(at)), join(at, last)};
      }));
    };
    for (auto* when : whens) branch(when, when->ARROW());
    if (auto* otherwise = ctx->otherwiseClause()) branch(otherwise, otherwise->ARROW());
    emit_block(std::move(rows), kIndent, BlockStyle::Columns);
  }

  // tableDecl  : TABLE name STRING? hitPolicy (WHEN expr)? tableHeader tableRow+
  // tableHeader: '|' headerCell ('|' headerCell)* ROW_END
  // tableRow   : '|' cell ('|' cell)* ROW_END
  // Every cell is padded to its column's display width.
  void table_decl(PreceptParser::TableDeclContext* ctx) {
    table_lines(start(ctx), ctx->tableHeader(), ctx->tableRow());
  }

  // The first line of a table (or `extend table`), then its header and rows.
  void table_lines(std::size_t first, PreceptParser::TableHeaderContext* header,
                   const std::vector<PreceptParser::TableRowContext*>& table_rows) {
    emit_flow(first, previous_visible(start(header)), 0, kIndent);
    std::vector<Row> rows;
    auto add = [&](ParserRuleContext* line, const auto& cells) {
      rows.push_back(row(start(line), stop(line), [&] {
        std::vector<std::string> texts;
        for (auto* cell : cells) texts.push_back(join(cell));
        return texts;
      }));
    };
    add(header, header->headerCell());
    for (auto* table_row : table_rows) add(table_row, table_row->cell());
    emit_block(std::move(rows), kIndent, BlockStyle::Table);
  }

  // ---- layered policies ----

  // A declaration after `replace` or `extend` starts at that word.
  std::optional<std::size_t> prefix_start_;
  std::size_t begin_of(ParserRuleContext* ctx) {
    const std::size_t first = prefix_start_ ? *prefix_start_ : start(ctx);
    prefix_start_.reset();
    return first;
  }

  // overrideDecl | replaceDecl | exceptionDecl | extendDecl; false for any other.
  bool layer_decl(PreceptParser::DeclarationContext* d) {
    // overrideDecl : OVERRIDE PARAM name ('=' expr metadata* | metadata* datedValue+)
    if (auto* o = d->overrideDecl()) {
      if (!o->datedValue().empty()) {
        dated_value(start(o), o->datedValue());
      } else if (o->expr()) {
        emit_flow(start(o), stop(o->expr()), 0, kContinuation, condition_breaks(o->expr()), Breaks::All);
        metadata(o->metadata());
      }
      return true;
    }
    // replaceDecl : REPLACE (letDecl | ruleDecl | decideDecl)
    if (auto* r = d->replaceDecl()) {
      prefix_start_ = start(r);
      if (auto* l = r->letDecl()) {
        emit_flow(begin_of(l), stop(l->expr()), 0, kContinuation, condition_breaks(l->expr()), Breaks::All);
        metadata(l->metadata());
      } else if (auto* u = r->ruleDecl()) {
        rule_decl(u);
      } else if (auto* c = r->decideDecl()) {
        decide_decl(c);
      }
      prefix_start_.reset();
      return true;
    }
    // exceptionDecl : EXCEPTION name TO name STRING? WHEN expr ARROW expr metadata*
    // One line when it fits, else the condition's `and`/`or` wrap; metadata below.
    if (auto* x = d->exceptionDecl()) {
      const auto exprs = x->expr();
      const std::size_t end = stop(exprs.back());
      emit_flow(start(x), end, 0, kContinuation, condition_breaks(exprs.front()), Breaks::All);
      metadata(x->metadata());
      return true;
    }
    // extendDecl : EXTEND enumDecl | EXTEND recordDecl | EXTEND TABLE name tableHeader tableRow+
    if (auto* e = d->extendDecl()) {
      if (auto* en = dynamic_cast<PreceptParser::ExtendEnumContext*>(e)) {
        prefix_start_ = start(en);
        enum_decl(en->enumDecl());
      } else if (auto* rec = dynamic_cast<PreceptParser::ExtendRecordContext*>(e)) {
        prefix_start_ = start(rec);
        record_decl(rec->recordDecl());
      } else if (auto* t = dynamic_cast<PreceptParser::ExtendTableContext*>(e)) {
        table_lines(start(t), t->tableHeader(), t->tableRow());
      }
      prefix_start_.reset();
      return true;
    }
    return false;
  }

  // paramDecl : PARAM name ':' typeRef metadata* datedValue+   (and `override param`)
  // datedValue: NUMBER ARROW expr metadata*
  // The declaration and its description on the first line, one year a line below.
  void dated_value(std::size_t first, const std::vector<PreceptParser::DatedValueContext*>& entries) {
    emit_flow(first, previous_visible(start(entries.front())), 0, kIndent);
    for (auto* entry : entries) {
      emit_lead(start(entry), kIndent, false);
      emit_flow(start(entry), stop(entry), kIndent, kContinuation);
    }
  }

  // requireDecl : REQUIRE expr STRING?
  void require_decl(PreceptParser::RequireDeclContext* ctx) {
    std::set<std::size_t> breaks = condition_breaks(ctx->expr());
    if (ctx->STRING()) breaks.insert(index(ctx->STRING()));
    emit_flow(start(ctx), stop(ctx), 0, kIndent, breaks, Breaks::All);
  }

  // outputDecl : OUTPUT outputItem (',' outputItem)*
  // Items fill lines, further lines starting under the first item.
  void output_decl(PreceptParser::OutputDeclContext* ctx) {
    const auto items = ctx->outputItem();
    std::set<std::size_t> breaks;
    for (std::size_t i = 1; i < items.size(); ++i) breaks.insert(start(items[i]));
    emit_flow(start(ctx), stop(ctx), 0, display_width("output "), breaks);
  }

  // summaryDecl : SUMMARY summaryItem+
  // summaryItem : GROUP name '=' name (',' name)* #summaryGroup | name '=' expr #summaryMeasure
  // One item a line; the `=` of the measures line up, and those of the groups.
  void summary_decl(PreceptParser::SummaryDeclContext* ctx) {
    const std::size_t keyword = start(ctx);
    emit_flow(keyword, keyword, 0, kIndent);
    std::vector<Row> rows;
    for (auto* item : ctx->summaryItem()) {
      const std::size_t first = start(item), last = stop(item), equals = child_token(item, "=");
      const int group = dynamic_cast<PreceptParser::SummaryGroupContext*>(item) ? 1 : 0;
      rows.push_back(row(first, last, [&] {
        return std::vector<std::string>{join(first, previous_visible(equals)), join(equals, last)};
      }, group));
    }
    emit_block(std::move(rows), kIndent, BlockStyle::Columns);
  }

  // exampleDecl : EXAMPLE STRING (GIVEN exampleBinding (',' exampleBinding)*)? EXPECT exampleExpectation
  // The label on the first line; `given` and `expect` each on a line of their
  // own, their bindings filling lines, further lines indented under the first.
  void example_decl(PreceptParser::ExampleDeclContext* ctx) {
    const std::size_t first = start(ctx), expect = index(ctx->EXPECT());
    const std::size_t label_end = ctx->GIVEN() ? previous_visible(index(ctx->GIVEN())) : previous_visible(expect);
    emit_flow(first, label_end, 0, kIndent);
    const auto bindings_flow = [&](std::size_t from, std::size_t to, const std::vector<PreceptParser::ExampleBindingContext*>& bindings,
                                   const std::string& keyword) {
      emit_lead(from, kIndent, false);
      std::set<std::size_t> breaks;
      for (std::size_t i = 1; i < bindings.size(); ++i) breaks.insert(start(bindings[i]));
      emit_flow(from, to, kIndent, kIndent + display_width(keyword + " "), breaks);
    };
    if (ctx->GIVEN()) bindings_flow(index(ctx->GIVEN()), previous_visible(expect), ctx->exampleBinding(), "given");
    std::vector<PreceptParser::ExampleBindingContext*> expected;
    if (auto* values = dynamic_cast<PreceptParser::ExpectValuesContext*>(ctx->exampleExpectation()))
      expected = values->exampleBinding();
    bindings_flow(expect, stop(ctx), expected, "expect");
  }

  // ---- output ----

  // End-of-line comments on consecutive lines of one indent line up, two spaces
  // after the longest of those lines.
  std::string render() const {
    std::vector<std::size_t> comment_column(lines_.size(), 0);
    auto has_trailing = [&](std::size_t i) { return !lines_[i].text.empty() && !lines_[i].comment.empty(); };
    for (std::size_t i = 0; i < lines_.size();) {
      if (!has_trailing(i)) {
        ++i;
        continue;
      }
      std::size_t j = i, widest = 0;
      for (; j < lines_.size() && has_trailing(j) &&
             (j == i || (!lines_[j].blank_before && lines_[j].indent == lines_[i].indent));
           ++j)
        widest = std::max(widest, lines_[j].indent + display_width(lines_[j].text));
      for (std::size_t k = i; k < j; ++k) comment_column[k] = widest + 2;
      i = j;
    }
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const Line& line = lines_[i];
      if (i > 0 && line.blank_before) out += '\n';
      std::string text(line.indent, ' ');
      if (line.text.empty()) {
        text += line.comment;
      } else {
        text += line.text;
        if (!line.comment.empty()) text = pad_right(text, comment_column[i]) + line.comment;
      }
      out += text;
      out += '\n';
    }
    return out;
  }

  antlr4::CommonTokenStream& tokens_;
  PreceptParser::PolicyFileContext* tree_;
  std::size_t width_;
  std::vector<TokenInfo> info_;
  std::vector<Line> lines_;
  bool pending_blank_ = false;
};

FormatResult format_here(std::string_view source, const std::string& file_name, const FormatOptions& options) {
  FormatResult result;
  DiagnosticSink sink(file_name, source, CompileOptions{}.max_errors);
  // The syntax errors are found, and worded, exactly as `precept check` does.
  if (!parse_policy(source, sink) || sink.error_count() > 0) {
    result.diagnostics = sink.take();
    return result;
  }
  Parsed original{std::string(source)};
  auto* tree = original.tree();
  auto internal_error = [&](std::size_t line, Message what) {
    ast::Location where;
    where.line = static_cast<std::uint32_t>(line);
    where.column = 1;
    sink.error(where, std::move(what), sink.say<MessageId::internal_format_hint>());
    result.diagnostics = sink.take();
    return result;
  };
  if (!tree) return internal_error(0, sink.say<MessageId::internal_format_unparsed>());
  Formatter formatter(original.tokens(), tree, options);
  std::string text = formatter.run();

  // The output must be the same policy with the same comments: same tokens, same
  // order, and it must parse.
  Parsed formatted{text};
  const Fingerprint before = fingerprint(original.tokens(), &formatter.info());
  const Fingerprint after = fingerprint(formatted.tokens(), nullptr);
  if (before.items != after.items)
    return internal_error(first_difference_line(before, after), sink.say<MessageId::internal_format_changes>());
  if (!formatted.tree()) return internal_error(0, sink.say<MessageId::internal_format_output_unparsed>());
  result.text = std::move(text);
  return result;
}

}  // namespace

FormatResult format_policy(std::string_view source, std::string file_name, const FormatOptions& options) {
  FormatResult result;
  auto work = [&] { result = format_here(source, file_name, options); };
  run_on_large_stack(work);
  return result;
}

}  // namespace precept
