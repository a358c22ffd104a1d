// Size planning and dispatch for the middle-product kernel.
#include "kernels/toeplitz/detail/middle_product.hpp"

namespace qkdpp::kernels::detail {

std::size_t middle_product_work_words(std::size_t kw) noexcept {
  std::size_t total = 0;
  while (kw > kMpBaseWords && kw % 2 == 0) {
    total += 3 * kw;  // s_ab, s_bc (kw each), x01 and beta (kw / 2 each)
    kw /= 2;
  }
  return total;
}

std::size_t choose_middle_product_words(std::size_t min_words) noexcept {
  std::size_t r = 0;
  while (((min_words + (std::size_t{1} << r) - 1) >> r) > kMpBaseWords) ++r;
  const std::size_t b = (min_words + (std::size_t{1} << r) - 1) >> r;
  return (b == 0 ? 1 : b) << r;
}

MiddleProductFn middle_product_for(SimdLevel level) noexcept {
  return select_by_level<MiddleProductFn>(level, &scalar::middle_product, &sse41::middle_product,
                                          &avx2::middle_product);
}

}  // namespace qkdpp::kernels::detail
