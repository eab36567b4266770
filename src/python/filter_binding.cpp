// filter_binding.cpp: csvbloom.Filter, a mapped filter file asked about keys.
//
// contains_many() is the hot path. Keys are answered in batches: with the GIL
// held, a batch's keys are turned into byte views (borrowed from the Python
// objects, or converted into an arena when they are UCS-4 NumPy strings or
// tuples); then, with the GIL released, each is encoded to the bytes the
// build hashed (csvbloom::KeyEncoder, only when the filter normalises keys or
// has several key columns), hashed with the filter's seed, and probed with
// BloomFilter::contains_batch (prefetching). A NumPy array of bytes holds no
// Python objects, so it is answered without the GIL from start to end.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/hash.hpp"
#include "csvbloom/info.hpp"
#include "csvbloom/query.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace csvbloom::python {
namespace {

// Keys per batch: the CLI's query batch (4096), enough for contains_batch's
// prefetching to hide the cache misses of a filter much larger than the
// cache, while one batch's views and hashes (~160 KiB) stay in L2.
constexpr std::size_t kBatch = 4096;

struct KeyRef {
  const char* data;  // borrowed, or nullptr while the bytes are in the arena
  std::size_t arena_offset;
  std::size_t size;
  bool encoded;  // already the hashed bytes (a tuple); else text to encode
};

class Filter {
 public:
  Filter(std::string path, bool verify)
      : path_(std::move(path)), verify_(verify), lf_(std::make_shared<LoadedFilter>(load_filter(path_, verify))),
        encoder_(lf_->metadata.key),
        raw_(lf_->metadata.key.column_count() == 1 && !lf_->metadata.key.normalization.trim &&
             !lf_->metadata.key.normalization.lowercase) {}

  const std::string& path() const { return path_; }
  bool verify() const { return verify_; }
  const LoadedFilter& loaded() const { return *lf_; }
  std::size_t key_columns() const { return lf_->metadata.key.column_count(); }

  bool contains_one(py::handle key) {
    Batch b(*this, 1);  // no GIL release: one key costs less than the release
    b.add(key, 0);
    bool hit = false;
    if (!b.answer(&hit)) throw_encode_error(b, 0);
    return hit;
  }

  py::array_t<bool> contains_many(py::object keys);

 private:
  // One batch's keys; add() needs the GIL, answer() must run without it.
  class Batch {
   public:
    explicit Batch(const Filter& f, std::size_t capacity = kBatch) : f_(f) {
      refs_.reserve(capacity);
      hashes_.resize(capacity);
    }
    std::size_t size() const { return refs_.size(); }
    void clear() {
      refs_.clear();
      arena_.clear();
      hold_.clear();
    }
    void keep(py::object o) { hold_.push_back(std::move(o)); }

    // `index` is the key's position in the caller's sequence, for messages.
    void add(py::handle key, std::size_t index) {
      PyObject* o = key.ptr();
      if (PyUnicode_Check(o)) {
        Py_ssize_t n = 0;
        const char* s = PyUnicode_AsUTF8AndSize(o, &n);  // cached in the object; a view for ASCII
        if (!s) throw py::error_already_set();
        add_borrowed(s, static_cast<std::size_t>(n));
      } else if (PyBytes_Check(o)) {
        add_borrowed(PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o)));
      } else if (PyTuple_Check(o)) {
        add_tuple(o, index);
      } else {
        throw py::type_error(wrong_type(o, index));
      }
    }
    void add_borrowed(const char* s, std::size_t n) { refs_.push_back({s, 0, n, false}); }
    // Appends room for n bytes of a key in the arena; fill it before the next add.
    char* add_in_arena(std::size_t n, bool encoded) {
      refs_.push_back({nullptr, arena_.size(), n, encoded});
      arena_.resize(arena_.size() + n);
      return arena_.data() + arena_.size() - n;
    }
    void trim_last(std::size_t n) {  // the last arena key is n bytes long after all
      KeyRef& r = refs_.back();
      arena_.resize(r.arena_offset + n);
      r.size = n;
    }

    // Encodes, hashes and probes; out[i] for the i-th key added. Needs no GIL.
    // Returns false (and sets error_ / error_index_) when a key can't be encoded.
    bool answer(bool* out) {
      const std::uint64_t seed = f_.lf_->filter.params().seed;
      for (std::size_t i = 0; i < refs_.size(); ++i) {
        const KeyRef& r = refs_[i];
        const char* p = r.data ? r.data : arena_.data() + r.arena_offset;
        if (r.encoded || f_.raw_) {
          hashes_[i] = hash_key(p, r.size, seed);
        } else {
          if (!f_.encoder_.encode(std::string_view(p, r.size), scratch_, &error_)) {
            error_index_ = i;
            return false;
          }
          hashes_[i] = hash_key(scratch_, seed);
        }
      }
      f_.lf_->filter.contains_batch(hashes_.data(), refs_.size(), out);
      return true;
    }
    const std::string& error() const { return error_; }
    std::size_t error_index() const { return error_index_; }

   private:
    void add_tuple(PyObject* t, std::size_t index) {
      const Py_ssize_t n = PyTuple_GET_SIZE(t);
      fields_.clear();
      for (Py_ssize_t j = 0; j < n; ++j) {
        PyObject* v = PyTuple_GET_ITEM(t, j);
        if (PyUnicode_Check(v)) {
          Py_ssize_t len = 0;
          const char* s = PyUnicode_AsUTF8AndSize(v, &len);
          if (!s) throw py::error_already_set();
          fields_.emplace_back(s, static_cast<std::size_t>(len));
        } else if (PyBytes_Check(v)) {
          fields_.emplace_back(PyBytes_AS_STRING(v), static_cast<std::size_t>(PyBytes_GET_SIZE(v)));
        } else {
          throw py::type_error("key " + std::to_string(index) + ": field " + std::to_string(j) + " of the tuple is " +
                               type_name(v) + ", not str or bytes");
        }
      }
      std::string error;
      if (!f_.encoder_.encode_fields(fields_, scratch_, &error))
        throw Error(ErrorKind::invalid_argument, "key " + std::to_string(index) + ": " + error);
      std::memcpy(add_in_arena(scratch_.size(), true), scratch_.data(), scratch_.size());
    }
    static std::string type_name(PyObject* o) { return Py_TYPE(o)->tp_name; }
    std::string wrong_type(PyObject* o, std::size_t index) const {
      std::string s = "key " + std::to_string(index) + " is " + type_name(o) + ", not str or bytes";
      if (f_.key_columns() > 1) s += " (or a tuple of " + std::to_string(f_.key_columns()) + " of them)";
      if (PyFloat_Check(o)) s += "; a float NaN is how pandas marks a missing value: dropna() first";
      return s;
    }

    const Filter& f_;
    std::vector<KeyRef> refs_;
    std::string arena_, scratch_, error_;
    std::vector<KeyHash> hashes_;
    std::vector<py::object> hold_;  // keys from an iterator, alive until answered
    std::vector<std::string_view> fields_;
    std::size_t error_index_{0};
  };

  [[noreturn]] static void throw_encode_error(const Batch& b, std::size_t first) {
    throw Error(ErrorKind::invalid_argument, "key " + std::to_string(first + b.error_index()) + ": " + b.error());
  }
  // Answers the batch (GIL released) into out + first; clears it.
  static void flush(Batch& b, bool* out, std::size_t first) {
    bool ok;
    {
      py::gil_scoped_release nogil;
      ok = b.answer(out + first);
    }
    if (!ok) throw_encode_error(b, first);
    b.clear();
  }

  py::array_t<bool> from_numpy(const py::array& a);

  std::string path_;
  bool verify_;
  std::shared_ptr<const LoadedFilter> lf_;
  KeyEncoder encoder_;
  bool raw_;  // one column, no normalisation: the key's bytes are hashed as they are
};

// UCS-4 code points -> UTF-8 (NumPy 'U' arrays). Returns false for a code
// point that UTF-8 cannot carry (a surrogate, or above U+10FFFF).
bool ucs4_to_utf8(const std::uint32_t* s, std::size_t n, char* out, std::size_t& written) {
  char* o = out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t c = s[i];
    if (c < 0x80) {
      *o++ = static_cast<char>(c);
    } else if (c < 0x800) {
      *o++ = static_cast<char>(0xc0 | (c >> 6));
      *o++ = static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      if (c >= 0xd800 && c < 0xe000) return false;
      *o++ = static_cast<char>(0xe0 | (c >> 12));
      *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      *o++ = static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x110000) {
      *o++ = static_cast<char>(0xf0 | (c >> 18));
      *o++ = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      *o++ = static_cast<char>(0x80 | (c & 0x3f));
    } else {
      return false;
    }
  }
  written = static_cast<std::size_t>(o - out);
  return true;
}

py::array_t<bool> Filter::from_numpy(const py::array& a) {
  if (a.ndim() != 1)
    throw Error(ErrorKind::invalid_argument, "keys must be a 1-D array, got " + std::to_string(a.ndim()) + " dimensions");
  const std::size_t n = static_cast<std::size_t>(a.shape(0));
  const py::ssize_t stride = a.strides(0);
  const char* base = static_cast<const char*>(a.data());
  const std::size_t width = static_cast<std::size_t>(a.itemsize());
  const char kind = a.dtype().kind();
  py::array_t<bool> result(static_cast<py::ssize_t>(n));
  bool* out = result.mutable_data();
  Batch b(*this);
  if (kind == 'O') {
    for (std::size_t i = 0; i < n; ++i) {
      PyObject* o = *reinterpret_cast<PyObject* const*>(base + static_cast<py::ssize_t>(i) * stride);
      if (!o) throw py::type_error("key " + std::to_string(i) + " is NULL (an uninitialised object array)");
      b.keep(py::reinterpret_borrow<py::object>(o));  // alive while viewed without the GIL, as for lists
      b.add(o, i);
      if (b.size() == kBatch) flush(b, out, i + 1 - kBatch);
    }
    if (b.size()) flush(b, out, n - b.size());
    return result;
  }
  if (kind != 'S' && kind != 'U')
    throw py::type_error("keys of dtype " + py::str(a.dtype()).cast<std::string>() +
                         ": give str or bytes (NumPy dtype 'U', 'S' or object)");
  // No Python object is touched from here on: one GIL release for the array
  // (the array itself is kept alive by `a`).
  bool ok = true;
  std::size_t first = 0;
  {
    py::gil_scoped_release nogil;
    for (std::size_t i = 0; i < n && ok; ++i) {
      const char* item = base + static_cast<py::ssize_t>(i) * stride;
      if (kind == 'S') {
        std::size_t len = width;  // NumPy pads with NULs and drops trailing NULs on read
        while (len && item[len - 1] == '\0') --len;
        b.add_borrowed(item, len);
      } else {
        const std::size_t chars = width / 4;
        std::uint32_t tmp[64];
        const std::uint32_t* s = reinterpret_cast<const std::uint32_t*>(item);
        std::vector<std::uint32_t> big;
        if (reinterpret_cast<std::uintptr_t>(item) % alignof(std::uint32_t) != 0) {  // unaligned (a packed record)
          std::uint32_t* dst = chars <= 64 ? tmp : (big.resize(chars), big.data());
          std::memcpy(dst, item, chars * 4);
          s = dst;
        }
        std::size_t len = chars;
        while (len && s[len - 1] == 0) --len;
        std::size_t written = 0;
        char* dst = b.add_in_arena(len * 4, false);
        if (!ucs4_to_utf8(s, len, dst, written)) {
          ok = false;
          first = i;
          break;
        }
        b.trim_last(written);
      }
      if (b.size() == kBatch) {
        if (!b.answer(out + i + 1 - kBatch)) {
          ok = false;
          first = i + 1 - kBatch;
          break;
        }
        b.clear();
      }
    }
    if (ok && b.size() && !b.answer(out + n - b.size())) {
      ok = false;
      first = n - b.size();
    }
  }
  if (!ok) {
    if (b.error().empty())
      throw Error(ErrorKind::invalid_argument, "key " + std::to_string(first) + " holds a code point UTF-8 cannot encode (a lone surrogate)");
    throw_encode_error(b, first);
  }
  return result;
}

py::array_t<bool> Filter::contains_many(py::object keys) {
  // pandas Series and Index, and anything else with to_numpy(): their array.
  if (!py::isinstance<py::array>(keys) && py::hasattr(keys, "to_numpy")) keys = keys.attr("to_numpy")();
  if (py::isinstance<py::array>(keys)) return from_numpy(keys.cast<py::array>());
  if (PyUnicode_Check(keys.ptr()) || PyBytes_Check(keys.ptr()))
    throw py::type_error("contains_many() takes a collection of keys, not one key: use contains() or `in`");
  Batch b(*this);
  if (PyList_Check(keys.ptr()) || PyTuple_Check(keys.ptr())) {
    py::sequence seq = keys;
    const std::size_t n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(keys.ptr()));
    py::array_t<bool> result(static_cast<py::ssize_t>(n));
    bool* out = result.mutable_data();
    PyObject** items = PySequence_Fast_ITEMS(keys.ptr());
    // Another thread may change the list while a batch is answered without
    // the GIL: the batch holds a reference to each key it views.
    for (std::size_t i = 0; i < n; ++i) {
      if (static_cast<std::size_t>(PySequence_Fast_GET_SIZE(keys.ptr())) != n)
        throw py::value_error("the list of keys changed size while it was read");
      b.keep(py::reinterpret_borrow<py::object>(items[i]));
      b.add(items[i], i);
      if (b.size() == kBatch) flush(b, out, i + 1 - kBatch);
    }
    if (b.size()) flush(b, out, n - b.size());
    return result;
  }
  // Any iterable: answers go to a growing buffer, copied once at the end.
  std::vector<unsigned char> answers;
  std::size_t i = 0;
  for (py::handle h : keys) {
    b.keep(py::reinterpret_borrow<py::object>(h));
    b.add(h, i++);
    if (b.size() == kBatch) {
      answers.resize(i);
      flush(b, reinterpret_cast<bool*>(answers.data()), i - kBatch);
    }
  }
  answers.resize(i);
  if (b.size()) flush(b, reinterpret_cast<bool*>(answers.data()), i - b.size());
  py::array_t<bool> result(static_cast<py::ssize_t>(i));
  if (i) std::memcpy(result.mutable_data(), answers.data(), i);
  return result;
}

}  // namespace

py::dict info_dict(const FilterInfo& i) {
  py::list columns;
  for (const auto& c : i.key_columns) {
    py::dict d;
    if (c.by_name()) d["name"] = c.name;
    else d["index"] = c.index;
    columns.append(d);
  }
  py::dict key;
  key["columns"] = columns;
  key["delimiter"] = std::string(1, i.dialect.delimiter);
  key["has_header"] = i.dialect.has_header;
  key["trim"] = i.normalization.trim;
  key["lowercase"] = i.normalization.lowercase;
  py::dict d;
  d["layout"] = i.layout;
  d["bits"] = i.bits;
  d["bytes"] = i.bytes;
  d["hashes"] = i.hashes;
  d["hash_algorithm"] = i.hash_algorithm;
  d["seed"] = i.seed_hex;
  d["keys_inserted"] = i.keys_inserted;
  d["capacity"] = i.capacity;
  d["target_fpr"] = i.target_fpr;
  d["key"] = key;
  d["set_bits"] = i.set_bits;
  d["fill_ratio"] = i.fill_ratio;
  d["estimated_distinct_keys"] = i.estimated_distinct_keys;
  d["estimated_fpr"] = i.estimated_fpr;
  d["merge_fingerprint"] = i.merge_fingerprint;
  return d;
}

void register_filter(py::module_& m) {
  py::class_<Filter>(m, "Filter", "A csvbloom filter file, mapped read-only. Open with Filter.open(path).")
      .def_static(
          "open",
          [](py::object path_arg, bool verify) {
            std::string path = py::module_::import("os").attr("fspath")(path_arg).cast<std::string>();
            py::gil_scoped_release nogil;  // the checksum pass reads the whole file
            return std::make_unique<Filter>(std::move(path), verify);
          },
          py::arg("path"), py::arg("verify") = true,
          "Map and validate a filter file, as `csvbloom query` does. verify=False skips the\n"
          "checksum over the whole file (faster on huge filters). Raises csvbloom.IOError\n"
          "when the file can't be opened and csvbloom.CorruptFilterError when it isn't a\n"
          "valid filter.")
      .def("contains", &Filter::contains_one, py::arg("key"),
           "True if the key may be in the filter, False if it certainly is not. A key is\n"
           "str (UTF-8 encoded) or bytes; for a filter built with several --key columns, a\n"
           "tuple of one value per column in --key order (or one CSV row of text, as the CLI\n"
           "takes it). The filter's trim/lowercase are applied.")
      .def("__contains__", &Filter::contains_one, py::arg("key"))
      .def("contains_many", &Filter::contains_many, py::arg("keys"),
           "contains() for many keys: a list, tuple, any iterable, a NumPy array (dtype 'S',\n"
           "'U' or object) or a pandas Series/Index. Returns a NumPy bool array, one answer\n"
           "per key, in order. Keys are answered in batches with the GIL released.")
      .def(
          "info",
          [](const Filter& f) {
            const LoadedFilter& lf = f.loaded();
            FillStats fill;
            {
              py::gil_scoped_release nogil;
              fill = lf.filter.fill_stats();
            }
            py::dict d;
            d["file"] = f.path();
            d["file_bytes"] = lf.file_bytes;
            d["format_version"] = kFormatVersion;
            for (auto item : info_dict(filter_info(lf.filter, lf.metadata, fill))) d[item.first] = item.second;
            return d;
          },
          "The filter's parameters and fill: the fields and names of `csvbloom info --json`.\n"
          "Counting the set bits reads the whole bit array.")
      .def_property_readonly("path", &Filter::path, "The file this filter was opened from.")
      .def_property_readonly("keys_inserted", [](const Filter& f) { return f.loaded().filter.keys_inserted(); },
                             "Keys inserted by the build(s), duplicates included (stored in the file).")
      .def_property_readonly(
          "estimated_distinct_keys",
          [](const Filter& f) {
            py::gil_scoped_release nogil;
            return f.loaded().filter.fill_stats().estimated_distinct;
          },
          "Distinct keys estimated from the fill (reads the whole bit array). There is no\n"
          "len(): a Bloom filter knows its size only approximately.")
      .def_property_readonly("key_columns", &Filter::key_columns, "Number of key columns (1 for a single key).")
      // Pickled as "open this path again" (Dask ships filters to workers that
      // see the same file system); the bits are not copied.
      .def(py::pickle([](const Filter& f) { return py::make_tuple(f.path(), f.verify()); },
                      [](py::tuple t) {
                        std::string path = t[0].cast<std::string>();
                        const bool verify = t[1].cast<bool>();
                        py::gil_scoped_release nogil;
                        return std::make_unique<Filter>(std::move(path), verify);
                      }))
      .def("__repr__", [](const Filter& f) {
        const auto& p = f.loaded().filter.params();
        return "<csvbloom.Filter '" + f.path() + "': " + layout_name(p.layout) + ", " + std::to_string(p.bits) +
               " bits, " + std::to_string(p.hashes) + " hashes, key " + f.loaded().metadata.key.describe() + ">";
      });
}

}  // namespace csvbloom::python
