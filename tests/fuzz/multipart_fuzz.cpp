// libFuzzer target for multipart bodies (STOW-RS): the input is a Content-Type header and a body
// split at the first newline. Any bytes give parts or a located error; parts that parse, built
// again with a fresh boundary, parse back to the same parts.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "reference/portal/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace radloop::portal;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const auto header = newline == std::string_view::npos ? input : input.substr(0, newline);
  const auto body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  (void)parse_media_type(header);
  auto parts = parse_multipart(header, body);
  if (!parts) {
    if (parts.error().where.empty() || parts.error().detail.empty()) __builtin_trap();
    return 0;
  }
  const auto boundary = random_boundary();
  std::vector<Part> owned;
  for (const auto& part : *parts) owned.push_back({part.headers, std::string(part.body)});
  const auto rebuilt = build_multipart(owned, boundary);
  auto again = parse_multipart(multipart_related_content_type(boundary), rebuilt);
  if (!again || again->size() != parts->size()) __builtin_trap();
  for (std::size_t i = 0; i < parts->size(); ++i) {
    if ((*again)[i].body != (*parts)[i].body) __builtin_trap();
  }
  return 0;
}
