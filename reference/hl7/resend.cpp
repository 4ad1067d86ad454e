// The resend test (see resend.hpp).
#include "reference/hl7/resend.hpp"

#include <openssl/evp.h>

#include <array>
#include <string>

#include "reference/core/hex.hpp"
#include "reference/hl7/parser.hpp"

namespace radloop::hl7 {
namespace {

// The message as this parser writes it back, MSH-7 emptied; the raw bytes with every line break
// as CR when they do not parse.
std::string canonical(std::string_view raw) {
  auto parsed = parse(raw);
  if (parsed && parsed->set("MSH-7", "")) return parsed->serialize();
  std::string bytes;
  bytes.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    bytes += raw[i] == '\n' ? '\r' : raw[i];
  }
  while (!bytes.empty() && bytes.back() == '\r') bytes.pop_back();
  return bytes;
}

}  // namespace

bool same_message(std::string_view first, std::string_view again) {
  return first == again || canonical(first) == canonical(again);
}

std::string resend_digest(std::string_view raw) {
  const auto text = canonical(raw);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) return {};
  return to_hex(digest.data(), length);
}

}  // namespace radloop::hl7
