// StreamRegistry: every stream of every account on this server, their shards' logs, and the
// Kinesis semantics of the data plane (routing, sequence numbers, iterators, retention).
// No HTTP or JSON here: inputs are validated by the api layer, errors are StreamError facts.
//
// Directory layout under the data dir:
//   iterator.key                    32-byte HMAC key for shard iterators
//   streams/<dir_name>/stream.json  StreamMeta (atomic replace)
//   streams/<dir_name>/shard-<n>/   one storage::Log per shard
//   accounts/<account>.json         AccountSettings (atomic replace; absent = defaults)
// <dir_name> is "<created_ms>-<random hex>", never the stream's raw name.
//
// Threading: all methods are thread-safe. The put path takes the registry lock and the
// stream lock in shared mode only; appends to different shards never wait for each other
// except to share an fsync (storage::Committer).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/committer.h"
#include "storage/log.h"
#include "stream/account_settings.h"
#include "stream/shard_iterator.h"
#include "stream/shard_waiters.h"
#include "stream/subscriptions.h"
#include "stream/stream_error.h"
#include "stream/stream_meta.h"

namespace runnel::stream {

struct RegistryOptions {
  std::filesystem::path data_dir = "data";
  std::string region = "us-east-1";
  storage::LogOptions log;
  int64_t transition_ms = 100;      // CREATING/UPDATING -> ACTIVE, DELETING -> gone
  uint32_t shard_limit = 20000;     // account shard quota (DescribeLimits.ShardLimit)
  uint32_t on_demand_stream_limit = 50;
  uint32_t on_demand_shard_count = 4;  // shards of a new ON_DEMAND stream
  uint32_t consumer_limit = 20;        // registered consumers per stream (AWS: 20)
  int64_t retention_interval_ms = 1000;  // background retention pass period (Clock time)
};

struct CreateStreamRequest {
  std::string account;
  std::string name;
  uint32_t shard_count = 1;
  StreamMode mode = StreamMode::kProvisioned;
  std::map<std::string, std::string> tags;
  std::optional<uint32_t> max_record_size_kib;
  std::optional<uint32_t> warm_throughput_mibps;  // ON_DEMAND only; checked by the api layer
};

struct PutEntry {
  std::string_view partition_key;
  std::string_view data;
  std::optional<HashKey> explicit_hash_key;
};

struct PutEntryResult {
  uint32_t shard_index = 0;
  uint8_t sequence_length = 0;
  char sequence[64] = {};
  std::string_view sequence_number() const { return {sequence, sequence_length}; }
};

struct PutOutcome {
  std::vector<PutEntryResult> entries;  // same order as the request
  bool encrypted = false;
};
using PutCallback = std::function<void(StreamResult<PutOutcome>)>;

enum class IteratorType { kAtSequenceNumber, kAfterSequenceNumber, kTrimHorizon, kLatest, kAtTimestamp };

struct GetShardIteratorRequest {
  std::string_view account;
  std::string_view stream;
  std::string_view shard_id;
  IteratorType type = IteratorType::kTrimHorizon;
  std::optional<std::string_view> starting_sequence_number;
  std::optional<int64_t> timestamp_ms;
};

struct OutRecord {
  PutEntryResult sequence;  // reuses the fixed sequence buffer
  int64_t arrival_ms = 0;
  std::string_view partition_key;  // points into GetRecordsOutput::buffer
  std::string_view data;
  bool encrypted = false;
};

struct ChildShard {
  std::string shard_id;
  std::vector<std::string> parents;
  HashKeyRange range;
};

struct GetRecordsOutput {
  std::vector<OutRecord> records;
  std::optional<std::string> next_iterator;  // absent iff shard end (children non-empty)
  int64_t millis_behind_latest = 0;
  // When the read reached the end of an open shard: the arrival time (Clock ms) of the
  // shard's newest record, 0 if it has none. Otherwise 0. The api layer uses it to decide
  // whether an empty answer is worth holding for a moment (GetRecords' tail wait).
  int64_t tail_arrival_ms = 0;
  std::vector<ChildShard> child_shards;
  storage::ReadBuffer buffer;  // backing storage of the records' views
};

class StreamRegistry {
 public:
  // Loads every stream under options.data_dir (recovering each shard's log), finishing any
  // deletion that was in progress. Logs what recovery truncated.
  static StreamResult<std::unique_ptr<StreamRegistry>> Open(RegistryOptions options,
                                                            storage::Committer* committer);
  ~StreamRegistry();

  // --- control plane -------------------------------------------------------------------
  // CreateStream makes at most this many shard logs on the caller's thread. A larger stream
  // returns at once and stays CREATING while the maintenance thread makes its logs.
  static constexpr uint32_t kMaxShardsCreatedInline = 64;
  StreamResult<void> CreateStream(const CreateStreamRequest& req);
  StreamResult<void> DeleteStream(std::string_view account, std::string_view name,
                                  bool enforce_consumer_deletion);
  // A snapshot of the stream's metadata with the status resolved at now.
  StreamResult<StreamMeta> Describe(std::string_view account, std::string_view name) const;
  // Streams of `account`, sorted by name (snapshots; shards omitted).
  std::vector<StreamMeta> List(std::string_view account) const;

  // Applies `change` to the stream's metadata under the stream's exclusive lock, then
  // persists it atomically. If `change` fails nothing is written. With kActive the stream
  // must be ACTIVE (else kStreamNotActive with the status). Returns the new snapshot.
  // To pass through UPDATING, `change` calls BeginUpdating(meta).
  enum class Require { kAny, kActive };
  StreamResult<StreamMeta> UpdateStream(std::string_view account, std::string_view name,
                                        Require require,
                                        const std::function<StreamResult<void>(StreamMeta&)>& change);
  // Sets UPDATING until now + transition_ms (ACTIVE again after that).
  void BeginUpdating(StreamMeta& meta) const;

  // Offsets of a shard, for describing sequence-number ranges and shard filters.
  struct ShardPosition {
    uint64_t end_offset = 0;
    int64_t last_timestamp_ms = 0;
  };
  StreamResult<ShardPosition> PositionOf(std::string_view account, std::string_view name,
                                         uint32_t shard_index) const;

  // --- resharding (resharding.cc; pure shard-list logic in resharding.h) ----------------
  // Each runs under the stream's exclusive lock, so no put routes or appends meanwhile:
  // checks (ACTIVE, PROVISIONED, shards exist and are open, ranges, account quota), opens
  // the children's logs, persists the new shard list atomically, then publishes it and sets
  // UPDATING for transition_ms. Afterwards puts go to the children; parents stay readable.
  StreamResult<void> SplitShard(std::string_view account, std::string_view name,
                                std::string_view shard_id,
                                std::string_view new_starting_hash_key);
  // Either order of the two shards is accepted; the child's parent is `shard_id`.
  StreamResult<void> MergeShards(std::string_view account, std::string_view name,
                                 std::string_view shard_id, std::string_view adjacent_shard_id);
  struct ScalingResult {
    uint32_t current = 0;  // open shards before
    uint32_t target = 0;
  };
  // UNIFORM_SCALING with AWS's limits (<= 2x, >= half, <= 10000, 10 calls per rolling 24 h).
  StreamResult<ScalingResult> UpdateShardCount(std::string_view account, std::string_view name,
                                               uint32_t target);

  // --- retention (retention.cc) --------------------------------------------------------
  // One pass at Clock::NowMs(): deletes sealed segments past every stream's retention and
  // forgets closed shards whose close time is past it (metadata first, then their files).
  // Runs every retention_interval_ms in the background; callable directly (tests, the
  // test-clock admin operation).
  void EnforceRetention();

  // --- data plane ----------------------------------------------------------------------
  // Routes and appends `entries`; `done` runs once they are durable under the sync mode
  // (possibly on the committer's completion thread). Entries must already be validated for shape.
  void PutRecords(std::string_view account, std::string_view name,
                  std::span<const PutEntry> entries,
                  std::optional<std::string_view> sequence_for_ordering, PutCallback done);

  StreamResult<std::string> GetShardIterator(const GetShardIteratorRequest& req);

  // `account` must own the iterator's stream. At most `limit` records and `max_bytes` of
  // stored record bytes (data + partition key + framing), but always at least one record
  // when one is there.
  static constexpr size_t kMaxGetRecordsBytes = 10u << 20;
  StreamResult<void> GetRecords(std::string_view account, std::string_view iterator,
                                uint32_t limit, GetRecordsOutput* out,
                                size_t max_bytes = kMaxGetRecordsBytes);

  // --- enhanced fan-out (consumers.cc) ------------------------------------------------
  struct ConsumerInfo {
    ConsumerMeta meta;  // status resolved at now
    std::string arn;
    std::string stream_arn;
  };
  // CREATING for transition_ms, then ACTIVE. The stream must be ACTIVE or UPDATING; at most
  // options().consumer_limit consumers and kMaxCreatingConsumers CREATING ones.
  StreamResult<ConsumerInfo> RegisterConsumer(std::string_view account, std::string_view stream,
                                              std::string_view name,
                                              std::map<std::string, std::string> tags);
  // kConsumerNotFound (value = the consumer's would-be ARN) if there is none by that name.
  StreamResult<ConsumerInfo> DescribeConsumer(std::string_view account, std::string_view stream,
                                              std::string_view name) const;
  // DELETING for transition_ms, then gone; ends the consumer's subscriptions at once.
  StreamResult<ConsumerInfo> DeregisterConsumer(std::string_view account,
                                                std::string_view stream, std::string_view name);
  // Registration order.
  StreamResult<std::vector<ConsumerInfo>> ListConsumers(std::string_view account,
                                                        std::string_view stream) const;

  // --- waiting for records (long polling, subscriptions; consumers.cc) -----------------
  // Runs `done(true)` on the waiters' thread once records at the iterator's position are
  // visible, or `done(false)` at `deadline`. An iterator that GetRecords would reject runs
  // `done(true)` at once (the caller's GetRecords then reports the error). Returns the wait's
  // id for waiters().Cancel, or 0 if `done` has already been scheduled without waiting.
  uint64_t WaitForRecords(std::string_view account, std::string_view iterator,
                          ShardWaiters::Clock::time_point deadline, ShardWaiters::Callback done);
  // The sequence number just before the iterator's position (SubscribeToShard's
  // ContinuationSequenceNumber before any record has been delivered): resuming with
  // AFTER_SEQUENCE_NUMBER from it starts at the same position.
  StreamResult<std::string> SequenceBefore(std::string_view account,
                                           std::string_view iterator) const;
  ShardWaiters& waiters() { return *waiters_; }
  Subscriptions& subscriptions() { return subscriptions_; }

  const RegistryOptions& options() const { return options_; }

  // Account-level settings (DescribeAccountSettings / UpdateAccountSettings).
  AccountSettingsStore& account_settings() { return account_settings_; }

  // What an account uses, for DescribeLimits and the quotas (every stream in the registry,
  // DELETING ones included, as CreateStream counts them). registry_accounts.cc.
  struct AccountUsage {
    uint64_t open_shards = 0;
    uint32_t on_demand_streams = 0;
  };
  AccountUsage UsageOf(std::string_view account) const;

  // Serializes the operations that check an account quota and then change what counts
  // against it: CreateStream's insertion, reshards that add open shards, and (held by the
  // action around UsageOf and UpdateStream) UpdateStreamMode to ON_DEMAND. Without it two
  // such calls could each pass a check that only one of them may pass. Lock order: before
  // the registry's and any stream's lock.
  [[nodiscard]] std::unique_lock<std::mutex> LockQuotas() {
    return std::unique_lock<std::mutex>(quota_mu_);
  }

  struct Stream;

 private:
  StreamRegistry(RegistryOptions options, storage::Committer* committer, std::string key);
  std::shared_ptr<Stream> Find(std::string_view account, std::string_view name) const;
  StreamResult<void> LoadAll();
  void MaintenanceLoop();
  void FinishDeletion(const std::shared_ptr<Stream>& s);
  // Creates the shard logs of a stream created with storage_pending (maintenance thread).
  void CreatePendingStorage(const std::shared_ptr<Stream>& s);
  // Creates the children's logs of a deferred UpdateShardCount, then applies it (maintenance
  // thread; resharding.cc).
  void CompletePendingReshard(const std::shared_ptr<Stream>& s);
  storage::Offset VisibleEnd(const storage::Log& log) const;
  // Wakes whoever waits for records of a closed shard of `s` (a reshard has just closed
  // it), so that they report its end at once. REQUIRES: s.mu held (consumers.cc).
  void WakeClosedShardWaitersLocked(const Stream& s);
  // Resharding and retention helpers.
  using ReshardPlan =
      std::function<StreamResult<void>(StreamMeta& meta, int64_t now_ms, uint32_t* peak_open)>;
  // `deferrable_target`: UpdateShardCount's target. When the plan creates more than
  // kMaxShardsCreatedInline children, the call only records it (pending_target_shards) and
  // CompletePendingReshard applies it once the children's logs exist.
  StreamResult<StreamMeta> Reshard(std::string_view account, std::string_view name,
                                   std::string_view operation, const ReshardPlan& plan,
                                   uint32_t deferrable_target = 0);
  uint64_t OpenShardsOfAccountExcept(std::string_view account, const Stream* except) const;
  void RemoveExpiredShards(const std::shared_ptr<Stream>& s, int64_t now_ms);

  RegistryOptions options_;
  AccountSettingsStore account_settings_{options_.data_dir / "accounts"};
  storage::Committer* committer_;
  IteratorCodec iterators_;
  std::mutex quota_mu_;  // LockQuotas()
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<Stream>, std::less<>> streams_;  // "account/name"
  std::atomic<bool> stop_{false};
  std::thread maintenance_;
  Subscriptions subscriptions_;
  // Last: destroyed first, running pending waits' callbacks while everything else exists.
  // Shared so committer callbacks can hold it weakly (they may outlive the registry).
  std::shared_ptr<ShardWaiters> waiters_ = std::make_shared<ShardWaiters>(
      [this](const storage::Log& log) { return VisibleEnd(log).value(); });
};

}  // namespace runnel::stream
