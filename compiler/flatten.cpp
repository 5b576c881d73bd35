// A merged (layered) policy printed back as the source of one policy, for the
// tools that read policy text: `precept diff` compares two layered policies as
// the single policies they resolve to. The layout is plain, not the formatter's:
// the formatter keeps an officer's own text, and this text has no officer.
#include "ast_builder.hpp"
#include "diagnostics.hpp"
#include "large_stack.hpp"
#include "layers.hpp"

#include <precept/policy.hpp>

#include <fmt/format.h>

namespace precept {

namespace {

using ast::compare_text;

using ast::Expr;
using ast::ExprTag;

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    if (c == '\t') { out += "\\t"; continue; }
    out += c;
  }
  return out + "\"";
}

// Binding strength, as grammar/Precept.g4 orders rule `expr`: parentheses only
// where the tree needs them, so printing never adds nesting the parser limits.
int strength(const Expr& e) {
  switch (e.tag) {
    case ExprTag::Or: return 0;
    case ExprTag::And: return 1;
    case ExprTag::Not: return 2;
    case ExprTag::Compare: return 3;
    case ExprTag::IsMember: return 4;
    case ExprTag::IsMissing: return 5;
    case ExprTag::Default: return 6;
    case ExprTag::Binary: return e.op == '*' || e.op == '/' ? 8 : 7;
    case ExprTag::Negate: return 9;
    default: return 10;
  }
}

std::string print(const Expr& e, int at_least = 0);

std::string print_inner(const Expr& e) {
  auto arg = [&](std::size_t i, int at_least) { return i < e.args.size() ? print(*e.args[i], at_least) : std::string(); };
  const int own = strength(e);
  switch (e.tag) {
    case ExprTag::Number: return e.text + (e.is_percent ? "%" : "") + (e.unit.empty() ? "" : " " + e.unit);
    case ExprTag::String: return quoted(e.text);
    case ExprTag::Date: return e.text;
    case ExprTag::Bool: return e.bool_value ? "true" : "false";
    case ExprTag::Name: return e.text;
    case ExprTag::Member: return e.text + "." + e.member;
    case ExprTag::Call: {
      std::string out = e.text + "(";
      for (std::size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + print(*e.args[i]);
      return out + ")";
    }
    case ExprTag::Negate: return "-" + arg(0, own);
    case ExprTag::Not: return "not " + arg(0, own);
    case ExprTag::Binary: return fmt::format("{} {} {}", arg(0, own), e.op, arg(1, own + 1));
    case ExprTag::Compare: return fmt::format("{} {} {}", arg(0, own), compare_text(e.compare), arg(1, own + 1));
    case ExprTag::And: return fmt::format("{} and {}", arg(0, own), arg(1, own + 1));
    case ExprTag::Or: return fmt::format("{} or {}", arg(0, own), arg(1, own + 1));
    case ExprTag::IsMissing: return arg(0, own) + (e.negated ? " is present" : " is missing");
    case ExprTag::IsMember: return fmt::format("{} is {}{}", arg(0, own), e.negated ? "not " : "", e.text);
    case ExprTag::Default: return fmt::format("{} if missing {}", arg(0, own), arg(1, own + 1));
  }
  return {};
}

std::string print(const Expr& e, int at_least) {
  const std::string text = print_inner(e);
  return strength(e) < at_least ? "(" + text + ")" : text;
}

std::string print(const ast::ExprPtr& e) { return e ? print(*e) : std::string(); }

std::string type_text(const ast::TypeRef& t) { return (t.is_list ? "list of " : "") + t.name; }

std::string metadata_text(const ast::Metadata& m) {
  std::string out;
  if (!m.description.empty()) out += " " + quoted(m.description);
  if (!m.source.empty()) out += " source " + quoted(m.source);
  return out;
}

std::string print_policy(const ast::PolicyFile& f) {
  std::string out = "policy " + quoted(f.name);
  if (!f.place.empty()) out += " place " + quoted(f.place);
  if (f.year) out += fmt::format(" year {}", f.year);
  out += "\n";
  for (const auto& ref : f.order) {
    out += "\n";
    switch (ref.kind) {
      case ast::DeclKind::Enum: {
        const auto& d = f.enums[ref.index];
        out += "enum " + d.name + " {";
        for (std::size_t i = 0; i < d.members.size(); ++i) out += (i ? ", " : " ") + d.members[i].first;
        out += " }\n";
        break;
      }
      case ast::DeclKind::Record: {
        const auto& d = f.records[ref.index];
        out += "record " + d.name + " {\n";
        for (const auto& field : d.fields) {
          out += "  " + field.name + ": " + (field.optional ? "optional " : "") + type_text(field.type);
          if (field.check) out += fmt::format(" where {} {}", compare_text(*field.check), print(field.check_value));
          if (field.default_value) out += " default " + print(field.default_value);
          if (!field.description.empty()) out += " " + quoted(field.description);
          out += "\n";
        }
        out += "}\n";
        break;
      }
      case ast::DeclKind::Param: {
        const auto& d = f.params[ref.index];
        out += "param " + d.name + ": " + type_text(d.type) + " = " + print(d.value) + metadata_text(d.metadata) + "\n";
        break;
      }
      case ast::DeclKind::Let: {
        const auto& d = f.lets[ref.index];
        out += "let " + d.name + (d.type ? ": " + type_text(*d.type) : "") + " = " + print(d.value) +
               metadata_text(d.metadata) + "\n";
        break;
      }
      case ast::DeclKind::Rule: {
        const auto& d = f.rules[ref.index];
        out += "rule " + d.name + (d.label.empty() ? "" : " " + quoted(d.label)) + ": " + print(d.condition) +
               metadata_text(d.metadata) + "\n";
        break;
      }
      case ast::DeclKind::Decide: {
        const auto& d = f.decides[ref.index];
        out += "decide " + d.name + (d.type ? ": " + type_text(*d.type) : "") +
               (d.label.empty() ? "" : " " + quoted(d.label)) + "\n";
        for (const auto& b : d.branches) out += "  when " + print(b.condition) + " -> " + print(b.outcome) + "\n";
        out += "  otherwise -> " + print(d.otherwise) + "\n";
        break;
      }
      case ast::DeclKind::Table: {
        const auto& d = f.tables[ref.index];
        out += "table " + d.name + (d.label.empty() ? "" : " " + quoted(d.label));
        if (!d.hit_policy.empty()) out += " " + d.hit_policy;
        if (!d.aggregator.empty()) out += " " + d.aggregator;
        if (d.guard) out += " when " + print(d.guard);
        out += "\n  |";
        for (const auto& c : d.columns) {
          if (c.kind == ast::ColumnKind::Condition) out += " when |";
          else if (c.kind == ast::ColumnKind::Input) out += " when " + print(c.input) + " |";
          else out += " " + c.name + (c.type ? ": " + type_text(*c.type) : "") + " |";
        }
        out += "\n";
        for (const auto& row : d.rows) {
          out += "  |";
          for (const auto& cell : row.cells) {
            if (cell.kind == ast::CellKind::Any) {
              out += " - |";
            } else if (cell.kind == ast::CellKind::Compare) {
              out += fmt::format(" {} {} |", compare_text(cell.compare), cell.values.empty() ? "" : print(cell.values[0]));
            } else {
              std::string values;
              for (std::size_t i = 0; i < cell.values.size(); ++i) values += (i ? ", " : "") + print(cell.values[i]);
              out += " " + values + " |";
            }
          }
          out += "\n";
        }
        break;
      }
      case ast::DeclKind::Require: {
        const auto& d = f.requires_[ref.index];
        out += "require " + print(d.condition) + (d.message.empty() ? "" : " " + quoted(d.message)) + "\n";
        break;
      }
      case ast::DeclKind::Output: {
        const auto& d = f.outputs[ref.index];
        out += "output ";
        for (std::size_t i = 0; i < d.items.size(); ++i)
          out += (i ? ",\n       " : "") + (d.items[i].name.empty() ? "" : d.items[i].name + " = ") + print(d.items[i].value);
        out += "\n";
        break;
      }
      case ast::DeclKind::Summary: {
        const auto& d = f.summaries[ref.index];
        out += "summary\n";
        for (const auto& m : d.measures) out += "  " + m.key + " = " + print(m.value) + "\n";
        for (const auto& g : d.groups) {
          out += "  group " + g.name + " =";
          for (std::size_t i = 0; i < g.fields.size(); ++i) out += (i ? ", " : " ") + g.fields[i].first;
          out += "\n";
        }
        break;
      }
      // The flat text feeds the reviewers' diff, which leaves examples out.
      case ast::DeclKind::Example: break;
    }
  }
  return out;
}

bool uses_layers(const ast::PolicyFile& f) {
  if (!f.extends.empty() || !f.exceptions.empty()) return true;
  for (const auto& p : f.params)
    if (!p.dated.empty()) return true;
  return false;
}

ResolvedSource resolve_here(std::string_view source, const std::string& file_name, const CompileOptions& options) {
  ResolvedSource result;
  DiagnosticSink sink(file_name, source, options.max_errors);
  auto file = parse_policy(source, sink);
  if (!file || sink.error_count() > 0) {
    result.diagnostics = sink.take();
    return result;
  }
  if (!uses_layers(*file)) {
    result.text = std::string(source);
    result.files = {file_name};
    return result;
  }
  LayerSources sources;
  LayerOptions layer_options{options.year, options.base_directory, options.loader};
  ResolvedPolicy layers;
  if (!resolve_layers(*file, sink, layer_options, sources, &layers, nullptr)) {
    result.diagnostics = sink.take();
    return result;
  }
  result.files = std::move(layers.files);
  result.text = print_policy(*file);
  result.diagnostics = sink.take();
  return result;
}

}  // namespace

ResolvedSource resolve_source(std::string_view source, std::string file_name, const CompileOptions& options) {
  ResolvedSource result;
  auto work = [&] { result = resolve_here(source, file_name, options); };
  run_on_large_stack(work);
  return result;
}

}  // namespace precept
