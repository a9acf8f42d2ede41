// Compiles the grammar once, for the iterator and context of config.hpp.
#include "grammar_def.hpp"

namespace copi::dsl::parser {

BOOST_SPIRIT_INSTANTIATE(program_type, iterator_type, context_type)
BOOST_SPIRIT_INSTANTIATE(skipper_type, iterator_type, x3::unused_type)

program_type const& program() { return program_rule; }
skipper_type const& skipper() { return skipper_rule; }

}  // namespace copi::dsl::parser
