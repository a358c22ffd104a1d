#include "engine/codes/check_bound.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/core/entropy.hpp"

namespace qkdpp::engine {

namespace {

// Sum over the checks of h2(p_d), and the number of checks.
double syndrome_information(const std::map<std::size_t, std::size_t>& row_degrees, double qber,
                            double& checks) {
  double info = 0.0;
  checks = 0.0;
  for (const auto& [degree, count] : row_degrees) {
    checks += static_cast<double>(count);
    if (degree == 0) continue;
    const double odd = 0.5 * (1.0 - std::pow(1.0 - 2.0 * qber, static_cast<double>(degree)));
    info += static_cast<double>(count) * binary_entropy(odd);
  }
  return info;
}

}  // namespace

double check_degree_efficiency_bound(const std::map<std::size_t, std::size_t>& row_degrees,
                                     double qber) {
  if (!(qber > 0.0 && qber < 0.5))
    throw std::invalid_argument("check-degree bound: QBER must lie in (0, 0.5)");
  double checks = 0.0;
  const double info = syndrome_information(row_degrees, qber, checks);
  if (!(info > 0.0)) throw std::invalid_argument("check-degree bound: no check of positive degree");
  return checks / info;
}

double check_degree_threshold_bound(const std::map<std::size_t, std::size_t>& row_degrees,
                                    std::size_t cols) {
  const double n = static_cast<double>(cols);
  // Margin of the syndrome's information over the error's: positive where decoding may succeed.
  const auto margin = [&](double q) {
    double checks = 0.0;
    return syndrome_information(row_degrees, q, checks) - n * binary_entropy(q);
  };
  // The last grid point with a positive margin, then bisection between it and the next one.
  constexpr double kStep = 1e-4;
  double lo = 0.0;
  for (double q = kStep; q < 0.5; q += kStep) {
    if (margin(q) > 0.0) lo = q;
  }
  if (lo == 0.0) return 0.0;
  double hi = std::min(lo + kStep, 0.5 - 1e-12);
  while (hi - lo > 1e-7) {
    const double mid = 0.5 * (lo + hi);
    (margin(mid) > 0.0 ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace qkdpp::engine
