// piece_stream.hpp: a worker's pushdown replies, fetched ahead in the order its tasks use them.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <vector>

#include "real_exec/protocol.hpp"

namespace tiersplit::real_exec::groups {

/// One piece as the server sent it (features at the split, labels, ids) and what it cost there.
struct Reply {
  torch::Tensor x, y, ids;
  int64_t bytes = 0;
  double server_compute_s = 0, server_compute_cpu_s = 0;
};

/// The replies of every piece a worker streams, in the order it uses them, across its tasks:
/// each pushdown started `depth` pieces ahead, so the store keeps working for this worker while
/// it trains from a cache, synchronises or starts its next task (as the simulator's fetcher).
class PieceStream {
 public:
  using Fetch = std::function<Reply(const std::vector<Segment>&)>;
  PieceStream(Fetch fetch, std::vector<std::vector<Segment>> pieces, int64_t depth);

  /// The next piece's reply (started earlier, or now); fails past the last piece.
  std::future<Reply> next();

 private:
  Fetch fetch_;
  std::vector<std::vector<Segment>> pieces_;
  int64_t depth_;
  std::size_t next_ = 0;
  std::deque<std::future<Reply>> ahead_;
};

}  // namespace tiersplit::real_exec::groups
