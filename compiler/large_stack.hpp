// Running the compiler's recursive passes on a stack sized for the parser's bound.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <exception>

namespace precept {

// Parsing, checking, lowering and formatting recurse over the policy's nesting,
// which the parser bounds (kMaxTreeDepth). The bound must hold whatever the
// thread's stack: a sanitizer build has frames several times larger than a release
// build, and an embedder may call compile() from a thread with a small stack. So
// the work runs on a thread of its own with a stack sized for the bound.
inline constexpr std::size_t kCompileStackBytes = std::size_t{512} << 20;  // reserved, not committed

template <class Work>
void run_on_large_stack(Work& work) {
  struct Task {
    Work* work;
    std::exception_ptr error;
  } task{&work, nullptr};
  auto entry = [](void* argument) -> void* {
    auto* t = static_cast<Task*>(argument);
    try {
      (*t->work)();
    } catch (...) {
      t->error = std::current_exception();
    }
    return nullptr;
  };
  pthread_attr_t attributes;
  pthread_t thread;
  const bool started = pthread_attr_init(&attributes) == 0 &&
                       pthread_attr_setstacksize(&attributes, kCompileStackBytes) == 0 &&
                       pthread_create(&thread, &attributes, entry, &task) == 0;
  pthread_attr_destroy(&attributes);
  if (!started) {
    work();  // no thread to be had: the caller's stack is all there is
    return;
  }
  pthread_join(thread, nullptr);
  if (task.error) std::rethrow_exception(task.error);
}

}  // namespace precept
