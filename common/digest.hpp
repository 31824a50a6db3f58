// digest.hpp: a short fingerprint of text or files, to tell whether two runs read the same input.
#pragma once

#include <cstdint>
#include <string>

namespace tiersplit {

/// 64-bit FNV-1a of `data`, continuing from `seed` (chain calls to digest several parts).
uint64_t fnv1a(const std::string& data, uint64_t seed = 0xcbf29ce484222325ULL);

/// The digest as 16 hex digits.
std::string hex_digest(uint64_t digest);

}  // namespace tiersplit
