#include "cli/bench/load_connection_factory.h"

#include "cli/bench/h2_load_connection.h"

namespace runnel::cli::bench {

LoadConnectionFactory::LoadConnectionFactory(boost::asio::io_context& ioc, const BenchContext& ctx)
    : ioc_(ioc),
      endpoint_(ctx.tcp_endpoint),
      http2_(ctx.options.http2),
      streams_per_connection_(std::max(1, ctx.options.streams_per_connection)) {}

std::shared_ptr<BenchConnection> LoadConnectionFactory::Make() {
  if (!http2_) return std::make_shared<LoadConnection>(ioc_, endpoint_);
  if (session_ == nullptr || slots_on_session_ == streams_per_connection_) {
    session_ = std::make_shared<H2Session>(ioc_, endpoint_);
    slots_on_session_ = 0;
  }
  ++slots_on_session_;
  return session_->NewSlot();
}

std::string_view ProtocolName(const BenchOptions& o) { return o.http2 ? "h2c" : "http/1.1"; }

}  // namespace runnel::cli::bench
