// CPU feature detection for kernel dispatch.
#include "kernels/dispatch/simd_level.hpp"

#include <algorithm>
#include <cstdlib>

namespace qkdpp::kernels {

SimdLevel cpu_simd_level() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool pclmul_popcnt = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("popcnt");
  if (pclmul_popcnt && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
      __builtin_cpu_supports("fma")) {
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 state (XCR0). GFNI
    // leaves out the first AVX-512 server cores (Skylake-SP, Cascade Lake), which lower their
    // clock under 512-bit code: they run the avx2 instances.
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("gfni") &&
        __builtin_cpu_supports("vpclmulqdq")) {
      return SimdLevel::kAvx512;
    }
    return SimdLevel::kAvx2;
  }
  if (pclmul_popcnt && __builtin_cpu_supports("sse4.1")) return SimdLevel::kSse41;
#endif
  return SimdLevel::kScalar;
}

SimdLevel active_simd_level() noexcept {
  static const SimdLevel level = [] {
    SimdLevel best = cpu_simd_level();
    if (const char* env = std::getenv("QKDPP_SIMD")) {
      if (auto requested = parse_simd_level(env)) best = std::min(best, *requested);
    }
    return best;
  }();
  return level;
}

std::string_view to_string(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::kAvx512:
      return "avx512";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kSse41:
      return "sse4.1";
    case SimdLevel::kScalar:
      break;
  }
  return "scalar";
}

std::optional<SimdLevel> parse_simd_level(std::string_view name) noexcept {
  if (name == "avx512") return SimdLevel::kAvx512;
  if (name == "avx2") return SimdLevel::kAvx2;
  if (name == "sse4.1" || name == "sse41") return SimdLevel::kSse41;
  if (name == "scalar") return SimdLevel::kScalar;
  return std::nullopt;
}

}  // namespace qkdpp::kernels
