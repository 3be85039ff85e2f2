// PutRecords (kinesis-api-actions.md §3): up to 500 entries, answered once all are durable.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/base64.h"

namespace runnel::api {
namespace {

// shapes.h's kRecords, except that each entry's Data is decoded by validation itself (in
// the pass that checks its base64), so Handle() only picks up the bytes.
constexpr FieldSpec KeepDecoded(FieldSpec f) {
  f.keep_decoded = true;
  return f;
}
constexpr FieldSpec kEntryMembers[] = {Required(kPartitionKey), kExplicitHashKey,
                                       KeepDecoded(Required(kData))};
constexpr FieldSpec WithMembers(FieldSpec f, std::span<const FieldSpec> members) {
  f.members = members;
  return f;
}
constexpr FieldSpec kEntryList[] = {WithMembers(kPutRecordsRequestEntry, kEntryMembers)};
constexpr FieldSpec kFields[] = {WithMembers(kRecords, kEntryList), kStreamName, kStreamArn,
                                 kStreamId};

// Per-thread scratch, reused: no per-record allocation.
struct Scratch {
  std::vector<std::string_view> data_b64;
  std::vector<stream::PutEntry> entries;
  // Decoded data, for the case validation did not leave it in ThreadDecodedBlobs() (it
  // always does; this keeps Handle() correct regardless).
  std::string fallback;
};
thread_local Scratch t_scratch;

// "shardId-" and the index as 12 digits, like stream::ShardIdOf but without allocating.
void AppendShardId(uint32_t index, std::string& out) {
  char id[20] = {'s', 'h', 'a', 'r', 'd', 'I', 'd', '-'};
  for (int k = 19; k >= 8; --k, index /= 10) id[k] = static_cast<char>('0' + index % 10);
  out.append(id, sizeof(id));
}

// {"FailedRecordCount":0,"Records":[{"SequenceNumber":"…","ShardId":"…"},…]}, written
// directly: sequence numbers are digits and shard ids [a-zA-Z0-9-], so nothing needs escaping.
// Each entry is assembled in a stack buffer and appended once; the shard id is rendered again
// only when it differs from the previous entry's.
std::string RenderResponse(const stream::PutOutcome& r) {
  constexpr std::string_view kHead = R"({"FailedRecordCount":0,"Records":[)";
  constexpr std::string_view kSeq = R"({"SequenceNumber":")";
  constexpr std::string_view kShard = R"(","ShardId":")";
  constexpr std::string_view kEnd = R"("})";
  constexpr size_t kShardIdBytes = 20;  // "shardId-" and 12 digits
  std::string out;
  out.reserve(kHead.size() + 32 +
              r.entries.size() * (1 + kSeq.size() + 64 + kShard.size() + kShardIdBytes + kEnd.size()));
  out.append(kHead);
  char entry[1 + kSeq.size() + sizeof(stream::PutEntryResult::sequence) + kShard.size() +
             kShardIdBytes + kEnd.size()];
  std::string shard_id;
  uint32_t shard_of_id = 0;
  for (size_t i = 0; i < r.entries.size(); ++i) {
    const auto& e = r.entries[i];
    if (i == 0 || e.shard_index != shard_of_id) {
      shard_id.clear();
      AppendShardId(e.shard_index, shard_id);
      shard_of_id = e.shard_index;
    }
    char* p = entry;
    if (i) *p++ = ',';
    std::memcpy(p, kSeq.data(), kSeq.size());
    p += kSeq.size();
    std::memcpy(p, e.sequence, e.sequence_length);
    p += e.sequence_length;
    std::memcpy(p, kShard.data(), kShard.size());
    p += kShard.size();
    std::memcpy(p, shard_id.data(), kShardIdBytes);
    p += kShardIdBytes;
    std::memcpy(p, kEnd.data(), kEnd.size());
    p += kEnd.size();
    out.append(entry, static_cast<size_t>(p - entry));
  }
  out.push_back(']');
  if (r.encrypted) out.append(R"(,"EncryptionType":"KMS")");
  out.push_back('}');
  return out;
}

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto records = *ctx.Array("Records");
  Scratch& sc = t_scratch;
  sc.data_b64.clear();
  sc.entries.clear();
  for (simdjson::dom::element rec : records) {
    // One pass over the entry's members instead of a lookup (a scan) per name; the first
    // occurrence of a name wins, as with operator[]. Types were validated already.
    std::optional<std::string_view> data_b64, partition_key;
    std::optional<simdjson::dom::element> ehk;
    for (simdjson::dom::key_value_pair field : rec.get_object()) {
      if (field.key == "Data") {
        if (!data_b64) data_b64 = std::string_view(field.value.get_string());  // throws if not
      } else if (field.key == "PartitionKey") {
        if (!partition_key) partition_key = std::string_view(field.value.get_string());
      } else if (field.key == "ExplicitHashKey") {
        if (!ehk) ehk = field.value;
      }
    }
    // Required members (validated); a miss throws like operator[] did (-> InternalFailure).
    if (!data_b64 || !partition_key) throw simdjson::simdjson_error(simdjson::NO_SUCH_FIELD);
    sc.data_b64.push_back(*data_b64);
    stream::PutEntry e;
    e.partition_key = *partition_key;
    if (ehk && !ehk->is_null()) {
      std::string_view s = ehk->get_string();
      e.explicit_hash_key = stream::ParseHashKey(s);
      if (!e.explicit_hash_key) {
        stream::StreamError err;
        err.code = stream::StreamErrc::kExplicitHashKeyInvalid;
        err.value = std::string(s);
        return ctx.Fail(err);
      }
    }
    sc.entries.push_back(e);
  }
  // The bytes validation decoded, one blob per entry in order, each naming its base64 text.
  const DecodedBlobs& blobs = ThreadDecodedBlobs();
  bool decoded = blobs.size() == sc.entries.size();
  for (size_t i = 0; decoded && i < sc.entries.size(); ++i) {
    decoded = blobs.source(i) == sc.data_b64[i].data();
    sc.entries[i].data = blobs.bytes(i);
  }
  if (!decoded) {
    size_t total = 0;
    for (std::string_view b64 : sc.data_b64) total += base64::MaxDecodedSize(b64.size());
    sc.fallback.clear();
    sc.fallback.reserve(total);  // never reallocates below, so the views stay valid
    for (size_t i = 0; i < sc.entries.size(); ++i) {
      const size_t begin = sc.fallback.size();
      base64::DecodeAppend(sc.data_b64[i], sc.fallback);  // validated already
      sc.entries[i].data = std::string_view(sc.fallback).substr(begin);
    }
  }

  ctx.registry.PutRecords(
      ctx.account, *name, sc.entries, std::nullopt,
      [respond = std::move(ctx.respond)](stream::StreamResult<stream::PutOutcome> r) {
        if (!r) return SendError(respond, ToApiError(r.error()));
        ApiResponse resp;
        resp.body = RenderResponse(*r);
        respond(std::move(resp));
      });
}

}  // namespace

const ActionDef kPutRecordsAction{"PutRecords", kFields, Handle};

}  // namespace runnel::api
