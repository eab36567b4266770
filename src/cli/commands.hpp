// commands.hpp: one entry point per subcommand (one file each).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace csvbloom::cli {

// Each registers its subcommand on `app` and returns the function that runs
// it after parsing (returning the process exit code).
std::function<int()> register_build(CLI::App& app);
std::function<int()> register_query(CLI::App& app);
std::function<int()> register_info(CLI::App& app);
std::function<int()> register_merge(CLI::App& app);
std::function<int()> register_select(CLI::App& app);
std::function<int()> register_dedupe(CLI::App& app);
std::function<int()> register_add(CLI::App& app);

}  // namespace csvbloom::cli
