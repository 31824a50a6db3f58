// pretrain.cpp: `tiersplit pretrain` — train a whole backbone on the source classes from the store.
#include <chrono>
#include <map>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/tensor_codec.hpp"
#include "real_exec/train_common.hpp"
#include "real_exec/trainer.hpp"

namespace tiersplit::real_exec {

namespace {

/// Reads segments straight from the store; decoded objects stay cached (source splits are small).
class StoreReader {
 public:
  explicit StoreReader(ObjectStore& store) : store_(store) {}
  std::pair<torch::Tensor, torch::Tensor> read(const std::vector<Segment>& segs, int64_t R) {
    const int64_t n = segments_samples(segs), px = 3 * R * R;
    auto x = torch::empty({n, 3, R, R}, torch::kUInt8);
    auto y = torch::empty({n}, torch::kInt64);
    int64_t k = 0;
    for (const auto& s : segs) {
      auto it = cache_.find(s.object);
      if (it == cache_.end()) {
        it = cache_.emplace(s.object, decode_sample_object(store_.get(s.object), s.object)).first;
      }
      const SampleObject& o = it->second;
      if (o.height != R)
        fail(s.object, ": resolution ", o.height, " differs from the manifest's ", R);
      std::memcpy(x.data_ptr<uint8_t>() + k * px, o.pixels.data() + s.first * px, s.count * px);
      for (int64_t j = 0; j < s.count; ++j) y.data_ptr<int64_t>()[k + j] = o.labels[s.first + j];
      k += s.count;
    }
    return {normalise_images(x), y};
  }

 private:
  ObjectStore& store_;
  std::map<std::string, SampleObject> cache_;
};

}  // namespace

nlohmann::json run_pretraining(const PretrainOptions& o) {
  if (o.output.empty()) fail("--output is required (the weights file to write)");
  if (o.batch < 1) fail("--batch ", o.batch, " must be >= 1");
  if (o.epochs < 1) fail("--epochs ", o.epochs, " must be >= 1");
  if (o.threads > 0) torch::set_num_threads(o.threads);
  auto store = open_store(o.store);
  nlohmann::json manifest = load_manifest(*store, o.dataset);
  const int64_t R = manifest.at("resolution").get<int64_t>();
  const int64_t classes = split_classes(manifest, o.train_split);
  auto objects = split_objects(manifest, o.train_split);
  models::BlockModel model =
      make_model({o.model, classes, R, "random:" + std::to_string(o.init_seed), ""});
  model->train();
  auto optimizer = make_optimizer(o.optimizer, model->parameters(), o.lr, o.momentum);
  torch::manual_seed(static_cast<uint64_t>(o.seed));
  StoreReader reader(*store);
  nlohmann::json losses = nlohmann::json::array();
  const auto t0 = std::chrono::steady_clock::now();
  int64_t iterations = 0;
  for (int64_t e = 0; e < o.epochs; ++e) {
    auto plan =
        plan_epoch(objects, o.batch, epoch_order_seed(static_cast<uint64_t>(o.seed), e), true);
    ProgressBar bar("pretrain epoch " + std::to_string(e + 1), static_cast<int64_t>(plan.size()));
    for (const auto& segs : plan) {
      if (o.max_iterations > 0 && iterations >= o.max_iterations) break;
      auto [x, y] = reader.read(segs, R);
      losses.push_back(train_step(model, *optimizer, x, y, 0, 0));
      ++iterations;
      bar.advance(1);
    }
    bar.finish();
  }
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Source-task accuracy on the held-out split.
  nlohmann::json eval = nullptr;
  if (o.eval_samples >= 0) {
    model->eval();
    torch::NoGradGuard no_grad;
    int64_t correct = 0, count = 0;
    for (auto segs : plan_epoch(split_objects(manifest, o.eval_split), o.batch, 0, false)) {
      if (o.eval_samples > 0) segs = truncate_segments(segs, o.eval_samples - count);
      if (segs.empty()) break;
      auto [x, y] = reader.read(segs, R);
      correct += model->forward(x).argmax(1).eq(y).sum().item<int64_t>();
      count += y.size(0);
    }
    eval = {{"split", o.eval_split},
            {"samples", count},
            {"accuracy", count ? static_cast<double>(correct) / count : 0.0}};
  }
  save_weights(model, o.output,
               {{"dataset", o.dataset},
                {"trained_on", o.train_split},
                {"iterations", std::to_string(iterations)}});
  return {
      {"model", o.model},         {"output", o.output}, {"num_classes", classes}, {"resolution", R},
      {"iterations", iterations}, {"wall_s", wall_s},   {"losses", losses},       {"eval", eval}};
}

}  // namespace tiersplit::real_exec
