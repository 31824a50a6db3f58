// dataset.hpp: Fashion-MNIST import into a store as sample objects, and the dataset manifest.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "real_exec/object_store.hpp"
#include "real_exec/safetensors.hpp"

namespace tiersplit {
class ProgressBar;
}

namespace tiersplit::real_exec {

/// What `tiersplit dataset import fashion-mnist` does.
struct ImportOptions {
  std::string source_dir = "/usr/share/datasets/fashion-mnist";  ///< Debian dataset-fashion-mnist
  std::string store;                                             ///< destination store URL
  std::string name = "fashion-mnist";                            ///< object name prefix
  int64_t resolution = 32;   ///< images resized (bilinear) to R x R, 3 channels
  int64_t per_object = 256;  ///< samples per object (the last one may hold fewer)
  std::vector<int64_t> source_classes{0, 1, 2, 3, 4};  ///< pretraining task; the rest: target
  int64_t max_train_per_class = 0;                     ///< 0: all 6000 per class
  int64_t max_test_per_class = 0;                      ///< 0: all 1000 per class
};

/// Reads the IDX files, writes objects "<name>/<split>/<index>.safetensors" for the splits
/// source-train, source-test, target-train, target-test and "<name>/manifest.json"; returns the
/// manifest. See docs/real-exec.md, "Object format".
nlohmann::json import_fashion_mnist(const ImportOptions& options);

/// The sample object: tensors images U8 [n,3,R,R], labels I64 [n] (index into the split's class
/// list), ids I64 [n] (index of the sample in the original IDX file).
struct SampleObject {
  int64_t count = 0, channels = 0, height = 0, width = 0;
  std::string pixels;  ///< count*channels*height*width bytes, NCHW
  std::vector<int64_t> labels, ids;
};
std::string encode_sample_object(const SampleObject& o);
SampleObject decode_sample_object(const std::string& bytes, const std::string& what);

/// One gzip'd IDX image file with its labels, as Debian's dataset-fashion-mnist ships them.
struct IdxFile {
  int64_t count = 0, rows = 0, cols = 0;
  std::string images, labels;  ///< raw pixel bytes (count x rows x cols) / label bytes
};
/// Reads "<dir>/<stem>-images-idx3-ubyte.gz" and its labels ("train", "t10k"); fails naming the
/// file when it is missing or malformed.
IdxFile read_idx_file(const std::string& dir, const std::string& stem);

/// One sample to write: image `index` of `file`, stored with `label` and `id`.
struct SampleRef {
  const IdxFile* file = nullptr;
  int64_t index = 0, label = 0, id = 0;
};
/// Writes `samples` in order as sample objects "<prefix>/NNNNNN.safetensors" of `per_object`
/// samples resized to R x R (3 channels); returns the manifest's object list
/// ([{"name", "samples", "bytes"}]) and advances `bar` (when given) per sample.
nlohmann::json write_sample_objects(ObjectStore& store, const std::string& prefix,
                                    const std::vector<SampleRef>& samples, int64_t resolution,
                                    int64_t per_object, ProgressBar* bar);

/// The manifest's common part (format, name, resolution, channels, objects' layout, class
/// names); fails with one line when the resolution (8..512), samples per object (1..65536) or
/// name is not allowed.
nlohmann::json dataset_manifest_head(const std::string& name, int64_t resolution,
                                     int64_t per_object);

/// Reads and checks "<name>/manifest.json" from a store.
nlohmann::json load_manifest(ObjectStore& store, const std::string& name);

/// One object of a split as listed in the manifest.
struct ObjectRef {
  std::string name;
  int64_t samples = 0;
};
/// The objects of split `split` ("target-train"); throws tiersplit::Error naming the split.
std::vector<ObjectRef> split_objects(const nlohmann::json& manifest, const std::string& split);
int64_t split_classes(const nlohmann::json& manifest, const std::string& split);

/// Bilinear resize of one grayscale image (align_corners = false, as torch's interpolate).
std::vector<uint8_t> resize_bilinear(const uint8_t* src, int64_t h, int64_t w, int64_t out_h,
                                     int64_t out_w);

}  // namespace tiersplit::real_exec
