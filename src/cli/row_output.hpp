// row_output.hpp: where select and dedupe write rows: standard output or,
// with -o, a temp file renamed over the path only on success (a failed or
// interrupted run leaves an existing file as it was). Writes go through one
// 1 MiB buffer, not stdio; a write of 1 MiB or more (a batch's run of rows)
// goes to the kernel as it is.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/io/atomic_file.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom::cli {

class RowOutput final : public RowSink {
 public:
  // path "" or "-": standard output.
  explicit RowOutput(const std::string& path);
  ~RowOutput() override;
  void write(std::string_view bytes) override;
  // Flushes, and with -o renames the file into place.
  void commit();

 private:
  void flush();
  void write_all(const char* p, std::size_t n);
  std::string path_;
  std::unique_ptr<detail::AtomicFileWriter> file_;
  int fd_{1};
  std::string buf_;
};

}  // namespace csvbloom::cli
