; References in Swift. Captures: @call @receiver @type @inherit @import

(call_expression (simple_identifier) @call)
(call_expression (navigation_expression target: (_) @receiver suffix: (navigation_suffix suffix: (simple_identifier) @call)))
(constructor_expression (user_type (type_identifier) @call))

(inheritance_specifier inherits_from: (user_type (type_identifier) @inherit))

(user_type (type_identifier) @type)

(import_declaration (identifier) @import)
