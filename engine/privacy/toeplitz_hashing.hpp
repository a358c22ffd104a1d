// Privacy amplification by Toeplitz hashing (SPEC section 2): the engine-facing wrapper over the
// kernels, with checks that report bad sizes as InputError.
#pragma once

#include <cstddef>

#include "kernels/bits/bit_vector.hpp"
#include "kernels/toeplitz/toeplitz.hpp"

namespace qkdpp::engine {

// Compresses `input` (n bits) to `out_bits` bits with the Toeplitz matrix of `seed`, which must
// hold at least n + out_bits - 1 bits (extra seed bits are ignored). Requires 1 <= out_bits <= n.
kernels::BitVector toeplitz_hash(const kernels::BitVector& seed, const kernels::BitVector& input,
                                 std::size_t out_bits,
                                 kernels::ToeplitzKernel kernel = kernels::ToeplitzKernel::kAuto);

}  // namespace qkdpp::engine
