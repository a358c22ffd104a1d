// QBER along a simulated key: constant, with jumps, or with linear drifts.
//
// Spec grammar (also the content of a profile file, tokens separated by commas, spaces or
// newlines, '#' starts a comment):  FIRST [, POINT]...
//   FIRST  = Q            QBER Q from the start of the key
//   POINT  = Q@F          step to QBER Q at fraction F of the key (0 < F < 1)
//          | ~Q@F         linear drift from the previous value, reaching Q at fraction F (0 < F <=
//          1)
// Fractions strictly increase; every Q lies in [0, 0.5).  Example: "0.02,0.09@0.5" jumps from 2 %
// to 9 % half-way; "0.01,~0.08@1" drifts from 1 % to 8 % over the whole key.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qkdpp::engine {

class QberProfile {
 public:
  struct Point {
    double fraction;  // where this point takes effect, in [0, 1]
    double qber;
    bool ramp;  // true: reached linearly from the previous point; false: a step
  };

  static QberProfile constant(double qber);
  // Throws InputError naming the offending token.
  static QberProfile parse(std::string_view spec);
  static QberProfile load(const std::filesystem::path& file);

  // QBER at fraction f of the key (f in [0, 1]).
  double qber_at(double fraction) const noexcept;
  // Average QBER over the whole key (exact for this piecewise-linear profile).
  double mean() const noexcept;
  // The fractions where the profile changes between steps/ramps (excluding 0), in order.
  std::vector<double> breakpoints() const;
  // True when the profile has a ramp starting before `fraction` and ending after it.
  bool ramping_at(double fraction) const noexcept;
  // Canonical spec string that parse() maps back to this profile.
  std::string to_spec() const;
  const std::vector<Point>& points() const noexcept { return points_; }

 private:
  std::vector<Point> points_;
};

}  // namespace qkdpp::engine
