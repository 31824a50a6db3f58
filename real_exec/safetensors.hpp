// safetensors.hpp: tensors in the safetensors layout (u64 header length, JSON header, raw data).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tiersplit::real_exec {

/// One tensor as bytes: dtype is a safetensors name ("F32", "U8", "I64"), data is little-endian,
/// row-major, exactly element_count(shape) * dtype_size(dtype) bytes.
struct RawTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string data;
  int64_t numel() const;
};

/// A safetensors document: named tensors (order kept) and string metadata ("__metadata__").
struct TensorFile {
  std::map<std::string, std::string> metadata;
  std::vector<std::pair<std::string, RawTensor>> tensors;

  const RawTensor& at(const std::string& name) const;  ///< throws tiersplit::Error if absent
  const RawTensor* find(const std::string& name) const;
  void add(std::string name, RawTensor t) { tensors.emplace_back(std::move(name), std::move(t)); }
};

/// Bytes per element of a safetensors dtype; unknown dtypes throw tiersplit::Error.
int64_t dtype_size(const std::string& dtype);

/// Serialises: 8-byte little-endian header length N, N bytes of JSON (space-padded to a multiple
/// of 8), then the tensors' data back to back in the order given.
std::string encode_safetensors(const TensorFile& file);

/// Parses and validates (header size, JSON, dtypes, shapes, offsets inside the data and not
/// overlapping); `what` names the source in error messages. Throws tiersplit::Error.
TensorFile decode_safetensors(const std::string& bytes, const std::string& what);

}  // namespace tiersplit::real_exec
