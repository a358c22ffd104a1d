// Carry-less (GF(2)[x]) multiplication of 64-bit words: a portable reference and the PCLMULQDQ
// form used by dispatched translation units (see kernels/gf2/clmul_arch.hpp).
#pragma once

#include <cstdint>

namespace qkdpp::kernels {

struct Clmul128 {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend constexpr bool operator==(const Clmul128&, const Clmul128&) = default;
};

// a(x) * b(x) over GF(2): the 127-bit product as two words. 4-bit windows: 16 table entries,
// 16 shift-and-xor steps.
constexpr Clmul128 clmul64_portable(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t tlo[16] = {}, thi[16] = {};
  for (unsigned t = 1; t < 16; ++t) {
    for (unsigned bit = 0; bit < 4; ++bit) {
      if ((t >> bit) & 1u) {
        tlo[t] ^= a << bit;
        thi[t] ^= bit == 0 ? 0 : a >> (64 - bit);
      }
    }
  }
  std::uint64_t lo = 0, hi = 0;
  for (int shift = 60; shift >= 0; shift -= 4) {
    hi = (hi << 4) | (lo >> 60);
    lo <<= 4;
    const unsigned w = static_cast<unsigned>(b >> shift) & 15u;
    lo ^= tlo[w];
    hi ^= thi[w];
  }
  return {lo, hi};
}

// Reduction-free bit-serial definition, for tests of the faster forms.
constexpr Clmul128 clmul64_bitwise(std::uint64_t a, std::uint64_t b) noexcept {
  Clmul128 r;
  for (unsigned i = 0; i < 64; ++i) {
    if ((b >> i) & 1u) {
      r.lo ^= a << i;
      if (i != 0) r.hi ^= a >> (64 - i);
    }
  }
  return r;
}

}  // namespace qkdpp::kernels
