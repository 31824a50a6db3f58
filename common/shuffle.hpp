// shuffle.hpp: a Fisher-Yates shuffle whose order depends only on the seed, the same on every
// platform (std::shuffle and std's distributions are not).
#pragma once

#include <random>
#include <utility>
#include <vector>

namespace tiersplit {

/// Shuffles `v` in place with draws rng() % i, from the back.
template <typename T>
void shuffle_in_place(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

}  // namespace tiersplit
