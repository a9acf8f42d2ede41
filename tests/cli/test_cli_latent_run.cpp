// `copi run` on mdp blocks with a latent: examples/latent_step.copi against the same
// grid written with the marginal prior by hand, examples/latent_episode.copi against
// its posterior computed by hand, and what run prints, writes as JSON and plots.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

constexpr double kTight = 1e-12;

std::string example(const std::string& name) { return source_path("examples/" + name); }

nlohmann::json run_json(const std::string& model, const TempDir& dir, const std::string& name) {
  const CliRun run = run_copi("run " + model + " --json " + (dir / name).string());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  return nlohmann::json::parse(slurp(dir / name));
}

// Replaces the line holding `needle` (the whole line) by `replacement` ("" drops it).
std::string replace_line_with(std::string text, const std::string& needle, const std::string& replacement) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no line with '" << needle << "'";
    return text;
  }
  const std::size_t begin = text.rfind('\n', at) + 1;
  const std::size_t end = text.find('\n', at) + 1;
  return text.replace(begin, end - begin, replacement.empty() ? "" : replacement + "\n");
}

// examples/latent_step.copi: p(mode | x) is (0.2, 0.8) for rows/columns in the last
// column x = W-1 = 3, else (0.5, 0.5); p(move | rows) puts 0.4 on left and right and
// 0.1 on up and down, p(move | columns) the reverse. The marginal prior, by hand:
// x = 3: left/right 0.2*0.4 + 0.8*0.1 = 0.16, up/down 0.2*0.1 + 0.8*0.4 = 0.34; else 0.25.
std::string marginal_grid(const TempDir& dir) {
  std::string text = slurp(example("latent_step.copi"));
  text = replace_line_with(text, "latent mode :",
                           "  prior = if x == W - 1 then (if move == left or move == right then 0.16 else 0.34) "
                           "else 0.25");
  text = replace_line_with(text, "p(mode | x) =", "");
  text = replace_line_with(text, "p(move | mode) =", "");
  return dir.write("marginal.copi", text).string();
}

// The flat policy of the latent-per-step solve equals the flat solve under the
// marginal prior p(move | s) = Σ_mode p(mode | x) p(move | mode), for every method
// the example solves with, to 1e-12; and it is Σ_z π_hi π_lo of the split printed.
TEST(CliExamples, LatentStepFlatPolicyEqualsTheMarginalPriorModel) {
  TempDir dir;
  const nlohmann::json latent = run_json(example("latent_step.copi"), dir, "latent.json");
  const nlohmann::json flat = run_json(marginal_grid(dir), dir, "flat.json");
  ASSERT_EQ(latent["mdp_solutions"].size(), 3u);
  ASSERT_EQ(flat["mdp_solutions"].size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const nlohmann::json& a = latent["mdp_solutions"][k];
    const nlohmann::json& b = flat["mdp_solutions"][k];
    SCOPED_TRACE(a["method"].get<std::string>());
    EXPECT_EQ(a["method"], b["method"]);
    EXPECT_EQ(a["latent"], "mode");
    EXPECT_EQ(a["latent_mode"], "step");
    EXPECT_EQ(a["latents"], (nlohmann::json{"rows", "columns"}));
    for (std::size_t s = 0; s < 12; ++s) {  // p(mode | x): (0.2, 0.8) in the last column x = 3, else (0.5, 0.5)
      const double rows = s % 4 == 3 ? 0.2 : 0.5;
      EXPECT_EQ(a["latent_prior"][s], (nlohmann::json{rows, 1.0 - rows})) << "s=" << s;
    }
    const std::size_t steps = b["policy"].size();
    ASSERT_EQ(steps, 8u);  // horizon 8, every step kept
    ASSERT_EQ(a["policy"].size(), steps);
    ASSERT_EQ(a["policy_high"].size(), steps);
    ASSERT_EQ(a["policy_low"].size(), steps);
    for (std::size_t t = 0; t < steps; ++t) {
      for (std::size_t s = 0; s < 12; ++s) {
        EXPECT_NEAR(a["V"][t][s].get<double>(), b["V"][t][s].get<double>(), kTight) << "t=" << t << " s=" << s;
        double high_total = 0.0;
        for (std::size_t z = 0; z < 2; ++z) high_total += a["policy_high"][t][s][z].get<double>();
        EXPECT_NEAR(high_total, 1.0, kTight);
        for (std::size_t m = 0; m < 4; ++m) {
          const double pi = a["policy"][t][s][m].get<double>();
          EXPECT_NEAR(pi, b["policy"][t][s][m].get<double>(), kTight) << "t=" << t << " s=" << s << " move=" << m;
          double split = 0.0;
          for (std::size_t z = 0; z < 2; ++z) {
            split += a["policy_high"][t][s][z].get<double>() * a["policy_low"][t][s][z][m].get<double>();
          }
          EXPECT_NEAR(pi, split, kTight) << "t=" << t << " s=" << s << " move=" << m;
        }
      }
    }
    if (a.contains("log_partition")) {
      EXPECT_NEAR(a["log_partition"].get<double>(), b["log_partition"].get<double>(), kTight);
    }
  }
}

// examples/latent_episode.copi: deterministic moves and one move per cell and plan, so
// each plan's value from the start is its return (east_first -1-1-5-1 = -8,
// south_first -4, idle -6 over the 6 steps), and with temperature 1
// p(plan | O) ∝ p(plan) exp(return), log p(O) = log Σ p(plan) exp(return).
TEST(CliExamples, LatentEpisodePosteriorIsPriorTimesExpReturn) {
  TempDir dir;
  const nlohmann::json run = run_json(example("latent_episode.copi"), dir, "episode.json");
  ASSERT_EQ(run["mdp_solutions"].size(), 1u);
  const nlohmann::json& doc = run["mdp_solutions"][0];
  EXPECT_EQ(doc["latent"], "plan");
  EXPECT_EQ(doc["latent_mode"], "episode");
  EXPECT_EQ(doc["latents"], (nlohmann::json{"east_first", "south_first", "idle"}));
  const std::vector<double> prior{0.5, 0.3, 0.2};
  const std::vector<double> returns{-8.0, -4.0, -6.0};
  double total = 0.0;
  for (std::size_t z = 0; z < 3; ++z) total += prior[z] * std::exp(returns[z]);
  ASSERT_EQ(doc["latent_posterior"].size(), 3u);
  ASSERT_EQ(doc["V_per_latent"].size(), 6u);  // t x state x latent, horizon 6
  for (std::size_t z = 0; z < 3; ++z) {
    EXPECT_NEAR(doc["latent_prior"][z].get<double>(), prior[z], kTight);
    EXPECT_NEAR(doc["latent_posterior"][z].get<double>(), prior[z] * std::exp(returns[z]) / total, kTight);
    EXPECT_NEAR(doc["V_per_latent"][0][0][z].get<double>(), returns[z], kTight);  // the start (y=0, x=0) at t = 1
    EXPECT_NEAR(doc["log_partition_per_latent"][z].get<double>(), returns[z], kTight);
  }
  EXPECT_NEAR(doc["log_partition"].get<double>(), std::log(total), kTight);
  // Each plan's policy is its one move per cell: east_first goes right from the start.
  EXPECT_EQ(doc["policy_low"][0][0][0], (nlohmann::json{0.0, 0.0, 0.0, 1.0}));
}

// What run prints: the flat summary, then per state π_hi with the latent's labels and
// each mode's most likely move. In the absorbing goal only `up` (the first action)
// remains and every mode is worth the same, so π_hi is the prior (0.2, 0.8) there.
TEST(CliRunLatent, PrintsTheHierarchicalPolicyWithStateAndLatentLabels) {
  const CliRun run = run_copi("run " + example("latent_step.copi"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("MDP: 12 states, 4 actions, method exact, alpha 1\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("latent mode per step, at t = 1: pi_hi(mode|s) and the most likely action of "
                         "pi_lo(move|s,mode)\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  (y=2, x=3)   pi_hi: rows 0.2 columns 0.8   pi_lo: rows -> up (1), columns -> up (1)\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  (y=0, x=0)   pi_hi: rows "), std::string::npos) << run.out;
}

// Per episode: the posterior with the plans' labels (the hand values of the example,
// 6 significant digits), log p(O), and each plan's solution.
TEST(CliRunLatent, PrintsThePosteriorAndEachLatentValuesSolution) {
  const CliRun run = run_copi("run " + example("latent_episode.copi"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("latent plan per episode, method exact\n"
                         "posterior p(plan | O):  east_first 0.0272372  south_first 0.89226  idle 0.0805028\n"
                         "log p(O=1) -5.0899750688   "),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("plan = east_first (prior 0.5, posterior 0.0272372)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("plan = idle (prior 0.2, posterior 0.0805028)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  V(y=0, x=0) = -8   most likely action right (1)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  V(y=0, x=0) = -4   most likely action down (1)\n"), std::string::npos) << run.out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// --plot: one panel per latent value, titled by its label; a grid of 12 cells each
// (3 x 4) with an arrow or a word per cell.
TEST(CliRunLatent, PlotDrawsOnePanelPerLatentValue) {
  TempDir dir;
  const CliRun step = run_copi("run " + example("latent_step.copi") + " --plot " + (dir / "step.svg").string());
  ASSERT_EQ(step.status, 0) << step.err;
  const std::string exact = slurp(dir / "step.grid.exact.svg");
  EXPECT_EQ(count(exact, ">mode = rows<"), 1u);
  EXPECT_EQ(count(exact, ">mode = columns<"), 1u);
  EXPECT_EQ(count(exact, "<rect "), 1u + 2u * 12u);  // background, two panels of 3 x 4 cells
  EXPECT_NE(exact.find("pi_lo's most likely action on pi_hi(mode|s)"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir / "step.grid.map.svg"));

  const CliRun episode = run_copi("run " + example("latent_episode.copi") + " --plot " + (dir / "episode.svg").string());
  ASSERT_EQ(episode.status, 0) << episode.err;
  const std::string route = slurp(dir / "episode.svg");
  EXPECT_EQ(count(route, ">plan = east_first (posterior 0.0272372)<"), 1u);
  EXPECT_EQ(count(route, ">plan = south_first (posterior 0.89226)<"), 1u);
  EXPECT_EQ(count(route, ">plan = idle (posterior 0.0805028)<"), 1u);
  EXPECT_EQ(count(route, "<rect "), 1u + 3u * 9u);
}

// A state space that is not a grid: a table with a row per state and a column per
// latent value, the most likely action as text; the absorbing x = 3 keeps `left`.
TEST(CliRunLatent, PlotOfANonGridIsATablePerLatentValue) {
  TempDir dir;
  const auto file = dir.write("corridor.copi",
                              "mdp corridor {\n  state x : 0..3\n  action move : {left, right}\n"
                              "  latent mode : {cautious, bold} per step\n"
                              "  next move == left : { x' = max(x - 1, 0) : 1 }\n"
                              "  next move == right : { x' = min(x + 1, 3) : 1 }\n"
                              "  p(mode) = [0.5, 0.5]\n  p(move | mode) = [[0.5, 0.5], [0.1, 0.9]]\n"
                              "  reward = if x == 3 then 0 else -1\n  absorbing x == 3\n  horizon 4\n}\n"
                              "solve corridor with exact\n");
  const CliRun run = run_copi("run " + file.string() + " --plot " + (dir / "c.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string svg = slurp(dir / "c.svg");
  EXPECT_EQ(count(svg, "<rect "), 1u + 2u * 4u);
  for (const char* label : {">(x=0)<", ">(x=3)<", ">mode = cautious<", ">mode = bold<"}) {
    EXPECT_EQ(count(svg, label), 1u) << label;
  }
  EXPECT_EQ(count(svg, ">left<"), 2u);  // the absorbing state in each panel: right is the better move elsewhere
  EXPECT_EQ(count(svg, ">right<"), 6u);
}

// The z's of a latent per episode are solved in parallel: the same numbers on 1 and 2
// threads, to the last bit.
TEST(CliRunLatent, PerEpisodeAnswersDoNotDependOnTheThreadCount) {
  TempDir dir;
  std::string documents[2];
  for (const int threads : {1, 2}) {
    const std::string json = (dir / ("t" + std::to_string(threads) + ".json")).string();
    const CliRun run = run_copi("run " + example("latent_episode.copi") + " --threads " + std::to_string(threads) +
                                " --json " + json);
    ASSERT_EQ(run.status, 0) << run.err;
    nlohmann::json doc = nlohmann::json::parse(slurp(json))["mdp_solutions"][0];
    doc.erase("solve_seconds");
    doc.erase("threads");
    documents[threads - 1] = doc.dump();
  }
  EXPECT_EQ(documents[0], documents[1]);
}

// A latent outside an mdp block is an error at its place; nothing runs.
TEST(CliRunLatent, LatentOutsideAnMdpBlockIsAnInputError) {
  TempDir dir;
  const auto file = dir.write("broken.copi", "param N = 2\nlatent z : {a, b} per episode\n");
  const CliRun run = run_copi("run " + file.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("broken.copi:2:1: error: 'latent' declares a latent variable of an mdp block's policy: write "
                         "it inside 'mdp NAME { ... }'"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace copi::testing
