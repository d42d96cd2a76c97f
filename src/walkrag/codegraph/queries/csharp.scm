; References in C#. Captures: @call @receiver @type @inherit @import

(invocation_expression function: (identifier) @call)
(invocation_expression function: (member_access_expression expression: (_) @receiver name: (identifier) @call))
(invocation_expression function: (generic_name (identifier) @call))
(invocation_expression function: (member_access_expression name: (generic_name (identifier) @call)))
(object_creation_expression type: (identifier) @call)
(object_creation_expression type: (generic_name (identifier) @call))
(object_creation_expression type: (qualified_name name: (identifier) @call))
(attribute name: (identifier) @type)

(base_list (identifier) @inherit)
(base_list (generic_name (identifier) @inherit))
(base_list (qualified_name name: (identifier) @inherit))

(_ type: (identifier) @type)
(_ returns: (identifier) @type)
(_ type: (generic_name (identifier) @type))
(_ returns: (generic_name (identifier) @type))
(type_argument_list (identifier) @type)
(member_access_expression expression: (identifier) @type (#match? @type "^[A-Z]"))
(catch_declaration type: (identifier) @type)

(using_directive (identifier) @import)
(using_directive (qualified_name) @import)
