// Toeplitz hashing wrapper: argument validation in the engine's error vocabulary.
#include "engine/privacy/toeplitz_hashing.hpp"

#include <string>

#include "engine/core/error.hpp"

namespace qkdpp::engine {

kernels::BitVector toeplitz_hash(const kernels::BitVector& seed, const kernels::BitVector& input,
                                 std::size_t out_bits, kernels::ToeplitzKernel kernel) {
  const std::size_t n = input.size();
  if (n == 0) throw InputError("Toeplitz hashing: the input is empty");
  if (n > kernels::kToeplitzMaxInputBits) {
    throw InputError("Toeplitz hashing: input of " + std::to_string(n) +
                     " bits exceeds the supported 2^28 bits");
  }
  if (out_bits == 0 || out_bits > n) {
    throw InputError("Toeplitz hashing: output length " + std::to_string(out_bits) +
                     " must lie in [1, " + std::to_string(n) + "] (the input length)");
  }
  if (seed.size() < n + out_bits - 1) {
    throw InputError("Toeplitz hashing: the seed holds " + std::to_string(seed.size()) +
                     " bits but n + m - 1 = " + std::to_string(n + out_bits - 1) + " are needed");
  }
  kernels::BitVector out(out_bits);
  kernels::toeplitz_hash(seed.words(), input.words(), n, out_bits, out.words(), kernel);
  return out;
}

}  // namespace qkdpp::engine
