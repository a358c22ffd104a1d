// Protocol messages between Alice and Bob: typed, block-tagged, serialised to a documented binary
// frame (docs/protocol.md) so that any transport (in-process, TCP) carries the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine {

enum class MessageType : std::uint8_t {
  kSyndrome = 1,       // A->B: code, puncturing, shortening, QBER estimate, syndrome
  kDecodeOutcome = 2,  // B->A: decoded or not
  kReveal = 3,         // A->B: values of further punctured bits (blind round)
  kVerify = 4,         // A->B: verification hash key and Alice's tag
  kVerifyOutcome = 5,  // B->A: tags equal or not, number of bits Bob corrected
  kAmplify = 6,        // A->B: final length and Toeplitz seed
  kAbort = 7,          // A->B: the block ends without key, with a reason (B->A over a network
                       // link when a message failed authentication)
  // Link control over a network (engine/net/link.hpp), block field unused (0):
  kHello = 8,       // both ways first: link version, role, key-pool offset, run parameters
  kHelloAck = 9,    // both ways, authenticated: BLAKE2b of both hellos
  kBye = 10,        // both ways last: no more messages
  kBlockDone = 11,  // B->A over a network link, after Bob's session ended: his status (u8)
  // A block's first messages when no QBER has been measured yet (docs/protocol.md "Start-up"):
  kSample = 12,         // A->B: sample seed and Alice's key bits at the sampled positions
  kSampleOutcome = 13,  // B->A: how many of them differ from Bob's
};

std::string to_string(MessageType type);

struct Message {
  MessageType type = MessageType::kAbort;
  std::uint64_t block = 0;
  std::vector<std::uint8_t> payload;
  // Bits of this message that disclose information about the key (syndrome net of punctured
  // bits, revealed bits, the verification tag); set by the sender, not serialised.
  std::uint64_t disclosed_bits = 0;
};

// Frame: "QKPP" magic, version (u8) = 1, type (u8), block (u64), payload length (u32), payload;
// integers little-endian.
inline constexpr std::size_t kMessageHeaderBytes = 4 + 1 + 1 + 8 + 4;
inline constexpr std::uint32_t kMaxPayloadBytes = 1u << 28;
std::vector<std::uint8_t> encode(const Message& m);
// InputError naming what is wrong for a malformed frame (bad magic, version, type, length).
Message decode(std::span<const std::uint8_t> frame);
// Bits the message occupies on the wire.
inline std::uint64_t wire_bits(const Message& m) {
  return 8 * (kMessageHeaderBytes + m.payload.size());
}

// Payload writer and bounds-checked reader.
class PayloadWriter {
 public:
  PayloadWriter& u8(std::uint8_t v);
  PayloadWriter& u32(std::uint32_t v);
  PayloadWriter& u64(std::uint64_t v);
  PayloadWriter& f64(double v);
  // Bit count (u64) then the packed bytes (SPEC section 1 order).
  PayloadWriter& bits(const kernels::BitVector& v);
  // Byte count (u64) then the bytes.
  PayloadWriter& bytes(std::span<const std::uint8_t> v);
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
};

class PayloadReader {
 public:
  PayloadReader(std::span<const std::uint8_t> bytes, std::string what)
      : bytes_(bytes), what_(std::move(what)) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  double f64();
  // At most `max_bits` bits (InputError above).
  kernels::BitVector bits(std::size_t max_bits);
  // At most `max_bytes` bytes (InputError above).
  std::vector<std::uint8_t> bytes(std::size_t max_bytes);
  // InputError if bytes remain.
  void finish() const;

 private:
  std::span<const std::uint8_t> take(std::size_t n);
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
  std::string what_;
};

}  // namespace qkdpp::engine
