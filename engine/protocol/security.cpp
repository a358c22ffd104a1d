// Finite-key length bounds (formulas and sources in docs/security.md).
#include "engine/protocol/security.hpp"

#include <cmath>

#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"

namespace qkdpp::engine {

SecurityModel parse_security_model(const std::string& name) {
  if (name == "bb84-finite") return SecurityModel::kBb84Finite;
  if (name == "decoy-bb84") return SecurityModel::kDecoyBb84;
  if (name == "fixed-phase-error") return SecurityModel::kFixedPhaseError;
  throw InputError("security model '" + name +
                   "' is unknown (bb84-finite, decoy-bb84 or fixed-phase-error)");
}

std::string to_string(SecurityModel model) {
  switch (model) {
    case SecurityModel::kBb84Finite:
      return "bb84-finite";
    case SecurityModel::kDecoyBb84:
      return "decoy-bb84";
    case SecurityModel::kFixedPhaseError:
      return "fixed-phase-error";
  }
  return "unknown";
}

void SecurityParameters::validate() const {
  const auto in = [](double x, double lo, double hi) { return x >= lo && x <= hi; };
  if (!(epsilon_sec > 0.0 && epsilon_sec < 1.0)) {
    throw InputError("epsilon_sec must lie in (0, 1)");
  }
  if (model == SecurityModel::kFixedPhaseError && !in(phase_error, 0.0, 0.5)) {
    throw InputError("fixed-phase-error: the phase-error bound must be given and lie in [0, 0.5]");
  }
  if (model == SecurityModel::kDecoyBb84) {
    if (!in(vacuum_fraction, 0.0, 1.0) || !in(single_photon_fraction, 0.0, 1.0) ||
        vacuum_fraction + single_photon_fraction > 1.0 + 1e-12) {
      throw InputError(
          "decoy-bb84: the vacuum and single-photon fractions must be given, lie in [0, 1] and sum "
          "to at most 1");
    }
    if (!in(single_photon_phase_error, 0.0, 0.5)) {
      throw InputError(
          "decoy-bb84: the single-photon phase-error bound must be given and lie in [0, 0.5]");
    }
  }
}

namespace {
double h2_capped(double p) { return p >= 0.5 ? 1.0 : binary_entropy(std::max(p, 0.0)); }
}  // namespace

KeyLength final_key_length(const SecurityParameters& p, std::size_t n, double qber,
                           double disclosed_bits, double epsilon_cor) {
  p.validate();
  if (!(epsilon_cor > 0.0 && epsilon_cor < 1.0)) throw InputError("epsilon_cor must lie in (0, 1)");
  KeyLength out;
  out.epsilon_cor = epsilon_cor;
  out.epsilon_sec = p.epsilon_sec;
  const double nd = static_cast<double>(n);
  const double eps = p.epsilon_sec;
  switch (p.model) {
    case SecurityModel::kBb84Finite: {
      const double k = static_cast<double>(p.sample_bits == 0 ? n : p.sample_bits);
      out.statistical =
          n == 0 ? 0.0 : std::sqrt((nd + k) / (nd * k) * (k + 1.0) / k * std::log(2.0 / eps));
      out.phase_error = qber + out.statistical;
      out.bound = nd * (1.0 - h2_capped(out.phase_error)) - disclosed_bits -
                  std::log2(2.0 / (eps * eps * epsilon_cor));
      break;
    }
    case SecurityModel::kDecoyBb84: {
      out.phase_error = p.single_photon_phase_error;
      const double s0 = p.vacuum_fraction * nd, s1 = p.single_photon_fraction * nd;
      out.bound = s0 + s1 * (1.0 - h2_capped(out.phase_error)) - disclosed_bits -
                  6.0 * std::log2(21.0 / eps) - std::log2(2.0 / epsilon_cor);
      break;
    }
    case SecurityModel::kFixedPhaseError: {
      out.phase_error = p.phase_error;
      out.bound = nd * (1.0 - h2_capped(out.phase_error)) - disclosed_bits -
                  std::log2(2.0 / (eps * eps * epsilon_cor));
      break;
    }
  }
  out.bits = out.bound > 0.0 ? static_cast<std::size_t>(std::floor(out.bound)) : 0;
  if (out.bits > n) out.bits = n;
  return out;
}

}  // namespace qkdpp::engine
