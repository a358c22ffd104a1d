// Binary entropy function and its inverse on [0, 1/2].
#include "engine/core/entropy.hpp"

#include <cmath>

namespace qkdpp {

double binary_entropy(double p) noexcept {
  if (p <= 0.0 || p >= 1.0) return 0.0;
  return -p * std::log2(p) - (1.0 - p) * std::log2(1.0 - p);
}

double inverse_binary_entropy(double h) noexcept {
  if (h <= 0.0) return 0.0;
  if (h >= 1.0) return 0.5;
  double lo = 0.0, hi = 0.5;
  for (int i = 0; i < 100; ++i) {  // h2 is increasing on [0, 1/2]
    const double mid = 0.5 * (lo + hi);
    (binary_entropy(mid) < h ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace qkdpp
