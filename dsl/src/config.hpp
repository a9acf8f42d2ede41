// Private. The ONLY place the parser's iterator and context types are named; the
// grammar's declaration, definition and instantiation all use these, so they agree
// (a mismatch is X3's classic link error).
#pragma once

#include <functional>
#include <string>

#include <boost/spirit/home/x3.hpp>

#include "parse_state.hpp"

namespace copi::dsl::parser {

namespace x3 = boost::spirit::x3;

using iterator_type = std::string::const_iterator;

// Whitespace, // line comments and /* block comments */.
struct skipper_class;
using skipper_type = x3::rule<skipper_class>;
BOOST_SPIRIT_DECLARE(skipper_type)

using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
using context_type = x3::context<parse_state_tag, std::reference_wrapper<ParseState>, phrase_context_type>;

}  // namespace copi::dsl::parser
