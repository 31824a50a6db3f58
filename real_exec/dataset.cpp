// dataset.cpp: reading gzip'd IDX files, resizing, writing sample objects and the manifest.
#include "real_exec/dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "common/progress.hpp"

namespace tiersplit::real_exec {

namespace {

const char* kClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

std::string read_gzip(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    fail("cannot read ", path, " (install Debian's dataset-fashion-mnist or pass --source-dir)");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail("cannot open ", path);
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, n);
  int err = 0;
  const char* msg = gzerror(f, &err);
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) fail("cannot decompress ", path, ": ", msg);
  return out;
}

uint32_t be32(const std::string& s, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

IdxFile read_idx_file(const std::string& dir, const std::string& stem) {
  IdxFile idx;
  std::string img = read_gzip(dir + "/" + stem + "-images-idx3-ubyte.gz");
  std::string lab = read_gzip(dir + "/" + stem + "-labels-idx1-ubyte.gz");
  if (img.size() < 16 || be32(img, 0) != 0x803) fail(stem, " images: not an IDX3 ubyte file");
  if (lab.size() < 8 || be32(lab, 0) != 0x801) fail(stem, " labels: not an IDX1 ubyte file");
  idx.count = be32(img, 4);
  idx.rows = be32(img, 8);
  idx.cols = be32(img, 12);
  if (be32(lab, 4) != idx.count ||
      img.size() != 16 + static_cast<std::size_t>(idx.count * idx.rows * idx.cols) ||
      lab.size() != 8 + static_cast<std::size_t>(idx.count)) {
    fail(stem, ": IDX image and label files disagree in size");
  }
  idx.images = img.substr(16);
  idx.labels = lab.substr(8);
  return idx;
}

namespace {

RawTensor raw(const std::string& dtype, std::vector<int64_t> shape, std::string data) {
  return RawTensor{dtype, std::move(shape), std::move(data)};
}

std::string int64_bytes(const std::vector<int64_t>& v) {
  std::string s(v.size() * 8, '\0');
  std::memcpy(s.data(), v.data(), s.size());  // little-endian host (x86-64, arm64)
  return s;
}

}  // namespace

std::vector<uint8_t> resize_bilinear(const uint8_t* src, int64_t h, int64_t w, int64_t out_h,
                                     int64_t out_w) {
  std::vector<uint8_t> out(out_h * out_w);
  const double sy = static_cast<double>(h) / out_h, sx = static_cast<double>(w) / out_w;
  for (int64_t y = 0; y < out_h; ++y) {
    double fy = std::max(0.0, (y + 0.5) * sy - 0.5);
    int64_t y0 = std::min<int64_t>(static_cast<int64_t>(fy), h - 1), y1 = std::min(y0 + 1, h - 1);
    double ly = fy - y0;
    for (int64_t x = 0; x < out_w; ++x) {
      double fx = std::max(0.0, (x + 0.5) * sx - 0.5);
      int64_t x0 = std::min<int64_t>(static_cast<int64_t>(fx), w - 1), x1 = std::min(x0 + 1, w - 1);
      double lx = fx - x0;
      double v = (1 - ly) * ((1 - lx) * src[y0 * w + x0] + lx * src[y0 * w + x1]) +
                 ly * ((1 - lx) * src[y1 * w + x0] + lx * src[y1 * w + x1]);
      out[y * out_w + x] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
    }
  }
  return out;
}

std::string encode_sample_object(const SampleObject& o) {
  TensorFile f;
  f.metadata["format"] = "tiersplit-samples/1";
  f.add("images", raw("U8", {o.count, o.channels, o.height, o.width}, o.pixels));
  f.add("labels", raw("I64", {o.count}, int64_bytes(o.labels)));
  f.add("ids", raw("I64", {o.count}, int64_bytes(o.ids)));
  return encode_safetensors(f);
}

SampleObject decode_sample_object(const std::string& bytes, const std::string& what) {
  TensorFile f = decode_safetensors(bytes, what);
  const RawTensor& img = f.at("images");
  const RawTensor& lab = f.at("labels");
  const RawTensor& ids = f.at("ids");
  if (img.dtype != "U8" || img.shape.size() != 4 || lab.dtype != "I64" || ids.dtype != "I64" ||
      lab.shape != std::vector<int64_t>{img.shape[0]} || ids.shape != lab.shape) {
    fail(what, ": not a sample object (images U8 [n,C,H,W], labels I64 [n], ids I64 [n])");
  }
  SampleObject o;
  o.count = img.shape[0];
  o.channels = img.shape[1];
  o.height = img.shape[2];
  o.width = img.shape[3];
  o.pixels = img.data;
  o.labels.resize(o.count);
  o.ids.resize(o.count);
  std::memcpy(o.labels.data(), lab.data.data(), lab.data.size());
  std::memcpy(o.ids.data(), ids.data.data(), ids.data.size());
  return o;
}

nlohmann::json write_sample_objects(ObjectStore& store, const std::string& prefix,
                                    const std::vector<SampleRef>& samples, int64_t resolution,
                                    int64_t per_object, ProgressBar* bar) {
  const int64_t R = resolution, C = 3, pixel_bytes = C * R * R;
  nlohmann::json objects = nlohmann::json::array();
  for (std::size_t first = 0, k = 0; first < samples.size(); first += per_object, ++k) {
    std::size_t n = std::min<std::size_t>(per_object, samples.size() - first);
    SampleObject o;
    o.count = static_cast<int64_t>(n);
    o.channels = C;
    o.height = o.width = R;
    o.pixels.resize(n * pixel_bytes);
    for (std::size_t j = 0; j < n; ++j) {
      const SampleRef& s = samples[first + j];
      const IdxFile& idx = *s.file;
      const auto* src_px =
          reinterpret_cast<const uint8_t*>(idx.images.data() + s.index * idx.rows * idx.cols);
      auto img = resize_bilinear(src_px, idx.rows, idx.cols, R, R);
      for (int64_t c = 0; c < C; ++c) {
        std::memcpy(&o.pixels[j * pixel_bytes + c * R * R], img.data(), R * R);
      }
      o.labels.push_back(s.label);
      o.ids.push_back(s.id);
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%06zu", k);
    std::string name = prefix + "/" + buf + ".safetensors";
    std::string bytes = encode_sample_object(o);
    store.put(name, bytes);
    objects.push_back({{"name", name}, {"samples", o.count}, {"bytes", bytes.size()}});
    if (bar) bar->advance(static_cast<int64_t>(n));
  }
  return objects;
}

nlohmann::json dataset_manifest_head(const std::string& name, int64_t resolution,
                                     int64_t per_object) {
  if (resolution < 8 || resolution > 512) fail("--resolution ", resolution, " must be in 8..512");
  if (per_object < 1 || per_object > 65536) {
    fail("--per-object ", per_object, " must be in 1..65536");
  }
  check_object_name(name + "/manifest.json");
  nlohmann::json manifest = {
      {"format", "tiersplit-dataset/1"},
      {"dataset", "fashion-mnist"},
      {"name", name},
      {"resolution", resolution},
      {"channels", 3},
      {"per_object", per_object},
      {"pixel_bytes_per_sample", 3 * resolution * resolution},
      {"object_format", "safetensors: images U8 [n,3,R,R], labels I64 [n], ids I64 [n]"}};
  manifest["class_names"] = std::vector<std::string>(kClassNames, kClassNames + 10);
  return manifest;
}

nlohmann::json import_fashion_mnist(const ImportOptions& opt) {
  nlohmann::json manifest = dataset_manifest_head(opt.name, opt.resolution, opt.per_object);
  std::set<int64_t> src(opt.source_classes.begin(), opt.source_classes.end());
  for (int64_t c : src) {
    if (c < 0 || c > 9) fail("--source-classes: class ", c, " is not in 0..9");
  }
  if (src.empty() || src.size() == 10) {
    fail("--source-classes must name between 1 and 9 of the 10 classes");
  }
  std::vector<int64_t> source(src.begin(), src.end()), target;
  for (int64_t c = 0; c < 10; ++c) {
    if (!src.count(c)) target.push_back(c);
  }
  auto store = open_store(opt.store);
  const int64_t R = opt.resolution;
  int64_t total_bytes = 0, total_samples = 0;
  nlohmann::json splits = nlohmann::json::object();

  struct Job {
    std::string split, stem;
    const std::vector<int64_t>* classes;
    int64_t max_per_class;
  };
  std::vector<Job> jobs{{"source-train", "train", &source, opt.max_train_per_class},
                        {"source-test", "t10k", &source, opt.max_test_per_class},
                        {"target-train", "train", &target, opt.max_train_per_class},
                        {"target-test", "t10k", &target, opt.max_test_per_class}};
  IdxFile train = read_idx_file(opt.source_dir, "train");
  IdxFile test = read_idx_file(opt.source_dir, "t10k");
  for (const Job& job : jobs) {
    const IdxFile& idx = job.stem == "train" ? train : test;
    std::vector<int64_t> picked;
    std::vector<int64_t> per_class(10, 0);
    for (int64_t i = 0; i < idx.count; ++i) {
      int64_t label = static_cast<unsigned char>(idx.labels[i]);
      if (std::find(job.classes->begin(), job.classes->end(), label) == job.classes->end())
        continue;
      if (job.max_per_class > 0 && per_class[label] >= job.max_per_class) continue;
      ++per_class[label];
      picked.push_back(i);
    }
    std::vector<SampleRef> samples;
    for (int64_t i : picked) {
      int64_t label = static_cast<unsigned char>(idx.labels[i]);
      samples.push_back(
          {&idx, i,
           std::find(job.classes->begin(), job.classes->end(), label) - job.classes->begin(), i});
    }
    ProgressBar bar("import " + job.split, static_cast<int64_t>(picked.size()));
    nlohmann::json objects =
        write_sample_objects(*store, opt.name + "/" + job.split, samples, R, opt.per_object, &bar);
    int64_t split_bytes = 0;
    for (const auto& o : objects) split_bytes += o.at("bytes").get<int64_t>();
    bar.finish();
    std::vector<std::string> class_names;
    for (int64_t c : *job.classes) class_names.push_back(kClassNames[c]);
    splits[job.split] = {{"classes", *job.classes},
                         {"class_names", class_names},
                         {"samples", picked.size()},
                         {"bytes", split_bytes},
                         {"objects", objects}};
    total_bytes += split_bytes;
    total_samples += static_cast<int64_t>(picked.size());
  }
  manifest["splits"] = splits;
  manifest["samples"] = total_samples;
  manifest["bytes"] = total_bytes;
  // Stored bytes per sample: pixels + label + id + the object's header, amortised.
  manifest["bytes_per_sample"] =
      total_samples > 0 ? static_cast<double>(total_bytes) / total_samples : 0.0;
  store->put(opt.name + "/manifest.json", manifest.dump(2));
  return manifest;
}

nlohmann::json load_manifest(ObjectStore& store, const std::string& name) {
  std::string text = store.get(name + "/manifest.json");
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(store.url(), ": ", name, "/manifest.json is not JSON (", e.what(), ")");
  }
  if (!m.is_object() || m.value("format", "") != "tiersplit-dataset/1") {
    fail(store.url(), ": ", name, "/manifest.json is not a tiersplit-dataset/1 manifest");
  }
  return m;
}

std::vector<ObjectRef> split_objects(const nlohmann::json& manifest, const std::string& split) {
  const auto& splits = manifest.at("splits");
  if (!splits.contains(split)) fail("dataset has no split '", split, "'");
  std::vector<ObjectRef> out;
  for (const auto& o : splits.at(split).at("objects")) {
    out.push_back({o.at("name").get<std::string>(), o.at("samples").get<int64_t>()});
  }
  return out;
}

int64_t split_classes(const nlohmann::json& manifest, const std::string& split) {
  const auto& splits = manifest.at("splits");
  if (!splits.contains(split)) fail("dataset has no split '", split, "'");
  return static_cast<int64_t>(splits.at(split).at("classes").size());
}

}  // namespace tiersplit::real_exec
