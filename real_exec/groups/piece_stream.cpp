// piece_stream.cpp: a worker's pushdown replies, fetched ahead (see piece_stream.hpp).
#include "real_exec/groups/piece_stream.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace tiersplit::real_exec::groups {

PieceStream::PieceStream(Fetch fetch, std::vector<std::vector<Segment>> pieces, int64_t depth)
    : fetch_(std::move(fetch)), pieces_(std::move(pieces)), depth_(std::max<int64_t>(1, depth)) {}

std::future<Reply> PieceStream::next() {
  for (; next_ < pieces_.size() && ahead_.size() < static_cast<std::size_t>(depth_); ++next_) {
    const std::vector<Segment>* s = &pieces_[next_];
    ahead_.push_back(std::async(std::launch::async, [this, s] { return fetch_(*s); }));
  }
  if (ahead_.empty())
    fail("the worker's stream ran out of pieces before its plan did (a bug in tiersplit)");
  std::future<Reply> f = std::move(ahead_.front());
  ahead_.pop_front();
  return f;
}

}  // namespace tiersplit::real_exec::groups
