// TLS settings for MLLP over TLS, one block per side: the records every listener and client
// share (core/tls.hpp). Leaving the block out (std::nullopt in the configs) keeps plain TCP.
#pragma once

#include "reference/core/tls.hpp"

namespace radloop::mllp {

using ServerTls = radloop::ServerTls;
using ClientTls = radloop::ClientTls;

}  // namespace radloop::mllp
