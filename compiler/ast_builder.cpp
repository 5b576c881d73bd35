#include "ast_builder.hpp"

#include "policy_file.hpp"
#include "text_width.hpp"

#include <PreceptLexer.h>
#include <PreceptParser.h>
#include <antlr4-runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace precept {

using grammar::PreceptLexer;
using grammar::PreceptParser;
using antlr4::ParserRuleContext;
using antlr4::Token;

namespace {

using M = MessageId;

// Parser nesting is recursive in ANTLR's generated code; a pathological policy
// with thousands of nested parentheses must be refused before it can exhaust the
// C++ stack.
constexpr int kMaxNesting = 200;
// Long operator chains (`a + b + c + ...`) nest the tree one level per operator.
// The AST builder, checker and lowering recurse over that depth, so it is
// bounded here, measured without recursion: a 2,000-term sum still fits.
constexpr std::size_t kMaxTreeDepth = 6000;

ast::Location location_of(const Token* token) {
  ast::Location loc;
  if (!token) return loc;
  loc.line = static_cast<std::uint32_t>(token->getLine());
  loc.column = static_cast<std::uint32_t>(token->getCharPositionInLine()) + 1;
  loc.length = static_cast<std::uint32_t>(
      std::max<std::size_t>(1, token->getType() == Token::EOF ? 1 : utf8_length(token->getText())));
  return loc;
}

ast::Location location_of(ParserRuleContext* ctx) {
  if (!ctx) return {};
  ast::Location loc = location_of(ctx->getStart());
  const Token* stop = ctx->getStop();
  if (stop && stop->getLine() == ctx->getStart()->getLine() &&
      stop->getTokenIndex() >= ctx->getStart()->getTokenIndex()) {
    const auto stop_end = static_cast<std::uint32_t>(stop->getCharPositionInLine()) + 1 +
                          static_cast<std::uint32_t>(utf8_length(stop->getText()));
    if (stop_end > loc.column) loc.length = stop_end - loc.column;
  }
  return loc;
}

// Plain-words names for tokens, for "expected ..." messages.
std::string describe_token_type(const antlr4::dfa::Vocabulary& vocabulary, std::size_t type, Language language) {
  if (type == Token::EOF) return say<M::token_end_of_policy>(language).text;
  switch (type) {
    case PreceptLexer::IDENT: return say<M::token_name>(language).text;
    case PreceptLexer::NUMBER: return say<M::token_number>(language).text;
    case PreceptLexer::STRING: return say<M::token_string>(language).text;
    case PreceptLexer::DATE: return say<M::token_date>(language).text;
    case PreceptLexer::ROW_END: return say<M::token_row_end>(language).text;
    case PreceptLexer::ARROW: return "`->`";
    case PreceptLexer::YUAN: return "`yuan`";
    default: break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() >= 2 && literal.front() == '\'') literal = literal.substr(1, literal.size() - 2);
  if (literal.empty()) literal = vocabulary.getSymbolicName(type);
  return "`" + literal + "`";
}

std::string describe_found(const Token* token, Language language) {
  if (!token || token->getType() == Token::EOF) return say<M::token_end_of_policy>(language).text;
  if (token->getType() == PreceptLexer::ROW_END) return say<M::token_found_row_end>(language).text;
  return "`" + token->getText() + "`";
}

// Full-width punctuation typed with a Chinese input method looks right but is a
// different character; say so instead of "unexpected character".
const std::pair<const char*, const char*> kFullWidth[] = {
    {"（", "("}, {"）", ")"}, {"：", ":"}, {"，", ","}, {"、", ","}, {"；", ";"}, {"＝", "="},
    {"＜", "<"}, {"＞", ">"}, {"｜", "|"}, {"－", "-"}, {"＋", "+"}, {"＊", "*"}, {"／", "/"},
    {"＂", "\""}, {"．", "."}, {"＃", "#"}, {"％", "%"}};

std::string half_width_of(const std::string& text) {
  for (const auto& [wide, narrow] : kFullWidth)
    if (text == wide) return narrow;
  return {};
}

Message full_width_hint(const std::string& text, Language language) {
  if (const std::string narrow = half_width_of(text); !narrow.empty())
    return say<M::full_width_hint>(language, text, narrow);
  if (text == "￥" || text == "¥" || text == "$") return say<M::currency_sign_hint>(language);
  if (text == "'" || text == "‘" || text == "’") return say<M::double_quotes_hint>(language, "...");
  if (text == "&" || text == "&&") return say<M::write_this_hint>(language, "and");
  if (text == "||") return say<M::write_this_hint>(language, "or");
  if (text == "!") return say<M::write_this_hint>(language, "not");
  if (text == ";") return say<M::no_semicolon_hint>(language);
  return {};
}

bool is_soft_keyword(std::size_t type) {
  switch (type) {
    case PreceptLexer::PLACE: case PreceptLexer::YEAR: case PreceptLexer::SOURCE:
    case PreceptLexer::OPTIONAL: case PreceptLexer::WHERE: case PreceptLexer::DEFAULT: case PreceptLexer::LIST:
    case PreceptLexer::OF: case PreceptLexer::GROUP: case PreceptLexer::MISSING:
    case PreceptLexer::PRESENT: case PreceptLexer::SUMMARY: case PreceptLexer::EXTENDS:
    case PreceptLexer::OVERRIDE: case PreceptLexer::REPLACE: case PreceptLexer::EXCEPTION:
    case PreceptLexer::TO: case PreceptLexer::EXTEND: case PreceptLexer::LANGUAGE:
    case PreceptLexer::KEY: case PreceptLexer::PERSONAL: case PreceptLexer::REGISTER:
    case PreceptLexer::BOOLEANS: case PreceptLexer::DIGITS: case PreceptLexer::THOUSANDS:
    case PreceptLexer::COLUMN: return true;
    default: return false;
  }
}

bool starts_declaration(const Token* token) {
  if (!token) return false;
  switch (token->getType()) {
    case PreceptLexer::POLICY: case PreceptLexer::ENUM: case PreceptLexer::RECORD:
    case PreceptLexer::PARAM: case PreceptLexer::LET: case PreceptLexer::RULE:
    case PreceptLexer::DECIDE: case PreceptLexer::TABLE: case PreceptLexer::REQUIRE:
    case PreceptLexer::OUTPUT: case PreceptLexer::SUMMARY: case PreceptLexer::OVERRIDE:
    case PreceptLexer::REPLACE: case PreceptLexer::EXCEPTION: case PreceptLexer::EXTEND:
    case PreceptLexer::REGISTER: return true;
    default: return false;
  }
}

class PlainWordsErrorListener : public antlr4::BaseErrorListener {
 public:
  PlainWordsErrorListener(DiagnosticSink& sink, antlr4::CommonTokenStream& tokens,
                          std::set<std::uint32_t>& reported_lines)
      : sink_(sink), tokens_(tokens), lines_(reported_lines) {}

  void syntaxError(antlr4::Recognizer* recognizer, Token* offending, size_t line,
                   size_t column, const std::string& /*antlr_message*/,
                   std::exception_ptr /*e*/) override {
    ast::Location where;
    where.line = static_cast<std::uint32_t>(line);
    where.column = static_cast<std::uint32_t>(column) + 1;
    where.length = 1;
    if (offending) where = location_of(offending);
    const Token* previous = previous_token(offending);
    // The end of the file is on a line of its own, which shows nothing; point just
    // after the last word written instead.
    const bool at_end = !offending || offending->getType() == Token::EOF;
    if (at_end && previous) where = just_after(previous);

    auto* parser = dynamic_cast<PreceptParser*>(recognizer);
    std::vector<std::string> expected;
    std::set<std::size_t> expected_types;
    bool expects_close_brace = false, expects_close_paren = false, expects_otherwise = false;
    if (parser) {
      const antlr4::misc::IntervalSet set = parser->getExpectedTokens();
      for (const auto type : set.toList()) expected_types.insert(type);
      // Words like `year` or `source` may also be names; where any name fits, they
      // are just "a name", not a list of keywords the officer never meant.
      const bool any_name = expected_types.count(PreceptLexer::IDENT) > 0;
      for (const auto type : expected_types) {
        if (type == PreceptLexer::UNKNOWN_CHAR) continue;
        if (any_name && is_soft_keyword(type)) continue;
        const std::string literal = parser->getVocabulary().getLiteralName(type);
        expects_close_brace |= literal == "'}'";
        expects_close_paren |= literal == "')'";
        expects_otherwise |= type == PreceptLexer::OTHERWISE;
        const std::string text = describe_token_type(parser->getVocabulary(), type, sink_.language());
        if (std::find(expected.begin(), expected.end(), text) == expected.end()) expected.push_back(text);
      }
    }

    // A row whose closing `|` is missing runs on into the next line; say so at the row.
    if (expected_types.count(PreceptLexer::ROW_END) && previous && offending &&
        (at_end || offending->getLine() > previous->getLine())) {
      report(just_after(previous), sink_.say<M::row_without_end>(), sink_.say<M::row_without_end_hint>());
      return;
    }
    // A decision without `otherwise` is only noticed at the next declaration; the
    // officer is looking for the decision, so point at its last line.
    if (expected_types.count(PreceptLexer::OTHERWISE) && previous && (at_end || starts_declaration(offending))) {
      report(just_after(previous), sink_.say<M::decide_without_otherwise>(), sink_.say<M::decide_without_otherwise_hint>());
      return;
    }
    // `if` after a value reads as the start of `x if missing y`; an officer who
    // wrote `if` meant a new `when` line far more often than a default.
    if (expected_types.size() == 1 && expected_types.count(PreceptLexer::MISSING) && previous &&
        previous->getType() == PreceptLexer::IF) {
      report(location_of(previous), sink_.say<M::if_without_missing>(), sink_.say<M::if_without_missing_hint>());
      return;
    }
    // One message per place is enough: recovery often reports the same spot twice.
    if (!reported_.insert({where.line, where.column}).second) return;

    if (offending && offending->getType() == PreceptLexer::UNKNOWN_CHAR) {
      report(where, sink_.say<M::not_policy_language>(offending->getText()),
             full_width_hint(offending->getText(), sink_.language()));
      return;
    }
    Message message;
    const std::string found = describe_found(offending, sink_.language());
    if (expects_close_brace && starts_declaration(offending)) {
      message = sink_.say<M::expected_close_brace>(found);
    } else if (at_end && (expected.empty() || expected.size() > 6)) {
      message = sink_.say<M::ends_mid_declaration>();
    } else if (expected.empty() || expected.size() > 6) {
      message = sink_.say<M::does_not_fit>(found);
    } else {
      std::string list = expected[0];
      for (std::size_t i = 1; i < expected.size(); ++i)
        list = (i + 1 == expected.size() ? sink_.say<M::list_last>(list, expected[i])
                                         : sink_.say<M::list_next>(list, expected[i])).text;
      message = at_end ? sink_.say<M::ends_too_early>(list) : sink_.say<M::expected_but_found>(list, found);
    }
    Message hint;
    const bool only = expected.size() == 1;
    if (expects_close_brace) hint = unclosed_hint(offending, "{", "}");
    if (hint.empty() && expects_close_paren) hint = unclosed_hint(offending, "(", ")");
    if (hint.empty() && expects_otherwise && offending && offending->getText() == "else")
      hint = sink_.say<M::else_hint>();
    if (hint.empty() && expects_otherwise) hint = sink_.say<M::otherwise_hint>();
    if (hint.empty() && only && expected_types.count(PreceptLexer::POLICY)) hint = sink_.say<M::policy_header_hint>();
    if (hint.empty() && only && expected_types.count(PreceptLexer::ARROW)) hint = sink_.say<M::arrow_hint>();
    if (hint.empty() && only && expected[0] == "`:`" && previous && !at_end) {
      if (parser && dynamic_cast<PreceptParser::FieldDeclContext*>(parser->getContext()))
        hint = sink_.say<M::field_colon_hint>(previous->getText(), offending->getText());
      else
        hint = sink_.say<M::colon_after_hint>(previous->getText());
    }
    // Habits from spreadsheets and other languages, recognised by what was typed.
    const std::string found_text = offending && !at_end ? offending->getText() : std::string();
    const bool touches_previous = previous && offending && previous->getStopIndex() + 1 == offending->getStartIndex();
    const Token* next = offending && !at_end ? tokens_.get(offending->getTokenIndex() + 1) : nullptr;
    if (hint.empty() && found_text == "if" && expected_types.count(PreceptLexer::WHEN))
      hint = sink_.say<M::if_for_when_hint>();
    if (hint.empty() && touches_previous && previous->getText() == "=" && (found_text == ">" || found_text == "<"))
      hint = sink_.say<M::write_this_hint>(found_text + "=");
    if (hint.empty() && found_text == "," && touches_previous && previous->getType() == PreceptLexer::NUMBER && next &&
        next->getType() == PreceptLexer::NUMBER && next->getStartIndex() == offending->getStopIndex() + 1)
      hint = sink_.say<M::thousands_separator_hint>(previous->getText() + next->getText());
    if (hint.empty() && found_text == "between") hint = sink_.say<M::between_hint>();
    if (hint.empty() && found_text == "|" && touches_previous && previous->getText() == "|")
      hint = sink_.say<M::empty_cell_hint>();
    if (hint.empty() && only && expected[0] == "`|`" && previous && offending && offending->getLine() > previous->getLine())
      hint = sink_.say<M::row_bars_hint>();
    if (hint.empty() && at_end && !previous) hint = sink_.say<M::empty_file_hint>();
    if (hint.empty() && at_end) hint = sink_.say<M::finish_declaration_hint>();
    if (hint.empty() && offending && offending->getType() == PreceptLexer::ROW_END)
      hint = sink_.say<M::row_cells_hint>();
    if (hint.empty() && offending && offending->getText() == "=" && expects_close_paren)
      hint = sink_.say<M::equals_hint>();
    report(where, std::move(message), std::move(hint));
  }

 private:
  // One error per line: after the first, the parser is recovering, and what it
  // says next is about its own confusion, not about the policy.
  void report(const ast::Location& where, Message message, Message hint) {
    if (!lines_.insert(where.line).second) return;
    sink_.error(where, std::move(message), std::move(hint));
  }

  const Token* previous_token(const Token* token) {
    if (!token) return nullptr;
    for (auto index = static_cast<long>(token->getTokenIndex()) - 1; index >= 0; --index) {
      const Token* t = tokens_.get(static_cast<size_t>(index));
      if (t->getChannel() == Token::DEFAULT_CHANNEL) return t;
    }
    return nullptr;
  }

  static ast::Location just_after(const Token* token) {
    ast::Location loc = location_of(token);
    // A ROW_END token carries the line end with it; only its `|` is on the line.
    const std::uint32_t width = token->getType() == PreceptLexer::ROW_END ? 1 : loc.length;
    loc.column += width;
    loc.length = 1;
    return loc;
  }

  // "to close `{` opened at line 12": the last bracket before the error that is not closed.
  Message unclosed_hint(const Token* offending, const char* open, const char* close) {
    if (!offending) return {};
    int depth = 0;
    for (auto index = static_cast<long>(offending->getTokenIndex()) - 1; index >= 0; --index) {
      const Token* t = tokens_.get(static_cast<size_t>(index));
      if (t->getText() == close) ++depth;
      if (t->getText() == open) {
        if (depth == 0)
          return sink_.say<M::unclosed_hint>(close, open, t->getLine());
        --depth;
      }
    }
    return {};
  }

  DiagnosticSink& sink_;
  antlr4::CommonTokenStream& tokens_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> reported_;
  std::set<std::uint32_t>& lines_;
};

std::string unquote(const std::string& token) {
  // “...” strings carry no escapes; "..." strings know \" \\ \n \t.
  if (token.rfind("“", 0) == 0) return token.substr(3, token.size() - 6);
  std::string out;
  for (std::size_t i = 1; i + 1 < token.size(); ++i) {
    char c = token[i];
    if (c == '\\' && i + 2 < token.size()) {
      const char e = token[++i];
      c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
    }
    out.push_back(c);
  }
  return out;
}

std::string text_of(antlr4::tree::TerminalNode* node) { return node ? node->getText() : std::string(); }

class AstBuilder {
 public:
  explicit AstBuilder(DiagnosticSink& sink) : sink_(sink) {}

  // policyFile : header declaration* EOF
  std::unique_ptr<ast::PolicyFile> build(PreceptParser::PolicyFileContext* ctx) {
    auto file = std::make_unique<ast::PolicyFile>();
    if (ctx->header()) build_header(ctx->header(), *file);
    for (auto* decl : ctx->declaration()) build_declaration(decl, *file);
    return file;
  }

 private:
  // header : POLICY STRING headerClause*
  void build_header(PreceptParser::HeaderContext* ctx, ast::PolicyFile& file) {
    file.location = location_of(ctx);
    if (ctx->STRING()) file.name = unquote(ctx->STRING()->getText());
    for (auto* clause : ctx->headerClause()) {
      if (auto* place = dynamic_cast<PreceptParser::PlaceClauseContext*>(clause)) {
        if (place->STRING()) file.place = unquote(place->STRING()->getText());
      } else if (auto* year = dynamic_cast<PreceptParser::YearClauseContext*>(clause)) {
        const std::string digits = text_of(year->NUMBER());
        if (digits.size() == 4 && digits.find('.') == std::string::npos)
          file.year = std::stoi(digits);
        else
          sink_.error(location_of(year), sink_.say<M::year_four_digits>());
      // headerClause : EXTENDS STRING #extendsClause
      } else if (auto* parent = dynamic_cast<PreceptParser::ExtendsClauseContext*>(clause)) {
        if (parent->STRING()) {
          file.extends = unquote(parent->STRING()->getText());
          file.extends_location = location_of(parent->STRING()->getSymbol());
        }
      // headerClause : LANGUAGE name #languageClause
      } else if (auto* language = dynamic_cast<PreceptParser::LanguageClauseContext*>(clause)) {
        if (auto* code = language->name()) {
          if (parse_language(code->getText()))
            file.language = code->getText();
          else
            sink_.error(location_of(code), sink_.say<M::unknown_language>(code->getText()), sink_.say<M::unknown_language_hint>());
        }
      }
    }
  }

  // declaration : enumDecl | recordDecl | paramDecl | letDecl | ruleDecl | decideDecl
  //             | tableDecl | requireDecl | outputDecl | summaryDecl
  void build_declaration(PreceptParser::DeclarationContext* ctx, ast::PolicyFile& file) {
    auto push = [&](ast::DeclKind kind, auto& list, auto&& value) {
      list.push_back(std::move(value));
      file.order.push_back({kind, list.size() - 1});
    };
    if (auto* e = ctx->enumDecl()) return push(ast::DeclKind::Enum, file.enums, build_enum(e));
    if (auto* r = ctx->recordDecl()) return push(ast::DeclKind::Record, file.records, build_record(r));
    if (auto* p = ctx->paramDecl()) return push(ast::DeclKind::Param, file.params, build_param(p));
    if (auto* l = ctx->letDecl()) return push(ast::DeclKind::Let, file.lets, build_let(l));
    if (auto* r = ctx->ruleDecl()) return push(ast::DeclKind::Rule, file.rules, build_rule(r));
    if (auto* d = ctx->decideDecl()) return push(ast::DeclKind::Decide, file.decides, build_decide(d));
    if (auto* t = ctx->tableDecl()) return push(ast::DeclKind::Table, file.tables, build_table(t));
    if (auto* q = ctx->requireDecl()) return push(ast::DeclKind::Require, file.requires_, build_require(q));
    if (auto* o = ctx->outputDecl()) return push(ast::DeclKind::Output, file.outputs, build_output(o));
    if (auto* s = ctx->summaryDecl()) return push(ast::DeclKind::Summary, file.summaries, build_summary(s));
    if (auto* x = ctx->exampleDecl()) return push(ast::DeclKind::Example, file.examples, build_example(x));
    if (auto* r = ctx->registerDecl()) return file.registers.push_back(build_register(r));
    build_layer_declaration(ctx, file);
  }

  // overrideDecl | replaceDecl | exceptionDecl | extendDecl: each becomes the
  // declaration it changes, marked, so compiler/layers.cpp can merge it.
  void build_layer_declaration(PreceptParser::DeclarationContext* ctx, ast::PolicyFile& file) {
    auto push = [&](ast::DeclKind kind, auto& list, auto&& value) {
      list.push_back(std::move(value));
      file.order.push_back({kind, list.size() - 1});
    };
    // overrideDecl : OVERRIDE PARAM name ('=' expr metadata* | metadata* datedValue+)
    if (auto* o = ctx->overrideDecl()) {
      ast::ParamDecl decl;
      decl.location = location_of(o->name());
      decl.name = name_of(o->name());
      decl.is_override = true;
      if (o->expr()) decl.value = build_expr(o->expr());
      decl.metadata = build_metadata(o->metadata());
      decl.dated = build_dated(o->datedValue());
      return push(ast::DeclKind::Param, file.params, std::move(decl));
    }
    // replaceDecl : REPLACE (letDecl | ruleDecl | decideDecl)
    if (auto* r = ctx->replaceDecl()) {
      if (auto* l = r->letDecl()) {
        auto decl = build_let(l);
        decl.replaces = true;
        return push(ast::DeclKind::Let, file.lets, std::move(decl));
      }
      if (auto* u = r->ruleDecl()) {
        auto decl = build_rule(u);
        decl.replaces = true;
        return push(ast::DeclKind::Rule, file.rules, std::move(decl));
      }
      if (auto* d = r->decideDecl()) {
        auto decl = build_decide(d);
        decl.replaces = true;
        return push(ast::DeclKind::Decide, file.decides, std::move(decl));
      }
      return;
    }
    // exceptionDecl : EXCEPTION name TO name STRING? WHEN expr ARROW expr metadata*
    if (auto* x = ctx->exceptionDecl()) {
      ast::ExceptionDecl decl;
      const auto names = x->name();
      decl.location = location_of(names.empty() ? nullptr : names[0]);
      decl.label = names.empty() ? std::string() : name_of(names[0]);
      if (names.size() > 1) {
        decl.target = name_of(names[1]);
        decl.target_location = location_of(names[1]);
      }
      if (x->STRING()) decl.description = unquote(x->STRING()->getText());
      const auto exprs = x->expr();
      decl.condition = build_expr(exprs.empty() ? nullptr : exprs[0]);
      decl.value = build_expr(exprs.size() > 1 ? exprs[1] : nullptr);
      decl.metadata = build_metadata(x->metadata());
      file.exceptions.push_back(std::move(decl));
      return;
    }
    // extendDecl : EXTEND enumDecl #extendEnum
    if (auto* e = dynamic_cast<PreceptParser::ExtendEnumContext*>(ctx->extendDecl())) {
      if (!e->enumDecl()) return;
      auto decl = build_enum(e->enumDecl());
      decl.extends_existing = true;
      return push(ast::DeclKind::Enum, file.enums, std::move(decl));
    }
    // extendDecl : EXTEND recordDecl #extendRecord
    if (auto* r = dynamic_cast<PreceptParser::ExtendRecordContext*>(ctx->extendDecl())) {
      if (!r->recordDecl()) return;
      auto decl = build_record(r->recordDecl());
      decl.extends_existing = true;
      return push(ast::DeclKind::Record, file.records, std::move(decl));
    }
    // extendDecl : EXTEND TABLE name tableHeader tableRow+ #extendTable
    if (auto* t = dynamic_cast<PreceptParser::ExtendTableContext*>(ctx->extendDecl())) {
      ast::TableDecl decl;
      decl.location = location_of(t->name());
      decl.name = name_of(t->name());
      decl.extends_existing = true;
      build_table_body(t->tableHeader(), t->tableRow(), decl);
      return push(ast::DeclKind::Table, file.tables, std::move(decl));
    }
  }

  // datedValue : NUMBER ARROW expr metadata*
  std::vector<ast::DatedValue> build_dated(const std::vector<PreceptParser::DatedValueContext*>& entries) {
    std::vector<ast::DatedValue> dated;
    for (auto* entry : entries) {
      ast::DatedValue value;
      value.location = location_of(entry->NUMBER() ? entry->NUMBER()->getSymbol() : nullptr);
      const std::string digits = text_of(entry->NUMBER());
      if (digits.size() == 4 && digits.find('.') == std::string::npos)
        value.year = std::stoi(digits);
      else
        sink_.error(value.location, sink_.say<M::dated_value_year>());
      value.value = build_expr(entry->expr());
      value.metadata = build_metadata(entry->metadata());
      dated.push_back(std::move(value));
    }
    return dated;
  }

  std::string name_of(PreceptParser::NameContext* ctx) { return ctx ? ctx->getText() : std::string(); }

  // enumDecl : ENUM name '{' name (',' name)* ','? '}'
  ast::EnumDecl build_enum(PreceptParser::EnumDeclContext* ctx) {
    ast::EnumDecl decl;
    decl.location = location_of(ctx->name(0));
    decl.name = name_of(ctx->name(0));
    const auto names = ctx->name();
    for (std::size_t i = 1; i < names.size(); ++i)
      decl.members.emplace_back(name_of(names[i]), location_of(names[i]));
    return decl;
  }

  // recordDecl : RECORD name '{' fieldDecl* '}'
  ast::RecordDecl build_record(PreceptParser::RecordDeclContext* ctx) {
    ast::RecordDecl decl;
    decl.location = location_of(ctx->name());
    decl.name = name_of(ctx->name());
    // fieldDecl : name ':' OPTIONAL? typeRef (WHERE compareOp expr)? (DEFAULT expr)? fieldMark* STRING? ','?
    for (auto* f : ctx->fieldDecl()) {
      ast::FieldDecl field;
      field.location = location_of(f->name());
      field.name = name_of(f->name());
      field.type = build_type(f->typeRef());
      field.optional = f->OPTIONAL() != nullptr;
      // fieldDecl : ... (WHERE compareOp expr)? (DEFAULT expr)? ...
      std::size_t next_expr = 0;
      if (f->WHERE()) {
        field.check = compare_op(f->compareOp());
        field.check_value = build_expr(f->expr(next_expr++));
      }
      if (f->DEFAULT()) field.default_value = build_expr(f->expr(next_expr));
      for (auto* mark : f->fieldMark()) build_mark(mark, field);
      if (f->STRING()) field.description = unquote(f->STRING()->getText());
      decl.fields.push_back(std::move(field));
    }
    return decl;
  }

  // registerDecl : REGISTER '{' registerItem* '}'
  ast::RegisterDecl build_register(PreceptParser::RegisterDeclContext* ctx) {
    ast::RegisterDecl decl;
    decl.location = location_of(ctx->getStart());
    for (auto* item : ctx->registerItem()) {
      // registerItem : BOOLEANS booleanSpelling (',' booleanSpelling)* #booleansItem
      // booleanSpelling : STRING '/' STRING
      if (auto* b = dynamic_cast<PreceptParser::BooleansItemContext*>(item)) {
        for (auto* pair : b->booleanSpelling())
          decl.booleans.push_back({location_of(pair), unquote(pair->STRING(0)->getText()),
                                   unquote(pair->STRING(1)->getText())});
      // registerItem : DIGITS name #digitsItem
      } else if (auto* d = dynamic_cast<PreceptParser::DigitsItemContext*>(item)) {
        decl.fullwidth_digits.push_back(location_of(d->name()));
        decl.digits_words.push_back(name_of(d->name()));
      // registerItem : THOUSANDS STRING #thousandsItem
      } else if (auto* t = dynamic_cast<PreceptParser::ThousandsItemContext*>(item)) {
        decl.thousands.push_back({location_of(t->STRING()->getSymbol()), unquote(t->STRING()->getText())});
      // registerItem : COLUMN name STRING (',' STRING)* #columnItem
      } else if (auto* c = dynamic_cast<PreceptParser::ColumnItemContext*>(item)) {
        for (auto* header : c->STRING())
          decl.aliases.push_back({location_of(header->getSymbol()), name_of(c->name()), unquote(header->getText())});
      }
    }
    return decl;
  }

  // fieldMark : KEY #keyMark | PERSONAL #personalMark
  // A mark written twice means the same as once: the checker has nothing to say.
  void build_mark(PreceptParser::FieldMarkContext* ctx, ast::FieldDecl& field) {
    if (dynamic_cast<PreceptParser::KeyMarkContext*>(ctx)) {
      field.key = true;
      field.key_location = location_of(ctx);
    } else {
      field.personal = true;
    }
  }

  // typeRef : LIST OF name #listType | name #namedType
  ast::TypeRef build_type(PreceptParser::TypeRefContext* ctx) {
    ast::TypeRef type;
    if (!ctx) return type;
    type.location = location_of(ctx);
    if (auto* list = dynamic_cast<PreceptParser::ListTypeContext*>(ctx)) {
      type.is_list = true;
      type.name = name_of(list->name());
    } else if (auto* named = dynamic_cast<PreceptParser::NamedTypeContext*>(ctx)) {
      type.name = name_of(named->name());
    }
    return type;
  }

  // metadata : STRING #descriptionMeta | SOURCE STRING #sourceMeta
  ast::Metadata build_metadata(const std::vector<PreceptParser::MetadataContext*>& items) {
    ast::Metadata meta;
    for (auto* item : items) {
      if (auto* d = dynamic_cast<PreceptParser::DescriptionMetaContext*>(item)) {
        if (!meta.description.empty()) meta.description += " ";
        meta.description += unquote(d->STRING()->getText());
      } else if (auto* s = dynamic_cast<PreceptParser::SourceMetaContext*>(item)) {
        if (s->STRING()) meta.source = unquote(s->STRING()->getText());
      }
    }
    return meta;
  }

  // paramDecl : PARAM name ':' typeRef '=' expr metadata*
  //           | PARAM name ':' typeRef metadata* datedValue+
  ast::ParamDecl build_param(PreceptParser::ParamDeclContext* ctx) {
    ast::ParamDecl decl;
    decl.location = location_of(ctx->name());
    decl.name = name_of(ctx->name());
    decl.type = build_type(ctx->typeRef());
    if (ctx->expr() || ctx->datedValue().empty()) decl.value = build_expr(ctx->expr());
    decl.metadata = build_metadata(ctx->metadata());
    decl.dated = build_dated(ctx->datedValue());
    return decl;
  }

  // letDecl : LET name (':' typeRef)? '=' expr metadata*
  ast::LetDecl build_let(PreceptParser::LetDeclContext* ctx) {
    ast::LetDecl decl;
    decl.location = location_of(ctx->name());
    decl.name = name_of(ctx->name());
    if (ctx->typeRef()) decl.type = build_type(ctx->typeRef());
    decl.value = build_expr(ctx->expr());
    decl.metadata = build_metadata(ctx->metadata());
    return decl;
  }

  // ruleDecl : RULE name STRING? ':' expr metadata*
  ast::RuleDecl build_rule(PreceptParser::RuleDeclContext* ctx) {
    ast::RuleDecl decl;
    decl.location = location_of(ctx->name());
    decl.name = name_of(ctx->name());
    if (ctx->STRING()) decl.label = unquote(ctx->STRING()->getText());
    decl.condition = build_expr(ctx->expr());
    decl.metadata = build_metadata(ctx->metadata());
    return decl;
  }

  // decideDecl : DECIDE name (':' typeRef)? STRING? whenClause+ otherwiseClause
  ast::DecideDecl build_decide(PreceptParser::DecideDeclContext* ctx) {
    ast::DecideDecl decl;
    decl.location = location_of(ctx->name());
    decl.name = name_of(ctx->name());
    if (ctx->typeRef()) decl.type = build_type(ctx->typeRef());
    if (ctx->STRING()) decl.label = unquote(ctx->STRING()->getText());
    // whenClause : WHEN expr ARROW expr
    for (auto* w : ctx->whenClause())
      decl.branches.push_back({build_expr(w->expr(0)), build_expr(w->expr(1))});
    // otherwiseClause : OTHERWISE ARROW expr
    if (ctx->otherwiseClause()) decl.otherwise = build_expr(ctx->otherwiseClause()->expr());
    return decl;
  }

  // tableDecl : TABLE name STRING? hitPolicy? (WHEN expr)? tableHeader tableRow+
  ast::TableDecl build_table(PreceptParser::TableDeclContext* ctx) {
    ast::TableDecl decl;
    decl.location = location_of(ctx->name());
    decl.name = name_of(ctx->name());
    if (ctx->STRING()) decl.label = unquote(ctx->STRING()->getText());
    // hitPolicy : RULE name | name name?
    if (auto* hit = ctx->hitPolicy()) {
      decl.hit_location = location_of(hit);
      decl.hit_written = true;
      if (hit->RULE()) {
        decl.hit_policy = "rule " + name_of(hit->name(0));
      } else {
        decl.hit_policy = name_of(hit->name(0));
        if (hit->name().size() > 1) decl.aggregator = name_of(hit->name(1));
      }
    } else {
      // Not written: `unique`, as in DMN; reported at the table's name.
      decl.hit_location = decl.location;
      decl.hit_policy = "unique";
    }
    if (ctx->expr()) decl.guard = build_expr(ctx->expr());
    build_table_body(ctx->tableHeader(), ctx->tableRow(), decl);
    return decl;
  }

  // The header and rows of `table` and of `extend table`.
  void build_table_body(PreceptParser::TableHeaderContext* header_ctx,
                        const std::vector<PreceptParser::TableRowContext*>& rows, ast::TableDecl& decl) {
    // tableHeader : '|' headerCell ('|' headerCell)* ROW_END
    if (auto* header = header_ctx) {
      for (auto* cell : header->headerCell()) {
        ast::TableColumn column;
        column.location = location_of(cell);
        // headerCell : WHEN expr? #conditionColumn
        if (auto* cond = dynamic_cast<PreceptParser::ConditionColumnContext*>(cell)) {
          column.kind = cond->expr() ? ast::ColumnKind::Input : ast::ColumnKind::Condition;
          if (cond->expr()) column.input = build_expr(cond->expr());
        // headerCell : name (':' typeRef)? #outputColumn
        } else if (auto* out = dynamic_cast<PreceptParser::OutputColumnContext*>(cell)) {
          column.kind = ast::ColumnKind::Output;
          column.name = name_of(out->name());
          if (out->typeRef()) column.type = build_type(out->typeRef());
        }
        decl.columns.push_back(std::move(column));
      }
    }
    // tableRow : '|' cell ('|' cell)* ROW_END
    for (auto* row_ctx : rows) {
      ast::TableRow row;
      row.location = location_of(row_ctx);
      for (auto* cell_ctx : row_ctx->cell()) {
        ast::TableCell cell;
        cell.location = location_of(cell_ctx);
        // cell : '-' #anyCell | compareOp expr #compareCell | expr (',' expr)* #valuesCell
        if (dynamic_cast<PreceptParser::AnyCellContext*>(cell_ctx)) {
          cell.kind = ast::CellKind::Any;
        } else if (auto* cmp = dynamic_cast<PreceptParser::CompareCellContext*>(cell_ctx)) {
          cell.kind = ast::CellKind::Compare;
          cell.compare = compare_op(cmp->compareOp());
          cell.values.push_back(build_expr(cmp->expr()));
        } else if (auto* values = dynamic_cast<PreceptParser::ValuesCellContext*>(cell_ctx)) {
          cell.kind = ast::CellKind::Values;
          for (auto* e : values->expr()) cell.values.push_back(build_expr(e));
        }
        row.cells.push_back(std::move(cell));
      }
      decl.rows.push_back(std::move(row));
    }
  }

  // requireDecl : REQUIRE expr STRING?
  ast::RequireDecl build_require(PreceptParser::RequireDeclContext* ctx) {
    ast::RequireDecl decl;
    decl.location = location_of(ctx->expr());
    decl.condition = build_expr(ctx->expr());
    if (ctx->STRING()) decl.message = unquote(ctx->STRING()->getText());
    return decl;
  }

  // outputDecl : OUTPUT outputItem (',' outputItem)*
  // outputItem : (name '=')? expr
  ast::OutputDecl build_output(PreceptParser::OutputDeclContext* ctx) {
    ast::OutputDecl decl;
    decl.location = location_of(ctx->getStart());
    for (auto* item : ctx->outputItem()) {
      ast::OutputItem out;
      out.location = location_of(item);
      out.value = build_expr(item->expr());
      if (item->name()) out.name = name_of(item->name());
      decl.items.push_back(std::move(out));
    }
    return decl;
  }

  // summaryDecl : SUMMARY summaryItem+
  ast::SummaryDecl build_summary(PreceptParser::SummaryDeclContext* ctx) {
    ast::SummaryDecl decl;
    decl.location = location_of(ctx->getStart());
    for (auto* item : ctx->summaryItem()) {
      // summaryItem : GROUP name '=' name (',' name)* #summaryGroup
      if (auto* group = dynamic_cast<PreceptParser::SummaryGroupContext*>(item)) {
        ast::SummaryGroup g;
        const auto names = group->name();
        g.location = location_of(names.empty() ? nullptr : names[0]);
        g.name = names.empty() ? std::string() : name_of(names[0]);
        for (std::size_t i = 1; i < names.size(); ++i)
          g.fields.emplace_back(name_of(names[i]), location_of(names[i]));
        decl.groups.push_back(std::move(g));
      // summaryItem : name '=' expr #summaryMeasure
      } else if (auto* measure = dynamic_cast<PreceptParser::SummaryMeasureContext*>(item)) {
        ast::SummaryMeasure m;
        m.location = location_of(measure->name());
        m.key = name_of(measure->name());
        m.value = build_expr(measure->expr());
        decl.measures.push_back(std::move(m));
      }
    }
    return decl;
  }

  // exampleDecl : EXAMPLE STRING (GIVEN exampleBinding (',' exampleBinding)*)? EXPECT exampleExpectation
  ast::ExampleDecl build_example(PreceptParser::ExampleDeclContext* ctx) {
    ast::ExampleDecl decl;
    decl.location = location_of(ctx->getStart());
    if (ctx->STRING()) decl.label = unquote(ctx->STRING()->getText());
    for (auto* binding : ctx->exampleBinding()) decl.given.push_back(build_example_binding(binding));
    // exampleExpectation : REJECTED STRING? #expectRejected
    if (auto* rejected = dynamic_cast<PreceptParser::ExpectRejectedContext*>(ctx->exampleExpectation())) {
      decl.expect_rejected = true;
      if (rejected->STRING()) decl.rejected_reason = unquote(rejected->STRING()->getText());
    // exampleExpectation : exampleBinding (',' exampleBinding)* #expectValues
    } else if (auto* values = dynamic_cast<PreceptParser::ExpectValuesContext*>(ctx->exampleExpectation())) {
      for (auto* binding : values->exampleBinding()) decl.expect.push_back(build_example_binding(binding));
    }
    return decl;
  }

  // exampleBinding : name '=' exampleValue
  // exampleValue : '[' (expr (',' expr)*)? ']' #listValue | expr #scalarValue
  ast::ExampleBinding build_example_binding(PreceptParser::ExampleBindingContext* ctx) {
    ast::ExampleBinding binding;
    binding.location = location_of(ctx->name());
    binding.name = name_of(ctx->name());
    if (auto* list = dynamic_cast<PreceptParser::ListValueContext*>(ctx->exampleValue())) {
      binding.is_list = true;
      for (auto* e : list->expr()) binding.values.push_back(build_expr(e));
    } else if (auto* one = dynamic_cast<PreceptParser::ScalarValueContext*>(ctx->exampleValue())) {
      binding.values.push_back(build_expr(one->expr()));
    }
    return binding;
  }

  // compareOp : '<' | '<=' | '>' | '>=' | '=' | '==' | '!=' | '<>' | '≤' | '≥' | '≠'
  static ast::CompareOp compare_op(PreceptParser::CompareOpContext* ctx) {
    const std::string op = ctx ? ctx->getText() : "=";
    if (op == "<") return ast::CompareOp::Lt;
    if (op == "<=" || op == "≤") return ast::CompareOp::Le;
    if (op == ">") return ast::CompareOp::Gt;
    if (op == ">=" || op == "≥") return ast::CompareOp::Ge;
    if (op == "!=" || op == "<>" || op == "≠") return ast::CompareOp::Ne;
    return ast::CompareOp::Eq;
  }

  ast::ExprPtr make(ast::ExprTag tag, ParserRuleContext* ctx) {
    auto e = std::make_unique<ast::Expr>();
    e->tag = tag;
    e->location = location_of(ctx);
    return e;
  }

  // expr : the labelled alternatives of rule `expr`, and `primary` below it.
  ast::ExprPtr build_expr(PreceptParser::ExprContext* ctx) {
    if (!ctx) {
      auto e = std::make_unique<ast::Expr>();  // recovery left a hole; the tree is not checked
      return e;
    }
    // expr : primary #primaryExpr
    if (auto* c = dynamic_cast<PreceptParser::PrimaryExprContext*>(ctx)) return build_primary(c->primary());
    // expr : '-' expr #negateExpr
    if (auto* c = dynamic_cast<PreceptParser::NegateExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Negate, c);
      e->args.push_back(build_expr(c->expr()));
      return e;
    }
    // expr : expr op=('*' | '/') expr #multiplyExpr
    if (auto* c = dynamic_cast<PreceptParser::MultiplyExprContext*>(ctx)) return binary(c, c->op, c->expr(0), c->expr(1));
    // expr : expr op=('+' | '-') expr #addExpr
    if (auto* c = dynamic_cast<PreceptParser::AddExprContext*>(ctx)) return binary(c, c->op, c->expr(0), c->expr(1));
    // expr : expr IF MISSING expr #defaultExpr
    if (auto* c = dynamic_cast<PreceptParser::DefaultExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Default, c);
      e->args.push_back(build_expr(c->expr(0)));
      e->args.push_back(build_expr(c->expr(1)));
      return e;
    }
    // expr : expr IS NOT? (MISSING | PRESENT) #missingExpr
    if (auto* c = dynamic_cast<PreceptParser::MissingExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::IsMissing, c);
      e->negated = (c->NOT() != nullptr) != (c->PRESENT() != nullptr);
      e->args.push_back(build_expr(c->expr()));
      return e;
    }
    // expr : expr IS NOT? name #isExpr
    if (auto* c = dynamic_cast<PreceptParser::IsExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::IsMember, c);
      e->negated = c->NOT() != nullptr;
      e->text = name_of(c->name());
      e->args.push_back(build_expr(c->expr()));
      return e;
    }
    // expr : expr compareOp expr #compareExpr
    if (auto* c = dynamic_cast<PreceptParser::CompareExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Compare, c);
      e->compare = compare_op(c->compareOp());
      e->args.push_back(build_expr(c->expr(0)));
      e->args.push_back(build_expr(c->expr(1)));
      return e;
    }
    // expr : NOT expr #notExpr
    if (auto* c = dynamic_cast<PreceptParser::NotExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Not, c);
      e->args.push_back(build_expr(c->expr()));
      return e;
    }
    // expr : expr AND expr #andExpr
    if (auto* c = dynamic_cast<PreceptParser::AndExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::And, c);
      e->args.push_back(build_expr(c->expr(0)));
      e->args.push_back(build_expr(c->expr(1)));
      return e;
    }
    // expr : expr OR expr #orExpr
    if (auto* c = dynamic_cast<PreceptParser::OrExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Or, c);
      e->args.push_back(build_expr(c->expr(0)));
      e->args.push_back(build_expr(c->expr(1)));
      return e;
    }
    return std::make_unique<ast::Expr>();
  }

  ast::ExprPtr binary(ParserRuleContext* ctx, Token* op, PreceptParser::ExprContext* left,
                      PreceptParser::ExprContext* right) {
    auto e = make(ast::ExprTag::Binary, ctx);
    e->op = op ? op->getText()[0] : '+';
    e->args.push_back(build_expr(left));
    e->args.push_back(build_expr(right));
    return e;
  }

  ast::ExprPtr build_primary(PreceptParser::PrimaryContext* ctx) {
    if (!ctx) return std::make_unique<ast::Expr>();
    // primary : NUMBER unit? #numberLiteral
    if (auto* c = dynamic_cast<PreceptParser::NumberLiteralContext*>(ctx)) {
      auto e = make(ast::ExprTag::Number, c);
      e->text = text_of(c->NUMBER());
      if (c->unit()) e->unit = "yuan";
      return e;
    }
    // primary : NUMBER '%' #percentLiteral
    if (auto* c = dynamic_cast<PreceptParser::PercentLiteralContext*>(ctx)) {
      auto e = make(ast::ExprTag::Number, c);
      e->text = text_of(c->NUMBER());
      e->is_percent = true;
      return e;
    }
    // primary : STRING #stringLiteral
    if (auto* c = dynamic_cast<PreceptParser::StringLiteralContext*>(ctx)) {
      auto e = make(ast::ExprTag::String, c);
      e->text = unquote(text_of(c->STRING()));
      return e;
    }
    // primary : DATE #dateLiteral
    if (auto* c = dynamic_cast<PreceptParser::DateLiteralContext*>(ctx)) {
      auto e = make(ast::ExprTag::Date, c);
      e->text = text_of(c->DATE());
      return e;
    }
    // primary : (TRUE | FALSE) #boolLiteral
    if (auto* c = dynamic_cast<PreceptParser::BoolLiteralContext*>(ctx)) {
      auto e = make(ast::ExprTag::Bool, c);
      e->bool_value = c->TRUE() != nullptr;
      return e;
    }
    // primary : name '(' (expr (',' expr)*)? ')' #callExpr
    if (auto* c = dynamic_cast<PreceptParser::CallExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Call, c);
      e->text = name_of(c->name());
      for (auto* arg : c->expr()) e->args.push_back(build_expr(arg));
      return e;
    }
    // primary : name '.' name #memberExpr
    if (auto* c = dynamic_cast<PreceptParser::MemberExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Member, c);
      e->text = name_of(c->name(0));
      e->member = name_of(c->name(1));
      return e;
    }
    // primary : name #nameExpr
    if (auto* c = dynamic_cast<PreceptParser::NameExprContext*>(ctx)) {
      auto e = make(ast::ExprTag::Name, c);
      e->text = name_of(c->name());
      return e;
    }
    // primary : '(' expr ')' #parenExpr
    if (auto* c = dynamic_cast<PreceptParser::ParenExprContext*>(ctx)) {
      auto inner = build_expr(c->expr());
      return inner;
    }
    return std::make_unique<ast::Expr>();
  }

  DiagnosticSink& sink_;
};

// Slips of the keyboard that have one obvious meaning: full-width punctuation,
// `¥100`, `&&`, `||`, `!`, a stray `;`, single quotes, an unclosed quote. Each is
// reported here in plain words and then repaired in the token stream, so that the
// parser reads what the officer meant instead of reporting its own confusion
// about the rest of the line. The policy still fails: the errors stand.
class SlipRepair {
 public:
  SlipRepair(antlr4::CommonTokenStream& tokens, antlr4::CharStream& input, const antlr4::dfa::Vocabulary& vocabulary,
             DiagnosticSink& sink, std::set<std::uint32_t>& reported_lines)
      : tokens_(tokens.getTokens()), input_(input), sink_(sink), lines_(reported_lines) {
    for (std::size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
      const std::string literal = vocabulary.getLiteralName(type);
      if (literal.size() >= 3 && literal.front() == '\'') literal_types_[literal.substr(1, literal.size() - 2)] = type;
    }
  }

  void run() {
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      Token* t = tokens_[i];
      if (t->getChannel() != Token::DEFAULT_CHANNEL) continue;  // already repaired
      const std::string text = t->getText();
      if (t->getType() == PreceptLexer::UNKNOWN_CHAR) {
        if (!half_width_of(text).empty()) full_width(i);
        else if (text == "¥" || text == "￥" || text == "$") currency(i);
        else if (text == "&") ampersand(i);
        else if (text == "!")
          replace(i, PreceptLexer::NOT, sink_.say<M::not_policy_language>("!"), sink_.say<M::write_this_hint>("not"));
        else if (text == ";") hide(i, sink_.say<M::semicolon_not_needed>(), sink_.say<M::semicolon_not_needed_hint>());
        else if (text == "'" || text == "‘" || text == "’") single_quotes(i);
        else if (text == "\"") unclosed_text(i);
      } else if (text == "|" && i + 1 < tokens_.size() && tokens_[i + 1]->getText() == "|" &&
                 tokens_[i + 1]->getStartIndex() == t->getStopIndex() + 1 && !in_table_row(i)) {
        replace(i, PreceptLexer::OR, sink_.say<M::not_policy_language>("||"), sink_.say<M::write_this_hint>("or"), 2);
        hide_silently(i + 1);
      }
    }
  }

 private:
  // Every full-width character on a line is one slip: the input method was left in
  // Chinese mode. One error names them all.
  void full_width(std::size_t i) {
    std::vector<std::size_t> same_line;
    for (std::size_t j = i; j < tokens_.size() && tokens_[j]->getLine() == tokens_[i]->getLine(); ++j)
      if (tokens_[j]->getType() == PreceptLexer::UNKNOWN_CHAR && !half_width_of(tokens_[j]->getText()).empty())
        same_line.push_back(j);
    const std::string wide = tokens_[i]->getText();
    Message hint = sink_.say<M::full_width_hint>(wide, half_width_of(wide));
    if (same_line.size() > 1) {
      std::string wides, narrows;
      for (std::size_t j : same_line) {
        wides += " `" + tokens_[j]->getText() + "`";
        narrows += " `" + half_width_of(tokens_[j]->getText()) + "`";
      }
      hint = sink_.say<M::full_width_line_hint>(same_line.size(), wides, narrows);
    }
    error(tokens_[i], 1, sink_.say<M::not_policy_language>(wide), std::move(hint));
    for (std::size_t j : same_line) {
      const std::string narrow = half_width_of(tokens_[j]->getText());
      Token* t = tokens_[j];
      // A full-width `｜` at the end of a line ends a table row; a comment may follow it.
      std::size_t next = j + 1;
      while (next < tokens_.size() && tokens_[next]->getType() == PreceptLexer::COMMENT) ++next;
      const bool row_end = narrow == "|" && (next == tokens_.size() || tokens_[next]->getLine() > t->getLine());
      if (row_end) set_type(t, PreceptLexer::ROW_END);
      else if (auto it = literal_types_.find(narrow); it != literal_types_.end()) set_type(t, it->second);
      else hide_silently(j);
    }
  }

  void currency(std::size_t i) {
    const Token* next = i + 1 < tokens_.size() ? tokens_[i + 1] : nullptr;
    Message hint = sink_.say<M::currency_sign_hint>();
    if (next && next->getType() == PreceptLexer::NUMBER && next->getLine() == tokens_[i]->getLine())
      hint = sink_.say<M::currency_sign_amount_hint>(next->getText());
    hide(i, sink_.say<M::not_policy_language>(tokens_[i]->getText()), std::move(hint));
  }

  void ampersand(std::size_t i) {
    const bool pair = i + 1 < tokens_.size() && tokens_[i + 1]->getText() == "&" &&
                      tokens_[i + 1]->getStartIndex() == tokens_[i]->getStopIndex() + 1;
    replace(i, PreceptLexer::AND, sink_.say<M::not_policy_language>(pair ? "&&" : "&"), sink_.say<M::write_this_hint>("and"),
            pair ? 2 : 1);
    if (pair) hide_silently(i + 1);
  }

  // 'text' or ‘text’ on one line: a text in the wrong quotes.
  void single_quotes(std::size_t i) {
    std::size_t close = i + 1;
    while (close < tokens_.size() && tokens_[close]->getLine() == tokens_[i]->getLine() &&
           !(tokens_[close]->getType() == PreceptLexer::UNKNOWN_CHAR &&
             (tokens_[close]->getText() == "'" || tokens_[close]->getText() == "’")))
      ++close;
    if (close >= tokens_.size() || tokens_[close]->getLine() != tokens_[i]->getLine()) {
      hide(i, sink_.say<M::not_policy_language>(tokens_[i]->getText()), sink_.say<M::double_quotes_hint>("..."));
      return;
    }
    const std::size_t from = tokens_[i]->getStartIndex() + 1, to = tokens_[close]->getStopIndex();
    const std::string inner = to > from ? input_.getText(antlr4::misc::Interval(from, to - 1)) : std::string();
    error(tokens_[i], static_cast<std::uint32_t>(to - from + 2), sink_.say<M::single_quotes>(),
          sink_.say<M::double_quotes_hint>(inner));
    auto* first = dynamic_cast<antlr4::WritableToken*>(tokens_[i]);
    if (first) {
      first->setType(PreceptLexer::STRING);
      first->setText("\"" + inner + "\"");
    }
    for (std::size_t j = i + 1; j <= close; ++j) hide_silently(j);
  }

  // A `"` the lexer could not pair: the text runs to the end of the line.
  void unclosed_text(std::size_t i) {
    std::size_t j = i;
    while (j < tokens_.size() && tokens_[j]->getLine() == tokens_[i]->getLine() && tokens_[j]->getType() != Token::EOF)
      hide_silently(j++);
    error(tokens_[i], 1, sink_.say<M::unclosed_text>(), sink_.say<M::unclosed_text_hint>());
    set_type(tokens_[i], PreceptLexer::STRING);
    if (auto* w = dynamic_cast<antlr4::WritableToken*>(tokens_[i])) w->setChannel(Token::DEFAULT_CHANNEL);
  }

  bool in_table_row(std::size_t i) const {
    std::size_t first = i;
    while (first > 0 && tokens_[first - 1]->getLine() == tokens_[i]->getLine()) --first;
    return tokens_[first]->getText() == "|";
  }

  void replace(std::size_t i, std::size_t type, Message message, Message hint, std::uint32_t length = 1) {
    error(tokens_[i], length, std::move(message), std::move(hint));
    set_type(tokens_[i], type);
  }

  void hide(std::size_t i, Message message, Message hint) {
    error(tokens_[i], 1, std::move(message), std::move(hint));
    hide_silently(i);
  }

  void hide_silently(std::size_t i) {
    if (auto* w = dynamic_cast<antlr4::WritableToken*>(tokens_[i])) w->setChannel(Token::HIDDEN_CHANNEL);
  }

  static void set_type(Token* token, std::size_t type) {
    if (auto* w = dynamic_cast<antlr4::WritableToken*>(token)) w->setType(type);
  }

  void error(const Token* token, std::uint32_t length, Message message, Message hint) {
    ast::Location where = location_of(token);
    where.length = length;
    lines_.insert(where.line);
    sink_.error(where, std::move(message), std::move(hint));
  }

  std::vector<Token*> tokens_;
  antlr4::CharStream& input_;
  DiagnosticSink& sink_;
  std::set<std::uint32_t>& lines_;
  std::map<std::string, std::size_t> literal_types_;
};

// Refuses sources nested deeper than the parser (and our own recursive passes)
// can take without risking the stack: open parentheses plus a run of prefix
// `not`/`-` is how deep the recursion goes.
bool nesting_within_limit(antlr4::CommonTokenStream& tokens, DiagnosticSink& sink) {
  int open_parens = 0;
  int prefix_run = 0;
  for (auto* token : tokens.getTokens()) {
    if (token->getType() == PreceptLexer::COMMENT) continue;  // the parser never sees them
    const std::string& text = token->getText();
    if (text == "(") ++open_parens;
    else if (text == ")") open_parens = std::max(0, open_parens - 1);
    if (token->getType() == PreceptLexer::NOT || text == "-") ++prefix_run;
    else if (text != "(") prefix_run = 0;
    if (open_parens + prefix_run > kMaxNesting) {
      sink.error(location_of(token), sink.say<M::nested_too_deep>(kMaxNesting), sink.say<M::nested_too_deep_hint>());
      return false;
    }
  }
  return true;
}

// The deepest node of the parse tree, found with an explicit stack so that the
// measurement itself cannot overflow the C++ stack.
std::pair<std::size_t, antlr4::tree::ParseTree*> deepest_node(antlr4::tree::ParseTree* root) {
  std::vector<std::pair<antlr4::tree::ParseTree*, std::size_t>> pending{{root, 1}};
  std::pair<std::size_t, antlr4::tree::ParseTree*> deepest{0, root};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (depth > deepest.first) deepest = {depth, node};
    for (auto* child : node->children) pending.emplace_back(child, depth + 1);
  }
  return deepest;
}

// Whether the text can be parsed at all: not too large, and UTF-8.
bool policy_text_usable(std::string_view source, DiagnosticSink& sink) {
  if (source.size() > kMaxSourceBytes) {
    sink.error({}, sink.say<M::policy_too_large>(source.size(), kMaxSourceBytes), sink.say<M::policy_too_large_hint>());
    return false;
  }
  // The parser reads UTF-8 only; a file saved as GBK (or damaged) is named, not thrown on.
  if (const std::size_t bad = first_invalid_utf8(source); bad != std::string_view::npos) {
    const std::string_view before = source.substr(0, bad);
    const std::size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    ast::Location where;
    where.line = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
    where.column = static_cast<std::uint32_t>(utf8_length(before.substr(line_start)) + 1);
    sink.error(where, sink.say<M::policy_not_utf8>(), sink.say<M::policy_not_utf8_hint>());
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<ast::PolicyFile> parse_policy(std::string_view source, DiagnosticSink& sink) {
  if (!policy_text_usable(source, sink)) return nullptr;
  // A table row ends with a line end; a policy whose last line is a row may lack one.
  std::string text(source);
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  antlr4::ANTLRInputStream input(text);
  PreceptLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  if (!nesting_within_limit(tokens, sink)) return nullptr;
  std::set<std::uint32_t> reported_lines;
  SlipRepair(tokens, input, lexer.getVocabulary(), sink, reported_lines).run();
  PreceptParser parser(&tokens);
  parser.removeErrorListeners();
  PlainWordsErrorListener listener(sink, tokens, reported_lines);
  parser.addErrorListener(&listener);
  auto* tree = parser.policyFile();
  if (const auto [depth, node] = deepest_node(tree); depth > kMaxTreeDepth) {
    const Token* token = nullptr;
    if (auto* rule = dynamic_cast<ParserRuleContext*>(node)) token = rule->getStart();
    if (auto* leaf = dynamic_cast<antlr4::tree::TerminalNode*>(node)) token = leaf->getSymbol();
    sink.error(location_of(token), sink.say<M::expression_too_deep>(), sink.say<M::expression_too_deep_hint>());
    return nullptr;
  }
  AstBuilder builder(sink);
  return builder.build(tree);
}

}  // namespace precept
