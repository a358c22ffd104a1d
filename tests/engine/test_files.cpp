// Test helpers: temporary directories and raw HDF5 writing through the C API.
#include "tests/engine/test_files.hpp"

#include <random>
#include <stdexcept>

namespace qkdpp::test {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("qkdpp-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

void write_attr(hid_t obj, const std::string& name, const AttrValue& value) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t type = -1;
  hid_t mem = -1;
  const void* ptr = nullptr;
  const char* str = nullptr;
  if (auto* u = std::get_if<std::uint64_t>(&value)) {
    type = H5Tcopy(H5T_STD_U64LE), mem = H5Tcopy(H5T_NATIVE_UINT64), ptr = u;
  } else if (auto* i = std::get_if<std::int64_t>(&value)) {
    type = H5Tcopy(H5T_STD_I64LE), mem = H5Tcopy(H5T_NATIVE_INT64), ptr = i;
  } else if (auto* d = std::get_if<double>(&value)) {
    type = H5Tcopy(H5T_IEEE_F64LE), mem = H5Tcopy(H5T_NATIVE_DOUBLE), ptr = d;
  } else {
    const auto& s = std::get<std::string>(value);
    type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, s.size() + 1);  // fixed-length string, as h5py writes np.bytes_
    mem = H5Tcopy(type);
    str = s.c_str();
    ptr = str;
  }
  hid_t attr = H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr < 0 || H5Awrite(attr, mem, ptr) < 0)
    throw std::runtime_error("test helper: attribute write failed");
  H5Aclose(attr);
  H5Tclose(type);
  H5Tclose(mem);
  H5Sclose(space);
}

}  // namespace

void write_hdf5(const std::filesystem::path& path, const FileSpec& spec) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("test helper: cannot create " + path.string());
  for (const auto& [name, value] : spec.root_attributes) write_attr(file, name, value);
  for (const auto& g : spec.groups)
    H5Gclose(H5Gcreate2(file, g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (const auto& ds : spec.datasets) {
    const std::size_t elem = H5Tget_size(ds.file_type);
    std::vector<hsize_t> dims =
        ds.dims.empty() ? std::vector<hsize_t>{ds.data.size() / elem} : ds.dims;
    hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d =
        H5Dcreate2(file, ds.path.c_str(), ds.file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0) throw std::runtime_error("test helper: cannot create dataset " + ds.path);
    if (!ds.data.empty() &&
        H5Dwrite(d, ds.file_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.data.data()) < 0) {
      throw std::runtime_error("test helper: cannot write dataset " + ds.path);
    }
    for (const auto& [name, value] : ds.attributes) write_attr(d, name, value);
    H5Dclose(d);
    H5Pclose(lcpl);
    H5Sclose(space);
  }
  H5Fclose(file);
}

std::vector<std::uint8_t> read_bytes_dataset(const std::filesystem::path& file,
                                             const std::string& dataset) {
  hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("test helper: cannot open " + file.string());
  hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(s, &n, nullptr);
  std::vector<std::uint8_t> out(n);
  if (n > 0) H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  return out;
}

}  // namespace qkdpp::test
