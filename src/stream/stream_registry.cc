#include "stream/stream_registry.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

#include "common/clock.h"
#include "common/file.h"
#include "stream/registry_internal.h"
#include "stream/resharding.h"
#include "stream/tags.h"

namespace runnel::stream {
namespace fs = std::filesystem;

StreamError NotFound(std::string_view account, std::string_view name) {
  StreamError e;
  e.code = StreamErrc::kStreamNotFound;
  e.stream = std::string(name);
  e.account = std::string(account);
  return e;
}

int64_t ShardCreationSeconds(const ShardMeta& s) { return s.created_ms / 1000; }

namespace {

// AWS: LimitExceededException for more than five streams in CREATING at once per account.
constexpr uint64_t kMaxCreatingStreams = 5;

StreamError Internal(std::string detail) {
  StreamError e;
  e.code = StreamErrc::kInternal;
  e.value = std::move(detail);
  return e;
}

// Loads the iterator HMAC key, creating it on first start.
StreamResult<std::string> LoadOrCreateKey(const fs::path& data_dir) {
  fs::path p = data_dir / "iterator.key";
  std::error_code ec;
  if (fs::exists(p, ec)) {
    auto k = ReadFile(p);
    if (k && k->size() == 32) return std::move(*k);
    spdlog::warn("iterator.key is unreadable or damaged; generating a new one (old iterators "
                 "become invalid)");
  }
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32) != 1) {
    return MakeUnexpected(Internal("RAND_bytes failed"));
  }
  if (auto r = WriteFileAtomic(p, key); !r) return MakeUnexpected(Internal(r.error().what));
  return key;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

StreamResult<void> PersistMeta(const StreamRegistry::Stream& s) {
  if (auto r = WriteFileAtomic(s.dir / "stream.json", EncodeStreamMeta(s.meta)); !r) {
    return MakeUnexpected(Internal(r.error().what));
  }
  return {};
}

}  // namespace

StreamRegistry::StreamRegistry(RegistryOptions options, storage::Committer* committer,
                               std::string key)
    : options_(std::move(options)), committer_(committer), iterators_(std::move(key)) {}

StreamResult<std::unique_ptr<StreamRegistry>> StreamRegistry::Open(
    RegistryOptions options, storage::Committer* committer) {
  std::error_code ec;
  fs::create_directories(options.data_dir / "streams", ec);
  if (ec) {
    return MakeUnexpected(Internal("create " + (options.data_dir / "streams").string() + ": " +
                                   ec.message()));
  }
  auto key = LoadOrCreateKey(options.data_dir);
  if (!key) return MakeUnexpected(key.error());
  std::unique_ptr<StreamRegistry> r(
      new StreamRegistry(std::move(options), committer, std::move(*key)));
  if (auto l = r->LoadAll(); !l) return MakeUnexpected(l.error());
  r->maintenance_ = std::thread([p = r.get()] { p->MaintenanceLoop(); });
  return r;
}

StreamRegistry::~StreamRegistry() {
  stop_ = true;
  if (maintenance_.joinable()) maintenance_.join();
}

StreamResult<void> StreamRegistry::LoadAll() {
  fs::path root = options_.data_dir / "streams";
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    fs::path meta_path = entry.path() / "stream.json";
    auto text = ReadFile(meta_path);
    if (!text) {
      // A directory without metadata is a CreateStream that crashed before it was
      // acknowledged: nothing in it was ever visible. Remove it.
      spdlog::warn("removing incomplete stream directory {}", entry.path().string());
      std::error_code ec;
      fs::remove_all(entry.path(), ec);
      continue;
    }
    auto meta = DecodeStreamMeta(*text);
    if (!meta) return MakeUnexpected(Internal(meta.error()));
    auto s = std::make_shared<Stream>();
    s->meta = std::move(*meta);
    s->dir = entry.path();
    // Saved while its logs were still being created in the background: opened below.
    if (s->meta.transition_at_ms == kStoragePending) s->meta.transition_at_ms = Clock::NowMs();
    // A deferred UpdateShardCount: the maintenance thread creates the children's logs again
    // (directories a crash left half-made are removed below as unreferenced) and applies it.
    if (s->meta.pending_target_shards > 0 && s->meta.status != StreamStatus::kDeleting) {
      s->meta.status = StreamStatus::kUpdating;
      s->meta.transition_at_ms = kStoragePending;
      s->reshard_pending = true;
    }
    if (s->meta.status == StreamStatus::kDeleting) {
      FinishDeletion(s);
      continue;
    }
    for (const auto& shard : s->meta.shards) {
      storage::RecoveryReport report;
      auto log = storage::Log::Open(s->dir / fmt::format("shard-{}", shard.index), options_.log,
                                    &report);
      if (!log) {
        return MakeUnexpected(Internal(fmt::format("open stream {} shard {}: {}", s->meta.name,
                                                   shard.index, log.error().detail)));
      }
      if (!report.detail.empty()) {
        spdlog::warn("recovery of stream '{}' {}: {}", s->meta.name, ShardIdOf(shard.index),
                     report.detail);
      }
      s->logs.push_back(std::shared_ptr<storage::Log>(std::move(*log)));
    }
    RemoveUnreferencedShardDirs(*s);  // left by a crash during a reshard or an expiry
    spdlog::info("loaded stream '{}' (account {}, {} shards)", s->meta.name, s->meta.account,
                 s->meta.shards.size());
    streams_.emplace(RegistryKey(s->meta.account, s->meta.name), std::move(s));
  }
  return {};
}

std::shared_ptr<StreamRegistry::Stream> StreamRegistry::Find(std::string_view account,
                                                             std::string_view name) const {
  char buf[300];
  std::string_view key;
  std::string heap;
  if (account.size() + 1 + name.size() <= sizeof(buf)) {
    std::memcpy(buf, account.data(), account.size());
    buf[account.size()] = '/';
    std::memcpy(buf + account.size() + 1, name.data(), name.size());
    key = std::string_view(buf, account.size() + 1 + name.size());
  } else {
    heap = RegistryKey(account, name);
    key = heap;
  }
  std::shared_lock lock(mu_);
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : it->second;
}

StreamResult<void> StreamRegistry::CreateStream(const CreateStreamRequest& req) {
  const int64_t now = Clock::NowMs();
  uint32_t shard_count =
      req.mode == StreamMode::kOnDemand ? options_.on_demand_shard_count : req.shard_count;
  auto exists_error = [&] {
    StreamError e;
    e.code = StreamErrc::kStreamExists;
    e.stream = req.name;
    e.account = req.account;
    return e;
  };
  TagMap tags;
  if (auto r = AddTags(tags, req.tags, TagOwner{req.name, req.account}); !r) return r;
  // Quotas: the account's open shards, its ON_DEMAND streams and its streams in CREATING
  // (AWS: at most 5). Checked once up front (cheap failure before any disk work) and again
  // under the exclusive lock that inserts the stream, so that concurrent CreateStream calls
  // cannot together exceed a quota. REQUIRES: mu_ held (shared or exclusive).
  auto check_quotas = [&]() -> StreamResult<void> {
    if (streams_.count(RegistryKey(req.account, req.name))) {
      return MakeUnexpected(exists_error());
    }
    uint64_t open = 0, on_demand = 0, creating = 0;
    for (const auto& [k, s] : streams_) {
      std::shared_lock sl(s->mu);
      if (s->meta.account != req.account) continue;
      open += QuotaShardCount(s->meta);
      on_demand += s->meta.mode == StreamMode::kOnDemand ? 1 : 0;
      creating += s->meta.StatusAt(now) == StreamStatus::kCreating ? 1 : 0;
    }
    if (open + shard_count > options_.shard_limit) {
      StreamError e;
      e.code = StreamErrc::kShardLimitExceeded;
      e.account = req.account;
      e.other = options_.region;
      e.n1 = static_cast<int64_t>(open);
      e.n2 = options_.shard_limit;
      e.n3 = shard_count;
      return MakeUnexpected(e);
    }
    if (req.mode == StreamMode::kOnDemand && on_demand >= options_.on_demand_stream_limit) {
      StreamError e;
      e.code = StreamErrc::kOnDemandStreamLimit;
      e.account = req.account;
      e.other = options_.region;
      e.n1 = on_demand;
      e.n2 = options_.on_demand_stream_limit;
      return MakeUnexpected(e);
    }
    if (creating >= kMaxCreatingStreams) {
      StreamError e;
      e.code = StreamErrc::kCreatingStreamsLimit;
      e.account = req.account;
      e.n1 = kMaxCreatingStreams;
      return MakeUnexpected(e);
    }
    return {};
  };
  {
    std::shared_lock lock(mu_);
    if (auto r = check_quotas(); !r) return r;
  }

  auto s = std::make_shared<Stream>();
  StreamMeta& m = s->meta;
  m.account = req.account;
  m.region = options_.region;
  m.name = req.name;
  m.dir_name = fmt::format("{}-{}", now, RandomHex(6));
  m.created_ms = now;
  m.status = StreamStatus::kCreating;
  m.transition_at_ms = now + options_.transition_ms;
  m.mode = req.mode;
  m.tags = req.tags;
  if (req.max_record_size_kib) m.max_record_size_kib = *req.max_record_size_kib;
  m.warm_throughput_mibps = req.warm_throughput_mibps;
  auto ranges = SplitEvenly(shard_count);
  for (uint32_t i = 0; i < shard_count; ++i) {
    ShardMeta sh;
    sh.index = i;
    sh.range = ranges[i];
    sh.created_ms = now;
    m.shards.push_back(sh);
  }
  m.next_shard_index = shard_count;
  s->dir = options_.data_dir / "streams" / m.dir_name;

  std::error_code ec;
  fs::create_directories(s->dir, ec);
  if (ec) return MakeUnexpected(Internal("mkdir " + s->dir.string() + ": " + ec.message()));
  auto cleanup = [&] { fs::remove_all(s->dir, ec); };
  // Each shard log costs a few directory operations and fsyncs (about 1 ms here). Beyond a
  // few dozen shards they are made by the maintenance thread, as AWS creates a stream
  // asynchronously: the call returns at once, the stream stays CREATING until every log
  // exists, and no I/O thread is blocked for seconds. The metadata is durable first, so a
  // crash in between leaves a stream that LoadAll completes.
  const bool background = shard_count > kMaxShardsCreatedInline;
  for (size_t i = 0; !background && i < m.shards.size(); ++i) {
    auto log = storage::Log::Open(s->dir / fmt::format("shard-{}", m.shards[i].index),
                                  options_.log, nullptr);
    if (!log) {
      cleanup();
      return MakeUnexpected(Internal(log.error().detail));
    }
    s->logs.push_back(std::shared_ptr<storage::Log>(std::move(*log)));
  }
  if (auto r = PersistMeta(*s); !r) {
    cleanup();
    return r;
  }
  if (auto r = SyncDir(options_.data_dir / "streams"); !r) {
    cleanup();
    return MakeUnexpected(Internal(r.error().what));
  }
  {
    auto quota = LockQuotas();  // also against UpdateStreamMode and reshards
    std::unique_lock lock(mu_);
    if (auto r = check_quotas(); !r) {
      lock.unlock();
      s->logs.clear();
      cleanup();
      return r;
    }
    if (background) {
      s->storage_pending = true;
      m.transition_at_ms = kStoragePending;  // in memory only; persisted above as usual
    }
    streams_.emplace(RegistryKey(req.account, req.name), s);
  }
  spdlog::info("created stream '{}' (account {}, {} shards{})", m.name, m.account, shard_count,
               background ? ", shard logs being created in the background" : "");
  return {};
}

void StreamRegistry::CreatePendingStorage(const std::shared_ptr<Stream>& s) {
  std::vector<uint32_t> indexes;
  std::string name;
  {
    std::shared_lock sl(s->mu);
    if (!s->storage_pending || s->meta.status == StreamStatus::kDeleting) return;
    if (Clock::NowMs() < s->storage_retry_at_ms) return;
    for (const auto& sh : s->meta.shards) indexes.push_back(sh.index);
    name = s->meta.name;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<storage::Log>> logs;
  logs.reserve(indexes.size());
  for (uint32_t index : indexes) {
    // Stopping or deleting: whatever is left is done by LoadAll or removed with the stream.
    if (stop_) return;
    {
      std::shared_lock sl(s->mu);
      if (s->meta.status == StreamStatus::kDeleting) return;
    }
    auto log = storage::Log::Open(s->dir / fmt::format("shard-{}", index), options_.log, nullptr);
    if (!log) {
      spdlog::error("stream '{}': cannot create the log of {} (retrying in 1 s): {}", name,
                    ShardIdOf(index), log.error().detail);
      std::unique_lock sl(s->mu);
      s->storage_retry_at_ms = Clock::NowMs() + 1000;
      return;
    }
    logs.push_back(std::shared_ptr<storage::Log>(std::move(*log)));
  }
  // The shard directories' own entries: each log syncs its directory, but an entry in the
  // stream directory is durable only once that directory is synced (inline creation gets
  // this from writing stream.json after the logs). Records go to these logs once published.
  if (auto r = SyncDir(s->dir); !r) {
    spdlog::error("stream '{}': cannot sync {} (retrying in 1 s): {}", name, s->dir.string(),
                  r.error().what);
    std::unique_lock sl(s->mu);
    s->storage_retry_at_ms = Clock::NowMs() + 1000;
    return;
  }
  {
    std::unique_lock sl(s->mu);
    // CREATING admits no resharding and no shard expiry, so the shard list is unchanged.
    if (s->meta.status == StreamStatus::kDeleting || logs.size() != s->meta.shards.size()) return;
    s->logs = std::move(logs);
    s->storage_pending = false;
    s->meta.transition_at_ms = Clock::NowMs() + options_.transition_ms;
  }
  spdlog::info("stream '{}': {} shard logs created in {} ms", name, indexes.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
}

StreamResult<void> StreamRegistry::DeleteStream(std::string_view account, std::string_view name,
                                                bool enforce_consumer_deletion) {
  auto s = Find(account, name);
  if (!s) return MakeUnexpected(NotFound(account, name));
  std::string consumer_prefix;
  bool finish_now = false;
  {
    std::unique_lock sl(s->mu);
    if (s->meta.status == StreamStatus::kDeleting) return {};
    const int64_t now = Clock::NowMs();
    int64_t consumers = 0;
    for (const auto& c : s->meta.consumers) {
      consumers += c.StatusAt(now) != ConsumerStatus::kGone ? 1 : 0;
    }
    if (consumers > 0 && !enforce_consumer_deletion) {
      StreamError e;
      e.code = StreamErrc::kStreamHasConsumers;
      e.stream = std::string(name);
      e.account = std::string(account);
      e.n1 = consumers;
      return MakeUnexpected(e);
    }
    consumer_prefix = s->meta.Arn() + "/consumer/";
    // The maintenance thread may be creating this stream's logs (a large CreateStream or
    // UpdateShardCount): it finishes the deletion.
    finish_now = options_.transition_ms <= 0 && !s->storage_pending && !s->reshard_pending;
    s->meta.status = StreamStatus::kDeleting;
    s->meta.transition_at_ms = Clock::NowMs() + options_.transition_ms;
    if (auto r = PersistMeta(*s); !r) return r;
  }
  subscriptions_.EndConsumersWithPrefix(consumer_prefix);
  if (finish_now) FinishDeletion(s);
  return {};
}

void StreamRegistry::FinishDeletion(const std::shared_ptr<Stream>& s) {
  {
    std::unique_lock lock(mu_);
    auto it = streams_.find(RegistryKey(s->meta.account, s->meta.name));
    if (it != streams_.end() && it->second == s) streams_.erase(it);
  }
  std::unique_lock sl(s->mu);
  s->logs.clear();  // in-flight readers/writers keep their shared_ptr until done
  std::error_code ec;
  // Remove the metadata first: a crash half-way then leaves a directory without stream.json,
  // which LoadAll cleans up.
  fs::remove(s->dir / "stream.json", ec);
  (void)SyncDir(s->dir);
  fs::remove_all(s->dir, ec);
  if (ec) spdlog::warn("removing {}: {}", s->dir.string(), ec.message());
  spdlog::info("deleted stream '{}' (account {})", s->meta.name, s->meta.account);
}

StreamResult<StreamMeta> StreamRegistry::Describe(std::string_view account,
                                                  std::string_view name) const {
  auto s = Find(account, name);
  if (!s) return MakeUnexpected(NotFound(account, name));
  std::shared_lock sl(s->mu);
  StreamMeta m = s->meta;
  m.status = m.StatusAt(Clock::NowMs());
  return m;
}

std::vector<StreamMeta> StreamRegistry::List(std::string_view account) const {
  std::vector<StreamMeta> out;
  int64_t now = Clock::NowMs();
  std::shared_lock lock(mu_);
  for (const auto& [k, s] : streams_) {
    std::shared_lock sl(s->mu);
    if (s->meta.account != account) continue;
    StreamMeta m = s->meta;
    m.shards.clear();
    m.status = m.StatusAt(now);
    out.push_back(std::move(m));
  }
  return out;  // map order = "account/name" order = name order within an account
}

StreamResult<StreamMeta> StreamRegistry::UpdateStream(
    std::string_view account, std::string_view name, Require require,
    const std::function<StreamResult<void>(StreamMeta&)>& change) {
  auto s = Find(account, name);
  if (!s) return MakeUnexpected(NotFound(account, name));
  std::unique_lock sl(s->mu);
  const int64_t now = Clock::NowMs();
  StreamStatus status = s->meta.StatusAt(now);
  if (status == StreamStatus::kDeleting && require == Require::kAny) {
    return MakeUnexpected(NotFound(account, name));
  }
  if (require == Require::kActive && status != StreamStatus::kActive) {
    StreamError e;
    e.code = StreamErrc::kStreamNotActive;
    e.stream = std::string(name);
    e.account = std::string(account);
    e.other = std::string(StatusName(status));
    return MakeUnexpected(e);
  }
  StreamMeta updated = s->meta;
  updated.status = status;  // a due transition becomes permanent
  if (auto r = change(updated); !r) return MakeUnexpected(r.error());
  std::swap(s->meta, updated);
  if (auto r = PersistMeta(*s); !r) {
    std::swap(s->meta, updated);  // not durable: keep the old state
    return MakeUnexpected(r.error());
  }
  StreamMeta snapshot = s->meta;
  snapshot.status = snapshot.StatusAt(now);
  return snapshot;
}

void StreamRegistry::BeginUpdating(StreamMeta& meta) const {
  meta.status = StreamStatus::kUpdating;
  meta.transition_at_ms = Clock::NowMs() + options_.transition_ms;
}

StreamResult<StreamRegistry::ShardPosition> StreamRegistry::PositionOf(
    std::string_view account, std::string_view name, uint32_t shard_index) const {
  auto s = Find(account, name);
  if (!s) return MakeUnexpected(NotFound(account, name));
  std::shared_lock sl(s->mu);
  int pos = s->PositionOfLocked(shard_index);
  if (pos < 0 || static_cast<size_t>(pos) >= s->logs.size()) {
    StreamError e;
    e.code = StreamErrc::kShardNotFound;
    e.shard = ShardIdOf(shard_index);
    e.stream = std::string(name);
    e.account = std::string(account);
    return MakeUnexpected(e);
  }
  const auto& log = *s->logs[pos];
  return ShardPosition{VisibleEnd(log).value(), log.LastTimestampMs()};
}

storage::Offset StreamRegistry::VisibleEnd(const storage::Log& log) const {
  return committer_->mode() == storage::SyncMode::kAlways ? log.DurableEnd() : log.EndOffset();
}

void StreamRegistry::MaintenanceLoop() {
  using namespace std::chrono_literals;
  int64_t last_retention = 0;
  while (!stop_) {
    std::this_thread::sleep_for(20ms);
    int64_t now = Clock::NowMs();
    std::vector<std::shared_ptr<Stream>> due, pending, resharding;
    {
      std::shared_lock lock(mu_);
      for (const auto& [k, s] : streams_) {
        std::shared_lock sl(s->mu);
        if (s->meta.status == StreamStatus::kDeleting && now >= s->meta.transition_at_ms) {
          due.push_back(s);
        } else if (s->storage_pending) {
          pending.push_back(s);
        } else if (s->reshard_pending) {
          resharding.push_back(s);
        }
      }
    }
    for (auto& s : due) FinishDeletion(s);
    for (auto& s : pending) CreatePendingStorage(s);
    for (auto& s : resharding) CompletePendingReshard(s);
    // Clock time: moving the test clock forward triggers a pass at the next tick.
    if (now - last_retention >= options_.retention_interval_ms) {
      last_retention = now;
      EnforceRetention();
    }
  }
}

}  // namespace runnel::stream
