// Where the pipeline's read stage gets raw key, block by block: a qkdpp-raw file (random access,
// length known) or a live stream from a hardware controller (raw_key_stream.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/io/raw_key_file.hpp"
#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine::io {

class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // Block `index` (n bits) of each requested party (a null pointer: not wanted). Called from one
  // thread with consecutive indices. False at the end of the input (no further whole block).
  virtual bool read(std::uint64_t index, std::size_t n, kernels::BitVector* alice,
                    kernels::BitVector* bob) = 0;
  // Whole blocks of n bits, when known in advance (files); nullopt for streams.
  virtual std::optional<std::uint64_t> blocks(std::size_t n) const = 0;
  // Key bits after the last whole block (once the end was reached, or known in advance).
  virtual std::uint64_t unused_tail_bits(std::size_t n) const = 0;
  // Asks a read() waiting for data to return false soon (the run is ending). Thread-safe.
  virtual void request_stop() noexcept {}
  // Sequential sources (streams): the index of the next block read() returns, and skipping
  // ahead to a later one (reading and dropping the blocks between; false if the input ends
  // first). Random-access sources (files) return nullopt and skip nothing.
  virtual std::optional<std::uint64_t> position() const { return std::nullopt; }
  virtual bool skip_to(std::uint64_t, std::size_t) { return true; }
  virtual std::string name() const = 0;
};

// A qkdpp-raw file: the parties wanted must be present, and equally long when both are.
// InputError naming the file otherwise.
std::unique_ptr<BlockSource> file_block_source(const RawKeyReader& reader, bool alice, bool bob);

}  // namespace qkdpp::engine::io
