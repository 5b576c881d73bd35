// The compiled-program file, its verifier and the disassembler.
//
// The robustness sweeps are the heart of this file: the loader and the verifier
// are the only things standing between a damaged or hostile .pcb and the VM, so
// every single-byte change and every truncation of a real program must be
// refused with a reason, or (when it still verifies) be harmless to use.
#include "batch.hpp"
#include "disasm.hpp"
#include "program.hpp"
#include "serialize.hpp"
#include "verifier.hpp"
#include "vm.hpp"

#include "golden.hpp"

#include <precept/version.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace precept {
namespace {

// ---------------------------------------------------------------- building programs

ValueType scalar_type(Kind kind, std::uint16_t enum_id = 0) { return {kind, Kind::Bool, enum_id}; }
ValueType list_type(Kind element, std::uint16_t enum_id = 0) {
  return {Kind::List, element, enum_id};
}

struct Builder {
  Program p;
  std::uint32_t line = 0;
  std::uint32_t origin = 0;

  std::uint16_t enumeration(std::string name, std::vector<std::string> members) {
    p.enums.push_back({std::move(name), std::move(members)});
    return static_cast<std::uint16_t>(p.enums.size() - 1);
  }
  std::uint32_t field(std::string name, ValueType type, bool optional = false,
                      bool has_default = false, std::int64_t default_scalar = 0) {
    FieldDef f;
    f.name = std::move(name);
    f.type = type;
    f.optional = optional;
    f.has_default = has_default;
    f.default_scalar = default_scalar;
    p.fields.push_back(std::move(f));
    return static_cast<std::uint32_t>(p.fields.size() - 1);
  }
  std::uint32_t reg(ValueType type, std::string name = {}) {
    p.scalar_types.push_back(type);
    p.scalar_names.push_back(std::move(name));
    return static_cast<std::uint32_t>(p.scalar_types.size() - 1);
  }
  std::uint32_t text_reg() { return p.text_count++; }
  std::uint32_t list_reg(ValueType type) {
    p.list_types.push_back(type);
    return static_cast<std::uint32_t>(p.list_types.size() - 1);
  }
  std::uint32_t quotient_reg(Kind units) {
    p.quotient_units.push_back(units);
    return static_cast<std::uint32_t>(p.quotient_units.size() - 1);
  }
  std::uint32_t constant(std::int64_t value) {
    p.constants.push_back(value);
    return static_cast<std::uint32_t>(p.constants.size() - 1);
  }
  std::uint32_t string(std::string text) {
    p.strings.push_back(std::move(text));
    return static_cast<std::uint32_t>(p.strings.size() - 1);
  }
  // Later instructions come from this policy line and declaration.
  void at(std::uint32_t policy_line, std::string declaration) {
    line = policy_line;
    p.origins.push_back(std::move(declaration));
    origin = static_cast<std::uint32_t>(p.origins.size() - 1);
  }
  void emit(Opcode op, std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t c = 0,
            std::uint8_t x = 0, std::uint8_t y = 0) {
    p.code.push_back({op, x, y, 0, a, b, c});
    p.code_lines.push_back(line);
    p.code_origins.push_back(origin);
  }
  void output(std::string name, ValueType type, std::uint32_t reg_index) {
    p.outputs.push_back({std::move(name), type, reg_index});
  }
};

const ValueType kBool = scalar_type(Kind::Bool);
const ValueType kInt = scalar_type(Kind::Int);
const ValueType kMoney = scalar_type(Kind::Money);
const ValueType kDecimal = scalar_type(Kind::Decimal);
const ValueType kDate = scalar_type(Kind::Date);
const ValueType kText = scalar_type(Kind::Text);
constexpr auto kHalfEven = static_cast<std::uint8_t>(0);
constexpr auto kHalfUp = static_cast<std::uint8_t>(1);

Program money_comparison() {
  Builder b;
  b.p.policy_name = "money comparison";
  const auto income = b.field("income", kMoney);
  const auto r_income = b.reg(kMoney, "income");
  const auto r_line = b.reg(kMoney, "poverty_line");
  const auto r_poor = b.reg(kBool, "poor");
  b.at(1, "rule poor");
  b.emit(Opcode::LOAD_FIELD, r_income, income);
  b.emit(Opcode::LOAD_CONST, r_line, b.constant(273600));
  b.emit(Opcode::LT, r_poor, r_income, r_line);
  b.output("poor", kBool, r_poor);
  return b.p;
}

// How `decide category` lowers: each branch runs only for rows no earlier branch took.
Program decide_selection() {
  Builder b;
  b.p.policy_name = "decide";
  const auto category = b.enumeration("category", {"none", "dibao", "wubao"});
  const auto wubao = b.field("wubao", kBool);
  const auto dibao = b.field("dibao", kBool);
  const auto r_wubao = b.reg(kBool, "wubao");
  const auto r_dibao = b.reg(kBool, "dibao");
  const auto r_category = b.reg(scalar_type(Kind::Enum, category), "category");
  const auto r_decided = b.reg(kBool);
  b.at(3, "decide category");
  b.emit(Opcode::LOAD_FIELD, r_wubao, wubao);
  b.emit(Opcode::LOAD_FIELD, r_dibao, dibao);
  b.emit(Opcode::LOAD_CONST, r_category, b.constant(0));
  b.emit(Opcode::MOVE, r_decided, r_wubao);
  b.emit(Opcode::SELECT_IF, r_wubao);
  b.emit(Opcode::LOAD_CONST, r_category, b.constant(2));
  b.emit(Opcode::SELECT_POP);
  b.emit(Opcode::SELECT_UNLESS, r_decided);
  b.emit(Opcode::SELECT_IF, r_dibao);
  b.emit(Opcode::LOAD_CONST, r_category, b.constant(1));
  b.emit(Opcode::SELECT_POP);
  b.emit(Opcode::SELECT_POP);
  b.output("category", scalar_type(Kind::Enum, category), r_category);
  return b.p;
}

Program list_append_sum() {
  Builder b;
  b.p.policy_name = "amounts";
  const auto ill = b.field("ill_members", kInt);
  const auto r_ill = b.reg(kInt, "ill_members");
  const auto r_zero = b.reg(kInt);
  const auto r_ill_any = b.reg(kBool);
  const auto r_yes = b.reg(kBool);
  const auto r_amount = b.reg(kMoney);
  const auto r_total = b.reg(kMoney, "total");
  const auto r_count = b.reg(kInt, "count");
  const auto amounts = b.list_reg(list_type(Kind::Money));
  b.at(2, "table amounts");
  b.emit(Opcode::LOAD_FIELD, r_ill, ill);
  b.emit(Opcode::LOAD_CONST, r_zero, b.constant(0));
  b.emit(Opcode::LT, r_ill_any, r_zero, r_ill);
  b.emit(Opcode::LOAD_CONST, r_yes, b.constant(1));
  b.emit(Opcode::LIST_CLEAR, amounts);
  b.emit(Opcode::LOAD_CONST, r_amount, b.constant(100000));
  b.emit(Opcode::LIST_APPEND_IF, amounts, r_ill_any, r_amount);
  b.emit(Opcode::LOAD_CONST, r_amount, b.constant(50000));
  b.emit(Opcode::LIST_APPEND_IF, amounts, r_yes, r_amount);
  b.emit(Opcode::LIST_SUM, r_total, amounts);
  b.emit(Opcode::LIST_COUNT, r_count, amounts);
  b.output("amounts", list_type(Kind::Money), amounts);
  b.output("total", kMoney, r_total);
  return b.p;
}

Program optional_and_text() {
  Builder b;
  b.p.policy_name = "text";
  const auto phone = b.field("phone", kText, /*optional=*/true);
  const auto village = b.field("village", kText);
  const auto r_has_phone = b.reg(kBool, "has_phone");
  const auto r_local = b.reg(kBool, "local");
  const auto t_village = b.text_reg();
  const auto t_name = b.text_reg();
  const auto t_phone = b.text_reg();
  b.at(4, "let local");
  b.emit(Opcode::LOAD_PRESENT, r_has_phone, phone);
  b.emit(Opcode::LOAD_TEXT, t_phone, phone);
  b.emit(Opcode::LOAD_TEXT, t_village, village);
  b.emit(Opcode::LOAD_STRING, t_name, b.string("Xijiang"));
  b.emit(Opcode::EQ_TEXT, r_local, t_village, t_name);
  b.at(5, "require local");
  b.emit(Opcode::REQUIRE, r_local, b.string("only Xijiang households"));
  b.emit(Opcode::SELECT_UNLESS, r_has_phone);
  b.emit(Opcode::FAIL, b.string("no phone number"));
  b.emit(Opcode::SELECT_POP);
  b.output("village", kText, t_village);
  b.output("phone", kText, t_phone);
  return b.p;
}

constexpr std::string_view kHandmadeSource =
    R"pol(policy "Xijiang 2015 (handmade)" place "Xijiang Town" year 2015

enum house_grade { safe, c, d }
enum measure { medical_aid, housing_renovation, water_project }
enum cause { none, illness, lack_funds }

record household {
  household_id: text
  village: text default "unknown"
  members: int "people in the household"
  net_income: money
  owns_car: bool
  house: house_grade
  ill_members: optional int default 0
  disaster_loss: optional money
  prior_measures: list of measure
  registered: date
}

param poverty_line: money = 2736.00 "national line" source "county document 2015-3"
param office: text = "Huichang County poverty office"

require members > 0 "members must be positive"
let per_capita = round(net_income / members, 2)
let per_capita_yuan = round(per_capita, 0, half_up)
rule poor: not owns_car and per_capita < poverty_line
decide main_cause when ill_members > 0 -> illness  otherwise -> lack_funds
table measures collect when poor
  | measure            | when       | amount    |
  | housing_renovation | house is d | 20000.00  |
let total_assistance = sum(measures.amount)
let share = members * 1.000000 / net_income
let has_loss = disaster_loss is present
let local = village == "Xijiang"
let renewed = prior_measures contains housing_renovation
let registered_late = registered > 2015-12-31
)pol";

// A program that touches every opcode family and sets every Program member to
// something other than its default, so that a member the file format forgot
// would show in the round trip.
Program handmade() {
  Builder b;
  Program& p = b.p;
  p.policy_name = "Xijiang 2015 (handmade)";
  p.place = "Xijiang Town";
  p.year = 2015;
  p.source_file = "policies/handmade.pol";
  p.source_text = std::string(kHandmadeSource);
  p.source_hash = fnv1a64(p.source_text);

  const auto house_grade = b.enumeration("house_grade", {"safe", "c", "d"});
  const auto measure = b.enumeration("measure", {"medical_aid", "housing_renovation", "water_project"});
  const auto cause = b.enumeration("cause", {"none", "illness", "lack_funds"});
  const ValueType kHouse = scalar_type(Kind::Enum, house_grade);
  const ValueType kMeasure = scalar_type(Kind::Enum, measure);
  const ValueType kCause = scalar_type(Kind::Enum, cause);

  const auto f_id = b.field("household_id", kText);
  const auto f_village = b.field("village", kText, true, true);
  p.fields[f_village].default_text = "unknown";
  const auto f_members = b.field("members", kInt);
  p.fields[f_members].description = "people in the household";
  const auto f_income = b.field("net_income", kMoney);
  const auto f_car = b.field("owns_car", kBool);
  const auto f_house = b.field("house", kHouse);
  const auto f_ill = b.field("ill_members", kInt, true, true, 0);
  const auto f_loss = b.field("disaster_loss", kMoney, true);
  const auto f_prior = b.field("prior_measures", list_type(Kind::Enum, measure));
  const auto f_registered = b.field("registered", kDate);
  for (std::uint32_t i = 0; i < p.fields.size(); ++i) p.fields[i].line = 8 + i;

  ParamDef line_param;
  line_param.name = "poverty_line";
  line_param.type = kMoney;
  line_param.value = 273600;
  line_param.description = "national line";
  line_param.source = "county document 2015-3";
  line_param.line = 20;
  p.params.push_back(line_param);
  ParamDef office;
  office.name = "office";
  office.type = kText;
  office.text_value = "Huichang County poverty office";
  office.line = 21;
  p.params.push_back(office);

  const auto r_members = b.reg(kInt, "members");
  const auto r_income = b.reg(kMoney, "net_income");
  const auto r_car = b.reg(kBool, "owns_car");
  const auto r_house = b.reg(kHouse, "house");
  const auto r_ill = b.reg(kInt, "ill_members");
  const auto r_zero = b.reg(kInt);
  const auto r_ok = b.reg(kBool);
  const auto r_per_capita = b.reg(kMoney, "per_capita");
  const auto r_yuan = b.reg(kMoney, "per_capita_yuan");
  const auto r_line = b.reg(kMoney, "poverty_line");
  const auto r_below = b.reg(kBool);
  const auto r_no_car = b.reg(kBool);
  const auto r_poor = b.reg(kBool, "poor");
  const auto r_cause = b.reg(kCause, "main_cause");
  const auto r_has_ill = b.reg(kBool);
  const auto r_d = b.reg(kHouse);
  const auto r_is_d = b.reg(kBool);
  const auto r_measure = b.reg(kMeasure);
  const auto r_amount = b.reg(kMoney);
  const auto r_total = b.reg(kMoney, "total_assistance");
  const auto r_count = b.reg(kInt, "measure_count");
  const auto r_members_dec = b.reg(kDecimal);
  const auto r_share = b.reg(kDecimal, "share");
  const auto r_has_loss = b.reg(kBool, "has_loss");
  const auto r_local = b.reg(kBool, "local");
  const auto r_renewed = b.reg(kBool, "renewed");
  const auto r_registered = b.reg(kDate, "registered");
  const auto r_cutoff = b.reg(kDate);
  const auto r_late = b.reg(kBool, "registered_late");
  const auto r_spread = b.reg(kMoney);
  const auto r_share_rounded = b.reg(kDecimal);
  const auto r_half = b.reg(kMoney);
  const auto r_neg = b.reg(kMoney);
  const auto r_big = b.reg(kInt);
  const auto r_sum = b.reg(kInt);

  const auto t_id = b.text_reg();
  const auto t_village = b.text_reg();
  const auto t_name = b.text_reg();
  const auto t_copy = b.text_reg();
  const auto l_measures = b.list_reg(list_type(Kind::Enum, measure));
  const auto l_prior = b.list_reg(list_type(Kind::Enum, measure));
  const auto l_amounts = b.list_reg(list_type(Kind::Money));
  const auto q_per_capita = b.quotient_reg(Kind::Money);
  const auto q_share = b.quotient_reg(Kind::Decimal);
  const auto q_members = b.quotient_reg(Kind::Decimal);

  b.at(7, "record household");
  b.emit(Opcode::LOAD_TEXT, t_id, f_id);
  b.emit(Opcode::LOAD_TEXT, t_village, f_village);
  b.emit(Opcode::LOAD_FIELD, r_members, f_members);
  b.emit(Opcode::LOAD_FIELD, r_income, f_income);
  b.emit(Opcode::LOAD_FIELD, r_car, f_car);
  b.emit(Opcode::LOAD_FIELD, r_house, f_house);
  b.emit(Opcode::LOAD_FIELD, r_ill, f_ill);
  b.emit(Opcode::LOAD_LIST, l_prior, f_prior);
  b.emit(Opcode::LOAD_FIELD, r_registered, f_registered);
  b.at(23, "require members > 0");
  b.emit(Opcode::LOAD_CONST, r_zero, b.constant(0));
  b.emit(Opcode::LT, r_ok, r_zero, r_members);
  b.emit(Opcode::REQUIRE, r_ok, b.string("members must be positive"));
  b.at(24, "let per_capita");
  b.emit(Opcode::DIVIDE, q_per_capita, r_income, r_members, 0);
  b.emit(Opcode::ROUND_QUOTIENT, r_per_capita, q_per_capita, 0, 0, kHalfEven);
  b.at(25, "let per_capita_yuan");
  b.emit(Opcode::ROUND_NUMBER, r_yuan, r_per_capita, 0, 2, kHalfUp);
  b.at(26, "rule poor");
  b.emit(Opcode::LOAD_CONST, r_line, b.constant(273600));
  b.emit(Opcode::LT, r_below, r_per_capita, r_line);
  b.emit(Opcode::NOT, r_no_car, r_car);
  b.emit(Opcode::AND, r_poor, r_no_car, r_below);
  b.at(27, "decide main_cause");
  b.emit(Opcode::LOAD_CONST, r_cause, b.constant(2));
  b.emit(Opcode::LT, r_has_ill, r_zero, r_ill);
  b.emit(Opcode::SELECT_IF, r_has_ill);
  b.emit(Opcode::LOAD_CONST, r_cause, b.constant(1));
  b.emit(Opcode::SELECT_POP);
  b.at(28, "table measures");
  b.emit(Opcode::LIST_CLEAR, l_measures);
  b.emit(Opcode::LIST_CLEAR, l_amounts);
  const auto grade_d = b.constant(2);
  const auto renovation = b.constant(1);
  // Outside the selection: `let renewed` reads it for every row.
  b.emit(Opcode::LOAD_CONST, r_measure, renovation);
  b.emit(Opcode::SELECT_IF, r_poor);
  b.emit(Opcode::LOAD_CONST, r_d, grade_d);
  b.emit(Opcode::EQ, r_is_d, r_house, r_d);
  b.emit(Opcode::LIST_APPEND_IF, l_measures, r_is_d, r_measure);
  b.emit(Opcode::LOAD_CONST, r_amount, b.constant(2000000));
  b.emit(Opcode::LIST_APPEND_IF, l_amounts, r_is_d, r_amount);
  b.emit(Opcode::SELECT_POP);
  b.at(31, "let total_assistance");
  b.emit(Opcode::LIST_SUM, r_total, l_amounts);
  b.emit(Opcode::LIST_COUNT, r_count, l_measures);
  b.at(32, "let share");
  b.emit(Opcode::WIDEN, r_members_dec, r_members, 0, 6);
  b.emit(Opcode::MULTIPLY_EXACT, q_share, r_income, r_members_dec, 2);
  b.emit(Opcode::QUOTIENT_OF, q_members, r_members, 0, 6);
  b.emit(Opcode::LT_QUOTIENT, r_ok, q_share, q_members);
  b.emit(Opcode::ROUND_QUOTIENT, r_share, q_share, 0, 0, kHalfEven);
  b.emit(Opcode::ROUND_NUMBER, r_share_rounded, r_share, 0, 3, kHalfEven);
  b.at(33, "let has_loss");
  b.emit(Opcode::LOAD_PRESENT, r_has_loss, f_loss);
  b.at(34, "let local");
  b.emit(Opcode::LOAD_STRING, t_name, b.string("Xijiang"));
  b.emit(Opcode::EQ_TEXT, r_local, t_village, t_name);
  b.emit(Opcode::MOVE_TEXT, t_copy, t_village);
  b.at(35, "let renewed");
  b.emit(Opcode::LIST_CONTAINS, r_renewed, l_prior, r_measure);
  b.at(36, "let registered_late");
  b.emit(Opcode::LOAD_CONST, r_cutoff, b.constant(16800));  // 2015-12-31
  b.emit(Opcode::LT, r_late, r_cutoff, r_registered);
  b.at(0, "checks");
  b.emit(Opcode::SUB_MONEY, r_spread, r_line, r_per_capita);
  b.emit(Opcode::ADD_MONEY, r_spread, r_spread, r_total);
  b.emit(Opcode::MUL_MONEY_INT, r_spread, r_spread, r_members);
  b.emit(Opcode::DIVIDE_ROUND, r_half, r_spread, r_members, 0, kHalfEven);
  b.emit(Opcode::NEGATE, r_neg, r_half);
  b.emit(Opcode::ABS, r_neg, r_neg);
  b.emit(Opcode::MAX, r_neg, r_neg, r_half);
  b.emit(Opcode::MIN, r_neg, r_neg, r_spread);
  b.emit(Opcode::ADD_DECIMAL, r_share_rounded, r_share_rounded, r_share);
  b.emit(Opcode::SUB_DECIMAL, r_share_rounded, r_share_rounded, r_members_dec);
  b.emit(Opcode::MUL_DECIMAL_INT, r_share_rounded, r_share_rounded, r_members);
  b.emit(Opcode::ADD_INT, r_sum, r_members, r_ill);
  b.emit(Opcode::SUB_INT, r_sum, r_sum, r_zero);
  b.emit(Opcode::MUL_INT, r_big, r_sum, r_count);
  b.emit(Opcode::LE, r_ok, r_sum, r_big);
  b.emit(Opcode::NE, r_ok, r_sum, r_big);
  b.emit(Opcode::OR, r_ok, r_ok, r_local);
  b.emit(Opcode::NE_TEXT, r_ok, t_id, t_name);
  b.emit(Opcode::LE_QUOTIENT, r_ok, q_share, q_members);
  b.emit(Opcode::EQ_QUOTIENT, r_ok, q_share, q_members);
  b.emit(Opcode::NE_QUOTIENT, r_ok, q_share, q_members);
  b.emit(Opcode::SELECT_UNLESS, r_ok);
  b.emit(Opcode::FAIL, b.string("inconsistent \"checks\"\n"));
  b.emit(Opcode::SELECT_POP);

  b.output("household_id", kText, t_id);
  b.output("per_capita", kMoney, r_per_capita);
  b.output("poor", kBool, r_poor);
  b.output("main_cause", kCause, r_cause);
  b.output("measures", list_type(Kind::Enum, measure), l_measures);
  b.output("total_assistance", kMoney, r_total);
  b.output("share", {Kind::Quotient, Kind::Decimal, 0}, q_share);

  p.summary.population_reg = r_members;
  p.summary.poor_reg = r_poor;
  p.summary.cause_reg = r_cause;
  p.summary.assistance_reg = r_total;
  p.summary.groups.push_back({"village", {f_village, f_id}});
  p.summary.groups.push_back({"total", {}});
  return p;
}

// Indexed tables, as the compiler lowers a `first` and a `collect` table whose
// tested cells are literals: a lookup per table and an array per output column.
Program indexed_tables() {
  Builder b;
  Program& p = b.p;
  p.policy_name = "indexed";
  const auto grade = b.enumeration("grade", {"safe", "c", "d"});
  const auto help = b.enumeration("help", {"repair", "rebuild", "water"});
  const ValueType kGrade = scalar_type(Kind::Enum, grade);
  const ValueType kHelp = scalar_type(Kind::Enum, help);
  const auto f_house = b.field("house", kGrade);
  const auto f_members = b.field("members", kInt);
  const auto f_remote = b.field("remote", kBool);
  p.strings = {"", "d, one", "c, any", "no row of table `housing` applies to this household"};

  LookupTable housing;
  housing.name = "table housing";
  housing.key_types = {kGrade, kInt, kBool};
  housing.key_names = {"house", "members", "remote"};
  housing.rows = 3;
  // | d | 1    | -    |
  // | c | -    | true |
  // | - | 2, 3 | -    |
  housing.values = {2, 1, 1, 1, 2, 3};
  housing.cell_ends = {1, 2, 2, 3, 3, 4, 4, 6, 6};
  p.lookups.push_back(housing);
  LookupTable helps;
  helps.name = "table helps";
  helps.key_types = {kGrade};
  helps.key_names = {"house"};
  helps.rows = 2;
  helps.values = {2, 1, 2};  // | d | and | c, d |
  helps.cell_ends = {1, 3};
  p.lookups.push_back(helps);
  p.arrays.push_back({"housing.aid", kMoney, {0, 10000, 20000, 30000}});
  p.arrays.push_back({"housing.note", kText, {0, 1, 2, 0}});
  p.arrays.push_back({"helps.help", kHelp, {0, 1, 2}});

  const auto r_house = b.reg(kGrade, "house");
  const auto r_members = b.reg(kInt, "members");
  const auto r_remote = b.reg(kBool, "remote");
  const auto k_house = b.reg(kGrade);
  const auto k_members = b.reg(kInt);
  const auto k_remote = b.reg(kBool);
  const auto r_row = b.reg(kInt, "housing row");
  const auto r_aid = b.reg(kMoney, "housing.aid");
  const auto r_zero = b.reg(kInt);
  const auto r_none = b.reg(kBool);
  const auto t_note = b.text_reg();
  const auto l_rows = b.list_reg(list_type(Kind::Int));
  const auto l_helps = b.list_reg(list_type(Kind::Enum, help));
  b.at(3, "table housing");
  b.emit(Opcode::LOAD_FIELD, r_house, f_house);
  b.emit(Opcode::LOAD_FIELD, r_members, f_members);
  b.emit(Opcode::LOAD_FIELD, r_remote, f_remote);
  b.emit(Opcode::LOAD_CONST, r_zero, b.constant(0));
  b.emit(Opcode::MOVE, k_house, r_house);
  b.emit(Opcode::MOVE, k_members, r_members);
  b.emit(Opcode::MOVE, k_remote, r_remote);
  b.emit(Opcode::LOOKUP_FIRST, r_row, 0, k_house);
  b.emit(Opcode::PICK, r_aid, 0, r_row);
  b.emit(Opcode::PICK_TEXT, t_note, 1, r_row);
  b.emit(Opcode::EQ, r_none, r_row, r_zero);
  b.emit(Opcode::SELECT_IF, r_none);
  b.emit(Opcode::FAIL, 3);
  b.emit(Opcode::SELECT_POP);
  b.at(8, "table helps");
  b.emit(Opcode::LIST_CLEAR, l_helps);
  b.emit(Opcode::LOOKUP_ALL, l_rows, 1, r_house);
  b.emit(Opcode::PICK_LIST, l_helps, 2, l_rows);
  b.output("aid", kMoney, r_aid);
  b.output("note", kText, t_note);
  b.output("helps", list_type(Kind::Enum, help), l_helps);
  return p;
}

struct Sample {
  const char* name;
  Program (*make)();
};
const Sample kSamples[] = {
    {"money_comparison", money_comparison}, {"decide_selection", decide_selection},
    {"list_append_sum", list_append_sum},   {"optional_and_text", optional_and_text},
    {"handmade", handmade},                 {"indexed_tables", indexed_tables},
};

// ---------------------------------------------------------------- comparing programs

auto members_of(const EnumDef& e) { return std::tie(e.name, e.members); }
auto members_of(const FieldDef& f) {
  return std::tie(f.name, f.type, f.optional, f.has_default, f.default_scalar, f.default_text,
                  f.line, f.description);
}
auto members_of(const ParamDef& p) {
  return std::tie(p.name, p.type, p.value, p.text_value, p.description, p.source, p.line);
}
auto members_of(const Instruction& i) { return std::tie(i.op, i.x, i.y, i.reserved, i.a, i.b, i.c); }
auto members_of(const OutputDef& o) { return std::tie(o.name, o.type, o.reg); }
auto members_of(const SummarySpec::Group& g) { return std::tie(g.name, g.fields); }
auto members_of(const LookupTable& t) {
  return std::tie(t.name, t.key_types, t.key_names, t.rows, t.cell_ends, t.values);
}
auto members_of(const ConstantArray& a) { return std::tie(a.name, a.type, a.values); }

template <class T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  return std::ranges::equal(a, b, [](const T& x, const T& y) { return members_of(x) == members_of(y); });
}

void expect_same_program(const Program& a, const Program& b) {
  EXPECT_EQ(a.policy_name, b.policy_name);
  EXPECT_EQ(a.place, b.place);
  EXPECT_EQ(a.year, b.year);
  EXPECT_EQ(a.source_hash, b.source_hash);
  EXPECT_EQ(a.source_file, b.source_file);
  EXPECT_EQ(a.source_text, b.source_text);
  EXPECT_TRUE(same(a.enums, b.enums));
  EXPECT_TRUE(same(a.fields, b.fields));
  EXPECT_TRUE(same(a.params, b.params));
  EXPECT_EQ(a.scalar_types, b.scalar_types);
  EXPECT_EQ(a.scalar_names, b.scalar_names);
  EXPECT_EQ(a.text_count, b.text_count);
  EXPECT_EQ(a.list_types, b.list_types);
  EXPECT_EQ(a.quotient_units, b.quotient_units);
  EXPECT_EQ(a.constants, b.constants);
  EXPECT_EQ(a.strings, b.strings);
  EXPECT_TRUE(same(a.code, b.code));
  EXPECT_EQ(a.code_lines, b.code_lines);
  EXPECT_EQ(a.code_origins, b.code_origins);
  EXPECT_EQ(a.origins, b.origins);
  EXPECT_TRUE(same(a.outputs, b.outputs));
  EXPECT_EQ(a.summary.population_reg, b.summary.population_reg);
  EXPECT_EQ(a.summary.poor_reg, b.summary.poor_reg);
  EXPECT_EQ(a.summary.cause_reg, b.summary.cause_reg);
  EXPECT_EQ(a.summary.assistance_reg, b.summary.assistance_reg);
  EXPECT_TRUE(same(a.summary.groups, b.summary.groups));
  EXPECT_TRUE(same(a.lookups, b.lookups));
  EXPECT_TRUE(same(a.arrays, b.arrays));
}

// ---------------------------------------------------------------- the opcode table

TEST(OpcodeTable, IsGeneratedFromOpcodesDef) {
  EXPECT_STREQ(opcode_info(Opcode::LOAD_FIELD).name, "LOAD_FIELD");
  EXPECT_STREQ(opcode_info(Opcode::ADD_MONEY).operands, "MMMw");
  EXPECT_STREQ(opcode_info(Opcode::FAIL).synopsis, "reject selected rows: string[A]");
  std::vector<std::string> names;
  for (int i = 0; i < kOpcodeCount; ++i) {
    const OpcodeInfo& info = opcode_info(static_cast<Opcode>(i));
    EXPECT_EQ(std::string_view(info.operands).size(), 4u) << info.name;
    names.emplace_back(info.name);
  }
  std::ranges::sort(names);
  EXPECT_EQ(std::ranges::adjacent_find(names), names.end()) << "duplicate opcode name";
  EXPECT_STREQ(opcode_info(static_cast<Opcode>(kOpcodeCount)).name, "INVALID");
  EXPECT_STREQ(opcode_info(static_cast<Opcode>(255)).operands, "___-");
}

// What an instruction reads and writes comes from opcodes.def's fourth letter,
// not from the wording of its synopsis.
TEST(OpcodeTable, SaysWhatEachInstructionReadsAndWrites) {
  EXPECT_TRUE(writes_operand_a(Opcode::LOAD_TEXT));
  EXPECT_TRUE(writes_operand_a(Opcode::MOVE_IF));
  EXPECT_FALSE(writes_operand_a(Opcode::REQUIRE));
  EXPECT_FALSE(writes_operand_a(Opcode::SELECT_POP));
  const auto reads = [](const Program& p, Instruction ins) {
    std::vector<std::string> out;
    each_register_read(p, ins, [&](RegisterFile file, std::uint32_t reg, int k) {
      out.push_back(register_label(p, file, reg) + "@" + "ABC"[k]);
    });
    return out;
  };
  Program p;
  using V = std::vector<std::string>;
  EXPECT_EQ(reads(p, make_instruction(Opcode::ADD_INT, 1, 2, 3)), (V{"r2@B", "r3@C"}));
  EXPECT_EQ(reads(p, make_instruction(Opcode::MOVE_IF, 1, 2, 3)), (V{"r1@A", "r2@B", "r3@C"}));
  EXPECT_EQ(reads(p, make_instruction(Opcode::LIST_APPEND_IF, 1, 2, 3)), (V{"l1@A", "r2@B", "r3@C"}));
  EXPECT_EQ(reads(p, make_instruction(Opcode::EQ_TEXT, 1, 2, 3)), (V{"t2@B", "t3@C"}));
  EXPECT_EQ(reads(p, make_instruction(Opcode::PICK_LIST, 1, 2, 3)), (V{"l3@C"}));
  EXPECT_EQ(reads(p, make_instruction(Opcode::SELECT_IF, 4)), (V{"r4@A"}));
  EXPECT_EQ(reads(p, make_instruction(Opcode::TABLE_CONFLICT, 4, 5, 6)), (V{"r5@B", "r6@C"}));
  p.lookups.resize(1);
  p.lookups[0].key_types.resize(3);
  EXPECT_EQ(reads(p, make_instruction(Opcode::LOOKUP_FIRST, 1, 0, 7)), (V{"r7@C", "r8@C", "r9@C"}));
}

TEST(OpcodeTable, KindsScalesAndRegisterFiles) {
  EXPECT_STREQ(kind_name(Kind::Money), "money");
  EXPECT_STREQ(kind_name(Kind::Quotient), "quotient");
  EXPECT_STREQ(kind_name(static_cast<Kind>(200)), "invalid kind");
  EXPECT_EQ(kind_scale(Kind::Int), 0);
  EXPECT_EQ(kind_scale(Kind::Money), 2);
  EXPECT_EQ(kind_scale(Kind::Decimal), 6);
  EXPECT_EQ(kind_scale(Kind::Date), 0);
  EXPECT_EQ(register_file_of(kDate), RegisterFile::Scalar);
  EXPECT_EQ(register_file_of(scalar_type(Kind::Enum)), RegisterFile::Scalar);
  EXPECT_EQ(register_file_of(kText), RegisterFile::Text);
  EXPECT_EQ(register_file_of(list_type(Kind::Money)), RegisterFile::List);
  EXPECT_EQ(register_file_of({Kind::Quotient, Kind::Money, 0}), RegisterFile::Quotient);
}

TEST(OpcodeTable, FindsImmediatesOnlyAsWords) {
  const auto npos = std::string_view::npos;
  EXPECT_EQ(find_immediate("r[A] = max(r[B], r[C])", 'x'), npos);
  EXPECT_EQ(find_immediate("r[A] = r[B] * 10^x", 'x'), 17u);
  EXPECT_NE(find_immediate(opcode_info(Opcode::ROUND_QUOTIENT).synopsis, 'y'), npos);
  EXPECT_EQ(find_immediate(opcode_info(Opcode::DIVIDE_ROUND).synopsis, 'x'), npos);
  EXPECT_EQ(find_immediate("select rows where not r[A]", 'y'), npos);
}

// ---------------------------------------------------------------- round trips

class ProgramSamples : public ::testing::TestWithParam<Sample> {};

TEST_P(ProgramSamples, VerifyAndRoundTrip) {
  const Program original = GetParam().make();
  std::string error;
  ASSERT_TRUE(verify_program(original, error)) << error;

  const std::string bytes = serialize_program(original);
  EXPECT_TRUE(looks_like_program(bytes));
  Program loaded;
  ASSERT_TRUE(deserialize_program(bytes, loaded, error)) << error;
  expect_same_program(original, loaded);
  EXPECT_EQ(serialize_program(loaded), bytes);
  EXPECT_TRUE(verify_program(loaded, error)) << error;
  EXPECT_EQ(disassemble(loaded), disassemble(original));
}

INSTANTIATE_TEST_SUITE_P(ProgramIo, ProgramSamples, ::testing::ValuesIn(kSamples),
                         [](const ::testing::TestParamInfo<Sample>& sample) {
                           return std::string(sample.param.name);
                         });

TEST(ProgramIo, HeaderFollowsTheDocumentedLayout) {
  const Program program = handmade();
  const std::string bytes = serialize_program(program);
  EXPECT_EQ(bytes.substr(0, 8), std::string("PCPT\r\n\x1a\n", 8));
  const auto u32_at = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  const auto u64_at = [&](std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  EXPECT_EQ(u32_at(kVersionOffset), kBytecodeFormatVersion);
  EXPECT_EQ(u32_at(kFlagsOffset), 0u);
  EXPECT_EQ(u64_at(kBodyLengthOffset), bytes.size() - kProgramHeaderSize);
  EXPECT_EQ(u64_at(kChecksumOffset), fnv1a64(std::string_view(bytes).substr(kSourceHashOffset)));
  EXPECT_EQ(u64_at(kSourceHashOffset), program.source_hash);
  // The body opens with the policy name, length-prefixed.
  EXPECT_EQ(u32_at(kProgramHeaderSize), program.policy_name.size());
  EXPECT_EQ(bytes.substr(kProgramHeaderSize + 4, program.policy_name.size()), program.policy_name);
}

// docs/bytecode.md's body layout is program_layout(), made by the walk that
// writes the file; here the layout is held against the bytes written: an empty
// program's body is exactly the sizes the layout gives its members, and every
// member of a field, the two the hand-written layout once left out included.
std::size_t empty_size(const std::vector<LayoutRecord>& layout, const std::string& encoding) {
  if (encoding == "string" || encoding.starts_with("list of ")) return 4;  // an empty count
  if (encoding == "bool") return 1;
  const std::size_t digits = encoding.find_first_of("0123456789");
  if (digits != std::string::npos) return std::stoul(encoding.substr(digits)) / 8;
  for (const LayoutRecord& record : layout)
    if (record.name == encoding) {
      std::size_t size = 0;
      for (const auto& [name, member] : record.members) size += empty_size(layout, member);
      return size;
    }
  ADD_FAILURE() << "no record " << encoding;
  return 0;
}

TEST(ProgramIo, TheDocumentedLayoutIsWhatTheSerializerWrites) {
  const std::vector<LayoutRecord> layout = program_layout();
  ASSERT_FALSE(layout.empty());
  EXPECT_EQ(layout.front().name, "program");
  EXPECT_EQ(kProgramHeaderSize + empty_size(layout, "program"), serialize_program(Program{}).size());
  const auto field = std::ranges::find(layout, std::string("field"), &LayoutRecord::name);
  ASSERT_NE(field, layout.end());
  std::vector<std::string> names;
  for (const auto& [name, encoding] : field->members) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"name", "type", "optional", "has_default", "default_scalar",
                                             "default_text", "line", "description", "check", "check_value", "key", "personal"}));
  EXPECT_EQ(field->members[8].second, "field check (uint8)");
  // A field adds exactly what its record says.
  Program one;
  one.fields.emplace_back();
  EXPECT_EQ(serialize_program(one).size(), serialize_program(Program{}).size() + empty_size(layout, "field"));
}

TEST(ProgramIo, Fnv1aMatchesPublishedVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(ProgramIo, FailedLoadLeavesTheOutputAlone) {
  Program out = money_comparison();
  std::string error;
  EXPECT_FALSE(deserialize_program("garbage", out, error));
  EXPECT_EQ(out.policy_name, "money comparison");
}

// ---------------------------------------------------------------- the loader refuses

void put_u32(std::string& bytes, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(v >> (8 * i));
}
void put_u64(std::string& bytes, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>(v >> (8 * i));
}

// Makes damaged bytes consistent again (body length and checksum, from the
// documented layout), so that the damage reaches the structural checks.
std::string reseal(std::string bytes) {
  if (bytes.size() < kProgramHeaderSize) return bytes;
  put_u64(bytes, kBodyLengthOffset, bytes.size() - kProgramHeaderSize);
  put_u64(bytes, kChecksumOffset, fnv1a64(std::string_view(bytes).substr(kSourceHashOffset)));
  return bytes;
}

std::string load_error(std::string_view bytes) {
  Program program;
  std::string error;
  if (deserialize_program(bytes, program, error)) return "(loaded)";
  return error;
}

TEST(ProgramLoader, RefusesWhatIsNotAProgram) {
  EXPECT_EQ(load_error(""), "not a Precept program (the file is empty)");
  EXPECT_EQ(load_error("policy \"x\"\n"), "not a Precept program (bad magic number)");
  std::string bytes = serialize_program(money_comparison());
  bytes.erase(4, 1);  // "\r\n" -> "\n", as a text-mode copy does
  EXPECT_EQ(load_error(bytes),
            "not a Precept program (bad magic number; was the file copied as text?)");
  EXPECT_FALSE(looks_like_program("PCPT"));
}

TEST(ProgramLoader, RefusesOtherFormatVersions) {
  std::string bytes = serialize_program(money_comparison());
  put_u32(bytes, kVersionOffset, 7);
  EXPECT_EQ(load_error(bytes), "made by a newer Precept (format 7, this reads " +
                                   std::to_string(kBytecodeFormatVersion) + ")");
  put_u32(bytes, kVersionOffset, 0);
  EXPECT_EQ(load_error(bytes), "made by an older Precept (format 0, this reads " +
                                   std::to_string(kBytecodeFormatVersion) + "); compile the policy again");
  bytes = serialize_program(money_comparison());
  put_u32(bytes, kFlagsOffset, 4);
  EXPECT_EQ(load_error(bytes),
            "made by a newer Precept (it uses flags 0x4, which this one does not know)");
}

TEST(ProgramLoader, RefusesDamage) {
  const std::string good = serialize_program(handmade());
  std::string bytes = good;
  bytes[bytes.size() / 2] ^= 0x10;
  EXPECT_EQ(load_error(bytes), "the file is damaged: checksum mismatch");
  bytes = good;
  bytes[kSourceHashOffset] ^= 0x01;  // the source hash is covered too
  EXPECT_EQ(load_error(bytes), "the file is damaged: checksum mismatch");

  EXPECT_EQ(load_error(good.substr(0, 20)),
            "the file is truncated at byte 20 (inside the 40-byte header)");
  EXPECT_EQ(load_error(good.substr(0, 100)),
            "the file is truncated at byte 100 (the header promises " +
                std::to_string(good.size()) + " bytes)");
  EXPECT_EQ(load_error(good + "xyz"),
            "the file is damaged: the header says it ends at byte " + std::to_string(good.size()) +
                ", but it goes on to byte " + std::to_string(good.size() + 3));
}


// A program of nothing but empty names and one bool field, whose body layout is
// easy to count: five strings and the enum count (24 bytes), the field count, then
// the field's name and type, so its `optional` byte sits at 40 + 36.
Program one_field() {
  Program program;
  program.fields.push_back(FieldDef{});
  return program;
}

TEST(ProgramLoader, RefusesInconsistentBodies) {
  const std::string plain = serialize_program(one_field());
  ASSERT_EQ(load_error(plain), "(loaded)");

  std::string bytes = plain;
  bytes[76] = 2;
  EXPECT_EQ(load_error(reseal(bytes)), "the file is damaged: byte 76 should be 0 or 1 but is 2");

  bytes = plain;
  put_u32(bytes, kProgramHeaderSize, 0xFFFFFFFF);  // the policy name's length
  EXPECT_EQ(load_error(reseal(bytes)),
            "the file is damaged: the text at byte 40 claims 4294967295 bytes, past the end");

  bytes = plain;
  put_u32(bytes, kProgramHeaderSize + 20, 0xFFFFFFFF);  // the number of enums
  EXPECT_EQ(load_error(reseal(bytes)),
            "the file is damaged: the list at byte 60 claims 4294967295 items, past the end");

  // A count that fits the bytes left only if its elements were 1 byte: each
  // FieldDef needs at least 30, so it is refused before anything is allocated.
  bytes = plain;
  put_u32(bytes, kProgramHeaderSize + 24, static_cast<std::uint32_t>(plain.size()));
  EXPECT_EQ(load_error(reseal(bytes)),
            "the file is damaged: the list at byte 64 claims " + std::to_string(plain.size()) +
                " items, past the end");

  EXPECT_EQ(load_error(reseal(plain + "z")),
            "the file is damaged: the program ends at byte " + std::to_string(plain.size()) +
                ", but the body goes on to byte " + std::to_string(plain.size() + 1));
  EXPECT_EQ(load_error(reseal(plain.substr(0, plain.size() - 1))),
            "the file is damaged: a number at byte " + std::to_string(plain.size() - 4) +
                " runs past the end");
}

// ---------------------------------------------------------------- the verifier refuses

std::size_t address_of(const Program& p, Opcode op, int occurrence = 0) {
  for (std::size_t i = 0; i < p.code.size(); ++i)
    if (p.code[i].op == op && occurrence-- == 0) return i;
  ADD_FAILURE() << "no " << opcode_info(op).name << " in the program";
  return 0;
}
Instruction& first(Program& p, Opcode op) { return p.code[address_of(p, op)]; }
std::uint32_t reg_named(const Program& p, std::string_view name) {
  const auto at = std::ranges::find(p.scalar_names, name);
  EXPECT_NE(at, p.scalar_names.end()) << name;
  return static_cast<std::uint32_t>(at - p.scalar_names.begin());
}
std::string at(const Program& p, Opcode op, int occurrence = 0) {
  return "instruction " + std::to_string(address_of(p, op, occurrence)) + " (" +
         opcode_info(op).name + "): ";
}
// The prefix of errors about the LOAD_CONST of constant `index`.
std::string loading(const Program& p, std::uint32_t index) {
  for (std::size_t i = 0; i < p.code.size(); ++i)
    if (p.code[i].op == Opcode::LOAD_CONST && p.code[i].b == index)
      return "instruction " + std::to_string(i) + " (LOAD_CONST): ";
  ADD_FAILURE() << "constant " << index << " is never loaded";
  return {};
}
void push_instruction(Program& p, Instruction ins) {
  p.code.push_back(ins);
  p.code_lines.push_back(0);
  p.code_origins.push_back(0);
}
void erase_instruction(Program& p, std::size_t address) {
  p.code.erase(p.code.begin() + static_cast<std::ptrdiff_t>(address));
  p.code_lines.erase(p.code_lines.begin() + static_cast<std::ptrdiff_t>(address));
  p.code_origins.erase(p.code_origins.begin() + static_cast<std::ptrdiff_t>(address));
}

struct BadCase {
  const char* what;
  std::function<void(Program&)> damage;
  // The expected error, given the undamaged program (for addresses and sizes).
  std::function<std::string(const Program&)> message;
};

std::function<std::string(const Program&)> is(std::string text) {
  return [text](const Program&) { return text; };
}

const std::vector<BadCase>& bad_cases() {
  static const std::vector<BadCase> cases = {
      // Registers and operand types
      {"register out of range", [](Program& p) { first(p, Opcode::ADD_MONEY).b = 35; },
       [](const Program& p) {
         return at(p, Opcode::ADD_MONEY) +
                "operand B is register r35, but there are only 35 scalar registers";
       }},
      {"wrong register kind",
       [](Program& p) { first(p, Opcode::ADD_MONEY).b = reg_named(p, "poor"); },
       [](const Program& p) {
         return at(p, Opcode::ADD_MONEY) +
                "operand B is register r12(poor), a bool, but must be money";
       }},
      {"not a number", [](Program& p) { first(p, Opcode::NEGATE).b = reg_named(p, "poor"); },
       [](const Program& p) {
         return at(p, Opcode::NEGATE) +
                "operand B is register r12(poor), a bool, but must be a number (int, money or "
                "decimal)";
       }},
      {"mixed types", [](Program& p) { first(p, Opcode::MIN).c = reg_named(p, "members"); },
       [](const Program& p) {
         return at(p, Opcode::MIN) +
                "operands A and C must have the same type, but r32 is money and r0(members) is "
                "int";
       }},
      {"different enums", [](Program& p) { p.scalar_types[15].enum_id = 2; },
       [](const Program& p) {
         return at(p, Opcode::EQ) +
                "operands B and C must have the same type, but r3(house) is enum house_grade and "
                "r15 is enum cause";
       }},
      {"text register out of range", [](Program& p) { first(p, Opcode::LOAD_TEXT).a = 4; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_TEXT) +
                "operand A is text register t4, but there are only 4 text registers";
       }},
      {"list register out of range", [](Program& p) { first(p, Opcode::LIST_CLEAR).a = 3; },
       [](const Program& p) {
         return at(p, Opcode::LIST_CLEAR) +
                "operand A is list register l3, but there are only 3 list registers";
       }},
      {"quotient register out of range", [](Program& p) { first(p, Opcode::DIVIDE).a = 3; },
       [](const Program& p) {
         return at(p, Opcode::DIVIDE) +
                "operand A is quotient register q3, but there are only 3 quotient registers";
       }},
      {"unused operand set", [](Program& p) { first(p, Opcode::LOAD_FIELD).c = 1; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_FIELD) + "operand C is 1, but is unused and must be 0";
       }},
      {"reserved byte set", [](Program& p) { first(p, Opcode::NOT).reserved = 9; },
       [](const Program& p) { return at(p, Opcode::NOT) + "the reserved byte is 9, but must be 0"; }},
      {"opcode out of range",
       [](Program& p) { p.code[0].op = static_cast<Opcode>(kOpcodeCount); },
       [](const Program&) {
         return "instruction 0: opcode " + std::to_string(kOpcodeCount) + " does not exist";
       }},

      // Fields
      {"field out of range", [](Program& p) { first(p, Opcode::LOAD_FIELD).b = 10; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_FIELD) + "operand B is field 10, but there are only 10 fields";
       }},
      {"field of another type", [](Program& p) { first(p, Opcode::LOAD_FIELD).b = 3; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_FIELD) +
                "field 3 (net_income) is money, but register r0(members) is int";
       }},
      {"scalar load of a list field", [](Program& p) { first(p, Opcode::LOAD_FIELD).b = 8; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_FIELD) +
                "field 8 (prior_measures) is list of enum measure, but register r0(members) is "
                "int";
       }},
      {"presence of a required field", [](Program& p) { first(p, Opcode::LOAD_PRESENT).b = 2; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_PRESENT) +
                "field 2 (members) is not optional, so it is always present";
       }},
      {"presence of a defaulted field", [](Program& p) { first(p, Opcode::LOAD_PRESENT).b = 6; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_PRESENT) +
                "field 6 (ill_members) is given a default, so it is always present";
       }},
      {"text load of an int field", [](Program& p) { first(p, Opcode::LOAD_TEXT).b = 2; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_TEXT) + "field 2 (members) is int, but must be text";
       }},
      {"list load of another list type",
       [](Program& p) { p.list_types[1] = list_type(Kind::Enum, 0); },
       [](const Program& p) {
         return at(p, Opcode::LOAD_LIST) +
                "field 8 (prior_measures) is list of enum measure, but l1 is list of enum "
                "house_grade";
       }},
      {"enum default out of range",
       [](Program& p) {
         p.fields[5].optional = p.fields[5].has_default = true;
         p.fields[5].default_scalar = 3;
       },
       is("field 5 (house): the default 3 is not a member of enum house_grade (it has 3)")},
      {"bool default not 0 or 1",
       [](Program& p) {
         p.fields[4].has_default = true;
         p.fields[4].default_scalar = -1;
       },
       is("field 4 (owns_car): the default -1 is not a bool (0 or 1)")},
      {"quotient field", [](Program& p) { p.fields[0].type = {Kind::Quotient, Kind::Money, 0}; },
       is("field 0 (household_id): a record field cannot be a quotient")},

      // Constants and strings
      {"constant out of range", [](Program& p) { first(p, Opcode::LOAD_CONST).b = 8; },
       [](const Program& p) {
         return at(p, Opcode::LOAD_CONST) +
                "operand B is constant 8, but there are only 8 constants";
       }},
      {"enum constant out of range", [](Program& p) { p.constants[2] = 3; },
       [](const Program& p) {
         return loading(p, 2) + "constant 2 does not fit register r13(main_cause), an enum cause: 3 is not a "
                "member of enum cause (it has 3)";
       }},
      {"negative enum constant", [](Program& p) { p.constants[5] = -1; },
       [](const Program& p) {
         return loading(p, 5) + "constant 5 does not fit register r17, an enum measure: -1 is not a member of "
                "enum measure (it has 3)";
       }},
      {"bool constant not 0 or 1",
       [](Program& p) {
         first(p, Opcode::LOAD_CONST).a = 6;
         p.constants[0] = 2;
       },
       [](const Program& p) {
         return at(p, Opcode::LOAD_CONST) +
                "constant 0 does not fit register r6, a bool: 2 is not a bool (0 or 1)";
       }},
      {"date constant out of range", [](Program& p) { p.constants[7] = kMaxDate + 1; },
       [](const Program& p) {
         return loading(p, 7) + "constant 7 does not fit register r27, a date: day 2932897 is outside "
                "1900-01-01 .. 9999-12-31";
       }},
      {"string out of range", [](Program& p) { first(p, Opcode::REQUIRE).b = 3; },
       [](const Program& p) {
         return at(p, Opcode::REQUIRE) + "operand B is string 3, but there are only 3 strings";
       }},
      {"param enum value out of range",
       [](Program& p) { p.params[0].type = scalar_type(Kind::Enum, 0); },
       is("param 0 (poverty_line): the value 273600 is not a member of enum house_grade (it has "
          "3)")},

      // Immediates
      {"bad rounding mode", [](Program& p) { first(p, Opcode::ROUND_QUOTIENT).y = 7; },
       [](const Program& p) {
         return at(p, Opcode::ROUND_QUOTIENT) + "y is 7, which is not a rounding mode (0 to 6)";
       }},
      {"y where none is taken", [](Program& p) { first(p, Opcode::ADD_MONEY).y = 1; },
       [](const Program& p) {
         return at(p, Opcode::ADD_MONEY) + "y is 1, but this opcode takes no y";
       }},
      {"x where none is taken", [](Program& p) { first(p, Opcode::DIVIDE_ROUND).x = 2; },
       [](const Program& p) {
         return at(p, Opcode::DIVIDE_ROUND) + "x is 2, but this opcode takes no x";
       }},
      {"power of ten too large", [](Program& p) { first(p, Opcode::DIVIDE).x = 19; },
       [](const Program& p) { return at(p, Opcode::DIVIDE) + "x is 19, more than 18 digits"; }},

      // Scales and quotients
      {"widen by the wrong power", [](Program& p) { first(p, Opcode::WIDEN).x = 5; },
       [](const Program& p) {
         return at(p, Opcode::WIDEN) +
                "the result has 6 decimal places, but r[B] * 10^x gives 5";
       }},
      {"divide into the wrong units", [](Program& p) { first(p, Opcode::DIVIDE).x = 2; },
       [](const Program& p) {
         return at(p, Opcode::DIVIDE) +
                "the result has 2 decimal places, but r[B] * 10^x / r[C] gives 4";
       }},
      {"exact product in the wrong units",
       [](Program& p) { first(p, Opcode::MULTIPLY_EXACT).x = 0; },
       [](const Program& p) {
         return at(p, Opcode::MULTIPLY_EXACT) +
                "the result has 6 decimal places, but r[B] * r[C] / 10^x gives 8";
       }},
      {"quotient of the wrong scale", [](Program& p) { first(p, Opcode::QUOTIENT_OF).x = 4; },
       [](const Program& p) {
         return at(p, Opcode::QUOTIENT_OF) +
                "the result has 6 decimal places, but r[B] * 10^x gives 4";
       }},
      {"round a quotient into other units",
       [](Program& p) { first(p, Opcode::ROUND_QUOTIENT).a = reg_named(p, "share"); },
       [](const Program& p) {
         return at(p, Opcode::ROUND_QUOTIENT) +
                "register r22(share) is decimal, but quotient q0 is in money";
       }},
      {"drop more digits than there are",
       [](Program& p) { first(p, Opcode::ROUND_QUOTIENT).x = 3; },
       [](const Program& p) {
         return at(p, Opcode::ROUND_QUOTIENT) +
                "drops 3 digits, but the result has only 2 decimal places";
       }},
      {"round a number past its scale", [](Program& p) { first(p, Opcode::ROUND_NUMBER).x = 3; },
       [](const Program& p) {
         return at(p, Opcode::ROUND_NUMBER) +
                "drops 3 digits, but the result has only 2 decimal places";
       }},
      {"divide-round by a non-int",
       [](Program& p) { first(p, Opcode::DIVIDE_ROUND).c = 29; },
       [](const Program& p) {
         return at(p, Opcode::DIVIDE_ROUND) +
                "operand C is register r29, a money value, but must be int";
       }},
      {"divide-round into another type",
       [](Program& p) { first(p, Opcode::DIVIDE_ROUND).a = 30; },
       [](const Program& p) {
         return at(p, Opcode::DIVIDE_ROUND) +
                "operands A and B must have the same type, but r30 is decimal and r29 is money";
       }},
      {"compare quotients of different units",
       [](Program& p) { first(p, Opcode::LT_QUOTIENT).c = 0; },
       [](const Program& p) {
         return at(p, Opcode::LT_QUOTIENT) +
                "quotients q1 and q0 are in different units (decimal and money)";
       }},

      // Lists
      {"append a value of another type",
       [](Program& p) { first(p, Opcode::LIST_APPEND_IF).c = 18; },
       [](const Program& p) {
         return at(p, Opcode::LIST_APPEND_IF) + "l0 holds enum measure, but register r18 is money";
       }},
      {"contains a value of another enum",
       [](Program& p) { first(p, Opcode::LIST_CONTAINS).c = reg_named(p, "house"); },
       [](const Program& p) {
         return at(p, Opcode::LIST_CONTAINS) +
                "l1 holds enum measure, but register r3(house) is enum house_grade";
       }},
      {"sum into another kind",
       [](Program& p) { first(p, Opcode::LIST_SUM).a = reg_named(p, "measure_count"); },
       [](const Program& p) {
         return at(p, Opcode::LIST_SUM) +
                "register r20(measure_count) is int, but l2 holds money";
       }},
      {"sum of an enum list", [](Program& p) { first(p, Opcode::LIST_SUM).b = 0; },
       [](const Program& p) {
         return at(p, Opcode::LIST_SUM) +
                "register r19(total_assistance) is money, but l0 holds enum measure";
       }},
      {"count into a money register",
       [](Program& p) { first(p, Opcode::LIST_COUNT).a = 19; },
       [](const Program& p) {
         return at(p, Opcode::LIST_COUNT) +
                "operand A is register r19(total_assistance), a money value, but must be int";
       }},

      // Selections
      {"selection never restored",
       [](Program& p) { erase_instruction(p, address_of(p, Opcode::SELECT_POP, 2)); },
       is("the code ends inside 1 selection(s): a SELECT_IF or SELECT_UNLESS has no SELECT_POP")},
      {"selection restored twice",
       [](Program& p) { push_instruction(p, {Opcode::SELECT_POP, 0, 0, 0, 0, 0, 0}); },
       [](const Program& p) {
         return "instruction " + std::to_string(p.code.size()) +
                " (SELECT_POP): there is no selection to restore";
       }},
      {"selections nested too deep",
       [](Program& p) {
         for (int i = 0; i < 65; ++i) push_instruction(p, {Opcode::SELECT_IF, 0, 0, 0, 6, 0, 0});
         for (int i = 0; i < 65; ++i) push_instruction(p, {Opcode::SELECT_POP, 0, 0, 0, 0, 0, 0});
       },
       [](const Program& p) {
         return "instruction " + std::to_string(p.code.size() + 64) +
                " (SELECT_IF): selections nest deeper than 64";
       }},

      // Side tables
      {"code_lines too short", [](Program& p) { p.code_lines.pop_back(); },
       [](const Program& p) {
         return "there are " + std::to_string(p.code.size()) + " instructions but " +
                std::to_string(p.code.size() - 1) + " code_lines entries";
       }},
      {"code_origins too long", [](Program& p) { p.code_origins.push_back(0); },
       [](const Program& p) {
         return "there are " + std::to_string(p.code.size()) + " instructions but " +
                std::to_string(p.code.size() + 1) + " code_origins entries";
       }},
      {"origin out of range", [](Program& p) { p.code_origins[3] = 99; },
       is("instruction 3 (LOAD_FIELD): origin 99 does not exist (there are 14)")},

      // Outputs and summary
      {"output register missing", [](Program& p) { p.outputs[1].reg = 99; },
       is("output 1 (per_capita) is register r99, which does not exist")},
      {"output of another type", [](Program& p) { p.outputs[2].type = kInt; },
       is("output 2 (poor) is int, but register r12(poor) is bool")},
      {"text output missing", [](Program& p) { p.outputs[0].reg = 4; },
       is("output 0 (household_id) is register t4, which does not exist")},
      {"list output of another type", [](Program& p) { p.outputs[4].type = list_type(Kind::Money); },
       is("output 4 (measures) is list of money, but register l0 is list of enum measure")},
      {"quotient output in other units", [](Program& p) { p.outputs[6].type.element = Kind::Money; },
       is("output 6 (share) is quotient of money, but register q1 is quotient of decimal")},
      {"output of a broken type", [](Program& p) { p.outputs[3].type.enum_id = 9; },
       is("output 3 (main_cause): enum #9 does not exist (there are 3 enums)")},
      {"summary register of the wrong kind", [](Program& p) { p.summary.poor_reg = 0; },
       is("summary: the poor register r0(members) is int, but must be bool")},
      {"summary register missing", [](Program& p) { p.summary.assistance_reg = 99; },
       is("summary: the assistance register r99 does not exist")},
      {"summary cause not an enum", [](Program& p) { p.summary.cause_reg = 12; },
       is("summary: the cause register r12(poor) is bool, but must be enum")},
      {"summary group field missing", [](Program& p) { p.summary.groups[0].fields[1] = 10; },
       is("summary group village uses field 10, but there are only 10 fields")},

      // Types and register files
      {"kind out of range", [](Program& p) { p.scalar_types[0].kind = static_cast<Kind>(42); },
       is("scalar register r0: kind 42 does not exist")},
      {"element kind out of range",
       [](Program& p) { p.list_types[0].element = static_cast<Kind>(200); },
       is("list register l0: element kind 200 does not exist")},
      {"enum id out of range", [](Program& p) { p.scalar_types[13].enum_id = 3; },
       is("scalar register r13: enum #3 does not exist (there are 3 enums)")},
      {"stray enum id", [](Program& p) { p.scalar_types[0].enum_id = 1; },
       is("scalar register r0: int has an enum id (1), which it does not use")},
      {"stray element kind", [](Program& p) { p.scalar_types[0].element = Kind::Money; },
       is("scalar register r0: int has an element kind (money), which it does not use")},
      {"text in the scalar file", [](Program& p) { p.scalar_types[0] = kText; },
       is("scalar register r0 is declared text, which is not a scalar")},
      {"list of text", [](Program& p) { p.list_types[2] = list_type(Kind::Text); },
       is("list register l2: a list's elements must be scalars, not text")},
      {"non-list in the list file", [](Program& p) { p.list_types[2] = kMoney; },
       is("list register l2 is declared money, which is not a list")},
      {"quotient in int units", [](Program& p) { p.quotient_units[0] = Kind::Int; },
       is("quotient register q0 has units int, but must be money or decimal")},
      {"quotient in no units", [](Program& p) { p.quotient_units[0] = static_cast<Kind>(77); },
       is("quotient register q0 has units that do not exist, but must be money or decimal")},
      {"enum without members", [](Program& p) { p.enums[2].members.clear(); },
       is("enum 2 (cause) has no members")},
      {"more names than registers", [](Program& p) { p.scalar_names.push_back("extra"); },
       is("there are 36 scalar register names but only 35 scalar registers")},
      {"too many scalar registers",
       [](Program& p) { p.scalar_types.resize(kMaxRegisters + 1, kBool); },
       is("the program has 65537 scalar registers; the limit is 65536")},
      {"too many text registers", [](Program& p) { p.text_count = 0xFFFFFFFF; },
       is("the program has 4294967295 text registers; the limit is 65536")},

      // Every register is written before it is read (check_assignment)
      {"read before any write", [](Program& p) { first(p, Opcode::NOT).b = reg_named(p, "poor"); },
       [](const Program& p) {
         return at(p, Opcode::NOT) + "operand B reads register r12(poor), but no instruction before it writes it";
       }},
      {"written only under a selection, read outside it",
       [](Program& p) { first(p, Opcode::OR).c = 16; },  // r16: `house is d`, worked out only for poor rows
       [](const Program& p) {
         return at(p, Opcode::OR) + "operand C reads register r16, but instruction " +
                std::to_string(address_of(p, Opcode::EQ)) + " writes it only for the rows selected at instruction " +
                std::to_string(address_of(p, Opcode::SELECT_IF, 1)) + ", not for every row";
       }},
      {"a text output never written",  // `run` would copy a null text into the results
       [](Program& p) { p.outputs[0].reg = p.text_count++; },
       is("output 0 (household_id) is register t4, which is not written for every row: no instruction before it "
          "writes it")},
      {"an output written only under a selection", [](Program& p) { p.outputs[2].reg = 16; },
       [](const Program& p) {
         return "output 2 (poor) is register r16, which is not written for every row: instruction " +
                std::to_string(address_of(p, Opcode::EQ)) + " writes it only for the rows selected at instruction " +
                std::to_string(address_of(p, Opcode::SELECT_IF, 1)) + ", not for every row";
       }},
      {"a summary register never written",
       [](Program& p) {
         p.summary.poor_reg = static_cast<std::uint32_t>(p.scalar_types.size());
         p.scalar_types.push_back(kBool);
       },
       is("summary: the poor register r35 is not written for every row: no instruction before it writes it")},
      {"a list appended to before it is cleared",
       [](Program& p) { erase_instruction(p, address_of(p, Opcode::LIST_CLEAR)); },
       [](const Program& p) {
         return "instruction " + std::to_string(address_of(p, Opcode::LIST_APPEND_IF) - 1) +
                " (LIST_APPEND_IF): operand A reads register l0, but no instruction before it writes it";
       }},
  };
  return cases;
}

// The rule of check_assignment() for selections, on small programs: which
// writes cover which reads.
struct AssignmentCase {
  const char* what;
  std::vector<Instruction> code;  // over r0 (a bool field), r1 r2 (ints), r3 (bool) and l0 (list of int)
  std::string error;              // "" when the program verifies
};

Program assignment_program(const std::vector<Instruction>& code) {
  Builder b;
  const auto flag = b.field("flag", kBool);
  b.reg(kBool, "flag");
  b.reg(kInt, "x");
  b.reg(kInt, "y");
  b.reg(kBool, "other");
  b.list_reg(list_type(Kind::Int));
  b.constant(7);
  b.constant(1);
  b.at(1, "test");
  b.emit(Opcode::LOAD_FIELD, 0, flag);
  for (const Instruction& ins : code) b.emit(ins.op, ins.a, ins.b, ins.c);
  return b.p;
}

TEST(ProgramVerifier, ProvesEveryRegisterIsWrittenBeforeItIsRead) {
  using O = Opcode;
  const auto i = [](Opcode op, std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t c = 0) {
    return make_instruction(op, a, b, c);
  };
  const std::string x_unwritten = "operand B reads register r1(x), but instruction ";
  const std::vector<AssignmentCase> cases = {
      {"written before, read inside a selection",
       {i(O::LOAD_CONST, 1), i(O::SELECT_IF, 0), i(O::MOVE, 2, 1), i(O::SELECT_POP)}, ""},
      {"written and read in the same selection",
       {i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_IF, 0), i(O::MOVE, 2, 1), i(O::SELECT_POP),
        i(O::MOVE, 2, 1), i(O::SELECT_POP)},
       ""},
      {"written in a selection, read after it",
       {i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       "instruction 4 (MOVE): " + x_unwritten + "2 writes it only for the rows selected at instruction 1, not for "
       "every row"},
      {"written in a selection, read in the next one",
       {i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::SELECT_IF, 0), i(O::MOVE, 2, 1),
        i(O::SELECT_POP)},
       "instruction 5 (MOVE): " + x_unwritten + "2 writes it only for the rows selected at instruction 1, not for "
       "every row"},
      {"both halves of a condition write it (a field's default)",
       {i(O::SELECT_UNLESS, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1, 1),
        i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       ""},
      {"a third selection after the two halves",
       {i(O::SELECT_UNLESS, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1, 1),
        i(O::SELECT_POP), i(O::SELECT_UNLESS, 0), i(O::LOAD_CONST, 2), i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       ""},
      {"the halves may change the condition",
       {i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::NOT, 0, 0), i(O::SELECT_POP), i(O::SELECT_UNLESS, 0),
        i(O::LOAD_CONST, 1, 1), i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       ""},
      {"only one half writes it",
       {i(O::SELECT_UNLESS, 0), i(O::LOAD_CONST, 2), i(O::SELECT_POP), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1, 1),
        i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       "instruction 7 (MOVE): " + x_unwritten + "5 writes it only for the rows selected at instruction 4, not for "
       "every row"},
      {"two selections of the same rows are not two halves",
       {i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1, 1),
        i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       "instruction 7 (MOVE): " + x_unwritten + "5 writes it only for the rows selected at instruction 4, not for "
       "every row"},
      {"halves of different conditions",
       {i(O::LOAD_CONST, 3, 1), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::SELECT_UNLESS, 3),
        i(O::LOAD_CONST, 1, 1), i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       "instruction 8 (MOVE): " + x_unwritten + "6 writes it only for the rows selected at instruction 5, not for "
       "every row"},
      {"halves with something between them",
       {i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::NOT, 0, 0), i(O::SELECT_UNLESS, 0),
        i(O::LOAD_CONST, 1, 1), i(O::SELECT_POP), i(O::MOVE, 2, 1)},
       "instruction 8 (MOVE): " + x_unwritten + "6 writes it only for the rows selected at instruction 5, not for "
       "every row"},
      {"a collect row appends what it worked out where it matched",
       {i(O::LIST_CLEAR, 0), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::LIST_APPEND_IF, 0, 0, 1)},
       ""},
      {"appended where another condition holds",
       {i(O::LIST_CLEAR, 0), i(O::LOAD_CONST, 3, 1), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP),
        i(O::LIST_APPEND_IF, 0, 3, 1)},
       "instruction 6 (LIST_APPEND_IF): operand C reads register r1(x), but instruction 4 writes it only for the "
       "rows selected at instruction 3, not for every row"},
      {"appended after the condition changed",
       {i(O::LIST_CLEAR, 0), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::NOT, 0, 0),
        i(O::LIST_APPEND_IF, 0, 0, 1)},
       "instruction 6 (LIST_APPEND_IF): operand C reads register r1(x), but instruction 3 writes it only for the "
       "rows selected at instruction 2, not for every row"},
      {"MOVE_IF takes C only where B holds, and keeps A elsewhere",
       {i(O::LOAD_CONST, 2), i(O::SELECT_IF, 0), i(O::LOAD_CONST, 1), i(O::SELECT_POP), i(O::MOVE_IF, 2, 0, 1)}, ""},
      {"MOVE_IF keeps A where B fails, so A must be written",
       {i(O::LOAD_CONST, 1), i(O::MOVE_IF, 2, 0, 1)},
       "instruction 2 (MOVE_IF): operand A reads register r2(y), but no instruction before it writes it"},
      {"SELECT_IF reads its condition", {i(O::SELECT_IF, 3), i(O::SELECT_POP)},
       "instruction 1 (SELECT_IF): operand A reads register r3(other), but no instruction before it writes it"},
  };
  for (const AssignmentCase& c : cases) {
    SCOPED_TRACE(c.what);
    std::string error;
    EXPECT_EQ(verify_program(assignment_program(c.code), error), c.error.empty());
    EXPECT_EQ(error, c.error);
  }
}

// Each case damages `good` and must be refused by the verifier with exactly
// its message; the damage must also survive the file format and be refused
// again after loading. Some damage cannot be written (more instructions than
// the format holds) or is refused by the loader itself: unless `every_case_loads`,
// such cases only check the verifier.
void expect_refused(const Program& good, const std::vector<BadCase>& cases, bool every_case_loads) {
  std::string error;
  ASSERT_TRUE(verify_program(good, error)) << error;
  for (const BadCase& bad : cases) {
    SCOPED_TRACE(bad.what);
    Program damaged = good;
    bad.damage(damaged);
    error.clear();
    EXPECT_FALSE(verify_program(damaged, error));
    EXPECT_EQ(error, bad.message(good));
    Program loaded;
    std::string load_error_text;
    const bool loads = (every_case_loads || damaged.code.size() <= kMaxInstructions) &&
                       deserialize_program(serialize_program(damaged), loaded, load_error_text);
    if (every_case_loads) {
      ASSERT_TRUE(loads) << load_error_text;
    }
    if (!loads) continue;
    std::string again;
    EXPECT_FALSE(verify_program(loaded, again));
    EXPECT_EQ(again, error);
  }
}

TEST(ProgramVerifier, RejectsBadPrograms) { expect_refused(handmade(), bad_cases(), false); }

TEST(ProgramVerifier, AcceptsTheLimits) {
  Program program = handmade();
  for (int i = 0; i < kMaxSelectionDepth; ++i)
    push_instruction(program, {Opcode::SELECT_UNLESS, 0, 0, 0, 6, 0, 0});
  for (int i = 0; i < kMaxSelectionDepth; ++i)
    push_instruction(program, {Opcode::SELECT_POP, 0, 0, 0, 0, 0, 0});
  program.scalar_names.clear();  // names are optional
  program.constants[7] = kMinDate;
  std::string error;
  EXPECT_TRUE(verify_program(program, error)) << error;
  EXPECT_TRUE(verify_program(Program{}, error)) << error;
}

// ---------------------------------------------------------------- robustness sweeps

// Loads bytes as `precept run` would. Returns true when they load and verify;
// otherwise a reason must have been given. Either way nothing may crash: a
// loaded but unverified program must still disassemble (that is how one looks
// at a suspicious file), and a verified one must survive another round trip.
bool loads_and_verifies(std::string_view bytes, std::string* reason = nullptr) {
  Program program;
  std::string error;
  bool ok = deserialize_program(bytes, program, error);
  if (ok) {
    EXPECT_FALSE(disassemble(program).empty());
    ok = verify_program(program, error);
  }
  if (!ok) {
    EXPECT_FALSE(error.empty());
    if (reason) *reason = error;
    return false;
  }
  Program again;
  EXPECT_TRUE(deserialize_program(serialize_program(program), again, error)) << error;
  return true;
}

struct Mutation {
  const char* name;
  unsigned char (*apply)(unsigned char);
};
const Mutation kMutations[] = {
    {"xor 0x01", [](unsigned char b) -> unsigned char { return b ^ 0x01; }},
    {"xor 0x80", [](unsigned char b) -> unsigned char { return b ^ 0x80; }},
    {"xor 0xff", [](unsigned char b) -> unsigned char { return b ^ 0xFF; }},
    {"set 0x00", [](unsigned char) -> unsigned char { return 0; }},
};

// An error up to its first number, to tell which check caught a mutation.
std::string error_family(const std::string& error) {
  return error.substr(0, std::min(error.find_first_of("0123456789"), error.size()));
}

TEST(ProgramRobustness, EveryByteMutationIsCaughtByTheChecksum) {
  const std::string good = serialize_program(handmade());
  int mutations = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const Mutation& m : kMutations) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(m.apply(static_cast<unsigned char>(bytes[i])));
      if (bytes == good) continue;
      ++mutations;
      EXPECT_FALSE(loads_and_verifies(bytes)) << "byte " << i << ", " << m.name;
    }
  }
  EXPECT_GT(mutations, 3 * static_cast<int>(good.size()));
}

TEST(ProgramRobustness, EveryByteMutationBehindAValidChecksum) {
  const std::string good = serialize_program(handmade());
  int accepted = 0, rejected = 0;
  std::map<std::string, int> families;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const Mutation& m : kMutations) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(m.apply(static_cast<unsigned char>(bytes[i])));
      if (bytes == good) continue;
      std::string reason;
      if (loads_and_verifies(reseal(bytes), &reason)) {
        ++accepted;
      } else {
        ++rejected;
        ++families[error_family(reason)];
      }
    }
  }
  std::string tally;
  for (const auto& [family, count] : families) tally += family + ": " + std::to_string(count) + "\n";
  SCOPED_TRACE("rejections by error:\n" + tally);
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);
  // Mutations inside names and the source text are harmless and load; the rest
  // must have been caught by the structural checks, not the checksum.
  EXPECT_EQ(families.count("the file is damaged: checksum mismatch"), 0u);
  EXPECT_GT(families["instruction "], 100);
  EXPECT_GT(families["the file is damaged: the text at byte "], 10);
  EXPECT_GT(families["the file is damaged: the list at byte "], 10);
  EXPECT_GT(families["the file is damaged: byte "], 10);  // bools other than 0 and 1
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0);
}

TEST(ProgramRobustness, EveryTruncationIsRefused) {
  const std::string good = serialize_program(handmade());
  for (std::size_t length = 0; length < good.size(); ++length) {
    const std::string_view cut = std::string_view(good).substr(0, length);
    std::string reason;
    EXPECT_FALSE(loads_and_verifies(cut, &reason)) << length;
    if (length >= kProgramHeaderSize) {
      EXPECT_EQ(reason, "the file is truncated at byte " + std::to_string(length) +
                            " (the header promises " + std::to_string(good.size()) + " bytes)");
    }
    // Resealed, the cut reaches the body decoder, which must notice the end.
    EXPECT_FALSE(loads_and_verifies(reseal(std::string(cut)))) << length << " resealed";
  }
}

TEST(ProgramRobustness, RandomDamageBehindAValidChecksum) {
  const std::string good = serialize_program(handmade());
  std::mt19937_64 random(20150101);
  const auto below = [&](std::size_t n) {
    return static_cast<std::size_t>(random() % std::max<std::size_t>(n, 1));
  };
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = good;
    switch (round % 4) {
      case 0:  // a few scattered bytes
        for (std::size_t k = 1 + below(8); k > 0; --k)
          bytes[kProgramHeaderSize + below(bytes.size() - kProgramHeaderSize)] =
              static_cast<char>(random());
        break;
      case 1:  // a deleted run
        bytes.erase(kProgramHeaderSize + below(bytes.size() - kProgramHeaderSize), 1 + below(16));
        break;
      case 2:  // an inserted run
        bytes.insert(kProgramHeaderSize + below(bytes.size() - kProgramHeaderSize),
                     std::string(1 + below(16), static_cast<char>(random())));
        break;
      case 3:  // a 32-bit field set to an extreme
        put_u32(bytes, kProgramHeaderSize + below(bytes.size() - kProgramHeaderSize - 4),
                round % 8 == 3 ? 0xFFFFFFFFu : 0x7FFFFFFFu);
        break;
    }
    loads_and_verifies(reseal(bytes));
  }
}

// ---------------------------------------------------------------- indexed tables

const std::vector<BadCase>& bad_lookup_cases() {
  static const std::vector<BadCase> cases = {
      {"lookup out of range", [](Program& p) { first(p, Opcode::LOOKUP_FIRST).b = 2; },
       [](const Program& p) {
         return at(p, Opcode::LOOKUP_FIRST) + "operand B is lookup 2, but there are only 2 lookups";
       }},
      {"array out of range", [](Program& p) { first(p, Opcode::PICK).b = 3; },
       [](const Program& p) { return at(p, Opcode::PICK) + "operand B is array 3, but there are only 3 arrays"; }},
      {"a key register never written",
       [](Program& p) { erase_instruction(p, address_of(p, Opcode::MOVE, 2)); },
       [](const Program& p) {
         return "instruction " + std::to_string(address_of(p, Opcode::LOOKUP_FIRST) - 1) +
                " (LOOKUP_FIRST): operand C reads key register r5, but no instruction before it writes it";
       }},
      {"key of another type", [](Program& p) { first(p, Opcode::LOOKUP_FIRST).c = reg_named(p, "members"); },
       [](const Program& p) {
         return at(p, Opcode::LOOKUP_FIRST) +
                "lookup 0 (table housing) tests enum grade in column 0, but register r1(members) is int";
       }},
      {"keys past the last register", [](Program& p) { first(p, Opcode::LOOKUP_FIRST).c = 9; },
       [](const Program& p) {
         return at(p, Opcode::LOOKUP_FIRST) +
                "lookup 0 (table housing) tests 3 columns, but registers r9 on are only 1";
       }},
      {"rows into a list of enums", [](Program& p) { first(p, Opcode::LOOKUP_ALL).a = 1; },
       [](const Program& p) {
         return at(p, Opcode::LOOKUP_ALL) + "l1 is list of enum help, but the rows of a lookup are a list of int";
       }},
      {"pick into another type", [](Program& p) { first(p, Opcode::PICK).a = reg_named(p, "members"); },
       [](const Program& p) {
         return at(p, Opcode::PICK) + "array 0 (housing.aid) holds money, but register r1(members) is int";
       }},
      {"pick text from a money array", [](Program& p) { first(p, Opcode::PICK_TEXT).b = 0; },
       [](const Program& p) { return at(p, Opcode::PICK_TEXT) + "array 0 (housing.aid) holds money, but must hold texts"; }},
      {"pick a list of another type", [](Program& p) { first(p, Opcode::PICK_LIST).b = 0; },
       [](const Program& p) {
         return at(p, Opcode::PICK_LIST) + "l1 holds enum help, but array 0 (housing.aid) holds money";
       }},
      {"rows that are not numbers", [](Program& p) { first(p, Opcode::PICK_LIST).c = 1; },
       [](const Program& p) {
         return at(p, Opcode::PICK_LIST) + "l1 is list of enum help, but must be a list of row numbers (int)";
       }},
      {"a lookup testing nothing", [](Program& p) { p.lookups[1].key_types.clear(); },
       is("lookup 1 (table helps) tests 0 columns; it must test 1 to 64")},
      {"a column without a name", [](Program& p) { p.lookups[0].key_names.pop_back(); },
       is("lookup 0 (table housing) names 2 columns but tests 3")},
      {"a list among the keys", [](Program& p) { p.lookups[1].key_types[0] = list_type(Kind::Int); },
       is("lookup 1 (table helps): column 0 is list of int, but a lookup tests scalars")},
      {"a cell missing", [](Program& p) { p.lookups[0].cell_ends.pop_back(); },
       is("lookup 0 (table housing) has 8 cells, but 3 rows of 3 columns need 9")},
      {"cells out of order", [](Program& p) { p.lookups[0].cell_ends[1] = 0; },
       is("lookup 0 (table housing): the cell of row 1 column 1 ends at value 0, which is not between 1 and 6")},
      {"cells past the values", [](Program& p) { p.lookups[1].cell_ends[1] = 4; },
       is("lookup 1 (table helps): the cell of row 2 column 0 ends at value 4, which is not between 1 and 3")},
      {"values left over", [](Program& p) { p.lookups[1].values.push_back(0); },
       is("lookup 1 (table helps) lists 4 values, but its cells use 3")},
      {"a value outside the enum", [](Program& p) { p.lookups[0].values[0] = 3; },
       is("lookup 0 (table housing): row 1 column 0: 3 is not a member of enum grade (it has 3)")},
      {"a bool that is not 0 or 1", [](Program& p) { p.lookups[0].values[3] = 2; },
       is("lookup 0 (table housing): row 2 column 2: 2 is not a bool (0 or 1)")},
      {"too many combinations",
       [](Program& p) {
         LookupTable& t = p.lookups[0];
         t.values.assign(3000, 1);
         t.cell_ends = {1000, 2000, 3000, 3000, 3000, 3000, 3000, 3000, 3000};
       },
       is("lookup 0 (table housing) stands for more than " + std::to_string(kMaxLookupEntries) +
          " combinations of values; the limit is " + std::to_string(kMaxLookupEntries))},
      {"an empty array", [](Program& p) { p.arrays[2].values.clear(); },
       is("array 2 (helps.help) is empty, but element 0 must exist")},
      {"an array of lists", [](Program& p) { p.arrays[0].type = list_type(Kind::Money); },
       is("array 0 (housing.aid) is list of money, but an array holds scalars or texts")},
      {"a text that does not exist", [](Program& p) { p.arrays[1].values[2] = 4; },
       is("array 1 (housing.note): element 2 is string 4, but there are 4 strings")},
      {"an enum value that does not exist", [](Program& p) { p.arrays[2].values[1] = -1; },
       is("array 2 (helps.help): element 1: -1 is not a member of enum help (it has 3)")},
  };
  return cases;
}

TEST(IndexedTables, TheVerifierRefusesBadLookupsAndArrays) {
  expect_refused(indexed_tables(), bad_lookup_cases(), true);
}

// Households for the indexed sample: every field value of its type, in turn.
void fill_households(const Program& p, Batch& batch, std::size_t rows) {
  batch.reset(p, rows);
  batch.rows = rows;
  for (std::size_t f = 0; f < p.fields.size(); ++f) {
    const ValueType& type = p.fields[f].type;
    if (!type.is_scalar()) continue;
    for (std::size_t i = 0; i < rows; ++i) {
      std::int64_t& v = batch.columns[f].scalars[i];
      if (type.kind == Kind::Enum && type.enum_id < p.enums.size())
        v = static_cast<std::int64_t>(i % p.enums[type.enum_id].members.size());
      else if (type.kind == Kind::Bool) v = static_cast<std::int64_t>(i / 3 % 2);
      else if (type.kind == Kind::Int || type.kind == Kind::Money) v = static_cast<std::int64_t>(i % 5);
    }
  }
}

TEST(IndexedTables, TheSampleFindsItsRows) {
  const Program p = indexed_tables();
  Batch batch;
  fill_households(p, batch, 12);
  Machine m(p, 12);
  m.run(batch);
  // house = i % 3 (safe, c, d), members = i % 5, remote = i / 3 % 2.
  for (std::size_t i = 0; i < 12; ++i) {
    const std::int64_t house = static_cast<std::int64_t>(i % 3), members = static_cast<std::int64_t>(i % 5);
    const bool remote = i / 3 % 2 == 1;
    std::int64_t row = 0;
    if (house == 2 && members == 1) row = 1;
    else if (house == 1 && remote) row = 2;
    else if (members == 2 || members == 3) row = 3;
    SCOPED_TRACE("household " + std::to_string(i));
    if (row == 0) {
      EXPECT_EQ(m.error(i), RowError::NoRowMatched);
      continue;
    }
    ASSERT_EQ(m.error(i), RowError::None);
    EXPECT_EQ(m.scalar(reg_named(p, "housing.aid"), i), row * 10000);
    EXPECT_EQ(m.text(0, i), row == 1 ? "d, one" : row == 2 ? "c, any" : "");
    std::vector<std::int64_t> helps;
    for (const std::int64_t h : m.list(1, i)) helps.push_back(h);
    const std::vector<std::int64_t> expected = house == 2 ? std::vector<std::int64_t>{1, 2}
                                               : house == 1 ? std::vector<std::int64_t>{2}
                                                            : std::vector<std::int64_t>{};
    EXPECT_EQ(helps, expected);
  }
}

// Every byte of the sample damaged behind a valid checksum: refused with a
// reason, or loaded, listed, indexed and run without harm (under the
// sanitizers in CI, any read out of bounds fails the test).
TEST(IndexedTables, DamagedBytesAreRefusedOrRunHarmlessly) {
  const std::string good = serialize_program(indexed_tables());
  int accepted = 0, rejected = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const Mutation& mutation : kMutations) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(mutation.apply(static_cast<unsigned char>(bytes[i])));
      if (bytes == good) continue;
      bytes = reseal(bytes);
      if (!loads_and_verifies(bytes)) {
        ++rejected;
        continue;
      }
      ++accepted;
      Program p;
      std::string error;
      ASSERT_TRUE(deserialize_program(bytes, p, error));
      Batch batch;
      fill_households(p, batch, 16);
      Machine m(p, 16);
      m.run(batch);
      m.run(batch);
    }
  }
  EXPECT_GT(rejected, 100);
  EXPECT_GT(accepted, 0);
}

TEST(Disassembler, ShowsLookupsAndArrays) {
  const std::string listing = disassemble(indexed_tables());
  for (const char* expected : {
           "indexes    2 lookups, 3 arrays",
           "r6(housing row) = first row of lookup#0(table housing) matching (r3, r4, r5), 0 if none",
           "r7(housing.aid) = array#0(housing.aid)[r6(housing row)]",
           "t0 = string[array#1(housing.note)[r6(housing row)]]",
           "l0 = every row of lookup#1(table helps) matching (r0(house))",
           "l1 = array#2(helps.help) at each row of l0",
           "lookup#0(table housing) (enum grade, int, bool, 3 rows)",
           "  row  house  members  remote",
           "    1  d      1        -",
           "    2  c      -        true",
           "    3  -      2, 3     -",
           "  array#1(housing.note)  text       \"\", \"d, one\", \"c, any\", \"\"",
       })
    EXPECT_NE(listing.find(expected), std::string::npos) << expected << "\n" << listing;
}

// ---------------------------------------------------------------- the disassembler

std::string golden_path() {
#ifdef PRECEPT_SOURCE_DIR
  return PRECEPT_SOURCE_DIR "/tests/golden/disasm/handmade.txt";
#else
  std::string here = __FILE__;
  here.erase(here.find_last_of('/') + 1);
  return here + "../golden/disasm/handmade.txt";
#endif
}

TEST(Disassembler, MatchesGolden) {
  precept::testing::expect_matches_golden(golden_path(), disassemble(handmade()));
}

TEST(Disassembler, FillsInTheSynopsis) {
  const std::string listing = disassemble(handmade());
  for (const char* expected : {
           "r7(per_capita) = round(q0, drop 0 digits, half_even)",
           "r8(per_capita_yuan) = round(r7(per_capita), drop 2 digits, half_up)",
           "r9(poverty_line) = 2736.00",
           "r13(main_cause) = lack_funds",
           "r15 = d",
           "r27 = 2015-12-31",
           "r21 = r0(members) * 10^6",
           "r0(members) = field[members]",
           "r23(has_loss) = field[disaster_loss] is present",
           "t2 = \"Xijiang\"",
           "reject rows where not r6: \"members must be positive\"",
           "reject selected rows: \"inconsistent \\\"checks\\\"\\n\"",
           "r31 = round(r29 / r0(members), half_even)",
           "if r16 then append r17 to l0",
           "let per_capita = round(net_income / members, 2)",
       })
    EXPECT_NE(listing.find(expected), std::string::npos) << expected;
}

TEST(Disassembler, ShowsBoolConstantsAndSurvivesMissingNames) {
  Program program = list_append_sum();
  program.scalar_names.clear();
  program.code_lines.assign(program.code.size(), 99);  // past the (empty) source
  const std::string listing = disassemble(program);
  EXPECT_NE(listing.find("r3 = true"), std::string::npos) << listing;
  EXPECT_NE(listing.find("l0 = []"), std::string::npos) << listing;
  // An unverified program prints what it can instead of indexing past a table.
  program.code[1].b = 1000;
  program.code.push_back({static_cast<Opcode>(200), 0, 0, 0, 1, 2, 3});
  EXPECT_NE(disassemble(program).find("const#1000"), std::string::npos);
  EXPECT_NE(disassemble(program).find("INVALID"), std::string::npos);
}

}  // namespace
}  // namespace precept

namespace precept {
namespace {

// The opcodes of the hit policies: LIST_MIN and LIST_MAX (`collect min|max`) and
// TABLE_CONFLICT (`unique`, `any`), which names the two rows that both matched.
Program table_opcodes() {
  Builder b;
  Program& p = b.p;
  p.policy_name = "hit policies";
  const auto f_first = b.field("first", kInt);
  const auto f_second = b.field("second", kInt);
  const auto f_clash = b.field("clash", kBool);
  const auto f_costs = b.field("costs", list_type(Kind::Int));
  const auto r_first = b.reg(kInt, "first");
  const auto r_second = b.reg(kInt, "second");
  const auto r_clash = b.reg(kBool, "clash");
  const auto r_min = b.reg(kInt, "cheapest");
  const auto r_max = b.reg(kInt, "dearest");
  const auto l_costs = b.list_reg(list_type(Kind::Int));
  b.at(7, "table housing row 2");
  b.emit(Opcode::LOAD_FIELD, r_first, f_first);
  b.emit(Opcode::LOAD_FIELD, r_second, f_second);
  b.emit(Opcode::LOAD_FIELD, r_clash, f_clash);
  b.emit(Opcode::LOAD_LIST, l_costs, f_costs);
  b.emit(Opcode::LIST_MIN, r_min, l_costs);
  b.emit(Opcode::LIST_MAX, r_max, l_costs);
  b.emit(Opcode::SELECT_IF, r_clash);
  b.emit(Opcode::TABLE_CONFLICT, b.string("housing"), r_first, r_second, 1);
  b.emit(Opcode::SELECT_POP);
  b.output("cheapest", kInt, r_min);
  b.output("dearest", kInt, r_max);
  return p;
}

TEST(TableOpcodes, MinMaxAndConflictsRun) {
  const Program p = table_opcodes();
  std::string error;
  ASSERT_TRUE(verify_program(p, error)) << error;
  Batch batch;
  batch.reset(p, 3);
  batch.rows = 3;
  const std::vector<std::vector<std::int64_t>> costs = {{5, -2, 9}, {}, {4}};
  for (std::size_t i = 0; i < 3; ++i) {
    batch.columns[0].scalars[i] = 2;
    batch.columns[1].scalars[i] = static_cast<std::int64_t>(5 + i);
    batch.columns[2].scalars[i] = i == 1;
    batch.columns[3].lists[i] = costs[i];
  }
  Machine m(p, 3);
  m.run(batch);
  EXPECT_EQ(m.error(0), RowError::None);
  EXPECT_EQ(m.scalar(reg_named(p, "cheapest"), 0), -2);
  EXPECT_EQ(m.scalar(reg_named(p, "dearest"), 0), 9);
  EXPECT_EQ(m.scalar(reg_named(p, "cheapest"), 2), 4);
  EXPECT_EQ(m.scalar(reg_named(p, "dearest"), 2), 4);
  ASSERT_EQ(m.error(1), RowError::TableConflict);
  EXPECT_EQ(m.describe_error(1),
            "rows 2 and 6 of table `housing` both match this household and give different outputs; the table is "
            "`any` (policy line 7)");
  EXPECT_EQ(m.scalar(reg_named(p, "cheapest"), 1), 0);  // an empty list: 0, never read by compiled code
}

TEST(TableOpcodes, TheVerifierRefusesMalformedOnes) {
  const Program good = table_opcodes();
  std::string error;
  ASSERT_TRUE(verify_program(good, error)) << error;
  const auto find = [&](const Program& p, Opcode op) {
    for (std::size_t i = 0; i < p.code.size(); ++i)
      if (p.code[i].op == op) return i;
    return p.code.size();
  };
  struct Case {
    const char* what;
    std::function<void(Program&)> damage;
    std::string words;
  };
  const std::vector<Case> cases = {
      {"a conflict of an unknown kind", [&](Program& p) { p.code[find(p, Opcode::TABLE_CONFLICT)].x = 2; },
       "x is 2, but a table conflict is of kind 0 (unique) or 1 (any)"},
      {"a conflict naming a bool as a row",
       [&](Program& p) { p.code[find(p, Opcode::TABLE_CONFLICT)].b = reg_named(p, "clash"); }, "must be int"},
      {"a conflict naming a string that does not exist",
       [&](Program& p) { p.code[find(p, Opcode::TABLE_CONFLICT)].a = 99; }, "there are only 1 strings"},
      {"a minimum into the wrong type", [&](Program& p) { p.scalar_types[reg_named(p, "cheapest")] = kMoney; },
       "holds int"},
      {"a maximum of a register that is not a list", [&](Program& p) { p.code[find(p, Opcode::LIST_MAX)].b = 7; },
       "list register l7"},
  };
  for (const Case& bad : cases) {
    SCOPED_TRACE(bad.what);
    Program damaged = good;
    bad.damage(damaged);
    error.clear();
    EXPECT_FALSE(verify_program(damaged, error));
    EXPECT_NE(error.find(bad.words), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace precept
