// machine_info.cpp: /proc readers and two micro-benchmarks (GEMM rate, copy bandwidth).
#include "profiles/machine_info.hpp"

#include <sys/resource.h>

#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

namespace tiersplit::profiles {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

namespace {

double meminfo_bytes(const std::string& field) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  while (in >> key) {
    if (key == field) {
      in >> kib;
      return kib * 1024.0;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return 0;
}

}  // namespace

double total_memory_bytes() { return meminfo_bytes("MemTotal:"); }

double available_memory_bytes() { return meminfo_bytes("MemAvailable:"); }

double peak_resident_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string libtorch_version() {
  std::ostringstream os;
  os << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH;
  return os.str();
}

double measure_gemm_flops() {
  torch::NoGradGuard no_grad;
  const int64_t n = 512;
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::Tensor c = torch::mm(a, b);  // warm-up
  double best = 1e30;
  for (int i = 0; i < 7; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    c = torch::mm(a, b);
    best = std::min(best, seconds_since(t0));
  }
  return 2.0 * n * n * n / best;
}

double measure_copy_bandwidth() {
  torch::NoGradGuard no_grad;
  const int64_t n = 64ll << 20;  // 64 Mi floats = 256 MiB
  torch::Tensor src = torch::ones({n}), dst = torch::empty({n});
  dst.copy_(src);  // warm-up, faults the pages in
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    dst.copy_(src);
    best = std::min(best, seconds_since(t0));
  }
  return 2.0 * static_cast<double>(n) * sizeof(float) / best;
}

}  // namespace tiersplit::profiles
