// Explanation::letter (include/precept/explain.hpp): an explanation written to
// the household, in English or Chinese, from the same entries text() and
// json() are made of. Every sentence is the catalogue's (messages_explain.def).
#include <precept/explain.hpp>
#include <precept/text.hpp>

#include "messages.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace precept {

namespace {

using M = MessageId;

class Letter {
 public:
  Letter(const Explanation& e, const std::string& policy_file, Language language)
      : e_(e), file_(policy_file), language_(language) {}

  std::string write() const {
    std::string out = heading() + "\n\n";
    if (e_.rejected) return out + rejected();
    out += word(M::letter_decision) + "\n";
    for (std::size_t i = 0; i < e_.output_names.size(); ++i) {
      const Explanation::Entry* entry = find(e_.output_names[i]);
      out += line(say<M::letter_output>(language_, shown(e_.output_names[i]), decision_value(i, entry)).text);
    }
    out += '\n';
    out += word(M::letter_reasons) + "\n";
    std::size_t number = 0;
    for (const Explanation::Entry& entry : e_.entries) {
      const std::string sentence = reason(entry);
      if (!sentence.empty()) out += line(say<M::letter_item>(language_, ++number, sentence).text);
    }
    return out;
  }

 private:
  std::string word(MessageId id) const { return std::string(catalogue_text(id, language_)); }
  static std::string line(const std::string& text) { return text + "\n"; }
  // Sentences of one reason follow one another on its line (with a space
  // between them in English; Chinese runs them on).
  void append_sentence(std::string& out, const std::string& sentence) const {
    if (language_ == Language::English) out += ' ';
    out += sentence;
  }
  // Names and values come from the register or the policy: shown escaped.
  static std::string shown(std::string_view text) { return escape_for_terminal(text); }

  std::string heading() const {
    const std::string id = shown(e_.id), file = shown(file_);
    if (e_.example) return say<M::letter_example>(language_, id, file).text;
    if (e_.line) return say<M::letter_household_line>(language_, id, e_.line, file).text;
    return say<M::letter_household>(language_, id, file).text;
  }

  const Explanation::Entry* find(const std::string& name) const {
    for (const auto& entry : e_.entries)
      if (entry.name == name) return &entry;
    return nullptr;
  }

  // A value as a household reads it: yes/no for a truth, yuan for money,
  // items with the language's separator for a list.
  std::string value(std::string text, bool money) const {
    if (text == "true") return word(M::letter_true);
    if (text == "false") return word(M::letter_false);
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
      text = text.substr(1, text.size() - 2);
      if (text.empty()) return word(M::letter_none);
      std::string out;
      for (std::size_t at = 0; at <= text.size();) {
        const std::size_t comma = std::min(text.find(", ", at), text.size());
        out += (out.empty() ? "" : word(M::letter_list_separator)) + text.substr(at, comma - at);
        at = comma + 2;
      }
      return shown(out);
    }
    constexpr std::string_view kYuan = " yuan";  // a parameter's value, as text() shows it
    if (text.ends_with(kYuan)) {
      text.resize(text.size() - kYuan.size());
      money = true;
    }
    return money ? say<M::letter_yuan>(language_, shown(text)).text : shown(text);
  }

  std::string decision_value(std::size_t output, const Explanation::Entry* entry) const {
    const bool money = entry && entry->money;
    // The entry's value shows a list as a list ("[a, b]"); the output's as the CSV does.
    std::string out = value(entry ? entry->value : e_.outputs[output], money);
    if (entry && !entry->terms.empty()) out = say<M::letter_sum>(language_, out, terms(*entry)).text;
    return out;
  }

  // "1000.00 (medical_aid) + 20000.00 (housing_renovation)"
  std::string terms(const Explanation::Entry& entry) const {
    std::string out;
    for (const auto& term : entry.terms) {
      if (!out.empty()) out += " + ";
      out += term.label.empty() ? shown(term.value) : say<M::letter_term>(language_, shown(term.value), shown(term.label)).text;
    }
    return out;
  }

  std::string place(const Explanation::Entry& entry) const {
    if (!entry.layer.empty()) return shown(entry.layer);
    return say<M::letter_place>(language_, shown(entry.file.empty() ? file_ : entry.file), entry.line).text;
  }

  // "per_capita 1539.44 < poverty_line 2736.00 (holds)", from text()'s
  // "per_capita 1539.44 < poverty_line 2736.00" or "... (false)".
  std::string comparisons(const std::vector<std::string>& compared) const {
    constexpr std::string_view kFalse = " (false)";
    std::string out;
    for (const auto& c : compared) {
      if (!out.empty()) out += word(M::letter_list_separator);
      out += c.ends_with(kFalse) ? say<M::letter_does_not_hold>(language_, shown(c.substr(0, c.size() - kFalse.size()))).text
                                 : say<M::letter_holds>(language_, shown(c)).text;
    }
    return out;
  }

  // "wubao = false; members = 4" as "wubao = no, members = 4".
  std::string values(const std::vector<std::string>& values) const {
    std::string out;
    for (const auto& v : values) {
      const std::size_t is = v.find(" = ");
      if (is == std::string::npos) continue;
      if (!out.empty()) out += word(M::letter_list_separator);
      out += say<M::letter_value>(language_, shown(v.substr(0, is)), value(v.substr(is + 3), false)).text;
    }
    return out;
  }

  // The names a comparison already shows with its value are not listed again.
  std::vector<std::string> not_compared(const std::vector<std::string>& values,
                                        const std::vector<std::string>& compared) const {
    std::vector<std::string> out;
    for (const auto& v : values) {
      const std::string name = v.substr(0, v.find(" = "));
      bool seen = false;
      for (const auto& c : compared) seen |= c.starts_with(name + " ") || c.find(" " + name + " ") != std::string::npos;
      if (!seen) out.push_back(v);
    }
    return out;
  }

  // What the reason rests on: the comparisons, then the other values read.
  std::string grounds(const std::vector<std::string>& vals, const std::vector<std::string>& compared) const {
    std::string out;
    if (!compared.empty()) append_sentence(out, say<M::letter_checked>(language_, comparisons(compared)).text);
    const auto rest = not_compared(vals, compared);
    if (!rest.empty()) append_sentence(out, say<M::letter_values>(language_, values(rest)).text);
    return out;
  }

  // The expression after "let x = " or "output x = ".
  static std::string expression(const std::string& decided_by) {
    const std::size_t is = decided_by.find(" = ");
    return is == std::string::npos ? decided_by : decided_by.substr(is + 3);
  }

  std::string rows(const std::vector<std::uint32_t>& rows) const {
    std::string list;
    for (const auto row : rows) list += (list.empty() ? "" : word(M::letter_list_separator)) + std::to_string(row);
    return rows.size() == 1 ? say<M::letter_row>(language_, list).text : say<M::letter_rows>(language_, list).text;
  }

  std::string reason(const Explanation::Entry& entry) const {
    const std::string name = shown(entry.name), label = shown(entry.label), where = place(entry);
    const std::string v = value(entry.value, entry.money);
    std::string out;
    if (entry.kind == "rule") {
      out = entry.label.empty() ? say<M::letter_rule_plain>(language_, name, v, where).text
                                : say<M::letter_rule>(language_, name, v, label, where).text;
    } else if (entry.kind == "let" || entry.kind == "output") {
      out = say<M::letter_let>(language_, name, v, shown(expression(entry.decided_by)), where).text;
      if (!entry.terms.empty())
        append_sentence(out, say<M::letter_itemised>(language_, say<M::letter_sum>(language_, terms(entry), v).text).text);
    } else if (entry.kind == "decide") {
      if (entry.branch != 0) {
        // decided_by: "decide NAME, branch N `CONDITION`"
        const std::size_t open = entry.decided_by.find('`');
        const std::string condition =
            open == std::string::npos ? std::string() : shown(entry.decided_by.substr(open + 1, entry.decided_by.size() - open - 2));
        out = entry.label.empty() ? say<M::letter_decide_plain>(language_, name, v, condition, where).text
                                  : say<M::letter_decide>(language_, name, v, label, condition, where).text;
      } else {
        out = entry.label.empty() ? say<M::letter_decide_otherwise_plain>(language_, name, v, where).text
                                  : say<M::letter_decide_otherwise>(language_, name, v, label, where).text;
      }
      out += grounds(entry.values, entry.compared);
      for (const auto& branch : entry.earlier) {
        std::string why = comparisons(branch.compared);
        const auto rest = values(not_compared(branch.values, branch.compared));
        if (!rest.empty()) why += (why.empty() ? "" : word(M::letter_list_separator)) + rest;
        append_sentence(out, why.empty() ? say<M::letter_earlier_plain>(language_, shown(branch.condition)).text
                                         : say<M::letter_earlier>(language_, shown(branch.condition), why).text);
      }
      return out;
    } else if (entry.kind == "table") {
      if (entry.rows.empty()) out = say<M::letter_table_none>(language_, name, where).text;
      else if (entry.label.empty()) out = say<M::letter_table_plain>(language_, name, rows(entry.rows), where).text;
      else out = say<M::letter_table>(language_, name, label, rows(entry.rows), where).text;
    } else if (entry.kind == "param") {
      std::string about = shown(entry.description);
      if (!entry.source.empty())
        about = about.empty() ? say<M::letter_source_only>(language_, shown(entry.source)).text
                              : say<M::letter_source>(language_, about, shown(entry.source)).text;
      return about.empty() ? say<M::letter_param_plain>(language_, name, v, where).text
                           : say<M::letter_param>(language_, name, v, about, where).text;
    } else {
      return {};  // a field: its value is given where it is used
    }
    return out + grounds(entry.values, entry.compared);
  }

  std::string rejected() const {
    std::string out = word(M::letter_decision) + "\n" + word(M::letter_not_decided) + "\n\n";
    out += word(M::letter_why_rejected) + "\n  " + shown(e_.reason) + "\n\n";
    out += word(M::letter_what_to_do) + "\n";
    const std::string at = e_.line ? say<M::letter_fix_line>(language_, e_.line).text : std::string();
    out += e_.column.empty() ? say<M::letter_fix_record>(language_, at).text
                             : say<M::letter_fix_column>(language_, shown(e_.column), at).text;
    return out + "\n";
  }

  const Explanation& e_;
  const std::string& file_;
  Language language_;
};

}  // namespace

std::string Explanation::letter(const std::string& policy_file, Language language) const {
  return Letter(*this, policy_file, language).write();
}

}  // namespace precept
