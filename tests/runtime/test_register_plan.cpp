// Where the VM keeps registers (runtime/vm_plan): decided from the opcode
// table's operand letters. That planning never changes a result is proven in
// test_vm_plan.cpp against a plain interpreter; here, that the plan is the one
// vm_plan.hpp describes.
#include "vm_plan.hpp"

#include <precept/precept.hpp>

#include "program.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace precept {
namespace {

Policy compiled(const std::string& source) {
  auto result = compile(source, "plan.pol");
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

std::uint32_t register_named(const Program& p, const std::string& name) {
  const auto it = std::find(p.scalar_names.begin(), p.scalar_names.end(), name);
  EXPECT_NE(it, p.scalar_names.end()) << name;
  return static_cast<std::uint32_t>(it - p.scalar_names.begin());
}

const char* const kSource = R"(policy "plan" year 2020
enum measure { a, b, c }
record r {
  id: text
  members: int
  income: money
  wanted: list of measure
}
let half: money = round(income / 2, 2)
let quarter: money = round(half / 2, 2)
let doubled: money = half + half
rule big "big": members > 4
table measures "measures" collect
  | when members | measure: measure |
  | > 1          | a                |
  | > 2          | b                |
  | > 3          | c                |
output id, quarter, doubled, big, wanted, measures = measures.measure
)";

TEST(RegisterPlan, OutputsKeepTheirOwnStorageAndTemporariesShare) {
  const Policy policy = compiled(kSource);
  const Program& p = program_of(policy);
  const RegisterPlan plan = plan_registers(p, true);
  ASSERT_EQ(plan.home.size(), p.scalar_types.size());
  for (const char* output : {"quarter", "doubled", "big"}) {
    const std::uint32_t r = register_named(p, output);
    EXPECT_TRUE(plan.external[r]) << output;
    EXPECT_NE(plan.home[r], RegisterHome::Shared) << output;
    EXPECT_NE(plan.slot_of[r], RegisterPlan::kNoSlot) << output;
  }
  // `half` is written, then read, and read by nobody else: a temporary.
  EXPECT_EQ(plan.home[register_named(p, "half")], RegisterHome::Shared);
  EXPECT_EQ(plan.use[register_named(p, "half")].writers, 1u);
  EXPECT_GE(plan.reads[register_named(p, "half")], 2u);
  // A field loaded once, before any read, outside any selection: its column.
  const auto field = std::count(plan.home.begin(), plan.home.end(), RegisterHome::Field);
  EXPECT_GE(field, 2) << "members and income";
  for (std::uint32_t r = 0; r < plan.home.size(); ++r)
    if (plan.home[r] == RegisterHome::Field) {
      EXPECT_EQ(plan.slot_of[r], RegisterPlan::kNoSlot);
    }
  // Sharing saves slots: fewer than one per register that has storage.
  const auto with_storage = std::count_if(plan.home.begin(), plan.home.end(),
                                          [](RegisterHome h) { return h != RegisterHome::Field; });
  EXPECT_LT(plan.slots, static_cast<std::uint32_t>(with_storage));
}

TEST(RegisterPlan, ATracedMachineSharesNothing) {
  const Policy policy = compiled(kSource);
  const RegisterPlan plan = plan_registers(program_of(policy), false);
  EXPECT_EQ(std::count(plan.home.begin(), plan.home.end(), RegisterHome::Shared), 0);
  const std::uint32_t half = register_named(program_of(policy), "half");
  EXPECT_EQ(plan.home[half], RegisterHome::Own);
}

TEST(RegisterPlan, ListsAreSlottedWhenClearedThenAppendedAndAliasedWhenLoadedOnce) {
  const Policy policy = compiled(kSource);
  const Program& p = program_of(policy);
  const RegisterPlan plan = plan_registers(p, true);
  ASSERT_EQ(plan.lists.size(), p.list_types.size());
  // The collect table: LIST_CLEAR, then a LIST_APPEND_IF per row.
  EXPECT_EQ(std::count(plan.lists.begin(), plan.lists.end(), ListStorage::Slotted), 1);
  EXPECT_EQ(std::count(plan.list_appends.begin(), plan.list_appends.end(), 3u), 1);
  // The list field, loaded once and never changed: the batch's column.
  EXPECT_EQ(std::count(plan.lists.begin(), plan.lists.end(), ListStorage::Aliased), 1);
}

}  // namespace
}  // namespace precept
