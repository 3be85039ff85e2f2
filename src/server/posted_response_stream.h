// PostedResponseStream: the api::ResponseStream handed to a streaming response's producer.
// It may be called from any thread; every call is posted to the owning connection's thread,
// where Owner (HttpConnection or Http2Connection) does the actual work:
//   owner.StreamWrite(key, bytes, written), owner.StreamFinish(key),
//   owner.StreamOnClose(key, closed), owner.executor().
// `key` names the response (request sequence on HTTP/1.1, stream id on HTTP/2) so calls for
// a response that has already ended are recognised and answered with written(false).
// Holding the stream keeps the connection object (not the socket) alive.
#pragma once

#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "api/service.h"

namespace runnel::server {

template <class Owner, class Key>
class PostedResponseStream : public api::ResponseStream {
 public:
  PostedResponseStream(std::shared_ptr<Owner> owner, Key key)
      : owner_(std::move(owner)), key_(key) {}

  void Write(std::string bytes, std::function<void(bool ok)> written) override {
    boost::asio::post(owner_->executor(), [owner = owner_, key = key_, bytes = std::move(bytes),
                                           written = std::move(written)]() mutable {
      owner->StreamWrite(key, std::move(bytes), std::move(written));
    });
  }

  void Finish() override {
    boost::asio::post(owner_->executor(),
                      [owner = owner_, key = key_] { owner->StreamFinish(key); });
  }

  void OnClose(std::function<void()> closed) override {
    boost::asio::post(owner_->executor(), [owner = owner_, key = key_,
                                           closed = std::move(closed)]() mutable {
      owner->StreamOnClose(key, std::move(closed));
    });
  }

 private:
  const std::shared_ptr<Owner> owner_;
  const Key key_;
};

}  // namespace runnel::server
