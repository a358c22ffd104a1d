// Live raw-key chunks: framing, checks, per-party buffers.
#include "engine/io/raw_key_stream.hpp"

#include <poll.h>
#include <sodium.h>

#include <array>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/core/little_endian.hpp"

namespace qkdpp::engine::io {

namespace {

constexpr std::size_t kHeaderBytes = 20;
constexpr std::size_t kHashBytes = 16;

const char* party_name(int p) { return p == 0 ? "alice" : "bob"; }

}  // namespace

std::vector<std::uint8_t> encode_raw_key_chunk(Party party, std::uint64_t sequence,
                                               const kernels::BitVector& bits, bool last) {
  if (bits.size() > kMaxChunkBits) throw InputError("raw-key chunk above 2^26 bits");
  std::vector<std::uint8_t> out{'Q', 'K', 'R', 'K', 1};
  out.push_back(party == Party::kAlice ? 1 : 2);
  out.push_back(last ? 1 : 0);
  out.push_back(0);
  append_le(out, sequence, 8);
  append_le(out, bits.size(), 4);
  const std::size_t start = out.size();
  out.resize(start + (bits.size() + 7) / 8);
  bits.to_bytes(std::span(out.data() + start, out.size() - start));
  std::array<std::uint8_t, kHashBytes> h;
  crypto_generichash(h.data(), h.size(), out.data(), out.size(), nullptr, 0);
  out.insert(out.end(), h.begin(), h.end());
  return out;
}

RawKeyStream::RawKeyStream(net::Socket socket, bool alice, bool bob,
                           std::chrono::milliseconds timeout, std::string name,
                           std::size_t max_ahead_blocks)
    : socket_(std::move(socket)),
      want_{alice, bob},
      timeout_(timeout),
      name_(std::move(name)),
      max_ahead_(max_ahead_blocks) {
  if (sodium_init() < 0) throw IoError("libsodium failed to initialise");
}

bool RawKeyStream::read_chunk(std::size_t n) {
  // Wait in slices so that request_stop() is noticed, and give up after the timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    if (stop_) return false;
    pollfd p{socket_.fd(), POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw LinkError(name_ + ": no raw key from the controller for " +
                      std::to_string(timeout_.count() / 1000) + " s");
    }
  }
  std::array<std::uint8_t, kHeaderBytes> h;
  if (!socket_.read_exact(h.data(), h.size(), timeout_)) return false;
  if (std::memcmp(h.data(), "QKRK", 4) != 0)
    throw InputError(name_ + ": not a raw-key chunk (bad magic)");
  if (h[4] != 1)
    throw InputError(name_ + ": unsupported raw-key chunk version " + std::to_string(h[4]));
  if (h[5] != 1 && h[5] != 2)
    throw InputError(name_ + ": chunk for unknown party " + std::to_string(h[5]));
  const int party = h[5] - 1;
  const std::uint64_t sequence = load_le(h.data() + 8, 8);
  const std::uint64_t bits = load_le(h.data() + 16, 4);
  if (bits > kMaxChunkBits) {
    throw InputError(name_ + ": chunk of " + std::to_string(bits) + " bits (at most 2^26)");
  }
  std::vector<std::uint8_t> frame(h.begin(), h.end());
  frame.resize(kHeaderBytes + (bits + 7) / 8 + kHashBytes);
  try {
    if (!socket_.read_exact(frame.data() + kHeaderBytes, frame.size() - kHeaderBytes, timeout_)) {
      throw LinkError("end of stream");
    }
  } catch (const LinkError& e) {
    throw InputError(name_ + ": stream ends inside a chunk (" + e.what() + ")");
  }
  std::array<std::uint8_t, kHashBytes> want;
  const std::size_t body = frame.size() - kHashBytes;
  crypto_generichash(want.data(), want.size(), frame.data(), body, nullptr, 0);
  if (std::memcmp(want.data(), frame.data() + body, kHashBytes) != 0) {
    throw InputError(name_ + ": checksum mismatch in " + party_name(party) + " chunk " +
                     std::to_string(sequence));
  }
  if (!want_[party]) {
    throw InputError(name_ + ": a chunk of " + party_name(party) +
                     "'s key, which this run does not use");
  }
  Buffer& b = buf_[party];
  if (b.ended) throw InputError(name_ + ": " + party_name(party) + " chunk after its last one");
  if (sequence != b.next_sequence) {
    throw InputError(name_ + ": " + party_name(party) + " chunk " + std::to_string(sequence) +
                     " where " + std::to_string(b.next_sequence) +
                     " was due (lost or repeated chunk)");
  }
  ++b.next_sequence;
  b.ended = (h[6] & 1) != 0;
  b.bits.append(
      kernels::BitVector::from_bytes(std::span(frame.data() + kHeaderBytes, (bits + 7) / 8), bits));
  if (want_[0] && want_[1] && b.available() > (max_ahead_ + 1) * n + kMaxChunkBits) {
    throw InputError(name_ + ": " + party_name(party) + "'s key runs more than " +
                     std::to_string(max_ahead_) +
                     " blocks ahead of the other party's: interleave the two");
  }
  return true;
}

bool RawKeyStream::skip_to(std::uint64_t index, std::size_t n) {
  kernels::BitVector a, b;
  while (position_ < index) {
    if (!read(position_, n, want_[0] ? &a : nullptr, want_[1] ? &b : nullptr)) return false;
  }
  return true;
}

bool RawKeyStream::read(std::uint64_t, std::size_t n, kernels::BitVector* alice,
                        kernels::BitVector* bob) {
  kernels::BitVector* out[2] = {alice, bob};
  for (int p = 0; p < 2; ++p) {
    if (!out[p]) continue;
    if (!want_[p]) throw std::logic_error("RawKeyStream: party not requested at construction");
    while (buf_[p].available() < n) {
      if (buf_[p].ended || !read_chunk(n)) return false;
    }
  }
  for (int p = 0; p < 2; ++p) {
    if (!out[p]) continue;
    Buffer& b = buf_[p];
    *out[p] = b.bits.slice(b.offset, n);
    b.offset += n;
    if (b.offset >= b.bits.size() / 2) {  // drop the consumed front
      b.bits = b.bits.slice(b.offset, b.available());
      b.offset = 0;
    }
  }
  ++position_;
  return true;
}

std::uint64_t RawKeyStream::unused_tail_bits(std::size_t) const {
  std::uint64_t tail = 0;
  for (int p = 0; p < 2; ++p) {
    if (want_[p]) tail = std::max<std::uint64_t>(tail, buf_[p].available());
  }
  return tail;
}

}  // namespace qkdpp::engine::io
