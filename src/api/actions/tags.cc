// AddTagsToStream, RemoveTagsFromStream, ListTagsForStream (by stream name/ARN) and
// TagResource, UntagResource, ListTagsForResource (by stream or consumer ARN)
// (kinesis-api-actions.md §6). The rules (characters, 50 per resource) are stream::tags.
// Changing tags requires an ACTIVE resource (ResourceInUseException otherwise); listing does
// not.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/resource_arn.h"
#include "api/shapes.h"
#include "common/json_writer.h"
#include "stream/tags.h"

namespace runnel::api {
namespace {

using stream::StreamRegistry;

constexpr int64_t kDefaultListTagsLimit = 50;

constexpr FieldSpec kAddTagsFields[] = {kStreamName, Required(kTags), kStreamArn, kStreamId};
constexpr FieldSpec kRemoveTagsFields[] = {kStreamName, kTagKeys, kStreamArn, kStreamId};
constexpr FieldSpec kListTagsFields[] = {kStreamName, kExclusiveStartTagKey, kListTagsLimit,
                                         kStreamArn, kStreamId};
constexpr FieldSpec kTagResourceFields[] = {Required(kTags), Required(kResourceArn), kStreamId};
constexpr FieldSpec kUntagResourceFields[] = {kTagKeys, Required(kResourceArn), kStreamId};
constexpr FieldSpec kListTagsForResourceFields[] = {Required(kResourceArn), kStreamId};

stream::TagMap TagsMember(const ActionContext& ctx) {
  stream::TagMap tags;
  if (auto obj = ctx.Object("Tags")) {
    for (auto [k, v] : *obj) {
      std::string_view value;
      if (v.get(value) == simdjson::SUCCESS) tags.insert_or_assign(std::string(k), std::string(value));
    }
  }
  return tags;
}

std::vector<std::string> TagKeysMember(const ActionContext& ctx) {
  std::vector<std::string> keys;
  if (auto arr = ctx.Array("TagKeys")) {
    for (auto v : *arr) {
      std::string_view key;
      if (v.get(key) == simdjson::SUCCESS) keys.emplace_back(key);
    }
  }
  return keys;
}

// [{"Key":..,"Value":..}, ...] for tags in [begin, end).
template <class It>
void WriteTagList(JsonWriter& w, It begin, It end) {
  w.Key("Tags").BeginArray();
  for (It it = begin; it != end; ++it) {
    w.BeginObject().Member("Key", it->first).Member("Value", it->second).EndObject();
  }
  w.EndArray();
}

// --- the operations, on a stream's tags ------------------------------------------------

void AddStreamTags(ActionContext& ctx, const std::string& name, const stream::TagMap& added) {
  auto r = ctx.registry.UpdateStream(
      ctx.account, name, StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        return stream::AddTags(m.tags, added, stream::TagOwner{m.name, m.account});
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

void RemoveStreamTags(ActionContext& ctx, const std::string& name,
                      const std::vector<std::string>& keys) {
  auto r = ctx.registry.UpdateStream(
      ctx.account, name, StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        return stream::RemoveTags(m.tags, keys, stream::TagOwner{m.name, m.account});
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

// --- by stream name / ARN ----------------------------------------------------------------

void HandleAddTagsToStream(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  AddStreamTags(ctx, *name, TagsMember(ctx));
}

void HandleRemoveTagsFromStream(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  RemoveStreamTags(ctx, *name, TagKeysMember(ctx));
}

void HandleListTagsForStream(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto meta = ctx.registry.Describe(ctx.account, *name);
  if (!meta) return ctx.Fail(meta.error());
  const auto& tags = meta->tags;  // sorted by key
  auto begin = tags.begin();
  if (auto start = ctx.String("ExclusiveStartTagKey")) begin = tags.upper_bound(std::string(*start));
  const int64_t limit = ctx.Integer("Limit").value_or(kDefaultListTagsLimit);
  auto end = begin;
  for (int64_t n = 0; n < limit && end != tags.end(); ++n) ++end;

  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  WriteTagList(w, begin, end);
  w.Key("HasMoreTags").Bool(end != tags.end());
  w.EndObject();
  ctx.Ok(std::move(out));
}

// --- by resource ARN: a stream's tags or a registered consumer's ---------------------------

// The tags of the resource `ref` names inside `m`, or kConsumerNotFound.
stream::StreamResult<stream::TagMap*> TagsOf(stream::StreamMeta& m, const ResourceRef& ref,
                                             std::string_view account) {
  if (ref.kind == ResourceRef::Kind::kStream) return &m.tags;
  auto consumer = FindConsumer(m, ref);
  if (!consumer) {
    stream::StreamError e = consumer.error();
    e.account = std::string(account);
    return MakeUnexpected(std::move(e));
  }
  return &(*consumer)->tags;
}

template <class Change>
void ChangeResourceTags(ActionContext& ctx, const ResourceRef& ref, Change change) {
  // A stream's tags need the stream ACTIVE; a consumer's only need the consumer to exist.
  auto require = ref.kind == ResourceRef::Kind::kStream ? StreamRegistry::Require::kActive
                                                        : StreamRegistry::Require::kAny;
  auto r = ctx.registry.UpdateStream(
      ctx.account, ref.stream, require,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        auto tags = TagsOf(m, ref, ctx.account);
        if (!tags) return MakeUnexpected(tags.error());
        return change(**tags, stream::TagOwner{m.name, m.account});
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

void HandleTagResource(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref) return;
  const stream::TagMap added = TagsMember(ctx);
  ChangeResourceTags(ctx, *ref, [&](stream::TagMap& tags, const stream::TagOwner& owner) {
    return stream::AddTags(tags, added, owner);
  });
}

void HandleUntagResource(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref) return;
  const std::vector<std::string> keys = TagKeysMember(ctx);
  ChangeResourceTags(ctx, *ref, [&](stream::TagMap& tags, const stream::TagOwner& owner) {
    return stream::RemoveTags(tags, keys, owner);
  });
}

void HandleListTagsForResource(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref) return;
  auto meta = ctx.registry.Describe(ctx.account, ref->stream);
  if (!meta) return ctx.Fail(meta.error());
  auto tags = TagsOf(*meta, *ref, ctx.account);
  if (!tags) return ctx.Fail(tags.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  WriteTagList(w, (*tags)->begin(), (*tags)->end());
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kAddTagsToStreamAction{"AddTagsToStream", kAddTagsFields,
                                       HandleAddTagsToStream};
const ActionDef kRemoveTagsFromStreamAction{"RemoveTagsFromStream", kRemoveTagsFields,
                                            HandleRemoveTagsFromStream};
const ActionDef kListTagsForStreamAction{"ListTagsForStream", kListTagsFields,
                                         HandleListTagsForStream};
const ActionDef kTagResourceAction{"TagResource", kTagResourceFields, HandleTagResource};
const ActionDef kUntagResourceAction{"UntagResource", kUntagResourceFields,
                                     HandleUntagResource};
const ActionDef kListTagsForResourceAction{"ListTagsForResource", kListTagsForResourceFields,
                                           HandleListTagsForResource};

}  // namespace runnel::api
