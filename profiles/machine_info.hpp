// machine_info.hpp: facts about the machine a profile is measured on (CPU, memory, load, rates).
#pragma once

#include <cstdint>
#include <string>

namespace tiersplit::profiles {

std::string cpu_model();         ///< "AMD EPYC" from /proc/cpuinfo, or "unknown"
double total_memory_bytes();     ///< MemTotal from /proc/meminfo
double available_memory_bytes(); ///< MemAvailable from /proc/meminfo
double peak_resident_bytes();    ///< this process's largest resident set so far (getrusage)
double load_average();           ///< 1-minute load average
std::string utc_timestamp();     ///< "2026-11-22T21:30:00Z"
std::string libtorch_version();  ///< "1.13.1"

/// fp32 GEMM rate with the current LibTorch thread count [FLOP/s] (best of several 512^3 runs).
double measure_gemm_flops();
/// Copy bandwidth of a 256 MiB tensor, read + write bytes counted [B/s] (best of several runs).
double measure_copy_bandwidth();

}  // namespace tiersplit::profiles
