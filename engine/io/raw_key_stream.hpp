// Live raw key from a hardware controller over TCP (docs/network.md, "Live raw-key input"):
// self-checked chunks of packed key bits, read only as fast as the pipeline asks for blocks, so
// TCP flow control pushes back on the controller and memory stays bounded.
//
// Chunk (little-endian): "QKRK", version u8 = 1, party u8 (1 Alice, 2 Bob), flags u8 (bit 0: the
// last chunk of this party's stream), reserved u8 = 0, sequence u64 (this party's chunks numbered
// from 0), bit count u32 (at most 2^26), the bits packed per SPEC section 1 (ceil(bits / 8) bytes,
// padding bits zero), and a 16-byte BLAKE2b of everything before it in the chunk.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/io/block_source.hpp"
#include "engine/net/socket.hpp"

namespace qkdpp::engine::io {

inline constexpr std::uint32_t kMaxChunkBits = 1u << 26;

// Encodes one chunk (for controllers, simulators and tests).
std::vector<std::uint8_t> encode_raw_key_chunk(Party party, std::uint64_t sequence,
                                               const kernels::BitVector& bits, bool last);

class RawKeyStream final : public BlockSource {
 public:
  // `alice` / `bob`: the parties this run needs (a chunk of another party is an error). A party
  // may run at most `max_ahead_blocks` blocks ahead of the other before the stream is refused
  // (bounded memory: the controller must interleave the two parties).
  RawKeyStream(net::Socket socket, bool alice, bool bob, std::chrono::milliseconds timeout,
               std::string name, std::size_t max_ahead_blocks = 8);
  bool read(std::uint64_t index, std::size_t n, kernels::BitVector* alice,
            kernels::BitVector* bob) override;
  std::optional<std::uint64_t> blocks(std::size_t) const override { return std::nullopt; }
  std::uint64_t unused_tail_bits(std::size_t n) const override;
  void request_stop() noexcept override { stop_ = true; }
  std::optional<std::uint64_t> position() const override { return position_; }
  bool skip_to(std::uint64_t index, std::size_t n) override;
  std::string name() const override { return name_; }

 private:
  struct Buffer {
    kernels::BitVector bits;
    std::size_t offset = 0;  // consumed
    std::uint64_t next_sequence = 0;
    bool ended = false;
    std::size_t available() const { return bits.size() - offset; }
  };
  // Reads one chunk into its party's buffer; false at a clean end of the connection.
  bool read_chunk(std::size_t n);
  net::Socket socket_;
  bool want_[2];
  std::chrono::milliseconds timeout_;
  std::string name_;
  std::size_t max_ahead_;
  Buffer buf_[2];
  std::atomic<bool> stop_{false};
  std::uint64_t position_ = 0;  // blocks returned or skipped
};

}  // namespace qkdpp::engine::io
