// cmd_profile.cpp: `tiersplit profile` — measure a per-block profile of a zoo model on this
// machine.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "common/error.hpp"
#include "common/strings.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "profiles/profiler.hpp"

namespace tiersplit::cli {

namespace {

struct ProfileCliOptions {
  profiles::ProfileRequest request;
  std::string batches = "1,2,4,8,16,32";
  std::string output;
  bool no_train = false;
  bool quiet = false;
};

void print_summary(const profiles::Profile& p) {
  std::vector<std::string> header{"block", "out/sample", "GFLOP/sample"};
  for (int64_t b : p.batch_sizes) header.push_back("b=" + std::to_string(b) + " [ms]");
  header.insert(header.end(), {"alpha [ms]", "beta [ms/sample]", "fit err", "train b=max [ms]"});
  TextTable t(header);
  for (const auto& b : p.blocks) {
    std::vector<std::string> row{b.name,
                                 format_bytes(static_cast<double>(b.output_bytes_per_sample)),
                                 fmt("%.3f", b.flops_per_sample / 1e9)};
    for (const auto& pt : b.forward) row.push_back(fmt("%.3f", pt.median_s * 1e3));
    row.push_back(fmt("%.3f", b.forward_fit.alpha_s * 1e3));
    row.push_back(fmt("%.3f", b.forward_fit.beta_s_per_sample * 1e3));
    row.push_back(fmt("%.1f%%", b.forward_fit.rel_rmse * 100));
    row.push_back(b.train.empty() ? "" : fmt("%.3f", b.train.back().median_s * 1e3));
    t.add(row);
  }
  std::cout << p.model << " at " << p.resolution << "x" << p.resolution << " on "
            << p.device.cpu_model << ", " << p.device.threads << " thread(s), LibTorch "
            << p.device.libtorch_version << "; GEMM " << format_flop_rate(p.device.peak_flops)
            << ", copy " << format_bytes(p.device.memory_bandwidth) << "/s; load average "
            << fmt("%.2f", p.device.load_average_start) << " -> "
            << fmt("%.2f", p.device.load_average_end) << "\n";
  t.print(std::cout);
}

void check_writable(const std::string& file) {
  std::string probe = file + ".tmp";
  std::FILE* f = std::fopen(probe.c_str(), "w");
  if (!f) fail(file, ": cannot write here (", std::strerror(errno), ")");
  std::fclose(f);
  std::remove(probe.c_str());
}

}  // namespace

void add_profile_command(CLI::App& app) {
  auto o = std::make_shared<ProfileCliOptions>();
  auto& r = o->request;
  CLI::App* cmd = app.add_subcommand("profile", torch_command_description("profile"));
  cmd->add_option("--model,-m", r.model, "Zoo model (see tiersplit models)")->required();
  cmd->add_option("--input", r.resolution, "Input resolution [px]")->capture_default_str();
  cmd->add_option("--classes", r.num_classes, "Number of classes")->capture_default_str();
  cmd->add_option("--batch", o->batches, "Batch sizes, comma separated, increasing")
      ->capture_default_str();
  cmd->add_option("--threads", r.threads, "LibTorch intra-op threads")->capture_default_str();
  cmd->add_option(
      "--freeze", r.freeze_index,
      "Freeze index: blocks from here on get forward+backward times (default: model's)");
  cmd->add_flag("--no-train", o->no_train, "Skip forward+backward measurements");
  cmd->add_option("--warmup", r.settings.warmup, "Untimed runs per block and batch size")
      ->capture_default_str();
  cmd->add_option("--min-repeats", r.settings.min_repeats, "Timed runs at least")
      ->capture_default_str();
  cmd->add_option("--max-repeats", r.settings.max_repeats, "Timed runs at most")
      ->capture_default_str();
  cmd->add_option("--target-spread", r.settings.target_spread,
                  "Stop once (q3-q1)/median is below this")
      ->capture_default_str();
  cmd->add_option("--max-seconds", r.settings.max_seconds_per_point,
                  "Time budget per block and batch size [s]")
      ->capture_default_str();
  cmd->add_option("--output,-o", o->output, "Output JSON (default: MODEL-rINPUT.json)");
  cmd->add_flag("--quiet,-q", o->quiet, "No summary table");
  cmd->callback([o] {
    auto& req = o->request;
    req.batch_sizes = parse_int_list(o->batches, "--batch");
    req.measure_train = !o->no_train;
    profiles::validate_request(req);
    if (o->output.empty()) o->output = req.model + "-r" + std::to_string(req.resolution) + ".json";
    check_writable(o->output);  // before minutes of measuring, not after
    profiles::Profile p = profiles::measure_profile(req);
    profiles::save_profile(o->output, p);
    if (!o->quiet) print_summary(p);
    std::cout << "wrote " << o->output << "\n";
  });
}

}  // namespace tiersplit::cli
