// Test helpers: temporary directories and hand-built HDF5 files, including malformed ones.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qkdpp::test {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// An attribute value as a test wants to write it: unsigned, signed, floating, or string.
using AttrValue = std::variant<std::uint64_t, std::int64_t, double, std::string>;

struct DatasetSpec {
  std::string path;                // e.g. "/alice/key"
  hid_t file_type = H5T_STD_U8LE;  // stored dtype
  std::vector<hsize_t> dims;       // empty: 1-D of data.size() elements
  std::vector<std::uint8_t> data;  // raw bytes written with `file_type` as memory type
  std::vector<std::pair<std::string, AttrValue>> attributes;
};

struct FileSpec {
  std::vector<std::pair<std::string, AttrValue>> root_attributes = {
      {"format", std::string("qkdpp-raw")}, {"version", std::uint64_t{1}}};
  std::vector<std::string> groups;  // created before datasets, e.g. "/alice"
  std::vector<DatasetSpec> datasets;
};

void write_hdf5(const std::filesystem::path& path, const FileSpec& spec);

// Reads a 1-D uint8 dataset and its `bits` attribute without the engine's reader.
std::vector<std::uint8_t> read_bytes_dataset(const std::filesystem::path& file,
                                             const std::string& dataset);

}  // namespace qkdpp::test
