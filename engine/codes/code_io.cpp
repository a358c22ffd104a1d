// Parity-check matrix file formats: strict line-oriented parsers with file:line errors.
#include "engine/codes/code_io.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/io/packed_file.hpp"

namespace qkdpp::engine {

namespace {

// Splits text into non-blank lines of whitespace-separated tokens, remembering line numbers.
class LineReader {
 public:
  LineReader(std::string_view text, std::string name, char separator = ' ')
      : text_(text), name_(std::move(name)), separator_(separator) {}

  // The next non-blank line's tokens; false at the end of the text.
  bool next(std::vector<std::string_view>& tokens) {
    tokens.clear();
    while (pos_ < text_.size()) {
      const std::size_t end = std::min(text_.find('\n', pos_), text_.size());
      const std::string_view line = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_;
      split(line, tokens);
      if (!tokens.empty()) return true;
    }
    return false;
  }

  // Like next() but a missing line is an error naming what was expected.
  void expect(std::vector<std::string_view>& tokens, const std::string& what) {
    if (!next(tokens)) fail_at_end("the file ends before " + what);
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw InputError(name_ + ":" + std::to_string(line_) + ": " + message);
  }
  [[noreturn]] void fail_at_end(const std::string& message) const {
    throw InputError(name_ + ":" + std::to_string(line_ + 1) + ": " + message +
                     " (truncated file?)");
  }

  std::uint64_t number(std::string_view token, const std::string& what) const {
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec != std::errc() || ptr != token.data() + token.size()) {
      fail(what + ": '" + std::string(token) + "' is not a non-negative integer");
    }
    return value;
  }

  std::int64_t signed_number(std::string_view token, const std::string& what) const {
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec != std::errc() || ptr != token.data() + token.size()) {
      fail(what + ": '" + std::string(token) + "' is not an integer");
    }
    return value;
  }

  void expect_count(const std::vector<std::string_view>& tokens, std::size_t n,
                    const std::string& what) const {
    if (tokens.size() != n) {
      fail(what + ": expected " + std::to_string(n) + " values, found " +
           std::to_string(tokens.size()));
    }
  }

  std::size_t line() const noexcept { return line_; }
  std::size_t remaining_nonblank_lines() const {
    std::size_t count = 0;
    std::size_t pos = pos_;
    std::vector<std::string_view> tokens;
    while (pos < text_.size()) {
      const std::size_t end = std::min(text_.find('\n', pos), text_.size());
      split(text_.substr(pos, end - pos), tokens);
      count += !tokens.empty();
      pos = end + 1;
    }
    return count;
  }

 private:
  void split(std::string_view line, std::vector<std::string_view>& tokens) const {
    tokens.clear();
    std::size_t i = 0;
    const auto is_sep = [&](char c) {
      return c == ' ' || c == '\t' || c == '\r' || c == separator_;
    };
    while (i < line.size()) {
      while (i < line.size() && is_sep(line[i])) ++i;
      std::size_t j = i;
      while (j < line.size() && !is_sep(line[j])) ++j;
      if (j > i) tokens.push_back(line.substr(i, j - i));
      i = j;
    }
  }

  std::string_view text_;
  std::string name_;
  char separator_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;
};

void check_size(LineReader& in, std::uint64_t rows, std::uint64_t cols) {
  if (rows == 0 || cols == 0) in.fail("the matrix must have at least one row and one column");
  if (rows > kMaxCodeColumns || cols > kMaxCodeColumns) {
    in.fail(std::to_string(rows) + " x " + std::to_string(cols) +
            " exceeds the supported size (2^26)");
  }
}

}  // namespace

// ---- alist -------------------------------------------------------------------------------

ParityCheckMatrix parse_alist(std::string_view text, const std::string& name) {
  LineReader in(text, name);
  std::vector<std::string_view> t;
  in.expect(t, "the header 'N M'");
  in.expect_count(t, 2, "header 'N M'");
  const std::uint64_t n = in.number(t[0], "N"), m = in.number(t[1], "M");
  check_size(in, m, n);
  if (const std::size_t lines = in.remaining_nonblank_lines(); lines < n + m + 3) {
    in.fail("the header declares " + std::to_string(n) + " columns and " + std::to_string(m) +
            " rows, needing " + std::to_string(n + m + 3) + " more lines, but the file has " +
            std::to_string(lines) + " (truncated file?)");
  }
  in.expect(t, "the maximum weights");
  in.expect_count(t, 2, "maximum column and row weights");
  const std::uint64_t max_cw = in.number(t[0], "maximum column weight"),
                      max_rw = in.number(t[1], "maximum row weight");
  if (max_cw > m || max_rw > n) in.fail("maximum weights exceed the matrix dimensions");

  const auto read_weights = [&](std::uint64_t count, std::uint64_t max_w, const char* what) {
    in.expect(t, std::string(what) + " weights");
    in.expect_count(t, count, std::string(what) + " weights");
    std::vector<std::uint32_t> w(count);
    std::uint64_t largest = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t v =
          in.number(t[i], std::string(what) + " weight " + std::to_string(i + 1));
      if (v > max_w)
        in.fail(std::string(what) + " weight " + std::to_string(v) +
                " exceeds the declared maximum " + std::to_string(max_w));
      largest = std::max(largest, v);
      w[i] = static_cast<std::uint32_t>(v);
    }
    if (largest != max_w) {
      in.fail(std::string("the largest ") + what + " weight is " + std::to_string(largest) +
              " but the header says " + std::to_string(max_w));
    }
    return w;
  };
  const std::vector<std::uint32_t> col_w = read_weights(n, max_cw, "column");
  const std::vector<std::uint32_t> row_w = read_weights(m, max_rw, "row");
  const std::uint64_t col_sum = std::accumulate(col_w.begin(), col_w.end(), std::uint64_t{0});
  const std::uint64_t row_sum = std::accumulate(row_w.begin(), row_w.end(), std::uint64_t{0});
  if (col_sum != row_sum) {
    in.fail("column weights sum to " + std::to_string(col_sum) + " but row weights to " +
            std::to_string(row_sum));
  }
  if (col_sum > kMaxCodeEdges) in.fail("more than 2^29 nonzero entries");

  // One adjacency line: `weight` indices in [1, limit], then optional zero padding up to max_w.
  const auto read_list = [&](std::uint64_t weight, std::uint64_t max_w, std::uint64_t limit,
                             const std::string& what, std::vector<std::uint32_t>& out) {
    in.expect(t, "the list of " + what);
    if (t.size() != weight && t.size() != max_w) {
      in.fail(
          what + ": " + std::to_string(t.size()) + " entries, expected " + std::to_string(weight) +
          (weight != max_w ? " (or " + std::to_string(max_w) + " zero-padded)" : std::string()));
    }
    out.clear();
    for (std::size_t k = 0; k < t.size(); ++k) {
      const std::uint64_t v = in.number(t[k], what);
      if (k >= weight) {
        if (v != 0)
          in.fail(what + ": padding entry " + std::to_string(v) + " should be 0 (weight is " +
                  std::to_string(weight) + ")");
        continue;
      }
      if (v < 1 || v > limit)
        in.fail(what + ": index " + std::to_string(v) + " outside [1, " + std::to_string(limit) +
                "]");
      if (std::find(out.begin(), out.end(), v - 1) != out.end())
        in.fail(what + ": duplicate index " + std::to_string(v));
      out.push_back(static_cast<std::uint32_t>(v - 1));
    }
  };
  std::vector<ParityCheckMatrix::Edge> edges;
  edges.reserve(col_sum);
  std::vector<std::uint32_t> list;
  for (std::size_t c = 0; c < n; ++c) {
    read_list(col_w[c], max_cw, m, "column " + std::to_string(c + 1), list);
    for (std::uint32_t r : list) edges.emplace_back(r, static_cast<std::uint32_t>(c));
  }
  ParityCheckMatrix h = ParityCheckMatrix::from_edges(m, n, std::move(edges), name);
  for (std::size_t r = 0; r < m; ++r) {
    read_list(row_w[r], max_rw, n, "row " + std::to_string(r + 1), list);
    std::sort(list.begin(), list.end());
    const auto expected = h.row(r);
    if (!std::equal(list.begin(), list.end(), expected.begin(), expected.end())) {
      in.fail("row " + std::to_string(r + 1) +
              " does not match the column lists (the two halves of the file disagree)");
    }
  }
  if (in.next(t)) in.fail("unexpected content after the last row list");
  return h;
}

std::string format_alist(const ParityCheckMatrix& h, bool padded) {
  std::ostringstream out;
  const std::size_t max_cw = h.max_col_degree(), max_rw = h.max_row_degree();
  out << h.cols() << ' ' << h.rows() << '\n' << max_cw << ' ' << max_rw << '\n';
  for (std::size_t c = 0; c < h.cols(); ++c) out << (c ? " " : "") << h.col_degree(c);
  out << '\n';
  for (std::size_t r = 0; r < h.rows(); ++r) out << (r ? " " : "") << h.row_degree(r);
  out << '\n';
  const auto list = [&](std::span<const std::uint32_t> idx, std::size_t max_w) {
    for (std::size_t k = 0; k < idx.size(); ++k) out << (k ? " " : "") << idx[k] + 1;
    if (padded) {
      for (std::size_t k = idx.size(); k < max_w; ++k) out << (k ? " " : "") << 0;
    }
    out << '\n';
  };
  for (std::size_t c = 0; c < h.cols(); ++c) list(h.col(c), max_cw);
  for (std::size_t r = 0; r < h.rows(); ++r) list(h.row(r), max_rw);
  return out.str();
}

// ---- qkdpp quasi-cyclic text format --------------------------------------------------------

QuasiCyclicCode parse_qc(std::string_view text, const std::string& name) {
  // Strip comments first: everything from '#' to the end of a line.
  std::string cleaned;
  cleaned.reserve(text.size());
  bool comment = false;
  for (char c : text) {
    if (c == '#') comment = true;
    if (c == '\n') comment = false;
    cleaned += comment ? ' ' : c;
  }
  LineReader in(cleaned, name);
  std::vector<std::string_view> t;
  in.expect(t, "the magic line 'qkdpp-qc 1'");
  if (t.size() != 2 || t[0] != "qkdpp-qc") in.fail("expected the magic line 'qkdpp-qc 1'");
  if (in.number(t[1], "format version") != 1)
    in.fail("unsupported qkdpp-qc version " + std::string(t[1]));
  in.expect(t, "'base_rows base_cols Z'");
  in.expect_count(t, 3, "'base_rows base_cols Z'");
  QuasiCyclicCode code;
  code.base_rows = in.number(t[0], "base_rows");
  code.base_cols = in.number(t[1], "base_cols");
  code.z = in.number(t[2], "Z");
  if (code.z == 0 || code.base_rows == 0 || code.base_cols == 0) in.fail("sizes must be positive");
  if (code.base_rows > kMaxCodeColumns / code.z || code.base_cols > kMaxCodeColumns / code.z) {
    in.fail("the lifted matrix exceeds the supported size (2^26)");
  }
  if (const std::size_t lines = in.remaining_nonblank_lines(); lines < code.base_rows) {
    in.fail("declares " + std::to_string(code.base_rows) + " base rows but only " +
            std::to_string(lines) + " lines follow (truncated file?)");
  }
  code.shifts.reserve(code.base_rows * code.base_cols);
  for (std::size_t r = 0; r < code.base_rows; ++r) {
    in.expect(t, "base row " + std::to_string(r));
    in.expect_count(t, code.base_cols, "base row " + std::to_string(r));
    for (std::size_t c = 0; c < code.base_cols; ++c) {
      const std::int64_t e = in.signed_number(t[c], "exponent");
      if (e < -1 || e >= static_cast<std::int64_t>(code.z)) {
        in.fail("exponent " + std::to_string(e) + " in column " + std::to_string(c) +
                " is outside [-1, " + std::to_string(code.z) + ")");
      }
      code.shifts.push_back(static_cast<std::int32_t>(e));
    }
  }
  if (in.next(t)) in.fail("unexpected content after the last base row");
  return code;
}

std::string format_qc(const QuasiCyclicCode& code, const std::vector<std::string>& comments) {
  std::ostringstream out;
  for (const auto& c : comments) out << "# " << c << '\n';
  out << "qkdpp-qc 1\n" << code.base_rows << ' ' << code.base_cols << ' ' << code.z << '\n';
  for (std::size_t r = 0; r < code.base_rows; ++r) {
    for (std::size_t c = 0; c < code.base_cols; ++c) out << (c ? " " : "") << code.shift(r, c);
    out << '\n';
  }
  return out.str();
}

// ---- LDPC4QKD JSON and CSV -----------------------------------------------------------------

LoadedCode parse_ldpc4qkd_json(std::string_view text, const std::string& name) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t byte = std::min<std::size_t>(e.byte, text.size());
    const std::size_t line =
        1 + static_cast<std::size_t>(
                std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
    throw InputError(name + ":" + std::to_string(line) + ": invalid JSON (" + e.what() + ")");
  }
  const auto fail = [&](const std::string& msg) -> void { throw InputError(name + ": " + msg); };
  if (!j.is_object()) fail("expected a JSON object with n_rows, n_columns, colptr, rowval");
  const auto uint_field = [&](const char* key) -> std::uint64_t {
    if (!j.contains(key)) fail(std::string("missing field '") + key + "'");
    const auto& v = j.at(key);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      fail(std::string("field '") + key + "' must be a non-negative integer");
    }
    return v.get<std::uint64_t>();
  };
  const auto array_field = [&](const char* key) -> std::vector<std::uint64_t> {
    if (!j.contains(key)) fail(std::string("missing field '") + key + "'");
    const auto& v = j.at(key);
    if (!v.is_array()) fail(std::string("field '") + key + "' must be an array");
    std::vector<std::uint64_t> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number_integer() || v[i].get<std::int64_t>() < 0) {
        fail(std::string("field '") + key + "' entry " + std::to_string(i) +
             " is not a non-negative integer");
      }
      out.push_back(v[i].get<std::uint64_t>());
    }
    return out;
  };
  const std::uint64_t rows = uint_field("n_rows"), cols = uint_field("n_columns");
  if (rows == 0 || cols == 0 || rows > kMaxCodeColumns || cols > kMaxCodeColumns) {
    fail("n_rows x n_columns = " + std::to_string(rows) + " x " + std::to_string(cols) +
         " is outside 1 .. 2^26");
  }
  const std::vector<std::uint64_t> colptr = array_field("colptr"), rowval = array_field("rowval");
  if (colptr.size() != cols + 1) {
    fail("colptr has " + std::to_string(colptr.size()) +
         " entries, expected n_columns + 1 = " + std::to_string(cols + 1));
  }
  if (colptr.front() != 0) fail("colptr[0] must be 0");
  for (std::size_t c = 0; c < cols; ++c) {
    if (colptr[c + 1] < colptr[c]) fail("colptr decreases at index " + std::to_string(c + 1));
  }
  if (colptr.back() != rowval.size()) {
    fail("colptr ends at " + std::to_string(colptr.back()) + " but rowval has " +
         std::to_string(rowval.size()) + " entries");
  }
  const bool qc = j.contains("qc_expansion_factor");
  std::vector<std::uint64_t> nzval;
  std::uint64_t z = 1;
  if (qc) {
    z = uint_field("qc_expansion_factor");
    if (z == 0 || rows > kMaxCodeColumns / z || cols > kMaxCodeColumns / z) {
      fail("qc_expansion_factor " + std::to_string(z) +
           " gives a matrix outside the supported size (2^26)");
    }
    nzval = array_field("nzval");
    if (nzval.size() != rowval.size()) {
      fail("nzval has " + std::to_string(nzval.size()) + " entries but rowval has " +
           std::to_string(rowval.size()));
    }
  }
  LoadedCode out;
  if (qc) {
    QuasiCyclicCode code;
    code.z = z;
    code.base_rows = rows;
    code.base_cols = cols;
    code.shifts.assign(rows * cols, -1);
    for (std::size_t c = 0; c < cols; ++c) {
      for (std::uint64_t k = colptr[c]; k < colptr[c + 1]; ++k) {
        if (rowval[k] >= rows)
          fail("rowval[" + std::to_string(k) + "] = " + std::to_string(rowval[k]) +
               " is not below n_rows");
        if (nzval[k] >= z)
          fail("nzval[" + std::to_string(k) + "] = " + std::to_string(nzval[k]) +
               " is not below qc_expansion_factor");
        std::int32_t& slot = code.shifts[rowval[k] * cols + c];
        if (slot >= 0)
          fail("duplicate entry (row " + std::to_string(rowval[k]) + ", column " +
               std::to_string(c) + ")");
        slot = static_cast<std::int32_t>(nzval[k]);
      }
    }
    out.format = "ldpc4qkd-qc-json";
    out.matrix = code.expand();
    out.quasi_cyclic = std::move(code);
    return out;
  }
  std::vector<ParityCheckMatrix::Edge> edges;
  edges.reserve(rowval.size());
  for (std::size_t c = 0; c < cols; ++c) {
    for (std::uint64_t k = colptr[c]; k < colptr[c + 1]; ++k) {
      if (rowval[k] >= rows)
        fail("rowval[" + std::to_string(k) + "] = " + std::to_string(rowval[k]) +
             " is not below n_rows");
      edges.emplace_back(static_cast<std::uint32_t>(rowval[k]), static_cast<std::uint32_t>(c));
    }
  }
  out.format = "ldpc4qkd-json";
  out.matrix = ParityCheckMatrix::from_edges(rows, cols, std::move(edges), name);
  return out;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> parse_rate_adaption_csv(
    std::string_view text, const std::string& name) {
  LineReader in(text, name, ',');
  std::vector<std::string_view> t;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> merges;
  while (in.next(t)) {
    in.expect_count(t, 2, "rate-adaption line 'rowA,rowB'");
    const std::uint64_t a = in.number(t[0], "rowA"), b = in.number(t[1], "rowB");
    if (a > 0xffffffffu || b > 0xffffffffu) in.fail("row index too large");
    if (a == b) in.fail("a row cannot be merged with itself");
    merges.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
  }
  return merges;
}

// ---- files -----------------------------------------------------------------------------------

namespace {

constexpr std::uintmax_t kMaxCodeFileBytes = std::uintmax_t{1} << 30;

std::string read_text_file(const std::filesystem::path& path) {
  const std::uint64_t size = io::regular_file_bytes(path);
  if (size > kMaxCodeFileBytes) {
    throw InputError(path.string() + ": " + std::to_string(size) +
                     " bytes is too large for a code file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open");
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    throw IoError(path.string() + ": read failed");
  return text;
}

}  // namespace

LoadedCode load_code(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  const std::string name = path.string();
  const std::string ext = path.extension().string();
  LoadedCode out;
  if (ext == ".alist") {
    out.format = "alist";
    out.matrix = parse_alist(text, name);
  } else if (ext == ".qc") {
    out.format = "qc";
    out.quasi_cyclic = parse_qc(text, name);
    out.matrix = out.quasi_cyclic->expand();
  } else if (ext == ".json") {
    out = parse_ldpc4qkd_json(text, name);
  } else {
    throw InputError(name + ": unknown code file type '" + ext +
                     "' (expected .alist, .qc or LDPC4QKD .json)");
  }
  return out;
}

QuasiCyclicCode load_quasi_cyclic(const std::filesystem::path& path) {
  if (path.extension() == ".qc") return parse_qc(read_text_file(path), path.string());
  LoadedCode loaded = load_code(path);
  if (!loaded.quasi_cyclic) {
    throw InputError(path.string() + ": not a quasi-cyclic code (" + loaded.format +
                     " format); this needs the quasi-cyclic form");
  }
  return std::move(*loaded.quasi_cyclic);
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> load_rate_adaption_csv(
    const std::filesystem::path& path) {
  return parse_rate_adaption_csv(read_text_file(path), path.string());
}

void save_text_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path partial = path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(partial.string() + ": cannot create");
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(partial);
      throw IoError(partial.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec)
    throw IoError("cannot rename " + partial.string() + " to " + path.string() + ": " +
                  ec.message());
}

namespace {

// Calls row(fields, "PATH:LINE") for each line of a whitespace table that is neither empty nor a
// '#' comment; an absent file has no lines.
template <typename Row>
void for_each_table_row(const std::filesystem::path& path, Row&& row) {
  std::ifstream in(path);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    row(fields, path.string() + ":" + std::to_string(number));
  }
}

}  // namespace

std::map<std::string, double> load_thresholds(const std::filesystem::path& directory,
                                              const std::string& file) {
  std::map<std::string, double> thresholds;
  for_each_table_row(directory / file, [&](std::istringstream& fields, const std::string& where) {
    std::string name;
    double q = 0;
    if (!(fields >> name >> q) || !(q > 0.0 && q < 0.5)) {
      throw InputError(where + ": expected 'name qber'");
    }
    thresholds[name] = q;
  });
  return thresholds;
}

std::map<std::string, std::vector<AdaptedThreshold>> load_adapted_thresholds(
    const std::filesystem::path& directory, const std::string& file) {
  std::map<std::string, std::vector<AdaptedThreshold>> thresholds;
  for_each_table_row(directory / file, [&](std::istringstream& fields, const std::string& where) {
    std::string name, rest;
    AdaptedThreshold t;
    if (!(fields >> name >> t.punctured_fraction >> t.qber) || (fields >> rest) ||
        !(t.punctured_fraction >= 0.0 && t.punctured_fraction <= 1.0) ||
        !(t.qber > 0.0 && t.qber < 0.5)) {
      throw InputError(where +
                       ": expected 'name fraction qber' (fraction in [0, 1], QBER in (0, 0.5))");
    }
    auto& rows = thresholds[name];
    for (const AdaptedThreshold& r : rows) {
      if (r.punctured_fraction == t.punctured_fraction) {
        throw InputError(where + ": fraction " + std::to_string(t.punctured_fraction) + " of " +
                         name + " given twice");
      }
    }
    rows.push_back(t);
  });
  for (auto& [name, rows] : thresholds) {
    std::sort(rows.begin(), rows.end(), [](const AdaptedThreshold& a, const AdaptedThreshold& b) {
      return a.punctured_fraction < b.punctured_fraction;
    });
  }
  return thresholds;
}

}  // namespace qkdpp::engine
