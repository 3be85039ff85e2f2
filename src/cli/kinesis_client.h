// KinesisClient: the Kinesis Data Streams JSON API (awsJson 1.1) over HttpClient, signed with
// SigV4. It knows only the public wire protocol, so it works against Runnel, kinesalite and
// AWS alike. Throttling (ProvisionedThroughputExceeded, LimitExceeded), 5xx answers and
// connection failures are retried with capped exponential backoff; other errors are returned
// as a ServiceError carrying the AWS error type and message.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/credentials.h"
#include "cli/http_client.h"
#include "common/result.h"

namespace runnel::cli {

struct ServiceError {
  std::string type;     // "ResourceNotFoundException"; "ConnectionError"/"Timeout" for transport failures
  std::string message;  // the body's message/Message
  int http_status = 0;  // 0 when no response was received
  bool IsConnectionError() const { return http_status == 0; }
};

template <class T>
using KinesisResult = Result<T, ServiceError>;

struct ClientOptions {
  Endpoint endpoint;
  std::string region = "us-east-1";
  Credentials credentials;
  int max_attempts = 10;  // per call, including the first; 1 disables retries
  int max_connection_attempts = 3;  // of those, how many may fail to reach the server
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds backoff_base{50};
  std::chrono::milliseconds backoff_cap{2000};
};

struct StreamSummary {
  std::string stream_name;
  std::string stream_arn;
  std::string stream_status;
  std::string stream_mode;
  int64_t open_shard_count = 0;
  int64_t retention_period_hours = 0;
  double creation_timestamp = 0;  // epoch seconds
  std::string raw_json;           // StreamDescriptionSummary, compact
};

struct ShardInfo {
  std::string shard_id;
  std::string parent_shard_id;
  std::string adjacent_parent_shard_id;
  std::string starting_hash_key;
  std::string ending_hash_key;
  std::string starting_sequence_number;
  std::string ending_sequence_number;  // empty while the shard is open
  std::string raw_json;                // the Shard object, compact
  bool IsOpen() const { return ending_sequence_number.empty(); }
};

struct PutRecordResult {
  std::string shard_id;
  std::string sequence_number;
};

struct PutRecordsEntry {
  std::string_view partition_key;
  std::string_view data;  // raw bytes; base64-encoded on the wire
};

struct PutRecordsEntryResult {
  std::string shard_id;         // set on success
  std::string sequence_number;  // set on success
  std::string error_code;       // set on failure
  std::string error_message;
  bool ok() const { return error_code.empty(); }
};

struct PutRecordsResult {
  int64_t failed_record_count = 0;
  std::vector<PutRecordsEntryResult> records;  // same order as the request
};

enum class IteratorType {
  kTrimHorizon,
  kLatest,
  kAtSequenceNumber,
  kAfterSequenceNumber,
  kAtTimestamp,
};
std::string_view IteratorTypeName(IteratorType type);

struct StartingPosition {
  IteratorType type = IteratorType::kTrimHorizon;
  std::string sequence_number;  // AT_/AFTER_SEQUENCE_NUMBER
  int64_t timestamp_ms = 0;     // AT_TIMESTAMP
};

struct Record {
  std::string sequence_number;
  std::string partition_key;
  std::string data;  // decoded bytes
  int64_t arrival_ms = 0;
};

struct ChildShard {
  std::string shard_id;
  std::vector<std::string> parent_shards;
};

struct GetRecordsResult {
  std::vector<Record> records;
  std::optional<std::string> next_shard_iterator;  // absent at the end of a closed shard
  int64_t millis_behind_latest = 0;
  std::vector<ChildShard> child_shards;
};

struct StreamConsumer {
  std::string name;
  std::string arn;
  std::string status;  // CREATING, ACTIVE, DELETING
};

// Parses one SubscribeToShardEvent payload (same record JSON as GetRecords). An absent
// ContinuationSequenceNumber (the last event of a closed shard) leaves it nullopt.
struct SubscribeToShardEvent {
  std::vector<Record> records;
  std::optional<std::string> continuation_sequence_number;
  int64_t millis_behind_latest = 0;
  std::vector<ChildShard> child_shards;
};
KinesisResult<SubscribeToShardEvent> ParseSubscribeToShardEvent(simdjson::dom::parser& parser,
                                                                std::string_view payload);

// Compares two decimal sequence numbers numerically (-1, 0, 1).
int CompareSequenceNumbers(std::string_view a, std::string_view b);

// The SubscribeToShard request body for `position`.
std::string SubscribeToShardBody(std::string_view consumer_arn, std::string_view shard_id,
                                 const StartingPosition& position);

class KinesisClient {
 public:
  explicit KinesisClient(ClientOptions options);

  const ClientOptions& options() const { return options_; }

  using Headers = std::vector<std::pair<std::string, std::string>>;

  // One action, signed and retried; returns the response body of the HTTP 200. `extra`
  // headers are sent as well, unsigned (e.g. x-runnel-wait-ms).
  KinesisResult<std::string> Call(std::string_view action, std::string_view body,
                                  const Headers& extra = {});

  // The headers of a signed request for `action` with `body` (Content-Type, X-Amz-Target,
  // X-Amz-Date, Authorization, User-Agent, X-Amz-Security-Token if any; not Host or
  // Content-Length). For requests sent on another connection (SubscribeToShard).
  Headers SignedHeaders(std::string_view action, std::string_view body) const;

  KinesisResult<void> CreateStream(std::string_view stream, int64_t shard_count);
  KinesisResult<void> DeleteStream(std::string_view stream);
  KinesisResult<StreamSummary> DescribeStreamSummary(std::string_view stream);
  KinesisResult<std::vector<std::string>> ListStreams();  // every page
  KinesisResult<std::vector<ShardInfo>> ListShards(std::string_view stream);  // every page
  KinesisResult<PutRecordResult> PutRecord(std::string_view stream, std::string_view partition_key,
                                           std::string_view data);
  KinesisResult<PutRecordsResult> PutRecords(std::string_view stream,
                                             const std::vector<PutRecordsEntry>& entries);
  KinesisResult<std::string> GetShardIterator(std::string_view stream, std::string_view shard_id,
                                              const StartingPosition& position);
  // wait_ms > 0 asks for long polling (Runnel's x-runnel-wait-ms header: an empty answer is
  // held up to that long until records arrive). Servers that do not know it ignore it.
  KinesisResult<GetRecordsResult> GetRecords(std::string_view shard_iterator, int64_t limit,
                                             int64_t wait_ms = 0);

  // Enhanced fan-out consumers.
  KinesisResult<StreamConsumer> RegisterStreamConsumer(std::string_view stream_arn,
                                                       std::string_view name);
  KinesisResult<StreamConsumer> DescribeStreamConsumer(std::string_view stream_arn,
                                                       std::string_view name);
  KinesisResult<void> DeregisterStreamConsumer(std::string_view consumer_arn);

 private:
  KinesisResult<std::string> CallOnce(std::string_view action, std::string_view body,
                                      const Headers& extra);
  KinesisResult<simdjson::dom::element> Parse(const std::string& body);

  ClientOptions options_;
  HttpClient http_;
  simdjson::dom::parser parser_;
};

// Parses an error response body into (type, message): strips any namespace before '#' and
// anything after ':' from __type; reads message or Message.
ServiceError ParseServiceError(int http_status, std::string_view body);

// Whether a failed call is worth retrying (throttling, 5xx, connection failures; not timeouts).
bool IsRetryable(const ServiceError& error);

}  // namespace runnel::cli
