// Code family loading and frame layouts.
#include "engine/protocol/code_family.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "engine/codes/code_io.hpp"
#include "engine/codes/rate_adaptation.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"

namespace qkdpp::engine {

double FamilyCode::effective_rate(std::size_t punctured) const noexcept {
  const double n = static_cast<double>(cols()), m = static_cast<double>(rows());
  const double d = static_cast<double>(cols() - key_positions.size());
  return (n - m - (d - static_cast<double>(punctured))) / (n - d);
}

double FamilyCode::punctured_for_rate(double rate) const noexcept {
  const double n = static_cast<double>(cols()), m = static_cast<double>(rows());
  const double d = static_cast<double>(cols() - key_positions.size());
  return std::round(rate * (n - d) - n + m + d);
}

std::optional<std::size_t> FamilyCode::punctured_at_median(double qber,
                                                           Shortening s) const noexcept {
  const std::vector<AdaptedThreshold>& adapted = adapted_for(s);
  if (adapted.empty() || adapted.front().qber < qber) return std::nullopt;
  double fraction = adapted.front().punctured_fraction;
  for (std::size_t k = 1; k < adapted.size(); ++k) {
    const AdaptedThreshold &a = adapted[k - 1], &b = adapted[k];
    if (b.qber >= qber) {  // thresholds need not fall monotonically: take the last such point
      fraction = b.punctured_fraction;
    } else if (a.qber >= qber) {
      const double t = std::log(a.qber / qber) / std::log(a.qber / b.qber);
      fraction = std::max(fraction,
                          a.punctured_fraction + t * (b.punctured_fraction - a.punctured_fraction));
    }
  }
  const double candidates = static_cast<double>(puncture_candidates.size());
  return static_cast<std::size_t>(std::min(candidates, std::floor(fraction * candidates)));
}

std::size_t FamilyCode::reveal_left(const RevealState& state) const noexcept {
  return state.still_punctured + (key_positions.size() - state.key_revealed);
}

std::span<const std::uint32_t> FamilyCode::randomly_shortened(
    std::size_t punctured) const noexcept {
  const std::size_t d = cols() - key_positions.size();
  return std::span(random_shortening_order).first(d - punctured);
}

std::vector<std::uint32_t> FamilyCode::shortened(std::size_t punctured, Shortening s) const {
  if (s == Shortening::kRandom) {
    const std::span<const std::uint32_t> r = randomly_shortened(punctured);
    return {r.begin(), r.end()};
  }
  std::vector<std::uint32_t> out(
      puncture_candidates.begin() + static_cast<std::ptrdiff_t>(punctured),
      puncture_candidates.end());
  out.insert(out.end(), always_shortened.begin(), always_shortened.end());
  return out;
}

std::span<const std::uint32_t> FamilyCode::key_positions_for(
    std::size_t punctured, Shortening s, std::vector<std::uint32_t>& storage) const {
  if (s == Shortening::kRing) return key_positions;
  // A bitmap of the punctured and shortened columns; the key positions are its zero bits.
  const std::size_t n = cols();
  std::vector<std::uint64_t> taken((n + 63) / 64, 0);
  const auto take = [&](std::uint32_t col) { taken[col / 64] |= std::uint64_t{1} << (col % 64); };
  for (std::size_t j = 0; j < punctured; ++j) take(puncture_candidates[j]);
  for (const std::uint32_t col : randomly_shortened(punctured)) take(col);
  if (n % 64 != 0) taken.back() |= ~std::uint64_t{0} << (n % 64);  // past the frame
  // Every layout has the same number of key positions (key_positions.size()): written through a
  // pointer into storage sized for them, not appended one by one.
  storage.resize(key_positions.size());
  std::uint32_t* out = storage.data();
  std::uint32_t* const end = out + storage.size();
  for (std::size_t w = 0; w < taken.size(); ++w) {
    std::uint64_t free = ~taken[w];
    if (static_cast<std::size_t>(std::popcount(free)) > static_cast<std::size_t>(end - out)) {
      throw std::logic_error("key_positions_for: more free columns than key positions");
    }
    const auto base = static_cast<std::uint32_t>(w * 64);
    for (; free != 0; free &= free - 1)
      *out++ = base + static_cast<std::uint32_t>(std::countr_zero(free));
  }
  if (out != end)
    throw std::logic_error("key_positions_for: fewer free columns than key positions");
  return storage;
}

void FamilyCode::next_reveal(RevealState& state, std::size_t step,
                             std::span<const std::uint32_t> keys,
                             std::vector<std::uint32_t>& columns) const {
  columns.clear();
  if (state.still_punctured > 0) {
    const std::size_t k = std::min(step, state.still_punctured);
    state.still_punctured -= k;
    columns.assign(
        puncture_candidates.begin() + static_cast<std::ptrdiff_t>(state.still_punctured),
        puncture_candidates.begin() + static_cast<std::ptrdiff_t>(state.still_punctured + k));
    return;
  }
  const std::size_t k = std::min(step, key_positions.size() - state.key_revealed);
  for (std::size_t j = 0; j < k; ++j)
    columns.push_back(revealed_key_position(keys, state.key_revealed + j));
  state.key_revealed += k;
}

CodeFamily CodeFamily::load(
    const std::vector<std::filesystem::path>& files,
    const std::map<std::string, double>& thresholds, double modulated_fraction,
    const std::map<std::string, std::vector<AdaptedThreshold>>& adapted,
    const std::map<std::string, std::vector<AdaptedThreshold>>& adapted_random) {
  if (files.empty()) throw InputError("code family: no code files");
  if (!(modulated_fraction >= 0.0 && modulated_fraction < 0.5)) {
    throw InputError("code family: modulated fraction must lie in [0, 0.5)");
  }
  CodeFamily family;
  family.codes_.resize(files.size());
  // The layouts come from the quasi-cyclic form: no code is expanded (that took most of the
  // family's loading time, and 40 MB per 2^20-bit code while it lasted).
  tbb::parallel_for(std::size_t{0}, files.size(), [&](std::size_t i) {
    FamilyCode& c = family.codes_[i];
    c.name = files[i].stem().string();
    c.qc = load_quasi_cyclic(files[i]);
    const auto t = thresholds.find(c.name);
    c.threshold_qber = t != thresholds.end()
                           ? t->second
                           : inverse_binary_entropy(std::min(1.0, (1.0 - c.rate()) / 1.25));
    if (const auto a = adapted.find(c.name); a != adapted.end()) c.adapted = a->second;
    if (const auto a = adapted_random.find(c.name); a != adapted_random.end()) {
      c.adapted_random = a->second;
    }
    const auto d =
        static_cast<std::size_t>(std::floor(modulated_fraction * static_cast<double>(c.cols())));
    c.puncture_candidates = untainted_puncturing_order(c.qc, d);
    std::vector<bool> modulated(c.cols(), false);
    for (std::uint32_t col : c.puncture_candidates) modulated[col] = true;
    std::vector<std::uint32_t> rest;
    for (std::uint32_t col = 0; col < c.cols(); ++col) {
      if (!modulated[col]) rest.push_back(col);
    }
    // Always-shortened positions: a seeded draw, the same for every block.
    c.always_shortened =
        seeded_draw(std::move(rest), d - c.puncture_candidates.size(), 0x5107'7e4e'd000'0001ULL);
    for (std::uint32_t col : c.always_shortened) modulated[col] = true;
    for (std::uint32_t col = 0; col < c.cols(); ++col) {
      if (!modulated[col]) c.key_positions.push_back(col);
    }
    c.random_shortening_order = seeded_order(c.key_positions, d, 0x5107'7e4e'd000'0002ULL);
    // About n / golden ratio, the first value coprime with n: consecutive reveals land far apart.
    const std::size_t n = c.key_positions.size();
    c.reveal_stride = std::max<std::size_t>(1, static_cast<std::size_t>(0.618034 * n));
    while (std::gcd(c.reveal_stride, n) != 1) ++c.reveal_stride;
  });
  family.frame_bits_ = family.codes_.front().cols();
  family.modulated_bits_ = family.frame_bits_ - family.codes_.front().key_positions.size();
  for (const FamilyCode& c : family.codes_) {
    if (c.cols() != family.frame_bits_) {
      throw InputError("code family: " + c.name + " has " + std::to_string(c.cols()) +
                       " bits, the family " + std::to_string(family.frame_bits_));
    }
  }
  std::sort(family.codes_.begin(), family.codes_.end(),
            [](const FamilyCode& a, const FamilyCode& b) { return a.rate() < b.rate(); });
  return family;
}

CodeFamily CodeFamily::bundled(const std::filesystem::path& directory, unsigned log2_n,
                               const std::string& thresholds,
                               const std::optional<std::string>& adapted,
                               const std::optional<std::string>& adapted_random) {
  std::vector<std::filesystem::path> files;
  const std::string prefix = "qkdpp-n" + std::to_string(log2_n) + "-r";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".qc") {
      files.push_back(entry.path());
    }
  }
  if (ec) throw InputError(directory.string() + ": " + ec.message());
  if (files.empty()) {
    throw InputError(directory.string() + ": no bundled codes " + prefix + "*.qc");
  }
  std::sort(files.begin(), files.end());
  const auto table = [&](const std::string& file) {
    return file.empty() ? std::map<std::string, std::vector<AdaptedThreshold>>{}
                        : load_adapted_thresholds(directory, file);
  };
  return load(
      files, load_thresholds(directory, thresholds), kModulatedFraction,
      table(adapted.value_or(adapted_thresholds_file(thresholds))),
      table(adapted_random.value_or(adapted_thresholds_file(thresholds, Shortening::kRandom))));
}

std::size_t CodeFamily::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < codes_.size(); ++i) {
    if (codes_[i].name == name) return i;
  }
  throw InputError("code family: no code named '" + name + "'");
}

std::size_t CodeFamily::choose(double qber) const noexcept {
  std::size_t best = 0;
  for (std::size_t i = 0; i < codes_.size(); ++i) {
    if (codes_[i].threshold_qber >= qber) best = i;
  }
  return best;
}

FirstRound CodeFamily::first_round(double qber, double optimism,
                                   std::size_t reserve) const noexcept {
  // Punctured bits for code c at its target rate (unclipped; may fall outside [0, candidates]).
  const auto wanted = [&](const FamilyCode& c) {
    const double f_code = (1.0 - c.rate()) / binary_entropy(c.threshold_qber);
    return c.punctured_for_rate(1.0 - f_code * binary_entropy(qber) * (1.0 + optimism));
  };
  const auto lowest = [&](const FamilyCode& c) {
    return std::min(reserve, c.puncture_candidates.size());
  };
  // Calibrated: the rate-adapted codes' measured median thresholds.
  {
    FirstRound best;
    double best_rate = -1.0;
    for (std::size_t i = 0; i < codes_.size(); ++i) {
      const FamilyCode& c = codes_[i];
      for (const Shortening s : {Shortening::kRing, Shortening::kRandom}) {
        const std::optional<std::size_t> median = c.punctured_at_median(qber, s);
        if (!median) continue;
        // Leak (1 - R) scaled by 1 + optimism, clipped.
        const double median_rate = c.effective_rate(*median);
        const double p =
            std::clamp(c.punctured_for_rate(1.0 - (1.0 - median_rate) * (1.0 + optimism)), 0.0,
                       static_cast<double>(c.puncture_candidates.size()));
        if (p < static_cast<double>(lowest(c))) continue;
        if (median_rate > best_rate) {
          best_rate = median_rate;
          best = {i, static_cast<std::size_t>(p), s};
        }
      }
    }
    if (best_rate >= 0.0) return best;
  }
  FirstRound best;
  bool found = false;
  double best_p = 0.0;
  for (std::size_t i = 0; i < codes_.size(); ++i) {
    const double p = wanted(codes_[i]);
    if (p < static_cast<double>(lowest(codes_[i])) ||
        p > static_cast<double>(codes_[i].puncture_candidates.size()))
      continue;
    if (!found || p < best_p) {
      found = true;
      best_p = p;
      best = {i, static_cast<std::size_t>(p)};
    }
  }
  if (found) return best;
  const std::size_t i = choose(qber);
  const double p =
      std::clamp(wanted(codes_[i]), 0.0, static_cast<double>(codes_[i].puncture_candidates.size()));
  return {i, static_cast<std::size_t>(p)};
}

}  // namespace qkdpp::engine
