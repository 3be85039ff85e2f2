#include "server/http2_stream.h"

#include <algorithm>
#include <cstring>

#include "common/buffer_pool.h"

namespace runnel::server {

std::string_view Http2Stream::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : fields) {
    if (name == lower_name) return value;
  }
  if (lower_name == "host") return Header(":authority");
  return {};
}

void Http2Stream::BuildRequest() {
  request.method = Header(":method");
  request.target = Header("x-amz-target");
  request.content_type = Header("content-type");
  request.body = body;
  request.header = [this](std::string_view lower_name) { return Header(lower_name); };
}

ptrdiff_t Http2Stream::ReadResponse(uint8_t* out, size_t length, bool* eof,
                                    std::vector<std::function<void(bool)>>& accepted) {
  *eof = false;
  if (!streaming) {
    const size_t n = std::min(length, response_body.size() - body_offset);
    std::memcpy(out, response_body.data() + body_offset, n);
    body_offset += n;
    if (body_offset == response_body.size()) {
      *eof = true;
      buffer_pool::Give(std::move(response_body));  // a large body is reused for a later answer
    }
    return static_cast<ptrdiff_t>(n);
  }
  size_t copied = 0;
  while (copied < length && !chunks.empty()) {
    Chunk& chunk = chunks.front();
    const size_t n = std::min(length - copied, chunk.bytes.size() - chunk_offset);
    std::memcpy(out + copied, chunk.bytes.data() + chunk_offset, n);
    copied += n;
    chunk_offset += n;
    if (chunk_offset == chunk.bytes.size()) {
      if (chunk.written) accepted.push_back(std::move(chunk.written));
      chunks.pop_front();
      chunk_offset = 0;
    }
  }
  if (chunks.empty() && finishing) {
    *eof = true;
    return static_cast<ptrdiff_t>(copied);
  }
  if (copied == 0) return -1;
  return static_cast<ptrdiff_t>(copied);
}

void Http2Stream::AbortStreaming() {
  if (!streaming) return;
  for (auto& chunk : chunks) {
    if (chunk.written) chunk.written(false);
  }
  chunks.clear();
  chunk_offset = 0;
  NotifyClosed();
}

void Http2Stream::NotifyClosed() {
  if (!streaming || close_fired || finishing) return;
  close_fired = true;
  if (auto closed = std::exchange(on_close, nullptr)) closed();
}

}  // namespace runnel::server
