// Private. "Did you mean ...?" for the language's messages: names (suggest) and
// keywords at the place the parser expected one (keyword_hint).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace copi::dsl {

// " (did you mean 'x'?)" when a candidate is near `word` (case aside, or a few edits
// for a word long enough that a few edits are a typo, not another name), else "".
std::string suggest(const std::string& word, const std::vector<std::string>& candidates);

// What the parser says it expected where a keyword starts a statement or an item; the
// grammar names its rules with these, and keyword_hint knows their keywords.
inline constexpr const char* kExpectedStatement =
    "a statement (param, var, factor, p(...), table(...), evidence, query, cluster, infer, include, mdp, lqr, solve, "
    "learn reward, "
    "constraint, x ~ ..., for, if)";
inline constexpr const char* kExpectedStatementInBlock = "a statement or '}'";
inline constexpr const char* kExpectedOneStatement = "a statement";
inline constexpr const char* kExpectedMdpItem =
    "an MDP item (state, action, latent, next, p(...), reward, absorbing, wall, forbid, prior, start, discount, "
    "temperature, horizon) or '}'";
inline constexpr const char* kExpectedLqrItem =
    "an LQR item (A, B, noise, Q, R, N, Qf, x0, x0_cov, horizon, temperature, state, action, dynamics, reward, "
    "final) or '}'";

// The suggestion for `word` (the text where the parse failed) when `expected` is one
// of the names above and `word` is near one of its keywords; "" otherwise.
std::string keyword_hint(std::string_view expected, std::string_view word);

}  // namespace copi::dsl
