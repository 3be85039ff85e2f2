// The byte streams a connection can run over: plain TCP and TLS (OpenSSL through
// Boost.Asio). HttpConnection and Http2Connection are templates over these two and are
// instantiated for both in their .cc files; everything else about a session is shared.
#pragma once

#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace runnel::server {

using PlainStream = boost::beast::tcp_stream;
// Asio's ssl::stream directly: Boost 1.74's beast::ssl_stream (flat_stream) stalled on
// multi-buffer writes over ~1 MiB in our tests.
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// The TCP layer under either stream (timeouts, shutdown, close).
template <class Stream>
boost::beast::tcp_stream& TcpLayer(Stream& stream) {
  return boost::beast::get_lowest_layer(stream);
}

}  // namespace runnel::server
