// heap.hpp: glibc heap settings that keep freed memory for reuse, and a faulted-in reserve, so
// that a training step does not stall while the kernel zeroes fresh pages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tiersplit {

/// Keep freed memory for reuse: no block is mapped on its own (glibc would return it on free and
/// the next pass would fault it in again), the heap grows in 64 MiB steps and its free top is
/// given back only above 2 GiB. main() calls this first; calling it again changes nothing.
void keep_freed_memory();

/// One malloc arena for every thread: memory a thread frees is reused by the next thread that
/// allocates. With keep_freed_memory(), per-thread arenas would each keep the largest request
/// their thread ever served, so a server with N handler threads would hold N times its memory
/// budget (measured: 4.4 GB for a 0.9 GiB budget and 16 threads; docs/reliability.md). The
/// pushdown server calls this before its threads start.
void share_one_arena();

/// Undoes keep_freed_memory() for blocks of at least `threshold` bytes: each gets pages of its
/// own, given back to the system when freed. The pushdown server, whose large tensors come from
/// its own pool (real_exec/tensor_pool.hpp), uses it so that response bodies do not leave the
/// heap holding the largest set it ever served.
void map_large_blocks(std::size_t threshold);

/// MiB of heap the trainer faults in before its first step (`--heap-reserve`): above the heap a
/// step of the zoo's largest models needs here (VGG-11 at 64 px, batch 32, about 1 GB), below
/// the 2 GiB at which glibc gives the heap's top back.
constexpr int64_t kDefaultHeapReserveMiB = 1536;

/// The largest reserve [MiB]: with the 64 MiB the heap grows by on top, glibc keeps a free top
/// below 2 GiB and would give a larger one straight back.
constexpr int64_t kMaxHeapReserveMiB = 1984;

/// Grows the main heap by `mib` MiB, writes one byte per page and frees the block again, so that
/// later allocations of the calling thread (the main thread's heap) up to that size reuse
/// faulted-in pages instead of faulting fresh ones (each a 4 KiB page the kernel zeroes: a
/// VGG-11 or AlexNet step that grows its heap by 64 MiB takes 20-35 ms longer). Calls
/// keep_freed_memory(). Returns the bytes now kept at the heap's top (glibc's keepcost), 0 for
/// `mib` = 0; fails naming the size if it is outside 0..kMaxHeapReserveMiB or cannot be had.
std::size_t reserve_heap(int64_t mib);

/// Page faults of the calling thread so far (minor and major): a step that faults in fresh
/// memory is slower than the same step on reused memory.
int64_t thread_page_faults();

}  // namespace tiersplit
