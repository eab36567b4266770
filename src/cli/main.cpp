// main.cpp: csvbloom's entry point: dispatch to one subcommand.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <string>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "csvbloom/error.hpp"

int main(int argc, char** argv) {
  using namespace csvbloom::cli;
  // A file size limit (ulimit -f) must be a write error we report, not a
  // signal that kills us mid-write: with SIGXFSZ ignored, write() says EFBIG.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "csvbloom: build Bloom filters from CSV files, fast, and ask them \"have we seen this key?\".\n\n"
      "  csvbloom build -o emails.bloom --key email --fpr 0.001 data/*.csv\n"
      "  csvbloom query emails.bloom alice@example.com        # exit 0: may be present, 1: absent\n"
      "  csvbloom info emails.bloom\n"
      "  csvbloom merge -o all.bloom part-*.bloom\n"
      "  csvbloom select --absent emails.bloom new/*.csv     # the rows never seen\n"
      "  csvbloom dedupe --key email exports/*.csv.gz        # the first row of every key\n"
      "  csvbloom add emails.bloom new/*.csv                 # insert more files\n",
      "csvbloom"};
  app.set_version_flag("--version", std::string("csvbloom ") + CSVBLOOM_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  std::map<CLI::App*, std::function<int()>> runners;
  for (auto reg : {register_build, register_query, register_info, register_merge, register_select, register_dedupe,
                   register_add}) {
    auto run = reg(app);
    runners[app.get_subcommands({}).back()] = run;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    std::fprintf(stderr, "Run 'csvbloom --help' or 'csvbloom SUBCOMMAND --help' for usage.\n");
    return kExitError;
  }
  try {
    for (auto& [sub, run] : runners) {
      if (!sub->parsed()) continue;
      const int rc = run();
      // Output lost to a full disk or a closed pipe is an error, not exit 0
      // (`info > /dev/full`, `--stats-json -`): flush and check stdout once here.
      if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        print_error(std::string("can't write to standard output: ") + std::strerror(errno ? errno : EIO));
        return kExitError;
      }
      return rc;
    }
  } catch (const CLI::ParseError& e) {  // validation done after parsing
    print_error(e.what());
    return kExitError;
  } catch (const csvbloom::Error& e) {
    print_error(e.what());
    return kExitError;
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
    return kExitError;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitError;
  }
  return kExitError;
}
