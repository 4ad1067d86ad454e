// multipart bodies as DICOMweb uses them (RFC 2046, RFC 2387): STOW-RS requests come in as
// multipart/related; WADO-RS responses go out the same way.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "reference/core/result.hpp"

namespace radloop::portal {

struct Part {
  std::map<std::string, std::string> headers;  // lowercase names ("content-type")
  std::string body;
};

// A Content-Type value read into its media type and parameters:
// `multipart/related; type="application/dicom"; boundary=x` -> "multipart/related",
// {type: application/dicom, boundary: x}. Type and parameter names lowercase; quoted values
// unquoted.
struct MediaType {
  std::string type;
  std::map<std::string, std::string> parameters;
};
Result<MediaType> parse_media_type(std::string_view content_type);

// A part as read: its headers, and its body as a view into the multipart body it came from,
// which must outlive it (a 64 MiB STOW-RS body is not copied part by part).
struct PartView {
  std::map<std::string, std::string> headers;  // lowercase names
  std::string_view body;
};

// The most parts one body may hold. Each costs a record however small it is: 64 MiB of empty
// parts would be five million of them. A STOW-RS client with more instances sends more requests.
inline constexpr std::size_t kMaxParts = 10'000;

// The parts of a multipart body; preamble and epilogue ignored. multipart_malformed, with `where`
// naming the place: "Content-Type" (not multipart, no or bad boundary), "body" (the boundary
// never appears, no parts, more than max_parts), "part N" / "part N headers" (N from 1: the part
// is cut off or its headers unreadable), "closing delimiter" (the body ends without --boundary--).
Result<std::vector<PartView>> parse_multipart(std::string_view content_type_header, std::string_view body,
                                              std::size_t max_parts = kMaxParts);
// Not from a temporary std::string: the parts would point into a string about to be destroyed.
template <typename String, typename = std::enable_if_t<std::is_same_v<std::remove_cvref_t<String>, std::string> &&
                                                       !std::is_lvalue_reference_v<String>>>
Result<std::vector<PartView>> parse_multipart(std::string_view content_type_header, String&& body,
                                              std::size_t max_parts = kMaxParts) = delete;

// The body of a multipart message with these parts, CRLF line ends, header names as given. The
// boundary must occur in no part's body: random_boundary() makes one that will not.
std::string build_multipart(const std::vector<Part>& parts, const std::string& boundary);

// The pieces of that body for one built as it is sent (WADO-RS from files): a part is
// part_opening(), its body, CRLF; the body ends with closing_delimiter().
std::string part_opening(const std::map<std::string, std::string>& headers, std::string_view boundary);
std::string closing_delimiter(std::string_view boundary);

// 32 random hex digits.
std::string random_boundary();

// multipart/related; type="application/dicom"; boundary=<boundary>
std::string multipart_related_content_type(std::string_view boundary, std::string_view type = "application/dicom");

}  // namespace radloop::portal
