// Request validation engine. Mirrors kinesalite's validations/index.js (recorded from AWS):
// pass 1 type-checks every present member in table order (first failure wins, as a
// SerializationException); pass 2 checks constraints in table order, collecting at most 10
// violations into one ValidationException. The success path allocates nothing: paths and
// values are rendered only when a violation is recorded. The pattern matchers and string
// helpers live in validate_patterns.cc.
#include "api/validate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "common/base64.h"

namespace runnel::api {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr size_t kMaxViolations = 10;

// ---------------------------------------------------------------------------------------------
// Paths: a linked list on the stack, rendered only on violation.

struct PathNode {
  enum class Kind { kMember, kIndex, kKey };
  const PathNode* parent = nullptr;
  Kind kind = Kind::kMember;
  std::string_view text;  // member name (PascalCase) or map key
  size_t index = 0;       // 1-based list index
};

void RenderPath(const PathNode* node, std::string& out) {
  if (node == nullptr) return;
  if (node->parent != nullptr) {
    RenderPath(node->parent, out);
    out.push_back('.');
  }
  switch (node->kind) {
    case PathNode::Kind::kMember:
      out += LowerCamel(node->text);
      break;
    case PathNode::Kind::kIndex:
      out += std::to_string(node->index);
      break;
    case PathNode::Kind::kKey:
      out.append(node->text);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Pass 1: type checks.

bool IsNumber(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

// Accessors for elements whose type is already known. (Binding value_unsafe() of a temporary
// simdjson_result in a range-for would dangle, so these return copies.)
std::string_view AsString(element v) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}
simdjson::dom::array AsArray(element v) {
  simdjson::dom::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS) return {};
  return a;
}
simdjson::dom::object AsObject(element v) {
  simdjson::dom::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return {};
  return o;
}

std::string UpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

constexpr std::string_view kListNotExpected = "Start of list found where not expected";
constexpr std::string_view kStructNotExpected =
    "Start of structure or map found where not expected.";
constexpr std::string_view kBigNumber = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  for (auto& x : t) x = -1;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kBase64 = MakeBase64Table();

// Mirrors kinesalite: length % 4, then the first match of /[^a-zA-Z0-9+/=]|=[^=]/, then a
// round-trip check (non-canonical trailing bits or more than two '=').
std::optional<std::string> CheckBase64(std::string_view s) {
  if (s.size() % 4 != 0) {
    return fmt::format(
        "'{}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 "
        "bytes but found: {}",
        s, s.size());
  }
  size_t pad = 0;
  while (pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  // Fast path: every char before the trailing '=' run is in the alphabet (SIMD where the
  // CPU allows; Data may be 10 MiB). The detailed scan below only runs to find the
  // offending char for the message.
  const bool all_ok = base64::AllInAlphabet(s.substr(0, s.size() - pad));
  for (size_t i = 0; !all_ok && i < s.size(); ++i) {
    char c = s[i];
    bool bad = (kBase64[static_cast<uint8_t>(c)] < 0 && c != '=') ||
               (c == '=' && i + 1 < s.size() && s[i + 1] != '=');
    if (bad) {
      return fmt::format("'{}' can not be converted to a Blob: Invalid Base64 character: '{}'", s,
                         c);
    }
  }
  bool canonical = pad <= 2;
  if (canonical && pad > 0) {
    int last = kBase64[static_cast<uint8_t>(s[s.size() - 1 - pad])];
    canonical = (pad == 1) ? (last & 0x3) == 0 : (last & 0xF) == 0;
  }
  if (!canonical) {
    return fmt::format(
        "'{}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected", s);
  }
  return std::nullopt;
}

thread_local DecodedBlobs t_decoded_blobs;

// Decodes a keep_decoded blob into t_decoded_blobs, checking it by the same rules as
// CheckBase64 in that one pass. False (nothing kept) when CheckBase64 would fail, which then
// renders the message.
bool DecodeBlob(std::string_view s) {
  DecodedBlobs& blobs = t_decoded_blobs;
  char* dst = blobs.Reserve(base64::MaxDecodedSize(s.size()));
  // Fails on a length that is no multiple of 4, a char outside the alphabet before the
  // trailing '=' run, and a run longer than two ('=' is outside the alphabet).
  base64::DecodeResult r = base64::DecodeTo(s, dst);
  if (r.error != base64::DecodeError::kNone) return false;
  // What DecodeTo accepts and CheckBase64 does not: non-zero bits in the last char before
  // the padding.
  size_t n = s.size();
  if (n != 0 && s[n - 1] == '=') {
    const bool two = s[n - 2] == '=';
    const int last = kBase64[static_cast<uint8_t>(s[n - (two ? 3 : 2)])];
    if ((last & (two ? 0xF : 0x3)) != 0) return false;
  }
  blobs.Commit(s.data(), r.size);
  return true;
}

size_t DecodedLength(std::string_view b64) {
  size_t pad = 0;
  while (pad < b64.size() && pad < 2 && b64[b64.size() - 1 - pad] == '=') ++pad;
  return b64.size() / 4 * 3 - pad;
}

std::optional<std::string> TypeCheckFields(element object, std::span<const FieldSpec> fields);

std::optional<std::string> TypeCheck(element v, const FieldSpec& spec) {
  element_type t = v.type();
  if (t == element_type::NULL_VALUE) return std::nullopt;
  bool is_array = t == element_type::ARRAY;
  bool is_object = t == element_type::OBJECT;
  bool is_bool = t == element_type::BOOL;
  bool is_string = t == element_type::STRING;
  switch (spec.type) {
    case FieldType::kString:
      if (is_bool) return "class java.lang.Boolean can not be converted to an String";
      if (IsNumber(t)) return fmt::format("{} can not be converted to an String", kBigNumber);
      if (is_array) return std::string(kListNotExpected);
      if (is_object) return std::string(kStructNotExpected);
      return std::nullopt;
    case FieldType::kInteger:
    case FieldType::kLong: {
      std::string_view java = spec.type == FieldType::kInteger ? "Integer" : "Long";
      if (is_bool) return fmt::format("class java.lang.Boolean can not be converted to an {}", java);
      if (is_string) return fmt::format("class java.lang.String can not be converted to an {}", java);
      if (is_array) return std::string(kListNotExpected);
      if (is_object) return std::string(kStructNotExpected);
      return std::nullopt;
    }
    case FieldType::kBoolean:
      if (IsNumber(t)) return fmt::format("{} can not be converted to an Boolean", kBigNumber);
      // kinesalite: AWS upper-cases the string in the message. (AWS is said to accept
      // "true"/"false"/"yes"/"no"/"1"/"0"; kinesalite and we reject every string.)
      if (is_string)
        return fmt::format("'{}' can not be converted to an Boolean", UpperAscii(AsString(v)));
      if (is_array) return std::string(kListNotExpected);
      if (is_object) return std::string(kStructNotExpected);
      return std::nullopt;
    case FieldType::kTimestamp:
      if (is_bool) return "class java.lang.Boolean can not be converted to milliseconds since epoch";
      if (is_string) return "class java.lang.String can not be converted to milliseconds since epoch";
      if (is_array) return std::string(kListNotExpected);
      if (is_object) return std::string(kStructNotExpected);
      return std::nullopt;
    case FieldType::kBlob:
      if (is_bool) return "class java.lang.Boolean can not be converted to a Blob";
      if (IsNumber(t)) return fmt::format("{} can not be converted to a Blob", kBigNumber);
      if (is_array) return std::string(kListNotExpected);
      if (is_object) return std::string(kStructNotExpected);
      if (spec.keep_decoded && DecodeBlob(AsString(v))) return std::nullopt;
      return CheckBase64(AsString(v));
    case FieldType::kList:
      if (is_object) return std::string(kStructNotExpected);
      if (!is_array) return "Expected list or null";
      if (spec.members.empty()) return std::nullopt;
      for (element item : AsArray(v)) {
        if (auto err = TypeCheck(item, spec.members[0])) return err;
      }
      return std::nullopt;
    case FieldType::kMap:
      if (is_array) return std::string(kListNotExpected);
      if (!is_object) return "Expected map or null";
      if (spec.members.empty()) return std::nullopt;
      for (auto field : AsObject(v)) {
        if (auto err = TypeCheck(field.value, spec.members[0])) return err;
      }
      return std::nullopt;
    case FieldType::kStructure:
      if (is_array) return std::string(kListNotExpected);
      if (!is_object) return "Expected null";
      return TypeCheckFields(v, spec.members);
  }
  return std::nullopt;
}

std::optional<element> Member(element object, std::string_view name) {
  element v;
  if (AsObject(object).at_key(name).get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

std::optional<std::string> TypeCheckFields(element object, std::span<const FieldSpec> fields) {
  for (const FieldSpec& f : fields) {
    if (auto v = Member(object, f.name)) {
      if (auto err = TypeCheck(*v, f)) return err;
    }
  }
  return std::nullopt;
}

// The top-level members of a request, looked up in one pass over the object instead of one
// at_key scan per table row per pass. Same answers as Member(): the first member with the
// name wins, and a null value counts as absent.
constexpr size_t kMaxTopLevelFields = 32;

struct TopLevelMembers {
  std::array<element, kMaxTopLevelFields> value;
  std::array<bool, kMaxTopLevelFields> present{};  // a non-null first occurrence

  std::optional<element> operator[](size_t i) const {
    if (!present[i]) return std::nullopt;
    return value[i];
  }
};

// REQUIRES: fields.size() <= kMaxTopLevelFields.
void FindMembers(simdjson::dom::object object, std::span<const FieldSpec> fields,
                 TopLevelMembers& out) {
  std::array<bool, kMaxTopLevelFields> seen{};
  size_t unseen = fields.size();
  for (auto field : object) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (seen[i] || field.key != fields[i].name) continue;
      seen[i] = true;
      --unseen;
      if (!field.value.is_null()) {
        out.value[i] = field.value;
        out.present[i] = true;
      }
      // No break: a table could list a name twice, and Member() would find it for both.
    }
    if (unseen == 0) break;
  }
}

std::optional<std::string> TypeCheckMembers(const TopLevelMembers& members,
                                            std::span<const FieldSpec> fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (auto v = members[i]) {
      if (auto err = TypeCheck(*v, fields[i])) return err;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Pass 2: constraints.

std::string RenderRaw(element v, const FieldSpec& spec);

std::string RenderNumber(element v, const FieldSpec& spec) {
  if (spec.type == FieldType::kInteger || spec.type == FieldType::kLong)
    return std::to_string(IntegerValue(v, spec.type));
  switch (v.type()) {
    case element_type::INT64:
      return std::to_string(v.get_int64().value_unsafe());
    case element_type::UINT64:
      return std::to_string(v.get_uint64().value_unsafe());
    default:
      return fmt::format("{}", v.get_double().value_unsafe());
  }
}

// The value as kinesalite's valueStr() shows it (without the surrounding quotes).
std::string RenderRaw(element v, const FieldSpec& spec) {
  switch (v.type()) {
    case element_type::NULL_VALUE:
      return "null";
    case element_type::BOOL:
      return v.get_bool().value_unsafe() ? "true" : "false";
    case element_type::STRING:
      if (spec.type == FieldType::kBlob) {
        size_t n = DecodedLength(AsString(v));
        return fmt::format("java.nio.HeapByteBuffer[pos=0 lim={} cap={}]", n, n);
      }
      return std::string(AsString(v));
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return RenderNumber(v, spec);
    case element_type::ARRAY: {
      std::string out = "[";
      bool first = true;
      for (element item : AsArray(v)) {
        if (!first) out += ", ";
        first = false;
        if (!spec.member_str.empty()) {
          out.append(spec.member_str);
        } else if (!spec.members.empty()) {
          out += RenderRaw(item, spec.members[0]);
        } else {
          out += RenderRaw(item, FieldSpec{});
        }
      }
      out += "]";
      return out;
    }
    case element_type::OBJECT:
      if (spec.type == FieldType::kMap) {
        std::string out = "{";
        bool first = true;
        for (auto field : AsObject(v)) {
          if (!first) out += ", ";
          first = false;
          out.append(field.key);
          out.push_back('=');
          if (!spec.member_str.empty()) {
            out.append(spec.member_str);
          } else {
            out += RenderRaw(field.value, spec.members.empty() ? FieldSpec{} : spec.members[0]);
          }
        }
        out += "}";
        return out;
      }
      return simdjson::minify(v);
  }
  return {};
}

class Checker {
 public:
  bool Full() const { return violations_.size() >= kMaxViolations; }

  // The top level, with its members already looked up.
  void CheckMembers(const TopLevelMembers& members, std::span<const FieldSpec> fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (Full()) return;
      PathNode node{nullptr, PathNode::Kind::kMember, fields[i].name};
      Check(members[i], fields[i], &node);
    }
  }

  void CheckFields(std::optional<element> object, std::span<const FieldSpec> fields,
                   const PathNode* parent) {
    for (const FieldSpec& f : fields) {
      if (Full()) return;
      PathNode node{parent, PathNode::Kind::kMember, f.name};
      std::optional<element> v;
      if (object) v = Member(*object, f.name);
      Check(v, f, &node);
    }
  }

  // `path` already names this value.
  void Check(std::optional<element> v, const FieldSpec& spec, const PathNode* path) {
    if (!v) {
      if (spec.required) Add(std::nullopt, spec, path, "Member must not be null");
      return;
    }
    switch (spec.type) {
      case FieldType::kString:
        CheckString(*v, spec, path);
        break;
      case FieldType::kInteger:
      case FieldType::kLong: {
        int64_t n = IntegerValue(*v, spec.type);
        if (spec.min && n < *spec.min)
          Add(v, spec, path,
              fmt::format("Member must have value greater than or equal to {}", *spec.min));
        if (spec.max && n > *spec.max)
          Add(v, spec, path,
              fmt::format("Member must have value less than or equal to {}", *spec.max));
        break;
      }
      case FieldType::kBoolean:
      case FieldType::kTimestamp:
        break;
      case FieldType::kBlob: {
        auto n = static_cast<int64_t>(DecodedLength(AsString(*v)));
        CheckLength(v, spec, path, n);
        break;
      }
      case FieldType::kList:
        CheckList(*v, spec, path);
        break;
      case FieldType::kMap:
        CheckMap(*v, spec, path);
        break;
      case FieldType::kStructure:
        CheckFields(v, spec.members, path);
        break;
    }
  }

  std::vector<std::string> Take() { return std::move(violations_); }

 private:
  void CheckString(element v, const FieldSpec& spec, const PathNode* path) {
    std::string_view s = AsString(v);
    if (spec.pattern != Pattern::kNone && !MatchesPattern(spec.pattern, s)) {
      Add(v, spec, path,
          fmt::format("Member must satisfy regular expression pattern: {}",
                      PatternText(spec.pattern)));
    }
    if (spec.min || spec.max) CheckLength(v, spec, path, static_cast<int64_t>(Utf16Length(s)));
    if (!spec.enum_values.empty()) {
      bool found = false;
      for (std::string_view e : spec.enum_values) found = found || e == s;
      if (!found) {
        Add(v, spec, path,
            fmt::format("Member must satisfy enum value set: [{}]",
                        fmt::join(spec.enum_values, ", ")));
      }
    }
  }

  void CheckLength(std::optional<element> v, const FieldSpec& spec, const PathNode* path,
                   int64_t n) {
    if (spec.min && n < *spec.min)
      Add(v, spec, path,
          fmt::format("Member must have length greater than or equal to {}", *spec.min));
    if (spec.max && n > *spec.max)
      Add(v, spec, path,
          fmt::format("Member must have length less than or equal to {}", *spec.max));
  }

  static bool HasLengthBounds(const FieldSpec* s) {
    return s != nullptr && s->type == FieldType::kString && (s->min || s->max);
  }
  static std::string BoundsRule(std::string_view head, const FieldSpec& s) {
    return fmt::format(
        "{}: [Member must have length less than or equal to {}, Member must have length greater "
        "than or equal to {}]",
        head, s.max.value_or(std::numeric_limits<int32_t>::max()), s.min.value_or(0));
  }
  static bool WithinBounds(std::string_view s, const FieldSpec& spec) {
    auto n = static_cast<int64_t>(Utf16Length(s));
    return !(spec.min && n < *spec.min) && !(spec.max && n > *spec.max);
  }

  void CheckList(element v, const FieldSpec& spec, const PathNode* path) {
    auto array = AsArray(v);
    CheckLength(v, spec, path, static_cast<int64_t>(array.size()));
    if (spec.members.empty()) return;
    const FieldSpec& item_spec = spec.members[0];
    // String elements' length bounds are reported once, on the list (kinesalite childLengths).
    FieldSpec per_item = item_spec;
    if (HasLengthBounds(&item_spec)) {
      bool ok = true;
      for (element item : array)
        if (item.is_string() && !WithinBounds(AsString(item), item_spec)) ok = false;
      if (!ok) Add(v, spec, path, BoundsRule("Member must satisfy constraint", item_spec));
      per_item.min.reset();
      per_item.max.reset();
    }
    size_t i = 0;
    for (element item : array) {
      if (Full()) return;
      PathNode index{path, PathNode::Kind::kIndex, {}, ++i};
      PathNode member{&index, PathNode::Kind::kMember, "member"};
      std::optional<element> value;
      if (!item.is_null()) value = item;
      Check(value, per_item, &member);
    }
  }

  void CheckMap(element v, const FieldSpec& spec, const PathNode* path) {
    auto object = AsObject(v);
    CheckLength(v, spec, path, static_cast<int64_t>(object.size()));
    if (HasLengthBounds(spec.key_spec)) {
      bool ok = true;
      for (auto field : object) ok = ok && WithinBounds(field.key, *spec.key_spec);
      if (!ok) Add(v, spec, path, BoundsRule("Map keys must satisfy constraint", *spec.key_spec));
    }
    if (spec.members.empty()) return;
    const FieldSpec& value_spec = spec.members[0];
    FieldSpec per_value = value_spec;
    if (HasLengthBounds(&value_spec)) {
      bool ok = true;
      for (auto field : object)
        if (field.value.is_string() && !WithinBounds(AsString(field.value), value_spec))
          ok = false;
      if (!ok) Add(v, spec, path, BoundsRule("Map value must satisfy constraint", value_spec));
      per_value.min.reset();
      per_value.max.reset();
    }
    if (per_value.pattern == Pattern::kNone && per_value.enum_values.empty() &&
        per_value.type == FieldType::kString && !per_value.min && !per_value.max) {
      return;  // nothing left to check per entry
    }
    // kinesalite visits map entries in reverse key order.
    std::vector<std::pair<std::string_view, element>> entries;
    for (auto field : object) entries.emplace_back(field.key, field.value);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (Full()) return;
      PathNode key{path, PathNode::Kind::kKey, it->first};
      PathNode member{&key, PathNode::Kind::kMember, "member"};
      std::optional<element> value;
      if (!it->second.is_null()) value = it->second;
      Check(value, per_value, &member);
    }
  }

  void Add(std::optional<element> v, const FieldSpec& spec, const PathNode* path,
           std::string_view rule) {
    if (Full()) return;
    std::string item = "Value ";
    if (v && !v->is_null()) {
      item.push_back('\'');
      item += RenderRaw(*v, spec);
      item.push_back('\'');
    } else {
      item += "null";
    }
    item += " at '";
    RenderPath(path, item);
    item += "' failed to satisfy constraint: ";
    item.append(rule);
    violations_.push_back(std::move(item));
  }

  std::vector<std::string> violations_;
};

}  // namespace

int64_t IntegerValue(simdjson::dom::element v, FieldType type) {
  int64_t n = 0;
  switch (v.type()) {
    case element_type::INT64:
      n = v.get_int64().value_unsafe();
      break;
    case element_type::UINT64: {
      uint64_t u = v.get_uint64().value_unsafe();
      n = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
              ? std::numeric_limits<int64_t>::max()
              : static_cast<int64_t>(u);
      break;
    }
    case element_type::DOUBLE: {
      double d = std::floor(v.get_double().value_unsafe());
      if (std::isnan(d)) d = 0;
      if (d >= 9.2233720368547758e18) {
        n = std::numeric_limits<int64_t>::max();
      } else if (d <= -9.2233720368547758e18) {
        n = std::numeric_limits<int64_t>::min();
      } else {
        n = static_cast<int64_t>(d);
      }
      break;
    }
    default:
      return 0;
  }
  if (type == FieldType::kInteger && n > std::numeric_limits<int32_t>::max())
    n = std::numeric_limits<int32_t>::max();
  return n;
}

int64_t TimestampMsValue(simdjson::dom::element v) {
  switch (v.type()) {
    case element_type::INT64: {
      int64_t s = v.get_int64().value_unsafe();
      constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
      if (s > kLimit) return std::numeric_limits<int64_t>::max();
      if (s < -kLimit) return std::numeric_limits<int64_t>::min();
      return s * 1000;
    }
    case element_type::UINT64:
      return std::numeric_limits<int64_t>::max();
    case element_type::DOUBLE: {
      // Round the seconds to the nearest microsecond first so 1700000000.123 (not exactly
      // representable) yields ...123 ms rather than ...122.
      double ms = std::floor(std::round(v.get_double().value_unsafe() * 1e6) / 1e3);
      if (std::isnan(ms)) return 0;
      if (ms >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
      if (ms <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(ms);
    }
    default:
      return 0;
  }
}

void DecodedBlobs::Clear() {
  used_ = 0;
  blobs_.clear();
}

char* DecodedBlobs::Reserve(size_t n) {
  if (used_ + n > capacity_) {
    // Not zero-filled: only decoded bytes are ever read.
    size_t cap = std::max(used_ + n, capacity_ * 2);
    auto grown = std::make_unique_for_overwrite<char[]>(cap);
    if (used_) std::memcpy(grown.get(), data_.get(), used_);
    data_ = std::move(grown);
    capacity_ = cap;
  }
  return data_.get() + used_;
}

void DecodedBlobs::Commit(const char* source, size_t n) {
  blobs_.push_back({source, used_, used_ + n});
  used_ += n;
}

const DecodedBlobs& ThreadDecodedBlobs() { return t_decoded_blobs; }

std::optional<ApiError> Validate(simdjson::dom::element body, std::span<const FieldSpec> fields) {
  t_decoded_blobs.Clear();
  // Like an unparseable body: SerializationException without a message (kinesalite).
  if (!body.is_object()) return SerializationError("");
  Checker checker;
  if (fields.size() <= kMaxTopLevelFields) {
    TopLevelMembers members;
    FindMembers(AsObject(body), fields, members);
    if (auto err = TypeCheckMembers(members, fields)) return SerializationError(std::move(*err));
    checker.CheckMembers(members, fields);
  } else {
    if (auto err = TypeCheckFields(body, fields)) return SerializationError(std::move(*err));
    checker.CheckFields(body, fields, nullptr);
  }
  std::vector<std::string> violations = checker.Take();
  if (violations.empty()) return std::nullopt;
  size_t n = violations.size();
  return ValidationError(fmt::format("{} validation error{} detected: {}", n, n > 1 ? "s" : "",
                                     fmt::join(violations, "; ")));
}

}  // namespace runnel::api
