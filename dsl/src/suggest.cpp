// "Did you mean ...?" in the language's messages, on top of copi::did_you_mean: a
// name that differs only in case is always suggested; otherwise the edits allowed
// grow with the word (none for one or two letters, where `a` for `b` would be another
// name rather than a typo; one up to four letters; two beyond).
#include <algorithm>
#include <cctype>
#include <vector>

#include "copi/graph/spelling.hpp"
#include "suggest.hpp"

namespace copi::dsl {

std::string suggest(const std::string& word, const std::vector<std::string>& candidates) {
  const auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  };
  const std::string folded = lower(word);
  for (const std::string& candidate : candidates) {
    if (candidate != word && lower(candidate) == folded) return " (did you mean '" + candidate + "'?)";
  }
  const std::size_t edits = word.size() <= 2 ? 0 : word.size() <= 4 ? 1 : 2;
  if (edits == 0) return "";
  return did_you_mean(word, candidates, edits);
}

std::string keyword_hint(std::string_view expected, std::string_view word) {
  static const std::vector<std::string> statements = {"param", "var",   "factor", "table", "evidence", "query", "cluster", "infer",
                                                      "include", "mdp", "lqr", "solve",  "constraint", "for",   "if",       "else", "learn"};
  static const std::vector<std::string> items = {"state",  "action", "latent", "next",  "reward",   "absorbing",   "wall",
                                                 "forbid", "prior",  "start", "discount", "temperature", "horizon"};
  static const std::vector<std::string> lqr_items = {"A", "B", "noise", "Q", "R", "N", "Qf", "x0", "x0_cov",
                                                     "horizon", "temperature", "state", "action", "dynamics",
                                                     "reward", "final"};
  const std::vector<std::string>* keywords = nullptr;
  if (expected == kExpectedStatement || expected == kExpectedStatementInBlock || expected == kExpectedOneStatement) {
    keywords = &statements;
  } else if (expected == kExpectedMdpItem) {
    keywords = &items;
  } else if (expected == kExpectedLqrItem) {
    keywords = &lqr_items;
  }
  if (keywords == nullptr || word.empty()) return "";
  return suggest(std::string(word), *keywords);
}

}  // namespace copi::dsl
