// "Did you mean ...?" for misspelled names: keywords, variables, options, algorithms.
// Every place that rejects an unknown word (the language, the option registry, the
// command line) asks here for the nearest known one.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace copi {

// Edits (insert, delete, substitute, swap two neighbours) that turn a into b;
// case-sensitive.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is at most `max_distance` edits away (and
// not `word` itself); ties go to the first candidate. Empty when nothing is that near.
[[nodiscard]] std::optional<std::string> closest_spelling(std::string_view word,
                                                          std::span<const std::string> candidates,
                                                          std::size_t max_distance = 2);

// " (did you mean 'x'?)" or "" — the suffix for an error message.
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string> candidates,
                                       std::size_t max_distance = 2);

}  // namespace copi
