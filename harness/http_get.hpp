// A small HTTP/1.1 GET for observing a system under test over its web APIs (a radloop portal,
// QIDO-RS, FHIR): one request, one connection, a timeout, no redirects.
#pragma once

#include <chrono>
#include <string>

#include "reference/core/result.hpp"

namespace radloop::harness {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// url: http://host[:port]/path?query. connect_failed / reply_timeout / invalid_input as errors;
// any HTTP status is a reply.
Result<HttpReply> http_get(const std::string& url, const std::string& bearer_token = {},
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));

// Percent-encodes a query value.
std::string url_encode(const std::string& value);

}  // namespace radloop::harness
