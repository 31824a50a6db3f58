// cmd_models.cpp: `tiersplit models` — list the zoo, or one model's blocks with static metadata.
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "models/block_metadata.hpp"
#include "models/zoo.hpp"
#include "profiles/derive.hpp"

namespace tiersplit::cli {

namespace {

struct ModelsOptions {
  std::string model;
  int64_t resolution = 224;
  int64_t classes = 1000;
  bool json = false;
};

std::string shape_text(const std::vector<int64_t>& s) {
  std::ostringstream os;
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? "x" : "") << s[i];
  return os.str();
}

nlohmann::json metadata_json(const models::ModelMetadata& m) {
  nlohmann::json blocks = nlohmann::json::array();
  for (const auto& b : m.blocks) {
    blocks.push_back({{"index", b.index},
                      {"name", b.name},
                      {"kind", models::block_kind_name(b.kind)},
                      {"output_shape", b.output_shape},
                      {"output_bytes_per_sample", b.output_bytes_per_sample},
                      {"parameters", b.parameters},
                      {"flops_per_sample", b.flops_per_sample},
                      {"peak_activation_bytes_per_sample", b.peak_activation_bytes_per_sample}});
  }
  return {{"model", m.model},
          {"resolution", m.options.resolution},
          {"num_classes", m.options.num_classes},
          {"freeze_index", m.default_freeze},
          {"blocks", m.blocks.size()},
          {"parameters", m.parameters()},
          {"flops_per_sample", m.flops_per_sample()},
          {"input_bytes_per_sample", m.input_bytes_per_sample},
          {"block_list", blocks}};
}

/// Static metadata of a zoo model: read from the shipped profile when one matches (instant),
/// else computed with a batch-1 forward pass (seconds for the VGGs at 224).
models::ModelMetadata zoo_metadata(const std::string& name, const models::ModelOptions& opts) {
  std::string shipped = profiles::find_shipped_profile(name, opts.resolution);
  if (!shipped.empty()) {
    profiles::Profile p = profiles::load_profile(shipped);
    if (p.num_classes == opts.num_classes) {
      models::ModelMetadata meta;
      meta.model = p.model;
      meta.options = opts;
      meta.default_freeze = p.freeze_index;
      meta.input_shape = p.input_shape;
      meta.input_bytes_per_sample = p.input_bytes_per_sample;
      for (const auto& b : p.blocks) {
        models::BlockMetadata m;
        m.index = b.index;
        m.name = b.name;
        m.output_shape = b.output_shape;
        m.output_bytes_per_sample = b.output_bytes_per_sample;
        m.parameters = b.parameters;
        m.parameter_bytes = b.parameter_bytes;
        m.flops_per_sample = b.flops_per_sample;
        m.peak_activation_bytes_per_sample = b.peak_activation_bytes_per_sample;
        meta.blocks.push_back(m);
      }
      return meta;
    }
  }
  models::BlockModel m = models::build_model(name, opts);
  return models::compute_metadata(m, /*with_memory=*/false);
}

void list_zoo(const ModelsOptions& o) {
  torch::set_num_threads(2);
  nlohmann::json all = nlohmann::json::array();
  TextTable t({"model", "blocks", "freeze", "parameters", "GFLOP/sample", "description"});
  for (const auto& e : models::zoo()) {
    models::ModelOptions opts{o.classes, o.resolution};
    if (o.resolution < e.min_resolution || o.resolution % e.resolution_multiple) {
      t.add({e.name, "-", "-", "-", "-",
             "(resolution " + std::to_string(o.resolution) + " not valid)"});
      continue;
    }
    models::ModelMetadata meta = zoo_metadata(e.name, opts);
    all.push_back(metadata_json(meta));
    all.back().erase("block_list");
    t.add({e.name, std::to_string(meta.blocks.size()), std::to_string(meta.default_freeze),
           std::to_string(meta.parameters()), fmt("%.3f", meta.flops_per_sample() / 1e9),
           e.description});
  }
  if (o.json) {
    std::cout << all.dump(2) << "\n";
    return;
  }
  std::cout << "Model zoo at " << o.resolution << "x" << o.resolution << ", " << o.classes
            << " classes (freeze = leading blocks frozen during transfer learning):\n";
  t.print(std::cout);
  std::cout << "Details of one model: tiersplit models --model NAME\n";
}

void show_model(const ModelsOptions& o) {
  torch::set_num_threads(2);
  models::BlockModel m = models::build_model(o.model, {o.classes, o.resolution});
  models::ModelMetadata meta = models::compute_metadata(m, /*with_memory=*/true);
  if (o.json) {
    std::cout << metadata_json(meta).dump(2) << "\n";
    return;
  }
  TextTable t({"split", "block", "kind", "output", "out/sample", "params", "MFLOP/sample",
               "peak mem/sample", ""});
  t.add({"0", "(input)", "", shape_text(meta.input_shape),
         format_bytes(static_cast<double>(meta.input_bytes_per_sample)), "", "", "", ""});
  for (const auto& b : meta.blocks) {
    std::string note = b.index + 1 == meta.default_freeze ? "<- freeze index (largest split)" : "";
    t.add({std::to_string(b.index + 1), b.name, models::block_kind_name(b.kind),
           shape_text(b.output_shape), format_bytes(static_cast<double>(b.output_bytes_per_sample)),
           std::to_string(b.parameters), fmt("%.1f", b.flops_per_sample / 1e6),
           format_bytes(static_cast<double>(b.peak_activation_bytes_per_sample)), note});
  }
  std::cout << meta.model << " at " << o.resolution << "x" << o.resolution << ", " << o.classes
            << " classes: " << meta.blocks.size() << " blocks, " << meta.parameters()
            << " parameters, " << fmt("%.3f", meta.flops_per_sample() / 1e9)
            << " GFLOP/sample, default freeze index " << meta.default_freeze << "\n"
            << "Split s runs blocks [0,s) next to storage; the row with split s shows the tensor "
               "that crosses the network.\n";
  t.print(std::cout);
}

}  // namespace

void add_models_command(CLI::App& app) {
  auto opts = std::make_shared<ModelsOptions>();
  CLI::App* cmd = app.add_subcommand("models", torch_command_description("models"));
  cmd->add_option("--model,-m", opts->model, "Show the blocks of this model");
  cmd->add_option("--input", opts->resolution, "Input resolution [px]")->capture_default_str();
  cmd->add_option("--classes", opts->classes, "Number of classes")->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print JSON instead of a table");
  cmd->callback([opts] {
    if (opts->model.empty())
      list_zoo(*opts);
    else
      show_model(*opts);
  });
}

}  // namespace tiersplit::cli
