// HDF5 helpers: handles, error stack capture, typed attributes.
#include "engine/io/hdf5_support.hpp"

#include <vector>

#include "engine/core/error.hpp"

namespace qkdpp::engine::io::detail {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

void silence_hdf5_errors() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

std::string hdf5_error_text() {
  std::string text;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* err, void* data) -> herr_t {
        auto* out = static_cast<std::string*>(data);
        if (err->desc != nullptr && err->desc[0] != '\0') {
          if (!out->empty()) *out += "; ";
          *out += err->desc;
        }
        return 0;
      },
      &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? "no detail from HDF5" : text;
}

H5Handle& H5Handle::operator=(H5Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = -1;
  }
  return *this;
}

bool H5Handle::reset() noexcept {
  bool ok = true;
  if (id_ >= 0 && closer_ != nullptr) ok = closer_(id_) >= 0;
  id_ = -1;
  return ok;
}

namespace {

H5Handle open_attribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return {};
  return H5Handle(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
}

void require_single_element(hid_t attr, const char* name, const std::string& where) {
  H5Handle space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1) {
    throw InputError(where + ": attribute '" + name + "' must hold one value, it holds " +
                     std::to_string(n));
  }
}

}  // namespace

std::optional<std::string> read_string_attribute(hid_t object, const char* name,
                                                 const std::string& where) {
  H5Handle attr = open_attribute(object, name);
  if (!attr.valid()) return std::nullopt;
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw InputError(where + ": attribute '" + name + "' has dtype " + describe_dtype(type.get()) +
                     ", expected a string");
  }
  require_single_element(attr.get(), name, where);
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    char* value = nullptr;
    if (H5Aread(attr.get(), mem.get(), &value) < 0) {
      throw IoError(where + ": cannot read attribute '" + name + "': " + hdf5_error_text());
    }
    std::string result = value != nullptr ? value : "";
    H5free_memory(value);
    return result;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::vector<char> buf(size + 1, '\0');
  H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), size + 1);
  H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
  if (H5Aread(attr.get(), mem.get(), buf.data()) < 0) {
    throw IoError(where + ": cannot read attribute '" + name + "': " + hdf5_error_text());
  }
  return std::string(buf.data());
}

std::optional<std::uint64_t> read_uint_attribute(hid_t object, const char* name,
                                                 const std::string& where) {
  H5Handle attr = open_attribute(object, name);
  if (!attr.valid()) return std::nullopt;
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER) {
    throw InputError(where + ": attribute '" + name + "' has dtype " + describe_dtype(type.get()) +
                     ", expected an unsigned integer");
  }
  require_single_element(attr.get(), name, where);
  if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
    std::uint64_t value = 0;
    if (H5Aread(attr.get(), H5T_NATIVE_UINT64, &value) < 0) {
      throw IoError(where + ": cannot read attribute '" + name + "': " + hdf5_error_text());
    }
    return value;
  }
  std::int64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) {
    throw IoError(where + ": cannot read attribute '" + name + "': " + hdf5_error_text());
  }
  if (value < 0) {
    throw InputError(where + ": attribute '" + name + "' is negative (" + std::to_string(value) +
                     ")");
  }
  return static_cast<std::uint64_t>(value);
}

std::optional<double> read_double_attribute(hid_t object, const char* name,
                                            const std::string& where) {
  H5Handle attr = open_attribute(object, name);
  if (!attr.valid()) return std::nullopt;
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    throw InputError(where + ": attribute '" + name + "' has dtype " + describe_dtype(type.get()) +
                     ", expected a number");
  }
  require_single_element(attr.get(), name, where);
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    throw IoError(where + ": cannot read attribute '" + name + "': " + hdf5_error_text());
  }
  return value;
}

namespace {

void write_attribute(hid_t object, const char* name, hid_t file_type, hid_t mem_type,
                     const void* value) {
  if (H5Aexists(object, name) > 0) H5Adelete(object, name);
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attr(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
  if (!attr.valid() || H5Awrite(attr.get(), mem_type, value) < 0) {
    throw IoError(std::string("cannot write attribute '") + name + "': " + hdf5_error_text());
  }
}

}  // namespace

void write_string_attribute(hid_t object, const char* name, const std::string& value) {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const char* ptr = value.c_str();
  write_attribute(object, name, type.get(), type.get(), &ptr);
}

void write_uint_attribute(hid_t object, const char* name, std::uint64_t value) {
  write_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}

void write_double_attribute(hid_t object, const char* name, double value) {
  write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

std::string describe_dtype(hid_t type) {
  const std::size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    default:
      return "an unsupported type";
  }
}

void write_attribute_locked(hid_t object, const std::string& name, const std::string& value) {
  std::lock_guard lock(hdf5_mutex());
  write_string_attribute(object, name.c_str(), value);
}
void write_attribute_locked(hid_t object, const std::string& name, double value) {
  std::lock_guard lock(hdf5_mutex());
  write_double_attribute(object, name.c_str(), value);
}
void write_attribute_locked(hid_t object, const std::string& name, std::uint64_t value) {
  std::lock_guard lock(hdf5_mutex());
  write_uint_attribute(object, name.c_str(), value);
}

std::filesystem::path partial_path(const std::filesystem::path& path) {
  std::filesystem::path p = path;
  p += ".partial";
  return p;
}

H5Handle create_partial_file(const std::filesystem::path& partial) {
  H5Handle file(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    throw IoError(partial.string() + ": cannot create output file: " + hdf5_error_text());
  }
  return file;
}

void close_and_rename(H5Handle& file, const std::filesystem::path& partial,
                      const std::filesystem::path& path) {
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0 || !file.reset()) {
    throw IoError(partial.string() + ": cannot flush/close (disk full?): " + hdf5_error_text());
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    throw IoError("cannot rename " + partial.string() + " to " + path.string() + ": " +
                  ec.message());
  }
}

PackedBitAppender::PackedBitAppender(hid_t parent, const std::string& name,
                                     std::uint64_t chunk_bytes, int deflate_level,
                                     std::string file_name)
    : name_(name), file_name_(std::move(file_name)), chunk_bytes_(chunk_bytes) {
  hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {chunk_bytes};
  H5Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, chunk);
  if (deflate_level > 0) H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate_level));
  dataset_ = H5Handle(H5Dcreate2(parent, name.c_str(), H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), H5P_DEFAULT),
                      H5Dclose);
  if (!dataset_.valid()) {
    throw IoError(file_name_ + ": cannot create " + name + ": " + hdf5_error_text());
  }
}

void PackedBitAppender::write(std::uint64_t nbits) {
  const std::uint64_t nbytes = (nbits + 7) / 8;
  if (nbytes == 0) return;
  const std::vector<std::uint8_t> bytes =
      nbits == pending_.size() ? pending_.to_bytes() : pending_.slice(0, nbits).to_bytes();
  hsize_t new_size[1] = {bytes_on_disk_ + nbytes};
  if (H5Dset_extent(dataset_.get(), new_size) < 0) {
    throw IoError(file_name_ + ": cannot extend " + name_ + ": " + hdf5_error_text());
  }
  hsize_t start[1] = {bytes_on_disk_}, count[1] = {nbytes};
  H5Handle fspace(H5Dget_space(dataset_.get()), H5Sclose);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  H5Handle mspace(H5Screate_simple(1, count, nullptr), H5Sclose);
  if (H5Dwrite(dataset_.get(), H5T_NATIVE_UINT8, mspace.get(), fspace.get(), H5P_DEFAULT,
               bytes.data()) < 0) {
    throw IoError(file_name_ + ": cannot write " + name_ + " (disk full?): " + hdf5_error_text());
  }
  bytes_on_disk_ += nbytes;
  pending_ = pending_.slice(nbits, pending_.size() - nbits);
}

void PackedBitAppender::append(const kernels::BitVector& bits) {
  pending_.append(bits);
  bits_ += bits.size();
  if (pending_.size() >= chunk_bytes_ * 8) {
    std::lock_guard lock(hdf5_mutex());
    write(pending_.size() / 8 * 8);
  }
}

void PackedBitAppender::finish() {
  write(pending_.size());
  write_uint_attribute(dataset_.get(), "bits", bits_);
}

}  // namespace qkdpp::engine::io::detail
