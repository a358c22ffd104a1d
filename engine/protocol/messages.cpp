// Message framing and payload (de)serialisation.
#include "engine/protocol/messages.hpp"

#include <bit>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/core/little_endian.hpp"

namespace qkdpp::engine {

std::string to_string(MessageType type) {
  switch (type) {
    case MessageType::kSyndrome:
      return "syndrome";
    case MessageType::kDecodeOutcome:
      return "decode-outcome";
    case MessageType::kReveal:
      return "reveal";
    case MessageType::kVerify:
      return "verify";
    case MessageType::kVerifyOutcome:
      return "verify-outcome";
    case MessageType::kAmplify:
      return "amplify";
    case MessageType::kAbort:
      return "abort";
    case MessageType::kHello:
      return "hello";
    case MessageType::kHelloAck:
      return "hello-ack";
    case MessageType::kBye:
      return "bye";
    case MessageType::kBlockDone:
      return "block-done";
    case MessageType::kSample:
      return "sample";
    case MessageType::kSampleOutcome:
      return "sample-outcome";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode(const Message& m) {
  if (m.payload.size() > kMaxPayloadBytes) throw InputError("message payload too large");
  std::vector<std::uint8_t> out;
  out.reserve(kMessageHeaderBytes + m.payload.size());
  for (char c : {'Q', 'K', 'P', 'P'}) out.push_back(static_cast<std::uint8_t>(c));
  out.push_back(1);
  out.push_back(static_cast<std::uint8_t>(m.type));
  append_le(out, m.block, 8);
  append_le(out, m.payload.size(), 4);
  out.insert(out.end(), m.payload.begin(), m.payload.end());
  return out;
}

Message decode(std::span<const std::uint8_t> frame) {
  if (frame.size() < kMessageHeaderBytes) throw InputError("message: truncated header");
  if (std::memcmp(frame.data(), "QKPP", 4) != 0) throw InputError("message: bad magic");
  if (frame[4] != 1) {
    throw InputError("message: unsupported version " + std::to_string(frame[4]));
  }
  const std::uint8_t type = frame[5];
  if (type < 1 || type > 13) throw InputError("message: unknown type " + std::to_string(type));
  Message m;
  m.type = static_cast<MessageType>(type);
  m.block = load_le(frame.data() + 6, 8);
  const std::uint64_t length = load_le(frame.data() + 14, 4);
  if (length > kMaxPayloadBytes) throw InputError("message: payload length above the limit");
  if (frame.size() != kMessageHeaderBytes + length) {
    throw InputError("message: payload length " + std::to_string(length) + " but " +
                     std::to_string(frame.size() - kMessageHeaderBytes) + " bytes follow");
  }
  m.payload.assign(frame.begin() + kMessageHeaderBytes, frame.end());
  return m;
}

PayloadWriter& PayloadWriter::u8(std::uint8_t v) {
  bytes_.push_back(v);
  return *this;
}
PayloadWriter& PayloadWriter::u32(std::uint32_t v) {
  append_le(bytes_, v, 4);
  return *this;
}
PayloadWriter& PayloadWriter::u64(std::uint64_t v) {
  append_le(bytes_, v, 8);
  return *this;
}
PayloadWriter& PayloadWriter::f64(double v) { return u64(std::bit_cast<std::uint64_t>(v)); }
PayloadWriter& PayloadWriter::bits(const kernels::BitVector& v) {
  u64(v.size());
  const std::size_t start = bytes_.size();
  bytes_.resize(start + (v.size() + 7) / 8);
  v.to_bytes(std::span<std::uint8_t>(bytes_.data() + start, bytes_.size() - start));
  return *this;
}

PayloadWriter& PayloadWriter::bytes(std::span<const std::uint8_t> v) {
  u64(v.size());
  bytes_.insert(bytes_.end(), v.begin(), v.end());
  return *this;
}

std::vector<std::uint8_t> PayloadReader::bytes(std::size_t max_bytes) {
  const std::uint64_t n = u64();
  if (n > max_bytes) {
    throw InputError(what_ + ": " + std::to_string(n) + " bytes where at most " +
                     std::to_string(max_bytes) + " fit");
  }
  const auto b = take(n);
  return {b.begin(), b.end()};
}

std::span<const std::uint8_t> PayloadReader::take(std::size_t n) {
  if (n > bytes_.size() - offset_) throw InputError(what_ + ": truncated payload");
  const auto out = bytes_.subspan(offset_, n);
  offset_ += n;
  return out;
}
std::uint8_t PayloadReader::u8() { return take(1)[0]; }
std::uint32_t PayloadReader::u32() {
  return static_cast<std::uint32_t>(load_le(take(4).data(), 4));
}
std::uint64_t PayloadReader::u64() { return load_le(take(8).data(), 8); }
double PayloadReader::f64() { return std::bit_cast<double>(u64()); }
kernels::BitVector PayloadReader::bits(std::size_t max_bits) {
  const std::uint64_t n = u64();
  if (n > max_bits) {
    throw InputError(what_ + ": " + std::to_string(n) + " bits where at most " +
                     std::to_string(max_bits) + " fit");
  }
  const auto bytes = take((n + 7) / 8);
  kernels::BitVector v = kernels::BitVector::from_bytes(bytes, n);
  return v;
}
void PayloadReader::finish() const {
  if (offset_ != bytes_.size()) throw InputError(what_ + ": trailing bytes in payload");
}

}  // namespace qkdpp::engine
