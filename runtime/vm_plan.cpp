#include "vm_plan.hpp"

#include "verifier.hpp"

#include <algorithm>
#include <utility>

namespace precept {

namespace {

// What an instruction does to registers, from opcodes.def's letters: whether
// it writes a scalar register in A, and which scalar registers it reads.
bool writes_scalar_a(Opcode op) { return writes_operand_a(op) && is_scalar_operand(opcode_info(op).operands[0]); }

template <typename F>
void each_scalar_read(const Program& program, const Instruction& ins, F&& f) {
  each_register_read(program, ins, [&](RegisterFile file, std::uint32_t r, int) {
    if (file == RegisterFile::Scalar) f(r);
  });
}

// What an instruction does to the list register in its operand A, from the
// letters: fills it from its operands (w, with operands), empties it (w, with
// none: LIST_CLEAR), adds to it (u), or nothing.
enum class ListWrite { None, Fill, Clear, Append };
ListWrite list_write(Opcode op) {
  const char* letters = opcode_info(op).operands;
  if (letters[0] != 'L') return ListWrite::None;
  if (letters[3] == 'u') return ListWrite::Append;
  if (letters[3] != 'w') return ListWrite::None;
  return letters[1] == '_' && letters[2] == '_' ? ListWrite::Clear : ListWrite::Fill;
}

bool opens_selection(Opcode op) { return op == Opcode::SELECT_IF || op == Opcode::SELECT_UNLESS; }

}  // namespace

RegisterPlan plan_registers(const Program& program, bool share_temporaries) {
  const std::vector<Instruction>& code = program.code;
  const std::size_t nregs = program.scalar_types.size();
  constexpr std::uint32_t kNever = RegisterUse::kNever;
  RegisterPlan plan;

  std::vector<RegisterUse>& use = plan.use;
  use.assign(nregs, {});
  plan.reads.assign(nregs, 0);
  for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
    const Instruction& ins = code[pc];
    each_scalar_read(program, ins, [&](std::uint32_t r) {
      use[r].first_read = std::min(use[r].first_read, pc);
      use[r].last = pc;
      ++plan.reads[r];
    });
    if (writes_scalar_a(ins.op)) {
      RegisterUse& u = use[ins.a];
      ++u.writers;
      u.first_write = std::min(u.first_write, pc);
      u.last = pc;
    }
  }

  // Done once: constants and field loads (see vm_plan.hpp).
  using Home = RegisterHome;
  std::vector<Home>& home = plan.home;
  home.assign(nregs, Home::Own);
  {
    int depth = 0;
    for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
      const Instruction& ins = code[pc];
      if (depth == 0 && (ins.op == Opcode::LOAD_CONST || ins.op == Opcode::LOAD_FIELD) && use[ins.a].writers == 1 &&
          use[ins.a].first_read > pc)
        home[ins.a] = ins.op == Opcode::LOAD_CONST ? Home::Constant : Home::Field;
      if (opens_selection(ins.op)) ++depth;
      if (ins.op == Opcode::SELECT_POP) --depth;
    }
  }
  std::vector<bool>& external = plan.external;
  external.assign(nregs, false);
  for (const OutputDef& out : program.outputs)
    if (register_file_of(out.type) == RegisterFile::Scalar && out.reg < nregs) external[out.reg] = true;
  const SummarySpec& summary = program.summary;
  for (const std::uint32_t r : {summary.population_reg, summary.poor_reg, summary.cause_reg, summary.assistance_reg})
    if (r < nregs) external[r] = true;
  for (std::size_t r = 0; r < nregs; ++r)
    if (home[r] == Home::Own && !external[r] && use[r].first_write < use[r].first_read && use[r].first_read != kNever &&
        share_temporaries)
      home[r] = Home::Shared;

  // Slots: every Own and Constant register has its own; Shared ones are given
  // slots in code order, a slot returning to its type's free list after the
  // instruction that last uses its register.
  std::vector<std::uint32_t>& slot_of = plan.slot_of;
  slot_of.assign(nregs, RegisterPlan::kNoSlot);
  std::uint32_t& slots = plan.slots;
  for (std::size_t r = 0; r < nregs; ++r)
    if (home[r] == Home::Own || home[r] == Home::Constant) slot_of[r] = slots++;
  {
    std::vector<std::vector<std::uint32_t>> born(code.size()), dead(code.size());
    for (std::uint32_t r = 0; r < nregs; ++r)
      if (home[r] == Home::Shared) {
        born[use[r].first_write].push_back(r);
        dead[use[r].last].push_back(r);
      }
    std::vector<std::pair<ValueType, std::vector<std::uint32_t>>> free_slots;
    const auto free_list = [&](const ValueType& type) -> std::vector<std::uint32_t>& {
      for (auto& [t, list] : free_slots)
        if (t == type) return list;
      return free_slots.emplace_back(type, std::vector<std::uint32_t>()).second;
    };
    for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
      for (const std::uint32_t r : born[pc]) {
        auto& list = free_list(program.scalar_types[r]);
        if (list.empty()) {
          slot_of[r] = slots++;
        } else {
          slot_of[r] = list.back();
          list.pop_back();
        }
      }
      for (const std::uint32_t r : dead[pc]) free_list(program.scalar_types[r]).push_back(slot_of[r]);
    }
  }

  // Text registers: which are written, and which are read at all.
  plan.text_writers.assign(program.text_count, 0);
  plan.text_reads.assign(program.text_count, 0);
  for (const Instruction& ins : code) {
    const OpcodeInfo& info = opcode_info(ins.op);
    const bool writes_a = writes_operand_a(ins.op);
    for (int k = 0; k < 3; ++k)
      if (info.operands[k] == 'T') ++(k == 0 && writes_a ? plan.text_writers : plan.text_reads)[operand(ins, k)];
  }

  // Lists (see ListStorage): how each is first touched, and how often it is
  // filled, cleared and appended to.
  const std::size_t nlists = program.list_types.size();
  std::vector<std::uint32_t>& appends = plan.list_appends;
  appends.assign(nlists, 0);
  std::vector<std::uint32_t> fills(nlists, 0), clears(nlists, 0);
  std::vector<std::uint32_t> first_touch(nlists, kNever);
  std::vector<bool> first_is_top_clear(nlists, false), first_is_top_load(nlists, false);
  {
    int depth = 0;
    for (std::uint32_t pc = 0; pc < code.size(); ++pc) {
      const Instruction& ins = code[pc];
      const char* operands = opcode_info(ins.op).operands;
      const ListWrite write = list_write(ins.op);
      for (int k = 0; k < 3; ++k) {
        if (operands[k] != 'L') continue;
        const std::uint32_t l = operand(ins, k);
        if (first_touch[l] != kNever) continue;
        first_touch[l] = pc;
        first_is_top_clear[l] = k == 0 && write == ListWrite::Clear && depth == 0;
        // Read in place only from the batch's column: a fill by LOAD_LIST.
        first_is_top_load[l] = ins.op == Opcode::LOAD_LIST && depth == 0;
      }
      // A list filled by a lookup or a pick is any length: a vector per row.
      if (write == ListWrite::Fill) ++fills[ins.a];
      if (write == ListWrite::Clear) ++clears[ins.a];
      if (write == ListWrite::Append) ++appends[ins.a];
      if (opens_selection(ins.op)) ++depth;
      if (ins.op == Opcode::SELECT_POP) --depth;
    }
  }
  // A row's slots are one 64-bit mask; a list with more appends keeps vectors.
  constexpr std::uint32_t kMaxSlots = 64;
  plan.lists.assign(nlists, ListStorage::Rows);
  for (std::size_t l = 0; l < nlists; ++l) {
    if (first_is_top_clear[l] && fills[l] == 0 && appends[l] <= kMaxSlots)
      plan.lists[l] = ListStorage::Slotted;
    else if (first_is_top_load[l] && fills[l] == 1 && clears[l] == 0 && appends[l] == 0)
      plan.lists[l] = ListStorage::Aliased;
  }
  return plan;
}

}  // namespace precept
