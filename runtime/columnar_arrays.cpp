#include "columnar_arrays.hpp"

#include <utility>

namespace precept {

namespace {
// What a pool keeps at most: a few batches' results of a large policy.
constexpr std::size_t kPoolWords = (std::size_t{256} << 20) / 8;
}  // namespace

WordStorage BufferPool::take(std::size_t words) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto fit = free_.lower_bound(words);
    // The smallest that fits, unless it is far larger (a bitmap should not
    // take a megabyte a value column wants next).
    if (fit != free_.end() && fit->first <= 4 * words + 64) {
      WordStorage storage = std::move(fit->second);
      free_words_ -= fit->first;
      free_.erase(fit);
      return storage;
    }
  }
  WordStorage storage;
  storage.words.reset(new std::uint64_t[words]);
  storage.capacity = words;
  return storage;
}

void BufferPool::give(WordStorage&& storage) {
  const std::size_t words = storage.capacity;
  if (words == 0 || !storage.words) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (free_words_ + words > kPoolWords) return;  // dropped: freed with `storage`
  free_words_ += words;
  free_.emplace(words, std::move(storage));
}

std::shared_ptr<BufferPool>& BufferPool::current() {
  thread_local std::shared_ptr<BufferPool> pool;
  return pool;
}

namespace {

// What an exported array's private_data points to: its buffers, and the structs
// of its children and dictionary, which it releases (unless the consumer moved
// them out) when it is destroyed.
struct ArrayHolder {
  std::vector<OwnedBuffer> buffers;
  std::vector<const void*> buffer_pointers;
  std::vector<std::unique_ptr<ArrowArray>> children;
  std::vector<ArrowArray*> child_pointers;
  std::unique_ptr<ArrowArray> dictionary;

  ArrayHolder() = default;
  ArrayHolder(const ArrayHolder&) = delete;
  ArrayHolder& operator=(const ArrayHolder&) = delete;
  ~ArrayHolder() {
    for (const auto& child : children)
      if (child && child->release) child->release(child.get());
    if (dictionary && dictionary->release) dictionary->release(dictionary.get());
  }
};

void release_array(ArrowArray* array) {
  delete static_cast<ArrayHolder*>(array->private_data);
  array->private_data = nullptr;
  array->release = nullptr;
}

struct SchemaHolder {
  std::string format, name;
  std::vector<std::unique_ptr<ArrowSchema>> children;
  std::vector<ArrowSchema*> child_pointers;
  std::unique_ptr<ArrowSchema> dictionary;

  SchemaHolder() = default;
  SchemaHolder(const SchemaHolder&) = delete;
  SchemaHolder& operator=(const SchemaHolder&) = delete;
  ~SchemaHolder() {
    for (const auto& child : children)
      if (child && child->release) child->release(child.get());
    if (dictionary && dictionary->release) dictionary->release(dictionary.get());
  }
};

void release_schema(ArrowSchema* schema) {
  delete static_cast<SchemaHolder*>(schema->private_data);
  schema->private_data = nullptr;
  schema->release = nullptr;
}

}  // namespace

void export_array(OwnedArray&& array, ArrowArray* out) {
  auto holder = std::make_unique<ArrayHolder>();
  holder->buffers = std::move(array.buffers);
  for (std::size_t b = 0; b < holder->buffers.size(); ++b)
    holder->buffer_pointers.push_back(b == 0 && array.validity_absent ? nullptr : holder->buffers[b].data());
  holder->children.reserve(array.children.size());
  for (OwnedArray& child : array.children) {
    holder->children.push_back(std::make_unique<ArrowArray>());
    export_array(std::move(child), holder->children.back().get());
    holder->child_pointers.push_back(holder->children.back().get());
  }
  if (array.dictionary) {
    auto dictionary = std::make_unique<ArrowArray>();
    export_array(std::move(*array.dictionary), dictionary.get());
    holder->dictionary = std::move(dictionary);
  }
  ArrowArray result{};
  result.length = array.length;
  result.null_count = array.null_count;
  result.offset = 0;
  result.n_buffers = static_cast<std::int64_t>(holder->buffer_pointers.size());
  result.n_children = static_cast<std::int64_t>(holder->child_pointers.size());
  result.buffers = holder->buffer_pointers.empty() ? nullptr : holder->buffer_pointers.data();
  result.children = holder->child_pointers.empty() ? nullptr : holder->child_pointers.data();
  result.dictionary = holder->dictionary.get();
  result.release = release_array;
  result.private_data = holder.release();
  *out = result;
}

void export_schema(OwnedSchema&& schema, ArrowSchema* out) {
  auto holder = std::make_unique<SchemaHolder>();
  holder->format = std::move(schema.format);
  holder->name = std::move(schema.name);
  holder->children.reserve(schema.children.size());
  for (OwnedSchema& child : schema.children) {
    holder->children.push_back(std::make_unique<ArrowSchema>());
    export_schema(std::move(child), holder->children.back().get());
    holder->child_pointers.push_back(holder->children.back().get());
  }
  if (schema.dictionary) {
    auto dictionary = std::make_unique<ArrowSchema>();
    export_schema(std::move(*schema.dictionary), dictionary.get());
    holder->dictionary = std::move(dictionary);
  }
  ArrowSchema result{};
  result.format = holder->format.c_str();
  result.name = holder->name.empty() ? nullptr : holder->name.c_str();
  result.metadata = nullptr;
  result.flags = schema.flags;
  result.n_children = static_cast<std::int64_t>(holder->child_pointers.size());
  result.children = holder->child_pointers.empty() ? nullptr : holder->child_pointers.data();
  result.dictionary = holder->dictionary.get();
  result.release = release_schema;
  result.private_data = holder.release();
  *out = result;
}

}  // namespace precept
