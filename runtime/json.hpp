// The one JSON writer of Precept (internal). Every JSON the project writes
// (`run --format jsonl`, `--explain`, `explain --format json`, `test --json`,
// `diff --format json`) is made under two rules, here (README, "JSON"):
//   - text that is not valid UTF-8 (a register saved as GBK) is repaired, never
//     refused: each byte that is not part of a valid UTF-8 sequence becomes
//     U+FFFD (append_valid_utf8, runtime/text_width.hpp), in values and in
//     member names alike; the output is always valid JSON and nothing throws;
//   - money and decimals are strings holding the exact decimal ("23000.00"),
//     never JSON numbers, which a reader would parse into a binary float.
// Documents are built as nlohmann-json values and written by dump(). A single
// string on a hot path (a results line per row) is written by append_string(),
// which writes exactly what dump() writes for that string (tests/runtime/
// test_json.cpp compares them over many strings) without building a value.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace precept::json {

// `text` as a JSON string (quotes included), under the UTF-8 rule, appended to `out`.
void append_string(std::string& out, std::string_view text);

// An exact decimal's text ("2736.00", "-0.216000"), as the JSON value of money or a decimal.
inline nlohmann::json decimal(std::string exact_text) { return nlohmann::json(std::move(exact_text)); }

// Every string in `value`, member names included, under the UTF-8 rule.
template <class Json>
void repair_text(Json& value);

// The document's text: compact (indent < 0) or indented, under both rules.
// Objects keep their members in the order of the value's type: nlohmann::json
// sorts them by name, nlohmann::ordered_json keeps the order they were added.
template <class Json>
std::string dump(Json value, int indent = -1) {
  repair_text(value);
  // After the repair nothing is left for the handler; it is there so that no
  // string could ever make dump() throw.
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// --- implementation -----------------------------------------------------------

bool is_valid_utf8(std::string_view text);
std::string repaired_utf8(std::string_view text);

template <class Json>
void repair_text(Json& value) {
  if (value.is_string()) {
    auto& text = value.template get_ref<std::string&>();
    if (!is_valid_utf8(text)) text = repaired_utf8(text);
  } else if (value.is_array()) {
    for (auto& item : value) repair_text(item);
  } else if (value.is_object()) {
    bool names_valid = true;
    for (auto& [name, item] : value.items()) {
      repair_text(item);
      names_valid = names_valid && is_valid_utf8(name);
    }
    if (names_valid) return;
    Json repaired = Json::object();
    for (auto& [name, item] : value.items()) repaired[repaired_utf8(name)] = std::move(item);
    value = std::move(repaired);
  }
}

}  // namespace precept::json
