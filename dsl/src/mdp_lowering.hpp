// Private. Lowering of one `mdp NAME { ... }` block to a NamedMdp, in named steps:
// collect the items, read the settings, check the latent's distributions and the
// declarations, bind the block's names, find the walls, tabulate every state and the
// latent's distributions, set the start, label the states.
//
// Every error of a block is reported (not only the first), each at the token that
// causes it, in source order. An item that failed once is not evaluated again, so a
// rule wrong in every state gives one error, not one per state.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "elaborator.hpp"

namespace copi::dsl {

class MdpLowering {
 public:
  MdpLowering(Elaborator& elaborator, const ast::MdpStatement& block);
  MdpLowering(const MdpLowering&) = delete;
  MdpLowering& operator=(const MdpLowering&) = delete;
  ~MdpLowering();

  // The lowered block, or nothing when it has errors (all of them reported through
  // the elaborator).
  std::optional<NamedMdp> run();

 private:
  using Node = boost::spirit::x3::position_tagged;
  struct Component {
    const ast::Identifier* name;
    const ast::Domain* declared;
    VariableDomain domain;
  };

  // ---- the steps, in order (mdp_lowering.cpp) ----
  void collect_items();
  void add_setting(const ast::MdpSetting& setting);
  void read_settings();
  bool check_declarations();
  bool bind_names();
  bool check_labels(const std::vector<const Component*>& all);
  void find_walls();
  void tabulate();
  void set_start();
  void label_states();
  void validate();

  // ---- a latent and its distributions (mdp_latent.cpp) ----
  // Sorts the block's p(...) items into the latent's and the action's distribution,
  // checking what they are conditioned on. False when the block cannot be tabulated.
  bool check_distributions();
  void check_latent_prior(const ast::ConditionalStatement& d);
  void check_skill(const ast::ConditionalStatement& d);
  // `p(child | parents)` as written, for messages.
  std::string written(const ast::ConditionalStatement& d) const;
  // Fails at the first name of the block that `e` reads outside `allowed`.
  // A table entry (`table_entry`) may read none of them.
  void check_reads(const ast::Expression& e, const ast::ConditionalStatement& d,
                   const std::vector<std::string>& allowed, bool table_entry) const;
  void tabulate_latent();
  // The distribution `d` over `child_size` values in every row the block needs:
  // `rows` rows, row r evaluated with `bind(r)` (which also names the row for
  // messages). Rows are checked (finite, non-negative, summing to one) and rescaled.
  struct DistributionRows;
  std::vector<double> tabulate_distribution(const ast::ConditionalStatement& d, const DistributionRows& rows);
  std::string latent_label(std::size_t z) const { return named_.latent->labels[z]; }

  // ---- tabulating one state (mdp_tabulation.cpp) ----
  bool state_is_absorbing(std::size_t state);
  void tabulate_absorbing(std::size_t state);
  void tabulate_state(std::size_t state);
  // Fills row (state, action); false when the action is forbidden there.
  bool tabulate_action(std::size_t state, std::size_t action, double& prior_total);
  // The first rule whose condition holds; nothing when none does, or when a rule
  // failed before it (which one applies is then unknown).
  const ast::NextRule* choose_rule();
  void add_outcomes(const ast::NextRule& rule, std::size_t state, std::size_t action);
  void normalise_prior(std::size_t state, double total);
  // A `wall` or `absorbing` condition: the same for every action, or an error.
  bool state_condition(const ast::MdpSetting& setting);

  // ---- helpers ----
  // Runs `body`; an error inside becomes an error of `item` (at the node the error
  // names, or at `item`), and `item` is marked failed. False when it failed.
  template <typename Body>
  bool attempt(const Node& item, Body&& body);
  bool failed(const Node& item) const { return failed_.contains(&item); }
  void error(const Node& where, std::string message);
  void error_once(const Node& item, const Node& where, std::string message);
  std::size_t component_index(const ast::Identifier& name);
  std::size_t state_index(const std::vector<std::size_t>& digits) const;
  void bind_state(const std::vector<std::size_t>& digits);
  void bind_action(std::size_t action);  // also while the latent is bound
  void advance(std::vector<std::size_t>& digits) const;
  // "x=1, y=2" (labels where the component has them).
  std::string describe(const std::vector<std::size_t>& digits) const;
  std::string action_label(std::size_t action) const { return named_.mdp.action_labels[action]; }

  Elaborator& elaborator_;
  const ast::MdpStatement& block_;
  NamedMdp named_;
  std::vector<Diagnostic> errors_;
  std::set<const Node*> failed_;

  // The items, as collected.
  std::vector<Component> components_;
  std::optional<Component> action_;
  bool domains_ok_ = true;
  std::vector<const ast::NextRule*> rules_;
  const ast::MdpSetting* reward_ = nullptr;
  const ast::MdpSetting* prior_ = nullptr;
  const ast::MdpSetting* discount_ = nullptr;
  const ast::MdpSetting* temperature_ = nullptr;
  const ast::MdpSetting* horizon_ = nullptr;
  std::vector<const ast::MdpSetting*> absorbing_;  // several lines: any of them
  std::vector<const ast::MdpSetting*> walls_;
  std::vector<const ast::MdpSetting*> forbids_;
  const ast::StartDeclaration* start_ = nullptr;
  const ast::LatentDeclaration* latent_declaration_ = nullptr;
  std::optional<Component> latent_;
  bool latent_refused_ = false;  // a `latent` line was refused: its p(...) items are not checked
  std::vector<const ast::ConditionalStatement*> distributions_;  // the p(...) items, in order
  const ast::ConditionalStatement* latent_prior_ = nullptr;      // p(z | ...)
  const ast::ConditionalStatement* skill_ = nullptr;             // p(action | ..., z)

  // While tabulating.
  std::size_t outer_names_ = 0;       // size of the elaborator's name stack before the block's
  std::size_t first_component_ = 0;   // where the components' values sit in that stack
  bool names_bound_ = false;
  std::vector<std::size_t> digits_;   // the current state, one digit per component
  std::size_t action_slot_ = 0;       // where the action's value sits in that stack
  std::vector<std::uint8_t> is_wall_;
  std::vector<std::uint8_t> is_absorbing_;  // absorbing or wall, per state
  std::vector<control::Transition> transitions_;
};

}  // namespace copi::dsl

namespace copi::dsl {

template <typename Body>
bool MdpLowering::attempt(const Node& item, Body&& body) {
  try {
    body();
    return true;
  } catch (const SemanticError& e) {
    error_once(item, e.where != nullptr ? *e.where : item, e.message);
  } catch (const copi::Error& e) {
    error_once(item, item, e.what());
  }
  return false;
}

}  // namespace copi::dsl
