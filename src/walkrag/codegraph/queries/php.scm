; References in PHP. Captures: @call @receiver @type @inherit @import

(function_call_expression function: (name) @call)
(function_call_expression function: (qualified_name (name) @call))
(member_call_expression object: (_) @receiver name: (name) @call)
(nullsafe_member_call_expression object: (_) @receiver name: (name) @call)
(scoped_call_expression scope: (_) @receiver name: (name) @call)
(object_creation_expression (name) @call)
(object_creation_expression (qualified_name (name) @call))

(base_clause (name) @inherit)
(base_clause (qualified_name (name) @inherit))
(class_interface_clause (name) @inherit)
(class_interface_clause (qualified_name (name) @inherit))
(use_declaration (name) @inherit)

(named_type (name) @type)
(named_type (qualified_name (name) @type))
(scoped_call_expression scope: (name) @type)
(class_constant_access_expression (name) @type)

(namespace_use_clause (qualified_name) @import)
(namespace_use_clause (name) @import)
(require_once_expression (string (string_content) @import))
(require_expression (string (string_content) @import))
(include_once_expression (string (string_content) @import))
(include_expression (string (string_content) @import))
