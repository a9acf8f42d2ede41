// Private. The .copi grammar's entry rule (defined in grammar_def.hpp, instantiated
// once in grammar.cpp).
#pragma once

#include "ast.hpp"
#include "config.hpp"

namespace copi::dsl::parser {

struct program_class;
using program_type = x3::rule<program_class, ast::Program>;
BOOST_SPIRIT_DECLARE(program_type)

program_type const& program();
skipper_type const& skipper();

}  // namespace copi::dsl::parser
