// cmd_real.cpp: real two-tier execution — `dataset`, `serve`, `train`, `pretrain`, `testbed`.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"
#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/groups/group_dataset.hpp"
#include "real_exec/pushdown_server.hpp"
#include "real_exec/testbed.hpp"
#include "real_exec/trainer.hpp"

namespace tiersplit::cli {

namespace {

namespace rx = tiersplit::real_exec;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string read_token_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) fail("cannot read --token-file ", file);
  std::string t;
  std::getline(in, t);
  while (!t.empty() && (t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) fail("--token-file ", file, " is empty");
  return t;
}

}  // namespace

std::string bearer_token(const std::string& token_file) {
  return token_file.empty() ? env_or("TIERSPLIT_TOKEN", "") : read_token_file(token_file);
}

namespace {

void write_report(const nlohmann::json& j, const std::string& output) {
  if (output.empty() || output == "-") {
    std::cout << j.dump(2) << "\n";
  } else {
    write_json_file(output, j);
    std::cerr << "wrote " << output << "\n";
  }
}

/// The options of `dataset import fashion-mnist --groups G ...` (data with groups).
struct GroupImportArgs {
  rx::groups::GroupImportOptions options;
  std::string sizes;  ///< --group-sizes "500,300,200"
  bool wanted() const { return options.sizes.groups > 0 || !sizes.empty(); }
};

std::shared_ptr<GroupImportArgs> add_group_import_options(CLI::App* imp) {
  auto g = std::make_shared<GroupImportArgs>();
  auto& o = g->options;
  imp->add_option("--groups", o.sizes.groups,
                  "Data with groups: this many groups (each its own task and objects)");
  imp->add_option("--group-samples", o.sizes.samples, "With --groups: samples in all groups");
  imp->add_option("--group-zipf", o.sizes.zipf,
                  "With --groups: size of group k ~ 1/k^A (0: equal groups)")
      ->capture_default_str();
  imp->add_option(
      "--largest-share", o.sizes.largest_share,
      "With --groups: the largest group's share of the samples (instead of --group-zipf)");
  imp->add_option("--group-sizes", g->sizes, "Data with groups of these sizes, e.g. 500,300,200");
  imp->add_option("--held-out", o.held_out, "Share of each group held out for testing")
      ->capture_default_str();
  imp->add_option("--favoured-classes", o.favoured_classes,
                  "Classes each group draws more often than the others")
      ->capture_default_str();
  imp->add_option("--favoured-weight", o.favoured_weight, "How much more often")
      ->capture_default_str();
  imp->add_option("--seed", o.seed, "Seed of the groups' draw")->capture_default_str();
  return g;
}

nlohmann::json import_groups(const rx::ImportOptions& base, GroupImportArgs& g, bool named) {
  auto& o = g.options;
  o.store = base.store;
  o.source_dir = base.source_dir;
  o.resolution = base.resolution;
  o.per_object = base.per_object;
  if (named) o.name = base.name;
  if (!g.sizes.empty()) o.sizes.sizes = parse_int_list(g.sizes, "--group-sizes");
  if (o.sizes.sizes.empty() && o.sizes.samples <= 0)
    fail("--groups ", o.sizes.groups, " needs --group-samples N (samples in all groups)");
  return rx::groups::import_fashion_mnist_groups(o);
}

void print_group_import(const nlohmann::json& m, bool json) {
  if (json) {
    std::cout << m.dump(2) << "\n";
    return;
  }
  std::cout << "imported " << m["groups"].size() << " groups of fashion-mnist as "
            << m["name"].get<std::string>() << "/ (" << m["samples"] << " samples, "
            << format_bytes(m["bytes"].get<double>()) << ")\n";
  for (const auto& grp : m["groups"]) {
    std::cout << "  " << grp["name"].get<std::string>() << ": " << grp["train_samples"]
              << " train, " << grp["test_samples"] << " held out, favoured classes "
              << grp["favoured_classes"].dump() << "\n";
  }
}

void add_dataset_command(CLI::App& app) {
  CLI::App* ds = app.add_subcommand("dataset", torch_command_description("dataset"));
  ds->require_subcommand(1);
  auto o = std::make_shared<rx::ImportOptions>();
  auto source_classes = std::make_shared<std::string>("0,1,2,3,4");
  auto dataset = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* imp = ds->add_subcommand(
      "import",
      "Write Fashion-MNIST (Debian's dataset-fashion-mnist) to a store as sample objects");
  imp->add_option("dataset", *dataset, "Data set to import (fashion-mnist)")->required();
  imp->add_option("--to", o->store, "Store URL: dir://PATH or swift://HOST:PORT/CONTAINER")
      ->required();
  imp->add_option("--resolution", o->resolution, "Image side after resizing [px]")
      ->capture_default_str();
  imp->add_option("--per-object", o->per_object, "Samples per object")->capture_default_str();
  imp->add_option("--name", o->name, "Object name prefix")->capture_default_str();
  imp->add_option("--source-dir", o->source_dir, "Directory with the gzip'd IDX files")
      ->capture_default_str();
  imp->add_option("--source-classes", *source_classes,
                  "Classes (0-9) of the source (pretraining) task; the others form the target task")
      ->capture_default_str();
  imp->add_option("--max-train-per-class", o->max_train_per_class,
                  "Training samples per class at most (0: all 6000)")
      ->capture_default_str();
  imp->add_option("--max-test-per-class", o->max_test_per_class,
                  "Test samples per class at most (0: all 1000)")
      ->capture_default_str();
  imp->add_flag("--json", *json, "Print the manifest as JSON");
  auto g = add_group_import_options(imp);
  imp->callback([o, source_classes, dataset, json, g, imp] {
    if (*dataset != "fashion-mnist") fail("unknown data set '", *dataset, "' (only fashion-mnist)");
    if (g->wanted()) {
      print_group_import(import_groups(*o, *g, imp->count("--name") > 0), *json);
      return;
    }
    o->source_classes.clear();
    std::stringstream ss(*source_classes);
    std::string item;
    while (std::getline(ss, item, ',')) {
      try {
        std::size_t used = 0;
        o->source_classes.push_back(std::stoll(item, &used));
        if (used != item.size()) throw std::invalid_argument(item);
      } catch (const std::exception&) {
        fail("--source-classes '", *source_classes, "': '", item, "' is not a class number");
      }
    }
    auto m = rx::import_fashion_mnist(*o);
    if (*json) {
      std::cout << m.dump(2) << "\n";
      return;
    }
    std::cout << "imported fashion-mnist into " << o->store << " as " << o->name << "/ ("
              << m["samples"] << " samples, " << format_bytes(m["bytes"].get<double>()) << ", "
              << fmt("%.1f", m["bytes_per_sample"].get<double>()) << " B/sample stored)\n";
    for (auto& [split, s] : m["splits"].items()) {
      std::cout << "  " << split << ": " << s["samples"] << " samples in " << s["objects"].size()
                << " objects, classes " << s["classes"].dump() << "\n";
    }
  });
}

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<rx::ServerOptions>();
  auto budget = std::make_shared<std::string>("2GiB");
  auto max_request = std::make_shared<std::string>("1MiB");
  auto max_response = std::make_shared<std::string>("512MiB");
  auto wait = std::make_shared<std::string>("2s");
  auto pace = std::make_shared<std::string>();
  auto pace_delay = std::make_shared<std::string>("0s");
  auto token_file = std::make_shared<std::string>();
  auto weights = std::make_shared<std::vector<std::string>>();
  auto pool_min = std::make_shared<std::string>("1MiB");
  CLI::App* cmd = app.add_subcommand("serve", torch_command_description("serve"));
  cmd->add_option("--store", o->store, "Store URL: dir://PATH or swift://HOST:PORT/CONTAINER")
      ->required();
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_flag("--allow-remote", o->allow_remote, "Allow a non-loopback --listen address");
  cmd->add_option(
      "--token-file", *token_file,
      "File whose first line is the bearer token clients must send (or TIERSPLIT_TOKEN)");
  cmd->add_option("--memory-budget", *budget, "Admission budget for requests in flight")
      ->capture_default_str();
  cmd->add_option("--admission-wait", *wait, "How long a request waits for memory before 503")
      ->capture_default_str();
  cmd->add_option("--max-request", *max_request, "Largest request body")->capture_default_str();
  cmd->add_option("--max-response", *max_response, "Largest response body")->capture_default_str();
  cmd->add_option("--max-samples", o->max_samples, "Most samples per request")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads (0: default)")
      ->capture_default_str();
  cmd->add_option("--compute-slots", o->compute_slots,
                  "Requests running their blocks at once, the others wait (0: no limit; on a "
                  "tier with few cores, cores / --threads)")
      ->capture_default_str();
  cmd->add_option("--http-threads", o->http_threads, "Requests served concurrently")
      ->capture_default_str();
  cmd->add_option("--tensor-pool-min", *pool_min,
                  "Tensors this large come from the server's bounded pool (0: malloc heap)")
      ->capture_default_str();
  cmd->add_option("--model", o->models, "Zoo model clients may use (repeatable; default: all)");
  cmd->add_option("--weights", *weights,
                  "Register weights: NAME=FILE or FILE (named by its stem); repeatable");
  cmd->add_option("--pace", *pace,
                  "Shape sends to this bandwidth (testbed fallback), e.g. 100Mbit");
  cmd->add_option("--pace-delay", *pace_delay, "Delay added per response by the pacer")
      ->capture_default_str();
  cmd->callback([o, budget, max_request, max_response, wait, pace, pace_delay, token_file, weights,
                 pool_min] {
    o->tensor_pool_min_bytes =
        *pool_min == "0" ? 0 : static_cast<int64_t>(parse_quantity(*pool_min, Dimension::kBytes));
    o->memory_budget_bytes = static_cast<int64_t>(parse_quantity(*budget, Dimension::kBytes));
    o->max_request_bytes = static_cast<int64_t>(parse_quantity(*max_request, Dimension::kBytes));
    o->max_response_bytes = static_cast<int64_t>(parse_quantity(*max_response, Dimension::kBytes));
    o->admission_wait_s = parse_quantity(*wait, Dimension::kDuration);
    o->token = bearer_token(*token_file);
    for (const auto& w : *weights) {
      auto eq = w.find('=');
      std::string name =
          eq == std::string::npos ? std::filesystem::path(w).stem().string() : w.substr(0, eq);
      std::string file = eq == std::string::npos ? w : w.substr(eq + 1);
      if (name.empty() || file.empty()) fail("--weights '", w, "' must be NAME=FILE or FILE");
      o->weights[name] = file;
    }
    std::string pace_env = env_or("TIERSPLIT_PACE", "");  // set by `testbed exec storage`
    o->link_note = env_or("TIERSPLIT_LINK_NOTE", "");     // likewise, in netns mode
    if (!pace->empty() || *pace_delay != "0s") {
      o->pace_bytes_per_second = pace->empty() ? 0 : parse_quantity(*pace, Dimension::kBandwidth);
      o->pace_delay_s = parse_quantity(*pace_delay, Dimension::kDuration);
    } else if (!pace_env.empty()) {
      auto comma = pace_env.find(',');
      o->pace_bytes_per_second =
          parse_non_negative(pace_env.substr(0, comma), "TIERSPLIT_PACE (bytes per second)");
      o->pace_delay_s = comma == std::string::npos
                            ? 0
                            : parse_non_negative(pace_env.substr(comma + 1),
                                                 "TIERSPLIT_PACE (delay in seconds, after ',')");
    }
    rx::PushdownServer server(*o);
    int port = server.start();
    auto [host, _] = rx::parse_listen_address(o->listen);
    std::cout << "tiersplit serve: listening on http://" << host << ":" << port << " (store "
              << o->store << ", memory budget "
              << format_bytes(static_cast<double>(o->memory_budget_bytes)) << ", token "
              << (o->token.empty() ? "none" : "required") << ", compute slots "
              << (o->compute_slots > 0 ? std::to_string(o->compute_slots) : "unlimited")
              << ", link " << server.link() << ")" << std::endl;
    server.wait();
  });
}

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<rx::TrainOptions>();
  auto output = std::make_shared<std::string>();
  auto token_file = std::make_shared<std::string>();
  auto retry = std::make_shared<std::string>("60s");
  CLI::App* cmd = app.add_subcommand("train", torch_command_description("train"));
  cmd->add_option("--server", o->server, "Pushdown server URL")->capture_default_str();
  cmd->add_option("--token-file", *token_file, "Bearer token file (or TIERSPLIT_TOKEN)");
  cmd->add_option("--dataset", o->dataset, "Data set name in the store")->capture_default_str();
  cmd->add_option("--train-split", o->train_split, "Split to train on")->capture_default_str();
  cmd->add_option("--eval-split", o->eval_split, "Held-out split")->capture_default_str();
  cmd->add_option("--model,-m", o->model, "Zoo model")->capture_default_str();
  cmd->add_option("--weights", o->weights_file, "Pretrained weights file (default: random init)");
  cmd->add_option("--server-weights", o->server_weights,
                  "Name the server registered the weights under (default: file stem)");
  cmd->add_option("--init-seed", o->init_seed, "Seed of the random initialisation")
      ->capture_default_str();
  cmd->add_option("--split,-s", o->split, "Split point s: blocks [0,s) run on the server")
      ->capture_default_str();
  cmd->add_option("--freeze,-f", o->freeze, "Freeze index f (-1: the model's default)")
      ->capture_default_str();
  cmd->add_option("--storage-batch,-b", o->storage_batch, "Server-side mini-batch b")
      ->capture_default_str();
  cmd->add_option("--batch,-B", o->batch, "Training batch B")->capture_default_str();
  cmd->add_option("--requests", o->requests, "Concurrent requests per batch (0: ceil(B/128))")
      ->capture_default_str();
  cmd->add_option("--prefetch", o->prefetch, "Batches fetched ahead of training (0: none)")
      ->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Epochs")->capture_default_str();
  cmd->add_option("--iterations", o->max_iterations, "Stop after this many iterations (0: all)")
      ->capture_default_str();
  cmd->add_option("--optimizer", o->optimizer, "sgd (with momentum) or adam")
      ->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate")->capture_default_str();
  cmd->add_option("--momentum", o->momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Data order and training seed")->capture_default_str();
  cmd->add_option("--eval-samples", o->eval_samples, "Held-out samples (0: all, -1: skip)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads (0: default)")
      ->capture_default_str();
  cmd->add_option("--heap-reserve", o->heap_reserve_mib,
                  "Heap faulted in before the first step [MiB] (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, tiersplit::kMaxHeapReserveMiB));
  cmd->add_option("--retry-timeout", *retry, "Give up on a request after retrying this long")
      ->capture_default_str();
  cmd->add_option("--checkpoint", o->checkpoint,
                  "Write weights, optimiser and progress to this file after iterations");
  cmd->add_option("--checkpoint-every", o->checkpoint_every,
                  "Iterations between checkpoints (the last one is always written)")
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume,
                "Continue from --checkpoint after its last completed iteration");
  cmd->add_option("--output,-o", *output, "Report JSON file (default: stdout)");
  cmd->callback([o, output, token_file, retry] {
    o->token = bearer_token(*token_file);
    o->retry.max_total_s = parse_quantity(*retry, Dimension::kDuration);
    nlohmann::json r = rx::run_training(*o);
    const auto& s = r["summary"];
    std::cerr << "train: " << s["iterations"] << " iterations, loss "
              << fmt("%.4f", s["first_loss"].get<double>()) << " -> "
              << fmt("%.4f", s["last_loss"].get<double>()) << ", "
              << fmt("%.1f", s["samples_per_s"].get<double>()) << " samples/s";
    if (!r["eval"].is_null()) {
      std::cerr << ", held-out accuracy "
                << fmt("%.2f%%", 100 * r["eval"]["accuracy"].get<double>());
    }
    std::cerr << ", link: " << r["link"].get<std::string>() << "\n";
    write_report(r, *output);
  });
}

void add_pretrain_command(CLI::App& app) {
  auto o = std::make_shared<rx::PretrainOptions>();
  auto report = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("pretrain", torch_command_description("pretrain"));
  cmd->add_option("--store", o->store, "Store URL")->required();
  cmd->add_option("--dataset", o->dataset, "Data set name in the store")->capture_default_str();
  cmd->add_option("--model,-m", o->model, "Zoo model")->capture_default_str();
  cmd->add_option("--output,-o", o->output, "Weights file to write (safetensors)")->required();
  cmd->add_option("--epochs", o->epochs, "Epochs")->capture_default_str();
  cmd->add_option("--iterations", o->max_iterations, "Stop after this many iterations (0: all)")
      ->capture_default_str();
  cmd->add_option("--batch,-B", o->batch, "Batch size")->capture_default_str();
  cmd->add_option("--optimizer", o->optimizer, "sgd or adam")->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Data order and training seed")->capture_default_str();
  cmd->add_option("--init-seed", o->init_seed, "Seed of the initial weights")
      ->capture_default_str();
  cmd->add_option("--eval-samples", o->eval_samples, "Source-test samples (0: all, -1: skip)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads (0: default)")
      ->capture_default_str();
  cmd->add_option("--report", *report, "Report JSON file (default: summary on stdout)");
  cmd->callback([o, report] {
    nlohmann::json r = rx::run_pretraining(*o);
    std::cout << "pretrain: " << r["iterations"] << " iterations, loss "
              << fmt("%.4f", r["losses"].front().get<double>()) << " -> "
              << fmt("%.4f", r["losses"].back().get<double>());
    if (!r["eval"].is_null()) {
      std::cout << ", source-test accuracy "
                << fmt("%.2f%%", 100 * r["eval"]["accuracy"].get<double>());
    }
    std::cout << "; wrote " << o->output << "\n";
    if (!report->empty()) write_json_file(*report, r);
  });
}

/// The words of `text`, split at whitespace ("ssh -tt  -p 22" -> ssh, -tt, -p, 22).
std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

void add_testbed_command(CLI::App& app) {
  auto o = std::make_shared<rx::TestbedOptions>();
  CLI::App* tb = app.add_subcommand("testbed", torch_command_description("testbed"));
  tb->require_subcommand(1);
  tb->add_option("--state-dir", o->state_dir, "Where the testbed's state is kept")
      ->capture_default_str();
  CLI::App* up =
      tb->add_subcommand("up", "Create the link (root: netns + veth + tc; else a pacer)");
  up->add_option("--bandwidth", o->bandwidth, "Link bandwidth")->capture_default_str();
  up->add_option("--delay", o->delay, "One-way delay")->capture_default_str();
  up->add_option("--mode", o->mode, "auto, netns, pacer or hosts (two real machines)")
      ->capture_default_str();
  up->add_option("--threads", o->threads, "Threads per tier")->capture_default_str();
  up->add_option("--workers", o->workers,
                 "Compute workers (groups runs): one namespace each behind a bridge, the store's "
                 "path shaped once for all (hosts: worker 0 on the compute host, the others on "
                 "--worker-host; default 1 + their number)")
      ->capture_default_str();
  up->add_option("--worker-bandwidth", o->worker_bandwidth,
                 "With --workers > 1: each worker's sends to the others")
      ->capture_default_str();
  // Real hosts (mode hosts, implied by --storage-host): nothing is shaped, the bandwidth and
  // delay above are the link's nominal values.
  auto& h = o->hosts;
  up->add_option("--storage-host", h.storage_host, "hosts: the storage tier, e.g. user@store1");
  up->add_option("--compute-host", h.compute_host, "hosts: the compute tier, e.g. user@gpu1");
  up->add_option("--server-address", h.server_address,
                 "hosts: the storage host's address as the compute host reaches it (default: "
                 "the storage host's name)");
  up->add_option("--storage-cores", h.storage_cores, "hosts: taskset list on the storage host");
  up->add_option("--compute-cores", h.compute_cores,
                 "hosts: taskset list on the compute host (and the workers' hosts)");
  up->add_option("--worker-host", h.worker_hosts,
                 "hosts: the host of worker 1, 2, ... of groups runs (repeatable; worker 0 runs "
                 "on the compute host)");
  auto launcher = std::make_shared<std::string>();
  up->add_option("--launcher", *launcher,
                 "hosts: command that runs a shell line on a host, as 'LAUNCHER HOST LINE' "
                 "(default: ssh -tt -o BatchMode=yes -o ConnectTimeout=10)");
  up->add_option("--remote-tiersplit", h.tiersplit,
                 "hosts: tiersplit's path on the hosts (default: this executable's path)");
  up->add_option("--shared-dir", h.shared_dir,
                 "hosts: check that every host sees this directory at the same path");
  up->callback([up, o, launcher] {
    if (!o->hosts.storage_host.empty() && o->mode == "auto") o->mode = "hosts";
    if (o->mode != "hosts" && (!o->hosts.storage_host.empty() || !o->hosts.compute_host.empty() ||
                               !o->hosts.worker_hosts.empty()))
      fail("--storage-host, --compute-host and --worker-host need --mode hosts (not ", o->mode,
           ")");
    if (o->mode == "hosts" && up->count("--workers") == 0)
      o->workers = 1 + static_cast<int>(o->hosts.worker_hosts.size());
    if (!launcher->empty()) o->hosts.launcher = split_words(*launcher);
    std::cout << rx::testbed_up(*o).dump(2) << "\n";
  });
  CLI::App* down = tb->add_subcommand("down", "Remove the link and namespace");
  down->callback([o] { std::cout << rx::testbed_down(o->state_dir).dump(2) << "\n"; });
  CLI::App* status = tb->add_subcommand("status", "Print the testbed's state");
  status->callback([o] { std::cout << rx::testbed_state(o->state_dir).dump(2) << "\n"; });
  auto tier = std::make_shared<std::string>();
  auto command = std::make_shared<std::vector<std::string>>();
  CLI::App* ex =
      tb->add_subcommand("exec", "Run a command on a tier: testbed exec TIER -- CMD ...");
  ex->add_option("tier", *tier, "storage, compute or worker-R")->required();
  ex->add_option("command", *command, "Command and arguments (after --)")->required();
  ex->callback([o, tier, command] { rx::testbed_exec(o->state_dir, *tier, *command); });
}

}  // namespace

void add_real_exec_commands(CLI::App& app) {
  add_dataset_command(app);
  add_serve_command(app);
  add_train_command(app);
  add_pretrain_command(app);
  add_testbed_command(app);
}

}  // namespace tiersplit::cli
