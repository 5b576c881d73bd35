// Arrow C Data Interface arrays that Precept produces (a columnar batch's
// results): built in C++ containers, then handed over as ArrowSchema and
// ArrowArray structs whose release callbacks free them, as the specification's
// ownership rules say (the consumer calls the parent's release; a child it has
// moved out, its release set to null, is left to it).
#pragma once

#include <precept/arrow.h>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace precept {

// Word storage for a buffer: allocated without being zeroed (a result column
// is written whole, so zeroing it first would only cost a pass over memory).
struct WordStorage {
  std::unique_ptr<std::uint64_t[]> words;
  std::size_t capacity = 0;  // in words
};

// Buffers that results released earlier gave back, for the next results to
// use: a stream of batches of one size then allocates nothing, where fresh
// buffers of some megabytes each would each be mapped and faulted in anew by
// the allocator for every batch. Shared by an evaluator and every result it
// made (a result may be released after the evaluator is gone, on any thread).
class BufferPool {
 public:
  // Storage for at least `words` words (contents unspecified), from the pool
  // when it has some.
  WordStorage take(std::size_t words);
  // Keeps `storage` for a later take(), within a bound on what the pool holds.
  void give(WordStorage&& storage);

  // The pool buffers made on this thread take from and give back to, while set
  // (see PoolScope); none by default.
  static std::shared_ptr<BufferPool>& current();

 private:
  std::mutex mutex_;
  std::multimap<std::size_t, WordStorage> free_;  // by capacity, in words
  std::size_t free_words_ = 0;
};

// Sets BufferPool::current() for a scope.
class PoolScope {
 public:
  explicit PoolScope(std::shared_ptr<BufferPool> pool) : saved_(std::move(BufferPool::current())) {
    BufferPool::current() = std::move(pool);
  }
  ~PoolScope() { BufferPool::current() = std::move(saved_); }
  PoolScope(const PoolScope&) = delete;
  PoolScope& operator=(const PoolScope&) = delete;

 private:
  std::shared_ptr<BufferPool> saved_;
};

// A buffer of bytes kept in 8-byte words, so that every buffer is aligned as
// Arrow asks (at least 8 bytes). Never empty: a consumer gets a valid pointer
// even for a buffer of no bytes. Made while a PoolScope is set, it draws its
// storage from that pool and gives it back when destroyed.
class OwnedBuffer {
 public:
  OwnedBuffer() : pool_(BufferPool::current()) { grow_to(1); }
  ~OwnedBuffer() {
    if (pool_) pool_->give(std::move(storage_));
  }
  OwnedBuffer(OwnedBuffer&& other) noexcept
      : storage_(std::move(other.storage_)), size_(other.size_), pool_(std::move(other.pool_)) {
    other.storage_.capacity = 0;
    other.size_ = 0;
  }
  OwnedBuffer& operator=(OwnedBuffer&& other) noexcept {
    std::swap(storage_, other.storage_);
    std::swap(size_, other.size_);
    std::swap(pool_, other.pool_);
    return *this;
  }
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;

  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(storage_.words.get()); }
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(storage_.words.get()); }
  std::size_t size() const { return size_; }
  // Grows (new bytes are zero) or shrinks to `bytes`.
  void resize(std::size_t bytes) {
    const std::size_t old = size_;
    resize_for_overwrite(bytes);
    if (bytes > old) std::memset(data() + old, 0, bytes - old);
  }
  // Grows or shrinks to `bytes`, keeping the bytes it had; new bytes are
  // unspecified (the caller writes every one).
  void resize_for_overwrite(std::size_t bytes) {
    reserve(bytes);
    size_ = bytes;
  }
  // Room for `bytes` in all without growing again (the size is unchanged).
  void reserve(std::size_t bytes) {
    if (bytes >= storage_.capacity * 8) grow_to(std::max(storage_.capacity * 2, bytes / 8 + 1));
  }
  void append(const void* bytes, std::size_t count) {
    if (count == 0) return;
    const std::size_t at = size_;
    reserve(at + count);
    std::memcpy(data() + at, bytes, count);
    size_ = at + count;
  }

 private:
  // At least `words` words: the first size_ bytes are kept.
  void grow_to(std::size_t words) {
    if (words <= storage_.capacity) return;
    WordStorage bigger;
    if (pool_) {
      bigger = pool_->take(words);
    } else {
      bigger.words.reset(new std::uint64_t[words]);
      bigger.capacity = words;
    }
    if (size_ > 0) std::memcpy(bigger.words.get(), storage_.words.get(), size_);
    std::swap(storage_, bigger);
    if (pool_) pool_->give(std::move(bigger));
  }

  WordStorage storage_;
  std::size_t size_ = 0;
  std::shared_ptr<BufferPool> pool_;
};

struct OwnedArray {
  std::int64_t length = 0;
  std::int64_t null_count = 0;
  // In the order the format prescribes; a validity bitmap of an array with no
  // nulls may be left out (validity_absent), which exports a null pointer.
  std::vector<OwnedBuffer> buffers;
  bool validity_absent = false;
  std::vector<OwnedArray> children;
  std::unique_ptr<OwnedArray> dictionary;
};

struct OwnedSchema {
  std::string format;
  std::string name;
  std::int64_t flags = 0;
  std::vector<OwnedSchema> children;
  std::unique_ptr<OwnedSchema> dictionary;
};

// Move `array` (or `schema`) into `*out`, which the consumer then owns and
// frees with its release callback. On std::bad_alloc, *out is not written and
// nothing leaks.
void export_array(OwnedArray&& array, ArrowArray* out);
void export_schema(OwnedSchema&& schema, ArrowSchema* out);

}  // namespace precept
