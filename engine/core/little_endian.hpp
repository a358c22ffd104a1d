// Little-endian integers in byte buffers: the wire and file formats (protocol frames, the link's
// trailer, raw-key chunks, the key journal) all store integers this way.
#pragma once

#include <cstdint>
#include <vector>

namespace qkdpp::engine {

// Appends the low `bytes` bytes of v, least significant first.
inline void append_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Reads `bytes` bytes at p, least significant first.
inline std::uint64_t load_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace qkdpp::engine
