// doctest_torch.hpp: include this instead of <doctest/doctest.h> in tests that use LibTorch.
// Debian's LibTorch is built with glog, whose logging.h defines CHECK, CHECK_EQ, ... as aborting
// assertions. Included after doctest they silently replace doctest's (uncounted, and a failure
// kills the whole test binary). So: LibTorch first, glog's macros removed, then doctest.
#pragma once

#include <torch/torch.h>

#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_LE
#undef CHECK_LT
#undef CHECK_GE
#undef CHECK_GT
#undef CHECK_NOTNULL

#include <doctest/doctest.h>
