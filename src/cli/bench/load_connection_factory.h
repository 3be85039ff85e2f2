// LoadConnectionFactory: the one place scenarios get their data-plane connections from.
// HTTP/1.1 (default): every Make() is its own keep-alive connection. --http2: h2c sessions;
// every `streams_per_connection` consecutive Make() calls share one session, so N slots on
// one connection keep N requests in flight.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string_view>

#include "cli/bench/bench.h"
#include "cli/bench/load_connection.h"

namespace runnel::cli::bench {

class H2Session;

class LoadConnectionFactory {
 public:
  LoadConnectionFactory(boost::asio::io_context& ioc, const BenchContext& ctx);
  std::shared_ptr<BenchConnection> Make();

 private:
  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::endpoint endpoint_;
  bool http2_;
  int streams_per_connection_;
  std::shared_ptr<H2Session> session_;  // the session new slots join
  int slots_on_session_ = 0;
};

// "h2c" or "http/1.1", as the report prints it.
std::string_view ProtocolName(const BenchOptions& o);

}  // namespace runnel::cli::bench
