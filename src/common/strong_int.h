// StrongInt: a distinct integer type per quantity, so an Offset cannot be passed where a
// FilePos is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace runnel {

template <class T, class Tag>
class StrongInt {
 public:
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;
  constexpr StrongInt operator+(T d) const { return StrongInt(v_ + d); }
  constexpr StrongInt operator-(T d) const { return StrongInt(v_ - d); }
  constexpr T operator-(StrongInt o) const { return v_ - o.v_; }
  constexpr StrongInt& operator+=(T d) { v_ += d; return *this; }
  constexpr StrongInt& operator++() { ++v_; return *this; }

 private:
  T v_{};
};

}  // namespace runnel

template <class T, class Tag>
struct std::hash<runnel::StrongInt<T, Tag>> {
  size_t operator()(const runnel::StrongInt<T, Tag>& v) const { return std::hash<T>()(v.value()); }
};
