// PushConsumer: `runnel consume --consumer NAME`. Registers the enhanced fan-out consumer NAME
// on the stream when it does not exist (and waits, bounded, until it is ACTIVE), then reads
// every chosen shard through SubscribeToShard: one EventStreamCall per shard, all on one
// thread (one io_context), records handed to the sink as each event arrives.
//
// - A subscription that ends (after 5 minutes, or a dropped connection) is renewed
//   AFTER_SEQUENCE_NUMBER its last ContinuationSequenceNumber; records at or before the last
//   one delivered are skipped, so nothing is lost or repeated.
// - At a shard's end (an event without ContinuationSequenceNumber) its children are
//   subscribed once all their parents are finished (ShardTraversal).
// - Exception events and errors before streaming are reported on stderr. Retried with
//   backoff, a bounded number of times: ResourceInUseException (the previous subscription is
//   still held), LimitExceededException, InternalFailureException, 5xx and connection
//   failures. Anything else (e.g. ResourceNotFoundException: the consumer or stream is gone)
//   ends the command with that error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cli/consumer.h"
#include "cli/kinesis_client.h"

namespace runnel::cli {

struct PushOptions {
  ConsumeOptions consume;  // stream, start, shard, max_records, follow (wait_ms is unused)
  std::string consumer_name;
  bool deregister = false;                        // deregister the consumer at exit
  std::chrono::milliseconds active_wait{60000};   // for CREATING -> ACTIVE
  int max_retries = 8;                            // consecutive failures per shard
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_cap{2000};
  std::chrono::milliseconds idle_timeout{30000};  // silence before a connection counts as dead
};

struct PushStats {
  ConsumeStats consume;
  int64_t subscriptions = 0;  // SubscribeToShard calls that streamed
  bool registered = false;    // this run registered the consumer
  std::string consumer_arn;
};

// Finds consumer `name` of the stream `stream_arn`, registering it when it does not exist,
// and waits until it is ACTIVE (at most `wait`). *registered tells whether it was created.
KinesisResult<StreamConsumer> EnsureStreamConsumer(KinesisClient& client, std::string_view stream_arn,
                                                   std::string_view name,
                                                   std::chrono::milliseconds wait, bool* registered);

class PushConsumer {
 public:
  PushConsumer(KinesisClient& client, PushOptions options, Consumer::RecordSink sink,
               Consumer::PageDone event_done);
  KinesisResult<PushStats> Run();

 private:
  KinesisClient& client_;
  PushOptions options_;
  Consumer::RecordSink sink_;
  Consumer::PageDone event_done_;
};

}  // namespace runnel::cli
