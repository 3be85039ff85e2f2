// H2HeaderBlock: turns the HTTP/1.1 request head RequestBuilder renders ("POST / HTTP/1.1",
// "Host: ...", "Content-Type: ...", ...) into an HTTP/2 header list for nghttp2_submit_request:
// :method, :scheme, :authority (from Host), :path, then every other field with its name
// lower-cased; connection-specific fields (Connection, Keep-Alive, Transfer-Encoding, ...)
// are dropped. Scenarios thus render one head for both protocols and the h2 slot never needs
// to know which action it sends.
//
// No allocation once warm: the lower-cased names live in a reused buffer and the values
// point into the head (nghttp2 copies both while submitting).
#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

namespace runnel::cli::bench {

class H2HeaderBlock {
 public:
  // Fills the list from `head`; returns false if the request line is malformed. The list
  // points into `head` and into this object: both must outlive its use.
  bool Build(std::string_view head, std::string_view scheme = "http");
  const nghttp2_nv* data() const { return nv_.data(); }
  size_t size() const { return nv_.size(); }
  const std::vector<nghttp2_nv>& fields() const { return nv_; }

 private:
  void Add(std::string_view name, std::string_view value);

  std::vector<nghttp2_nv> nv_;
  std::string names_;  // lower-cased field names; reserved so pointers stay valid
};

}  // namespace runnel::cli::bench
