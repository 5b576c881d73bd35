// Parameters as data (Schema::params, precept/schema.hpp) and what-ifs
// (what_if_source, precept/policy.hpp): the values in force for the year,
// with their descriptions, citations and layers; a what-if layer compiled
// from memory through CompileOptions::loader overrides exactly the values it
// names, and refuses a parameter the policy does not have.
#include <precept/precept.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace precept {
namespace {

using ::testing::HasSubstr;

Policy opened(const std::string& path, std::optional<int> year = std::nullopt) {
  CompileOptions options;
  options.year = year;
  auto result = open_policy(path, options);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

const ParamInfo& param(const Policy& policy, const std::string& name) {
  const auto index = policy.schema().param_index(name);
  if (!index) throw std::runtime_error("no parameter " + name);
  return policy.schema().params[*index];
}

TEST(Params, AFlatPolicysParamsWithTheirValuesDescriptionsAndCitations) {
  const Policy policy = opened("policies/xijiang_2015.pol");
  const ParamInfo& line = param(policy, "poverty_line");
  EXPECT_EQ(line.kind, ValueKind::Money);
  EXPECT_EQ(line.value, 273600);
  EXPECT_EQ(line.text, "2736.00");
  EXPECT_EQ(line.description, "national poverty line at 2013 prices");
  EXPECT_EQ(line.source, "Huichang County identification document, 2015");
  EXPECT_GT(line.line, 0u);
  EXPECT_EQ(param(policy, "disaster_threshold").source, "");
  EXPECT_FALSE(policy.schema().param_index("povrty_line").has_value());
}

TEST(Params, ADatedParameterTakesTheYearsEntryAndALayersOverride) {
  // national.pol dates its line; xijiang_town_2015.pol overrides it for the town.
  const Policy national_2016 = opened("policies/national.pol", 2016);
  const Policy national_2018 = opened("policies/national.pol", 2018);
  const Policy xijiang_town = opened("policies/xijiang_town_2015.pol");
  EXPECT_EQ(param(national_2016, "poverty_line").text, "2952.00");
  EXPECT_EQ(param(national_2016, "poverty_line").year, 2016);
  EXPECT_EQ(param(national_2018, "poverty_line").value, 353500);
  const ParamInfo& town = param(xijiang_town, "poverty_line");
  EXPECT_EQ(town.value, 273600);
  EXPECT_THAT(town.layer, HasSubstr("xijiang_town_2015.pol"));
}

TEST(WhatIf, AnInMemoryLayerOverridesTheNamedParametersOnly) {
  const std::string parent_text = *read_policy_source("policies/xijiang_2015.pol").text;
  const Policy base = *compile(parent_text, "xijiang_2015.pol").policy;
  const std::string layer = what_if_source(base, "xijiang_2015.pol", {{"poverty_line", "3000"}});
  EXPECT_THAT(layer, HasSubstr("extends \"xijiang_2015.pol\""));
  EXPECT_THAT(layer, HasSubstr("override param poverty_line = 3000 yuan"));

  CompileOptions options;
  std::string asked;
  options.loader = [&](const std::string& path) -> std::optional<std::string> {
    asked = path;
    return path == "xijiang_2015.pol" ? std::optional(parent_text) : std::nullopt;
  };
  const CompileResult reform = compile(layer, "what-if", options);
  ASSERT_TRUE(reform.ok()) << render(reform.diagnostics);
  EXPECT_EQ(asked, "xijiang_2015.pol");
  EXPECT_EQ(param(*reform.policy, "poverty_line").value, 300000);
  EXPECT_EQ(param(*reform.policy, "deposit_cap").value, param(base, "deposit_cap").value);
  EXPECT_EQ(reform.policy->output_names(), base.output_names());

  // A household between the two lines is poor only under the what-if.
  const std::vector<std::pair<std::string, std::string>> household = {
      {"household_id", "x"}, {"members", "1"}, {"labor_count", "1"}, {"net_income", "2900"},
      {"deposits", "0"}, {"owns_car", "0"}, {"owns_town_house", "0"}, {"public_employee", "0"},
      {"house", "safe"}, {"dibao", "0"}, {"wubao", "0"}, {"ill_members", "0"}, {"disabled_members", "0"},
      {"students", "0"}, {"disaster_loss", "0"}, {"safe_water", "1"}, {"remote", "0"}};
  const std::size_t poor = *base.schema().output_index("poor");
  Evaluator before(base), after(*reform.policy);
  EXPECT_EQ(before.evaluate(household).values[poor], "false");
  EXPECT_EQ(after.evaluate(household).values[poor], "true");
}

TEST(WhatIf, BadOverridesAreRefusedOrReportedOnTheirLine) {
  const Policy base = opened("policies/xijiang_2015.pol");
  EXPECT_THROW(what_if_source(base, "xijiang_2015.pol", {{"povrty_line", "3000"}}), std::invalid_argument);
  EXPECT_THROW(what_if_source(base, "xijiang_2015.pol", {{"poverty_line", "1"}, {"poverty_line", "2"}}),
               std::invalid_argument);
  CompileOptions options;
  options.base_directory = "policies";
  const CompileResult wrong =
      compile(what_if_source(base, "xijiang_2015.pol", {{"poverty_line", "3000 # no"}}), "what-if", options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.diagnostics.front().line, 2u);
  const CompileResult fine = compile(what_if_source(base, "xijiang_2015.pol", {{"poverty_line", "3000.50"}}),
                                     "what-if", options);
  ASSERT_TRUE(fine.ok()) << render(fine.diagnostics);
  EXPECT_EQ(param(*fine.policy, "poverty_line").value, 300050);
}

}  // namespace
}  // namespace precept
