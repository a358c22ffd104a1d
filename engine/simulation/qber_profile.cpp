// Parsing and evaluation of piecewise-linear QBER profiles.
#include "engine/simulation/qber_profile.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"

namespace qkdpp::engine {

namespace {

double parse_number(std::string_view text, std::string_view token, const char* what) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    throw InputError("QBER profile: token '" + std::string(token) + "': " + what + " '" +
                     std::string(text) + "' is not a number");
  }
  return value;
}

}  // namespace

QberProfile QberProfile::constant(double qber) {
  if (!(qber >= 0.0 && qber < 0.5)) {
    throw InputError("QBER " + std::to_string(qber) + " must lie in [0, 0.5)");
  }
  QberProfile profile;
  profile.points_.push_back({0.0, qber, false});
  return profile;
}

QberProfile QberProfile::parse(std::string_view spec) {
  QberProfile profile;
  std::string cleaned;
  // Strip comments, turn separators into spaces.
  bool comment = false;
  for (char c : spec) {
    if (c == '#') comment = true;
    if (c == '\n') comment = false;
    if (comment) continue;
    cleaned += (c == ',' || c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
  }
  std::istringstream in(cleaned);
  std::string token;
  while (in >> token) {
    std::string_view t = token;
    Point p{0.0, 0.0, false};
    if (!t.empty() && t.front() == '~') {
      p.ramp = true;
      t.remove_prefix(1);
    }
    const auto at = t.find('@');
    p.qber = parse_number(t.substr(0, at), token, "QBER");
    if (at != std::string_view::npos)
      p.fraction = parse_number(t.substr(at + 1), token, "position");
    if (!(p.qber >= 0.0 && p.qber < 0.5)) {
      throw InputError("QBER profile: token '" + token + "': QBER must lie in [0, 0.5)");
    }
    if (profile.points_.empty()) {
      if (p.ramp || p.fraction != 0.0) {
        throw InputError("QBER profile: the first token '" + token +
                         "' must be a plain QBER (the value at the start of the key)");
      }
    } else {
      if (at == std::string_view::npos) {
        throw InputError("QBER profile: token '" + token + "' needs a position, e.g. " + token +
                         "@0.5");
      }
      const double prev = profile.points_.back().fraction;
      const bool in_range =
          p.ramp ? (p.fraction > 0.0 && p.fraction <= 1.0) : (p.fraction > 0.0 && p.fraction < 1.0);
      if (!in_range) {
        throw InputError("QBER profile: token '" + token + "': position must lie in " +
                         (p.ramp ? "(0, 1]" : "(0, 1)"));
      }
      if (!(p.fraction > prev)) {
        throw InputError("QBER profile: token '" + token + "': positions must increase");
      }
    }
    profile.points_.push_back(p);
  }
  if (profile.points_.empty()) throw InputError("QBER profile is empty");
  return profile;
}

QberProfile QberProfile::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string() + ": cannot open QBER profile");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse(ss.str());
  } catch (const InputError& e) {
    throw InputError(file.string() + ": " + e.what());
  }
}

double QberProfile::qber_at(double fraction) const noexcept {
  // Last point at or before `fraction`, then interpolate towards a following ramp point.
  std::size_t k = 0;
  while (k + 1 < points_.size() && points_[k + 1].fraction <= fraction) ++k;
  if (k + 1 < points_.size() && points_[k + 1].ramp) {
    const Point& a = points_[k];
    const Point& b = points_[k + 1];
    const double t = (fraction - a.fraction) / (b.fraction - a.fraction);
    return a.qber + t * (b.qber - a.qber);
  }
  return points_[k].qber;
}

double QberProfile::mean() const noexcept {
  double total = 0;
  for (std::size_t k = 0; k < points_.size(); ++k) {
    const double a = points_[k].fraction;
    const double b = k + 1 < points_.size() ? points_[k + 1].fraction : 1.0;
    const double end_value =
        (k + 1 < points_.size() && points_[k + 1].ramp) ? points_[k + 1].qber : points_[k].qber;
    total += (b - a) * 0.5 * (points_[k].qber + end_value);
  }
  return total;
}

std::vector<double> QberProfile::breakpoints() const {
  std::vector<double> out;
  for (std::size_t k = 1; k < points_.size(); ++k) out.push_back(points_[k].fraction);
  return out;
}

bool QberProfile::ramping_at(double fraction) const noexcept {
  for (std::size_t k = 1; k < points_.size(); ++k) {
    if (points_[k].ramp && points_[k - 1].fraction <= fraction && fraction < points_[k].fraction)
      return true;
  }
  return false;
}

std::string QberProfile::to_spec() const {
  // std::to_chars gives the shortest text that parses back to the same double.
  const auto number = [](double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  };
  std::string out;
  for (std::size_t k = 0; k < points_.size(); ++k) {
    if (k > 0) out += points_[k].ramp ? ",~" : ",";
    out += number(points_[k].qber);
    if (k > 0) out.append("@").append(number(points_[k].fraction));
  }
  return out;
}

}  // namespace qkdpp::engine
