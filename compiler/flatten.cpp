// A merged (layered) policy printed back as the source of one policy, for the
// tools that read policy text: `precept diff` compares two layered policies as
// the single policies they resolve to. The layout is plain, not the formatter's:
// the formatter keeps an officer's own text, and this text has no officer.
#include "ast_builder.hpp"
#include "diagnostics.hpp"
#include "expr_printer.hpp"
#include "large_stack.hpp"
#include "layers.hpp"

#include <precept/policy.hpp>

#include <fmt/format.h>

namespace precept {

namespace {

using ast::compare_text;

std::string print(const ast::ExprPtr& e) { return e ? print_expr(*e) : std::string(); }

std::string type_text(const ast::TypeRef& t) { return (t.is_list ? "list of " : "") + t.name; }

std::string metadata_text(const ast::Metadata& m) {
  std::string out;
  if (!m.description.empty()) out += " " + quoted_text(m.description);
  if (!m.source.empty()) out += " source " + quoted_text(m.source);
  return out;
}

std::string print_policy(const ast::PolicyFile& f) {
  std::string out = "policy " + quoted_text(f.name);
  if (!f.place.empty()) out += " place " + quoted_text(f.place);
  if (f.year) out += fmt::format(" year {}", f.year);
  out += "\n";
  for (const auto& r : f.registers) {
    out += "\nregister {\n";
    for (const auto& b : r.booleans) out += "  booleans " + quoted_text(b.when_true) + " / " + quoted_text(b.when_false) + "\n";
    for (const auto& word : r.digits_words) out += "  digits " + word + "\n";
    for (const auto& t : r.thousands) out += "  thousands " + quoted_text(t.separator) + "\n";
    for (const auto& a : r.aliases) out += "  column " + a.field + " " + quoted_text(a.header) + "\n";
    out += "}\n";
  }
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
          if (field.key) out += " key";
          if (field.personal) out += " personal";
          if (!field.description.empty()) out += " " + quoted_text(field.description);
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
        out += "rule " + d.name + (d.label.empty() ? "" : " " + quoted_text(d.label)) + ": " + print(d.condition) +
               metadata_text(d.metadata) + "\n";
        break;
      }
      case ast::DeclKind::Decide: {
        const auto& d = f.decides[ref.index];
        out += "decide " + d.name + (d.type ? ": " + type_text(*d.type) : "") +
               (d.label.empty() ? "" : " " + quoted_text(d.label)) + "\n";
        for (const auto& b : d.branches) out += "  when " + print(b.condition) + " -> " + print(b.outcome) + "\n";
        out += "  otherwise -> " + print(d.otherwise) + "\n";
        break;
      }
      case ast::DeclKind::Table: {
        const auto& d = f.tables[ref.index];
        out += "table " + d.name + (d.label.empty() ? "" : " " + quoted_text(d.label));
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
        out += "require " + print(d.condition) + (d.message.empty() ? "" : " " + quoted_text(d.message)) + "\n";
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
